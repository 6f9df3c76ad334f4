"""A run's results as HTML: the verdict in plain words (Better / About the same / Worse on your eval data, with the
95 % interval, from `workbench.rules.run_outcome`), what to do about it, the eval items that moved most, and the
before -> after table.

What each metric is and which way is better comes from `workbench.rules.metrics`: only quality scores and losses
get a better / worse arrow; the sparsity figures are listed for information (fewer active dimensions is a
trade-off, not a win); decision thresholds and timings are left out. Quality scores that were already 1.0 before
and after training are folded into one row, under the hint that such an eval set cannot show an improvement.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

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


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf8"))
    except (OSError, ValueError):
        return None


def run_files(run_dir: str | Path | None) -> tuple[dict, list]:
    """A run folder's per-item scores (items.json) and warnings (summary.json), for :func:`results_html`; empty
    when the run wrote none (an older run, a run still going)."""
    if not run_dir:
        return {}, []
    items = _read_json(Path(run_dir) / "items.json")
    summary = _read_json(Path(run_dir) / "summary.json")
    warnings = summary.get("warnings") if isinstance(summary, dict) else None
    return (items if isinstance(items, dict) else {}), (warnings if isinstance(warnings, list) else [])


# What "gained" means for an item, by the kind of per-item scores (`workbench.rules.run_outcome.item_gains`).
_GAIN_MEANS = {
    "spearman": " (a pair gains when its similarity ranks nearer to where your score ranks it)",
    "ap": " (a pair gains when its similarity moves towards its label)",
}
_ITEM_HEADERS = {
    "spearman": ("pair", "your score", "similarity before", "after"),
    "ap": ("pair", "your label", "similarity before", "after"),
    "mean": ("item", "", "score before", "after"),
}


def _moves_table(metric: rules.MetricVerdict, title: str, moves) -> str:
    """One table of eval items that moved (``wb-items``): the text, your score, before -> after, and for
    retrieval the rank of the first relevant document."""
    if not moves:
        return ""
    ranked = any(m.rank_before is not None or m.rank_after is not None for m in moves)
    head = list(_ITEM_HEADERS.get(metric.kind or "mean", _ITEM_HEADERS["mean"]))
    if ranked:
        head = ["query", "", "nDCG before", "after"]
    with_gold = any(m.gold is not None for m in moves)
    header = [head[0], *([head[1]] if with_gold else []), head[2], head[3]]
    if ranked:
        header += ["rank of the relevant document"]
    rows = []
    for m in moves:
        numbers = [*([m.gold] if with_gold else []), m.before, m.after]
        row = [_item_text(m.text), *(_nowrap(_number(v)) for v in numbers)]
        if ranked:
            row.append(_nowrap(f"{_rank(m.rank_before)} → {_rank(m.rank_after)}"))
        rows.append(tuple(row))
    return f"<div class='wb-hint' style='margin-top:6px'>{esc(title)}</div>" + html_table(
        tuple(header), rows, "wb-items", raw=True
    )


_ITEM_CHARS = 90


def _item_text(text: str) -> str:
    """An item's text, cut to one or two lines in the table; the whole text in its tooltip."""
    short = text if len(text) <= _ITEM_CHARS else text[: _ITEM_CHARS - 1] + "…"
    return f"<span title='{esc(text)}' style='font-size:90%'>{esc(short)}</span>"


def _nowrap(text: str) -> str:
    return f"<span style='white-space:nowrap'>{esc(text)}</span>"


def _rank(rank) -> str:
    return "not found" if rank is None else str(rank)


def verdict_html(
    baseline: dict,
    final: dict,
    primary: Mapping[str, str] | Sequence[str],
    items: Mapping[str, Mapping] | None = None,
    warnings: Sequence = (),
) -> str:
    """The run's verdict (``class="wb-verdict"``, ``data-verdict`` = win / marginal / no change / regression,
    ``data-word`` = Better / About the same / Worse): the one line with the 95 % interval, what the metric means,
    one sentence per evaluator when there are several, the warnings and hints, and the eval items that gained and
    lost most. Empty when no primary metric was measured before and after."""
    verdict = rules.run_verdict(baseline or {}, final or {}, primary, items, warnings)
    if verdict is None:
        return ""
    color, background = _COLORS[verdict.outcome]
    rest = verdict.headline.removeprefix(verdict.word)
    lines = [
        f"<div class='wb-verdict-line'><b style='color:{color}'>{esc(verdict.word)}</b>{esc(rest)}</div>"
    ]
    if verdict.meaning:
        lines.append(f"<div class='wb-hint'>{esc(verdict.meaning)}</div>")
    if len(verdict.metrics) > 1:  # the others (the deciding one's figures are the line above)
        lines += [
            f"<div>{esc(m.sentence)}</div>" for m in verdict.metrics if m.change not in verdict.headline
        ]
    lines += [f"<div class='wb-hint' style='margin-top:4px'>{esc(h)}</div>" for h in verdict.hints]
    for m in verdict.metrics:
        name = f" ({m.evaluator})" if len(verdict.metrics) > 1 else ""
        why = _GAIN_MEANS.get(m.kind or "", "")
        lines.append(_moves_table(m, f"Eval items that gained most{name}{why}:", m.gained))
        lines.append(_moves_table(m, f"Eval items that lost most{name}:", m.lost))
    return (
        f"<div class='wb-verdict' data-verdict='{esc(verdict.outcome)}' data-word='{esc(verdict.word)}' "
        f"style='border-left:4px solid {color};background:{background};padding:6px 10px;margin:6px 0;"
        f"border-radius:3px'>{''.join(lines)}</div>"
    )


def results_html(
    baseline: dict,
    final: dict,
    primary: Mapping[str, str] | Sequence[str] = (),
    run_dir: str | Path | None = None,
) -> str:
    """The verdict above the results table (either may be empty); with ``run_dir``, the verdict reads the run's
    per-item scores and warnings from its folder."""
    items, warnings = run_files(run_dir)
    table = results_table(baseline, final, primary)
    summary = _read_json(Path(run_dir) / "summary.json") if run_dir else None
    half = summary.get("precision") if isinstance(summary, dict) else None
    if table and half in ("bf16", "fp16"):
        table += (
            f"<div class='wb-hint wb-precision-note'>Before and after training the model was measured in full "
            f"precision, as it is used; during training (the curves) in {half}, the run's precision, so the last "
            "point of a curve can differ from 'after training' in the third or fourth digit.</div>"
        )
    return verdict_html(baseline, final, primary, items, warnings) + table
