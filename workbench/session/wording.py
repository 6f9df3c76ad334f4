"""How the Session words things for people: run statuses, errors, and the panel an error belongs to."""

from __future__ import annotations

from ..data import MAPPING_FIELDS
from ..errors import WorkbenchError

STATUSES = ("idle", "loading", "baseline", "training", "saving", "finished", "stopped", "error")
ACTIVE = ("loading", "baseline", "training", "saving")
ENDED = ("finished", "stopped", "error")
PANELS = ("model", "dataset", "columns", "loss", "args", "evaluators", "train")
STATUS_LINES = {
    "loading": "Loading the model and the data…",
    "baseline": "Measuring the model before training (baseline)…",
    "training": "Training…",
    "saving": "Saving the model…",
    "finished": "Finished.",
    "stopped": "Stopped; the model trained so far was saved.",
}
STOPPED_EARLY = "Stopped before training began: nothing was trained, so no model was saved."


def panel_for(where: str | None, default: str = "train") -> str:
    """The panel an error belongs to, from a WorkbenchError's ``where``."""
    if not where:
        return default
    head = where.split(".")[0].split("[")[0]
    if head == "datasets":
        return "columns" if where.rpartition(".")[2] in MAPPING_FIELDS else "dataset"
    return {"model": "model", "loss": "loss", "args": "args", "evaluators": "evaluators"}.get(head, default)


def error_text(exc: BaseException) -> str:
    """One line a person can read: a WorkbenchError's message and fix, or the first line of anything else."""
    if isinstance(exc, WorkbenchError):
        return exc.message + (f" Fix: {exc.fix}" if exc.fix else "")
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"Something went wrong ({type(exc).__name__}{': ' + first if first else ''})."
