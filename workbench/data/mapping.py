"""The column mapping of a dataset: which inputs, which label, and whether the label was guessed.

One rule, shared by the run plan (the engine) and the app's Session, so the app shows what will really run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..spec import DatasetSpec
    from .shapes import DataProfile

# The fields of a DatasetSpec that map its columns (the rest describes where its rows come from).
MAPPING_FIELDS = ("columns", "label", "label_range", "drop_empty")


def dataset_mapping(ds_spec: DatasetSpec, profile: DataProfile) -> tuple[tuple[str, ...], str | None, bool]:
    """(inputs, label, label_was_guessed). ``label: ""`` in the config means explicitly no label."""
    inputs = tuple(ds_spec.columns) if ds_spec.columns else tuple(profile.guessed_inputs)
    if ds_spec.label == "":
        return inputs, None, False
    if ds_spec.label:
        return inputs, ds_spec.label, False
    guessed = profile.guessed_label
    return inputs, (guessed if guessed not in inputs else None), guessed is not None
