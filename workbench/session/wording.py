"""How the Session words things for people: run statuses, errors, and the panel an error belongs to."""

from __future__ import annotations

from ..data import MAPPING_FIELDS
from ..engine import RunStatus, TrainingPart, training_parts
from ..errors import WorkbenchError

STATUSES = tuple(status.value for status in RunStatus)
ACTIVE = tuple(status.value for status in RunStatus if status.active)
ENDED = tuple(status.value for status in RunStatus if status.ended)
PANELS = ("model", "dataset", "columns", "loss", "args", "evaluators", "train")
# The name of each panel's tab, as a person sees it (messages that send them there).
TAB_NAMES = {
    "model": "Model",
    "dataset": "Data",
    "columns": "Columns",
    "loss": "Loss",
    "args": "Training settings",
    "evaluators": "Evaluators",
    "train": "Train",
}
# What a run in each status is doing: the one wording of the app's status line, its log and the CLI.
_DOING = {
    RunStatus.IDLE: "ready. Press Start training",
    RunStatus.QUEUED: "queued: another run holds the device; this one starts when it frees",
    RunStatus.LOADING: "loading the model and the data",
    RunStatus.BASELINE: "measuring the model before training (baseline)",
    RunStatus.TRAINING: "training: the model is learning from your data",
    RunStatus.SAVING: "saving the model",
    RunStatus.FINISHED: "done",
    RunStatus.STOPPED: "stopped; the model trained so far was saved",
    RunStatus.ERROR: "the run failed",
}
STOPPED_EARLY = "Stopped before training began: nothing was trained, so no model was saved."
# What a Stop does, said when it is pressed (the app's log and the CLI's Ctrl-C line).
STOPPING = "stopping after the current step; the model trained so far will be saved"


def describe(status: RunStatus | str, ellipsis: str = "…") -> str:
    """What a run in ``status`` is doing, in words: the app's status line and log and the CLI all show this.

    Args:
        status: A RunStatus or its value.
        ellipsis: How a status still under way ends: "…" in the app; the CLI writes " ...".

    Returns:
        A lower-case phrase ending in ``ellipsis`` (under way) or a full stop, e.g. ``"saving the model…"``.
    """
    status = RunStatus(status)
    return _DOING[status] + (ellipsis if status.active else ".")


def sentence(text: str) -> str:
    """``text`` with a capital first letter (a log line of its own)."""
    return text[:1].upper() + text[1:]


def panel_for(where: str | None, default: str = "train") -> str:
    """The panel an error belongs to, from a WorkbenchError's ``where``."""
    if not where:
        return default
    head = where.split(".")[0].split("[")[0]
    if head == "datasets":
        return "columns" if where.rpartition(".")[2] in MAPPING_FIELDS else "dataset"
    panels = {
        "model": "model",
        "loss": "loss",
        "args": "args",
        "evaluators": "evaluators",
        "output_dir": "train",
    }
    return panels.get(head, default)


def error_text(exc: BaseException) -> str:
    """One line a person can read: a WorkbenchError's message and fix, or the first line of anything else."""
    if isinstance(exc, WorkbenchError):
        return sentence(exc.message) + (f" Fix: {sentence(exc.fix)}" if exc.fix else "")
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"Something went wrong ({type(exc).__name__}{': ' + first if first else ''})."


def run_state(info) -> str:
    """A run's state in words, with where it can resume from (the runs list of the app and of the CLI)."""
    if info.died:
        text = "failed (its process ended)"
    elif info.status == RunStatus.QUEUED.value:
        text = "queued: waiting for the device (another run holds it)"
    elif info.status in ACTIVE:
        text = f"running: {describe(info.status, ellipsis='')}"
    else:
        text = {"finished": "finished", "stopped": "stopped", "error": "failed"}.get(info.status, info.status)
    if info.resumable:
        text += (
            f", can resume from step {info.checkpoint_step}" if info.checkpoint_step else ", can start again"
        )
    return text


def duration(seconds) -> str:
    """Seconds as a person reads them: ``"45 s"``, ``"3 min 07 s"`` (``"?"`` when unknown)."""
    if seconds is None:
        return "?"
    seconds = int(round(float(seconds)))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def steps_line(parts: list[TrainingPart]) -> str:
    """How far a run trained and for how long, over all its parts (a resumed run's clock restarts with each part,
    so the time is their sum, and the last part is said apart), e.g. ``"40 of 40 steps in 1 min 05 s of training
    (resumed at step 23; this part took 12 s)"``; ``""`` for a run that never trained a step."""
    if not parts:
        return ""
    last = parts[-1]
    text = f"{last.step} of {last.max_steps or '?'} steps in {duration(sum(p.elapsed_s for p in parts))}"
    if len(parts) == 1:
        return text
    return f"{text} of training (resumed at step {last.began_at}; this part took {duration(last.elapsed_s)})"


def run_steps(run_dir) -> str:
    """:func:`steps_line` of the run in ``run_dir``, read from its events (the run folder is the truth)."""
    return steps_line(training_parts(run_dir)) if run_dir else ""


def saved_line(saved_path: str, notes=()) -> str:
    """The end of an ended run's status line: where early stopping ended it (a run that ends at step 35 of 40 said
    only "finished — done" beside "35 of 40 steps"), then where its model is."""
    head = "early stopping: stopped at step "
    early = next((str(n) for n in notes or () if str(n).startswith(head)), "")
    said = f" Early stopping ended it at step {early.removeprefix(head)}." if early else ""
    return f"{said} The model is in {saved_path}."


# The idle status line while a field holds a value Start refuses (the line below Start names the field).
NOT_READY = "not ready: fix the setting named below, then press Start training"


def not_started(exc: BaseException, blocked: bool = False) -> str:
    """Why Start did not start, said beside Start: the panel the problem concerns may be a tab not in view; with
    ``blocked`` (a field holds a bad value), only where to look: the line below Start already says it in full."""
    if blocked:
        return "not started: fix the setting named below first."
    tab = TAB_NAMES.get(panel_for(getattr(exc, "where", None), "train"), "Train")
    return f"not started{'' if tab == 'Train' else f' ({tab} tab)'}: {error_text(exc)}"
