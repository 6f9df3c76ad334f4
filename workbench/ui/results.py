"""A run's results as HTML: the verdict in plain words (win / marginal / no change / regression), what to do about
it, and the before -> after table.

What each metric is and which way is better comes from `workbench.rules.metrics`: only quality scores and losses
get a better / worse arrow; the sparsity figures are listed for information (fewer active dimensions is a
trade-off, not a win); decision thresholds and timings are left out. Quality scores that were already 1.0 before
and after training are folded into one row, under the hint that such an eval set cannot show an improvement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import rules
from ..rules import metrics as M
from .widgets import esc, html_table

_COLORS = {
    M.WIN: ("#0b6b2c", "#eef8f0"),
    M.REGRESSION: ("#a4000f", "#fdecea"),
    M.MARGINAL: ("#8a5300", "#fff6e5"),
    M.NO_CHANGE: ("#444", "#f3f5f7"),
}
_BETTER, _WORSE = "color:#0b6b2c", "color:#a4000f"
_NOT_SHOWN = (M.THRESHOLD, M.TIMING)
_HEADER = ("metric", "before training", "after training", "change")


def _number(value) -> str:
    if not isinstance(value, (int, float)):
        return ""
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4f}"


def _ordered(baseline: dict, final: dict, primary: Sequence[str]) -> list[str]:
    keys = [k for k in primary if k in baseline or k in final]
    return keys + [k for k in {**baseline, **final} if k not in keys]


def _change(key: str, before, after) -> str:
    """The change cell (HTML): an arrow coloured better / worse only where the better direction is known."""
    if not isinstance(before, (int, float)) or not isinstance(after, (int, float)):
        return ""
    delta = after - before
    if abs(delta) < M.UNCHANGED:
        return "= no change"
    text = f"{delta:+,.1f}" if abs(delta) >= 100 else f"{delta:+.4f}"
    if not rules.shows_direction(key):
        return esc(text)
    better = delta * rules.direction(key) > 0
    arrow = "▲" if delta > 0 else "▼"
    word = "better" if better else "worse"
    return f"<span style='{_BETTER if better else _WORSE}' title='{word}'>{arrow} {esc(text)}</span>"


def results_table(baseline: dict, final: dict, primary: Mapping[str, str] | Sequence[str] = ()) -> str:
    """Before -> after for the metrics measured at either end (primary metrics first), as HTML.

    Args:
        baseline: The metrics before training.
        final: The metrics after training.
        primary: The evaluators' primary metric keys (or the session's evaluator name -> key).

    Returns:
        The quality / loss table (``wb-results``) and, below it, the sparsity figures for information
        (``wb-results-info``); thresholds and timings are left out. Empty when nothing was measured.
    """
    baseline, final = baseline or {}, final or {}
    primary = list(primary.values()) if isinstance(primary, Mapping) else list(primary)
    main, info, perfect = [], [], []
    for key in _ordered(baseline, final, primary):
        before, after = baseline.get(key), final.get(key)
        kind = rules.metric_kind(key)
        if kind in _NOT_SHOWN or not any(isinstance(v, (int, float)) for v in (before, after)):
            continue
        if key not in primary and rules.at_ceiling(key, before) and rules.at_ceiling(key, after):
            perfect.append(key)
            continue
        row = (esc(key), _number(before), _number(after), _change(key, before, after))
        (main if rules.shows_direction(key) or kind == M.OTHER else info).append(row)
    if perfect:
        main.append(
            (
                esc(", ".join(perfect)) if len(perfect) <= 3 else f"{len(perfect)} more metrics",
                "1.0000",
                "1.0000",
                "= no change (already perfect)",
            )
        )
    parts = []
    if main:
        parts.append(html_table(_HEADER, main, "wb-results", raw=True))
    if info:
        parts.append(
            "<div class='wb-hint' style='margin-top:6px'>For information (sparsity: fewer active dimensions make "
            "a faster index, not a better model):</div>"
            + html_table(_HEADER, info, "wb-results-info", raw=True)
        )
    return "".join(parts)


def verdict_html(baseline: dict, final: dict, primary: Mapping[str, str] | Sequence[str]) -> str:
    """The run's verdict (``class="wb-verdict"``, ``data-verdict`` = win / marginal / no change / regression) with
    one sentence per evaluator and the hints; empty when no primary metric was measured before and after."""
    verdict = rules.run_verdict(baseline or {}, final or {}, primary)
    if verdict is None:
        return ""
    color, background = _COLORS[verdict.outcome]
    word, _, rest = verdict.headline.partition(": ")
    lines = [f"<div><b style='color:{color}'>{esc(word)}:</b> {esc(rest)}</div>"]
    lines += [f"<div>{esc(m.sentence)}</div>" for m in verdict.metrics]
    lines += [f"<div class='wb-hint' style='margin-top:4px'>{esc(h)}</div>" for h in verdict.hints]
    return (
        f"<div class='wb-verdict' data-verdict='{esc(verdict.outcome)}' style='border-left:4px solid {color};"
        f"background:{background};padding:6px 10px;margin:6px 0;border-radius:3px'>{''.join(lines)}</div>"
    )


def results_html(baseline: dict, final: dict, primary: Mapping[str, str] | Sequence[str] = ()) -> str:
    """The verdict above the results table (either may be empty)."""
    return verdict_html(baseline, final, primary) + results_table(baseline, final, primary)
