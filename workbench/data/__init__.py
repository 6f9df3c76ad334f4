"""Data: load every supported source (sources; local files are read by files), infer column roles and shapes
(profiling, shapes), the column mapping rule (mapping), prepare the columns the trainer sees (prepare), and the
built-in demo dataset (demo). No widgets and no torch at import."""

from __future__ import annotations

from .demo import (
    DEMO_DATASETS,
    N_PAIRS,
    N_SCORED_DEV,
    N_SCORED_TRAIN,
    SEED,
    TOPICS,
    demo_path,
    generate_demo,
)
from .files import (
    csv_options,
    csv_separator,
    first_table,
)
from .mapping import (
    MAPPING_FIELDS,
    Mapping,
    dataset_mapping,
    inherits_mapping,
)
from .prepare import (
    category_mapping,
    drop_empty_rows,
    prepare,
)
from .profiling import (
    CONVENTIONAL_ORDERS,
    KNOWN_LABEL_WORDS,
    LABEL_HINTS,
    RESERVED_NAMES,
    TEXT_NAMES,
    profile,
    shape_of,
)
from .shapes import (
    BINARY,
    CATEGORY,
    CLASS,
    EMPTY,
    ID,
    LABEL_NAMES,
    LABEL_ROLES,
    NUMBER_LIST,
    OTHER,
    ROLES,
    SCORE,
    TEXT,
    TEXT_LIST,
    ColumnProfile,
    DataProfile,
    DataShape,
)
from .sources import (
    UPLOAD_SOURCES,
    from_pandas_or_dict,
    from_upload,
    load_raw,
    preview_rows,
    quiet_progress,
    split_holdout,
)

__all__ = [
    "BINARY",
    "CATEGORY",
    "CLASS",
    "CONVENTIONAL_ORDERS",
    "ColumnProfile",
    "DEMO_DATASETS",
    "DataProfile",
    "DataShape",
    "EMPTY",
    "ID",
    "KNOWN_LABEL_WORDS",
    "LABEL_HINTS",
    "LABEL_NAMES",
    "LABEL_ROLES",
    "MAPPING_FIELDS",
    "Mapping",
    "NUMBER_LIST",
    "N_PAIRS",
    "N_SCORED_DEV",
    "N_SCORED_TRAIN",
    "OTHER",
    "RESERVED_NAMES",
    "ROLES",
    "SCORE",
    "SEED",
    "TEXT",
    "TEXT_LIST",
    "TEXT_NAMES",
    "TOPICS",
    "UPLOAD_SOURCES",
    "category_mapping",
    "csv_options",
    "csv_separator",
    "dataset_mapping",
    "demo_path",
    "drop_empty_rows",
    "first_table",
    "from_pandas_or_dict",
    "from_upload",
    "generate_demo",
    "inherits_mapping",
    "load_raw",
    "prepare",
    "preview_rows",
    "profile",
    "quiet_progress",
    "shape_of",
    "split_holdout",
]
