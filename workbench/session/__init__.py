"""The Session: the app's observable state (state), composed of its data cache (loading), its run controller
(run_control) and its actions (actions: copy, push, export, tokenizer); its configuration as data (config),
folders (paths), wording (wording), dataset entries (datasets) and heavy imports (heavy)."""

from __future__ import annotations

from .actions import (
    SessionActions,
    check_push,
    copy_destination,
    copy_model,
    push_model,
    write_script,
)
from .config import (
    CONFIG_TRAITS,
    config_of,
    traits_of,
)
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
    DataCache,
)
from .paths import (
    autosave_path,
    new_output_dir,
    runs_dir,
    workbench_home,
)
from .run_control import (
    RunController,
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
    "CONFIG_TRAITS",
    "DataCache",
    "DatasetEntry",
    "ENDED",
    "HEAVY_LOCK",
    "PANELS",
    "RunController",
    "SPLITS",
    "STATUSES",
    "STATUS_LINES",
    "STOPPED_EARLY",
    "Session",
    "SessionActions",
    "autosave_path",
    "check_push",
    "config_of",
    "copy_destination",
    "copy_model",
    "data_key",
    "demo_entries",
    "error_text",
    "new_output_dir",
    "panel_for",
    "push_model",
    "runs_dir",
    "traits_of",
    "warm_up",
    "workbench_home",
    "write_script",
]
