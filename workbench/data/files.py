"""Reading local files: csv/tsv (separator and decimal commas detected), json/jsonl (record or column layouts),
parquet, arrow/feather (files and ``save_to_disk`` folders), Excel workbooks (.xlsx: the first or a chosen sheet)
and SQLite queries. `sources` turns them into datasets.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import WorkbenchError
from ..spec import DatasetSpec
from .confine import confined

UPLOAD_SOURCES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".db": "sql",
    ".sqlite": "sql",
    ".sqlite3": "sql",
}
UPLOAD_ACCEPT = ",".join(UPLOAD_SOURCES)  # a file chooser's accept filter: every type the workbench reads


def file_spec(path: Path, what: str = "file", where: str | None = None) -> DatasetSpec:
    """The DatasetSpec that reads a local file by its extension (a SQLite file: its first table).

    Raises:
        WorkbenchError: the file does not exist, or its extension names no format the workbench reads.
    """
    path = confined(path, f"the {what}", where=where)
    if not path.exists():
        raise WorkbenchError(f"{what} '{path}' does not exist.", fix="check the path.", where=where)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix not in UPLOAD_SOURCES:
        raise WorkbenchError(
            f"cannot read {what} '{path}': unknown file type '{suffix or '(none)'}'.",
            fix=f"give a file of one of these types: {', '.join(UPLOAD_SOURCES)}.",
            where=where,
        )
    source = UPLOAD_SOURCES[suffix]
    query = f'SELECT * FROM "{first_table(path)}"' if source == "sql" else None
    return DatasetSpec(source=source, path=str(path.resolve()), query=query)


def _innermost(exc: BaseException) -> BaseException:
    """The exception at the bottom of a chain: `datasets` wraps parser errors in a vague DatasetGenerationError."""
    seen = exc
    while (seen.__cause__ or seen.__context__) is not None and len(str(seen)) < 2000:
        seen = seen.__cause__ or seen.__context__
    return seen


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's message (at most 300 characters)."""
    seen = _innermost(exc)
    text = str(seen).strip() or type(seen).__name__
    return text if len(text) <= 300 else text[:300] + "..."


# Exceptions no file content raises: a reader failing with one of these failed in code (the workbench's or a
# library's), and the person's file may well be fine. (TypeError and ValueError stay the file's: pyarrow reports
# a column of mixed types as ArrowTypeError, a TypeError.)
NOT_THE_FILE = (AttributeError, NameError, ImportError, AssertionError)


def csv_separator(path: Path) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    if "," in header:
        return ","
    counts = {sep: header.count(sep) for sep in ("\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")
_DECIMAL_POINT = re.compile(r"[-+]?\d+\.\d+")


def csv_options(path: Path) -> dict:
    """The CSV reader's options for a file: its separator, and ``decimal=","`` for a ';'-separated file that
    writes numbers with a decimal comma (what spreadsheets in many locales save), so "4,5" reads as 4.5."""
    sep = csv_separator(path)
    options = {"sep": sep}
    if sep == ";":
        with open(path, encoding="utf-8", errors="replace") as fh:
            fh.readline()
            cells = [
                c.strip().strip('"') for _, line in zip(range(200), fh, strict=False) for c in line.split(";")
            ]
        if any(_DECIMAL_COMMA.fullmatch(c) for c in cells) and not any(
            _DECIMAL_POINT.fullmatch(c) for c in cells
        ):
            options["decimal"] = ","
    return options


def _csv_header(path: Path, sep: str) -> list[str]:
    import csv

    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        return next(csv.reader(fh, delimiter=sep), [])


def checked_header(ds, path: Path, sep: str):
    """A CSV's rows once its header names each column once: a column with no name that holds values, or a name
    given twice, is refused (pandas would call them 'Unnamed: 2' / 'text.1', and the run would train on them
    under names the person never wrote); columns with no name and no values (a trailing separator) are left out."""
    header = [name.strip() for name in _csv_header(path, sep)]
    seen: dict[str, int] = {}
    for i, name in enumerate(header, 1):
        if name and name in seen:
            raise WorkbenchError(
                f"the header of '{path.name}' names '{name}' twice (columns {seen[name]} and {i}).",
                fix="give each column its own name in the header row (the first line), then add the file again.",
            )
        seen.setdefault(name, i)
    unnamed = [c for c in ds.column_names if c.startswith("Unnamed: ")]
    empty = [c for c in unnamed if all(v is None or str(v).strip() == "" for v in ds[c])]
    for column in unnamed:
        if column not in empty:
            position = int(column.split(": ", 1)[1]) + 1 if column.split(": ", 1)[1].isdigit() else "?"
            raise WorkbenchError(
                f"column {position} of '{path.name}' has no name in the header but holds values.",
                fix="name every column in the header row (the first line), then add the file again.",
            )
    return ds.remove_columns(empty) if empty else ds


def _load_file(source: str, path: Path):
    import datasets

    if source == "csv":
        options = csv_options(path)
        ds = datasets.load_dataset("csv", data_files=str(path), split="train", **options)
        return checked_header(ds, path, options["sep"])
    if source == "parquet":
        return datasets.load_dataset("parquet", data_files=str(path), split="train")
    if source == "json":
        ds = datasets.load_dataset("json", data_files=str(path), split="train")
        return _unwrap_json(ds, path)
    if source == "arrow":
        if path.is_dir():
            if (path / "state.json").is_file() or (path / "dataset_dict.json").is_file():
                return datasets.load_from_disk(str(path))
            files = sorted(str(p) for p in path.glob("*.arrow"))
            if not files:
                raise WorkbenchError(
                    f"folder '{path}' holds no .arrow files and is not a `save_to_disk` folder.",
                    fix="point 'path' at an .arrow/.feather file or at a folder written by Dataset.save_to_disk.",
                )
            return datasets.load_dataset("arrow", data_files=files, split="train")
        # The "arrow" builder reads both the IPC stream format (`datasets` files) and the IPC file format (Feather).
        return datasets.load_dataset("arrow", data_files=str(path), split="train")
    raise AssertionError(source)


def _unwrap_json(ds, path: Path):
    """Handle the two common non-record JSON layouts: {"col": [...], ...} and {"data": [{...}, ...]}."""
    import json

    import datasets

    if ds.num_rows != 1:
        return ds
    types = list(ds.features.values())
    if len(types) == 1 and isinstance(types[0], (datasets.List, datasets.LargeList)):
        inner = types[0].feature
        if isinstance(inner, dict):  # a list of records under one key
            return datasets.load_dataset(
                "json", data_files=str(path), split="train", field=ds.column_names[0]
            )
    row = ds[0]
    if row and all(isinstance(v, list) for v in row.values()) and len({len(v) for v in row.values()}) == 1:
        with open(path, encoding="utf-8") as fh:
            return datasets.Dataset.from_dict(json.load(fh))  # column-oriented file
    return ds


def _load_sql(path: Path, query: str):
    """The rows a SELECT on a SQLite file returns, as a pandas DataFrame."""
    import sqlite3

    import pandas as pd

    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        try:
            frame = pd.read_sql_query(query, conn)
        except Exception as exc:  # noqa: BLE001 - bad SQL or not a SQLite file: the user's input
            try:
                tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            except Exception:  # noqa: BLE001
                tables = None
            hint = (
                f"tables in this file: {', '.join(tables) or '(none)'}"
                if tables is not None
                else ("the file does not look like a SQLite database")
            )
            if "readonly" in str(
                exc
            ):  # the file is opened read-only: an UPDATE / DELETE / DROP changes nothing
                raise WorkbenchError(
                    f"the query on '{path}' would change the file; only a SELECT reads rows.",
                    fix=f"write a SELECT, e.g. SELECT * FROM {tables[0] if tables else 'your_table'}.",
                ) from None
            raise WorkbenchError(
                f"the query on '{path}' failed: {_root_cause(exc)}.",
                fix=f"check the query's table and column names ({hint}).",
            ) from None
    finally:
        conn.close()
    return frame


def first_table(path: Path) -> str:
    import sqlite3

    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise WorkbenchError(
            f"'{path.name}' is not a readable SQLite database ({exc}).",
            fix="upload a .db/.sqlite file written by SQLite, or export the table as CSV.",
        ) from None
    if not rows:
        raise WorkbenchError(
            f"SQLite file '{path.name}' holds no tables.", fix="upload a database with a table."
        )
    return rows[0][0].replace('"', '""')


def excel_sheets(path: Path) -> list[str]:
    """The sheet names of an Excel workbook (.xlsx), in order.

    Raises:
        WorkbenchError: the file is not a readable .xlsx workbook.
    """
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of the package
        raise WorkbenchError(
            "Reading Excel files needs the 'openpyxl' package.",
            fix="install it (pip install openpyxl), or save the sheet as CSV and use that.",
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # noqa: BLE001 - a mislabelled or damaged file is the user's input
        raise WorkbenchError(
            f"The file '{path.name}' is not a readable Excel workbook ({_root_cause(exc)}).",
            fix="save it from Excel or LibreOffice as .xlsx (Excel 2007 or later), or as CSV.",
        ) from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _load_excel(path: Path, sheet: str | None):
    """One sheet of an Excel workbook (the first when ``sheet`` is None) as a pandas DataFrame."""
    import pandas as pd

    names = excel_sheets(path)
    if sheet is not None and sheet not in names:
        raise WorkbenchError(
            f"Workbook '{path.name}' has no sheet '{sheet}'; its sheets are: {', '.join(names)}.",
            fix=f"set 'sheet' to one of: {', '.join(names)} (or leave it out for the first sheet).",
        )
    frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, engine="openpyxl")
    # A sheet's formatted but blank rows and unnamed blank columns are read as empty cells: leave them out.
    frame = frame.dropna(how="all")
    blank = [c for c in frame.columns if str(c).startswith("Unnamed:") and frame[c].isna().all()]
    return frame.drop(columns=blank).reset_index(drop=True)


def json_scalar(path: Path) -> str | None:
    """What a JSON file holds when it is one scalar value ("number 42"), else None."""
    import json

    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    if isinstance(value, (dict, list)):
        return None
    kind = {bool: "true/false value", int: "number", float: "number", str: "string"}.get(type(value), "null")
    return f"{kind} ({str(value)[:40]})"


def not_utf8(path: Path) -> str | None:
    """What a text file that is not UTF-8 looks like (UTF-16, Latin-1 / Windows-1252, binary), or None."""
    head = path.read_bytes()[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 (what Excel's 'Unicode Text' saves)"
    try:
        head.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:
            return None  # a character cut at the 64 KiB boundary
    if b"\x00" in head:
        return "binary data, not text"
    return "Latin-1 / Windows-1252 (what older spreadsheet programs save)"


def read_failure(src: str, path: Path, label: str, exc: BaseException) -> WorkbenchError:
    """What to tell a person whose ``src`` file could not be read: its encoding when it is not UTF-8, a JSON file
    of one value, a failure in code rather than in the file (:data:`NOT_THE_FILE`), else the reader's own words
    with how to save the file."""
    encoding = not_utf8(path) if src in ("csv", "json") else None
    if encoding:
        binary = encoding.startswith("binary")
        return WorkbenchError(
            f"{label} is not UTF-8 text: it looks like {encoding}.",
            fix="check that this is the file you meant (its name says text, its bytes do not)."
            if binary
            else "save it again as UTF-8 (Excel: Save As, 'CSV UTF-8'; LibreOffice: character set "
            "Unicode (UTF-8)), then add it again.",
        )
    if src == "json" and path.stat().st_size < 50_000_000:
        top = json_scalar(path)
        if top is not None:
            return WorkbenchError(
                f"{label} holds a single {top}, not records.",
                fix='make it a JSON list of records ([{"text": "...", "label": 1}, ...]), or JSON Lines '
                "(one object per line).",
            )
    inner = _innermost(exc)
    if isinstance(inner, NOT_THE_FILE):
        return WorkbenchError(
            f"{label} could not be loaded because of an error in the workbench or a library it uses, not one "
            f"found in the file: {type(inner).__name__}: {_root_cause(exc)}.",
            fix="add the file again (the file itself may be fine); if it fails the same way, report this message.",
        )
    fix = {
        "csv": "save it as a UTF-8 CSV with a header row and the same number of fields per line",
        "json": "make it a JSON list of records, or JSON Lines (one object per line)",
        "excel": "save it as an .xlsx workbook whose first row names the columns",
    }.get(src, f"check that it really is a {src} file")
    return WorkbenchError(f"{label} could not be read as {src}: {_root_cause(exc)}.", fix=fix + ".")
