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
)
from .state import (
    Session,
)
from .wording import (
    ACTIVE,
    ENDED,
    PANELS,
    STATUS_LINES,
    STATUSES,
    STOPPED_EARLY,
    error_text,
    panel_for,
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
    "STATUS_LINES",
    "STOPPED_EARLY",
    "Session",
    "autosave_path",
    "data_key",
    "demo_entries",
    "error_text",
    "new_output_dir",
    "panel_for",
    "runs_dir",
    "warm_up",
    "workbench_home",
]
