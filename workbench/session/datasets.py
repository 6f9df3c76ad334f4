"""A Session's datasets: one entry per (split, name) with its DatasetSpec, and the cache key of its rows."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..data import MAPPING_FIELDS, demo_path
from ..errors import WorkbenchError
from ..spec import SPLITS, DatasetSpec, check_dataset_name


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


def new_entry(split: str, name: str, spec: DatasetSpec) -> DatasetEntry:
    """A dataset entry, after checking its split and name (WorkbenchError with ``where``)."""
    if split not in SPLITS:
        raise WorkbenchError(f"unknown split '{split}'.", fix="use train, eval or test.", where="datasets")
    if spec.source == "holdout" and split == "train":
        raise WorkbenchError("a held-out part can only be an eval or test set.", where="datasets")
    check_dataset_name(name)
    return DatasetEntry(split, name, spec)


def unique_name(entries, split: str, stem: str) -> str:
    """``stem`` (or ``stem2``, ``stem3`` ...): a name no dataset of the split has yet."""
    taken = {e.name for e in entries if e.split == split}
    name, k = stem or "data", 2
    while name in taken:
        name, k = f"{stem}{k}", k + 1
    return name


def removed_keys(entries, key: str) -> set[str]:
    """The datasets that go when ``key`` is removed: itself and, for a train set, the parts held out of it."""
    split, _, name = key.partition("/")
    held_out = {e.key for e in entries if e.spec.source == "holdout" and e.spec.of == name}
    return {key} | (held_out if split == "train" else set())
