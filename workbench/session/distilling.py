"""The distillation wizard as the app sees it: a teacher (the packaged model, a finished run, a model folder), a
student (the teacher's first k layers, or a smaller model), the texts of a loaded dataset, an eval set; then the
teacher's progress, and the report (teacher beside the student, before and after) with the verdict.

The distillation runs ``python -m workbench.cli distill FILE ... --out RUN --json`` in a child process, as the
Ship step does: a page kernel that only configures runs never imports torch, and the app's figures are exactly the
command line's. The chosen rows are written to ``<workbench home>/distill/`` first (the person's file is never
changed); the run folder is a new ``runs/distill-<time>``. Its progress lines (``what: done/total …`` on stderr)
become :attr:`DistillSession.progress` and :attr:`DistillSession.fraction`; its JSON report (stdout) becomes
:attr:`DistillSession.report`. Traits are assigned from the thread that reads the process.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from typing import TYPE_CHECKING

import traitlets as T

from ..data import SCORE, TEXT
from .child import follow_cli, start_cli
from .paths import runs_dir, workbench_home
from .shipping import _problem

if TYPE_CHECKING:
    from .state import Session

IDLE, DISTILLING, DONE, FAILED = "", "distilling", "done", "failed"
DEFAULT_TEACHER = ("the packaged all-MiniLM-L6-v2", "default")
_PROGRESS = re.compile(r"^(?P<what>[^:]+): (?P<done>\d+)/(?P<total>\d+) …$")
# The share of the bar each phase fills: the teacher's encoding, then training (measuring fills the rest).
_PHASES = {"teacher encoding": (0.0, 0.3), "teacher scoring": (0.0, 0.3), "training": (0.3, 0.9)}


def teacher_choices() -> list[tuple[str, str]]:
    """The packaged model, then every finished run with a saved model (its folder: the CLI takes its final/)."""
    from ..engine import list_runs

    runs = [(f"run {r.name} ({r.model or 'model'})", r.path) for r in list_runs(runs_dir()) if r.saved]
    return [DEFAULT_TEACHER, *runs]


def teacher_layers(teacher: str) -> int | None:
    """The teacher's layer count from its config (no torch); None when unknown."""
    from ..engine.distill_run import config_layers, teacher_path
    from ..errors import WorkbenchError

    try:
        return config_layers(teacher_path(teacher or "default"))
    except WorkbenchError:
        return None


def distill_command(data: str, out: str, **options) -> list[str]:
    """The child process's command line (options: teacher, column, student, keep_layers, eval_file, ...)."""
    command = [sys.executable, "-m", "workbench.cli", "distill", str(data), "--out", str(out)]
    for name, value in options.items():
        if value not in (None, ""):
            command += [f"--{name.replace('_', '-')}", str(value)]
    return [*command, "--json"]


class DistillSession(T.HasTraits):
    """The wizard's choices and the distillation's state.

    Attributes (traits): ``teacher``, ``student`` ("" for the teacher's first ``keep_layers``), ``keep_layers``,
    ``dataset`` (a loaded dataset's key) and ``column``, ``eval_dataset`` ("" for held-out rows), ``epochs``;
    ``state`` (``""`` / ``distilling`` / ``done`` / ``failed``), ``progress``, ``fraction``, ``report``, ``error``,
    ``run_dir``.
    """

    teacher = T.Unicode("default")
    student = T.Unicode("")
    keep_layers = T.Int(3)
    dataset = T.Unicode("")
    column = T.Unicode("")
    eval_dataset = T.Unicode("")
    epochs = T.Float(1.0)
    state = T.Unicode(IDLE)
    progress = T.Unicode("")
    fraction = T.Float(0.0)
    report = T.Dict()
    error = T.Unicode("")
    run_dir = T.Unicode("")

    def __init__(self, session: Session, **traits):
        super().__init__(**traits)
        self.session = session
        self._lock = threading.Lock()

    # ---- what can be chosen ----

    def text_columns(self, key: str) -> list[str]:
        prof = self.session.profile(key) if key else None
        return [c.name for c in prof.columns if c.role == TEXT] if prof is not None else []

    def text_sets(self) -> list[tuple[str, str]]:
        """(label, key) of the loaded datasets that hold a text column."""
        s = self.session
        return [
            (e.key, e.key) for e in s.datasets if s.dataset(e.key) is not None and self.text_columns(e.key)
        ]

    def eval_sets(self) -> list[tuple[str, str]]:
        """(label, key) of the loaded datasets of (text, text, score) rows: the student's Spearman on them."""
        out = []
        for e in self.session.datasets:
            prof = self.session.profile(e.key) if self.session.dataset(e.key) is not None else None
            if (
                prof is not None
                and len(self.text_columns(e.key)) >= 2
                and any(c.role == SCORE for c in prof.columns)
            ):
                out.append((f"{e.key} (Spearman)", e.key))
        return out

    def _eval_columns(self, key: str) -> tuple[str, str, str]:
        prof = self.session.profile(key)
        texts = self.text_columns(key)
        return texts[0], texts[1], next(c.name for c in prof.columns if c.role == SCORE)

    # ---- distil ----

    def _write(self, key: str, columns, stem: str) -> str:
        rows = self.session.dataset(key).select_columns(list(columns))
        folder = workbench_home() / "distill"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        rows.to_json(str(path), lines=True, force_ascii=False)
        return str(path)

    def command(self) -> list[str]:
        """Write the chosen rows and return the child's command line.

        Raises:
            WorkbenchError: no loaded dataset or text column chosen.
        """
        from ..errors import WorkbenchError

        if not self.dataset or self.session.dataset(self.dataset) is None:
            raise WorkbenchError("choose a loaded dataset of texts first.", fix="load one in the Data tab.")
        if self.column not in self.text_columns(self.dataset):
            raise WorkbenchError(
                f"'{self.column}' is not a text column of {self.dataset}.",
                fix=f"choose one of: {', '.join(self.text_columns(self.dataset))}.",
                where="columns",
            )
        data = self._write(self.dataset, [self.column], "texts")
        options = dict(teacher=self.teacher or "default", column=self.column, epochs=self.epochs)
        if self.student:
            options["student"] = self.student
        else:
            options["keep_layers"] = self.keep_layers
        if self.eval_dataset:
            cols = self._eval_columns(self.eval_dataset)
            options["eval"] = self._write(self.eval_dataset, cols, "eval")
            options["eval_columns"] = ",".join(cols)
        self.run_dir = str(runs_dir() / f"distill-{time.strftime('%Y%m%d-%H%M%S')}")
        return distill_command(data, self.run_dir, **options)

    def distill(self, wait: bool = False) -> threading.Thread | None:
        """Start the distillation in a child process (``wait``: block until it ends, for tests and notebooks)."""
        from ..errors import WorkbenchError

        with self._lock:
            if self.state == DISTILLING:
                return None
            try:
                command = self.command()
            except WorkbenchError as exc:
                self.error, self.state = exc.text, FAILED
                return None
            self.report, self.error, self.fraction, self.state = {}, "", 0.0, DISTILLING
            self.progress = "starting (its own process: loading the teacher)…"
        thread = threading.Thread(target=self._follow, args=(command,), name="workbench-distill", daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    def _follow(self, command: list[str]) -> None:
        try:
            proc = start_cli(command)
        except OSError as exc:
            self.error, self.state = f"Could not start the distillation: {exc}", FAILED
            return

        def seen(line: str) -> None:
            match = _PROGRESS.match(line)
            if match:
                low, high = _PHASES.get(match["what"], (0.9, 1.0))
                total = max(1, int(match["total"]))
                self.fraction = low + (high - low) * int(match["done"]) / total
                self.progress = f"{match['what']}: {match['done']} of {match['total']}"

        code, out, lines = follow_cli(proc, seen)
        if code == 0:
            try:
                self.report = json.loads(out)
            except ValueError:
                self.error, self.state = "The distillation ended without a readable report.", FAILED
                return
            self.progress, self.fraction, self.state = "", 1.0, DONE
            return
        self.progress, self.error, self.state = (
            "",
            _problem(lines, code).replace("export", "distillation"),
            FAILED,
        )

    def rows(self) -> list[list[str]]:
        """Teacher, student before, student after: the metric, layers, parameters, size, sentences/s (header first)."""
        r = self.report
        if not r:
            return []
        head = ["", r.get("metric_name", "metric"), "layers", "parameters", "size MB", "sentences/s"]
        body = []
        for label, key in (("Teacher", "teacher"), ("Student before", "student_before"), ("Student after", "student_after")):  # fmt: skip
            fig = r.get(key) or {}
            body.append([label] + [
                "" if fig.get(k) is None else (f"{fig[k]:.4f}" if k == "metric" else f"{fig[k]:,}" if k == "parameters" else str(fig[k]))
                for k in ("metric", "layers", "parameters", "size_mb", "sps")
            ])  # fmt: skip
        return [head, *body]

    @property
    def verdict(self) -> str:
        return self.report.get("verdict", "") if self.report else ""
