"""Starting, stopping, resuming and attaching to a Session's run: the bridge between the Session and its run.

:class:`RunController` is one of the objects a :class:`~workbench.session.Session` is composed of: it is given
the Session in ``__init__`` and holds the run's own state (the Runner or the worker process, the thread that
launches or follows it, whether a stop was asked). It writes the Session's run traits (``status``, ``progress``,
``history``, ``baseline``, ``final``, ``primary``, ``saved_path``, ``error``, ``log``, ``run_dir``) and reads
its configuration. :class:`SessionBridge` is the run's listener: it runs in a worker thread and only ever assigns
run traits, replacing container values, because traitlets only notices assignment.

Two backends write the same run folder (the run folder is the truth): ``thread``, the Runner in this kernel (the
notebook default: the trained model stays in memory), and ``process``, ``workbench train`` in a worker process
(the served app's default: the run outlives the page and its kernel). A page follows a process run, or any run it
attaches to, through the folder (:class:`.follow.RunFollower`); Stop is a request file either backend honours.
The Session's ``run_on`` picks the backend, and for a process run whether it is launched in several processes (all
GPUs of this machine, an accelerate config file: :mod:`.launching`); a resumed run is launched as it ran.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import catalog as C
from .. import rules
from ..data.confine import confined, looks_like_path
from ..engine import (
    RunEvent,
    RunStatus,
    StatusEvent,
    event_from_dict,
)
from ..errors import WorkbenchError
from ..spec import RunSpec
from .attached import show_folder, show_settings_of
from .bridge import SessionBridge
from .follow import RunFollower
from .heavy import warm_up
from .launching import CONFIG_FILE, GPUS, KERNEL, PROCESS, launch_for
from .paths import fresh_folder_needed, new_output_dir, runs_dir
from .queueing import take_turn
from .validity import check_fields
from .wording import ACTIVE, ENDED, STOPPED_EARLY, STOPPING, sentence

if TYPE_CHECKING:
    from .state import Session

_LOG_LINES = 200


BACKENDS = ("thread", "process")
BACKEND_ENV = "WORKBENCH_BACKEND"  # the served app sets "process"


def default_backend() -> str:
    """``$WORKBENCH_BACKEND`` when it names a backend, else ``thread`` (a notebook keeps the model in memory)."""
    value = os.environ.get(BACKEND_ENV, "thread")
    return value if value in BACKENDS else "thread"


class RunController:
    """A Session's run: the pre-run check, Start/Stop/Resume/attach/wait, the log, and the run's events.

    Args:
        session: The Session whose configuration is run and whose run traits this controller writes.
        backend: ``thread`` or ``process`` (default: :func:`default_backend`); the Session's ``run_on`` follows it (a
            launched choice, ``gpus`` or ``config_file``, runs as ``process``).
    """

    def __init__(self, session: Session, backend: str | None = None):
        self.session = session
        if backend is not None or session.run_on == KERNEL:  # a Session(run_on=...) keeps its choice
            self.backend = backend or default_backend()
        self.launch = None  # the Launch of the run started or resumed here (None: one process)
        self.runner = None
        self.worker = None  # the worker process this page started (process backend)
        self.follower: RunFollower | None = None
        self.launcher: threading.Thread | None = None
        self.stop_requested = False

    @property
    def backend(self) -> str:
        """``thread`` when the Session runs in this kernel, else ``process`` (a worker, or a launched run)."""
        return "thread" if self.session.run_on == KERNEL else "process"

    @backend.setter
    def backend(self, value: str) -> None:
        if value not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {value!r}")
        if value != self.backend:
            self.session.run_on = KERNEL if value == "thread" else PROCESS

    @property
    def running(self) -> bool:
        return self.session.status in ACTIVE

    def check(self, overwrite: bool = False) -> RunSpec:
        """The RunSpec to run, after the checks that need no model (raises WorkbenchError with ``where``)."""
        s = self.session
        check_fields(s)  # a value a field shows as invalid never reaches a run
        spec = s.to_spec()
        if looks_like_path(spec.model.name_or_path):  # hosted: a model folder outside the data root
            confined(spec.model.name_or_path, "the model folder", where="model.name_or_path")
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
        self.launch = launch_for(s.run_on, s.launch_config)  # a choice that cannot run here blocks Start
        return self._check_folder(spec.replace(overwrite=True) if overwrite else spec)

    def _check_folder(self, spec: RunSpec) -> RunSpec:
        """The output folder can be written and holds no model a new run would overwrite unasked."""
        from ..engine import check_output_dir, held_models

        out = Path(spec.output_dir).expanduser()
        held = [] if spec.overwrite else held_models(out)
        if held:
            raise WorkbenchError(
                f"the output folder '{out}' already holds a trained model ({', '.join(held)}).",
                fix="tick 'New folder for every run', type another folder, or press 'Overwrite it' to replace "
                "that model.",
                where="output_dir",
            )
        check_output_dir(spec)
        return spec

    def start(self, overwrite: bool = False):
        """Start a run of the current configuration in the background.

        Args:
            overwrite: Replace the model a fixed output folder holds (the person confirmed it).

        Returns:
            The Runner (thread backend) or the worker's Popen (process backend).

        Raises:
            WorkbenchError: a run is active, or the configuration cannot run (nothing is started then).
        """
        s = self.session
        if self.running:
            raise WorkbenchError("a run is already going.", fix="wait for it to end, or press Stop.")
        if s.auto_output and fresh_folder_needed(s.output_dir):
            s.output_dir = (
                new_output_dir()
            )  # the one shown is taken: a run used it (or it is not a runs folder)
        spec = self.check(overwrite=overwrite)
        if (
            s.auto_output
        ):  # made only now (a refused Start leaves no folder), and never shared with another page
            try:
                Path(spec.output_dir).mkdir(parents=True)
            except FileExistsError:
                s.output_dir = new_output_dir(create=True)
                spec = spec.replace(output_dir=s.output_dir)
        self._reset(spec.output_dir)
        return self._launch(spec)

    def resume(self, run_dir: str | Path | None = None):
        """Continue a stopped or failed run in its own folder, from its newest checkpoint (a run stopped before
        training starts again there). The Session's configuration becomes the run's.

        Raises:
            WorkbenchError: a run is active, or the folder holds no run that can resume (with the reason).
        """
        from ..engine import read_run, resume_from
        from ..spec import load_config

        s = self.session
        if self.running:
            raise WorkbenchError("a run is already going.", fix="wait for it to end, or press Stop.")
        folder = Path(run_dir or s.run_dir or s.output_dir)
        info = read_run(folder)
        if info is None:
            raise WorkbenchError(f"'{folder}' holds no run to resume.", fix="pick a run in the runs list.")
        try:
            resume = resume_from(info)
            spec = load_config(folder / "config.json")
        except (ValueError, OSError) as exc:
            raise WorkbenchError(
                f"cannot resume: {exc}.", fix="press Start training for a new run."
            ) from None
        spec = spec.replace(output_dir=str(folder), resume_from_checkpoint=resume, overwrite=resume is None)
        s.apply_spec(spec.replace(resume_from_checkpoint=None, overwrite=False))
        s.load_all()  # the page shows the run's data (its top line said "loading…" for good without this)
        self.launch = self._launch_of(folder)
        show_folder(s, folder)
        self._reset(str(folder))
        self._replay(folder)  # the plot continues: the earlier attempt's curve first
        self.log_line(
            f"Resuming from step {info.checkpoint_step}" if resume else "Starting again in the same folder"
        )
        return self._launch(spec, resume=True)

    def attach(self, run_dir: str | Path) -> None:
        """Show a run of the runs folder (running or ended): its curve, status, results; Stop works on it."""
        if self.running:
            raise WorkbenchError(
                "a run is going in this page.", fix="stop it, or wait for it to end, before opening another."
            )
        self._cancel_follow()
        self._reset(str(run_dir))
        self.follower = RunFollower(run_dir, SessionBridge(self.session))
        self.follower.start()

    def attach_running(self, root: str | Path | None = None) -> str | None:
        """Attach to the newest run under way in the runs folder (after a reload); its folder, or None."""
        from ..engine import list_runs

        if self.running or self.follower is not None:
            return None
        live = next((r for r in list_runs(root or runs_dir()) if r.active), None)
        if live is None:
            return None
        shown = show_settings_of(self.session, live.path)  # the tabs show what the run trains, as Resume does
        self.attach(live.path)
        self.session.settings_of = str(live.path) if shown else ""
        return live.path

    def runs(self, root: str | Path | None = None) -> list:
        """The runs of the runs folder (RunInfo), newest first."""
        from ..engine import list_runs

        return list_runs(root or runs_dir())

    def info(self, run_dir: str | Path | None = None):
        """The RunInfo of a run folder (default: the run shown), or None."""
        from ..engine import read_run

        folder = run_dir or self.session.run_dir
        return read_run(folder) if folder else None

    def forget(self) -> None:
        """Show no run (the page starts over); every run stays in its folder."""
        self._cancel_follow()
        self._reset("")
        self.session.status = RunStatus.IDLE.value

    def summary(self) -> dict:
        """The shown run's summary.json ({} before it ends)."""
        from ..engine import read_json

        return read_json(Path(self.session.run_dir) / "summary.json") if self.session.run_dir else {}

    def save_truncate_dim(self, dim: int) -> str:
        """Save an embedding size with the trained model (Matryoshka): it then encodes to ``dim`` dimensions."""
        from ..engine import save_truncate_dim

        if not self.session.saved_path:
            raise WorkbenchError("There is no saved model yet: train first.")
        return str(save_truncate_dim(self.session.saved_path, dim))

    def _reset(self, run_dir: str) -> None:
        s = self.session
        with s.hold_trait_notifications():
            s.history, s.log, s.progress = (), (), {}
            s.baseline, s.final, s.primary = {}, {}, {}
            s.saved_path, s.error, s.queue, s.settings_of = "", "", "", ""
            # The configuration passed every check: earlier messages about it are out of date (the Data panel's
            # are about files added or not, and stay).
            s.errors = {k: v for k, v in s.errors.items() if k == "dataset"}
            s.run_dir = str(run_dir)
            s.status = RunStatus.LOADING.value

    def _replay(self, folder: Path) -> None:
        from ..engine import EventFollower

        bridge = SessionBridge(self.session)
        with self.session.hold_trait_notifications():
            for event in EventFollower(folder).poll():
                if not isinstance(event, StatusEvent):  # the status is this attempt's
                    bridge.handle(event)

    def _launch(self, spec: RunSpec, resume: bool = False):
        self.stop_requested = False
        self._cancel_follow()
        self.log_line(f"Starting: the model will be saved in {spec.output_dir}")
        if self.backend == "process" or self.launch is not None:
            from ..engine import start_worker

            if self.launch is not None:
                self.log_line(f"Launching {self.launch.describe()}")
            self.worker = start_worker(spec, resume=resume, launch=self.launch)
            self.follower = RunFollower(
                spec.output_dir, SessionBridge(self.session), proc=self.worker, replay=False
            )
            self.follower.start()
            return self.worker
        return self._launch_thread(spec)

    def _launch_of(self, folder: Path):
        """A resumed run is launched as it was (its status.json's launcher), its choice shown in "Run on"."""
        from ..engine import Launch, check_launch, read_status

        launch = Launch.from_dict(read_status(folder).get("launcher"))
        if launch is None:
            return None
        try:
            launch = check_launch(launch)
        except WorkbenchError as exc:
            raise WorkbenchError(f"cannot resume this launched run here: {exc.message}", exc.fix) from None
        self.session.launch_config = launch.config_file or self.session.launch_config
        self.session.run_on = CONFIG_FILE if launch.config_file else GPUS if not launch.cpu else PROCESS
        return launch

    def _launch_thread(self, spec: RunSpec):
        from ..engine import Runner

        s = self.session
        runner = self.runner = Runner(spec, listeners=[SessionBridge(s)])

        def launch():
            ticket = take_turn(self, spec)  # a served app's kernel takes turns on the device like its workers
            if ticket is False:
                return
            try:
                warm_up()  # waits for an import that is under way in another thread
                if self.stop_requested:
                    self.log_line(STOPPED_EARLY)
                    s.status = RunStatus.STOPPED.value
                    return
                runner.start()
                if ticket is not None:
                    runner.wait()
            finally:
                if ticket is not None:
                    ticket.leave()

        self.launcher = threading.Thread(target=launch, name="workbench-launch", daemon=True)
        self.launcher.start()
        return runner

    def _cancel_follow(self) -> None:
        if self.follower is not None:
            self.follower.cancel()
            self.follower = None

    def stop(self) -> None:
        """Ask the run to stop after the current step; the model trained so far is saved, with a checkpoint."""
        from ..engine import request_stop

        if not self.running:
            return
        self.stop_requested = True
        if self.runner is not None and self.follower is None:
            self.runner.stop()
        folder = Path(self.session.run_dir) if self.session.run_dir else None
        if folder is not None and folder.is_dir():
            request_stop(folder)  # a worker, or a run another page started, reads this
        self.log_line(sentence(STOPPING) + "…")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; True when it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.follower is not None:
            self.follower.ended.wait(timeout)
            return self.follower.ended.is_set()
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


class RunMethods:
    """The Session's run methods, each handed to its RunController (``self.control``)."""

    runner = property(
        lambda self: self.control.runner, doc="The Runner of the last thread-backend run, or None."
    )
    running = property(
        lambda self: self.control.running, doc="Whether a run is loading, measuring, training…"
    )

    def check(self) -> RunSpec:
        """The RunSpec to run, after the checks that need no model (raises WorkbenchError with ``where``)."""
        return self.control.check()

    def start(self, overwrite: bool = False):
        """Start a run of the current configuration (see :meth:`.RunController.start`)."""
        return self.control.start(overwrite=overwrite)

    def stop(self) -> None:
        """Ask the run to stop after the current step; the model trained so far is saved, with a checkpoint."""
        self.control.stop()

    def resume(self, run_dir: str | Path | None = None):
        """Continue a stopped or failed run in its folder (see :meth:`.RunController.resume`)."""
        return self.control.resume(run_dir)

    def attach(self, run_dir: str | Path) -> None:
        """Show a run of the runs folder, following it while it runs (see :meth:`.RunController.attach`)."""
        self.control.attach(run_dir)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; True when it has."""
        return self.control.wait(timeout)

    def _on_event(self, event: dict) -> None:
        """Apply one run event (a RunEvent or its dict), as the Runner's listener does in the WORKER thread."""
        self.control._on_event(event)
