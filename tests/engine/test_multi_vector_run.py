"""A multi-vector (ColBERT-style) run on the tiny model: (query, positive, negative) rows, MaxSim in-batch
negatives, the multi-vector IR evaluator before and after, a verdict, and a saved MultiVectorEncoder."""

from __future__ import annotations

import json
from pathlib import Path

from wb_data import inline, triplets

from workbench import catalog as C
from workbench.engine import Runner, build, make_losses, train
from workbench.spec import RunSpec


def _config(make_config, **extra):
    return make_config(
        {"triplets": inline(triplets(12))},
        model_type=C.MULTI,
        eval={"dev": inline(triplets(8))},
        evaluators=[{"name": "MultiVectorInformationRetrievalEvaluator", "dataset": "eval/dev"}],
        **extra,
    )


def test_auto_picks_maxsim_in_batch_negatives_with_no_duplicates(make_config):
    plan = build(RunSpec.from_dict(_config(make_config)))
    assert plan.model_type == C.MULTI
    runner = Runner(plan)
    model = runner._build_model(plan)
    assert type(model).__name__ == "MultiVectorEncoder"
    loss = make_losses(plan, model)
    assert type(loss).__name__ == "MultiVectorMultipleNegativesRankingLoss"
    assert plan.args["batch_sampler"] == "no_duplicates"


def test_a_triplet_run_trains_and_reports_ndcg_before_and_after(make_config):
    cfg = _config(make_config, loss="MultiVectorMultipleNegativesRankingLoss")
    summary = train(cfg)
    out = Path(cfg["output_dir"])
    assert summary["status"] == "finished", summary
    key = "dev_maxsim_ndcg@10"
    assert key in summary["baseline"] and key in summary["final"]
    assert 0.0 <= summary["final"][key] <= 1.0
    on_disk = json.loads((out / "summary.json").read_text())
    verdict = on_disk["verdict"]
    assert verdict["verdict"] in ("Better", "About the same", "Worse")
    assert verdict["headline"].startswith(f"{verdict['verdict']} on your eval data: {key}"), verdict
    items = json.loads((out / "items.json").read_text())
    assert len(next(iter(items.values()))["baseline"]) == 8  # one nDCG per distinct dev query
    from sentence_transformers import MultiVectorEncoder

    model = MultiVectorEncoder(str(out / "final"), device="cpu")
    tokens = model.encode_query(["a cat"])
    assert tokens[0].ndim == 2 and tokens[0].shape[1] == 128  # one 128-d vector per token
    notes = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert any("projection" in json.dumps(e) for e in notes if e["type"] == "note"), notes
