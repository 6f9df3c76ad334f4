"""``workbench runs`` (list the runs of a runs root), ``workbench stop RUN_DIR`` (ask a run to stop) and what
``workbench train CONFIG --resume`` continues. They read and write run folders only: no torch."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..engine import RunInfo, list_runs, read_run, request_stop, resume_from, runs_root
from ..errors import WorkbenchError
from ..session import describe, run_state
from .common import EXIT_OK


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "?"


def _metric(info: RunInfo) -> str:
    if not info.metric:
        return ""
    base = "?" if info.baseline is None else f"{info.baseline:.4f}"
    final = "?" if info.final is None else f"{info.final:.4f}"
    return f"{info.metric} {base} -> {final}"


def cmd_runs(args) -> int:
    """``workbench runs [--json] [--root DIR]``: every run, newest first."""
    root = runs_root(args.root)
    runs = list_runs(root)
    if args.json:
        print(json.dumps([r.to_dict() for r in runs], indent=1, default=str))
        return EXIT_OK
    if not runs:
        print(f"no runs in {root}")
        return EXIT_OK
    rows = [
        (
            r.name,
            run_state(r) + (f" [{r.launched}]" if r.launched else ""),
            _when(r.started),
            f"{r.step}/{r.max_steps or '?'}",
            r.model.rsplit("/", 1)[-1] or "?",
            r.data or "?",
            _metric(r),
        )
        for r in runs
    ]
    head = ("run", "status", "started", "steps", "model", "data", "primary metric")
    widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]
    for row in (head, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(f"({len(runs)} run{'s' if len(runs) != 1 else ''} in {root})")
    return EXIT_OK


def _run_at(run_dir: str) -> RunInfo:
    info = read_run(Path(run_dir).expanduser())
    if info is None:
        raise WorkbenchError(
            f"'{run_dir}' is not a workbench run folder (it has no config.json, status.json or summary.json).",
            fix="give a folder listed by `workbench runs`, e.g. runs/20260101-120000.",
        )
    return info


def cmd_stop(args) -> int:
    """``workbench stop RUN_DIR``: ask the run to stop after its current step (it saves model and checkpoint)."""
    info = _run_at(args.run_dir)
    if not info.active:
        what = "its process is gone" if info.died else describe(info.status)
        raise WorkbenchError(
            f"run {info.name} is not running ({what}).",
            fix="nothing to stop; `workbench runs` shows what is running.",
        )
    request_stop(info.path)
    print(f"asked run {info.name} to stop after its current step; it saves its model and a checkpoint.")
    return EXIT_OK


def resume_spec(spec):
    """The config's run, resumed: ``resume_from_checkpoint`` set from what its folder holds.

    Raises:
        WorkbenchError: the folder holds no run to resume, or one that is running or finished.
    """
    info = _run_at(spec.output_dir)
    try:
        resume = resume_from(info)
    except ValueError as exc:
        raise WorkbenchError(
            f"cannot resume: {exc}.",
            fix="start a new run instead (another --output-dir, or --overwrite to replace this one).",
            where="output_dir",
        ) from None
    return spec.replace(resume_from_checkpoint=resume, overwrite=resume is None)
