"""A run's ``summary.json``: its outcome, metrics before and after, Matryoshka sizes, warnings and verdict (with the
per-item scores in ``items.json``). Written by the Runner when a run ends, whichever way it ends."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from .. import rules
from .events import RunStatus
from .matryoshka import dims_summary
from .quality import run_warnings, write_items

log = logging.getLogger("workbench.run")


def write_summary(
    runner, out: Path, outcome: RunStatus, baseline: dict, final: dict, model_path, started, dims, by_dim
) -> None:
    """Write the run's summary.json (and items.json) and keep it as ``runner.summary``."""
    plan = runner.plan
    summary = {
        "status": outcome.value,
        "baseline": baseline,
        "final": final,
        "primary_metrics": runner.primary_metrics,
        "model_path": model_path,
        "train_rows": plan.train_rows,
        "steps": runner.steps,
        "wall_time_s": round(time.monotonic() - started, 2),
        "notes": list(plan.notes),
        # the evaluations during training ran in it; before and after training in full precision
        "precision": "bf16" if plan.args.get("bf16") else "fp16" if plan.args.get("fp16") else "fp32",
        **runner.ranks.record(),  # world_size, launcher
        "config": plan.spec.to_dict(),
    }
    if dims:
        summary["matryoshka"] = dims_summary(
            dims, by_dim.get("baseline", {}), by_dim.get("final", {}), runner.primary_metrics
        )
    if runner.error:
        summary["error"] = runner.error
    try:  # the verdict is extra: a failure here must not lose the summary
        items = write_items(out, runner.primary_metrics, *runner._items)
        summary["warnings"] = run_warnings(plan, *runner._history)
        judged = rules.verdict_of(summary, items)
        summary["verdict"] = judged.to_dict() if judged is not None else None
    except Exception as exc:  # noqa: BLE001
        log.error("could not judge the run: %s", exc)
    runner.summary = summary
    try:
        (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf8")
    except OSError as exc:
        log.error("could not write summary.json: %s", exc)
