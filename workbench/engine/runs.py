"""The output folder of a run: refuse one that holds a model (never overwritten silently) or cannot be written,
resolve ``resume_from_checkpoint`` to a checkpoint folder, and write the run's ``metrics.jsonl`` (a listener)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from ..data.confine import confined
from ..errors import WorkbenchError
from ..spec import RunSpec
from .events import RunEvent, RunListener, to_json_line
from .run_index import last_checkpoint

# Files a finished run leaves in its output folder (and that "overwrite" clears).
RUN_ARTIFACTS = (
    "final",
    "checkpoints",
    "summary.json",
    "metrics.jsonl",
    "config.json",
    "error.log",
    "events.jsonl",
    "items.json",
    "status.json",
    "shipped",  # workbench ship's exports of final/ and their reports: they go with the model they were made from
    "ship.json",
)


def _check_writable(out: Path) -> None:
    """The output folder must be a folder this process can write (else the run fails after loading everything)."""
    import os

    if out.exists() and not out.is_dir():
        raise WorkbenchError(
            f"output folder '{out}' is a file.",
            fix="choose a folder path for output_dir.",
            where="output_dir",
        )
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise WorkbenchError(
            f"output folder '{out}' cannot be written here ('{existing}' is not writable).",
            fix="choose a folder you can write to, e.g. under your home folder.",
            where="output_dir",
        )


def held_models(out: Path) -> list[str]:
    """What in an output folder is a trained model that a new run would overwrite.

    The logs of a run that ended before anything was trained (summary.json, metrics.jsonl, error.log, config.json)
    are not: a retry in the same folder replaces them.
    """
    held = [name for name in ("final", "model.safetensors", "modules.json") if (out / name).exists()]
    checkpoints = out / "checkpoints"
    if checkpoints.is_dir() and any(p.name.startswith("checkpoint-") for p in checkpoints.iterdir()):
        held.append("checkpoints")
    config = out / "config.json"
    if not held and config.is_file():  # a run writes its config.json: refuse to replace someone else's
        try:
            ours = "datasets" in json.loads(config.read_text(encoding="utf8"))
        except (OSError, ValueError, TypeError):
            ours = False
        if not ours:
            held.append("a config.json the workbench did not write")
    return held


def check_output_dir(spec: RunSpec) -> str | None:
    """Refuse to overwrite a finished run; resolve ``resume_from_checkpoint`` to a checkpoint folder.

    Returns:
        The checkpoint folder to resume from, or None.
    """
    out = confined(spec.output_dir, "the output folder", where="output_dir")
    _check_writable(out)
    resume = spec.resume_from_checkpoint
    if resume in (None, False):
        held = held_models(out)
        if held and not spec.overwrite:
            raise WorkbenchError(
                f"output folder '{out}' already holds a trained model ({', '.join(held)}): a new run would "
                "overwrite it.",
                fix="choose another output_dir (in the app: tick 'New folder for every run'), set \"overwrite\": "
                "true, or resume with resume_from_checkpoint",
                where="output_dir",
            )
        return None
    if resume is True:
        folder = out / "checkpoints"
        last = last_checkpoint(out)
        if last is None:
            raise WorkbenchError(
                f"there is no checkpoint to resume from in '{folder}'.",
                fix="train with save_steps / save_strategy so checkpoints are written, or give the checkpoint "
                "folder's path in resume_from_checkpoint.",
                where="resume_from_checkpoint",
            )
        return str(last[0])
    path = confined(resume, "the checkpoint folder", where="resume_from_checkpoint")
    if not path.is_dir():
        raise WorkbenchError(
            f"checkpoint folder '{resume}' does not exist.",
            fix="give a folder like OUTPUT_DIR/checkpoints/checkpoint-500, or true for the latest.",
            where="resume_from_checkpoint",
        )
    return str(path)


class MetricsFile(RunListener):
    """Appends the run's log, eval, baseline and final events to ``metrics.jsonl``, one JSON line each, with the
    time it was written (the rows the bench and other readers of a run folder read)."""

    def __init__(self, path: Path):
        self.path = path
        self._file = open(path, "a", encoding="utf8")  # noqa: SIM115 - closed by close(), when the run ends
        self._lock = threading.Lock()

    def _write(self, event: RunEvent) -> None:
        with self._lock:
            if self._file is not None:
                self._file.write(to_json_line(event, time=round(time.time(), 3)) + "\n")
                self._file.flush()

    on_log = on_eval = on_baseline = on_final = _write

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def is_run_summary(path: Path) -> bool:
    """Whether ``path`` is a summary.json written by a workbench run."""
    try:
        data = json.loads(path.read_text(encoding="utf8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"status", "baseline", "final"} <= set(data)
