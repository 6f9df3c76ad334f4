"""What the Session stands on: its status and split names, the workbench's folders, error wording, dataset entries.

These are plain values and functions with no state of their own, shared by :mod:`workbench.state` (the Session),
its loading and running parts (:mod:`workbench.session_loading`, :mod:`workbench.session_run`), the panels and
the app. ``workbench.state`` re-exports every public name, so ``from workbench.state import ...`` keeps working.
Nothing here imports torch, sentence-transformers or datasets at module load.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import WorkbenchError
from .spec import DatasetSpec

# The logger keeps its old name, so logging configured for the Session still sees warm-up failures.
log = logging.getLogger("workbench.state")

STATUSES = ("idle", "loading", "baseline", "training", "saving", "finished", "stopped", "error")
ACTIVE = ("loading", "baseline", "training", "saving")
ENDED = ("finished", "stopped", "error")
SPLITS = ("train", "eval", "test")
PANELS = ("model", "dataset", "columns", "loss", "args", "evaluators", "train")
_MAPPING_FIELDS = ("columns", "label", "label_range", "drop_empty")
# Two threads importing sentence-transformers at the same time can see a half-initialised module ("cannot import
# name ... from partially initialized module"). Every heavy import the app starts goes through this lock.
HEAVY_LOCK = threading.RLock()
_WARM_MODULES = (
    "sentence_transformers",
    "sentence_transformers.sentence_transformer.training_args",
    "sentence_transformers.sparse_encoder.training_args",
    "sentence_transformers.cross_encoder.training_args",
    "sentence_transformers.sentence_transformer.trainer",
    "sentence_transformers.sparse_encoder.trainer",
    "sentence_transformers.cross_encoder.trainer",
    "datasets",
)


def warm_up() -> None:
    """Import the heavy libraries once, under HEAVY_LOCK (later imports of them are dictionary lookups)."""
    import importlib

    with HEAVY_LOCK:
        for name in _WARM_MODULES:
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - the run reports a missing library properly
                log.warning("warm-up import of %s failed: %s", name, exc)


def workbench_home() -> Path:
    """Where the app keeps its autosave and uploads: ``$WORKBENCH_HOME`` or ``~/.cache/sentence-workbench``."""
    return Path(os.environ.get("WORKBENCH_HOME") or Path.home() / ".cache" / "sentence-workbench")


def runs_dir() -> Path:
    """Where new runs go: ``$WORKBENCH_RUNS``, else ``$WORKBENCH_HOME/runs`` when set, else ``./runs``."""
    if os.environ.get("WORKBENCH_RUNS"):
        return Path(os.environ["WORKBENCH_RUNS"])
    if os.environ.get("WORKBENCH_HOME"):
        return Path(os.environ["WORKBENCH_HOME"]) / "runs"
    return Path.cwd() / "runs"


def autosave_path() -> Path:
    return workbench_home() / "autosave.json"


def new_output_dir() -> str:
    """A fresh ``runs/<timestamp>`` folder name (not created)."""
    base = runs_dir() / time.strftime("%Y%m%d-%H%M%S")
    path, k = base, 2
    while path.exists():
        path, k = Path(f"{base}-{k}"), k + 1
    return str(path)


def panel_for(where: str | None, default: str = "train") -> str:
    """The panel an error belongs to, from a WorkbenchError's ``where``."""
    if not where:
        return default
    head = where.split(".")[0].split("[")[0]
    if head == "datasets":
        return "columns" if where.rpartition(".")[2] in _MAPPING_FIELDS else "dataset"
    return {"model": "model", "loss": "loss", "args": "args", "evaluators": "evaluators"}.get(head, default)


def error_text(exc: BaseException) -> str:
    """One line a person can read: a WorkbenchError's message and fix, or the first line of anything else."""
    if isinstance(exc, WorkbenchError):
        return exc.message + (f" Fix: {exc.fix}" if exc.fix else "")
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"Something went wrong ({type(exc).__name__}{': ' + first if first else ''})."


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the run: its split, its name and its DatasetSpec (source plus column mapping)."""

    split: str
    name: str
    spec: DatasetSpec

    @property
    def key(self) -> str:
        return f"{self.split}/{self.name}"


def data_key(spec: DatasetSpec) -> str:
    """The cache key of a dataset's rows: its source description without the column mapping."""
    return json.dumps({k: v for k, v in spec.to_dict().items() if k not in _MAPPING_FIELDS}, sort_keys=True,
                      default=str)


def demo_entries() -> tuple[DatasetEntry, ...]:
    from .demo import demo_path

    mapping = {"columns": ("sentence1", "sentence2"), "label": "score", "label_range": (0.0, 5.0)}
    return (
        DatasetEntry("train", "demo", DatasetSpec(source="csv", path=demo_path("pairs_scored_train"), **mapping)),
        DatasetEntry("eval", "dev", DatasetSpec(source="csv", path=demo_path("pairs_scored_dev"), **mapping)),
    )
