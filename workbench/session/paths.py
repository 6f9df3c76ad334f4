"""The workbench's folders: its home (autosave, uploads) and where new runs go."""

from __future__ import annotations

import os
import time
from pathlib import Path


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
