"""The run configuration: RunSpec and its JSON/YAML config file (run), built from its parts (parts). A public
contract; a RunSpec never holds a Hub token."""

from __future__ import annotations

from .parts import (
    MODEL_CARD_FIELDS,
    POOLING_MODES,
    SECRET_KEYS,
    SOURCES,
    SPLITS,
    DatasetSpec,
    EvaluatorChoice,
    LossChoice,
    ModelSpec,
    check_dataset_name,
)
from .run import (
    RunSpec,
    load_config,
    resolve_paths,
)

__all__ = [
    "DatasetSpec",
    "EvaluatorChoice",
    "LossChoice",
    "MODEL_CARD_FIELDS",
    "ModelSpec",
    "POOLING_MODES",
    "RunSpec",
    "SECRET_KEYS",
    "SOURCES",
    "SPLITS",
    "check_dataset_name",
    "load_config",
    "resolve_paths",
]
