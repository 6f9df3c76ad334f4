"""The run folder is the truth: what a run writes so that any page, the CLI or another process can follow it.

A run writes into its output folder (``runs/<id>/``):

- ``events.jsonl``: every event of the run (:mod:`.events`), one JSON line each, with the time it was written;
- ``status.json``: where it stands (status, pid, host, backend, started / ended, heartbeat, step / max_steps),
  rewritten atomically at every status change, at progress and every few seconds (the heartbeat);
- ``STOP``: a stop request (any process may write it, :func:`request_stop`; the run checks it at every step end).

:class:`RunFolder` is the listener that writes the first two; both backends (the Runner in a kernel's thread, and
``workbench train`` in a worker process) use it, so a page attaches to either in the same way. Reading a run back
(:func:`read_status`, :class:`EventFollower`) needs no torch.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

from .events import ProgressEvent, RunEvent, RunListener, RunStatus, StatusEvent, from_json_line, to_json_line

EVENTS = "events.jsonl"
STATUS = "status.json"
STOP = "STOP"
WORKER_LOG = "worker.log"
HEARTBEAT_S = 5.0  # how often a live run rewrites status.json when nothing else happens
STALE_S = 60.0  # a run on another host whose heartbeat is older than this is taken for dead
_PROGRESS_WRITE_S = 1.0  # progress rewrites status.json at most this often


def request_stop(run_dir: str | Path) -> Path:
    """Ask the run in ``run_dir`` to stop after its current step (it saves its model and a checkpoint)."""
    path = Path(run_dir) / STOP
    path.write_text(f"{time.time():.3f}\n", encoding="utf8")
    return path


def stop_requested(run_dir: str | Path, since: float | None = None) -> bool:
    """Whether a stop was asked for the run in ``run_dir`` (with ``since``: at or after that Unix time; a request
    left over from an earlier attempt in the same folder is not one for this attempt)."""
    try:
        asked = (Path(run_dir) / STOP).stat().st_mtime
    except OSError:
        return False
    return since is None or asked >= since


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` as JSON so that a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf8")
    os.replace(tmp, path)


def read_json(path: str | Path) -> dict:
    """A run folder's JSON file as a dict ({} when it is missing, torn or not an object)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_status(run_dir: str | Path) -> dict:
    """The run's ``status.json`` ({} when there is none or it cannot be read)."""
    return read_json(Path(run_dir) / STATUS)


def process_started(pid: int) -> int | None:
    """When a process started (clock ticks since boot, from /proc): with the pid, it names one process for good
    (a pid is reused after a restart)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def process_alive(status: dict) -> bool:
    """Whether the process a ``status.json`` names still runs: by its pid on this host, by its heartbeat elsewhere."""
    pid = status.get("pid")
    if status.get("host") == socket.gethostname() and isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # it exists, as another user's process
        started = status.get("pid_started")
        if started is not None and process_started(pid) not in (None, started):
            return False  # the pid now belongs to another process (the machine restarted)
        return not _zombie(pid)
    beat = status.get("heartbeat")
    return isinstance(beat, (int, float)) and time.time() - beat < STALE_S


def _zombie(pid: int) -> bool:
    """A child that exited but was not reaped yet still answers kill(pid, 0)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


class RunFolder(RunListener):
    """Writes a run's ``events.jsonl`` and ``status.json`` (the listener both backends give their Runner).

    Args:
        run_dir: The run's output folder (created if missing).
        backend: ``"thread"`` (a kernel's Runner) or ``"process"`` (``workbench train``), recorded in status.json.
        resume: The run continues an earlier one in this folder: its events are appended to, and it keeps its
            ``started`` time.
        extra: More to record in status.json (a launched run's ``world_size`` and ``launcher``).
    """

    def __init__(
        self, run_dir: str | Path, backend: str = "thread", resume: bool = False, extra: dict | None = None
    ):
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        earlier = read_status(self.dir) if resume else {}
        now = time.time()
        self.status = {
            "status": RunStatus.LOADING.value,
            "pid": os.getpid(),
            "pid_started": process_started(os.getpid()),
            "host": socket.gethostname(),
            "backend": backend,
            "started": earlier.get("started", now),
            "resumed": now if resume else None,
            "ended": None,
            "heartbeat": now,
            "step": earlier.get("step", 0),
            "max_steps": earlier.get("max_steps"),
            **(extra or {}),
        }
        self._lock = threading.Lock()
        self._events = open(self.dir / EVENTS, "a" if resume else "w", encoding="utf8")  # noqa: SIM115
        self._last_write = 0.0
        self._closed = threading.Event()
        self._write_status()
        self._write_event(StatusEvent(RunStatus.LOADING))
        self._beat = threading.Thread(target=self._heartbeat, name="workbench-heartbeat", daemon=True)
        self._beat.start()

    # ---- listener ----

    def handle(self, event: RunEvent) -> None:
        # status.json first: a reader that sees an ending in events.jsonl finds status.json already ended.
        super().handle(event)
        self._write_event(event)

    def on_status(self, event: StatusEvent) -> None:
        with self._lock:
            self.status["status"] = event.status.value
            if event.status.ended:
                self.status["ended"] = time.time()
        self._write_status()

    def on_progress(self, event: ProgressEvent) -> None:
        with self._lock:
            self.status["step"], self.status["max_steps"] = event.step, event.max_steps
        if time.monotonic() - self._last_write >= _PROGRESS_WRITE_S:
            self._write_status()

    # ---- writing ----

    def _write_event(self, event: RunEvent) -> None:
        with self._lock:
            if self._events is not None:
                self._events.write(to_json_line(event, time=round(time.time(), 3)) + "\n")
                self._events.flush()

    def _write_status(self) -> None:
        with self._lock:
            self.status["heartbeat"] = time.time()
            self._last_write = time.monotonic()
            try:
                write_json_atomic(self.dir / STATUS, self.status)
            except OSError:
                pass  # the folder went away (removed by hand): the run itself goes on

    def _heartbeat(self) -> None:
        while not self._closed.wait(HEARTBEAT_S):
            self._write_status()

    def close(self) -> None:
        """Stop the heartbeat, write the last status and close ``events.jsonl`` (the run has ended)."""
        self._closed.set()
        self._write_status()
        with self._lock:
            if self._events is not None:
                self._events.close()
                self._events = None


class EventFollower:
    """Reads the events a run appends to its ``events.jsonl``, from the start, a complete line at a time.

    Args:
        run_dir: The run's folder.
    """

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / EVENTS
        self.offset = 0
        self._inode = None

    def poll(self) -> list[RunEvent]:
        """The events written since the last call (a rewritten file is read again from its start)."""
        try:
            stat = self.path.stat()
        except OSError:
            return []
        if stat.st_ino != self._inode or stat.st_size < self.offset:  # a fresh run replaced the file
            self._inode, self.offset = stat.st_ino, 0
        if stat.st_size == self.offset:
            return []
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1  # a line still being written is read next time
        self.offset += end
        events = []
        for line in chunk[:end].decode("utf8", errors="replace").splitlines():
            try:
                events.append(from_json_line(line))
            except (ValueError, TypeError, KeyError):
                continue  # a line from a newer version, or a torn write: skip it, keep following
        return events


def save_final(save, out: Path) -> Path:
    """Save the trained model as ``out/final`` whole, or not at all: ``save(folder)`` writes it into a hidden
    folder beside it, which is renamed once complete, so a full disk or a folder that became unwritable never
    leaves a half-written ``final/`` that would be taken for a model (an earlier ``final/`` is replaced only by a
    complete one).

    Raises:
        WorkbenchError: the model could not be written (the reason, e.g. no space left on the device); nothing
            is left behind.
    """
    import shutil

    from ..errors import WorkbenchError

    final = Path(out) / "final"
    partial = Path(out) / f".final.{os.getpid()}.partial"
    old = Path(out) / f".final.{os.getpid()}.old"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        save(partial)
        if final.exists():
            os.replace(final, old)
        os.replace(partial, final)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if old.exists() and not final.exists():
            os.replace(old, final)  # the earlier model stays
        raise WorkbenchError(
            f"the trained model could not be saved to {final} ({exc.strerror or exc}); no model was written.",
            fix="free disk space or make the folder writable, then press Resume to continue from the last "
            "checkpoint (or start the run again).",
            where="output_dir",
        ) from exc
    shutil.rmtree(old, ignore_errors=True)
    return final
