"""How each dataset of a run is prepared for the trainer, and the record of it (`DatasetPrep`, `LabelPrep`) that
the exported script writes out: column mapping, empty rows dropped, the label's cast, class ids, rescaling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import catalog as C
from .. import data
from ..errors import WorkbenchError
from ..spec import DatasetSpec


@dataclass(frozen=True)
class LabelPrep:
    """What `data.prepare` did to a dataset's label column before naming it ``label``.

    Attributes:
        column: The source column.
        cast: None (the values are used as they are) or the name of the `catalog.LABEL_CASTS` entry `data.prepare`
            cast them with (``CAST_CATEGORY`` / ``CAST_INT`` / ``CAST_FLOAT`` / ``CAST_BOOL``).
        category_map: Text class -> id, for ``CAST_CATEGORY``.
        label_range: ``(low, high)``: after the cast, the label was rescaled from this scale to 0-1.
    """

    column: str
    cast: str | None = None
    category_map: dict[str, int] | None = None
    label_range: tuple[float, float] | None = None

    @property
    def dtype(self) -> str | None:
        """The prepared label's value type (``int64`` / ``float64``), or None when the column is used as it is."""
        if self.label_range is not None:
            return C.LabelScale.dtype
        return None if self.cast is None else C.label_cast(self.cast).dtype_of(self.category_map)


@dataclass(frozen=True)
class DatasetPrep:
    """How one dataset was loaded and mapped: what an exported script has to reproduce.

    Attributes:
        inputs: The source input columns in the loss's order (a column may appear twice).
        label: The label's preparation, or None when the dataset is used without a label.
        columns: The prepared dataset's columns: the inputs (renamed or copied where needed), then ``label``.
        loaded_split: The loaded dataset's split (``Dataset.split``: the one a Hub dataset was read from), taken
            before any holdout; None for a holdout.
        drop_empty: Rows with an empty input or label were dropped before the label was cast.
        derive: The `catalog.DERIVATIONS` entry applied to the prepared rows (``DatasetSpec.derive``), or None.
        seed: The seed of the derivation's noise.
    """

    inputs: tuple[str, ...]
    label: LabelPrep | None
    columns: tuple[str, ...]
    loaded_split: str | None = None
    drop_empty: bool = False
    derive: str | None = None
    seed: int = 42


def _train_classes_for(raw, profile, label, ds_spec: DatasetSpec, train_classes: dict) -> dict | None:
    """The class ids an eval/test set with text classes must use: those of the train set it measures.

    Numbering an eval set's classes on their own would give a class another id than in training whenever the
    eval set lacks a class (the model's "neutral" read as "contradiction"). A holdout takes its train set's ids;
    any other set those of the first train set that has all of its classes (else of the first with text classes:
    a class training never saw is then named in the error).
    """

    if label is None or not train_classes:
        return None
    atype = raw.features.arrow_schema.field(label).type
    if not data.is_text_type(atype) or profile.column(label).numeric_strings:
        return None
    if ds_spec.source == "holdout":
        return train_classes.get(ds_spec.of)
    values = set(data.category_mapping(raw, label))
    return next((m for m in train_classes.values() if values <= set(m)), next(iter(train_classes.values())))


def _prepare(
    raw,
    inputs,
    label,
    label_range,
    loaded_split,
    drop_empty: bool,
    key: str,
    notes: list[str],
    category_map: dict | None = None,
    derive: str | None = None,
    seed: int = 42,
) -> tuple[Any, DatasetPrep]:
    """`data.prepare` one dataset, and record what it did (the exported script writes the same steps out).

    ``category_map``: the text-class ids to use (a train set's, for an eval/test set); None numbers them here.
    ``derive``: the `catalog.DERIVATIONS` entry that then builds the loss's inputs (with ``seed``), or None.
    """
    if drop_empty:
        before = raw.num_rows
        raw = data.drop_empty_rows(raw, [*inputs, *([label] if label else [])])
        if raw.num_rows < before:
            notes.append(f"{key}: {before - raw.num_rows} of {before} rows dropped (an empty input or label)")
    try:
        prepared = data.prepare_recorded(raw, inputs, label, label_range, category_map=category_map)
    except WorkbenchError as exc:  # name the dataset; the mapping's problems belong to the Columns panel
        split, _, name = key.partition("/")
        raise WorkbenchError(
            f"{key}: {exc.message}", fix=exc.fix, where=exc.where or f"datasets.{split}.{name}.columns"
        ) from exc
    label_prep = _label_prep(label, label_range, prepared) if label is not None else None
    split = str(loaded_split) if loaded_split is not None else None
    columns = tuple(prepared.dataset.column_names)
    out = prepared.dataset
    if derive is not None:
        out = data.derive_inputs(out, derive, seed)
        notes.append(f"{key}: {C.derivation(derive).text.format(col=repr(inputs[0]))}")
    prep = DatasetPrep(tuple(inputs), label_prep, columns, split, drop_empty, derive, seed)
    return out, prep


def _label_prep(label: str, label_range, prepared: data.Prepared) -> LabelPrep:
    """The record of what `data.prepare_recorded` did to a label: the cast entry it picked, its class ids, the
    rescale."""
    scale = tuple(float(v) for v in label_range) if label_range is not None else None
    cast = prepared.cast
    return LabelPrep(label, cast.name if cast else None, prepared.category_map if cast else None, scale)
