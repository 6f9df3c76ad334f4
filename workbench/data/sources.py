"""Loading: every supported source (Hub, csv/tsv, json/jsonl, parquet, arrow/feather, Excel, SQLite, inline dict or
DataFrame, uploaded bytes, a holdout split of a train set) -> one `datasets.Dataset` (local files are read by
`files`).

Every problem with the user's data is raised as a `WorkbenchError` naming the file, what was expected and how to
fix it. Heavy imports (`datasets`, `pandas`) happen inside functions so that importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import WorkbenchError
from ..spec import DatasetSpec
from .confine import check_upload, confined, looks_like_path
from .files import (
    UPLOAD_SOURCES,
    _load_excel,
    _load_file,
    _load_sql,
    _root_cause,
    first_table,
    read_failure,
)

if TYPE_CHECKING:
    import datasets


@contextlib.contextmanager
def quiet_progress():
    """Silence `datasets` progress bars (they would print into whatever notebook cell is current), and its file
    readers' log lines (a traceback, for parquet) on a file they cannot parse: the workbench says it, with the fix."""
    import logging

    import datasets

    was_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    logs = [
        logging.getLogger(f"datasets.packaged_modules.{m}.{m}") for m in ("csv", "json", "parquet", "arrow")
    ]
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(logs, levels, strict=True):
            log.setLevel(level)
        if was_on:
            datasets.enable_progress_bars()


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
                f"dataset '{spec.path}' has no subset '{spec.subset}'."
                if spec.subset
                else f"dataset '{spec.path}' has several subsets and none was chosen.",
                fix=f"set 'subset' to one of the available ones ({_root_cause(exc)}).",
            ) from None
        raise _hub_error(spec, exc) from None
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, not found, gated, garbled files: all reported plainly
        raise _hub_error(spec, exc) from None


def _hub_error(spec: DatasetSpec, exc: BaseException) -> WorkbenchError:
    """What went wrong loading a Hub dataset, in words: offline and not cached, unreachable, not found, other."""
    import datasets

    where = f" (subset '{spec.subset}')" if spec.subset else ""
    chain, seen = [], exc
    while seen is not None and len(chain) < 10:
        chain.append(f"{type(seen).__name__}: {seen}")
        seen = seen.__cause__ or seen.__context__
    said = " | ".join(chain)
    upload = "or save the data as a file and upload it (Source: Upload a file)"
    if datasets.config.HF_HUB_OFFLINE or "OfflineModeIsEnabled" in said:
        return WorkbenchError(
            f"Dataset '{spec.path}'{where} is not in this machine's local Hub cache, and this machine is "
            "offline (HF_HUB_OFFLINE is set), so it cannot be downloaded.",
            fix="check the id (e.g. 'sentence-transformers/stsb'); to download it, go online (unset "
            f"HF_HUB_OFFLINE, restart the app) and add it again; {upload}.",
        )
    if any(word in said for word in ("ConnectionError", "ConnectError", "Couldn't reach", "NameResolution")):
        return WorkbenchError(
            f"Dataset '{spec.path}'{where} could not be downloaded: the Hub could not be reached (no network?).",
            fix=f"check the internet connection and add it again, {upload}.",
        )
    if "DatasetNotFoundError" in said or "doesn't exist on the Hub" in said:
        return WorkbenchError(
            f"Dataset '{spec.path}' was not found on the Hub.",
            fix="check the id (owner/name, as in the dataset page's address; e.g. 'sentence-transformers/stsb'), "
            f"log in for a private or gated dataset (HF_TOKEN), {upload}.",
        )
    return WorkbenchError(
        f"Dataset '{spec.path}'{where} could not be loaded from the Hub: {_root_cause(exc)}.",
        fix="check the id, subset and split, or that you are online (and logged in, for gated or private "
        "datasets); a local folder must exist and hold data files.",
    )


def load_raw(
    spec: DatasetSpec, *, train_datasets: dict[str, datasets.Dataset] | None = None, where: str | None = None
) -> datasets.Dataset:
    """Load the dataset a DatasetSpec describes, with all its columns and ``limit`` applied (first N rows).

    Args:
        spec: The dataset entry. Sources: ``hub`` (a Hub id, or a local folder laid out like a Hub dataset repo),
            ``csv`` (``.tsv`` files and ``;``/tab-separated headers are detected), ``json`` (JSON or JSON Lines),
            ``parquet``, ``arrow`` (an IPC stream/file or Feather file, or a ``save_to_disk`` folder), ``excel``
            (an .xlsx workbook: its first sheet, or the one ``sheet`` names), ``sql``
            (a SQLite file and a query), ``dict`` (inline columns) and ``holdout``.
        train_datasets: Loaded train datasets by name; a ``holdout`` spec returns the held-out part of
            ``train_datasets[spec.of]`` (the same split `split_holdout` makes with the spec's fraction and seed).
        where: Config location for error messages, e.g. ``"datasets.train.stsb"``.

    Returns:
        A `datasets.Dataset`.

    Raises:
        WorkbenchError: Missing or unreadable file, zero rows, unknown split or subset, unreachable Hub dataset.
    """
    if spec.limit is not None and (
        not isinstance(spec.limit, int) or isinstance(spec.limit, bool) or spec.limit < 1
    ):
        raise WorkbenchError(
            f"'limit' must be a positive whole number, got {spec.limit!r}.",
            fix="use e.g. 1000, or leave it out to keep every row.",
            where=where,
        )
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
        return _load_holdout(spec, train_datasets)
    if src == "dict":
        if not isinstance(spec.data, dict):
            raise WorkbenchError("a 'dict' dataset needs 'data': {column: [values, ...]}.")
        ds = from_pandas_or_dict(spec.data)
        label = "the inline data"
    elif src == "hub":
        if not spec.path:
            raise WorkbenchError(
                "a 'hub' dataset needs a 'path' (a Hub id like 'sentence-transformers/stsb')."
            )
        if looks_like_path(spec.path):
            confined(spec.path, "the dataset folder")
        if spec.path.startswith(("/", "./", "../", "~")) and not Path(spec.path).expanduser().exists():
            raise WorkbenchError(
                f"Folder '{spec.path}' does not exist.",
                fix="check the path of the folder laid out like a Hub dataset, or give a Hub id (owner/name).",
            )
        with quiet_progress():
            ds = _load_hub(spec)
        label = f"dataset '{spec.path}'"
    else:
        ds, label = _load_local(spec)
    if isinstance(ds, datasets.DatasetDict):
        ds = _pick_split(ds, spec, label)
    if ds.num_rows == 0:
        raise _no_rows(label)
    return ds


def _load_holdout(spec: DatasetSpec, train_datasets):
    if not train_datasets or spec.of not in train_datasets:
        known = ", ".join(repr(k) for k in (train_datasets or {}))
        raise WorkbenchError(
            f"the holdout dataset needs the train dataset '{spec.of}', which is not loaded.",
            fix="name an existing train dataset in 'of'"
            + (f" (loaded: {known})." if known else ", and load the train datasets first."),
        )
    return split_holdout(train_datasets[spec.of], float(spec.fraction or 0.1), spec.seed)[1]


def _load_local(spec: DatasetSpec):
    """A local file (or arrow folder) of the spec's source, and how messages name it."""
    src = spec.source
    if not spec.path:
        raise WorkbenchError(f"a '{src}' dataset needs a 'path'.", fix="give the file's path.")
    path = confined(spec.path, "the dataset file")
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
            raise WorkbenchError("a 'sql' dataset needs a 'query'.", fix='add e.g. "SELECT a, b FROM pairs".')
        return from_pandas_or_dict(_load_sql(path, spec.query)), label
    try:
        if src == "excel":
            return from_pandas_or_dict(_load_excel(path, spec.sheet)), label
        with quiet_progress():
            return _load_file(src, path), label
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - a garbled or mislabelled file is the user's input
        if "corresponds to no data" in str(exc):  # `datasets` refuses a header-only file
            raise _no_rows(label) from None
        raise read_failure(src, path, label, exc) from None


def _no_rows(label: str) -> WorkbenchError:
    return WorkbenchError(
        f"{label} has no rows.",
        fix="check that the file holds data below its header, or that the query/split selects something.",
    )


def _pick_split(dd, spec: DatasetSpec, label: str):
    names = list(dd)
    if spec.split in dd:
        return dd[spec.split]
    if spec.split is None and ("train" in dd or len(names) == 1):
        return dd["train" if "train" in dd else names[0]]
    wanted = f"no split '{spec.split}'" if spec.split else "several splits and no 'split' was given"
    raise WorkbenchError(
        f"{label} has {wanted}; its splits are: {', '.join(names)}.",
        fix=f"set 'split' to one of: {', '.join(names)}.",
    )


def holdout_size(n_rows: int, fraction: float) -> int:
    """How many of ``n_rows`` a holdout of ``fraction`` takes (what `split_holdout` and the engine hold out)."""
    return math.ceil(float(fraction) * n_rows)


def split_holdout(
    train: datasets.Dataset, fraction: float, seed: int
) -> tuple[datasets.Dataset, datasets.Dataset]:
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
    n_test = holdout_size(n, fraction)
    if n_test < 1 or n - n_test < 1:
        raise WorkbenchError(
            f"holding out {fraction:g} of {n} rows leaves {n - n_test} train and {n_test} held-out rows.",
            fix="use more rows, another fraction, or give the eval set as its own file.",
        )
    with quiet_progress():
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
        columns = _dict_columns(obj)
    elif isinstance(obj, list) and all(isinstance(r, dict) for r in obj):
        return from_pandas_or_dict(
            {k: [r.get(k) for r in obj] for k in dict.fromkeys(k for r in obj for k in r)}
        )
    else:
        raise WorkbenchError(
            f"cannot make a dataset from a {type(obj).__name__}.",
            fix="pass a dict of lists, a list of records or a pandas DataFrame.",
        )
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
                raise WorkbenchError(
                    f"column '{name}' mixes kinds of values ({_root_cause(exc)}).",
                    fix="make every value in the column the same kind (all text or all numbers).",
                ) from None
        raise WorkbenchError(
            f"the data could not be converted: {_root_cause(exc)}.",
            fix="give plain columns of text, numbers or lists.",
        ) from None
    if "__index_level_0__" in ds.column_names:
        ds = ds.remove_columns("__index_level_0__")
    return ds


def _dict_columns(obj: dict) -> dict[str, list]:
    """A dict of equally long lists, or a message naming the column that is not."""
    lengths = {k: len(v) for k, v in obj.items() if isinstance(v, (list, tuple))}
    if len(lengths) != len(obj):
        bad = next(k for k in obj if k not in lengths)
        raise WorkbenchError(
            f"column '{bad}' is not a list of values.",
            fix='give every column as a list: {"text": ["a", "b"], "score": [1, 0]}.',
        )
    if len(set(lengths.values())) > 1:
        raise WorkbenchError(
            "the columns have different lengths: "
            + ", ".join(f"'{k}' {n}" for k, n in lengths.items())
            + ".",
            fix="give every column the same number of values.",
        )
    return {str(k): list(v) for k, v in obj.items()}


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
    check_upload(base, len(content))  # served: a file over the cap is refused before it is saved
    if not base or suffix not in UPLOAD_SOURCES:
        raise WorkbenchError(
            f"cannot read uploaded file '{name}': unknown file type '{suffix or '(none)'}'.",
            fix=f"upload one of: {', '.join(UPLOAD_SOURCES)}.",
        )
    data = bytes(content)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / base, 1
    while target.exists() and target.read_bytes() != data:
        target, n = folder / f"{Path(base).stem}-{n}{suffix}", n + 1
    target.write_bytes(data)
    source, query = UPLOAD_SOURCES[suffix], None
    if source == "sql":
        query = f'SELECT * FROM "{first_table(target)}"'
    spec = DatasetSpec(source=source, path=str(target.resolve()), query=query)
    return spec, load_raw(spec)


def preview_rows(ds: datasets.Dataset, n: int = 5) -> list[dict]:
    """The first ``n`` rows as plain dicts (for the UI)."""
    return ds.with_format(None).select(range(min(n, ds.num_rows))).to_list()
