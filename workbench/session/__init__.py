"""The Session: the app's observable state (state) with its dataset loading (loading) and run control
(run_control); folders (paths), wording (wording), dataset entries (datasets) and heavy imports (heavy)."""

from __future__ import annotations

from .datasets import (
    SPLITS,
    DatasetEntry,
    data_key,
    demo_entries,
)
from .heavy import (
    HEAVY_LOCK,
    warm_up,
)
from .loading import (
    DataLoading,
)
from .paths import (
    autosave_path,
    new_output_dir,
    runs_dir,
    workbench_home,
)
from .run_control import (
    RunControl,
    SessionBridge,
)
from .state import (
    Session,
)
from .wording import (
    ACTIVE,
    ENDED,
    PANELS,
    STATUSES,
    STOPPED_EARLY,
    describe,
    error_text,
    panel_for,
    sentence,
)

__all__ = [
    "ACTIVE",
    "DataLoading",
    "DatasetEntry",
    "ENDED",
    "HEAVY_LOCK",
    "PANELS",
    "RunControl",
    "SPLITS",
    "STATUSES",
    "STOPPED_EARLY",
    "Session",
    "SessionBridge",
    "autosave_path",
    "data_key",
    "demo_entries",
    "describe",
    "error_text",
    "new_output_dir",
    "panel_for",
    "runs_dir",
    "sentence",
    "warm_up",
    "workbench_home",
]
