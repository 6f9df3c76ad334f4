"""The run's listener for a Session: turns run events into the Session's run traits (from whichever thread
delivers them: the Runner's worker thread, or a :class:`.follow.RunFollower` reading a run folder). It only ever
assigns run traits, replacing container values, because traitlets only notices assignment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import (
    BaselineEvent,
    ErrorEvent,
    EvalEvent,
    FinalEvent,
    LogEvent,
    NoteEvent,
    ProgressEvent,
    RunListener,
    RunStatus,
    SavedEvent,
    StatusEvent,
)
from ..errors import WorkbenchError
from .wording import STOPPED_EARLY, describe, error_text, sentence

if TYPE_CHECKING:
    from .state import Session


def _metrics_line(metrics: dict) -> str:
    return (
        ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float))) or "(no metrics)"
    )


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
        if status is not RunStatus.QUEUED:
            s.queue = ""
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
        if str(event.text).startswith("queued:"):
            self.session.queue = str(event.text)
        self.log_line(str(event.text))
