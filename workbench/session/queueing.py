"""A run in the page's own kernel (the thread backend) takes its turn on the device like a worker does: in a served
app (``$WORKBENCH_MAX_RUNS``) it waits in the runs folder's queue (:mod:`workbench.engine.run_queue`) before it
starts, its place shown in the Session's ``queue`` and status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import RunStatus
from ..spec import RunSpec
from .paths import runs_dir

if TYPE_CHECKING:
    from .run_control import RunController


def take_turn(control: RunController, spec: RunSpec):
    """Wait in the device's queue (called in the launch thread): the admitted Ticket (leave it when the run ends),
    None when runs are not queued, False when Stop was pressed while it waited (the run is then ``stopped``)."""
    from ..engine.run_queue import queue_limit, wait_turn

    if queue_limit() is None:
        return None
    s = control.session

    def say(text: str) -> None:
        s.queue, s.status = text, RunStatus.QUEUED.value
        control.log_line(text)

    ticket = wait_turn(spec.output_dir, runs_dir(), lambda: control.stop_requested, say=say)
    if ticket is None:
        control.log_line("Stopped before it started: it left the queue; nothing was trained.")
        s.status = RunStatus.STOPPED.value
        return False
    s.queue = ""
    return ticket
