"""Following a run through its folder: the events a run appends to ``events.jsonl`` become the Session's run
traits, whichever process writes them (a worker started by this page, a run started by another page that this
page attached to after a reload, or ``workbench train`` in a terminal).

:class:`RunFollower` is a daemon thread. It replays the folder's events from the start (so the plot shows the
whole run, earlier attempts included), then keeps reading what is appended until the run ends. A run whose
process is gone without an ending (killed, machine restarted) ends as an error that says so and that it can be
resumed; a worker that exits before writing any run events ends as an error with its last ``error:`` lines.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine import (
    DIED,
    BaselineEvent,
    ErrorEvent,
    EventFollower,
    FinalEvent,
    RunStatus,
    SavedEvent,
    StatusEvent,
    read_json,
    read_run,
    worker_failure,
)

if TYPE_CHECKING:
    from .bridge import SessionBridge

POLL_S = 0.3  # how often the folder is read
ALIVE_S = 2.0  # how often the run's process is checked


class RunFollower(threading.Thread):
    """Feeds a run folder's events to a Session's bridge until the run ends (or :meth:`cancel`).

    Args:
        run_dir: The run's folder.
        bridge: The SessionBridge the events go to.
        proc: The worker this page started for the run (its exit is noticed at once), or None.
        replay: Read the folder's earlier events too (False: only what is appended from now on).
    """

    def __init__(self, run_dir: str | Path, bridge: SessionBridge, proc=None, replay: bool = True):
        super().__init__(name="workbench-follow", daemon=True)
        self.run_dir = Path(run_dir)
        self.bridge = bridge
        self.proc = proc
        self.events = EventFollower(run_dir)
        if not replay:
            self.events.poll()
        self.ended = threading.Event()
        self._cancel = threading.Event()
        self._last_check = time.monotonic()

    def cancel(self) -> None:
        """Stop following (the run itself goes on)."""
        self._cancel.set()

    def run(self) -> None:
        try:
            while not self._cancel.is_set():
                if self._feed():
                    return
                state = self._check()
                if state is not None:
                    if not self._feed():  # what it wrote just before it went
                        self._end_as_lost() if state == "lost" else self._end_from_summary()
                    return
                self._cancel.wait(POLL_S)
        finally:
            self.ended.set()

    def _feed(self) -> bool:
        """Hand over new events; True once the run's last status was among them."""
        session = self.bridge.session
        batch = self.events.poll()
        if not batch:
            return False
        done = False
        with session.hold_trait_notifications():
            for event in batch:
                if isinstance(event, StatusEvent) and event.status.ended:
                    done = True
                elif isinstance(event, StatusEvent):
                    done = False  # a resumed attempt follows an ended one in the same file
                self.bridge.handle(event)
        if done and not self._more_coming():
            self.ended.set()
            return True
        return False

    def _more_coming(self) -> bool:
        """After an ending status: whether a newer attempt (a resume) is already under way in the folder."""
        info = read_run(self.run_dir)
        return info is not None and info.active

    def _check(self) -> str | None:
        """``"lost"`` once the process writing the run is gone, ``"ended"`` when the folder says the run is over
        (an older run with no events of its own), else None (checked every ALIVE_S)."""
        if self.proc is not None and self.proc.poll() is not None:
            return "lost"
        now = time.monotonic()
        if now - self._last_check < ALIVE_S:
            return None
        self._last_check = now
        info = read_run(self.run_dir)
        if info is None or info.active:
            return None
        return "lost" if info.died else "ended"

    def _end_from_summary(self) -> None:
        """Show an ended run whose folder has no events: its summary's metrics and model, and its status."""
        info = read_run(self.run_dir)
        summary = read_json(self.run_dir / "summary.json")
        if summary.get("baseline"):
            self.bridge.handle(
                BaselineEvent(metrics=summary["baseline"], primary=summary.get("primary_metrics") or {})
            )
        if summary.get("model_path"):
            self.bridge.handle(SavedEvent(str(summary["model_path"])))
        if summary.get("final"):
            self.bridge.handle(FinalEvent(metrics=summary["final"]))
        if info is not None and info.error:
            self.bridge.handle(ErrorEvent(info.error, kind="RunError"))
        status = RunStatus(info.status) if info is not None else RunStatus.ERROR
        self.bridge.handle(StatusEvent(status))

    def _end_as_lost(self) -> None:
        info = read_run(self.run_dir)
        said = worker_failure(self.run_dir) if self.proc is not None else ""
        if said:
            text = f"The run's worker process ended: {said}"
        else:
            text = DIED[0].upper() + DIED[1:] + "."
        if info is not None and info.checkpoint_step is not None:
            text += f" It can resume from step {info.checkpoint_step}."
        self.bridge.handle(ErrorEvent(text, kind="RunLost"))
        self.bridge.handle(StatusEvent(RunStatus.ERROR))
