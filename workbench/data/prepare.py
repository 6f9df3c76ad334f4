"""Prepare the columns the trainer will see (order, names, casts, rescaling) from a loaded dataset.

Loading lives in `sources` and role inference in `profiling`; `workbench.data` exports all three.

Every problem with the user's data is raised as a `WorkbenchError` naming the file or column, what was expected
and how to fix it. Heavy imports (`datasets`, `pyarrow`, `pandas`) happen inside functions so that importing this
module is cheap. Scans over whole columns go batch by batch over Arrow tables, so memory stays flat in rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import catalog as C
from ..errors import WorkbenchError
from .profiling import (
    CONVENTIONAL_ORDERS,
    RESERVED_NAMES,
    _as_number,
    _check_columns,
    _count_missing,
    _dtype_name,
    _is_missing,
    _iter_batches,
    _missing_mask,
    _profile,
    is_text_type,
)
from .shapes import BINARY, CATEGORY, CLASS, EMPTY, ID, NUMBER_LIST, OTHER, TEXT, TEXT_LIST, ColumnProfile
from .sources import quiet_progress

if TYPE_CHECKING:
    import datasets


def _conventional(values: list[str]) -> list[str]:
    lowered = {v.strip().lower(): v for v in values}
    for order in CONVENTIONAL_ORDERS:
        if set(lowered) <= set(order) and len(lowered) >= 2:
            return [lowered[w] for w in order if w in lowered]
    return sorted(values)


def category_mapping(ds: datasets.Dataset, column: str) -> dict[str, int]:
    """The value -> id mapping `prepare` uses for a text label column.

    Conventional label sets keep their usual order (entailment 0, neutral 1, contradiction 2); anything else is
    numbered in sorted order. Missing values are left out. Booleans map False 0, True 1; a `datasets.ClassLabel`
    column maps its names to their ids; other integers map to themselves.

    Raises:
        WorkbenchError: The column is not in the data, or holds something other than text, booleans or integers.
    """
    import datasets
    import pyarrow as pa
    import pyarrow.compute as pc

    _check_columns(ds.column_names, [column])
    feature = ds.features[column]
    if isinstance(feature, datasets.ClassLabel):
        return {name: i for i, name in enumerate(feature.names)}
    seen: dict = {}
    atype = None
    for _, batch in _iter_batches(ds, [column]):
        arr = batch.column(0).combine_chunks()
        atype = arr.type if not pa.types.is_dictionary(arr.type) else arr.type.value_type
        for value in pc.unique(arr).to_pylist():
            if not _is_missing(value):
                seen[value] = True
    values = list(seen)
    if atype is not None and is_text_type(atype):
        return {v: i for i, v in enumerate(_conventional(values))}
    if atype is not None and pa.types.is_boolean(atype):
        return {"False": 0, "True": 1}
    if atype is not None and pa.types.is_integer(atype):
        return {str(v): int(v) for v in sorted(values)}
    raise WorkbenchError(
        f"column '{column}' holds {_dtype_name(atype) if atype else 'nothing'}, not classes.",
        fix="only text, boolean or whole-number columns have a class mapping.",
    )


def _rows_text(rows: list[int], total: int) -> str:
    shown = ", ".join(str(r) for r in rows)
    return f"{total} row{'s' if total != 1 else ''} (row indexes {shown}{', ...' if total > len(rows) else ''}; 0-based)"


@dataclass(frozen=True)
class Prepared:
    """What `prepare_recorded` did: the prepared dataset, and how it cast the label (what a run records).

    Attributes:
        dataset: What `prepare` returns.
        cast: The `catalog.LABEL_CASTS` entry the label went through, or None (no label, or its values are used as
            they are; a ``label_range`` rescale comes after either).
        category_map: The class ids the values were looked up in, for a cast with ``ids``; else None.
    """

    dataset: Any
    cast: C.LabelCast | None = None
    category_map: dict | None = None


def prepare(
    ds: datasets.Dataset,
    inputs: Sequence[str],
    label: str | None = None,
    label_range=None,
    *,
    category_map: dict | None = None,
    drop_empty: bool = False,
) -> datasets.Dataset:
    """Build what the trainer sees: the inputs in order, then the label as ``label``; everything else dropped.

    Casts: numeric strings -> float (int for class/binary labels); text classes -> int ids (`category_mapping`,
    or ``category_map``); booleans -> int. With ``label_range=(lo, hi)`` the label is rescaled to 0-1 as float.
    Inputs named like a collator column (label, score, ...) are renamed ``<name>_text``; a column used twice as
    an input is copied as ``<name>_2`` (the trainer takes inputs by position).

    Args:
        ds: The loaded dataset.
        inputs: Input columns, in the order the loss expects.
        label: Label column, or None.
        label_range: ``(low, high)`` of the label's scale, or None.
        category_map: Value -> id for a text label (default: `category_mapping`).
        drop_empty: Drop rows with a missing input or label instead of raising.

    Raises:
        WorkbenchError: Unknown columns, non-text inputs, missing values (without ``drop_empty``), label values
            that cannot be cast, or values outside ``label_range``.
    """
    return prepare_recorded(
        ds, inputs, label, label_range, category_map=category_map, drop_empty=drop_empty
    ).dataset


def prepare_recorded(
    ds: datasets.Dataset,
    inputs: Sequence[str],
    label: str | None = None,
    label_range=None,
    *,
    category_map: dict | None = None,
    drop_empty: bool = False,
) -> Prepared:
    """`prepare`, and the record of the label's cast: the catalog entry it picked and the class ids it used."""
    inputs = list(inputs)
    if not inputs:
        raise WorkbenchError(
            "no input columns were chosen.", fix="pick at least one text column as an input."
        )
    _check_columns(ds.column_names, [*inputs, *([label] if label else [])])
    if label is not None and label in inputs:
        raise WorkbenchError(
            f"column '{label}' is chosen both as an input and as the label.",
            fix="use it as one or the other.",
        )
    used = list(dict.fromkeys(inputs + ([label] if label else [])))
    info = _profile(ds.select_columns(used), 2000, count_missing=False)
    _check_text_inputs(ds, info, inputs)
    out = _without_missing(ds.with_format(None).select_columns(used), used, label, drop_empty)
    cast = ids = None
    if label is not None:
        out, cast, ids = _cast_label(out, label, info.column(label), label_range, category_map)
    return Prepared(_final_columns(out, inputs, label, used), cast, ids)


def _check_text_inputs(ds, info, inputs: list[str]) -> None:
    """Every input must hold text: name the first that does not, and the text columns to pick instead."""
    for col in dict.fromkeys(inputs):
        prof = info.column(col)
        if prof.role not in (TEXT, TEXT_LIST, CATEGORY, EMPTY):
            kind = {ID: "identifiers", NUMBER_LIST: "lists of numbers", OTHER: f"{prof.dtype} values"}.get(
                prof.role, "numbers"
            )
            texts = [
                c.name for c in _profile(ds, 200, count_missing=False).columns if c.role in (TEXT, TEXT_LIST)
            ]
            raise WorkbenchError(
                f"column '{col}' holds {kind}, not text; the model reads text inputs.",
                fix="pick text columns as inputs"
                + (f" (e.g. {', '.join(repr(t) for t in texts[:3])})" if texts else "")
                + (", and map a number column as the label." if kind == "numbers" else "."),
            )


def _without_missing(out, used: list[str], label: str | None, drop_empty: bool):
    """``out`` with no empty input or label: refused naming the column and rows, or dropped with ``drop_empty``."""
    bad = {col: _count_missing(out, col) for col in used}
    bad = {col: found for col, found in bad.items() if found[0]}
    if bad and not drop_empty:
        col, (total, rows) = next(iter(bad.items()))
        what = "the label" if col == label else "an input"
        others = "".join(
            f"; column '{c}' too, in {n} row{'s' if n != 1 else ''}" for c, (n, _) in list(bad.items())[1:]
        )
        raise WorkbenchError(
            f"column '{col}' ({what}) is missing or empty in {_rows_text(rows, total)}{others}.",
            fix='fill in or remove those rows in the file, or let the workbench drop them: "drop_empty": true '
            "on the dataset in the config (workbench check: --drop-empty; in the app: 'Drop rows with an empty input or label' in the Columns tab).",
        )
    if bad:
        out = _drop_missing(out, list(bad))
    if out.num_rows == 0:
        raise WorkbenchError(
            "no rows are left after dropping the empty ones.", fix="check the column mapping."
        )
    return out


def _final_columns(out, inputs: list[str], label: str | None, used: list[str]):
    """The inputs in order (clashing names renamed, repeated inputs copied), then the label as ``label``."""
    final, seen, taken = [], set(), {*used, "label"}
    for col in inputs:
        name = col
        if col in RESERVED_NAMES or col in seen:
            stem = f"{col}_2" if col in seen else f"{col}_text"
            name, k = stem, 2
            while name in taken:
                name, k = f"{stem}{k}", k + 1
            taken.add(name)
        seen.add(col)
        final.append((col, name))
    firsts: dict[str, str] = {}
    for col, name in final:
        firsts.setdefault(col, name)
    copies = [(col, name) for col, name in final if firsts[col] != name]
    if copies:
        with quiet_progress():
            out = out.map(lambda batch: {name: batch[col] for col, name in copies}, batched=True)
    renames = {col: name for col, name in firsts.items() if col != name}
    if label and label != "label":
        renames[label] = "label"
    if renames:
        out = out.rename_columns(renames)
    return out.select_columns([name for _, name in final] + (["label"] if label else []))


def check_no_empty(ds, inputs: list[str], label: str | None = None) -> None:
    """Refuse empty inputs or label over EVERY row, in `prepare`'s words (what a run without ``drop_empty`` says).

    A preview prepares only its first rows; it calls this first, so the count it shows is the whole dataset's,
    the same as the data profile's empty-cell count.

    Raises:
        WorkbenchError: a used column is null, NaN or blank in some rows (naming the column, the count and rows).
    """
    used = [c for c in dict.fromkeys([*inputs, *([label] if label else [])]) if c in ds.column_names]
    if used:
        _without_missing(ds.with_format(None).select_columns(used), used, label, drop_empty=False)


def drop_empty_rows(ds, columns: list[str]):
    """``ds`` without the rows where any of ``columns`` is null, NaN or blank text (what `prepare` calls empty)."""
    return _drop_missing(ds, list(dict.fromkeys(columns)))


def _drop_missing(ds, columns: list[str]):
    def keep(batch):
        import pyarrow as pa
        import pyarrow.compute as pc

        mask = pa.array([True] * batch.num_rows)
        for col in columns:
            mask = pc.and_(mask, pc.invert(_missing_mask(batch.column(col).combine_chunks())))
        return mask.to_pylist()

    with quiet_progress():
        return ds.with_format("arrow").filter(keep, batched=True).with_format(None)


def _mostly_numbers(ds, column: str, sample: int = 2000) -> bool:
    """Whether a text column is numbers with a few stray values (a score column with typos, not classes)."""
    values = [
        v
        for v in ds.select_columns([column]).select(range(min(sample, ds.num_rows)))[column]
        if not _is_missing(v)
    ]
    return bool(values) and sum(_as_number(v) is not None for v in values) >= 0.8 * len(values)


def _cast_label(ds, label: str, prof: ColumnProfile, label_range, category_map):
    """(dataset, cast, class ids): the label converted by the catalog entry its facts pick, then rescaled to 0-1
    with ``label_range``; the entry (None: the values are used as they are) and the ids it looked classes up in."""
    import datasets

    cast, ids = _pick_cast(ds, label, prof, label_range, category_map)
    convert = cast.converter(ids) if cast is not None else None
    out_type = cast.dtype_of(ids) if cast is not None else None
    if label_range is not None:
        scale = _label_scale(label, prof, label_range)
        convert, out_type = scale.apply(convert), scale.dtype
    if convert is None:
        feature = ds.features[label]  # used as they are: still, inf is no score (its rows are named)
        if type(feature).__name__ == "Value" and feature.dtype.startswith("float"):
            _check_label_values(ds, label, float, None, False, None)
        return ds, None, None
    _check_label_values(ds, label, convert, label_range, cast is not None and cast.ids, category_map)
    features = ds.features.copy()
    features[label] = datasets.Value(out_type)
    with quiet_progress():
        out = ds.map(
            lambda batch: {label: [convert(v) for v in batch[label]]}, batched=True, features=features
        )
    return out, cast, ids


def _pick_cast(ds, label: str, prof: ColumnProfile, label_range, category_map):
    """(cast, class ids): the `catalog.LABEL_CASTS` entry for this label, and for one with ``ids`` the class ids:
    ``category_map``, else numbered here (`category_mapping`)."""
    import pyarrow as pa

    atype = ds.features.arrow_schema.field(label).type
    is_string = is_text_type(atype)
    facts = C.LabelFacts(
        is_string=is_string,
        is_bool=pa.types.is_boolean(atype),
        numbers_as_text=bool(
            prof.numeric_strings or (is_string and category_map is None and _mostly_numbers(ds, label))
        ),
        whole=prof.role in (CLASS, BINARY),
        ids_given=category_map is not None,
    )
    cast = C.label_cast_for(facts)
    if cast is not None and label_range is not None and not cast.rescalable:
        raise WorkbenchError(
            f"label '{label}' holds classes, not scores; a label_range cannot rescale it.",
            fix="remove label_range, or pick a numeric score column as the label.",
        )
    if cast is None or not cast.ids:
        return cast, None
    ids = dict(category_map) if category_map is not None else category_mapping(ds, label)
    if category_map is None and len(ids) > 50:
        raise WorkbenchError(
            f"column '{label}' holds free text ({len(ids)} different values), not a label.",
            fix="pick a score or class column as the label, or map this column as an input.",
        )
    return cast, ids


def _label_scale(label: str, prof: ColumnProfile, label_range) -> C.LabelScale:
    """The rescale ``label_range`` asks for, once the label is known to hold numbers and the range is a range."""
    if prof.role in (TEXT_LIST, NUMBER_LIST, OTHER):
        raise WorkbenchError(
            f"label '{label}' holds {prof.dtype}; a label_range cannot rescale it.",
            fix="remove label_range.",
        )
    lo, hi = (float(v) for v in label_range)
    if not lo < hi:
        raise WorkbenchError(
            f"label_range must be [low, high] with low < high, got {list(label_range)}.",
            fix="use e.g. [0, 5] for STS scores.",
        )
    return C.LabelScale(lo, hi)


def _check_label_values(ds, label: str, convert, label_range, is_category: bool, category_map) -> None:
    """Cast every label value once before writing anything, so a failing value is reported plainly (and no
    half-made cache is kept): the first rows that are not a number / a known class, or outside the range."""
    bad: dict[str, list] = {}  # kind -> [count, first row indexes, an example value]
    for offset, batch in _iter_batches(ds, [label]):
        for i, value in enumerate(batch.column(0).to_pylist()):
            try:
                result = convert(value)
                if isinstance(result, float) and not math.isfinite(result):
                    raise ValueError(value)  # inf / -inf: a number no loss can learn from
                kind = None if label_range is None or -1e-9 <= result <= 1 + 1e-9 else "range"
            except (KeyError, ValueError, TypeError):
                kind = "cast"
            if kind:
                entry = bad.setdefault(kind, [0, [], value])
                entry[0] += 1
                if len(entry[1]) < 5:
                    entry[1].append(offset + i)
    if "cast" in bad:
        total, rows, example = bad["cast"]
        expected = "one of the known classes" if is_category else "a number"
        raise WorkbenchError(
            f"label '{label}' has values that are not {expected}, e.g. {example!r}, in {_rows_text(rows, total)}.",
            fix=(
                "these classes come from the train data, which has none of them: remove those rows, or add examples "
                "of them to the train data."
                if category_map
                else "clean those values in the file."
            ),
        )
    if "range" in bad:
        total, rows, example = bad["range"]
        lo, hi = label_range
        raise WorkbenchError(
            f"label '{label}' has values outside label_range [{lo:g}, {hi:g}], e.g. {example!r}, in "
            f"{_rows_text(rows, total)}.",
            fix="set label_range to the real scale of the scores, or fix those rows.",
        )
