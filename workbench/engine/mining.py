"""Hard-negative mining: ``sentence_transformers.util.mine_hard_negatives`` with the workbench's presets, a check
that no negative is its own positive, and what it did (queries with negatives, skipped, scores of positives and
negatives for a histogram).

The library does the mining; this module chooses its parameters (:func:`workbench.rules.mining_parameters`),
reads the result back and measures it. The original data is never changed: the mined rows are a new dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import rules
from ..errors import WorkbenchError


@dataclass
class MiningResult:
    """The mined rows and what the mining did.

    Attributes:
        dataset: The mined rows (a ``datasets.Dataset`` in ``output_format``).
        output_format: triplet, n-tuple, labeled-pair or labeled-list.
        queries: Distinct queries in the input. with_negatives: how many got at least one negative.
        dropped_same: Negatives dropped because their text is the positive's (duplicates in the data).
        positive_scores / negative_scores: The model's similarity of each query to its positive / negatives.
        parameters: The library's parameters used.
    """

    dataset: Any
    output_format: str
    queries: int
    with_negatives: int
    dropped_same: int = 0
    positive_scores: list[float] = field(default_factory=list)
    negative_scores: list[float] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return self.queries - self.with_negatives

    def summary(self) -> str:
        """What it did, in one sentence."""
        text = (
            f"{self.with_negatives} of {self.queries} queries got hard negatives ({self.dataset.num_rows} rows, "
            f"{self.output_format})"
        )
        if self.skipped:
            text += f"; {self.skipped} had no candidate that passed the filters"
        if self.dropped_same:
            text += f"; {self.dropped_same} negative(s) equal to their positive were dropped"
        return text + "."


def _norm(text) -> str:
    return " ".join(str(text).split()).casefold()


def _check_columns(ds, anchor: str, positive: str) -> None:
    for role, name in (("query", anchor), ("positive", positive)):
        if name not in ds.column_names:
            raise WorkbenchError(
                f"the {role} column '{name}' is not in the data.",
                fix=f"use one of its columns: {', '.join(ds.column_names)}.",
                where="columns",
            )


def _without_same(ds, anchor: str, positive: str, output_format: str):
    """Drop every negative whose text is its query's positive; returns (dataset, how many were dropped)."""
    if output_format in ("triplet", "n-tuple"):
        negs = [c for c in ds.column_names if c not in (anchor, positive)]
        keep = [i for i, row in enumerate(ds) if all(_norm(row[c]) != _norm(row[positive]) for c in negs)]
        return ds.select(keep), ds.num_rows - len(keep)
    if output_format == "labeled-pair":
        positives: dict[str, set[str]] = {}
        for row in ds:
            if row["label"] == 1:
                positives.setdefault(_norm(row[anchor]), set()).add(_norm(row[positive]))
        keep = [
            i
            for i, row in enumerate(ds)
            if row["label"] == 1 or _norm(row[positive]) not in positives.get(_norm(row[anchor]), ())
        ]
        return ds.select(keep), ds.num_rows - len(keep)
    dropped = 0

    def clean(row):
        nonlocal dropped
        docs, labels = row[positive], row["labels"]
        pos = {_norm(d) for d, label in zip(docs, labels, strict=True) if label == 1}
        kept = [(d, lab) for d, lab in zip(docs, labels, strict=True) if lab == 1 or _norm(d) not in pos]
        dropped += len(docs) - len(kept)
        return {positive: [d for d, _ in kept], "labels": [lab for _, lab in kept]}

    return ds.map(clean), dropped


def _scores(model, ds, anchor: str, positive: str, output_format: str) -> tuple[list[float], list[float]]:
    """The model's similarity of each query to its positives and to its negatives (for the histogram)."""
    pairs_pos, pairs_neg = [], []
    for row in ds:
        q = row[anchor]
        if output_format in ("triplet", "n-tuple"):
            pairs_pos.append((q, row[positive]))
            pairs_neg += [(q, row[c]) for c in ds.column_names if c not in (anchor, positive)]
        elif output_format == "labeled-pair":
            (pairs_pos if row["label"] == 1 else pairs_neg).append((q, row[positive]))
        else:
            for doc, label in zip(row[positive], row["labels"], strict=True):
                (pairs_pos if label == 1 else pairs_neg).append((q, doc))
    pairs_pos = list(dict.fromkeys(pairs_pos))  # a triplet row repeats its positive once per negative
    texts = sorted({t for pair in pairs_pos + pairs_neg for t in pair})
    if not texts:
        return [], []
    emb = dict(zip(texts, model.encode(texts, convert_to_tensor=True, show_progress_bar=False), strict=True))

    def sims(pairs):
        return [float(model.similarity(emb[a], emb[b]).reshape(-1)[0]) for a, b in pairs]

    return sims(pairs_pos), sims(pairs_neg)


def mine(
    ds,
    model,
    anchor: str,
    positive: str,
    *,
    corpus: list[str] | None = None,
    preset: str = "safe",
    output_format: str = "triplet",
    cross_encoder=None,
    use_faiss: bool = False,
    batch_size: int = 32,
    **overrides,
) -> MiningResult:
    """Mine hard negatives for (query, positive) rows.

    Args:
        ds: A ``datasets.Dataset`` holding the query and positive columns.
        model: The SentenceTransformer that scores candidates.
        anchor / positive: The query and positive column names.
        corpus: Extra candidate texts (the positives are always candidates).
        preset: One of :data:`workbench.rules.PRESETS`; ``overrides`` set the library's parameters directly.
        output_format: triplet, n-tuple, labeled-pair or labeled-list (:func:`workbench.rules.mining_format`).
        cross_encoder: A CrossEncoder that rescores the candidates, or None.
        use_faiss: Search with faiss (large pools; needs faiss-cpu).

    Raises:
        WorkbenchError: a column is missing, the format or a parameter is invalid, or nothing could be mined.
    """
    from sentence_transformers.util import mine_hard_negatives

    from .models import quiet_loading

    if output_format not in rules.MINING_FORMATS:
        raise WorkbenchError(
            f"unknown output format '{output_format}'.",
            fix=f"use one of: {', '.join(rules.MINING_FORMATS)}.",
            where="format",
        )
    _check_columns(ds, anchor, positive)
    ds = ds.select_columns([anchor, positive])
    pool = len({_norm(t) for t in ds[positive]} | {_norm(t) for t in corpus or ()})
    params = rules.mining_parameters(preset, pool_size=pool, **overrides)
    with quiet_loading():
        mined = mine_hard_negatives(
            ds,
            model,
            anchor_column_name=anchor,
            positive_column_name=positive,
            corpus=list(corpus) if corpus else None,
            cross_encoder=cross_encoder,
            output_format=output_format,
            batch_size=batch_size,
            use_faiss=use_faiss,
            verbose=False,
            **params,
        )
    mined, dropped = _without_same(mined, anchor, positive, output_format)
    queries = {_norm(q) for q in ds[anchor]}
    if output_format in ("triplet", "n-tuple"):
        got = {_norm(q) for q in mined[anchor]}
    elif output_format == "labeled-pair":
        got = {_norm(r[anchor]) for r in mined if r["label"] == 0}
    else:
        got = {_norm(r[anchor]) for r in mined if 0 in r["labels"]}
    if not got:
        raise WorkbenchError(
            "no query got a hard negative: every candidate was filtered out.",
            fix="add a corpus of candidate texts, lower range_min, or choose the 'hardest' preset.",
            where="preset",
        )
    pos_scores, neg_scores = _scores(model, mined, anchor, positive, output_format)
    return MiningResult(
        mined, output_format, len(queries), len(got & queries), dropped, pos_scores, neg_scores, params
    )
