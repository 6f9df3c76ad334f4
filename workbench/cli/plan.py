"""``workbench plan CONFIG``: the planner before Start — the run's estimated time from a short probe of a few
training steps, and on a CUDA GPU the memory it will take and the largest batch that fits. Nothing is saved and
the config's output folder is not touched."""

from __future__ import annotations

import json

from ..errors import WorkbenchError
from .common import EXIT_OK


def add_parser(sub) -> None:
    """The ``plan`` command's arguments (registered by :mod:`.main`)."""
    p = sub.add_parser(
        "plan", help="estimate a run's time (a short probe of a few steps) and, on a GPU, its memory"
    )
    p.add_argument("config", help="the run's JSON/YAML config file")
    p.add_argument(
        "--steps", type=int, default=4, help="training steps to time after a warm-up one (default 4)"
    )
    p.add_argument(
        "--max-batch",
        choices=("auto", "yes", "no"),
        default="auto",
        help="probe the largest batch that fits (auto: on a CUDA GPU only)",
    )
    p.add_argument("--json", action="store_true", help="print the estimate as JSON")
    p.set_defaults(func=cmd_plan)


def cmd_plan(args) -> int:
    from .. import rules
    from ..engine.planner import probe
    from .common import read_config

    if not 1 <= args.steps <= 100:
        raise WorkbenchError(
            f"--steps must be between 1 and 100, got {args.steps}.", fix="use e.g. --steps 4."
        )
    max_batch = {"auto": None, "yes": True, "no": False}[args.max_batch]
    est = probe(read_config(args.config), steps=args.steps, max_batch=max_batch).to_dict()
    if args.json:
        print(json.dumps(est))
    else:
        print("\n".join(rules.estimate_lines(est)))
    return EXIT_OK
