"""The playground's corpora: the texts of a run's datasets (a column, or all its inputs) or of a file.

No torch: a corpus is a list of distinct, non-empty texts, named by a hash of its contents (the cache key of its
embeddings, :mod:`.playground`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import data
from ..errors import WorkbenchError
from ..spec import DatasetSpec, RunSpec

SPLITS = (
    "eval",
    "test",
    "train",
)  # the order the choices are offered in: the data the run was measured on first


@dataclass(frozen=True)
class CorpusChoice:
    """A corpus from a run's config: the dataset ``key`` (``eval/dev``) and one ``column`` (None: all inputs)."""

    key: str
    column: str | None = None

    @property
    def label(self) -> str:
        return f"{self.key} · {self.column}" if self.column else f"{self.key} · all texts"


def corpus_hash(texts: list[str]) -> str:
    """A short name for a list of texts (the same texts in the same order give the same name)."""
    digest = hashlib.sha1()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def corpus_texts(ds, columns) -> list[str]:
    """The distinct non-empty texts of ``columns`` of a dataset, in row order (a text that repeats counts once)."""
    seen: dict[str, None] = {}
    for column in columns:
        for value in ds[column]:
            if isinstance(value, str) and value.strip():
                seen.setdefault(value, None)
    return list(seen)


def text_columns(ds) -> list[str]:
    """The columns of a dataset that hold text."""
    return [f.name for f in ds.data.schema if data.is_text_type(f.type)]


def pick_columns(ds, column: str | None, what: str) -> list[str]:
    """The columns to read texts from: ``column`` (checked), else every text column.

    Raises:
        WorkbenchError: the column is not there or holds no text (the message lists the text columns).
    """
    texts = text_columns(ds)
    if column is None:
        if not texts:
            raise WorkbenchError(
                f"{what} has no text column (its columns: {', '.join(ds.column_names)}).",
                fix="use a file with a column of texts.",
            )
        return texts
    if column not in ds.column_names:
        raise WorkbenchError(
            f"{what} has no column '{column}'; its columns are: {', '.join(ds.column_names)}.",
            fix=f"pick one of its text columns: {', '.join(texts) or '(none)'}.",
            where="column",
        )
    if column not in texts:
        raise WorkbenchError(
            f"column '{column}' of {what} does not hold text.",
            fix=f"pick one of its text columns: {', '.join(texts) or '(none)'}.",
            where="column",
        )
    return [column]


def source_for(path: Path) -> DatasetSpec:
    """The DatasetSpec that reads a local file, by its extension (a SQLite file: its first table).

    Raises:
        WorkbenchError: the file does not exist, or its extension names no format the workbench reads.
    """
    return data.file_spec(path, "corpus file", where="corpus")


def file_corpus(path: str | Path, column: str | None = None) -> tuple[list[str], list[str]]:
    """The texts of a file's ``column`` (None: of every text column) and the columns read.

    Raises:
        WorkbenchError: a missing or unreadable file, an unknown column (listing the columns), no texts.
    """
    path = Path(path).expanduser()
    ds = data.load_raw(source_for(path))
    columns = pick_columns(ds, column, f"file '{path.name}'")
    texts = corpus_texts(ds, columns)
    if not texts:
        raise WorkbenchError(
            f"column(s) {', '.join(columns)} of file '{path.name}' hold no text.", fix="pick another column."
        )
    return texts, columns


def corpus_choices(spec: RunSpec) -> list[CorpusChoice]:
    """The corpora a run's config offers without loading anything: each dataset's texts, then each input column
    it names (eval and test sets first)."""
    choices = []
    for split in SPLITS:
        for name, ds in getattr(spec, split).items():
            key = f"{split}/{name}"
            choices.append(CorpusChoice(key))
            columns = ds.columns or (spec.train[ds.of].columns if ds.source == "holdout" and ds.of else None)
            if columns and len(columns) > 1:
                choices.extend(CorpusChoice(key, c) for c in columns)
    return choices


def _raw(spec: RunSpec, split: str, name: str):
    where = f"datasets.{split}.{name}"
    ds = getattr(spec, split).get(name)
    if ds is None:
        raise WorkbenchError(f"the run has no dataset {split}/{name}.", fix="pick one of the run's datasets.")
    if ds.source != "holdout":
        return ds, data.load_raw(ds, where=where)
    train = data.load_raw(spec.train[ds.of], where=f"datasets.train.{ds.of}")
    return ds, data.load_raw(ds, train_datasets={ds.of: train}, where=where)


def load_corpus(spec: RunSpec, choice: CorpusChoice) -> list[str]:
    """The texts of a corpus from the run's config (a train set's whole file, held-out rows included).

    Raises:
        WorkbenchError: the dataset cannot be read, or the column is not there or holds no text.
    """
    split, _, name = choice.key.partition("/")
    ds_spec, raw = _raw(spec, split, name)
    if choice.column:
        columns = pick_columns(raw, choice.column, f"dataset {choice.key}")
    else:
        inherited = spec.train[ds_spec.of].columns if ds_spec.source == "holdout" and ds_spec.of else None
        columns = list(ds_spec.columns or inherited or data.profile(raw).guessed_inputs)
        columns = [c for c in columns if c in text_columns(raw)] or pick_columns(raw, None, choice.key)
    texts = corpus_texts(raw, columns)
    if not texts:
        raise WorkbenchError(f"dataset {choice.key} holds no texts.", fix="pick another corpus.")
    return texts
