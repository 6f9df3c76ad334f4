"""The run configuration: RunSpec and its JSON/YAML config file (run), built from its parts (parts). A public
contract; a RunSpec never holds a Hub token."""

from __future__ import annotations

from .diff import (
    NOT_SET,
    RUN_ONLY_KEYS,
    config_diff,
    flatten_config,
    shown_value,
)
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
from .router import (
    ASYMMETRIC_KINDS,
    INFERENCE_FREE,
    QUERY_INITS,
    ROUTES,
    SEPARATE,
    asymmetric_defaults,
    check_asymmetric,
    describe_asymmetric,
    route_learning_rates,
)
from .run import (
    RunSpec,
    load_config,
    resolve_paths,
)

__all__ = [
    "ASYMMETRIC_KINDS",
    "INFERENCE_FREE",
    "QUERY_INITS",
    "ROUTES",
    "SEPARATE",
    "asymmetric_defaults",
    "check_asymmetric",
    "describe_asymmetric",
    "route_learning_rates",
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
    "NOT_SET",
    "RUN_ONLY_KEYS",
    "config_diff",
    "flatten_config",
    "shown_value",
    "load_config",
    "resolve_paths",
]
