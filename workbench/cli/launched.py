"""``workbench train CONFIG --launcher accelerate [--num-processes N] [--config-file FILE] [--cpu]``.

This process is the run's parent: it checks the flags and the config (a bad one exits 2 before anything starts),
writes the resolved RunSpec once into the run folder (``rank_config.json``) and starts the launcher
(:func:`workbench.engine.launch.launch_command`) in a session of its own, so a Ctrl-C in the terminal reaches
only this process: it then writes the STOP file, which every rank honours at the same step (the model and a
checkpoint are saved); a second Ctrl-C ends the launcher. Each rank is ``workbench train RANK_CONFIG --launched``;
the main one writes the run folder. When the launcher has ended, this process checks the run's outcome and its
world size, marks a run whose processes died before they could say so as failed, and prints the summary table.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from ..errors import WorkbenchError
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, report_error


def launch_of(args):
    """The Launch the flags ask for (resolved and checked), or None without ``--launcher``.

    Raises:
        WorkbenchError: a launch flag without ``--launcher``, or a launch that cannot run here.
    """
    from ..engine.launch import Launch, check_launch

    launcher = getattr(args, "launcher", None)
    flags = {
        "--num-processes": getattr(args, "num_processes", None) is not None,
        "--config-file": bool(getattr(args, "config_file", None)),
        "--cpu": bool(getattr(args, "cpu", False)),
    }
    if not launcher:
        given = [flag for flag, on in flags.items() if on]
        if given:
            raise WorkbenchError(
                f"{', '.join(given)} only applies to a launched run.",
                fix=f"add --launcher accelerate, e.g. `workbench train CONFIG --launcher accelerate {given[0]} ...`.",
                where="launcher",
            )
        return None
    if args.cpu and args.config_file:
        raise WorkbenchError(
            "--cpu and --config-file both say where to run.",
            fix="use --cpu (several processes on this machine's CPU) or --config-file FILE, not both.",
            where="launcher",
        )
    return check_launch(Launch(launcher, args.num_processes, args.config_file, bool(args.cpu)))


def train_launched(args, spec, launch, view) -> int:
    """Run ``spec`` under ``launch`` to the end; the exit code (0, 1 failed, 2 bad input, 130 interrupted)."""
    from ..engine import ATTEMPT_ENV, read_status, write_json_atomic
    from ..engine.launch import RANK_CONFIG, launch_command, launch_env
    from ..engine.run_folder import STATUS, process_started

    out = Path(spec.output_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    rank_config = out / RANK_CONFIG
    tmp = out / f".{RANK_CONFIG}.tmp"
    tmp.write_text(spec.to_json(), encoding="utf8")
    os.replace(tmp, rank_config)  # every rank reads the same, whole file
    env = launch_env(launch)
    # A Stop from now on counts (a worker an app started got this earlier, from the app).
    env.setdefault(ATTEMPT_ENV, f"{time.time():.3f}")
    earlier, now = read_status(out), time.time()
    resumed = spec.resume_from_checkpoint not in (None, False) or bool(getattr(args, "resume", False))
    write_json_atomic(  # listed (and followed) from now, before the ranks have started Python
        out / STATUS,
        {
            **earlier,
            "status": "loading",
            "pid": os.getpid(),
            "pid_started": process_started(os.getpid()),
            "host": socket.gethostname(),
            "backend": "process",
            # A resumed run keeps its start; so does a fresh one whose first status an app's worker just wrote.
            "started": earlier.get("started", now) if resumed or earlier.get("status") == "loading" else now,
            "resumed": now if resumed else None,
            "ended": None,
            "heartbeat": now,
            "step": earlier.get("step", 0) if resumed else 0,
            "max_steps": earlier.get("max_steps") if resumed else None,
            "world_size": launch.num_processes,
            "launcher": launch.to_dict(),
        },
    )
    cmd = launch_command(launch, rank_config)
    view.say(f"launching {launch.describe()}: {' '.join(cmd)}")
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, start_new_session=True)  # noqa: S603
    interrupted = _wait(proc, out, view)
    return _outcome(out, launch, proc.returncode, interrupted)


def _wait(proc, out: Path, view) -> bool:
    """Wait for the launcher; a Ctrl-C asks every rank to stop (True), a second one ends the launcher."""
    from ..engine import request_stop
    from ..session import STOPPING

    interrupted = False
    while True:
        try:
            proc.wait()
            return interrupted
        except KeyboardInterrupt:
            if interrupted:
                view.say("quit without saving: ending the launcher.")
                _kill(proc)
                continue
            interrupted = True
            view.say(f"{STOPPING} (every process; press Ctrl-C again to quit at once) ...")
            request_stop(out)


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def _outcome(out: Path, launch, returncode: int, interrupted: bool) -> int:
    from ..engine import read_items, read_json, read_status
    from .train import summary_table

    status, summary = read_status(out), read_json(out / "summary.json")
    ended = status.get("ended") is not None and status.get("status") not in (
        "loading",
        "baseline",
        "training",
    )
    if not ended or not summary:
        message = (
            f"the launcher ended (exit code {returncode}) before the main process finished the run: a process "
            "died or could not start."
        )
        _mark_failed(out, message)
        report_error(
            message, fix="read the output above (or worker.log in the run folder) for the first error."
        )
        return EXIT_FAILED
    if summary.get("status") == "error":
        report_error(
            f"the run failed: {summary.get('error') or 'see the output above'}",
            fix="read the error and fix lines above (or worker.log and error.log in the run folder).",
        )
        return EXIT_BAD_INPUT if _bad_input(out) else EXIT_FAILED
    world = summary.get("world_size")
    if world != launch.num_processes:
        report_error(
            f"the run asked for {launch.num_processes} processes but trained with {world}.",
            fix="check the launcher's settings (--num-processes, the accelerate config file).",
        )
        return EXIT_FAILED
    print(summary_table(summary, read_items(out)))
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _bad_input(out: Path) -> bool:
    """Whether the run's error was a configuration error (a WorkbenchError: exit 2) rather than a failure."""
    from ..engine import ErrorEvent, EventFollower

    errors = [e for e in EventFollower(out).poll() if isinstance(e, ErrorEvent)]
    return bool(errors) and errors[-1].kind == "WorkbenchError"


def _mark_failed(out: Path, message: str) -> None:
    """A run whose processes all ended without saying so: status.json and events.jsonl say it failed."""
    from ..engine import ErrorEvent, RunStatus, StatusEvent, read_status, to_json_line, write_json_atomic
    from ..engine.run_folder import EVENTS, STATUS

    now = round(time.time(), 3)
    write_json_atomic(out / STATUS, {**read_status(out), "status": "error", "ended": now, "heartbeat": now})
    with open(out / EVENTS, "a", encoding="utf8") as events:
        events.write(to_json_line(ErrorEvent(message), time=now) + "\n")
        events.write(to_json_line(StatusEvent(RunStatus.ERROR), time=now) + "\n")
