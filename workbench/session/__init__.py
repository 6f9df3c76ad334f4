"""The Session: the app's observable state (state), composed of its data cache (loading) and run controller
(run_control); actions on models and scripts (actions), the config round trip (config), folders (paths),
wording (wording), fields that cannot run (validity), dataset entries (datasets), the distillation wizard (distilling), heavy imports (heavy)
and the 'Try it' tab's state (playground)."""

from __future__ import annotations

from .actions import (
    SCRIPT_NAME,
    SessionActions,
    check_push,
    copy_destination,
    copy_model,
    push_model,
    write_script,
)
from .archive import (
    DOWNLOAD_PATTERN,
    DOWNLOADS_ENV,
    MAX_DOWNLOAD_BYTES,
    MAX_INLINE_BYTES,
    download_href,
    model_archive,
    publish,
)
from .bridge import (
    SessionBridge,
)
from .config import (
    CONFIG_TRAITS,
    ConfigTraits,
    autosave,
    checked_spec,
    config_of,
    save_config,
    traits_of,
)
from .datasets import (
    DEMO_CHOICES,
    PROPOSED_FRACTION,
    DatasetEntry,
    DemoChoice,
    data_key,
    demo_entries,
    demo_keys,
    describe_data,
    held_out_rows,
    is_demo,
    new_entry,
    removed_keys,
    source_name,
    unique_name,
)
from .distilling import (
    DistillSession,
    distill_command,
    teacher_choices,
    teacher_layers,
)
from .follow import (
    RunFollower,
)
from .heavy import (
    HEAVY_LOCK,
    warm_up,
)
from .launching import (
    CONFIG_FILE,
    GPUS,
    KERNEL,
    PROCESS,
    RUN_ON,
    RunOnChoice,
    launch_for,
    run_on_choices,
)
from .leaks import leak_lines
from .loading import (
    DataCache,
    LoadingHost,
)
from .mining import (
    estimate_seconds,
    faiss_available,
    mine_for,
    output_format_for,
)
from .paths import (
    autosave_path,
    new_output_dir,
    runs_dir,
    workbench_home,
)
from .playground import (
    PlaygroundSession,
    run_label,
)
from .router import asymmetric_problem
from .run_control import (
    BACKEND_ENV,
    BACKENDS,
    RunController,
    default_backend,
)
from .shipping import (
    SHIP_FORMATS,
    SHIP_QUANTIZATIONS,
    ShipSession,
    ship_command,
)
from .state import (
    Session,
)
from .validity import (
    OUTPUT_KEY,
    check_fields,
    clear_invalid,
    field_message,
    mark_invalid,
    output_problem,
)
from .wording import (
    ACTIVE,
    ENDED,
    PANELS,
    STATUSES,
    STOPPED_EARLY,
    STOPPING,
    TAB_NAMES,
    describe,
    duration,
    error_text,
    panel_for,
    run_state,
    run_steps,
    sentence,
    steps_line,
)

__all__ = [
    "asymmetric_problem",
    "leak_lines",
    "DistillSession",
    "distill_command",
    "teacher_choices",
    "teacher_layers",
    "SHIP_FORMATS",
    "SHIP_QUANTIZATIONS",
    "ShipSession",
    "ship_command",
    "estimate_seconds",
    "faiss_available",
    "mine_for",
    "output_format_for",
    "PlaygroundSession",
    "run_label",
    "BACKENDS",
    "BACKEND_ENV",
    "DOWNLOADS_ENV",
    "DOWNLOAD_PATTERN",
    "MAX_DOWNLOAD_BYTES",
    "MAX_INLINE_BYTES",
    "download_href",
    "publish",
    "RunFollower",
    "default_backend",
    "CONFIG_FILE",
    "GPUS",
    "KERNEL",
    "PROCESS",
    "RUN_ON",
    "RunOnChoice",
    "launch_for",
    "run_on_choices",
    "model_archive",
    "ACTIVE",
    "CONFIG_TRAITS",
    "ConfigTraits",
    "DEMO_CHOICES",
    "DataCache",
    "DatasetEntry",
    "DemoChoice",
    "ENDED",
    "HEAVY_LOCK",
    "LoadingHost",
    "OUTPUT_KEY",
    "PANELS",
    "PROPOSED_FRACTION",
    "RunController",
    "SCRIPT_NAME",
    "STATUSES",
    "STOPPED_EARLY",
    "STOPPING",
    "TAB_NAMES",
    "Session",
    "SessionActions",
    "SessionBridge",
    "autosave",
    "autosave_path",
    "check_fields",
    "checked_spec",
    "check_push",
    "clear_invalid",
    "config_of",
    "copy_destination",
    "copy_model",
    "data_key",
    "demo_entries",
    "demo_keys",
    "describe",
    "describe_data",
    "error_text",
    "field_message",
    "held_out_rows",
    "is_demo",
    "new_entry",
    "mark_invalid",
    "new_output_dir",
    "output_problem",
    "panel_for",
    "push_model",
    "removed_keys",
    "runs_dir",
    "save_config",
    "run_state",
    "run_steps",
    "steps_line",
    "duration",
    "sentence",
    "source_name",
    "traits_of",
    "unique_name",
    "warm_up",
    "workbench_home",
    "write_script",
]
