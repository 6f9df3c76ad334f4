"""Datasets in, datasets out: load any supported source, infer what each column holds, and prepare the columns
the trainer will see (order, names, casts, rescaling).

Every problem with the user's data is raised as a `WorkbenchError` naming the file or column, what was expected
and how to fix it. Heavy imports (`datasets`, `pyarrow`, `pandas`) happen inside functions so that importing this
module is cheap. Scans over whole columns go batch by batch over Arrow tables, so memory stays flat in rows.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import WorkbenchError, nearest
from .shapes import (
    BINARY,
    CATEGORY,
    CLASS,
    EMPTY,
    ID,
    LABEL_NAMES,
    LABEL_ROLES,
    NUMBER_LIST,
    OTHER,
    SCORE,
    TEXT,
    TEXT_LIST,
    ColumnProfile,
    DataProfile,
    DataShape,
)
from .spec import DatasetSpec

if TYPE_CHECKING:
    import datasets

# Upload extensions -> DatasetSpec source.
UPLOAD_SOURCES = {
    ".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json", ".parquet": "parquet",
    ".arrow": "arrow", ".feather": "arrow", ".db": "sql", ".sqlite": "sql", ".sqlite3": "sql",
}
# Column names the library's collators treat specially: inputs with these names are renamed.
RESERVED_NAMES = (*LABEL_NAMES, "dataset_name")
# Names that suggest a label when no column is literally called label/score.
LABEL_HINTS = ("is_duplicate", "similarity", "relatedness_score", "gold_score", "target", "class", "y")
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


# ----------------------------------------------------------------------------------------------- loading


@contextlib.contextmanager
def _quiet():
    """Silence `datasets` progress bars (they would print into whatever notebook cell is current)."""
    import datasets

    was_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_on:
            datasets.enable_progress_bars()


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's message: `datasets` wraps parser errors in a vague DatasetGenerationError."""
    seen = exc
    while (seen.__cause__ or seen.__context__) is not None and len(str(seen)) < 2000:
        seen = seen.__cause__ or seen.__context__
    text = str(seen).strip() or type(seen).__name__
    return text if len(text) <= 300 else text[:300] + "..."


def _csv_separator(path: Path) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    if "," in header:
        return ","
    counts = {sep: header.count(sep) for sep in ("\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _load_file(source: str, path: Path):
    import datasets

    if source == "csv":
        return datasets.load_dataset("csv", data_files=str(path), split="train", sep=_csv_separator(path))
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
            return datasets.load_dataset("json", data_files=str(path), split="train", field=ds.column_names[0])
    row = ds[0]
    if row and all(isinstance(v, list) for v in row.values()) and len({len(v) for v in row.values()}) == 1:
        with open(path, encoding="utf-8") as fh:
            return datasets.Dataset.from_dict(json.load(fh))  # column-oriented file
    return ds


def _load_sql(path: Path, query: str):
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
            hint = f"tables in this file: {', '.join(tables) or '(none)'}" if tables is not None else (
                "the file does not look like a SQLite database")
            raise WorkbenchError(
                f"the query on '{path}' failed: {_root_cause(exc)}.",
                fix=f"check the query's table and column names ({hint}).",
            ) from None
    finally:
        conn.close()
    return from_pandas_or_dict(frame)


def _load_hub(spec: DatasetSpec):
    import datasets

    split = spec.split or "train"
    try:
        return datasets.load_dataset(spec.path, name=spec.subset, split=split)
    except ValueError as exc:
        text = str(exc)
        found = re.search(r"Unknown split \"?.*?\"?\. Should be one of (\[.*?\])", text)
        if found:
            splits = re.findall(r"'([^']+)'", found.group(1))
            if spec.split is None and len(splits) == 1:
                return datasets.load_dataset(spec.path, name=spec.subset, split=splits[0])
            wanted = f"no split '{split}'" if spec.split else "several splits and no 'split' was given"
            raise WorkbenchError(
                f"dataset '{spec.path}' has {wanted}; its splits are: {', '.join(splits)}.",
                fix=f"set 'split' to one of: {', '.join(splits)}.",
            ) from None
        if "BuilderConfig" in text or "Config name is missing" in text:
            raise WorkbenchError(
                f"dataset '{spec.path}' has no subset '{spec.subset}'." if spec.subset else
                f"dataset '{spec.path}' has several subsets and none was chosen.",
                fix=f"set 'subset' to one of the available ones ({_root_cause(exc)}).",
            ) from None
        raise _hub_error(spec, exc) from None
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, not found, gated, garbled files: all reported plainly
        raise _hub_error(spec, exc) from None


def _hub_error(spec: DatasetSpec, exc: BaseException) -> WorkbenchError:
    where = f" (subset '{spec.subset}')" if spec.subset else ""
    return WorkbenchError(
        f"dataset '{spec.path}'{where} could not be loaded from the Hub: {_root_cause(exc)}.",
        fix="check the id, subset and split, or that you are online (and logged in, for gated or private "
        "datasets); a local folder must exist and hold data files.",
    )


def load_raw(spec: DatasetSpec, *, train_datasets: dict[str, datasets.Dataset] | None = None,
             where: str | None = None) -> datasets.Dataset:
    """Load the dataset a DatasetSpec describes, with all its columns and ``limit`` applied (first N rows).

    Args:
        spec: The dataset entry. Sources: ``hub`` (a Hub id, or a local folder laid out like a Hub dataset repo),
            ``csv`` (``.tsv`` files and ``;``/tab-separated headers are detected), ``json`` (JSON or JSON Lines),
            ``parquet``, ``arrow`` (an IPC stream/file or Feather file, or a ``save_to_disk`` folder), ``sql``
            (a SQLite file and a query), ``dict`` (inline columns) and ``holdout``.
        train_datasets: Loaded train datasets by name; a ``holdout`` spec returns the held-out part of
            ``train_datasets[spec.of]`` (the same split `split_holdout` makes with the spec's fraction and seed).
        where: Config location for error messages, e.g. ``"datasets.train.stsb"``.

    Returns:
        A `datasets.Dataset`.

    Raises:
        WorkbenchError: Missing or unreadable file, zero rows, unknown split or subset, unreachable Hub dataset.
    """
    if spec.limit is not None and (not isinstance(spec.limit, int) or isinstance(spec.limit, bool)
                                   or spec.limit < 1):
        raise WorkbenchError(f"'limit' must be a positive whole number, got {spec.limit!r}.",
                             fix="use e.g. 1000, or leave it out to keep every row.", where=where)
    try:
        ds = _load(spec, train_datasets)
    except WorkbenchError as err:
        if where and not err.where:
            err.where = where
            err.args = (err.text,)
        raise
    if spec.limit is not None and spec.limit < ds.num_rows:
        ds = ds.select(range(spec.limit))
    return ds


def _load(spec: DatasetSpec, train_datasets):
    import datasets

    src = spec.source
    if src == "holdout":
        if not train_datasets or spec.of not in train_datasets:
            known = ", ".join(repr(k) for k in (train_datasets or {}))
            raise WorkbenchError(
                f"the holdout dataset needs the train dataset '{spec.of}', which is not loaded.",
                fix="name an existing train dataset in 'of'" + (f" (loaded: {known})." if known else
                                                                 ", and load the train datasets first."),
            )
        return split_holdout(train_datasets[spec.of], float(spec.fraction or 0.1), spec.seed)[1]
    if src == "dict":
        if not isinstance(spec.data, dict):
            raise WorkbenchError("a 'dict' dataset needs 'data': {column: [values, ...]}.")
        ds = from_pandas_or_dict(spec.data)
        label = "the inline data"
    elif src == "hub":
        if not spec.path:
            raise WorkbenchError("a 'hub' dataset needs a 'path' (a Hub id like 'sentence-transformers/stsb').")
        with _quiet():
            ds = _load_hub(spec)
        label = f"dataset '{spec.path}'"
    else:
        if not spec.path:
            raise WorkbenchError(f"a '{src}' dataset needs a 'path'.", fix="give the file's path.")
        path = Path(spec.path).expanduser()
        if not path.exists():
            raise WorkbenchError(
                f"file '{path}' does not exist.",
                fix="check the path; relative paths resolve against the config file's folder.",
            )
        if path.is_dir() and src != "arrow":
            raise WorkbenchError(
                f"'{path}' is a folder, not a {src} file.",
                fix="point 'path' at the file itself, or use source 'hub' for a folder laid out like a Hub dataset.",
            )
        label = f"file '{path}'"
        if src == "sql":
            if not spec.query:
                raise WorkbenchError("a 'sql' dataset needs a 'query'.", fix="add e.g. \"SELECT a, b FROM pairs\".")
            ds = _load_sql(path, spec.query)
        else:
            try:
                with _quiet():
                    ds = _load_file(src, path)
            except WorkbenchError:
                raise
            except Exception as exc:  # noqa: BLE001 - a garbled or mislabelled file is the user's input
                if "corresponds to no data" in str(exc):  # `datasets` refuses a header-only file
                    raise _no_rows(label) from None
                fix = {"csv": "save it as a UTF-8 CSV with a header row and the same number of fields per line",
                       "json": "make it a JSON list of records, or JSON Lines (one object per line)"}.get(
                           src, f"check that it really is a {src} file")
                raise WorkbenchError(f"{label} could not be read as {src}: {_root_cause(exc)}.",
                                     fix=fix + ".") from None
    if isinstance(ds, datasets.DatasetDict):
        ds = _pick_split(ds, spec, label)
    if ds.num_rows == 0:
        raise _no_rows(label)
    return ds


def _no_rows(label: str) -> WorkbenchError:
    return WorkbenchError(f"{label} has no rows.", fix="check that the file holds data below its header, "
                          "or that the query/split selects something.")


def _pick_split(dd, spec: DatasetSpec, label: str):
    names = list(dd)
    if spec.split in dd:
        return dd[spec.split]
    if spec.split is None and ("train" in dd or len(names) == 1):
        return dd["train" if "train" in dd else names[0]]
    wanted = f"no split '{spec.split}'" if spec.split else "several splits and no 'split' was given"
    raise WorkbenchError(f"{label} has {wanted}; its splits are: {', '.join(names)}.",
                         fix=f"set 'split' to one of: {', '.join(names)}.")


def split_holdout(train: datasets.Dataset, fraction: float, seed: int) -> tuple[datasets.Dataset, datasets.Dataset]:
    """Split a train dataset into (new_train, heldout) reproducibly.

    Args:
        train: The dataset to split.
        fraction: Share of rows held out, between 0 and 1.
        seed: Shuffle seed (the same seed gives the same split).

    Raises:
        WorkbenchError: The fraction is out of range or either part would be empty.
    """
    n = train.num_rows
    if not 0 < fraction < 1:
        raise WorkbenchError(f"'fraction' must lie between 0 and 1, got {fraction!r}.", fix="use e.g. 0.1.")
    n_test = math.ceil(fraction * n)
    if n_test < 1 or n - n_test < 1:
        raise WorkbenchError(
            f"holding out {fraction:g} of {n} rows leaves {n - n_test} train and {n_test} held-out rows.",
            fix="use more rows, another fraction, or give the eval set as its own file.",
        )
    with _quiet():
        parts = train.train_test_split(test_size=n_test, seed=seed)
    return parts["train"], parts["test"]


def from_pandas_or_dict(obj: Any) -> datasets.Dataset:
    """Turn an in-memory dict of lists, list of records or pandas DataFrame into a Dataset.

    Raises:
        WorkbenchError: Columns of different lengths, a column mixing types, or an unsupported object.
    """
    import datasets
    import pandas as pd

    frame = None
    if isinstance(obj, pd.DataFrame):
        frame = obj.rename(columns=str)
        columns = {c: frame[c] for c in frame.columns}
    elif isinstance(obj, dict):
        lengths = {k: len(v) for k, v in obj.items() if isinstance(v, (list, tuple))}
        if len(lengths) != len(obj):
            bad = next(k for k in obj if k not in lengths)
            raise WorkbenchError(f"column '{bad}' is not a list of values.",
                                 fix="give every column as a list: {\"text\": [\"a\", \"b\"], \"score\": [1, 0]}.")
        if len(set(lengths.values())) > 1:
            raise WorkbenchError(
                "the columns have different lengths: " + ", ".join(f"'{k}' {n}" for k, n in lengths.items()) + ".",
                fix="give every column the same number of values.")
        columns = {str(k): list(v) for k, v in obj.items()}
    elif isinstance(obj, list) and all(isinstance(r, dict) for r in obj):
        return from_pandas_or_dict({k: [r.get(k) for r in obj] for k in dict.fromkeys(k for r in obj for k in r)})
    else:
        raise WorkbenchError(f"cannot make a dataset from a {type(obj).__name__}.",
                             fix="pass a dict of lists, a list of records or a pandas DataFrame.")
    try:
        if frame is not None:
            ds = datasets.Dataset.from_pandas(frame, preserve_index=False)
        else:
            ds = datasets.Dataset.from_dict(columns)
    except Exception as exc:  # noqa: BLE001 - find which column Arrow could not type
        import pyarrow as pa

        for name, values in columns.items():
            try:
                pa.array(list(values))
            except Exception:  # noqa: BLE001
                raise WorkbenchError(f"column '{name}' mixes kinds of values ({_root_cause(exc)}).",
                                     fix="make every value in the column the same kind (all text or all numbers).",
                                     ) from None
        raise WorkbenchError(f"the data could not be converted: {_root_cause(exc)}.",
                             fix="give plain columns of text, numbers or lists.") from None
    if "__index_level_0__" in ds.column_names:
        ds = ds.remove_columns("__index_level_0__")
    return ds


def from_upload(name: str, content: bytes, folder: str | Path) -> tuple[DatasetSpec, datasets.Dataset]:
    """Save an uploaded file's bytes into ``folder`` and load it.

    An existing file with the same name but other content is kept and the upload gets a numbered name, so a
    run config that points at the old file still describes the data it ran on.

    Args:
        name: The uploaded file's name (its extension picks the source).
        content: Its bytes (a memoryview from ipywidgets' FileUpload is fine).
        folder: Where to save it.

    Returns:
        The DatasetSpec recording the saved file's path, and the loaded dataset.

    Raises:
        WorkbenchError: Unsupported extension, an empty SQLite file, or anything `load_raw` refuses.
    """
    base = Path(str(name)).name
    suffix = Path(base).suffix.lower()
    if not base or suffix not in UPLOAD_SOURCES:
        raise WorkbenchError(f"cannot read uploaded file '{name}': unknown file type '{suffix or '(none)'}'.",
                             fix=f"upload one of: {', '.join(UPLOAD_SOURCES)}.")
    data = bytes(content)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / base, 1
    while target.exists() and target.read_bytes() != data:
        target, n = folder / f"{Path(base).stem}-{n}{suffix}", n + 1
    target.write_bytes(data)
    source, query = UPLOAD_SOURCES[suffix], None
    if source == "sql":
        query = f'SELECT * FROM "{_first_table(target)}"'
    spec = DatasetSpec(source=source, path=str(target.resolve()), query=query)
    return spec, load_raw(spec)


def _first_table(path: Path) -> str:
    import sqlite3

    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise WorkbenchError(f"'{path.name}' is not a readable SQLite database ({exc}).",
                             fix="upload a .db/.sqlite file written by SQLite, or export the table as CSV.") from None
    if not rows:
        raise WorkbenchError(f"SQLite file '{path.name}' holds no tables.", fix="upload a database with a table.")
    return rows[0][0].replace('"', '""')


def preview_rows(ds: datasets.Dataset, n: int = 5) -> list[dict]:
    """The first ``n`` rows as plain dicts (for the UI)."""
    return ds.with_format(None).select(range(min(n, ds.num_rows))).to_list()


# --------------------------------------------------------------------------------------------- profiling


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
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
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
    if pa.types.is_string(atype) or pa.types.is_large_string(atype):
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
    if not integral:
        return SCORE
    if (len(nums) >= 20 and name.lower() not in RESERVED_NAMES and len(distinct) == len(nums)
            and all(a < b for a, b in zip(nums, nums[1:], strict=False))):
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
        inner = atype.value_type
        lengths = {len(v) for v in present}
        list_len = lengths.pop() if len(lengths) == 1 else None
        if pa.types.is_string(inner) or pa.types.is_large_string(inner):
            return ColumnProfile(role=TEXT_LIST, list_len=list_len, **base)
        if pa.types.is_integer(inner) or pa.types.is_floating(inner) or pa.types.is_boolean(inner):
            flat = [float(x) for v in present for x in v if x is not None]
            return ColumnProfile(role=NUMBER_LIST, list_len=list_len, min=min(flat, default=None),
                                 max=max(flat, default=None), **base)
        return ColumnProfile(role=OTHER, list_len=list_len, **base)
    if pa.types.is_string(atype) or pa.types.is_large_string(atype):
        distinct = set(present)
        numbers = [_as_number(v) for v in present]
        if all(x is not None for x in numbers):
            integral = all(x == int(x) for x in numbers)
            role = ID if _is_id_name(name) else _number_role(name, numbers, integral)
            return _number_profile(base, role, numbers, numeric_strings=True)
        spaced = any(any(ch.isspace() for ch in v.strip()) for v in distinct)
        if _is_id_name(name) and not spaced:
            return ColumnProfile(role=ID, n_unique=len(distinct), **base)
        known = {v.strip().lower() for v in distinct} <= KNOWN_LABEL_WORDS
        if (len(distinct) <= 20 and not spaced and max(len(v) for v in distinct) <= 40
                and (2 * len(distinct) <= len(present) or known)):
            return ColumnProfile(role=CATEGORY, n_unique=len(distinct), values=_distinct(present), **base)
        return ColumnProfile(role=TEXT, n_unique=len(distinct), **base)
    if pa.types.is_boolean(atype):
        return _number_profile(base, ID if _is_id_name(name) else BINARY, [int(v) for v in present])
    if pa.types.is_integer(atype) or pa.types.is_floating(atype) or pa.types.is_decimal(atype):
        nums = [float(v) for v in present]
        integral = pa.types.is_integer(atype)
        role = ID if _is_id_name(name) else _number_role(name, nums, integral)
        return _number_profile(base, role, [int(v) for v in nums] if integral else nums)
    return ColumnProfile(role=OTHER, **base)


def _number_profile(base: dict, role: str, nums: list, numeric_strings: bool = False) -> ColumnProfile:
    distinct = set(nums)
    values = _distinct(nums) if role in (CLASS, BINARY, CATEGORY) else ()
    return ColumnProfile(role=role, n_unique=len(distinct), min=float(min(nums)), max=float(max(nums)),
                         values=values, numeric_strings=numeric_strings, **base)


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
    return DataProfile(columns=tuple(cols), n_rows=ds.num_rows,
                       guessed_inputs=tuple(c.name for c in cols if c.role in (TEXT, TEXT_LIST)),
                       guessed_label=_guess_label(cols))


def _guess_label(cols: list[ColumnProfile]) -> str | None:
    labelish = [c for c in cols if c.role in LABEL_ROLES]
    by_name = {c.name.lower(): c.name for c in labelish}
    for hint in (*LABEL_NAMES, *LABEL_HINTS):
        if hint in by_name:
            return by_name[hint]
    return labelish[0].name if len(labelish) == 1 else None


# ----------------------------------------------------------------------------------- mapping and preparing


def _check_columns(names: Sequence[str], wanted: Sequence[str], what: str = "column") -> None:
    for col in wanted:
        if col not in names:
            guess = nearest(col, names)
            raise WorkbenchError(
                f"{what} '{col}' is not in the data.",
                fix=(f"did you mean '{guess}'? " if guess else "") + f"The columns are: {', '.join(names)}.",
            )


def shape_of(profile: DataProfile, inputs: Sequence[str], label: str | None, label_range=None,
             ds: datasets.Dataset | None = None) -> DataShape:
    """Describe what the trainer sees for a chosen mapping (what losses are judged against).

    Args:
        profile: The dataset's profile.
        inputs: The input columns, in order.
        label: The label column, or None.
        label_range: Declared ``(low, high)`` label scale, or None.
        ds: The dataset itself; when given, class counts, exact label range and duplicates are computed over at
            most 100k rows.

    Raises:
        WorkbenchError: A column is not in the data.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    _check_columns(profile.names, [*inputs, *([label] if label else [])])
    roles = tuple(profile.column(c).role for c in inputs)
    lab = profile.column(label) if label else None
    fields = {}
    if lab is not None:
        fields = {"label_role": lab.role, "label_min": lab.min, "label_max": lab.max,
                  "label_list_len": lab.list_len,
                  "n_classes": lab.n_unique if lab.role in (CLASS, BINARY, CATEGORY) else None}
    has_dupes = False
    if ds is not None:
        if lab is not None and lab.role in (CLASS, BINARY, CATEGORY):
            counts: dict = {}
            for _, batch in _iter_batches(ds, [label], _SCAN_LIMIT):
                for item in pc.value_counts(batch.column(0).combine_chunks()).to_pylist():
                    if not _is_missing(item["values"]):
                        counts[item["values"]] = counts.get(item["values"], 0) + item["counts"]
            if counts:
                fields.update(n_classes=len(counts), min_rows_per_class=min(counts.values()))
        elif lab is not None and lab.role == SCORE and not lab.numeric_strings:
            lows, highs = [], []
            for _, batch in _iter_batches(ds, [label], _SCAN_LIMIT):
                found = pc.min_max(batch.column(0))
                if found["min"].as_py() is not None:
                    lows.append(found["min"].as_py())
                    highs.append(found["max"].as_py())
            if lows:
                fields.update(label_min=float(min(lows)), label_max=float(max(highs)))
        if inputs:
            first = ds.with_format(None).select_columns([inputs[0]])
            first = first.select(range(min(first.num_rows, _SCAN_LIMIT))).with_format("arrow")[:].column(0)
            if not pa.types.is_list(first.type) and not pa.types.is_large_list(first.type):
                present = first.drop_null()
                has_dupes = pc.count_distinct(present).as_py() < len(present)
    lo_hi = tuple(float(v) for v in label_range) if label_range is not None else None
    return DataShape(inputs=tuple(inputs), input_roles=roles, label=label, n_rows=profile.n_rows,
                     label_range=lo_hi, has_duplicates=has_dupes,
                     unmapped=tuple(c for c in profile.names if c not in inputs and c != label),
                     unmapped_roles=tuple(c.role for c in profile.columns if c.name not in inputs and c.name != label),
                     **fields)


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
    if atype is not None and (pa.types.is_string(atype) or pa.types.is_large_string(atype)):
        return {v: i for i, v in enumerate(_conventional(values))}
    if atype is not None and pa.types.is_boolean(atype):
        return {"False": 0, "True": 1}
    if atype is not None and pa.types.is_integer(atype):
        return {str(v): int(v) for v in sorted(values)}
    raise WorkbenchError(f"column '{column}' holds {_dtype_name(atype) if atype else 'nothing'}, not classes.",
                         fix="only text, boolean or whole-number columns have a class mapping.")


def _rows_text(rows: list[int], total: int) -> str:
    shown = ", ".join(str(r) for r in rows)
    return f"{total} row{'s' if total != 1 else ''} (row indexes {shown}{', ...' if total > len(rows) else ''}; 0-based)"


def prepare(ds: datasets.Dataset, inputs: Sequence[str], label: str | None = None, label_range=None, *,
            category_map: dict | None = None, drop_empty: bool = False) -> datasets.Dataset:
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
    inputs = list(inputs)
    if not inputs:
        raise WorkbenchError("no input columns were chosen.", fix="pick at least one text column as an input.")
    _check_columns(ds.column_names, [*inputs, *([label] if label else [])])
    if label is not None and label in inputs:
        raise WorkbenchError(f"column '{label}' is chosen both as an input and as the label.",
                             fix="use it as one or the other.")
    used = list(dict.fromkeys(inputs + ([label] if label else [])))
    info = _profile(ds.select_columns(used), 2000, count_missing=False)
    for col in dict.fromkeys(inputs):
        prof = info.column(col)
        if prof.role not in (TEXT, TEXT_LIST, CATEGORY, EMPTY):
            kind = {ID: "identifiers", NUMBER_LIST: "lists of numbers", OTHER: f"{prof.dtype} values"}.get(
                prof.role, "numbers")
            texts = [c.name for c in _profile(ds, 200, count_missing=False).columns if c.role in (TEXT, TEXT_LIST)]
            raise WorkbenchError(
                f"column '{col}' holds {kind}, not text; the model reads text inputs.",
                fix="pick text columns as inputs" + (f" (e.g. {', '.join(repr(t) for t in texts[:3])})" if texts else "")
                + (", and map a number column as the label." if kind == "numbers" else "."),
            )
    out = ds.with_format(None).select_columns(used)
    bad = {col: _count_missing(out, col) for col in used}
    bad = {col: found for col, found in bad.items() if found[0]}
    if bad and not drop_empty:
        col, (total, rows) = next(iter(bad.items()))
        what = "the label" if col == label else "an input"
        others = "".join(f"; column '{c}' too, in {n} row{'s' if n != 1 else ''}" for c, (n, _) in
                         list(bad.items())[1:])
        raise WorkbenchError(
            f"column '{col}' ({what}) is missing or empty in {_rows_text(rows, total)}{others}.",
            fix="drop those rows (drop_empty=True, or the 'drop empty rows' option) or clean the file.",
        )
    if bad:
        out = _drop_missing(out, list(bad))
    if out.num_rows == 0:
        raise WorkbenchError("no rows are left after dropping the empty ones.", fix="check the column mapping.")
    if label is not None:
        out = _cast_label(out, label, info.column(label), label_range, category_map)
    # Final names: clashing inputs renamed, repeated inputs copied, the label last as `label`.
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
        with _quiet():
            out = out.map(lambda batch: {name: batch[col] for col, name in copies}, batched=True)
    renames = {col: name for col, name in firsts.items() if col != name}
    if label and label != "label":
        renames[label] = "label"
    if renames:
        out = out.rename_columns(renames)
    return out.select_columns([name for _, name in final] + (["label"] if label else []))


def _drop_missing(ds, columns: list[str]):
    def keep(batch):
        import pyarrow as pa
        import pyarrow.compute as pc

        mask = pa.array([True] * batch.num_rows)
        for col in columns:
            mask = pc.and_(mask, pc.invert(_missing_mask(batch.column(col).combine_chunks())))
        return mask.to_pylist()

    with _quiet():
        return ds.with_format("arrow").filter(keep, batched=True).with_format(None)


def _mostly_numbers(ds, column: str, sample: int = 2000) -> bool:
    """Whether a text column is numbers with a few stray values (a score column with typos, not classes)."""
    values = [v for v in ds.select_columns([column]).select(range(min(sample, ds.num_rows)))[column]
              if not _is_missing(v)]
    return bool(values) and sum(_as_number(v) is not None for v in values) >= 0.8 * len(values)


def _cast_label(ds, label: str, prof: ColumnProfile, label_range, category_map):
    import datasets
    import pyarrow as pa

    atype = ds.features.arrow_schema.field(label).type
    convert = None
    out_type = None
    is_string = pa.types.is_string(atype) or pa.types.is_large_string(atype)
    numeric_strings = prof.numeric_strings or (is_string and category_map is None and _mostly_numbers(ds, label))
    if category_map is not None or (is_string and not numeric_strings):
        if label_range is not None:
            raise WorkbenchError(f"label '{label}' holds classes, not scores; a label_range cannot rescale it.",
                                 fix="remove label_range, or pick a numeric score column as the label.")
        mapping = dict(category_map) if category_map is not None else category_mapping(ds, label)
        if category_map is None and len(mapping) > 50:
            raise WorkbenchError(
                f"column '{label}' holds free text ({len(mapping)} different values), not a label.",
                fix="pick a score or class column as the label, or map this column as an input.")
        whole = all(isinstance(v, (int, bool)) for v in mapping.values())
        convert, out_type = (lambda v: mapping[v] if v in mapping else mapping[str(v)]), (
            "int64" if whole else "float64")
    elif numeric_strings:
        whole = prof.role in (CLASS, BINARY)
        convert, out_type = ((lambda v: int(float(v))) if whole else (lambda v: float(v))), (
            "int64" if whole else "float64")
    elif pa.types.is_boolean(atype):
        convert, out_type = int, "int64"
    if label_range is not None:
        if prof.role in (TEXT_LIST, NUMBER_LIST, OTHER):
            raise WorkbenchError(f"label '{label}' holds {prof.dtype}; a label_range cannot rescale it.",
                                 fix="remove label_range.")
        lo, hi = (float(v) for v in label_range)
        if not lo < hi:
            raise WorkbenchError(f"label_range must be [low, high] with low < high, got {list(label_range)}.",
                                 fix="use e.g. [0, 5] for STS scores.")
        inner = convert or float
        convert, out_type = (lambda v: (float(inner(v)) - lo) / (hi - lo)), "float64"
    if convert is None:
        return ds
    # Validate in one pass first, so a failing value is reported plainly (and no half-made cache is kept).
    is_category = category_map is not None or (is_string and not numeric_strings)
    bad: dict[str, list] = {}  # kind -> [count, first row indexes, an example value]
    for offset, batch in _iter_batches(ds, [label]):
        for i, value in enumerate(batch.column(0).to_pylist()):
            try:
                result = convert(value)
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
            fix="clean those values in the file" + (", or add them to the category map." if category_map else "."))
    if "range" in bad:
        total, rows, example = bad["range"]
        lo, hi = label_range
        raise WorkbenchError(
            f"label '{label}' has values outside label_range [{lo:g}, {hi:g}], e.g. {example!r}, in "
            f"{_rows_text(rows, total)}.",
            fix="set label_range to the real scale of the scores, or fix those rows.")
    features = ds.features.copy()
    features[label] = datasets.Value(out_type)
    with _quiet():
        return ds.map(lambda batch: {label: [convert(v) for v in batch[label]]}, batched=True, features=features)
