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

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import rules
from ..errors import WorkbenchError

# The bootstrap is numpy-only and lives in the rules: the app's page kernel judges a run as the engine does.
from ..rules.bootstrap import (  # noqa: F401 - re-exported
    AP,
    KINDS,
    MEAN,
    N_BOOT,
    SPEARMAN,
    bootstrap_delta,
    metric_value,
)
from ..rules.metrics import MARGIN, direction, judge
from .run_folder import read_json

log = logging.getLogger("workbench.run")


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


# ---- the run's verdict: items.json, warnings, summary -----------------------------------------------------------

ITEMS = "items.json"


def write_items(out: Path, primary: dict[str, str], baseline: dict, final: dict) -> dict[str, dict]:
    """Write ``<run>/items.json``: per evaluator, its per-item scores at baseline and at the end.

    Args:
        out: The run folder.
        primary: Evaluator name -> its primary metric key.
        baseline: Evaluator name -> its :class:`~workbench.engine.items.ItemRecorder` record at baseline.
        final: The same at the end (empty when the run ended before its final evaluation).

    Returns:
        The file's content (empty, and no file written, when no evaluator recorded per-item scores).
    """
    from .items import items_record

    content = {
        name: items_record(primary.get(name, ""), record, final.get(name))
        for name, record in baseline.items()
        if name in primary
    }
    if content:
        try:
            (Path(out) / ITEMS).write_text(json.dumps(content), encoding="utf8")
        except OSError as exc:
            log.error("could not write %s: %s", ITEMS, exc)
    return content


def _input_rows(dp) -> list[tuple]:
    ds = dp.dataset
    if ds is None or not hasattr(ds, "column_names"):
        return []
    columns = [c for c in ds.column_names if c != "label"][: len(dp.inputs) or None]
    if not columns:
        return []
    return list(zip(*(ds[c] for c in columns), strict=True))


def leak_warnings(plan) -> list[dict]:
    """The leak warnings of a plan's eval and test sets: those rows' input texts that are also a train row's
    (`workbench.rules.leaked_rows`; a held-out part leaks through rows its train file holds twice)."""
    train_rows = [row for dp in plan.of_split("train") for row in _input_rows(dp)]
    found = []
    for dp in [*plan.of_split("eval"), *plan.of_split("test")]:
        rows = _input_rows(dp)
        warning = rules.leak_warning(dp.name, len(rules.leaked_rows(train_rows, rows)), len(rows))
        if warning:
            found.append(warning)
    return found


def note_leaks(plan) -> None:
    """Plan step: a leak is said before training (``workbench check``, the run's first log lines), not only in
    the verdict at the end."""
    plan.notes.extend(w["text"] for w in leak_warnings(plan))


def run_warnings(plan, log_history: list[dict], epochs: float | None) -> list[dict]:
    """The run's warnings that name a fix (`workbench.rules.run_warnings`): eval rows also in the train data, and
    the eval loss rising over many passes on few rows.

    Args:
        plan: The run's Plan (its train and eval/test datasets).
        log_history: The trainer's ``state.log_history`` (each evaluation's ``eval_loss`` / ``eval_<name>_loss``).
        epochs: The passes over the train data the run made (``state.epoch``).
    """
    found = leak_warnings(plan)
    series: dict[str, list[tuple[float, float]]] = {}
    for entry in log_history or ():
        for key, value in entry.items():
            if key.startswith("eval_") and key.endswith("loss") and isinstance(value, (int, float)):
                series.setdefault(key, []).append((float(entry.get("epoch") or 0.0), float(value)))
    for points in series.values():
        warning = rules.overfit_warning(points, epochs, plan.train_rows)
        if warning:
            found.append(warning)
            break  # one is enough: the fix is the same
    return found


def read_items(run_dir: str | Path) -> dict[str, dict]:
    """A run folder's items.json (empty when the run wrote none or it cannot be read)."""
    return read_json(Path(run_dir) / ITEMS)


def run_verdict_of(run_dir: str | Path) -> rules.RunVerdict | None:
    """The verdict of a finished run from its folder: Better / About the same / Worse on your eval data, with the
    95 % interval of each primary metric's change (``.headline``, ``.meaning``, ``.metrics[i].gained / .lost``,
    ``.hints``; ``.to_dict()`` for JSON). None when the run has no primary metric before and after.

    Raises:
        WorkbenchError: the folder holds no readable summary.json (not a run folder, or a run not ended yet).
    """
    path = Path(run_dir).expanduser() / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf8"))
    except (OSError, ValueError) as exc:
        raise WorkbenchError(
            f"No verdict for {run_dir}: {path.name} is missing or unreadable ({type(exc).__name__}).",
            fix="pass the folder of a run that has ended (it writes summary.json at its end).",
            where="run_dir",
        ) from exc
    return rules.verdict_of(summary if isinstance(summary, dict) else {}, read_items(run_dir))
