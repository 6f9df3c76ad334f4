"""The run writes what its verdict needs: per-item scores at baseline and at the end (items.json), the warnings
that name a fix, and the verdict itself in summary.json, which `run_verdict_of(run_dir)` reads back the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wb_data import PAIRS, inline, positive_pairs, scored_pairs, unseen_pairs

from workbench.engine import run_verdict_of, train
from workbench.errors import WorkbenchError


def test_a_run_writes_per_item_scores_and_its_verdict(make_config):
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(unseen_pairs(8))},
        loss="CosineSimilarityLoss",
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        args={"max_steps": 6, "learning_rate": 1e-3},
    )
    summary = train(cfg)
    out = Path(cfg["output_dir"])
    items = json.loads((out / "items.json").read_text())
    dev = items["dev"]
    assert dev["metric"] == "dev_spearman_cosine" and dev["kind"] == "spearman"
    assert len(dev["baseline"]) == len(dev["final"]) == len(dev["gold"]) == len(dev["texts"]) == 8
    assert dev["texts"][0] == f"{PAIRS[0][0]} today | {PAIRS[0][1]} now"
    assert dev["baseline"] != dev["final"]  # the model trained in place was scored before and after
    verdict = summary["verdict"]
    assert verdict["verdict"] in ("Better", "About the same", "Worse")
    metric = verdict["metrics"][0]
    lo, hi = metric["ci95"]
    assert lo <= metric["delta"] <= hi and metric["n_items"] == 8
    assert verdict["headline"].startswith(verdict["verdict"] + " on your eval data: dev_spearman_cosine")
    assert "95 % interval" in verdict["headline"]
    assert verdict["meaning"].startswith("Spearman correlation")
    assert summary["warnings"] == []
    assert run_verdict_of(out).to_dict() == verdict  # Python reads the same verdict from the folder
    import workbench

    assert workbench.verdict(out).headline == verdict["headline"]
    with pytest.raises(WorkbenchError, match="summary.json is missing") as err:
        run_verdict_of(out / "final")
    assert err.value.where == "run_dir"


def test_eval_rows_also_in_the_train_data_are_a_leak(make_config):
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))},
        eval={"dev": inline(positive_pairs(8))},
        loss="MultipleNegativesRankingLoss",
        evaluators=[{"name": "InformationRetrievalEvaluator", "dataset": "eval/dev"}],
    )
    summary = train(cfg)
    assert [w["kind"] for w in summary["warnings"]] == ["leak"]
    assert "8 of 8 rows of the eval set 'dev'" in summary["warnings"][0]["text"]
    items = json.loads((Path(cfg["output_dir"]) / "items.json").read_text())["dev"]
    assert items["kind"] == "mean" and len(items["rank_baseline"]) == len(items["baseline"]) == 8
    assert all(r is None or r >= 1 for r in items["rank_baseline"] + items["rank_final"])
    assert summary["warnings"][0]["text"] in summary["verdict"]["hints"]


def test_a_leak_is_said_before_training_in_the_plan_notes(make_config):
    # `workbench check` and the run's first log lines print the notes: the leak shows before any step
    from workbench.engine import build
    from workbench.spec import RunSpec

    leaky = make_config(
        {"pairs": inline(positive_pairs(12))},
        eval={"dev": inline(positive_pairs(8))},
        loss="MultipleNegativesRankingLoss",
    )
    notes = build(RunSpec.from_dict(leaky)).notes
    assert any(n.startswith("Leak: 8 of 8 rows of the eval set 'dev' (100 %)") for n in notes), notes
    clean = make_config({"sts": inline(scored_pairs(16))}, eval={"dev": inline(unseen_pairs(8))})
    assert not any("Leak" in n for n in build(RunSpec.from_dict(clean)).notes)


def test_a_rising_eval_loss_over_many_passes_is_overfitting(make_config):
    from workbench.engine import build, run_warnings
    from workbench.spec import RunSpec

    plan = build(
        RunSpec.from_dict(make_config({"sts": inline(scored_pairs(16))}, loss="CosineSimilarityLoss"))
    )
    history = [
        {"loss": 0.3, "epoch": 0.5},
        {"eval_loss": 0.30, "epoch": 1.0},
        {"eval_loss": 0.25, "epoch": 2.0},
        {"eval_loss": 0.40, "epoch": 5.0},
    ]
    (warning,) = run_warnings(plan, history, 5.0)
    assert warning["kind"] == "overfit" and "5 passes over 16 rows" in warning["text"]
    assert "Fix: fewer epochs (about 2)" in warning["text"]
    assert run_warnings(plan, history[:3], 2.0) == []  # still falling: no warning


def test_an_evaluator_already_wrapped_in_an_item_recorder_is_not_wrapped_twice(make_config):
    """make quality wraps its evaluator itself: the run records into that recorder instead of failing."""
    from workbench.engine import ItemRecorder, Runner, build, recorded_delta
    from workbench.spec import RunSpec

    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(unseen_pairs(8))},
        loss="CosineSimilarityLoss",
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
    )
    plan = build(RunSpec.from_dict(cfg))
    recorder = plan.evaluators[0].instance = ItemRecorder(plan.evaluators[0].instance)
    summary = Runner(plan).run_blocking()
    assert summary["status"] == "finished", summary.get("error")
    assert len(recorder.records) >= 2 and recorded_delta(recorder, n_boot=50)["n_items"] == 8
    items = json.loads((Path(cfg["output_dir"]) / "items.json").read_text())["dev"]
    assert items["final"] == [float(v) for v in recorder.records[-1]["scores"]]
