"""What the Columns tab shows of a mapping: the trainer's role for each input, the first prepared rows exactly
as the trainer will see them, and how many texts are longer than the model reads."""

from __future__ import annotations

from ... import catalog as C
from ...session import error_text
from ..widgets import esc, hint, html_table, short

PREVIEW_ROWS = 5
COUNT_ROWS = 2000


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        value = [round(v, 4) if isinstance(v, float) else v for v in value]
    return short(value, 70)


def input_roles(fmt: C.DataFormat | None, n: int) -> list[str]:
    """The role of each of ``n`` inputs under a loss's data format (anchor, positive, negative_1, ...)."""
    if fmt is None:
        return [f"input {i + 1}" for i in range(n)]
    roles = list(fmt.roles)
    while len(roles) < n:
        last = roles[-1]
        stem = last.rsplit("_", 1)[0] if last.rsplit("_", 1)[-1].isdigit() else last
        roles.append(f"{stem}_{len(roles) - len(fmt.roles) + 2}")
    return roles[:n]


def over_limit(texts, limit: int, tokenizer=None) -> int:
    """How many texts exceed ``limit`` tokens: exact with a tokenizer, else words x 1.3 (an estimate)."""
    if tokenizer is not None:
        lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True)["input_ids"]]
        return sum(n > limit for n in lengths)
    return sum(len(str(t).split()) * 1.3 + 2 > limit for t in texts)


def trainer_view_html(ds, inputs, label, rng, trainer_roles, drop_empty: bool) -> str:
    """The first rows prepared as the run prepares them, headed by each column's trainer role."""
    from ... import data

    if not inputs:
        return "<div class='wb-error'>No input columns: add at least one text column.</div>"
    try:
        if not drop_empty:  # empty cells counted over every row, as the Columns tab's count and the run do
            data.check_no_empty(ds, list(inputs), label)
        head = ds.select(range(min(ds.num_rows, 50)))
        prepared = data.prepare(head, inputs, label, rng, drop_empty=drop_empty)
    except Exception as exc:  # noqa: BLE001 - the mapping's problem, shown where it is made
        return f"<div class='wb-error'>{esc(error_text(exc))}</div>"
    cols = prepared.column_names
    header = [f"{c} → {r}" for c, r in zip(cols, trainer_roles, strict=False)]
    if label:
        header.append(f"label ({prepared.features['label'].dtype})")
    rows = [
        [_cell(row[c]) for c in cols] for row in prepared.select(range(min(PREVIEW_ROWS, prepared.num_rows)))
    ]
    note = ""
    if label:
        values = prepared["label"]
        nums = [v for v in values if isinstance(v, (int, float))]
        if nums:
            note = (
                f"Label values in the first rows: {min(nums):g} to {max(nums):g}"
                + (f" (rescaled from {rng[0]:g}–{rng[1]:g})" if rng else "")
                + "."
            )
    return html_table(header, rows, "wb-trainer-view") + (hint(note).value if note else "")


def lengths_html(ds, inputs, limit: int | None, tokenizer=None) -> str:
    """How many texts of each input are longer than ``limit`` tokens (counted exactly with a tokenizer)."""
    if not limit:
        return hint("The model's length limit is not known until it loads.").value
    sample = ds.select(range(min(ds.num_rows, COUNT_ROWS)))
    parts = []
    for col in inputs:
        values = [v for v in sample[col] if isinstance(v, str)]
        if not values:
            continue
        try:
            n = over_limit(values, limit, tokenizer)
        except Exception:  # noqa: BLE001 - a tokenizer that cannot read this column: fall back
            n = over_limit(values, limit)
        parts.append(f"{esc(col)}: {n} of {len(values)}")
    how = (
        "counted with the model's tokenizer"
        if tokenizer is not None
        else "estimated as words × 1.3 until the tokenizer is loaded"
    )
    return hint(
        f"Texts longer than {limit} tokens (they get cut): {'; '.join(parts) or 'none'} "
        f"— {how}" + (f", first {COUNT_ROWS} rows" if ds.num_rows > COUNT_ROWS else "") + "."
    ).value
