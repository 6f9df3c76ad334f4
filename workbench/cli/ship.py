"""``workbench ship RUN_DIR --format onnx|openvino [--quantize none|int8] [--out DIR] [--json]``: export a run's
trained model to ONNX or OpenVINO, measure it against the trained model on the run's own eval data (primary
metric, embeddings' agreement, sentences/s and latency on this machine) and print the table and the verdict.

Exit codes: 0 the export passed the quality gate (the primary metric dropped by at most
``workbench.engine.MAX_METRIC_DROP``, or without eval data the mean cosine to the trained model is at least
``MIN_MEAN_COSINE``); 3 the export was written but failed the gate (it is kept, with its report, and the verdict
says so); 2 bad input (not a run folder, a run still going, no trained model, a model type that cannot be
shipped, an --out folder holding something else); 1 an unexpected failure.

The run folder is checked before torch loads, so bad input answers at once. Progress goes to stderr, the table
(or the report as JSON with --json) to stdout.
"""

from __future__ import annotations

import json
import sys

from .common import EXIT_OK


def add_parser(sub) -> None:
    """The ``ship`` command's arguments (registered by :mod:`.main`)."""
    p = sub.add_parser(
        "ship",
        help="export a run's trained model to ONNX / OpenVINO (optionally int8) and check it against the trained one",
    )
    p.add_argument("run_dir", help="the run's folder (as `workbench runs` lists it); its model is in final/")
    p.add_argument(
        "--format", dest="fmt", required=True, choices=("onnx", "openvino"), help="the runtime to ship for"
    )
    p.add_argument(
        "--quantize",
        default="none",
        choices=("none", "int8"),
        help="none: fp32 weights (default); int8: dynamic int8 weights (smaller, faster, measured)",
    )
    p.add_argument("--out", help="the folder to write (default: RUN_DIR/shipped/FORMAT-QUANTIZE)")
    p.add_argument("--json", action="store_true", help="print the report (ship.json) as JSON")
    p.set_defaults(func=cmd_ship)


def cmd_ship(args) -> int:
    """Export, measure, print; the exit code says whether the export passed the quality gate."""
    from ..engine.ship import check_request
    from ..engine.ship_report import EXIT_GATE_FAILED, format_table

    check_request(args.run_dir, args.fmt, args.quantize)  # bad input: exit 2 before torch loads
    from ..engine.ship import ship

    report = ship(
        args.run_dir,
        args.fmt,
        args.quantize,
        out=args.out,
        progress=lambda line: print(f"{line} …", file=sys.stderr, flush=True),
    )
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(format_table(report))
    return EXIT_OK if report["gate"]["passed"] else EXIT_GATE_FAILED
