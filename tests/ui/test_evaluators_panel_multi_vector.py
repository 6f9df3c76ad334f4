"""The Evaluators tab of a multi-vector model: an eval set with the teacher's scores (one per document) offers
MultiVectorDistillationEvaluator and ticks it; a plain triplet set explains why it does not fit."""

from __future__ import annotations

from panel_fixtures import dict_spec
from wb_data import teacher_scored, triplets

from workbench import catalog as C
from workbench.session import Session
from workbench.ui.panels import EvaluatorsPanel

EV = "MultiVectorDistillationEvaluator"


def test_teacher_scores_offer_the_distillation_evaluator(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.set_model_type(C.MULTI)
    session.add_dataset("train", "kd", dict_spec(teacher_scored(12), label="scores"))
    session.add_dataset("eval", "dev", dict_spec(teacher_scored(8), label="scores"))
    session.add_dataset("eval", "tri", dict_spec(triplets(8)))
    panel = EvaluatorsPanel(session)
    assert [(e.name, e.dataset) for e in session.evaluators if e.dataset == "eval/dev"] == [(EV, "eval/dev")]
    fits = panel.boxes[(EV, "eval/dev")]
    assert fits.value and not fits.disabled
    misfit = panel.boxes[(EV, "eval/tri")]
    assert not misfit.value and misfit.disabled
    assert "the teacher&#x27;s score" in panel.reasons[(EV, "eval/tri")].value
