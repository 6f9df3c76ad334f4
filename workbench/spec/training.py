"""The config's settings for how a run trains beyond its training arguments: ``early_stopping`` (top level) and a
cross-encoder's ``model.activation_fn``, checked as they are read."""

from __future__ import annotations

from ..catalog import CROSS, MODEL_ACTIVATIONS
from ..errors import WorkbenchError

EARLY_STOPPING_KEYS = ("patience", "threshold")


def check_activation(value, model_type: str) -> None:
    """``model.activation_fn``: a cross-encoder's prediction activation, one of MODEL_ACTIVATIONS (None: auto)."""
    if value is None:
        return
    if model_type != CROSS:
        raise WorkbenchError(
            f"model.activation_fn is for cross-encoders, but the model type is {model_type}.",
            fix="remove model.activation_fn, or set model.type to 'cross-encoder'.",
            where="model.activation_fn",
        )
    if value not in MODEL_ACTIVATIONS:
        raise WorkbenchError(
            f"model.activation_fn must be one of {', '.join(MODEL_ACTIVATIONS)}, got {value!r}.",
            fix="use Identity (raw scores) or Sigmoid (scores between 0 and 1), or leave it out to have the "
            "workbench choose from the loss.",
            where="model.activation_fn",
        )


def check_early_stopping(value):
    """``early_stopping``: None (automatic: on when something is evaluated during training), true, false, or
    ``{"patience": N, "threshold": X}``; returns it (a mapping copied).

    Raises:
        WorkbenchError: another type, an unknown key, a patience below 1, a negative threshold.
    """
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, dict):
        raise WorkbenchError(
            f'early_stopping must be true, false or {{"patience": 3}}, got {value!r}.',
            fix='use e.g. "early_stopping": {"patience": 3}, or false to train to the end.',
            where="early_stopping",
        )
    unknown = [k for k in value if k not in EARLY_STOPPING_KEYS]
    if unknown:
        raise WorkbenchError(
            f"early_stopping has no setting '{unknown[0]}'.",
            fix=f"use: {', '.join(EARLY_STOPPING_KEYS)}.",
            where=f"early_stopping.{unknown[0]}",
        )
    patience = value.get("patience")
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int) or patience < 1):
        raise WorkbenchError(
            f"early_stopping.patience must be a whole number of evaluations, at least 1; got {patience!r}.",
            fix="use e.g. 3 (stop after 3 evaluations without improvement), leave it out for a patience from the "
            "run's length, or set early_stopping to false to turn it off.",
            where="early_stopping.patience",
        )
    threshold = value.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold < 1e9
    ):
        raise WorkbenchError(
            f"early_stopping.threshold must be a number of 0 or more, got {threshold!r}.",
            fix="use e.g. 0.001: smaller gains do not count as improvement (0: any gain counts).",
            where="early_stopping.threshold",
        )
    return dict(value)
