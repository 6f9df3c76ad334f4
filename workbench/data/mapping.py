"""The column mapping of a dataset: which inputs, which label, and whether the label was guessed.

One rule, shared by the run plan (the engine) and the app's Session, so the app shows what will really run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..spec import DatasetSpec
    from .shapes import DataProfile

# The fields of a DatasetSpec that map its columns (the rest describes where its rows come from).
MAPPING_FIELDS = ("columns", "label", "label_range", "drop_empty", "derive")


class Mapping(NamedTuple):
    """A dataset's effective mapping: its input columns in order, its label, the label's rescale range, and
    whether the label is the profile's guess (a guessed label binds like a chosen one: a loss that takes no label
    does not fit until the mapping says ``label: ""``)."""

    inputs: tuple[str, ...]
    label: str | None
    label_range: tuple | None
    label_guessed: bool


def inherits_mapping(ds_spec: DatasetSpec) -> bool:
    """Whether a dataset takes its train set's mapping: a held-out part with no columns and no label of its own."""
    return ds_spec.source == "holdout" and not ds_spec.columns and ds_spec.label is None


def dataset_mapping(
    ds_spec: DatasetSpec, profile: DataProfile | None, train: Mapping | None = None
) -> Mapping:
    """The mapping a run uses for a dataset.

    Args:
        ds_spec: The dataset's spec. ``label: ""`` means explicitly no label; no ``columns`` / ``label`` means the
            profile's guess.
        profile: The profile of its rows (None while they load: nothing is guessed yet).
        train: The mapping of the train set a held-out part comes from; a held-out part that maps nothing itself
            (:func:`inherits_mapping`) takes it as it is.

    Returns:
        The :class:`Mapping`; a guessed label that is also an input is no label.
    """
    if train is not None and inherits_mapping(ds_spec):
        return train
    guessed_inputs = profile.guessed_inputs if profile is not None else ()
    # A label given alone is not guessed as an input too.
    inputs = (
        tuple(ds_spec.columns) if ds_spec.columns else tuple(c for c in guessed_inputs if c != ds_spec.label)
    )
    if ds_spec.label == "":
        return Mapping(inputs, None, ds_spec.label_range, False)
    if ds_spec.label:
        return Mapping(inputs, ds_spec.label, ds_spec.label_range, False)
    guessed = profile.guessed_label if profile is not None else None
    label = guessed if guessed not in inputs else None
    return Mapping(inputs, label, ds_spec.label_range, label is not None)
