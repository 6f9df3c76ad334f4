"""``workbench train CONFIG``: run a config file to the end with a progress bar, then print the summary table.

Progress and log lines go to stderr (:class:`TrainView`, fed by the Runner's worker thread); the summary table
(:func:`summary_table`) goes to stdout. Ctrl-C stops after the current step and saves the model; a second Ctrl-C
quits at once.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from ..engine import (
    BaselineEvent,
    EvalEvent,
    FinalEvent,
    LogEvent,
    NoteEvent,
    ProgressEvent,
    RunListener,
    RunStatus,
    StatusEvent,
)
from ..errors import WorkbenchError, sigterm_as_ctrl_c
from ..session import STOPPED_EARLY, STOPPING, describe
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, read_config, report_error


def cmd_train(args) -> int:
    """``workbench train CONFIG``: build the plan, run it with a progress bar, print the summary table. A SIGTERM
    stops it as a Ctrl-C does (after the current step, the model saved); not in one rank of a launched run, which
    its launcher ends with a SIGTERM when asked to quit at once."""
    if getattr(args, "launched", False):
        return _train(args)
    with sigterm_as_ctrl_c():
        return _train(args)


def _train(args) -> int:
    from ..engine import ATTEMPT_ENV, Runner, build, check_output_dir, read_items
    from .launched import launch_of, train_launched

    launched = getattr(args, "launched", False)  # one rank of a launched run: its parent checked everything
    launch = None if launched else launch_of(args)
    spec = read_config(args.config) if launched else _spec_with_flags(args)
    if getattr(args, "resume", False) and not launched:
        from .runs import resume_spec

        spec = resume_spec(spec)
    args.error_log = Path(spec.output_dir) / "error.log"
    try:
        if not launched:
            check_output_dir(spec)  # before the slow part: refuse a finished run's folder at once
    except WorkbenchError as err:
        if err.where == "output_dir":
            err.fix = (err.fix or "").rstrip(".") + "; on the command line: --overwrite, or --output-dir DIR."
        raise
    main_rank = os.environ.get("RANK", "0") == "0"
    view = TrainView(quiet=args.quiet or (launched and not main_rank))
    since = os.environ.get(ATTEMPT_ENV)  # set by the app that started this worker: a Stop since then counts
    ticket = None if launched else _take_turn(spec, since, view, launch)
    if ticket is False:
        return EXIT_OK  # stopped while it waited: its folder says so
    try:
        if launch is not None:  # the whole launch holds the one ticket, its ranks take none
            return train_launched(args, spec, launch, view)
        view.say(f"preparing the run from {args.config} (loading data and libraries) ...")
        runner = Runner(
            build(spec), listeners=[view], backend="process", since=float(since) if since else None
        )
        runner.start()
        interrupted = _wait_for(runner, view)
    finally:
        if ticket:
            ticket.leave()
    if launched:
        runner.ranks.leave()
    if interrupted is None:
        return EXIT_INTERRUPTED
    view.end_bar()
    summary = runner.summary or {"status": runner.status}
    if runner.status is RunStatus.ERROR:
        if isinstance(runner.exception, WorkbenchError):
            err = runner.exception
            report_error(err.message, err.fix, err.where)
            return EXIT_BAD_INPUT
        saved = summary.get("model_path")
        report_error(
            f"the run failed: {runner.error}",
            fix=(f"the model trained so far is in {saved}; " if saved else "")
            + "rerun with WORKBENCH_DEBUG=1 or read error.log in the output folder for the traceback.",
        )
        return EXIT_FAILED
    if not launched:  # a launched run's parent prints it, once
        print(summary_table(summary, read_items(spec.output_dir)))
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _take_turn(spec, since, view, launch=None):
    """Wait for the device in a served app's queue (``$WORKBENCH_MAX_RUNS``): the admitted Ticket, None when runs
    are not queued, False when a Stop came while it waited. A launched run waits as one run (on GPUs it takes a
    place per process). With several GPUs the run is pinned to the ones its place holds (before torch or the
    launcher starts)."""
    from ..engine import runs_root, stop_requested
    from ..engine.run_queue import queue_limit, visible_gpus, wait_turn

    if queue_limit() is None:
        return None
    out = Path(spec.output_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    asked = float(since) if since else time.time()
    on_gpus = launch is not None and not launch.cpu and not launch.config_file
    ticket = wait_turn(
        out,
        runs_root(),
        lambda: stop_requested(out, asked),
        say=view.say,
        slots=launch.num_processes if on_gpus else 1,
        device="cpu" if launch is not None and launch.cpu else None,
    )
    if ticket is None:
        view.say("stopped before it started: it left the queue; nothing was trained.")
        return False
    held = ticket.data.get("gpus") or []
    if held and len(visible_gpus()) > len(held):
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(held)
    return ticket


def _spec_with_flags(args):
    """The config file's RunSpec with --overwrite, --output-dir and --max-steps applied."""
    spec = read_config(args.config)
    changes: dict = {}
    if args.overwrite:
        changes["overwrite"] = True
    if args.output_dir:
        changes["output_dir"] = str(Path(args.output_dir).expanduser().resolve())
    if args.max_steps is not None:
        if args.max_steps < 1:
            raise WorkbenchError(
                f"--max-steps must be at least 1, got {args.max_steps}.", fix="use e.g. --max-steps 100."
            )
        changes["args"] = {**spec.args, "max_steps": args.max_steps}
    return spec.replace(**changes) if changes else spec


def _wait_for(runner, view) -> bool | None:
    """Wait for the run: False when it ended by itself, True after a Ctrl-C stopped it (the model is saved), None
    after a second Ctrl-C quit at once."""
    try:
        while not runner.wait(0.2):
            pass
        return False
    except KeyboardInterrupt:
        view.say(f"{STOPPING} (press Ctrl-C again to quit at once) ...")
        runner.stop()
    try:
        while not runner.wait(0.2):
            pass
    except KeyboardInterrupt:
        view.say("quit without saving.")
        return None
    return True


class TrainView(RunListener):
    """The Runner's listener that draws a progress bar and writes log lines on stderr (from the worker thread)."""

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

    def on_progress(self, event: ProgressEvent) -> None:
        self._progress(event)

    def on_log(self, event: LogEvent) -> None:
        loss = event.values.get("loss")
        if isinstance(loss, (int, float)):
            self.loss = float(loss)

    def on_status(self, event: StatusEvent) -> None:
        if event.status in (RunStatus.BASELINE, RunStatus.TRAINING, RunStatus.SAVING):
            self.say(describe(event.status, ellipsis=" ..."))

    def on_note(self, event: NoteEvent) -> None:
        self.say(f"note: {event.text}")

    def on_baseline(self, event: BaselineEvent) -> None:
        self.primary = dict(event.primary)
        if event.metrics:
            self.say("baseline: " + _metrics_text(event.metrics, self.primary.values()))

    def on_eval(self, event: EvalEvent) -> None:
        metrics = {k.removeprefix("eval_"): v for k, v in event.metrics.items()}
        wanted = [*self.primary.values(), "loss"]
        self.say(f"step {event.step}: eval " + _metrics_text(metrics, wanted))

    def on_final(self, event: FinalEvent) -> None:
        if event.metrics:
            self.say("final: " + _metrics_text(event.metrics, self.primary.values()))

    def _progress(self, event: ProgressEvent) -> None:
        if self.quiet:
            return
        step, total = int(event.step or 0), int(event.max_steps or 0)
        now = time.monotonic()
        if now - self._last < self.interval and step < total:
            return
        self._last = now
        done = min(1.0, step / total) if total else 0.0
        filled = int(round(done * self.WIDTH))
        parts = [f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {step}/{total} steps"]
        if event.epoch is not None:
            parts.append(f"epoch {float(event.epoch):.2f}")
        if self.loss is not None:
            parts.append(f"loss {self.loss:.4f}")
        parts.append(f"{_clock(event.elapsed_s)} elapsed")
        if event.eta_s is not None and step < total:
            parts.append(f"~{_clock(event.eta_s)} left")
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
    return ", ".join(
        f"{k} {metrics[k]:.4f}" if isinstance(metrics[k], (int, float)) else f"{k} {metrics[k]}" for k in keys
    )


def summary_table(summary: dict, items: dict | None = None) -> str:
    """The run's outcome: the verdict in one line (Better / About the same / Worse on your eval data, with the 95 %
    interval from the run's per-item scores ``items``), what the metric means, baseline -> final per primary
    metric, the warnings, the eval items that gained and lost most, and where the model went."""
    from .. import rules

    baseline, final = summary.get("baseline") or {}, summary.get("final") or {}
    verdict = rules.verdict_of(summary, items)
    lines = []
    if verdict is not None:
        lines += [verdict.headline, *([verdict.meaning] if verdict.meaning else []), ""]
        lines += _verdict_rows(verdict)
        lines += [f"- {hint}" for hint in verdict.hints]
        for m in verdict.metrics:
            lines += _moves_lines(f"gained most ({m.evaluator})", m.gained)
            lines += _moves_lines(f"lost most ({m.evaluator})", m.lost)
    elif baseline and not final:
        lines.append("no final metrics: the run ended before the final evaluation.")
    elif any(note.startswith("no evaluator fits") for note in summary.get("notes") or ()):
        lines.append(
            "no evaluator ran: no evaluator fits your eval/test data as mapped (see the notes above); "
            "map it as pairs + score, pairs + 0/1 label or triplets to compare before and after."
        )
    else:
        lines.append(
            "no evaluator ran: add an eval or test dataset (or a holdout) to compare before and after."
        )
    if verdict is None:  # the warnings still name their fix
        lines += [f"- {w.get('text', '')}" for w in summary.get("warnings") or () if isinstance(w, dict)]
    status = summary.get("status")
    if status == RunStatus.STOPPED:
        lines.append(
            f"stopped early after {summary.get('steps', 0)} steps; continue it with `workbench train CONFIG "
            "--resume`."
        )
    if summary.get("model_path"):
        lines.append(f"model saved to {summary['model_path']}")
    elif status == RunStatus.STOPPED:
        lines.append(STOPPED_EARLY[0].lower() + STOPPED_EARLY[1:])
    return "\n".join(lines)


def _verdict_rows(verdict) -> list[str]:
    rows = [
        (
            m.metric,
            f"{m.baseline:.4f}",
            f"{m.final:.4f}",
            f"{m.delta:+.4f}",
            f"{m.ci[0]:+.4f} to {m.ci[1]:+.4f}" if m.ci else "-",
            m.word,
        )
        for m in verdict.metrics
    ]
    head = ("metric", "baseline", "final", "change", "95 % interval", "verdict")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    lines = []
    for row in [head, *rows]:
        cells = [f"{row[0]:<{widths[0]}}", *(f"{c:>{w}}" for c, w in zip(row[1:-1], widths[1:], strict=True))]
        lines.append("  ".join(cells) + f"  {row[-1]}")
    return lines


def _moves_lines(title: str, moves) -> list[str]:
    """A short table of eval items that moved: before -> after (your score, the relevant document's rank)."""
    if not moves:
        return []
    lines = [f"eval items that {title}:"]
    for m in moves:
        gold = f"  your score {m.gold:g}" if m.gold is not None else ""
        rank = ""
        if m.rank_before is not None or m.rank_after is not None:
            rank = f"  rank {m.rank_before or '-'} -> {m.rank_after or '-'}"
        text = m.text if len(m.text) <= 70 else m.text[:69] + "…"
        lines.append(f"  {m.before:.4f} -> {m.after:.4f}{gold}{rank}  {text}")
    return lines
