"""The run's verdict in plain words: **Better** / **About the same** / **Worse** on the user's eval data, the
primary metric before -> after with its 95 % interval, what the metric means, the eval items that gained and lost
most, and the warnings that name a fix.

The run writes each evaluator's per-item scores at baseline and at the end into ``<run>/items.json``
(`workbench.engine.items`): ``{evaluator name: {"metric", "kind", "texts", "gold", "baseline", "final",
"rank_baseline"?, "rank_final"?}}``. Everything here is a pure function of that record and the summary's metrics,
so the app, ``workbench train`` and ``workbench.engine.run_verdict_of(run_dir)`` give the same verdict (the bootstrap
has a fixed seed). Without per-item scores (an older run) the margin rule of :func:`.metrics.judge` decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .bootstrap import AP, MEAN, N_BOOT, SPEARMAN, bootstrap_delta, row_ranks
from .metrics import (
    MARGIN,
    MARGINAL,
    NO_CHANGE,
    REGRESSION,
    UNCHANGED,
    WIN,
    at_ceiling,
    direction,
    judge,
    words,
)

# What a metric means, in one sentence, keyed by the last word of its key (after the similarity function and the
# "@k" are taken off). A table of facts, not code: add a row for a new metric.
MEANINGS: dict[str, str] = {
    "spearman": "Spearman correlation: how well the model's similarity orders your pairs like your scores "
    "(1 = perfectly).",
    "pearson": "Pearson correlation: how closely the model's similarity follows your scores in a straight line "
    "(1 = perfectly).",
    "ap": "Average precision: how well the model's similarity ranks your matching pairs above the other pairs "
    "(1 = all matching pairs first).",
    "accuracy": "Accuracy: the share of your eval items the model gets right (1 = all of them).",
    "f1": "F1: the balance of precision and recall on your matching pairs (1 = every match found, no false one).",
    "precision": "Precision: the share of the pairs the model calls a match that really are one (1 = no false one).",
    "recall": "Recall: the share of your matching pairs the model finds (1 = all of them).",
    "mcc": "Matthews correlation: how well the model's yes/no calls agree with your labels (1 = perfectly, "
    "0 = chance).",
    "ndcg": "nDCG: how near the top of the search results the relevant documents come for your queries "
    "(1 = always first).",
    "mrr": "MRR: one over the rank of the first relevant document, averaged over your queries (1 = always first).",
    "map": "MAP: the average precision of the search results over your queries (1 = relevant documents first).",
    "auc": "AUC: the chance that a matching pair scores above a non-matching one (1 = always, 0.5 = chance).",
    "loss": "Loss: the training objective on your eval data (lower is better).",
}
VERDICT_WORDS = {WIN: "Better", MARGINAL: "About the same", NO_CHANGE: "About the same", REGRESSION: "Worse"}
TOP_ITEMS = 5

CEILING_HINT = (
    "Already perfect before training ({metrics}): this eval set cannot show an improvement; use a harder one."
)
REGRESSION_HINT = (
    "Keep the base model, or try a lower learning rate, fewer passes over the data or another loss."
)


def meaning(key: str) -> str:
    """What the metric ``key`` means, in one sentence (empty when the table has no row for it)."""
    found = words(key)
    if found[-2:] == ["average", "precision"]:  # the cross-encoders' name for AP
        return MEANINGS["ap"]
    return MEANINGS.get(found[-1], "")


def measures(kind: str | None, key: str) -> bool:
    """Whether per-item scores of ``kind`` measure the metric ``key`` (else their interval would be of another
    metric, and the margin rule judges instead)."""
    found = words(key)
    if kind == SPEARMAN:
        return found[-1] == "spearman"
    if kind == AP:
        return found[-1] == "ap" or found[-2:] == ["average", "precision"]
    return kind == MEAN and found[-1] in ("accuracy", "ndcg")


@dataclass(frozen=True)
class ItemMove:
    """How one eval item moved: its score before and after, and its gain (> 0: the model got better on it)."""

    text: str
    before: float
    after: float
    gain: float
    gold: float | None = None
    rank_before: int | None = (
        None  # retrieval: the rank of the first relevant document (None: not in the list)
    )
    rank_after: int | None = None


def item_gains(record: Mapping[str, Any]) -> list[float]:
    """Each item's gain from baseline to final, on the metric's own terms.

    ``mean`` items (a triplet right or wrong, a query's nDCG) gain their change; ``ap`` pairs gain when their
    similarity moves towards their label (up for a match, down otherwise); ``spearman`` pairs gain when the rank
    of their similarity among all pairs moves nearer the rank of your score.
    """
    base = np.asarray(record["baseline"], dtype=float)
    fin = np.asarray(record["final"], dtype=float)
    kind = record.get("kind", MEAN)
    if kind == AP:
        sign = np.where(np.asarray(record["gold"], dtype=float) > 0.5, 1.0, -1.0)
        return list(sign * (fin - base))
    if kind == SPEARMAN and len(base) > 1:
        scale = len(base) - 1
        gold = row_ranks(record["gold"])[0] / scale
        off_before = np.abs(row_ranks(base)[0] / scale - gold)
        off_after = np.abs(row_ranks(fin)[0] / scale - gold)
        return list(off_before - off_after)
    return list(fin - base)


def movers(
    record: Mapping[str, Any], k: int = TOP_ITEMS
) -> tuple[tuple[ItemMove, ...], tuple[ItemMove, ...]]:
    """The ``k`` items that gained most and the ``k`` that lost most (only items that moved)."""
    gains = item_gains(record)
    texts = record.get("texts") or [f"item {i + 1}" for i in range(len(gains))]
    gold = record.get("gold")
    ranks = record.get("rank_baseline"), record.get("rank_final")
    moves = [
        ItemMove(
            str(texts[i]),
            float(record["baseline"][i]),
            float(record["final"][i]),
            float(g),
            None if gold is None else float(gold[i]),
            None if ranks[0] is None else ranks[0][i],
            None if ranks[1] is None else ranks[1][i],
        )
        for i, g in enumerate(gains)
    ]
    ordered = sorted(moves, key=lambda m: -m.gain)
    gained = tuple(m for m in ordered[:k] if m.gain > UNCHANGED)
    lost = tuple(m for m in reversed(ordered[-k:]) if m.gain < -UNCHANGED)
    return gained, lost


def interval(record: Mapping[str, Any] | None, *, n_boot: int = N_BOOT, seed: int = 0) -> dict | None:
    """The paired bootstrap of an items.json record (None without one, or with fewer than 2 items / no final)."""
    if not record or not record.get("final") or len(record.get("baseline") or ()) < 2:
        return None
    if len(record["final"]) != len(record["baseline"]):
        return None
    return bootstrap_delta(
        record.get("kind", MEAN),
        record["baseline"],
        record["final"],
        record.get("gold"),
        n_boot=n_boot,
        seed=seed,
    )


def _number(value: float) -> str:
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4f}"


@dataclass(frozen=True)
class MetricVerdict:
    """The change of one evaluator's primary metric, with its 95 % interval when per-item scores were recorded."""

    evaluator: str
    metric: str
    baseline: float
    final: float
    outcome: str  # WIN, MARGINAL, NO_CHANGE or REGRESSION
    ceiling: bool  # already at its best before training
    ci: tuple[float, float] | None = None
    n_items: int | None = None
    gained: tuple[ItemMove, ...] = ()
    lost: tuple[ItemMove, ...] = ()
    kind: str | None = None  # of the per-item scores: spearman / ap (pair similarities) or mean (item values)

    @property
    def delta(self) -> float:
        return self.final - self.baseline

    @property
    def word(self) -> str:
        return VERDICT_WORDS[self.outcome]

    @property
    def change(self) -> str:
        """``metric 0.6000 → 0.7000 (+0.1000; 95 % interval +0.0500 to +0.1500, 40 items)``."""
        if self.outcome == NO_CHANGE:
            same = f"{self.metric} {_number(self.final)} before and after"
            if self.ci is None:
                return same
            return f"{same} (95 % interval {self.ci[0]:+.4f} to {self.ci[1]:+.4f}, {self.n_items} items)"
        how = f"{self.delta:+.4f}"
        if self.ci is not None:
            how += f"; 95 % interval {self.ci[0]:+.4f} to {self.ci[1]:+.4f}"
            how += f", {self.n_items} items" if self.n_items else ""
        else:
            how += f"; no per-item scores, so no interval: a change under {MARGIN:g} counts as the same"
        return f"{self.metric} {_number(self.baseline)} → {_number(self.final)} ({how})"

    @property
    def sentence(self) -> str:
        return f"{self.word} on {self.change}."


@dataclass(frozen=True)
class RunVerdict:
    """The run's verdict in plain words, from its evaluators' primary metrics.

    Attributes:
        outcome: ``win`` (better on some primary metric and worse on none), ``regression`` (worse on one),
            ``marginal`` (within the interval / margin) or ``no change``.
        headline: The one line: Better / About the same / Worse on your eval data, the deciding metric before ->
            after with its interval.
        meaning: What that metric means, in one sentence.
        metrics: One :class:`MetricVerdict` per evaluator with figures on both sides.
        hints: What to do about it: the run's warnings (leak, overfitting), an eval set at the ceiling, a
            regression.
    """

    outcome: str
    headline: str
    metrics: tuple[MetricVerdict, ...]
    hints: tuple[str, ...]
    meaning: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def word(self) -> str:
        """``Better`` / ``About the same`` / ``Worse``."""
        return VERDICT_WORDS[self.outcome]

    def to_dict(self) -> dict[str, Any]:
        """The verdict as JSON-ready data (summary.json's ``verdict``)."""

        def move(m: ItemMove) -> dict:
            return {k: v for k, v in m.__dict__.items() if v is not None}

        return {
            "verdict": self.word,
            "outcome": self.outcome,
            "headline": self.headline,
            "meaning": self.meaning,
            "hints": list(self.hints),
            "metrics": [
                {
                    "evaluator": m.evaluator,
                    "metric": m.metric,
                    "baseline": m.baseline,
                    "final": m.final,
                    "delta": m.delta,
                    "verdict": m.word,
                    "outcome": m.outcome,
                    "ci95": list(m.ci) if m.ci is not None else None,
                    "n_items": m.n_items,
                    "kind": m.kind,
                    "gained": [move(x) for x in m.gained],
                    "lost": [move(x) for x in m.lost],
                }
                for m in self.metrics
            ],
        }


def _warning_texts(warnings) -> list[str]:
    return [w.get("text", "") if isinstance(w, Mapping) else str(w) for w in warnings or ()]


def run_verdict(
    baseline: Mapping[str, float],
    final: Mapping[str, float],
    primary: Mapping[str, str] | Sequence[str],
    items: Mapping[str, Mapping] | None = None,
    warnings: Sequence[Any] = (),
) -> RunVerdict | None:
    """Judge a run on its evaluators' primary metrics.

    Args:
        baseline: The metrics before training.
        final: The metrics after training.
        primary: Evaluator name -> its primary metric key (the summary's ``primary_metrics``), or just the keys.
        items: The run's items.json (evaluator name -> per-item scores): with it, each metric is judged by its
            95 % interval (paired bootstrap); without, by the margin rule.
        warnings: The summary's ``warnings`` (dicts with a ``text``, or strings), shown first among the hints.

    Returns:
        The verdict, or None when no primary metric was measured on both sides.
    """
    pairs = primary.items() if isinstance(primary, Mapping) else [(key, key) for key in primary]
    judged = []
    for evaluator, key in pairs:
        b, f = (baseline or {}).get(key), (final or {}).get(key)
        if not isinstance(b, (int, float)) or not isinstance(f, (int, float)):
            continue
        b, f = float(b), float(f)
        record = (items or {}).get(evaluator)
        if record is not None and (record.get("metric") != key or not measures(record.get("kind"), key)):
            record = None
        boot = interval(record)
        ci = tuple(boot["ci95"]) if boot else None
        if abs(f - b) < UNCHANGED:
            outcome = NO_CHANGE
        else:
            outcome = judge(b, f, ci, higher_is_better=direction(key) >= 0)
        gained, lost = movers(record) if boot else ((), ())
        n = boot["n_items"] if boot else None
        kind = record.get("kind") if boot else None
        judged.append(
            MetricVerdict(evaluator, key, b, f, outcome, at_ceiling(key, b), ci, n, gained, lost, kind)
        )
    if not judged:
        return None
    outcomes = {v.outcome for v in judged}
    overall = next(o for o in (REGRESSION, WIN, MARGINAL, NO_CHANGE) if o in outcomes)
    deciding = next(v for v in judged if v.outcome == overall)
    headline = f"{VERDICT_WORDS[overall]} on your eval data: {deciding.change}."
    texts = _warning_texts(warnings)
    hints = list(texts)
    ceiling = [v.metric for v in judged if v.ceiling]
    if ceiling:
        hints.append(CEILING_HINT.format(metrics=", ".join(f"{m} = 1.0" for m in ceiling)))
    if overall == REGRESSION:
        hints.append(REGRESSION_HINT)
    return RunVerdict(overall, headline, tuple(judged), tuple(hints), meaning(deciding.metric), tuple(texts))


def verdict_of(summary: Mapping[str, Any], items: Mapping[str, Mapping] | None = None) -> RunVerdict | None:
    """The verdict of a run from its summary.json (and items.json, when the run wrote one)."""
    summary = summary or {}
    return run_verdict(
        summary.get("baseline") or {},
        summary.get("final") or {},
        summary.get("primary_metrics") or {},
        items,
        summary.get("warnings") or (),
    )
