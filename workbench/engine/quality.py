"""Did the run make the model better? A verdict on baseline -> final, with a paired bootstrap where we can.

Two ways to judge a change:

* **With a confidence interval** (``make quality``): a paired bootstrap over the test items (STS pairs, binary
  pairs, triplets, queries) resamples the items, recomputes the metric for the baseline and the final model on the
  same resample, and takes the 2.5 / 97.5 percentiles of the difference. ``win`` when the whole 95 % interval lies
  above 0, ``regression`` when it lies below 0, ``marginal`` otherwise.
* **Without one** (a user's run, where only the two figures are known): ``win`` when the change is at least
  :data:`MARGIN` in the good direction, ``regression`` when it is at least :data:`MARGIN` in the bad direction,
  ``marginal`` in between. On STSb test (1,379 pairs) the bootstrap half-width of a Spearman difference between two
  models is about 0.005-0.008, so MARGIN = 0.005 is about the smallest change that is worth a word. The rule itself
(:func:`workbench.rules.metrics.judge`) is shared with the app's run verdict, which must not import torch.

Per-item scores come from :func:`item_scores` (encode the evaluator's own test data with a model) or from an
:class:`ItemRecorder` that wraps an evaluator and records them each time the Runner calls it (baseline, then
final), so that the model trained in place is scored before and after. Heavy imports happen inside functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..rules.metrics import MARGIN, direction, judge

N_BOOT = 2000

# Kinds of per-item data for bootstrap_delta.
SPEARMAN = "spearman"  # items = pairs: model scores + gold scores; metric = Spearman rank correlation
AP = "ap"  # items = pairs: model scores + 0/1 labels; metric = average precision
MEAN = "mean"  # items carry their own value (triplet correct 0/1, per-query nDCG@10); metric = the mean
KINDS = (SPEARMAN, AP, MEAN)


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of the metric named ``metric`` is better (False for losses, errors and runtimes;
    `workbench.rules.metrics.direction` decides)."""
    return direction(metric) >= 0


def verdict(
    baseline: float,
    final: float,
    ci: Sequence[float] | None = None,
    higher_is_better: bool = True,
    *,
    metric: str = "the metric",
    margin: float = MARGIN,
) -> dict[str, Any]:
    """Judge one change of a metric.

    Args:
        baseline: The metric before training.
        final: The metric after training.
        ci: The 95 % confidence interval ``(lo, hi)`` of ``final - baseline`` (from :func:`bootstrap_delta`), or
            None to judge by ``margin`` alone.
        higher_is_better: False for losses and errors.
        metric: The metric's name, for the message.
        margin: The smallest change that counts without a confidence interval.

    Returns:
        ``{"verdict": "win" | "marginal" | "regression", "delta": final - baseline, "ci95": [lo, hi] | None,
        "message": str}``. A regression's message starts with ``"warning:"``.
    """
    baseline, final = float(baseline), float(final)
    delta = final - baseline
    outcome = judge(baseline, final, ci, higher_is_better, margin)
    if any(math.isnan(v) for v in (baseline, final)):
        return {
            "verdict": "marginal",
            "delta": delta,
            "ci95": list(ci) if ci is not None else None,
            "message": f"{metric}: cannot judge a change from {baseline} to {final}.",
        }
    if ci is not None:
        lo, hi = float(ci[0]), float(ci[1])
        how = f"95% CI of the change [{lo:+.4f}, {hi:+.4f}]"
    else:
        lo = hi = None
        how = f"threshold ±{margin:g}, no confidence interval"
    change = f"{metric} {baseline:.4f} → {final:.4f} ({delta:+.4f}; {how})"
    if outcome == "win":
        message = f"win: {change}."
    elif outcome == "regression":
        message = (
            f"warning: the run made the model worse: {change}. Keep the base model, or try a lower "
            "learning rate, fewer epochs or another loss."
        )
    else:
        message = f"marginal: no clear change, {change}."
    return {"verdict": outcome, "delta": delta, "ci95": None if lo is None else [lo, hi], "message": message}


def summary_verdicts(
    baseline: dict[str, float], final: dict[str, float], primary: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Threshold verdicts for a run summary: one per evaluator, on its primary metric.

    Args:
        baseline: The summary's baseline metrics.
        final: The summary's final metrics (empty when the run ended without them).
        primary: Evaluator name -> its primary metric key (the Runner's ``primary_metrics``).

    Returns:
        Evaluator name -> :func:`verdict`'s dict plus ``"metric"``, ``"baseline"`` and ``"final"``; evaluators
        with a figure missing on either side are left out.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, key in (primary or {}).items():
        if key in (baseline or {}) and key in (final or {}):
            result = verdict(baseline[key], final[key], None, higher_is_better(key), metric=key)
            out[name] = {
                "metric": key,
                "baseline": float(baseline[key]),
                "final": float(final[key]),
                **result,
            }
    return out


# ---- paired bootstrap -------------------------------------------------------------------------------------------


def _rowwise_pearson(a, b):
    import numpy as np

    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    denom = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (a * b).sum(axis=1) / denom, np.nan)


def metric_value(kind: str, scores, gold=None) -> float:
    """The metric of one model on all items: Spearman(scores, gold), AP(gold, scores) or mean(scores)."""
    import numpy as np

    scores = np.asarray(scores, dtype=float)
    if kind == MEAN:
        return float(scores.mean())
    gold = np.asarray(gold, dtype=float)
    if kind == SPEARMAN:
        from scipy.stats import spearmanr

        return float(spearmanr(gold, scores)[0])
    if kind == AP:
        from sklearn.metrics import average_precision_score

        return float(average_precision_score(gold.astype(int), scores))
    raise ValueError(f"unknown kind '{kind}'; use one of {KINDS}")


def bootstrap_delta(
    kind: str, baseline, final, gold=None, *, n_boot: int = N_BOOT, seed: int = 0, alpha: float = 0.05
) -> dict[str, Any]:
    """Paired bootstrap of ``metric(final) - metric(baseline)`` over the test items.

    Each resample draws the items with replacement and computes the metric for both models on the same draw, so
    the interval reflects how much the difference depends on which test items happen to be there.

    Args:
        kind: ``"spearman"`` (STS: per-pair model scores, ``gold`` = gold scores), ``"ap"`` (binary pairs:
            per-pair model scores, ``gold`` = 0/1 labels) or ``"mean"`` (per-item values such as triplet
            correctness or per-query nDCG@10; ``gold`` unused).
        baseline: Per-item scores / values of the baseline model.
        final: Per-item scores / values of the final model, for the same items in the same order.
        gold: The gold scores or labels (``spearman`` / ``ap``).
        n_boot: Number of resamples.
        seed: Random seed (the result is deterministic for a seed).
        alpha: 1 - the confidence level.

    Returns:
        ``{"baseline", "final", "delta", "ci95": [lo, hi], "n_items", "n_boot"}`` (metrics on all items; the
        interval from the resamples).
    """
    import numpy as np

    if kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}'; use one of {KINDS}")
    base = np.asarray(baseline, dtype=float)
    fin = np.asarray(final, dtype=float)
    if base.shape != fin.shape or base.ndim != 1:
        raise ValueError(
            f"baseline and final must be 1-d and of equal length, got {base.shape} and {fin.shape}"
        )
    n = len(base)
    if n < 2:
        raise ValueError("the bootstrap needs at least 2 items")
    if kind != MEAN:
        gold = np.asarray(gold, dtype=float)
        if gold.shape != base.shape:
            raise ValueError(f"gold must match the scores' length {n}, got {gold.shape}")
    rng = np.random.default_rng(seed)
    deltas = np.empty(n_boot)
    # Chunks keep the (resamples x items) matrices small for large test sets.
    chunk = max(1, min(n_boot, 2_000_000 // n))
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_boot - start), n))
        deltas[start : start + len(idx)] = _resampled_deltas(kind, base, fin, gold, idx)
    deltas = deltas[~np.isnan(deltas)]
    lo, hi = np.percentile(deltas, [100 * alpha / 2, 100 * (1 - alpha / 2)])
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
    import numpy as np

    if kind == MEAN:
        return fin[idx].mean(axis=1) - base[idx].mean(axis=1)
    if kind == SPEARMAN:
        from scipy.stats import rankdata

        g = rankdata(gold[idx], axis=1)
        return _rowwise_pearson(rankdata(fin[idx], axis=1), g) - _rowwise_pearson(
            rankdata(base[idx], axis=1), g
        )
    from sklearn.metrics import average_precision_score

    out = np.empty(len(idx))
    for i, row in enumerate(idx):
        labels = gold[row].astype(int)
        if labels.min() == labels.max():  # a resample with one class only has no AP
            out[i] = np.nan
            continue
        out[i] = average_precision_score(labels, fin[row]) - average_precision_score(labels, base[row])
    return out
