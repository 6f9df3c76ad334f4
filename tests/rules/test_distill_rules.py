"""Distillation's choices and verdict words: the loss each teacher's targets train (checked against the installed
library), the layers a student may keep, and how much of the teacher's quality it keeps."""

from __future__ import annotations

import pytest

from workbench import catalog as C
from workbench import rules
from workbench.errors import WorkbenchError


@pytest.mark.parametrize("name", rules.DISTILL_LOSSES)
def test_every_distillation_loss_is_the_installed_librarys(name):
    import inspect

    from sentence_transformers.sentence_transformer import losses

    cls = getattr(losses, name)
    assert "model" in inspect.signature(cls.__init__).parameters
    if name in rules.EMBEDDING_LOSSES:
        assert "projection_dim" in inspect.signature(cls.__init__).parameters
    assert name in rules.DISTILL_LOSS_WORDS


def test_each_teacher_gets_its_own_losses():
    assert rules.distill_loss(C.DENSE) == "MSELoss" and rules.distill_loss(C.CROSS) == "MarginMSELoss"
    assert rules.distill_loss(C.DENSE, "EmbedDistillLoss") == "EmbedDistillLoss"
    assert rules.distill_loss(C.CROSS, "DistillKLDivLoss") == "DistillKLDivLoss"
    with pytest.raises(WorkbenchError, match="MarginMSELoss or DistillKLDivLoss"):
        rules.distill_loss(C.CROSS, "MSELoss")
    with pytest.raises(WorkbenchError, match="cannot be a teacher"):
        rules.distill_loss(C.SPARSE)


@pytest.mark.parametrize(
    ("keep", "ok"), [(None, True), (1, True), (5, True), (0, False), (6, False), (9, False)]
)
def test_a_student_keeps_at_least_one_and_fewer_layers_than_the_teacher(keep, ok):
    if ok:
        rules.check_keep_layers(keep, 6)
    else:
        with pytest.raises(WorkbenchError, match="from 1 to 5"):
            rules.check_keep_layers(keep, 6)


def test_the_verdict_says_what_share_of_the_teacher_the_student_keeps_at_what_size_and_speed():
    report = {
        "metric_name": "Spearman (cosine)",
        "teacher": {"metric": 0.80, "parameters": 100, "sps": 100.0},
        "student_before": {"metric": 0.70},
        "student_after": {"metric": 0.78, "parameters": 60, "sps": 190.0},
    }
    text = rules.distill_verdict(report)
    assert "keeps 98% of the teacher's quality" in text and "0.7800 vs 0.8000" in text
    assert "0.7000 before" in text and "60% of its parameters" in text and "1.9x as fast" in text
    assert "keeps most" in text
    report["student_after"]["metric"] = 0.60
    assert "did not improve" in rules.distill_verdict(report)
    assert rules.kept_share(None, 0.5) is None and rules.kept_share(0.5, 0.25) == 0.5
