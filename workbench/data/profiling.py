"""Column-role inference and shapes: what each column holds (text / int class / float score / list / id-like /
empty), which columns look like the inputs and the label, and the `DataShape` a chosen mapping gives the trainer.

Roles come from a seeded row sample; exact counts (missing values, classes, label range) are Arrow scans batch by
batch, so memory stays flat in rows. `pyarrow` is imported inside functions so that importing this module is cheap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import WorkbenchError, nearest
from .shapes import (
    BINARY,
    CATEGORY,
    CLASS,
    EMPTY,
    ID,
    LABEL_HINTS,
    LABEL_NAMES,
    LABEL_ROLES,
    NUMBER_LIST,
    OTHER,
    SCORE,
    TEXT,
    TEXT_LIST,
    TEXT_NAMES,
    ColumnProfile,
    DataProfile,
    DataShape,
    is_score_name,
)

if TYPE_CHECKING:
    import datasets

# Column names the library's collators treat specially: inputs with these names are renamed.
RESERVED_NAMES = (*LABEL_NAMES, "dataset_name")
# Label words with a conventional id order (SNLI/MNLI: entailment 0, neutral 1, contradiction 2).
CONVENTIONAL_ORDERS = (
    ("entailment", "neutral", "contradiction"),
    ("negative", "neutral", "positive"),
    ("no", "yes"),
    ("false", "true"),
)
KNOWN_LABEL_WORDS = {w for order in CONVENTIONAL_ORDERS for w in order} | {"not_entailment", "duplicate"}
_ID_NAMES = {"id", "idx", "index", "__index_level_0__", "uuid", "guid", "_id", "docid", "row_id"}
_ID_PATTERN = re.compile(r"(q|p|d|doc|query|passage|corpus|pair|question|sent|sentence)?_?id_?\d*")
_SCAN_LIMIT = 100_000
_BATCH = 10_000


def is_text_type(atype) -> bool:
    """Whether an Arrow type holds strings (``string`` or ``large_string``)."""
    import pyarrow as pa

    return pa.types.is_string(atype) or pa.types.is_large_string(atype)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def _missing_mask(arr):
    """Arrow boolean mask: null, NaN, or empty/whitespace-only string."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_null(arr.type):
        return pa.array([True] * len(arr))
    mask = pc.is_null(arr, nan_is_null=True)
    if is_text_type(arr.type):
        mask = pc.or_(mask, pc.equal(pc.utf8_trim_whitespace(arr), ""))
    return pc.fill_null(mask, True)


def _iter_batches(ds, columns: Sequence[str], limit: int | None = None):
    """(offset, pyarrow.Table) batches of the given columns, at most ``limit`` rows."""
    sub = ds.with_format(None).select_columns(list(columns))
    if limit is not None and limit < sub.num_rows:
        sub = sub.select(range(limit))
    offset = 0
    for batch in sub.with_format("arrow").iter(batch_size=_BATCH):
        yield offset, batch
        offset += batch.num_rows


def _count_missing(ds, column: str, first: int = 5) -> tuple[int, list[int]]:
    import pyarrow.compute as pc

    total, rows = 0, []
    for offset, batch in _iter_batches(ds, [column]):
        mask = _missing_mask(batch.column(0).combine_chunks())
        count = pc.sum(mask).as_py() or 0
        if count:
            total += count
            if len(rows) < first:
                rows += [offset + i for i in pc.indices_nonzero(mask).to_pylist()[: first - len(rows)]]
    return total, rows


def _is_id_name(name: str) -> bool:
    low = name.lower().strip()
    return low in _ID_NAMES or low.endswith(("_id", "_idx")) or bool(_ID_PATTERN.fullmatch(low))


def _dtype_name(atype) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(atype):
        return _dtype_name(atype.value_type)
    if is_text_type(atype):
        return "string"
    if pa.types.is_list(atype) or pa.types.is_large_list(atype) or pa.types.is_fixed_size_list(atype):
        return f"list<{_dtype_name(atype.value_type)}>"
    if pa.types.is_struct(atype):
        return "struct"
    return {"double": "float64", "float": "float32", "halffloat": "float16"}.get(str(atype), str(atype))


def _as_number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _number_role(name: str, nums: list[float], integral: bool) -> str:
    distinct = set(nums)
    if distinct <= {0, 1}:
        return BINARY
    if not integral or is_score_name(name):  # "rating" 1-5 is a score, not five classes
        return SCORE
    if (
        len(nums) >= 20
        and name.lower() not in RESERVED_NAMES
        and len(distinct) == len(nums)
        and all(a < b for a, b in zip(nums, nums[1:], strict=False))
    ):
        return ID  # a row counter
    return CLASS if len(distinct) <= 50 else SCORE


def _distinct(values: list, limit: int = 10) -> tuple:
    out = list(dict.fromkeys(values))
    try:
        out.sort()
    except TypeError:
        pass
    return tuple(out[:limit])


def _profile_column(name: str, atype, values: list, n_missing: int) -> ColumnProfile:
    import pyarrow as pa

    if pa.types.is_dictionary(atype):
        atype = atype.value_type
    dtype = _dtype_name(atype)
    present = [v for v in values if not _is_missing(v)]
    base = {"name": name, "dtype": dtype, "n_missing": n_missing}
    if not present or pa.types.is_null(atype):
        return ColumnProfile(role=EMPTY, n_unique=0, **base)
    if pa.types.is_list(atype) or pa.types.is_large_list(atype) or pa.types.is_fixed_size_list(atype):
        return _list_profile(base, atype, present)
    if is_text_type(atype):
        return _text_profile(name, base, present)
    if pa.types.is_boolean(atype):
        return _number_profile(base, ID if _is_id_name(name) else BINARY, [int(v) for v in present])
    if pa.types.is_integer(atype) or pa.types.is_floating(atype) or pa.types.is_decimal(atype):
        nums = [float(v) for v in present if math.isfinite(float(v))]  # inf: the label's cast names its rows
        if not nums:
            return ColumnProfile(role=OTHER, **base)
        integral = pa.types.is_integer(atype)
        role = ID if _is_id_name(name) else _number_role(name, nums, integral)
        return _number_profile(base, role, [int(v) for v in nums] if integral else nums)
    return ColumnProfile(role=OTHER, **base)


def _list_profile(base: dict, atype, present: list) -> ColumnProfile:
    """A list column: lists of texts (listwise documents), of numbers (list labels, teacher vectors), or other."""
    import pyarrow as pa

    inner = atype.value_type
    lengths = {len(v) for v in present}
    list_len = lengths.pop() if len(lengths) == 1 else None
    if is_text_type(inner):
        return ColumnProfile(role=TEXT_LIST, list_len=list_len, **base)
    if pa.types.is_integer(inner) or pa.types.is_floating(inner) or pa.types.is_boolean(inner):
        flat = [float(x) for v in present for x in v if x is not None]
        return ColumnProfile(
            role=NUMBER_LIST,
            list_len=list_len,
            min=min(flat, default=None),
            max=max(flat, default=None),
            **base,
        )
    return ColumnProfile(role=OTHER, list_len=list_len, **base)


def _text_profile(name: str, base: dict, present: list) -> ColumnProfile:
    """A string column: numbers written as text, ids, a few repeated classes, or text."""
    distinct = set(present)
    numbers = [_as_number(v) for v in present]
    parsed = [x for x in numbers if x is not None]
    labelish = name.strip().lower() in (*LABEL_NAMES, *LABEL_HINTS) or "score" in name.lower()
    # Numbers written as text, also with stray values ("high", "n/a"; up to half of them in a label-like column):
    # a number column (the label's cast names the stray values and their rows), never a text input.
    if parsed and (
        len(parsed) == len(numbers)
        or (not _is_id_name(name) and len(parsed) >= (0.5 if labelish else 0.95) * len(numbers))
    ):
        integral = all(x == int(x) for x in parsed)
        role = ID if _is_id_name(name) else _number_role(name, parsed, integral)
        return _number_profile(base, role, parsed, numeric_strings=True)
    spaced = any(any(ch.isspace() for ch in v.strip()) for v in distinct)
    if _is_id_name(name) and not spaced:
        return ColumnProfile(role=ID, n_unique=len(distinct), **base)
    known = {v.strip().lower() for v in distinct} <= KNOWN_LABEL_WORDS
    # A column named like an input (a few short queries repeated over many documents) is text, not classes.
    texty = name.strip().lower() in TEXT_NAMES and not known
    if (
        len(distinct) <= 20
        and not spaced
        and max(len(v) for v in distinct) <= 40
        and not texty
        and (2 * len(distinct) <= len(present) or known)
    ):
        return ColumnProfile(role=CATEGORY, n_unique=len(distinct), values=_distinct(present), **base)
    return ColumnProfile(role=TEXT, n_unique=len(distinct), **base)


def _number_profile(base: dict, role: str, nums: list, numeric_strings: bool = False) -> ColumnProfile:
    distinct = set(nums)
    whole = role == SCORE and len(distinct) <= 50 and all(float(x).is_integer() for x in distinct)
    values = _distinct(nums) if role in (CLASS, BINARY, CATEGORY) or whole else ()
    return ColumnProfile(
        role=role,
        n_unique=len(distinct),
        min=float(min(nums)),
        max=float(max(nums)),
        values=values,
        numeric_strings=numeric_strings,
        whole=whole,
        **base,
    )


def _sample_table(ds, sample: int):
    n = ds.num_rows
    plain = ds.with_format(None)
    if n > sample:
        import random

        # A seeded random sample, in row order: sorted files stay fair and row counters stay increasing.
        plain = plain.select(sorted(random.Random(0).sample(range(n), sample)))
    return plain.with_format("arrow")[:]


def profile(ds: datasets.Dataset, sample: int = 2000) -> DataProfile:
    """Infer each column's role from at most ``sample`` rows (a seeded random sample), and guess the mapping.

    ``n_missing`` is counted over every row (an Arrow scan in batches; memory stays flat).

    Args:
        ds: The dataset.
        sample: Most rows to look at for roles, distinct values and ranges.

    Returns:
        A DataProfile with ``guessed_inputs`` (text and text-list columns, in order) and ``guessed_label``.
    """
    return _profile(ds, sample, count_missing=True)


def _profile(ds, sample: int, count_missing: bool) -> DataProfile:
    table = _sample_table(ds, max(1, sample))
    cols = []
    for name in ds.column_names:
        column = table.column(name)
        n_missing = _count_missing(ds, name)[0] if count_missing else 0
        cols.append(_profile_column(name, column.type, column.to_pylist(), n_missing))
    return DataProfile(
        columns=tuple(cols),
        n_rows=ds.num_rows,
        guessed_inputs=tuple(c.name for c in cols if c.role in (TEXT, TEXT_LIST)),
        guessed_label=_guess_label(cols),
    )


def _guess_label(cols: list[ColumnProfile]) -> str | None:
    labelish = [c for c in cols if c.role in LABEL_ROLES]
    by_name = {c.name.lower(): c.name for c in labelish}
    for hint in (*LABEL_NAMES, *LABEL_HINTS):
        if hint in by_name:
            return by_name[hint]
    return labelish[0].name if len(labelish) == 1 else None


# ------------------------------------------------------------------------------------------------- shapes


def _check_columns(names: Sequence[str], wanted: Sequence[str], what: str = "column") -> None:
    for col in wanted:
        if col not in names:
            guess = nearest(col, names)
            raise WorkbenchError(
                f"{what} '{col}' is not in the data.",
                fix=(f"did you mean '{guess}'? " if guess else "") + f"The columns are: {', '.join(names)}.",
            )


def shape_of(
    profile: DataProfile,
    inputs: Sequence[str],
    label: str | None,
    label_range=None,
    ds: datasets.Dataset | None = None,
    derive: str | None = None,
) -> DataShape:
    """Describe what the trainer sees for a chosen mapping (what losses are judged against).

    Args:
        profile: The dataset's profile.
        inputs: The input columns, in order.
        label: The label column, or None.
        label_range: Declared ``(low, high)`` label scale, or None.
        ds: The dataset itself; when given, class counts, exact label range and duplicates are computed over at
            most 100k rows.
        derive: ``DatasetSpec.derive``: how the inputs are built from the mapped columns (None: as mapped).

    Raises:
        WorkbenchError: A column is not in the data.
    """
    _check_columns(profile.names, [*inputs, *([label] if label else [])])
    roles = tuple(profile.column(c).role for c in inputs)
    lab = profile.column(label) if label else None
    fields = {}
    if lab is not None:
        fields = {
            "label_role": lab.role,
            "label_min": lab.min,
            "label_max": lab.max,
            "label_list_len": lab.list_len,
            "n_classes": lab.n_unique if lab.role in (CLASS, BINARY, CATEGORY) or lab.whole else None,
        }
    has_dupes = False
    if ds is not None:
        if lab is not None:
            fields.update(_label_scan(ds, lab))
        has_dupes = _first_input_repeats(ds, inputs)
    lo_hi = tuple(float(v) for v in label_range) if label_range is not None else None
    return DataShape(
        inputs=tuple(inputs),
        input_roles=roles,
        label=label,
        n_rows=profile.n_rows,
        label_range=lo_hi,
        has_duplicates=has_dupes,
        unmapped=tuple(c for c in profile.names if c not in inputs and c != label),
        unmapped_roles=tuple(c.role for c in profile.columns if c.name not in inputs and c.name != label),
        derive=derive,
        **fields,
    )


def _label_scan(ds, lab: ColumnProfile) -> dict:
    """Exact class counts (classes) or value range (scores) of a label over at most 100k rows, as DataShape fields."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if lab.role in (CLASS, BINARY, CATEGORY) or lab.whole:
        counts: dict = {}
        for _, batch in _iter_batches(ds, [lab.name], _SCAN_LIMIT):
            for item in pc.value_counts(batch.column(0).combine_chunks()).to_pylist():
                if not _is_missing(item["values"]):
                    counts[item["values"]] = counts.get(item["values"], 0) + item["counts"]
        if not counts:
            return {}
        found = {"n_classes": len(counts), "min_rows_per_class": min(counts.values())}
        if lab.whole and not lab.numeric_strings:  # a rating: also its exact range
            found.update(label_min=float(min(counts)), label_max=float(max(counts)))
        return found
    if lab.role == SCORE and not lab.numeric_strings:
        lows, highs = [], []
        for _, batch in _iter_batches(ds, [lab.name], _SCAN_LIMIT):
            column = batch.column(0)
            finite = pc.filter(column, pc.is_finite(column)) if pa.types.is_floating(column.type) else column
            found = pc.min_max(finite)  # inf is no scale: the label's cast names its rows
            if found["min"].as_py() is not None:
                lows.append(found["min"].as_py())
                highs.append(found["max"].as_py())
        return {"label_min": float(min(lows)), "label_max": float(max(highs))} if lows else {}
    return {}


def _first_input_repeats(ds, inputs: Sequence[str]) -> bool:
    """Whether the first input repeats a value (in-batch-negative losses care), over at most 100k rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not inputs:
        return False
    first = ds.with_format(None).select_columns([inputs[0]])
    first = first.select(range(min(first.num_rows, _SCAN_LIMIT))).with_format("arrow")[:].column(0)
    if pa.types.is_list(first.type) or pa.types.is_large_list(first.type):
        return False
    present = first.drop_null()
    return pc.count_distinct(present).as_py() < len(present)
