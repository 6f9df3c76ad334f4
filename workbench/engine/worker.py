"""The process backend: a run in a worker process (``workbench train`` on the run's config) that outlives the page.

:func:`start_worker` writes the run's ``config.json`` and a first ``status.json`` into its folder and starts
``python -m workbench.cli train`` on it in a session of its own (a kernel's shutdown or a page's close never
signals it), its output going to ``worker.log``. The page then follows the folder (:class:`.EventFollower`) like
any other run. Nothing here imports torch: a page kernel that only configures runs stays light.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from ..spec import RunSpec
from .launch import Launch
from .run_folder import STATUS, WORKER_LOG, process_started, read_status, write_json_atomic

ATTEMPT_ENV = "WORKBENCH_ATTEMPT_STARTED"  # when the page asked for this attempt (a Stop after it counts)


def worker_command(config: str | Path, resume: bool = False, launch: Launch | None = None) -> list[str]:
    """The command line of a worker running ``config`` (``--resume``: continue the run in its folder; ``launch``:
    in several processes, the worker being their parent)."""
    cmd = [sys.executable, "-m", "workbench.cli", "train", str(config)]
    if launch is not None:
        cmd += ["--launcher", launch.launcher]
        cmd += ["--num-processes", str(launch.num_processes)] if launch.num_processes else []
        cmd += ["--config-file", str(launch.config_file)] if launch.config_file else []
        cmd += ["--cpu"] if launch.cpu else []
    return [*cmd, "--resume"] if resume else cmd


def start_worker(
    spec: RunSpec, resume: bool = False, env: dict | None = None, launch: Launch | None = None
) -> subprocess.Popen:
    """Start ``spec`` in a worker process; its folder is ``spec.output_dir``.

    Args:
        spec: The run (already checked; its output_dir is the run folder). A resumed run's spec says where it
            resumes from (``resume_from_checkpoint``), so the worker runs it as it is.
        resume: This attempt continues the run in that folder: its log and its start time are kept.
        env: The worker's environment (default: this process's).
        launch: Run it in several processes (:mod:`.launch`); the worker is their parent and checks the result.

    Returns:
        The worker's Popen (poll it to reap it; the run goes on if this process ends).
    """
    out = Path(spec.output_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    config = out / "config.json"
    config.write_text(spec.to_json(), encoding="utf8")
    started = time.time()
    worker_env = dict(os.environ if env is None else env)
    worker_env[ATTEMPT_ENV] = f"{started:.3f}"
    worker_env.setdefault("TOKENIZERS_PARALLELISM", "false")
    with open(out / WORKER_LOG, "a" if resume else "w", encoding="utf8") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            worker_command(config, launch=launch),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=worker_env,
            start_new_session=True,
            cwd=str(Path.cwd()),
        )
    earlier = read_status(out) if resume else {}
    # The first status.json: the run is listed (and followed) from this moment, before the worker has started
    # Python; the worker's own RunFolder takes over once it has built the run.
    write_json_atomic(
        out / STATUS,
        {
            "status": "loading",
            "pid": proc.pid,
            "pid_started": process_started(proc.pid),
            "host": socket.gethostname(),
            "backend": "process",
            "started": earlier.get("started", started),
            "resumed": started if resume else None,
            "ended": None,
            "heartbeat": started,
            "step": earlier.get("step", 0),
            "max_steps": earlier.get("max_steps"),
            "world_size": launch.num_processes if launch else 1,
            "launcher": launch.to_dict() if launch else None,
        },
    )
    return proc


def worker_failure(run_dir: str | Path) -> str:
    """What a worker that ended without a status of its own said last (its ``error:`` / ``fix:`` lines)."""
    try:
        lines = (Path(run_dir) / WORKER_LOG).read_text(encoding="utf8", errors="replace").splitlines()
    except OSError:
        return ""
    said = [line.strip() for line in lines if line.startswith(("error:", "fix:"))][-2:]
    if said:
        words = [line.split(":", 1)[1].strip() for line in said]
        return " ".join(w[:1].upper() + w[1:] for w in words)
    return next((line.strip() for line in reversed(lines) if line.strip()), "")
