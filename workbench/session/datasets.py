"""A Session's datasets: one entry per (split, name) with its DatasetSpec, and the cache key of its rows."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..data import MAPPING_FIELDS, demo_path
from ..spec import DatasetSpec

SPLITS = ("train", "eval", "test")


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
    return json.dumps(
        {k: v for k, v in spec.to_dict().items() if k not in MAPPING_FIELDS}, sort_keys=True, default=str
    )


def demo_entries() -> tuple[DatasetEntry, ...]:
    mapping = {"columns": ("sentence1", "sentence2"), "label": "score", "label_range": (0.0, 5.0)}
    return (
        DatasetEntry(
            "train", "demo", DatasetSpec(source="csv", path=demo_path("pairs_scored_train"), **mapping)
        ),
        DatasetEntry("eval", "dev", DatasetSpec(source="csv", path=demo_path("pairs_scored_dev"), **mapping)),
    )
