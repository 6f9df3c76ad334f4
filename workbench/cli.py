"""The ``workbench`` command: ``train CONFIG``, ``check DATA_FILE``, ``export CONFIG`` and ``app``.

Problems with the user's input print ``error: ...`` and ``fix: ...`` on stderr and exit with code 2, never a
traceback; unexpected failures print one line and exit with code 1 (``WORKBENCH_DEBUG=1`` shows the traceback).
Results (the summary table, the check report, the exported script) go to stdout; progress goes to stderr.
Heavy libraries are imported only by the commands that need them, so ``workbench check`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from .errors import WorkbenchError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
MODEL_TYPES = ("sentence-transformer", "sparse-encoder", "cross-encoder")
SOURCES = ("csv", "json", "parquet", "arrow", "sql", "hub")


class _UsageError(Exception):
    def __init__(self, message: str, prog: str):
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as ``error:`` / ``fix:`` lines (exit 2) instead of printing usage."""

    def error(self, message: str):
        raise _UsageError(message, self.prog)


def _parser() -> _Parser:
    parser = _Parser(prog="workbench", description="Fine-tune embedding models (dense, sparse, cross-encoder) "
                     "from one config file, check a dataset, export a run as a script, or open the app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser("train", help="run a config file to the end (Ctrl-C stops and saves)")
    train.add_argument("config", help="the run's JSON/YAML config file")
    train.add_argument("--overwrite", action="store_true", help="replace a finished run in the output folder")
    train.add_argument("--output-dir", help="write the run here instead of the config's output_dir")
    train.add_argument("--max-steps", type=int, help="stop after this many training steps")
    train.add_argument("--quiet", action="store_true", help="no progress bar or log lines, only the summary")
    train.set_defaults(func=cmd_train)

    check = sub.add_parser("check", help="which losses and evaluators fit a data file, and why (not)")
    check.add_argument("data_file", help="a csv/tsv, json/jsonl, parquet, arrow or SQLite file (or a Hub id with "
                       "--source hub)")
    check.add_argument("--type", dest="model_type", choices=MODEL_TYPES, default="sentence-transformer",
                       help="the kind of model to train (default: sentence-transformer)")
    check.add_argument("--columns", help="input columns in order, comma-separated (default: guessed)")
    check.add_argument("--label", help="the label column (default: guessed; '' for no label)")
    check.add_argument("--label-range", help="the label's scale as LOW,HIGH (e.g. 0,5): rescaled to 0-1")
    check.add_argument("--source", choices=SOURCES, help="how to read the file (default: from its extension)")
    check.add_argument("--query", help="the SELECT for a SQLite file (default: every row of its first table)")
    check.add_argument("--split", help="the split to read (Hub datasets, save_to_disk folders)")
    check.add_argument("--subset", help="the Hub dataset's subset (config name)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=cmd_check)

    export = sub.add_parser("export", help="print a standalone Python script that performs the same run")
    export.add_argument("config", help="the run's JSON/YAML config file")
    export.add_argument("-o", "--output", help="write the script to this file instead of printing it")
    export.set_defaults(func=cmd_export)

    app = sub.add_parser("app", help="serve the workbench app in the browser")
    app.add_argument("--port", type=int, default=8866, help="port to serve on (default: 8866)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    app.set_defaults(func=cmd_app)
    return parser


def report_error(message: str, fix: str | None = None, where: str | None = None) -> None:
    """Print a problem as ``error: ...`` and ``fix: ...`` lines on stderr."""
    print(f"error: {f'[{where}] ' if where else ''}{message}", file=sys.stderr)
    if fix:
        print(f"fix: {fix}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the ``workbench`` command line.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 success, 1 unexpected failure, 2 bad input (with ``error:`` and ``fix:`` lines),
        130 stopped with Ctrl-C.
    """
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
        report_error("no command was given.", fix="use one of: train, check, export, app.")
        return EXIT_BAD_INPUT
    args.error_log = None
    try:
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
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError, UnicodeDecodeError,
            ValueError) as exc:
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        report_error(f"{type(exc).__name__}: {exc}", fix="check the file paths you gave and what the files hold.")
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - anything else is a bug: one line, the traceback on request
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        where = _save_traceback(args.error_log)
        report_error(f"unexpected {type(exc).__name__}: {first}",
                     fix=f"see {where} for the traceback" if where else
                     "rerun with WORKBENCH_DEBUG=1 to see the traceback.")
        return EXIT_FAILED


def _save_traceback(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return None
    return path


# ---- train --------------------------------------------------------------------------------------------------------


def cmd_train(args) -> int:
    """``workbench train CONFIG``: build the plan, run it with a progress bar, print the summary table."""
    from .spec import load_config

    spec = load_config(args.config)
    changes: dict = {}
    if args.overwrite:
        changes["overwrite"] = True
    if args.output_dir:
        changes["output_dir"] = str(Path(args.output_dir).expanduser().resolve())
    if args.max_steps is not None:
        if args.max_steps < 1:
            raise WorkbenchError(f"--max-steps must be at least 1, got {args.max_steps}.", fix="use e.g. --max-steps 100.")
        changes["args"] = {**spec.args, "max_steps": args.max_steps}
    spec = spec.replace(**changes) if changes else spec
    out = Path(spec.output_dir)
    args.error_log = out / "error.log"
    from .build import build, check_output_dir

    try:
        check_output_dir(spec)  # before the slow part: refuse a finished run's folder at once
    except WorkbenchError as err:
        if err.where == "output_dir":
            err.fix = (err.fix or "").rstrip(".") + "; on the command line: --overwrite, or --output-dir DIR."
        raise
    view = TrainView(quiet=args.quiet)
    view.say(f"preparing the run from {args.config} (loading data and libraries) ...")
    from .run import Runner

    plan = build(spec)
    runner = Runner(plan, on_event=view)
    runner.start()
    interrupted = False
    try:
        while not runner.wait(0.2):
            pass
    except KeyboardInterrupt:
        interrupted = True
        view.say("stopping after the current step; the model trained so far will be saved "
                 "(press Ctrl-C again to quit at once) ...")
        runner.stop()
        try:
            while not runner.wait(0.2):
                pass
        except KeyboardInterrupt:
            view.say("quit without saving.")
            return EXIT_INTERRUPTED
    view.end_bar()
    summary = runner.summary or {"status": runner.status}
    if runner.status == "error":
        if isinstance(runner.exception, WorkbenchError):
            err = runner.exception
            report_error(err.message, err.fix, err.where)
            return EXIT_BAD_INPUT
        saved = summary.get("model_path")
        report_error(f"the run failed: {runner.error}",
                     fix=(f"the model trained so far is in {saved}; " if saved else "")
                     + "rerun with WORKBENCH_DEBUG=1 or read error.log in the output folder for the traceback.")
        return EXIT_FAILED
    print(summary_table(summary))
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


class TrainView:
    """Turns the Runner's events into a progress bar and log lines on stderr (called from the worker thread)."""

    WIDTH = 28

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 0.1 if self.tty else 2.0
        self.primary: dict[str, str] = {}
        self.loss: float | None = None
        self._last = 0.0
        self._bar_open = False
        self._lock = threading.Lock()

    def say(self, text: str) -> None:
        """A log line (ends an open progress bar line first)."""
        if self.quiet:
            return
        with self._lock:
            self._close_bar()
            print(text, file=self.stream, flush=True)

    def end_bar(self) -> None:
        with self._lock:
            self._close_bar()

    def _close_bar(self) -> None:
        if self._bar_open:
            self.stream.write("\n")
            self._bar_open = False

    def __call__(self, event: dict) -> None:
        kind = event.get("type")
        if kind == "progress":
            self._progress(event)
        elif kind == "log" and isinstance(event.get("loss"), (int, float)):
            self.loss = float(event["loss"])
        elif kind == "status" and event["status"] in ("baseline", "training", "saving"):
            self.say({"baseline": "evaluating the base model ...", "training": "training ...",
                      "saving": "saving the model ..."}[event["status"]])
        elif kind == "note":
            self.say(f"note: {event['text']}")
        elif kind == "baseline":
            self.primary = dict(event.get("primary") or {})
            if event.get("metrics"):
                self.say("baseline: " + _metrics_text(event["metrics"], self.primary.values()))
        elif kind == "eval":
            metrics = {k.removeprefix("eval_"): v for k, v in (event.get("metrics") or {}).items()}
            wanted = [*self.primary.values(), "loss"]
            self.say(f"step {event.get('step')}: eval " + _metrics_text(metrics, wanted))
        elif kind == "final" and event.get("metrics"):
            self.say("final: " + _metrics_text(event["metrics"], self.primary.values()))

    def _progress(self, event: dict) -> None:
        if self.quiet:
            return
        step, total = int(event.get("step") or 0), int(event.get("max_steps") or 0)
        now = time.monotonic()
        if now - self._last < self.interval and step < total:
            return
        self._last = now
        done = min(1.0, step / total) if total else 0.0
        filled = int(round(done * self.WIDTH))
        parts = [f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {step}/{total} steps"]
        if event.get("epoch") is not None:
            parts.append(f"epoch {float(event['epoch']):.2f}")
        if self.loss is not None:
            parts.append(f"loss {self.loss:.4f}")
        parts.append(f"{_clock(event.get('elapsed_s'))} elapsed")
        if event.get("eta_s") is not None and step < total:
            parts.append(f"~{_clock(event['eta_s'])} left")
        with self._lock:
            self.stream.write("\r" + "  ".join(parts) + " " * 4)
            self.stream.flush()
            self._bar_open = True


def _clock(seconds) -> str:
    seconds = int(round(float(seconds or 0)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def _metrics_text(metrics: dict, wanted) -> str:
    wanted = [w for w in wanted if w in metrics]
    keys = wanted or [k for k in metrics if not k.endswith(("runtime", "per_second"))]
    return ", ".join(f"{k} {metrics[k]:.4f}" if isinstance(metrics[k], (int, float)) else f"{k} {metrics[k]}"
                     for k in keys)


def summary_table(summary: dict) -> str:
    """The run's outcome: baseline -> final per primary metric with a verdict, and where the model went."""
    baseline, final = summary.get("baseline") or {}, summary.get("final") or {}
    primary = summary.get("primary_metrics") or {}
    rows = _verdict_rows(baseline, final, primary)
    lines = []
    if rows:
        width = max(len("metric"), *(len(r[0]) for r in rows))
        lines.append(f"{'metric':<{width}}  {'baseline':>9}  {'final':>9}  {'change':>9}  verdict")
        for metric, base, fin, delta, verdict in rows:
            lines.append(f"{metric:<{width}}  {base:>9.4f}  {fin:>9.4f}  {delta:>+9.4f}  {verdict}")
    elif baseline and not final:
        lines.append("no final metrics: the run ended before the final evaluation.")
    else:
        lines.append("no evaluator ran: add an eval or test dataset (or a holdout) to compare before and after.")
    status = summary.get("status")
    if status == "stopped":
        lines.append(f"stopped early after {summary.get('steps', 0)} steps (Ctrl-C).")
    if summary.get("model_path"):
        lines.append(f"model saved to {summary['model_path']}")
    elif status == "stopped":
        lines.append("stopped before training: no model was saved.")
    return "\n".join(lines)


def _verdict_rows(baseline: dict, final: dict, primary: dict) -> list[tuple]:
    try:
        from .verdict import summary_verdicts
    except ImportError:  # the verdict module is optional for the table: judge by sign alone
        summary_verdicts = None
    if summary_verdicts is not None:
        judged = summary_verdicts(baseline, final, primary)
        return [(v["metric"], v["baseline"], v["final"], v["delta"], v["verdict"]) for v in judged.values()]
    rows = []
    for key in primary.values():
        if key in baseline and key in final:
            delta = float(final[key]) - float(baseline[key])
            rows.append((key, float(baseline[key]), float(final[key]), delta,
                         "win" if delta > 0 else "regression" if delta < 0 else "no change"))
    return rows


# ---- check --------------------------------------------------------------------------------------------------------


def _source_for(path: str) -> str:
    from .data import UPLOAD_SOURCES

    p = Path(path).expanduser()
    if p.is_dir():
        is_disk = (p / "state.json").is_file() or (p / "dataset_dict.json").is_file() or any(p.glob("*.arrow"))
        return "arrow" if is_disk else "hub"
    suffix = p.suffix.lower()
    if suffix in UPLOAD_SOURCES:
        return UPLOAD_SOURCES[suffix]
    if not p.exists():
        raise WorkbenchError(f"file '{path}' does not exist.",
                             fix="check the path (for a Hub dataset id, add --source hub).")
    raise WorkbenchError(f"cannot tell how to read '{path}' from its extension '{suffix or '(none)'}'.",
                         fix=f"rename it, or give --source (one of: {', '.join(SOURCES)}).")


def _split_list(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())


def _parse_range(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.replace(":", ",").split(",") if p.strip()]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        low = high = None
    if low is None or not low < high:
        raise WorkbenchError(f"--label-range must be LOW,HIGH with LOW < HIGH, got '{text}'.",
                             fix="use e.g. --label-range 0,5 for STS scores.")
    return (low, high)


def cmd_check(args) -> int:
    """``workbench check DATA_FILE``: column roles, the mapping, a verdict per loss, fitting evaluators."""
    from . import compat, data
    from .spec import DatasetSpec

    source = args.source or _source_for(args.data_file)
    path = args.data_file if source == "hub" and not Path(args.data_file).exists() else \
        str(Path(args.data_file).expanduser().resolve())
    query = args.query
    if source == "sql" and not query:
        if not Path(path).is_file():
            raise WorkbenchError(f"file '{path}' does not exist.", fix="check the path.")
        query = f'SELECT * FROM "{data._first_table(Path(path))}"'
    spec = DatasetSpec(source=source, path=path, subset=args.subset, split=args.split, query=query)
    label_range = _parse_range(args.label_range)
    ds = data.load_raw(spec)
    profile = data.profile(ds)
    explicit_label = (args.label or "").strip()
    inputs = _split_list(args.columns) or tuple(c for c in profile.guessed_inputs if c != explicit_label)
    if args.columns is not None and not inputs:
        raise WorkbenchError("--columns names no column.", fix=f"give e.g. --columns {','.join(profile.names[:2])}.")
    if args.label is not None:
        label = args.label.strip() or None
    else:
        label = profile.guessed_label if profile.guessed_label not in inputs else None
    shape = data.shape_of(profile, inputs, label, label_range, ds=ds)
    verdicts = compat.verdicts(shape, args.model_type)
    recommended = compat.recommend_with_fix(shape, args.model_type)
    evaluators = compat.suggest_evaluators(shape, args.model_type)
    problem = None
    if inputs:
        try:
            data.prepare(ds, inputs, label, label_range)
        except WorkbenchError as err:
            problem = err
    else:
        problem = WorkbenchError("no text column was found to use as an input.",
                                 fix="name the input columns with --columns a,b.")
    report = _check_report(args, source, path, ds, profile, inputs, label, label_range, verdicts, recommended,
                           evaluators, problem)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(_check_text(report, args))
    if problem is not None:
        report_error(problem.message, problem.fix, problem.where)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _fix_dict(fix) -> dict:
    return {"kind": fix.kind, "text": fix.text, "inputs": list(fix.inputs) if fix.inputs is not None else None,
            "label": fix.label, "label_range": list(fix.label_range) if fix.label_range else None}


def _check_report(args, source, path, ds, profile, inputs, label, label_range, verdicts, recommended, evaluators,
                  problem) -> dict:
    return {
        "file": path,
        "source": source,
        "rows": ds.num_rows,
        "model_type": args.model_type,
        "columns": list(profile.names),
        "roles": {c.name: c.role for c in profile.columns},
        "column_details": [{"name": c.name, "role": c.role, "dtype": c.dtype, "missing": c.n_missing,
                            "distinct": c.n_unique, "min": c.min, "max": c.max} for c in profile.columns],
        "inputs": list(inputs),
        "inputs_guessed": args.columns is None,
        "label": label,
        "label_guessed": args.label is None,
        "label_range": list(label_range) if label_range else None,
        "losses": [{"name": v.name, "compatible": v.compatible, "reason": v.reason,
                    "fixes": [_fix_dict(f) for f in v.fixes], "notes": list(v.notes)} for v in verdicts],
        "recommended": None if recommended is None else {
            "name": recommended[0].name, "fix": _fix_dict(recommended[1]) if recommended[1] else None},
        "evaluators": [e.name for e in evaluators],
        "problem": None if problem is None else {"message": problem.message, "fix": problem.fix},
    }


def _flags(fix: dict) -> str:
    flags = []
    if fix["inputs"] is not None:
        flags.append(f"--columns {','.join(fix['inputs'])}")
    if fix["label"] is not None:
        flags.append(f"--label {fix['label']}" if fix["label"] else "--label ''")
    if fix["label_range"]:
        flags.append(f"--label-range {fix['label_range'][0]:g},{fix['label_range'][1]:g}")
    return " ".join(flags)


def _check_text(report: dict, args) -> str:
    lines = [f"{report['file']}: {report['rows']} rows, {len(report['columns'])} columns (read as {report['source']})",
             "", "columns:"]
    width = max(len(c) for c in report["columns"])
    for c in report["column_details"]:
        extra = f"  {c['min']:g}..{c['max']:g}" if c["min"] is not None and c["max"] is not None else ""
        missing = f"  {c['missing']} missing/empty" if c["missing"] else ""
        lines.append(f"  {c['name']:<{width}}  {c['role']:<11} {c['dtype']}{extra}{missing}")
    guessed = " (guessed)" if report["inputs_guessed"] else ""
    label = report["label"] or "none"
    lines += ["", f"inputs: {', '.join(report['inputs']) or 'none'}{guessed}",
              f"label:  {label}{' (guessed)' if report['label_guessed'] and report['label'] else ''}"
              + (f", rescaled from {report['label_range'][0]:g}-{report['label_range'][1]:g} to 0-1"
                 if report["label_range"] else ""),
              "", f"losses for a {report['model_type']}:"]
    name_width = max(len(v["name"]) for v in report["losses"])
    # Fitting losses first, then the ones a fix makes fit; the full "Accepted: ..." lists are in --json.
    for v in sorted(report["losses"], key=lambda v: (not v["compatible"], not v["fixes"])):
        reason = v["reason"].split(". Accepted: ")[0]
        lines.append(f"  {'fits' if v['compatible'] else 'no  '}  {v['name']:<{name_width}}  {reason}")
        for fix in v["fixes"]:
            lines.append(f"  {'':4}  {'':<{name_width}}  fix: {fix['text']}  ({_flags(fix)})")
    rec = report["recommended"]
    if rec:
        how = f", after the fix: {rec['fix']['text']} ({_flags(rec['fix'])})" if rec["fix"] else ""
        lines += ["", f"recommended loss: {rec['name']}{how}"]
    else:
        lines += ["", "recommended loss: none fits this mapping; see the reasons above."]
    lines.append(f"evaluators that fit: {', '.join(report['evaluators']) or 'none'}")
    return "\n".join(lines)


# ---- export and app ----------------------------------------------------------------------------------------------


def cmd_export(args) -> int:
    """``workbench export CONFIG``: print (or write) the standalone script of the run."""
    from .codegen import export_script
    from .spec import load_config

    spec = load_config(args.config)
    script = export_script(spec)
    if args.output:
        target = Path(args.output).expanduser()
        if target.is_dir():
            raise WorkbenchError(f"'{target}' is a folder.", fix="give a file name, e.g. -o train.py.")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(script, encoding="utf-8")
        print(f"wrote {target}: run it with `python {target}` or `accelerate launch {target}`.", file=sys.stderr)
    else:
        sys.stdout.write(script)
    return EXIT_OK


def cmd_app(args) -> int:
    """``workbench app``: serve the app (the server lives in workbench.serve)."""
    if not 0 < args.port < 65536:
        raise WorkbenchError(f"--port must be between 1 and 65535, got {args.port}.", fix="use e.g. --port 8866.")
    try:
        from .serve import serve
    except ModuleNotFoundError as exc:
        if exc.name != "workbench.serve":
            raise
        report_error("the app server (workbench.serve) is not part of this installation.",
                     fix="reinstall sentence-workbench (pip install -e .), or open notebooks/app.ipynb in Jupyter.")
        return EXIT_FAILED
    serve(port=args.port, host=args.host, open_browser=False)
    return EXIT_OK
