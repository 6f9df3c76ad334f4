"""``workbench compare RUN_A RUN_B [...]``: runs side by side (what each trained and how it scored) and the settings
that differ between them. Reads run folders only: no torch."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..engine import RunInfo, read_run, runs_root
from ..errors import WorkbenchError
from ..spec import NOT_SET, config_diff, shown_value
from .common import EXIT_OK

# The runs table, one line per field: (label, the comparison row's key or a function of the row).
FIELDS = (
    ("status", "status"),
    (
        "started",
        lambda r: time.strftime("%Y-%m-%d %H:%M", time.localtime(r["started"])) if r["started"] else "",
    ),
    ("model", lambda r: r["model"].rstrip("/").rsplit("/", 1)[-1]),
    ("data", "data"),
    ("loss", "loss"),
    ("epochs", lambda r: default(r["epochs"])),
    ("max steps", "max_steps"),
    ("learning rate", lambda r: default(r["learning_rate"])),
    ("batch size", lambda r: default(r["batch_size"])),
    ("steps done", lambda r: f"{r['steps']}/{r['planned_steps'] or '?'}"),
    ("primary metric", "metric"),
    ("before -> after", lambda r: before_after(r["before"], r["after"])),
    ("verdict", "verdict"),
    ("wall time", lambda r: wall_time(r["wall_time_s"])),
)


def default(value) -> str:
    """A key setting the config leaves out ran with the workbench's default."""
    return "default" if value is None else str(value)


def before_after(before: float | None, after: float | None) -> str:
    if before is None and after is None:
        return ""
    show = lambda v: "?" if v is None else f"{v:.4f}"  # noqa: E731 - a one-line formatter
    return f"{show(before)} -> {show(after)}"


def wall_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def find_run(given: str, root: str | None = None) -> RunInfo:
    """The run a command-line argument names: a run folder, or a run's name in the runs folder.

    Raises:
        WorkbenchError: it names no workbench run folder.
    """
    path = Path(given).expanduser()
    if not path.exists() and not path.is_absolute() and (runs_root(root) / given).is_dir():
        path = runs_root(root) / given
    info = read_run(path) if path.is_dir() else None
    if info is None:
        what = (
            "does not exist"
            if not path.exists()
            else "is not a folder"
            if not path.is_dir()
            else ("is not a workbench run folder (it has no config.json, status.json or summary.json)")
        )
        raise WorkbenchError(
            f"'{given}' {what}.",
            fix="give run folders (or run names) as `workbench runs` lists them, e.g. runs/20260101-120000.",
        )
    return info


def comparison(runs: list[RunInfo], diff: list | None = None) -> dict:
    """The rows of the runs and the settings that differ (``--json``'s object; a setting a config does not hold
    is null)."""
    if diff is None:
        diff = config_diff([r.config() for r in runs])
    return {
        "runs": [r.comparison_row() for r in runs],
        "differences": [
            {"setting": key, "values": [None if v is NOT_SET else v for v in values]} for key, values in diff
        ],
    }


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]
    return [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (head, *rows)
    ]


def cmd_compare(args) -> int:
    """``workbench compare RUN_A RUN_B [...] [--json] [--root DIR]``."""
    if len(args.runs) < 2:
        raise WorkbenchError(
            f"compare needs at least two runs, got {len(args.runs)}.",
            fix="give two or more run folders, e.g. `workbench compare runs/A runs/B` (`workbench runs` lists them).",
        )
    runs = [find_run(given, args.root) for given in args.runs]
    diff = config_diff([r.config() for r in runs])
    result = comparison(runs, diff)
    if args.json:
        print(json.dumps(result, indent=1, default=str))
        return EXIT_OK
    head = ("run", *(r.name for r in runs))
    rows = []
    for label, key in FIELDS:
        cells = [key(row) if callable(key) else row[key] for row in result["runs"]]
        cells = ["" if c is None else str(c) for c in cells]
        if any(cells):
            rows.append((label, *cells))
    print("\n".join(_table(head, rows)))
    print()
    if not diff:
        print("These runs have the same settings (apart from their folders).")
        return EXIT_OK
    diff_rows = [(key, *(shown_value(v) for v in values)) for key, values in diff]
    print(f"Settings that differ ({len(diff_rows)}):")
    print("\n".join(_table(("setting", *(r.name for r in runs)), diff_rows)))
    return EXIT_OK
