"""What a metric key means and whether a run made the model better: pure functions the live plot, the results
table, the run verdict and ``make quality`` (`workbench.engine.quality`) share.

Evaluators report many kinds of figures under one flat dict: quality scores (0-1, higher is better), losses and
errors (lower is better), the sparse encoders' sparsity statistics (``active_dims``, ``sparsity_ratio``,
``avg_flops``: a trade-off, not better or worse), the decision thresholds the binary evaluators found (any scale:
a sparse dot-product threshold is ~20,000) and the trainer's timings. :func:`metric_kind` tells them apart by the
key's ending (the evaluator's name comes first and is the user's, so only the ending is read), and
:func:`direction` says which way is better where that is known.

A run's verdict on its primary metrics is one of ``win`` / ``marginal`` / ``no change`` / ``regression``
(:func:`run_verdict`); :func:`judge` is the margin / confidence-interval rule both it and the bootstrap verdicts
of ``make quality`` use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    words = _AT_K.sub("", name).split("_")
    while len(words) > 1 and words[-1] in _MODIFIERS:
        words.pop()
    return QUALITY if words[-1] in _QUALITY_WORDS else OTHER


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


@dataclass(frozen=True)
class MetricVerdict:
    """The change of one evaluator's primary metric."""

    evaluator: str
    metric: str
    baseline: float
    final: float
    outcome: str  # WIN, MARGINAL, NO_CHANGE or REGRESSION
    ceiling: bool  # already at its best before training

    @property
    def delta(self) -> float:
        return self.final - self.baseline

    @property
    def sentence(self) -> str:
        change = f"{self.metric} {self.baseline:.4f} → {self.final:.4f} ({self.delta:+.4f})"
        if self.outcome == WIN:
            return f"Better on {change}."
        if self.outcome == REGRESSION:
            return f"Worse on {change}."
        if self.outcome == NO_CHANGE:
            return f"No change on {self.metric} ({self.final:.4f} before and after)."
        return f"Within the noise on {change}: a change under {MARGIN:g} is not worth a word."


@dataclass(frozen=True)
class RunVerdict:
    """The run's verdict in plain words, from its evaluators' primary metrics.

    Attributes:
        outcome: ``win`` (better on some primary metric and worse on none), ``regression`` (worse on one),
            ``marginal`` (changes within the margin) or ``no change``.
        headline: One sentence for a person.
        metrics: One :class:`MetricVerdict` per evaluator with figures on both sides.
        hints: What to do about it (an eval set at the ceiling, a regression).
    """

    outcome: str
    headline: str
    metrics: tuple[MetricVerdict, ...]
    hints: tuple[str, ...]


_HEADLINES = {
    WIN: "Win: the trained model is better than the base model.",
    MARGINAL: "Marginal: the change is too small to call; the trained model is about as good as the base model.",
    NO_CHANGE: "No change: the trained model scores the same as the base model.",
    REGRESSION: "Regression: the run made the model worse.",
}
CEILING_HINT = (
    "Already perfect before training ({metrics}): this eval set cannot show an improvement; use a harder one."
)
REGRESSION_HINT = (
    "Keep the base model, or try a lower learning rate, fewer passes over the data or another loss."
)


def run_verdict(
    baseline: Mapping[str, float], final: Mapping[str, float], primary: Mapping[str, str] | Sequence[str]
) -> RunVerdict | None:
    """Judge a run on its evaluators' primary metrics (the margin rule: a run has no confidence interval).

    Args:
        baseline: The metrics before training.
        final: The metrics after training.
        primary: Evaluator name -> its primary metric key (the session's ``primary``), or just the keys.

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
        if abs(f - b) < UNCHANGED:
            outcome = NO_CHANGE
        else:
            outcome = judge(b, f, higher_is_better=direction(key) >= 0)
        judged.append(MetricVerdict(evaluator, key, b, f, outcome, at_ceiling(key, b)))
    if not judged:
        return None
    outcomes = {v.outcome for v in judged}
    overall = next(o for o in (REGRESSION, WIN, MARGINAL, NO_CHANGE) if o in outcomes)
    hints = []
    ceiling = [v.metric for v in judged if v.ceiling]
    if ceiling:
        hints.append(CEILING_HINT.format(metrics=", ".join(f"{m} = 1.0" for m in ceiling)))
    if overall == REGRESSION:
        hints.append(REGRESSION_HINT)
    return RunVerdict(overall, _HEADLINES[overall], tuple(judged), tuple(hints))
