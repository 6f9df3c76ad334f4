"""The ``workbench`` command: ``train CONFIG``, ``runs``, ``stop RUN_DIR``, ``compare RUN_A RUN_B``, ``try RUN_DIR``,
``merge RUN_DIR``, ``ship RUN_DIR``, ``check DATA_FILE``, ``mine DATA``, ``distill DATA``, ``export CONFIG`` and ``app``.

Problems with the user's input print ``error: ...`` and ``fix: ...`` on stderr and exit with code 2, never a
traceback; unexpected failures print one line and exit with code 1 (``WORKBENCH_DEBUG=1`` shows the traceback).
Results (the summary table, the check report, the exported script) go to stdout; progress goes to stderr.
Heavy libraries are imported only by the commands that need them, so ``workbench check`` starts fast.

This module holds the parser, :func:`main` (the console entry point) and the small ``export`` and ``app``
commands; ``train`` lives in :mod:`.train`, ``check`` in :mod:`.check`, and the exit codes and ``report_error``
in :mod:`.common`.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from ..catalog import DENSE, MODEL_TYPES
from ..data.confine import DATA_ROOT_ENV
from ..errors import WorkbenchError
from .check import cmd_check
from .common import (
    DATA_ROOT_HELP,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    SOURCES,
    apply_data_root,
    read_config,
    report_error,
)
from .compare import cmd_compare
from .distill import add_parser as add_distill_parser
from .merge_cmd import add_parser as add_merge_parser
from .mine import cmd_mine
from .plan import add_parser as add_plan_parser
from .runs import cmd_runs, cmd_stop
from .ship import add_parser as add_ship_parser
from .train import cmd_train
from .try_cmd import add_parser as add_try_parser

__all__ = ["cmd_app", "cmd_export", "main"]


class _UsageError(Exception):
    def __init__(self, message: str, prog: str):
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as ``error:`` / ``fix:`` lines (exit 2) instead of printing usage."""

    def error(self, message: str):
        raise _UsageError(message, self.prog)


def _parser() -> _Parser:
    parser = _Parser(
        prog="workbench",
        description="Fine-tune embedding models (dense, sparse, cross-encoder) "
        "from one config file, check a dataset, export a run as a script, or open the app.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser("train", help="run a config file to the end (Ctrl-C stops and saves)")
    train.add_argument("config", help="the run's JSON/YAML config file")
    train.add_argument("--overwrite", action="store_true", help="replace a finished run in the output folder")
    train.add_argument("--output-dir", help="write the run here instead of the config's output_dir")
    train.add_argument("--max-steps", type=int, help="stop after this many training steps")
    train.add_argument("--quiet", action="store_true", help="no progress bar or log lines, only the summary")
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the stopped or failed run in the config's output folder from its last checkpoint",
    )
    train.add_argument(
        "--launcher",
        choices=["accelerate"],
        help="train in several processes (GPUs, CPU processes, machines): one per GPU of this machine by default",
    )
    train.add_argument(
        "--num-processes", type=int, help="with --launcher: how many processes in all (default: every GPU)"
    )
    train.add_argument("--config-file", help="with --launcher: an accelerate config file (several machines)")
    train.add_argument("--cpu", action="store_true", help="with --launcher: CPU processes, DDP over gloo")
    train.add_argument(
        "--launched", action="store_true", help=argparse.SUPPRESS
    )  # one rank of a launched run
    train.add_argument("--data-root", metavar="DIR", help=DATA_ROOT_HELP)
    train.set_defaults(func=cmd_train)

    runs = sub.add_parser("runs", help="list the runs (running, finished, stopped, failed)")
    runs.add_argument("--root", help="the runs folder (default: $WORKBENCH_RUNS, else ./runs)")
    runs.add_argument("--json", action="store_true", help="print the runs as JSON")
    runs.set_defaults(func=cmd_runs)

    stop = sub.add_parser(
        "stop", help="ask a running run to stop after its current step (the model is saved)"
    )
    stop.add_argument("run_dir", help="the run's folder (as `workbench runs` lists it)")
    stop.set_defaults(func=cmd_stop)

    compare = sub.add_parser("compare", help="runs side by side: their metrics and the settings that differ")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="two or more run folders (or run names)")
    compare.add_argument("--root", help="the runs folder run names are looked up in (default: as `runs`)")
    compare.add_argument("--json", action="store_true", help="print the rows and the differences as JSON")
    compare.set_defaults(func=cmd_compare)

    check = sub.add_parser(
        "check", help="which losses and evaluators fit a data file, and why (not); or a whole run's config"
    )
    check.add_argument(
        "data_file",
        help="a csv/tsv, json/jsonl, parquet, arrow or SQLite file (or a Hub id with --source hub); or a run's "
        "JSON/YAML config: checked as `train` would start it, nothing trained",
    )
    check.add_argument(
        "--type",
        dest="model_type",
        choices=MODEL_TYPES,
        default=DENSE,
        help="the kind of model to train (default: sentence-transformer)",
    )
    check.add_argument(
        "--asymmetric",
        choices=("separate", "inference-free"),
        help="also say which input is the query and which are documents for separate query/document sides "
        "(the config's model.asymmetric kind)",
    )
    check.add_argument("--columns", help="input columns in order, comma-separated (default: guessed)")
    check.add_argument("--label", help="the label column (default: guessed; '' for no label)")
    check.add_argument("--label-range", help="the label's scale as LOW,HIGH (e.g. 0,5): rescaled to 0-1")
    check.add_argument(
        "--drop-empty",
        action="store_true",
        help='leave out rows with an empty input or label (the config\'s "drop_empty": true)',
    )
    check.add_argument(
        "--derive",
        help='build the inputs from a plain text column before training (the config\'s "derive"): '
        "'tsdae' damages the first input with TSDAE's deletion noise",
    )
    check.add_argument("--source", choices=SOURCES, help="how to read the file (default: from its extension)")
    check.add_argument("--query", help="the SELECT for a SQLite file (default: every row of its first table)")
    check.add_argument("--split", help="the split to read (Hub datasets, save_to_disk folders)")
    check.add_argument("--subset", help="the Hub dataset's subset (config name)")
    check.add_argument("--sheet", help="the sheet of an Excel workbook (default: its first)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--data-root", metavar="DIR", help=DATA_ROOT_HELP)
    check.set_defaults(func=cmd_check)

    mine = sub.add_parser("mine", help="add hard negatives to (query, positive) pairs; writes a new file")
    mine.add_argument(
        "data_file", help="the (query, positive) pairs: csv/tsv, json/jsonl, parquet, arrow, xlsx, SQLite"
    )
    mine.add_argument("--columns", required=True, help="the query and the positive column: QUERY,POSITIVE")
    mine.add_argument("--out", required=True, help="the file to write: .csv, .jsonl or .parquet")
    mine.add_argument(
        "--corpus", help="a file of more candidate texts (its first column, or --corpus-column)"
    )
    mine.add_argument("--corpus-column", help="the corpus file's text column")
    mine.add_argument("--negatives", type=int, default=3, help="negatives per query (default 3; 10 or fewer)")
    mine.add_argument(
        "--format",
        choices=("triplet", "n-tuple", "labeled-pair", "labeled-list"),
        help="the rows to write (default: n-tuple for several negatives, else triplet)",
    )
    mine.add_argument(
        "--model", help="the model that scores candidates (default: the packaged all-MiniLM-L6-v2)"
    )
    mine.add_argument("--preset", default="safe", choices=("safe", "hardest", "varied"), help="default: safe")
    mine.add_argument("--range-min", type=int, help="skip this many most similar candidates")
    mine.add_argument("--range-max", type=int, help="consider only this many most similar candidates")
    mine.add_argument(
        "--relative-margin", type=float, help="skip candidates within this share of the positive"
    )
    mine.add_argument("--max-score", type=float, help="skip candidates scored above this")
    mine.add_argument("--cross-encoder", help="a cross-encoder (name or path) that rescores the candidates")
    mine.add_argument("--faiss", action="store_true", help="search with faiss (large pools; needs faiss-cpu)")
    mine.add_argument("--data-root", metavar="DIR", help=DATA_ROOT_HELP)
    mine.set_defaults(func=cmd_mine)

    export = sub.add_parser("export", help="print a standalone Python script that performs the same run")
    export.add_argument("config", help="the run's JSON/YAML config file")
    export.add_argument("-o", "--output", help="write the script to this file instead of printing it")
    export.set_defaults(func=cmd_export)

    add_try_parser(sub)
    add_merge_parser(sub)
    add_ship_parser(sub)
    add_plan_parser(sub)
    add_distill_parser(sub)

    app = sub.add_parser("app", help="serve the workbench app in the browser")
    app.add_argument("--port", type=int, default=8866, help="port to serve on (default: 8866)")
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; any other address requires a token)",
    )
    app.add_argument(
        "--token",
        help="the token every request must carry (default: $WORKBENCH_TOKEN; generated and printed when --host "
        "is not loopback; none on loopback)",
    )
    app.add_argument(
        "--data-root",
        metavar="DIR",
        help="visitors may read and write files only under this folder (and the runs folder); default: ./data "
        "when --host is not loopback, no limit on loopback",
    )
    app.add_argument(
        "--max-upload-mb", type=int, default=200, help="the largest file a visitor may upload (default: 200)"
    )
    app.add_argument(
        "--max-concurrent-runs",
        type=int,
        help="runs training at once, the others wait in a queue (default: one per GPU, one on CPU)",
    )
    app.add_argument(
        "--preheat",
        type=int,
        default=1,  # workbench.ui.serve.PREHEAT_POOL (not imported here: the CLI starts light)
        metavar="N",
        help="page kernels kept built and ready, so a page paints at once (default: 1; each kept kernel holds "
        "the app's memory, ~200 MB, while it waits; 0: each page's kernel is built when it is asked for)",
    )
    app.set_defaults(func=cmd_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``workbench`` command line.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 success, 1 unexpected failure, 2 bad input (with ``error:`` and ``fix:`` lines),
        3 ``ship``: the export failed its quality gate, 130 stopped with Ctrl-C.
    """
    # One ladder from every kind of failure to its exit code and wording: read top to bottom, it is the CLI's
    # contract, so it stays in one place rather than being split up.
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        report_error(f"{exc}.", fix=f"run `{exc.prog} --help` to see the arguments.")
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        report_error(
            "no command was given.",
            fix="use one of: train, runs, stop, compare, try, merge, ship, check, mine, distill, export, app.",
        )
        return EXIT_BAD_INPUT
    args.error_log = None
    confined_before = os.environ.get(DATA_ROOT_ENV)  # --data-root holds for this call only (tests call main)
    try:
        if args.command != "app":  # the app's data root is for its pages, not for this process
            apply_data_root(getattr(args, "data_root", None))
        return args.func(args)
    except WorkbenchError as err:
        report_error(err.message, err.fix, err.where)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `workbench check ... | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except (
        FileNotFoundError,
        IsADirectoryError,
        NotADirectoryError,
        PermissionError,
        UnicodeDecodeError,
        ValueError,
    ) as exc:
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        report_error(
            f"{type(exc).__name__}: {exc}", fix="check the file paths you gave and what the files hold."
        )
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - anything else is a bug: one line, the traceback on request
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        where = _save_traceback(args.error_log)
        report_error(
            f"unexpected {type(exc).__name__}: {first}",
            fix=f"see {where} for the traceback"
            if where
            else "rerun with WORKBENCH_DEBUG=1 to see the traceback.",
        )
        return EXIT_FAILED
    finally:
        if confined_before is None:
            os.environ.pop(DATA_ROOT_ENV, None)
        else:
            os.environ[DATA_ROOT_ENV] = confined_before


def _save_traceback(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return None
    return path


# ---- export and app ----------------------------------------------------------------------------------------------


def cmd_export(args) -> int:
    """``workbench export CONFIG``: print (or write) the standalone script of the run."""
    from ..export import export_script

    spec = read_config(args.config)
    script = export_script(spec)
    if args.output:
        target = Path(args.output).expanduser()
        if target.is_dir():
            raise WorkbenchError(f"'{target}' is a folder.", fix="give a file name, e.g. -o train.py.")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(script, encoding="utf-8")
        print(
            f"wrote {target}: run it with `python {target}` or `accelerate launch {target}`.", file=sys.stderr
        )
    else:
        sys.stdout.write(script)
    return EXIT_OK


def cmd_app(args) -> int:
    """``workbench app``: serve the app (the server lives in workbench.ui.serve)."""
    if not 0 < args.port < 65536:
        raise WorkbenchError(
            f"--port must be between 1 and 65535, got {args.port}.", fix="use e.g. --port 8866."
        )
    try:
        from ..ui.serve import serve, server_token
    except ModuleNotFoundError as exc:
        if exc.name != "workbench.ui.serve":
            raise
        report_error(
            "the app server (workbench.ui.serve) is not part of this installation.",
            fix="reinstall sentence-workbench (pip install -e .), or open notebooks/app.ipynb in Jupyter.",
        )
        return EXIT_FAILED
    try:
        token = server_token(args.host, args.token)
    except ValueError as exc:
        raise WorkbenchError(
            f"--token: {exc}.",
            fix="give a token of your own (--token SECRET), or leave --token out to get one.",
        ) from None
    for flag, value in (
        ("--max-upload-mb", args.max_upload_mb),
        ("--max-concurrent-runs", args.max_concurrent_runs),
    ):
        if value is not None and value < 1:
            raise WorkbenchError(f"{flag} must be 1 or more, got {value}.", fix=f"use e.g. {flag} 2.")
    if args.preheat < 0:
        raise WorkbenchError(
            f"--preheat must be 0 or more, got {args.preheat}.", fix="use e.g. --preheat 1 (or 0 for none)."
        )
    serve(
        port=args.port,
        host=args.host,
        open_browser=False,
        token=token,
        data_root=args.data_root,
        max_upload_mb=args.max_upload_mb,
        max_concurrent_runs=args.max_concurrent_runs,
        preheat=args.preheat,
    )
    return EXIT_OK
