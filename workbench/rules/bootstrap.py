"""The paired bootstrap of a metric's change over the eval items, in numpy alone.

The run writes each evaluator's per-item scores before and after training into ``<run>/items.json``; the app's page
kernel (which never imports torch, scipy or scikit-learn), ``workbench train`` and Python all judge the run from
that file with these functions, with the same seed, so they give the same interval. ``make quality`` uses them too
(through `workbench.engine.quality`).

A resample draws the items with replacement and computes the metric for both models on the same draw; the 2.5 and
97.5 percentiles of the differences are the 95 % interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np

N_BOOT = 2000

# Kinds of per-item data.
SPEARMAN = "spearman"  # items = pairs: model scores + gold scores; metric = Spearman rank correlation
AP = "ap"  # items = pairs: model scores + 0/1 labels; metric = average precision
MEAN = "mean"  # items carry their own value (triplet correct 0/1, per-query nDCG@10); metric = the mean
KINDS = (SPEARMAN, AP, MEAN)


def row_ranks(x) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank, as ``scipy.stats.rankdata``) of each row of ``x``."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    rows, width = x.shape
    _, codes = np.unique(x, return_inverse=True)
    codes = codes.reshape(rows, width).astype(np.int64)
    offset = np.arange(rows, dtype=np.int64)[:, None]
    keys = codes + offset * (int(codes.max()) + 1)  # each row's keys in a band of its own: one sort for all
    flat = np.sort(keys.ravel())
    left = np.searchsorted(flat, keys, "left")
    right = np.searchsorted(flat, keys, "right")
    return (left + right - 1) / 2 - offset * width + 1


def _rowwise_pearson(a, b):
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    denom = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (a * b).sum(axis=1) / np.where(denom > 0, denom, 1), np.nan)


def average_precision(labels, scores) -> float:
    """Average precision of 0/1 ``labels`` ranked by ``scores`` (as scikit-learn's, ties grouped)."""
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last item of each run of tied scores
    tps = np.cumsum(y)[ends]
    if not len(tps) or tps[-1] == 0:
        return float("nan")
    precision = tps / (ends + 1)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def metric_value(kind: str, scores, gold=None) -> float:
    """The metric of one model on all items: Spearman(scores, gold), AP(gold, scores) or mean(scores)."""
    scores = np.asarray(scores, dtype=float)
    if kind == MEAN:
        return float(scores.mean())
    gold = np.asarray(gold, dtype=float)
    if kind == SPEARMAN:
        return float(_rowwise_pearson(row_ranks(scores), row_ranks(gold))[0])
    if kind == AP:
        return average_precision(gold, scores)
    raise ValueError(f"Unknown kind '{kind}'; use one of {KINDS}.")


def bootstrap_delta(
    kind: str, baseline, final, gold=None, *, n_boot: int = N_BOOT, seed: int = 0, alpha: float = 0.05
) -> dict[str, Any]:
    """Paired bootstrap of ``metric(final) - metric(baseline)`` over the eval items.

    Args:
        kind: ``"spearman"`` (per-pair model scores, ``gold`` = gold scores), ``"ap"`` (per-pair model scores,
            ``gold`` = 0/1 labels) or ``"mean"`` (per-item values such as triplet correctness or per-query
            nDCG@10; ``gold`` unused).
        baseline: Per-item scores / values of the baseline model.
        final: Per-item scores / values of the final model, for the same items in the same order.
        gold: The gold scores or labels (``spearman`` / ``ap``).
        n_boot: Number of resamples.
        seed: Random seed (the result is deterministic for a seed).
        alpha: 1 - the confidence level.

    Returns:
        ``{"baseline", "final", "delta", "ci95": [lo, hi], "n_items", "n_boot"}`` (metrics on all items; the
        interval from the resamples).

    Raises:
        ValueError: an unknown kind, scores of different lengths, fewer than 2 items, or gold of another length.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind '{kind}'; use one of {KINDS}.")
    base = np.asarray(baseline, dtype=float)
    fin = np.asarray(final, dtype=float)
    if base.shape != fin.shape or base.ndim != 1:
        raise ValueError(
            f"Baseline and final must be 1-d and of equal length, got {base.shape} and {fin.shape}."
        )
    n = len(base)
    if n < 2:
        raise ValueError("The bootstrap needs at least 2 items.")
    if kind != MEAN:
        gold = np.asarray(gold, dtype=float)
        if gold.shape != base.shape:
            raise ValueError(f"Gold must match the scores' length {n}, got {gold.shape}.")
    rng = np.random.default_rng(seed)
    deltas = np.empty(n_boot)
    # Chunks keep the (resamples x items) matrices small for large eval sets.
    chunk = max(1, min(n_boot, 2_000_000 // n))
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_boot - start), n))
        deltas[start : start + len(idx)] = _resampled_deltas(kind, base, fin, gold, idx)
    deltas = deltas[~np.isnan(deltas)]
    lo, hi = np.percentile(deltas, [100 * alpha / 2, 100 * (1 - alpha / 2)]) if len(deltas) else (np.nan,) * 2
    b_all, f_all = metric_value(kind, base, gold), metric_value(kind, fin, gold)
    return {
        "baseline": b_all,
        "final": f_all,
        "delta": f_all - b_all,
        "ci95": [float(lo), float(hi)],
        "n_items": int(n),
        "n_boot": int(len(deltas)),
    }


def _resampled_deltas(kind: str, base, fin, gold, idx):
    if kind == MEAN:
        return fin[idx].mean(axis=1) - base[idx].mean(axis=1)
    if kind == SPEARMAN:
        g = row_ranks(gold[idx])
        return _rowwise_pearson(row_ranks(fin[idx]), g) - _rowwise_pearson(row_ranks(base[idx]), g)
    out = np.empty(len(idx))
    for i, row in enumerate(idx):
        labels = gold[row]
        if labels.min() == labels.max():  # a resample with one class only has no AP
            out[i] = np.nan
            continue
        out[i] = average_precision(labels, fin[row]) - average_precision(labels, base[row])
    return out
