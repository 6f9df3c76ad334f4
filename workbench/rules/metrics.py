"""What a metric key means and whether a run made the model better: pure functions the live plot, the results
table, the run verdict and ``make quality`` (`workbench.engine.quality`) share.

Evaluators report many kinds of figures under one flat dict: quality scores (0-1, higher is better), losses and
errors (lower is better), the sparse encoders' sparsity statistics (``active_dims``, ``sparsity_ratio``,
``avg_flops``: a trade-off, not better or worse), the decision thresholds the binary evaluators found (any scale:
a sparse dot-product threshold is ~20,000) and the trainer's timings. :func:`metric_kind` tells them apart by the
key's ending (the evaluator's name comes first and is the user's, so only the ending is read), and
:func:`direction` says which way is better where that is known.

A run's verdict on its primary metrics is one of ``win`` / ``marginal`` / ``no change`` / ``regression``
(`workbench.rules.run_outcome.run_verdict`, in words Better / About the same / Worse); :func:`judge` is the margin /
confidence-interval rule both it and the bootstrap verdicts of ``make quality`` use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

QUALITY = "quality"
LOSS = "loss"
SPARSITY = "sparsity"
THRESHOLD = "threshold"
TIMING = "timing"
OTHER = "other"
METRIC_KINDS = (QUALITY, LOSS, SPARSITY, THRESHOLD, TIMING, OTHER)

WIN, MARGINAL, NO_CHANGE, REGRESSION = "win", "marginal", "no change", "regression"
# The smallest change worth a word without a confidence interval: on STSb test (1,379 pairs) the bootstrap
# half-width of a Spearman difference between two models is about 0.005-0.008.
MARGIN = 0.005
# Below this a change does not show in the four decimals the results table prints: "no change".
UNCHANGED = 5e-5

# Endings of the key after the evaluator's name (an optional "@k" stripped first).
_QUALITY_WORDS = {
    "accuracy", "f1", "precision", "recall", "ap", "mcc", "ndcg", "mrr", "map",
    "pearson", "spearman", "auc", "correlation",
}  # fmt: skip
# Words that may follow the quality word: the similarity function, the averaging.
_MODIFIERS = {"cosine", "dot", "euclidean", "manhattan", "macro", "micro", "weighted"}
_LOSS_ENDINGS = ("loss", "mse", "mae", "rmse")
_SPARSITY_ENDINGS = ("active_dims", "sparsity_ratio", "avg_flops", "flops")
_TIMING_ENDINGS = ("runtime", "samples_per_second", "steps_per_second", "epoch", "total_flos")
_AT_K = re.compile(r"@\d+$")


def _name(key: str) -> str:
    return key.lower().removeprefix("eval_")


def metric_kind(key: str) -> str:
    """The kind of figure a metric key names.

    Args:
        key: A metric key as the trainer logs it (``eval_dev_cosine_accuracy``) or as an evaluator returns it
            (``dev_query_active_dims``).

    Returns:
        One of :data:`METRIC_KINDS`: ``quality`` (a score, higher is better), ``loss`` (losses and errors),
        ``sparsity`` (active dimensions, sparsity ratio, FLOPS), ``threshold`` (a decision threshold),
        ``timing`` (runtimes, throughput, the epoch) or ``other``.
    """
    name = _name(key)
    if name.endswith("_threshold") or name == "threshold":
        return THRESHOLD
    if name.endswith(_TIMING_ENDINGS):
        return TIMING
    if name.endswith(_SPARSITY_ENDINGS):
        return SPARSITY
    if name.endswith("negative_mse"):  # the library's MSE evaluators report -MSE (x100): higher is better
        return OTHER
    if name.endswith(_LOSS_ENDINGS):
        return LOSS
    return QUALITY if words(key)[-1] in _QUALITY_WORDS else OTHER


def words(key: str) -> list[str]:
    """The words of a metric key with ``eval_``, ``@k`` and the trailing modifiers (similarity function,
    averaging) taken off: ``eval_dev_spearman_cosine`` -> ``["dev", "spearman"]``."""
    found = _AT_K.sub("", _name(key)).split("_")
    while len(found) > 1 and found[-1] in _MODIFIERS:
        found.pop()
    return found


def direction(key: str) -> int:
    """Which way the metric ``key`` is better: ``1`` higher, ``-1`` lower, ``0`` neither or not known.

    Sparsity figures and thresholds are 0: fewer active dimensions make a faster index but may cost quality, and a
    threshold is where a score is cut, not a score.
    """
    name = _name(key)
    kind = metric_kind(key)
    if kind == QUALITY or name.endswith("negative_mse"):
        return 1
    if kind == LOSS:
        return -1
    if kind == TIMING:
        return -1 if name.endswith("runtime") else 1 if name.endswith("_per_second") else 0
    return 0


def shows_direction(key: str) -> bool:
    """Whether a change of ``key`` is shown as better / worse (quality and loss; not sparsity, thresholds,
    timings or unknown figures)."""
    return metric_kind(key) in (QUALITY, LOSS) and direction(key) != 0


def at_ceiling(key: str, value) -> bool:
    """A quality score already at its best (1.0): no eval set can show an improvement on it."""
    return (
        metric_kind(key) == QUALITY
        and isinstance(value, (int, float))
        and not math.isnan(value)
        and value >= 1.0 - UNCHANGED
    )


def judge(
    baseline: float,
    final: float,
    ci: Sequence[float] | None = None,
    higher_is_better: bool = True,
    margin: float = MARGIN,
) -> str:
    """``win`` / ``marginal`` / ``regression`` for one change of a metric.

    With ``ci`` (the 95 % interval of ``final - baseline``): win when it lies wholly on the good side of 0,
    regression when wholly on the bad side. Without: win when the change is at least ``margin`` the good way,
    regression when at least ``margin`` the bad way. A NaN on either side is ``marginal``.
    """
    baseline, final = float(baseline), float(final)
    if math.isnan(baseline) or math.isnan(final):
        return MARGINAL
    sign = 1.0 if higher_is_better else -1.0
    if ci is not None:
        good_lo, good_hi = sorted((sign * float(ci[0]), sign * float(ci[1])))
        return WIN if good_lo > 0 else REGRESSION if good_hi < 0 else MARGINAL
    good = sign * (final - baseline)
    return WIN if good >= margin else REGRESSION if good <= -margin else MARGINAL
