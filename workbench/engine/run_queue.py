"""A queue of runs per device, kept in the runs folder: a served app's pages take turns on the GPU (or the CPU).

A run that may have to wait (``$WORKBENCH_MAX_RUNS`` set: ``workbench app`` sets it for its pages) takes a
*ticket*, a small JSON file ``runs/.queue/<device>/<time>-<pid>.json`` naming its run folder and its process;
tickets are served in the order of their names (the time they were taken). A ticket is *admitted* when every
ticket before it is admitted and the device's limit leaves room for it; the run then starts, and drops its ticket
when it ends. A run takes one place; a launched run (several processes) is one run too, and on GPUs it takes one
place per GPU process, so no other run is pinned to a GPU it trains on. The decision is taken under an exclusive lock on ``runs/.queue/<device>/.lock``, so two pages pressing
Start at once never both pass. A ticket whose process is gone (a worker killed, a machine restarted) or whose run
has ended is stale and removed by whoever reads the queue next.

While it waits, the run's folder says so like every other state of a run: ``status.json`` reads ``queued`` with
``queue_ahead`` (runs that must end first), and ``events.jsonl`` gets a ``queued`` status and a note at every
change of place, so any page that follows the folder shows "queued: 1 run ahead of you". A Stop (the folder's
STOP file) while queued leaves the queue: the run ends ``stopped`` with nothing trained. Nothing here imports
torch: the GPUs are counted from the driver's ``/proc`` entries, so a run can be pinned to its GPU
(``CUDA_VISIBLE_DEVICES``) before torch starts.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from .events import NoteEvent, RunStatus, StatusEvent, to_json_line
from .run_folder import (
    EVENTS,
    STATUS,
    process_alive,
    process_started,
    read_json,
    read_status,
    write_json_atomic,
)

MAX_RUNS_ENV = "WORKBENCH_MAX_RUNS"  # runs at once per device: a number, or "auto" (one per GPU, one on CPU)
QUEUE = ".queue"
POLL_S = 1.0


def visible_gpus(env: dict | None = None) -> list[str]:
    """The GPUs a run may use, without importing torch: ``CUDA_VISIBLE_DEVICES`` when set, else the NVIDIA
    driver's ``/proc/driver/nvidia/gpus`` entries (numbered 0..n-1)."""
    env = os.environ if env is None else env
    given = env.get("CUDA_VISIBLE_DEVICES")
    if given is not None:
        return [g.strip() for g in given.split(",") if g.strip() and g.strip() != "-1"]
    with contextlib.suppress(OSError):
        return [str(i) for i in range(len(list(Path("/proc/driver/nvidia/gpus").iterdir())))]
    return []


def queue_limit(env: dict | None = None) -> int | None:
    """Runs at once per device (``$WORKBENCH_MAX_RUNS``: a number, or ``auto``: one per GPU, one on CPU); None
    when runs are not queued (a notebook, a terminal)."""
    env = os.environ if env is None else env
    given = str(env.get(MAX_RUNS_ENV, "")).strip().lower()
    if not given:
        return None
    if given.isdigit() and int(given) > 0:
        return int(given)
    return max(1, len(visible_gpus(env)))


def _live(ticket: dict) -> bool:
    """Whether a ticket's run still waits or runs (its process alive, its run not ended)."""
    status = read_status(ticket.get("run_dir", ""))
    ended = status.get("ended")
    if (
        status.get("status") in {s.value for s in RunStatus if s.ended}
        and (not isinstance(ended, (int, float)) or ended >= ticket.get("taken", 0))
    ):  # ended since the ticket was taken (an earlier attempt's ending, before a resume queued, does not count)
        return False
    if ticket.get("host") == socket.gethostname():
        return process_alive({**ticket, "heartbeat": None})
    return process_alive(status)


def _gpus_held(ticket: dict) -> list[str]:
    held = ticket.get("gpus")
    if isinstance(held, list):
        return [str(g) for g in held]
    return [] if ticket.get("gpu") is None else [str(ticket["gpu"])]


def _slots(ticket: dict) -> int:
    slots = ticket.get("slots", 1)
    return slots if isinstance(slots, int) and slots > 0 else 1


class Ticket:
    """One run's place in its device's queue (see the module's text).

    Args:
        run_dir: The run's folder.
        root: The runs root (``runs/.queue`` is under it).
        limit: Runs at once on the device.
        env: Where to read the visible GPUs from (default: this process's environment).
        slots: The places the run takes on the device: 1 for a run in one process; a launched run on GPUs takes
            one per GPU process (at most ``limit``), so that no other run is pinned to a GPU it trains on.
        device: ``"cpu"`` for a run that trains on the CPU where GPUs are visible (a launched ``--cpu`` run);
            default: the GPUs when any are visible, else the CPU.
    """

    def __init__(
        self,
        run_dir: str | Path,
        root: str | Path,
        limit: int,
        env: dict | None = None,
        slots: int = 1,
        device: str | None = None,
    ):
        self.run_dir = Path(run_dir)
        self.limit = limit
        self.slots = max(1, min(int(slots), limit))
        self.gpus = [] if device == "cpu" else visible_gpus(env)
        self.folder = Path(root) / QUEUE / ("gpu" if self.gpus else "cpu")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / f"{time.time_ns():020d}-{os.getpid()}.json"
        self.data = {
            "run_dir": str(self.run_dir.resolve()),
            "pid": os.getpid(),
            "pid_started": process_started(os.getpid()),
            "host": socket.gethostname(),
            "taken": time.time(),
            "admitted": False,
            "slots": self.slots,
            "gpu": None,
            "gpus": [],
        }
        write_json_atomic(self.path, self.data)

    @contextlib.contextmanager
    def _locked(self):
        import fcntl

        with open(self.folder / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def tickets(self) -> list[tuple[Path, dict]]:
        """The queue's live tickets in order; stale ones are removed on the way."""
        found = []
        for path in sorted(self.folder.glob("*.json")):
            data = self.data if path == self.path else read_json(path)
            if path == self.path or (data and _live(data)):
                found.append((path, data))
            else:
                path.unlink(missing_ok=True)
        return found

    def try_admit(self) -> int:
        """0 when the run may start now (the ticket is then admitted); else how many runs must end first."""
        with self._locked():
            queue = self.tickets()
            mine = next(i for i, (path, _) in enumerate(queue) if path == self.path)
            running = [data for _, data in queue if data.get("admitted")]
            waiting_before = [data for _, data in queue[:mine] if not data.get("admitted")]
            if not waiting_before and sum(map(_slots, running)) + self.slots <= self.limit:
                taken = {g for data in running for g in _gpus_held(data)}
                free = [g for g in self.gpus if g not in taken]
                held = (
                    free[: self.slots] if len(free) >= self.slots else []
                )  # more runs than GPUs: not pinned
                self.data.update(gpus=held, gpu=held[0] if held else None, admitted=True)
                write_json_atomic(self.path, self.data)
                return 0
            return max(1, len(running) + len(waiting_before) - self.limit + 1)

    def leave(self) -> None:
        """Give the place up (the run ended, or was stopped while it waited)."""
        self.path.unlink(missing_ok=True)


def _write_queued(run_dir: Path, ahead: int, first: bool) -> None:
    status = read_status(run_dir)
    status.update(status="queued", queue_ahead=ahead, heartbeat=time.time(), pid=os.getpid())
    status["pid_started"] = process_started(os.getpid())
    write_json_atomic(run_dir / STATUS, status)
    lines = [StatusEvent(RunStatus.QUEUED)] if first else []
    lines.append(NoteEvent(queued_text(ahead)))
    with open(run_dir / EVENTS, "a", encoding="utf8") as events:
        for event in lines:
            events.write(to_json_line(event, time=round(time.time(), 3)) + "\n")


def queued_text(ahead: int) -> str:
    """The status a waiting run shows, e.g. ``"queued: 1 run ahead of you"``."""
    return f"queued: {ahead} run{'' if ahead == 1 else 's'} ahead of you; it starts when the device frees"


def end_unstarted(run_dir: str | Path) -> None:
    """A queued run stopped before it started: it ends ``stopped`` (nothing trained, no model)."""
    folder = Path(run_dir)
    status = read_status(folder)
    status.update(status="stopped", ended=time.time(), heartbeat=time.time(), queue_ahead=None)
    write_json_atomic(folder / STATUS, status)
    with open(folder / EVENTS, "a", encoding="utf8") as events:
        note = NoteEvent("stopped before it started: it left the queue; nothing was trained")
        for event in (note, StatusEvent(RunStatus.STOPPED)):
            events.write(to_json_line(event, time=round(time.time(), 3)) + "\n")


def wait_turn(
    run_dir: str | Path,
    root: str | Path,
    stopped: Callable[[], bool],
    limit: int | None = None,
    say: Callable[[str], None] | None = None,
    poll: float = POLL_S,
    slots: int = 1,
    device: str | None = None,
) -> Ticket | None:
    """Wait in the device's queue until the run may start (runs queue only when ``$WORKBENCH_MAX_RUNS`` is set).

    Args:
        run_dir: The run's folder (it says "queued" there while it waits).
        root: The runs root holding the queue.
        stopped: Whether a Stop was asked (checked at every poll).
        limit: Runs at once (default: :func:`queue_limit`).
        say: Called with each new place in words (a terminal's log line).
        slots: The places the run takes (see :class:`Ticket`: a launched run on GPUs, one per process).
        device: ``"cpu"`` to queue on the CPU where GPUs are visible (see :class:`Ticket`).

    Returns:
        The admitted Ticket (:meth:`Ticket.leave` it when the run ends; its ``data["gpus"]`` are the GPUs it got,
        ``data["gpu"]`` the first),
        None when the run was stopped while it waited (its folder then says so), or when nothing is queued.
    """
    limit = queue_limit() if limit is None else limit
    if limit is None:
        return None
    folder = Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    ticket = Ticket(folder, root, limit, slots=slots, device=device)
    last = None
    try:
        while True:
            ahead = ticket.try_admit()
            if ahead == 0:
                if last is not None:
                    status = read_status(folder)
                    status.update(status="loading", queue_ahead=None, heartbeat=time.time())
                    write_json_atomic(folder / STATUS, status)
                return ticket
            if stopped():
                ticket.leave()
                end_unstarted(folder)
                return None
            if ahead != last:
                _write_queued(folder, ahead, first=last is None)
                if say:
                    say(queued_text(ahead))
                last = ahead
            else:  # the heartbeat: a page reading status.json sees a live process
                status = read_status(folder)
                status["heartbeat"] = time.time()
                write_json_atomic(folder / STATUS, status)
            time.sleep(poll)
    except BaseException as exc:
        ticket.leave()
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C in a terminal while it waited: as a Stop
            end_unstarted(folder)
        raise


def queue_state(root: str | Path) -> dict[str, list[dict]]:
    """The live tickets of each device's queue under ``root`` (for a person or a test to read)."""
    out = {}
    for folder in sorted((Path(root) / QUEUE).glob("*")):
        if folder.is_dir():
            tickets = (read_json(p) for p in sorted(folder.glob("*.json")))
            out[folder.name] = [t for t in tickets if t and _live(t)]
    return out
