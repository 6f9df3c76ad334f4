"""How long a run will take, from a probe's seconds per step: the step and evaluation counts the trainer will make
of the run's arguments, and the estimate in words ("about 6 min"). Pure functions; the probe itself is
:mod:`workbench.engine.planner`."""

from __future__ import annotations

import math


def total_steps(batches_per_epoch: int, args: dict) -> int:
    """The optimizer steps the trainer will make: ``max_steps`` when set, else the epochs over the batches of one
    epoch divided by ``gradient_accumulation_steps`` (as transformers' Trainer counts them)."""
    max_steps = int(args.get("max_steps") or -1)
    if max_steps > 0:
        return max_steps
    per_epoch = max(1, batches_per_epoch // max(1, int(args.get("gradient_accumulation_steps") or 1)))
    return max(1, math.ceil(float(args.get("num_train_epochs", 3)) * per_epoch))


def n_evaluations(steps: int, args: dict) -> int:
    """Evaluations during training (``eval_strategy`` steps / epoch; a float ``eval_steps`` below 1 is a ratio)."""
    strategy = str(args.get("eval_strategy") or "no")
    if strategy == "steps":
        every = float(args.get("eval_steps") or args.get("logging_steps") or 500)
        every = math.ceil(every * steps) if every < 1 else int(every)
        return steps // max(1, every)
    if strategy == "epoch":
        return max(1, math.ceil(float(args.get("num_train_epochs", 3))))
    return 0


def about(seconds: float | None) -> str:
    """An estimate in words, rounded the way a person plans: "under a minute", "about 6 min", "about 2.5 h"."""
    if seconds is None or not math.isfinite(seconds):
        return "unknown"
    if seconds < 60:
        return "under a minute"
    minutes = seconds / 60
    if minutes < 90:
        return f"about {max(1, round(minutes))} min"
    return f"about {minutes / 60:.1f} h"


def estimate_lines(est: dict) -> list[str]:
    """What the planner found, in lines for the CLI and the app (``est``: :meth:`Estimate.to_dict`)."""
    lines = [
        f"Estimated time: {about(est['seconds'])} ({est['steps']} steps × {est['step_s']:.2f} s from a "
        f"{est['probe_steps']}-step probe = {est['train_s'] / 60:.1f} min training, + {est['eval_s'] / 60:.1f} min "
        f"evaluation ({est['evaluations']} during training, before and after), + {est['load_s']:.0f} s loading)"
    ]
    if est.get("memory_mb") is not None:
        total = f" of {est['total_memory_mb'] / 1024:.0f} GB" if est.get("total_memory_mb") else ""
        lines.append(f"GPU memory at batch {est['batch']}: {est['memory_mb'] / 1024:.1f} GB{total}")
    if est.get("max_batch") is not None:
        lines.append(
            f"Largest batch that fits: {est['max_batch']} ({est['max_batch_memory_mb'] / 1024:.1f} GB; probed by "
            f"doubling up to {est['max_batch_limit']})"
        )
    return lines
