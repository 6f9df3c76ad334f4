"""Starting, stopping and following a Session's run: the bridge between the Session and the Runner.

:class:`RunController` is one of the objects a :class:`~workbench.session.Session` is composed of: it is given
the Session in ``__init__`` and holds the run's own state (the Runner, the thread that launches it, whether a
stop was asked). It writes the Session's run traits (``status``, ``progress``, ``history``, ``baseline``,
``final``, ``primary``, ``saved_path``, ``error``, ``log``) and reads its configuration. :class:`SessionBridge`
is the Runner's listener: it runs in the worker thread and only ever assigns run traits, replacing container
values, because traitlets only notices assignment.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from .. import catalog as C
from .. import rules
from ..engine import (
    BaselineEvent,
    ErrorEvent,
    EvalEvent,
    FinalEvent,
    LogEvent,
    NoteEvent,
    ProgressEvent,
    RunEvent,
    RunListener,
    RunStatus,
    SavedEvent,
    StatusEvent,
    event_from_dict,
)
from ..errors import WorkbenchError
from ..spec import RunSpec
from .heavy import warm_up
from .paths import new_output_dir
from .validity import check_fields
from .wording import ACTIVE, ENDED, STOPPED_EARLY, STOPPING, describe, error_text, sentence

if TYPE_CHECKING:
    from .state import Session

_LOG_LINES = 200


def _metrics_line(metrics: dict) -> str:
    return (
        ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float))) or "(no metrics)"
    )


class RunController:
    """A Session's run: the pre-run check, Start/Stop/wait, the log, and the Runner's events.

    Args:
        session: The Session whose configuration is run and whose run traits this controller writes.
    """

    def __init__(self, session: Session):
        self.session = session
        self.runner = None
        self.launcher: threading.Thread | None = None
        self.stop_requested = False

    @property
    def running(self) -> bool:
        return self.session.status in ACTIVE

    def check(self) -> RunSpec:
        """The RunSpec to run, after the checks that need no model (raises WorkbenchError with ``where``)."""
        s = self.session
        check_fields(s)  # a value a field shows as invalid never reaches a run
        spec = s.to_spec()
        if not spec.train:
            raise WorkbenchError(
                "there is no train dataset.", fix="add one in the Data tab.", where="datasets.train"
            )
        for entry in s.entries("train"):
            try:
                shape = s.shape(entry.key)
            except WorkbenchError as exc:
                raise WorkbenchError(exc.message, exc.fix, where=f"datasets.{entry.key}.columns") from None
            choice = s.loss_for(entry.name)
            if shape is None or choice.name == "auto":
                continue
            verdict = next((v for v in s.verdicts(entry.name) if v.name == choice.name), None)
            if verdict is None:
                C.get_loss(choice.name, s.model_type)  # raises "a cross-encoder loss ..." etc.
            elif not verdict.compatible:  # the run's own refusal: its reason, its fixes, the losses that fit
                raise rules.refusal(verdict.loss, verdict, entry.key, shape, s.model_type)
        return spec

    def start(self):
        """Start a run of the current configuration in the background.

        Returns:
            The Runner.

        Raises:
            WorkbenchError: a run is active, or the configuration cannot run (nothing is started then).
        """
        from ..engine import Runner

        s = self.session
        if self.running:
            raise WorkbenchError("a run is already going.", fix="wait for it to end, or press Stop.")
        if s.auto_output:
            s.output_dir = new_output_dir()
        spec = self.check()
        with s.hold_trait_notifications():
            s.history, s.log, s.progress = (), (), {}
            s.baseline, s.final, s.primary = {}, {}, {}
            s.saved_path, s.error = "", ""
            # The configuration passed every check: earlier messages about it are out of date (the Data panel's
            # are about files added or not, and stay).
            s.errors = {k: v for k, v in s.errors.items() if k == "dataset"}
            s.status = RunStatus.LOADING.value
        runner = self.runner = Runner(spec, listeners=[SessionBridge(s)])
        self.stop_requested = False
        self.log_line(f"Starting: the model will be saved in {spec.output_dir}")

        def launch():
            warm_up()  # waits for an import that is under way in another thread
            if self.stop_requested:
                self.log_line(STOPPED_EARLY)
                s.status = RunStatus.STOPPED.value
                return
            runner.start()

        self.launcher = threading.Thread(target=launch, name="workbench-launch", daemon=True)
        self.launcher.start()
        return runner

    def stop(self) -> None:
        """Ask the run to stop after the current step; the model trained so far is saved."""
        if self.runner is not None and self.running:
            self.stop_requested = True
            self.runner.stop()
            self.log_line(sentence(STOPPING) + "…")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; True when it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.launcher is not None:
            self.launcher.join(timeout)
            if self.launcher.is_alive():
                return False
        if self.runner is None:
            return True
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        return self.runner.wait(left) if self.runner.started else self.session.status in ENDED

    def log_line(self, line: str) -> None:
        s = self.session
        s.log = (s.log + (f"{time.strftime('%H:%M:%S')}  {line}",))[-_LOG_LINES:]

    def _on_event(self, event) -> None:
        """Apply one run event (a RunEvent, or its dict form) as the Runner's listener would, in this thread."""
        SessionBridge(self.session).handle(event if isinstance(event, RunEvent) else event_from_dict(event))


class SessionBridge(RunListener):
    """The Runner's listener for a Session: runs in the WORKER thread and only assigns the Session's run traits,
    replacing container values (traitlets only notices assignment)."""

    def __init__(self, session: Session):
        self.session = session

    def log_line(self, line: str) -> None:
        self.session.control.log_line(line)

    def on_status(self, event: StatusEvent) -> None:
        s, status = self.session, event.status
        if status is RunStatus.ERROR:
            s.error = s.error or describe(status)
            self.log_line(f"Error: {s.error}")
        elif status is RunStatus.STOPPED and not s.saved_path:
            self.log_line(STOPPED_EARLY)
        else:
            self.log_line(sentence(describe(status)))
        s.status = status.value

    def on_error(self, event: ErrorEvent) -> None:
        s = self.session
        if event.fixable:
            exc = WorkbenchError(event.message, event.fix, event.where)
            s.error = error_text(exc)
            s.report(exc, "train")
        else:
            s.error = event.message

    def on_progress(self, event: ProgressEvent) -> None:
        self.session.progress = event.to_dict()

    def on_log(self, event: LogEvent) -> None:
        s = self.session
        s.history = s.history + (event.to_dict(),)
        if "loss" in event.values:
            self.log_line(f"step {event.step}: training loss {event.values['loss']:.4g}")

    def on_eval(self, event: EvalEvent) -> None:
        s = self.session
        s.history = s.history + (event.to_dict(),)
        shown = {k: v for k, v in event.metrics.items() if isinstance(v, (int, float))}
        self.log_line(
            f"step {event.step}: "
            + ", ".join(
                f"{k} {v:.4g}" for k, v in shown.items() if not k.endswith(("_runtime", "per_second"))
            )
        )

    def on_baseline(self, event: BaselineEvent) -> None:
        s = self.session
        s.primary = dict(event.primary)
        s.baseline = dict(event.metrics)
        self.log_line("Before training: " + _metrics_line(s.baseline))

    def on_final(self, event: FinalEvent) -> None:
        s = self.session
        s.final = dict(event.metrics)
        self.log_line("After training: " + _metrics_line(s.final))

    def on_saved(self, event: SavedEvent) -> None:
        s = self.session
        s.saved_path = str(event.path)
        self.log_line(f"Model saved to {s.saved_path}")

    def on_note(self, event: NoteEvent) -> None:
        self.log_line(str(event.text))
