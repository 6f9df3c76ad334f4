"""``workbench distill DATA --teacher T (--column TEXT | --columns Q,POS,NEG) (--keep-layers K | --student S)``:
distil a teacher into a smaller student with the library's losses, into a run folder, and print the teacher's
figures beside the student's (before and after): the metric, how much of the teacher's quality the student keeps,
parameters, size on disk and encode sentences/s measured here.

An embedding teacher's targets are its embeddings of the text column (MSELoss, or EmbedDistillLoss with
``--loss``); a cross-encoder teacher's are its scores of (query, positive, negative...) rows (MarginMSELoss: the
margins, or DistillKLDivLoss: the score lists). Exit codes: 0 done, 2 bad input (a missing file or column, k not
below the teacher's layer count, a loss that does not fit the teacher, NaN teacher targets), 1 an unexpected
failure. Bad input is answered before the models load where it can be. Progress goes to stderr, the table (or the
report as JSON with ``--json``) to stdout.
"""

from __future__ import annotations

import json
import sys
import time

from ..errors import WorkbenchError
from .common import DATA_ROOT_HELP, EXIT_OK


def add_parser(sub) -> None:
    """The ``distill`` command's arguments (registered by :mod:`.main`)."""
    p = sub.add_parser(
        "distill",
        help="distil a teacher model into a smaller student (its first k layers, or a smaller model)",
    )
    p.add_argument(
        "data_file", help="the texts (or query, positive, negative rows): csv/tsv, jsonl, parquet, ..."
    )
    p.add_argument(
        "--teacher",
        default="default",
        help="a model folder, a finished run's folder, or 'default' (the packaged all-MiniLM-L6-v2)",
    )
    p.add_argument("--column", help="the text column (an embedding teacher)")
    p.add_argument(
        "--columns", help="query,positive,negative[,negative...] columns (a cross-encoder teacher)"
    )
    p.add_argument(
        "--student",
        help="the student model (default: the teacher itself for an embedding teacher, cut by --keep-layers; "
        "the packaged MiniLM for a cross-encoder teacher)",
    )
    p.add_argument("--keep-layers", type=int, help="keep only the student's first K transformer layers")
    p.add_argument(
        "--loss",
        choices=("MSELoss", "EmbedDistillLoss", "MarginMSELoss", "DistillKLDivLoss"),
        help="default: MSELoss (embedding teacher), MarginMSELoss (cross-encoder teacher)",
    )
    p.add_argument(
        "--eval",
        dest="eval_file",
        help="sentence1,sentence2,score rows (Spearman) or query,positive,negative rows (ranking accuracy); "
        "default: held-out rows of the data",
    )
    p.add_argument("--eval-columns", help="the eval file's three columns (default: its first three)")
    p.add_argument("--epochs", type=float, default=1.0, help="passes over the data (default 1)")
    p.add_argument("--batch-size", type=int, default=32, help="default 32")
    p.add_argument("--learning-rate", type=float, default=1e-4, help="default 1e-4")
    p.add_argument("--max-rows", type=int, help="use only the first N rows of the data")
    p.add_argument("--out", help="the run folder to write (default: RUNS/distill-<time>)")
    p.add_argument("--json", action="store_true", help="print the report (distill.json) as JSON")
    p.add_argument("--data-root", metavar="DIR", help=DATA_ROOT_HELP)
    p.set_defaults(func=cmd_distill)


def _columns(args) -> tuple[str, ...]:
    from .check import _split_list

    if args.column and args.columns:
        raise WorkbenchError(
            "give --column (an embedding teacher) or --columns (a cross-encoder teacher), not both.",
            where="--columns",
        )
    if args.column:
        return (args.column,)
    return tuple(_split_list(args.columns) or ())


def request_of(args):
    """The DistillRequest the arguments describe."""
    from ..engine.distill_run import DistillRequest
    from .check import _split_list

    return DistillRequest(
        teacher=args.teacher,
        data=args.data_file,
        columns=_columns(args),
        student=args.student or "",
        keep_layers=args.keep_layers,
        loss=args.loss or "",
        eval_file=args.eval_file or "",
        eval_columns=tuple(_split_list(args.eval_columns) or ()),
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        max_rows=args.max_rows,
    )


def _out(args):
    from ..data.confine import confined
    from ..engine.run_index import runs_root

    if args.out:
        out = confined(args.out, "the output folder", where="--out")
    else:
        out = runs_root() / f"distill-{time.strftime('%Y%m%d-%H%M%S')}"
    if out.is_file() or (out.is_dir() and any(out.iterdir()) and not (out / "distill.json").is_file()):
        raise WorkbenchError(
            f"'{out}' holds something other than a distillation run.",
            fix="give a new or empty folder with --out.",
            where="--out",
        )
    return out


def format_table(report: dict) -> str:
    """Teacher vs student (before, after): metric, parameters, size, sentences/s; then the verdict."""
    rows = [("", report.get("metric_name", "metric"), "layers", "parameters", "size MB", "sentences/s")]
    for label, key in (("teacher", "teacher"), ("student before", "student_before"), ("student after", "student_after")):  # fmt: skip
        fig = report.get(key) or {}

        def show(name, fmt="{}"):
            value = fig.get(name)  # noqa: B023 - used at once
            return "" if value is None else fmt.format(value)

        rows.append((label, show("metric", "{:.4f}"), show("layers"), show("parameters", "{:,}"),
                     show("size_mb"), show("sps")))  # fmt: skip
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    mse = report.get("mse_to_teacher") or {}
    if mse.get("before") is not None and mse.get("after") is not None:
        lines.append(f"MSE to the teacher's embeddings: {mse['before']:.6f} -> {mse['after']:.6f}")
    lines += [report.get("verdict", ""), f"the student: {report.get('student_path', '')}"]
    return "\n".join(lines)


def cmd_distill(args) -> int:
    """Check, distil, print."""
    from ..engine.distill_run import check_distill

    request = request_of(args)
    out = _out(args)
    check_distill(request)  # bad input: exit 2 before the models load
    from ..engine.distill_run import distill

    last = [0.0]

    def progress(what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= 1.0:
            last[0] = now
            print(f"{what}: {done}/{total} …", file=sys.stderr, flush=True)

    print(f"distilling into {out} …", file=sys.stderr, flush=True)
    report = distill(request, out, progress=progress)
    print(json.dumps(report, indent=2, default=str) if args.json else format_table(report))
    return EXIT_OK
