"""Distillation (teacher -> student), as facts and choices: which of the library's losses a teacher's targets train,
the checks on a request that need no model (layers to keep, columns), and the verdict's words: how much of the
teacher's quality the student keeps, at what size and speed (pure functions)."""

from __future__ import annotations

from .. import catalog as C
from ..errors import WorkbenchError

# The library's distillation losses (``sentence_transformers.sentence_transformer.losses``), by the teacher's kind:
# a bi-encoder teacher gives embeddings (labels: one vector per text), a cross-encoder teacher gives scores of
# (query, positive, negative...) rows (MarginMSELoss: the margins; DistillKLDivLoss: the score lists).
EMBEDDING_LOSSES = ("MSELoss", "EmbedDistillLoss")
SCORE_LOSSES = ("MarginMSELoss", "DistillKLDivLoss")
DISTILL_LOSSES = EMBEDDING_LOSSES + SCORE_LOSSES
DISTILL_LOSS_WORDS = {
    "MSELoss": "match the teacher's embeddings (mean squared error)",
    "EmbedDistillLoss": "match the teacher's embeddings (cosine distance)",
    "MarginMSELoss": "match the teacher's score margins positive - negative (mean squared error)",
    "DistillKLDivLoss": "match the teacher's score distribution over the candidates (KL divergence)",
}
TEACHER_TYPES = (C.DENSE, C.CROSS)
# The share of the teacher's quality above which a student "keeps" it (the verdict's words).
KEEPS_MOST = 0.95


def distill_loss(teacher_type: str, loss: str | None = None) -> str:
    """The loss a teacher's targets train: ``loss`` when it fits the teacher, else the default for the teacher.

    Raises:
        WorkbenchError: the teacher is neither a bi-encoder nor a cross-encoder, or the loss does not fit it.
    """
    if teacher_type not in TEACHER_TYPES:
        raise WorkbenchError(
            f"a {teacher_type} cannot be a teacher here: it gives neither embeddings nor pair scores.",
            fix="use a sentence-transformer model (embeddings) or a cross-encoder (scores) as the teacher.",
            where="teacher",
        )
    fits = EMBEDDING_LOSSES if teacher_type == C.DENSE else SCORE_LOSSES
    if not loss:
        return fits[0]
    if loss not in fits:
        kind = "an embedding model" if teacher_type == C.DENSE else "a cross-encoder"
        raise WorkbenchError(
            f"{loss} does not train on what {kind} teacher gives.",
            fix=f"with this teacher use {' or '.join(fits)}.",
            where="loss",
        )
    return loss


def check_keep_layers(keep: int | None, teacher_layers: int) -> None:
    """A student made of the teacher's first ``keep`` layers must have at least one and fewer than the teacher.

    Raises:
        WorkbenchError: ``keep`` is below 1 or not below the teacher's layer count.
    """
    if keep is None:
        return
    if keep < 1 or keep >= teacher_layers:
        raise WorkbenchError(
            f"cannot keep {keep} of the teacher's {teacher_layers} layers: the student keeps at least 1 and "
            f"fewer than the teacher.",
            fix=f"choose a number from 1 to {teacher_layers - 1} (e.g. {max(1, teacher_layers // 2)}).",
            where="keep_layers",
        )


def check_columns(available, wanted, what: str = "text") -> None:
    """Every wanted column is in the data.

    Raises:
        WorkbenchError: a column is missing (names the columns there are).
    """
    missing = [c for c in wanted if c not in available]
    if missing:
        raise WorkbenchError(
            f"the {what} column '{missing[0]}' is not in the data.",
            fix=f"use one of its columns: {', '.join(map(str, available))}.",
            where="columns",
        )


def kept_share(teacher: float | None, student: float | None) -> float | None:
    """The student's metric as a share of the teacher's (both higher-is-better); None when either is unknown."""
    if teacher is None or student is None or teacher <= 0:
        return None
    return student / teacher


def distill_verdict(report: dict) -> str:
    """The verdict in one sentence: how much of the teacher's quality the student keeps, at what size and speed.

    Args:
        report: A distillation report (``teacher`` / ``student_before`` / ``student_after``, each with ``metric``,
            ``parameters``, ``sps``; ``metric_name``).
    """
    teacher, before, after = (report.get(k) or {} for k in ("teacher", "student_before", "student_after"))
    name = report.get("metric_name") or "the metric"
    share = kept_share(teacher.get("metric"), after.get("metric"))
    if share is None:
        return "No comparison: the teacher's or the student's figure is missing."
    text = f"The student keeps {share:.0%} of the teacher's quality ({name} {after['metric']:.4f} vs "
    text += f"{teacher['metric']:.4f}"
    if before.get("metric") is not None:
        text += f"; {before['metric']:.4f} before distillation"
    text += ")"
    if teacher.get("parameters") and after.get("parameters"):
        text += f" with {after['parameters'] / teacher['parameters']:.0%} of its parameters"
    if teacher.get("sps") and after.get("sps"):
        text += f", encoding {after['sps'] / teacher['sps']:.1f}x as fast"
    text += "."
    if share >= KEEPS_MOST:
        return text + " It keeps most of the teacher's quality."
    if before.get("metric") is not None and after["metric"] <= before["metric"]:
        return text + " Distillation did not improve the student: more texts or epochs may help."
    return text
