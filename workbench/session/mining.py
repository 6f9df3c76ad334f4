"""Mining hard negatives for one of the Session's train datasets (the app's wizard; ``workbench mine`` is the CLI).

:func:`mine_for` reads the dataset's loaded rows, picks the rows the chosen loss trains on
(:func:`workbench.rules.mining_format`), mines with :func:`workbench.engine.mine`, writes the mined rows to a new
file under ``<workbench home>/mined/`` and adds it as a train dataset: the person's own file is never changed.
Heavy imports happen inside, under :data:`.heavy.HEAVY_LOCK`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from .. import catalog as C
from .. import rules
from ..errors import WorkbenchError
from ..spec import DatasetSpec, ModelSpec
from .heavy import HEAVY_LOCK
from .paths import workbench_home

if TYPE_CHECKING:
    from .state import Session

TEXTS_PER_SECOND = 350  # packaged MiniLM on 2 CPU cores (DESIGN.md): for the wizard's time estimate


def faiss_available() -> bool:
    """Whether faiss (for large candidate pools) can be used here."""
    return importlib.util.find_spec("faiss") is not None


def output_format_for(session: Session, key: str, num_negatives: int) -> str:
    """The rows the loss chosen for this dataset trains on (``auto``: n-tuples or triplets)."""
    entry = session.entry(key)
    choice = session.loss_for(entry.name) if entry is not None else None
    return rules.mining_format(choice.name if choice else None, session.model_type, num_negatives)


def _columns(fmt: str, anchor: str, positive: str, num_negatives: int) -> tuple[tuple[str, ...], str | None]:
    """The mined file's input columns in order, and its label column."""
    if fmt == "triplet":
        return (anchor, positive, "negative"), None
    if fmt == "n-tuple":
        return (anchor, positive, *(f"negative_{i}" for i in range(1, num_negatives + 1))), None
    return (anchor, positive), ("label" if fmt == "labeled-pair" else "labels")


def mine_for(
    session: Session,
    key: str,
    anchor: str,
    positive: str,
    *,
    preset: str = "safe",
    num_negatives: int = 3,
    corpus: tuple[str, str] | None = None,
    cross_encoder: str = "",
    use_faiss: bool = False,
    **overrides,
):
    """Mine hard negatives for the train dataset ``key`` and add the mined rows as a new train dataset.

    Args:
        session: The Session (its loaded rows, model and loss choice).
        key: The dataset's key, e.g. ``train/faq``.
        anchor / positive: Its query and positive columns.
        corpus: ``(dataset key, column)`` of more candidate texts, or None (the positives only).
        cross_encoder: A cross-encoder (name or path) that rescores the candidates ("" for none).
        overrides: The library's parameters (range_min, relative_margin, ...).

    Returns:
        ``(MiningResult, the new DatasetEntry)``.

    Raises:
        WorkbenchError: the data is not loaded, a column is missing, the loss takes no negatives, nothing was mined.
    """
    from .. import engine

    entry = session.entry(key)
    if entry is None:  # e.g. the demo, replaced by an upload while the wizard still offered it
        raise WorkbenchError(
            f"dataset '{key}' is no longer in the session.",
            fix="pick one of the datasets the wizard offers now.",
        )
    rows = session.dataset(key)
    if rows is None:
        raise WorkbenchError(f"dataset '{key}' is not loaded yet.", fix="wait until the Data tab says ready.")
    fmt = output_format_for(session, key, num_negatives)
    texts = None
    if corpus:
        pool = session.dataset(corpus[0])
        if pool is None or corpus[1] not in pool.column_names:
            raise WorkbenchError(
                f"the candidate texts '{corpus[1]}' of '{corpus[0]}' are not loaded.",
                fix="pick a loaded dataset and one of its text columns.",
                where="corpus",
            )
        texts = [str(t) for t in pool[corpus[1]] if t is not None and str(t).strip()]
    # The mining model embeds texts: the Session's model when it is a dense one, else the packaged default.
    name = session.model_name if session.model_type == C.DENSE else "default"
    with HEAVY_LOCK:
        model = engine.build_model(ModelSpec(name_or_path=name))
        scorer = (
            engine.build_model(ModelSpec(type=C.CROSS, name_or_path=cross_encoder)) if cross_encoder else None
        )
    result = engine.mine(
        rows, model, anchor, positive, corpus=texts, preset=preset, output_format=fmt, cross_encoder=scorer,
        use_faiss=use_faiss, num_negatives=num_negatives, **overrides,
    )  # fmt: skip
    stem = session.unique_name("train", f"{entry.name}-hard-negatives")
    folder = workbench_home() / "mined"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.jsonl"
    result.dataset.to_json(str(path), lines=True, force_ascii=False)
    columns, label = _columns(fmt, anchor, positive, num_negatives)
    spec = DatasetSpec(source="json", path=str(Path(path).resolve()), columns=columns, label=label)
    added = session.add_dataset("train", stem, spec)
    return result, added


def estimate_seconds(session: Session, key: str, corpus_size: int = 0) -> float:
    """A rough time for embedding the queries and the candidate pool (for the wizard's progress bar)."""
    rows = session.dataset(key)
    n = (rows.num_rows * 2 if rows is not None else 0) + corpus_size
    return max(2.0, n / TEXTS_PER_SECOND)
