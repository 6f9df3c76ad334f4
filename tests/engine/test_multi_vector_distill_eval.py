"""MultiVectorDistillationEvaluator on the tiny model: offered for eval data with the teacher's scores (one per
document: the MD3/MD4 shape the multi-vector distillation losses train on, or flat scored pairs), built with each
row's documents and scores in column order, measured before and after a distillation run, written the same way by
the exported script; rows without one score per document are refused naming the row."""

from __future__ import annotations

import pytest
from wb_data import inline, teacher_scored, triplets

from workbench import catalog as C
from workbench import rules
from workbench.engine import build, train
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec

EV = "MultiVectorDistillationEvaluator"


def _config(make_config, dev: dict, **extra):
    return make_config(
        {"kd": inline(teacher_scored(12), label="scores")},
        model_type=C.MULTI,
        loss="MultiVectorDistillKLDivLoss",
        eval={"dev": inline(dev, label="scores")},
        evaluators=[{"name": EV, "dataset": "eval/dev"}],
        **extra,
    )


def test_it_fits_teacher_scores_and_is_suggested_for_them(make_config):
    plan = build(RunSpec.from_dict(_config(make_config, teacher_scored(8))))
    shape = plan.shapes["eval/dev"]
    ev = C.get_evaluator(EV, C.MULTI)
    assert rules.evaluator_fits(ev, shape)[0]
    assert [e.name for e in rules.suggest_evaluators(shape, C.MULTI)] == [EV]
    plain = build(RunSpec.from_dict(make_config({"t": inline(triplets(8))}, model_type=C.MULTI))).shapes[
        "train/t"
    ]
    fits, why = rules.evaluator_fits(ev, plain)
    assert not fits and "teacher's score" in why
    (built,) = plan.evaluators
    data = teacher_scored(8)
    assert built.instance.queries == data["anchor"]
    assert built.instance.documents == [list(d) for d in zip(data["positive"], data["negative"], strict=True)]
    assert built.instance.scores.tolist() == data["scores"]


def test_a_distillation_run_reports_spearman_and_kl_before_and_after(make_config):
    cfg = _config(make_config, teacher_scored(8, shift=0.5), args={"max_steps": 2})
    summary = train(cfg)
    assert summary["status"] == "finished", summary
    assert summary["primary_metrics"] == {"dev": "dev_spearman"}
    for when in ("baseline", "final"):
        assert -1.0 <= summary[when]["dev_spearman"] <= 1.0 and summary[when]["dev_kl_divergence"] >= 0.0
    # The library's evaluator, built by hand from the same rows, gives the run's final numbers.
    from sentence_transformers import MultiVectorEncoder
    from sentence_transformers.multi_vector_encoder.evaluation import MultiVectorDistillationEvaluator

    data = teacher_scored(8, shift=0.5)
    documents = [[p, n] for p, n in zip(data["positive"], data["negative"], strict=True)]
    ours = MultiVectorDistillationEvaluator(data["anchor"], documents, data["scores"], name="dev")
    got = ours(MultiVectorEncoder(summary["model_path"], device="cpu"))
    assert got["dev_spearman"] == pytest.approx(summary["final"]["dev_spearman"], abs=1e-5)
    assert got["dev_kl_divergence"] == pytest.approx(
        summary["final"]["dev_kl_divergence"], rel=1e-3, abs=1e-5
    )


def test_flat_scored_pairs_build_the_flat_evaluator(make_config):
    pairs = {"q": triplets(8)["anchor"], "d": triplets(8)["positive"], "score": [float(i) for i in range(8)]}
    cfg = _config(make_config, teacher_scored(8))
    cfg["datasets"]["eval"] = {"dev": inline(pairs, label="score")}
    (built,) = build(RunSpec.from_dict(cfg)).evaluators
    assert not built.instance.nested_documents and built.instance.documents == pairs["d"]
    assert built.instance.scores.tolist() == pairs["score"]


def test_a_row_without_one_score_per_document_is_named(make_config):
    dev = teacher_scored(8)
    dev["scores"][3] = [9.0]
    with pytest.raises(WorkbenchError) as err:
        build(RunSpec.from_dict(_config(make_config, dev)))
    assert "row 3" in err.value.message and "2 teacher scores per row" in err.value.message, err.value
    assert err.value.where == "evaluators" and err.value.fix
