"""What the Data tab shows of its datasets: the list (with the rows each train set keeps after its held-out
parts), a dataset's source in words, and the first rows with the role guessed for each column."""

from __future__ import annotations

from pathlib import Path

from ...data import DEMO_DATASETS, demo_path
from ...errors import WorkbenchError
from ...session import data_key, held_out_rows
from ...spec import DatasetSpec
from ..widgets import esc, hint, html_table, short


def rows_text(session, entry, n_rows: int) -> str:
    """A dataset's row count; a train set with held-out parts says how many of its rows train."""
    held = held_out_rows(session.datasets, entry.name, n_rows) if entry.split == "train" else 0
    return f"{n_rows - held} train + {held} held out" if held else str(n_rows)


def datasets_html(session) -> str:
    """The table of the session's datasets: split, name, source, rows and loading state (failed rows marked)."""
    s = session
    rows, classes = [], []
    for e in s.datasets:
        key = data_key(e.spec)
        prof = s.profiles.get(key)
        if key in s.loading:
            state = "loading…"
        elif key in s.data_errors:
            state = "error: " + s.data_errors[key]
        elif prof is not None:
            state = "ready"
        else:
            state = "not loaded"
        count = rows_text(s, e, prof.n_rows) if prof is not None else ""
        rows.append((e.split, e.name, describe_source(e.spec), count, state))
        classes.append("wb-nofit" if key in s.data_errors else "")
    if not rows:
        return hint("No datasets yet: add one below.").value
    return html_table(("split", "name", "source", "rows", "state"), rows, "wb-datasets", classes)


def preview_html(ds, profile, n: int = 5, count: str = "") -> str:
    """The first rows as a table whose header names each column's inferred role and type; ``count`` says how
    the rows are used (e.g. "216 train + 24 held out")."""
    from ... import data

    rows = data.preview_rows(ds, n)
    header_cells = []
    for col in profile.columns:
        header_cells.append(
            f"{esc(col.name)}<br><small style='font-weight:normal;color:#567'>{esc(col.role)} · "
            f"{esc(col.dtype)}</small>"
        )
    head = "".join(f"<th>{h}</th>" for h in header_cells)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(short(r.get(c.name), 90))}</td>" for c in profile.columns) + "</tr>"
        for r in rows
    )
    return (
        f'<table class="wb-table wb-preview"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"<div class='wb-hint'>{profile.n_rows} rows{': ' + esc(count) if count else ''}. Guessed inputs: "
        f"{esc(', '.join(profile.guessed_inputs) or 'none')}; guessed label: "
        f"{esc(profile.guessed_label or 'none')}.</div>"
    )


def describe_source(spec: DatasetSpec) -> str:
    if spec.source == "holdout":
        return f"{spec.fraction:g} held out of train/{spec.of}"
    if spec.source == "dict":
        return "in-memory data"
    if spec.source == "hub":
        return (
            "Hub: "
            + spec.path
            + (f" ({spec.subset})" if spec.subset else "")
            + (f" [{spec.split}]" if spec.split else "")
        )
    path = spec.path or ""
    for name, fname in DEMO_DATASETS.items():
        if path == demo_path(name):
            return f"demo: {fname}"
    text = f"{spec.source}: {Path(path).name}" + (f" (sheet {spec.sheet})" if spec.sheet else "")
    return text + (f" (first {spec.limit})" if spec.limit else "")


def form_spec(src: str, demo: str, of: str | None, fraction: float, text: dict) -> tuple[str, DatasetSpec]:
    """(name stem, DatasetSpec) of the Data tab's form: the source, the demo file, the train set to hold a part
    out of and its fraction, and the typed fields (``path``, ``subset``, ``split``, ``query``, ``sheet``,
    ``limit``).

    Raises:
        WorkbenchError: a field the source needs is missing, or 'Only first' is not a positive whole number.
    """
    limit = None
    if text["limit"].strip():
        try:
            limit = int(text["limit"].strip())
            assert limit > 0
        except (ValueError, AssertionError):
            raise WorkbenchError(
                "'Only first' must be a positive whole number of rows.",
                fix="type e.g. 1000, or leave it empty for all rows.",
                where="datasets",
            ) from None
    if src == "demo":
        return demo, DatasetSpec(source="csv", path=demo_path(demo), limit=limit)
    if src == "holdout":
        if not of:
            raise WorkbenchError(
                "there is no train dataset to hold a part out of.",
                fix="add a train dataset first.",
                where="datasets",
            )
        return "heldout", DatasetSpec(source="holdout", of=of, fraction=fraction)
    path = text["path"].strip()
    if not path:
        raise WorkbenchError(
            "no path was given.", fix="type the file's path (or a Hub id) in 'Path'.", where="datasets"
        )
    if src == "hub":
        return (
            path.rstrip("/").split("/")[-1],
            DatasetSpec(
                source="hub",
                path=path,
                subset=text["subset"].strip() or None,
                split=text["split"].strip() or None,
                limit=limit,
            ),
        )
    if src == "sql":
        if not text["query"].strip():
            raise WorkbenchError(
                "a SQLite source needs a query.",
                fix="type e.g. SELECT a, b, score FROM pairs.",
                where="datasets",
            )
        return Path(path).stem, DatasetSpec(source="sql", path=path, query=text["query"].strip(), limit=limit)
    if src == "excel":
        sheet = text["sheet"].strip() or None
        return Path(path).stem, DatasetSpec(source=src, path=path, sheet=sheet, limit=limit)
    return Path(path).stem, DatasetSpec(source=src, path=path, limit=limit)
