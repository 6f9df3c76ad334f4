"""The workbench's folders: its home (autosave, uploads) and where new runs go."""

from __future__ import annotations

import os
import time
from pathlib import Path


def workbench_home() -> Path:
    """Where the app keeps its autosave and uploads: ``$WORKBENCH_HOME`` or ``~/.cache/sentence-workbench``."""
    return Path(os.environ.get("WORKBENCH_HOME") or Path.home() / ".cache" / "sentence-workbench")


def runs_dir() -> Path:
    """Where new runs go: ``$WORKBENCH_RUNS``, else ``$WORKBENCH_HOME/runs`` when set, else ``./runs`` (the rule
    ``workbench runs`` lists by: :func:`workbench.engine.runs_root`)."""
    from ..engine import runs_root

    return runs_root()


def autosave_path() -> Path:
    return workbench_home() / "autosave.json"


def new_output_dir(create: bool = False) -> str:
    """A fresh ``runs/<timestamp>`` folder name; with ``create``, the folder is made, so that two pages pressing
    Start in the same second never share one."""
    base = runs_dir() / time.strftime("%Y%m%d-%H%M%S")
    path, k = base, 2
    while True:
        if not create and not path.exists():
            return str(path)
        if create:
            try:
                path.mkdir(parents=True)
                return str(path)
            except FileExistsError:
                pass
        path, k = Path(f"{base}-{k}"), k + 1


def fresh_folder_needed(shown: str) -> bool:
    """Whether Start must pick another folder than the one "Where the model goes" shows (the run went to a folder
    made at Start, one second later than the one shown: a person looking for the model did not find it)."""
    folder = Path(shown).expanduser()
    return not shown or folder.exists() or folder.parent != runs_dir()
