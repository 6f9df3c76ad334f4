"""The runs of a runs root, read back from their folders: what each is, where it stands, whether it can resume.

Reads ``config.json``, ``status.json``, ``summary.json`` and ``checkpoints/`` (no torch, no trainer): the app's runs
list, ``workbench runs`` and the resume check all use :func:`read_run`. A run whose status says it is under way
but whose process is gone (killed, machine restarted) is reported as an error, with the step it can resume from.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import rules
from ..rules import metrics as M
from .events import RunStatus, from_json_line
from .launch import Launch
from .run_folder import EVENTS, STATUS, process_alive, read_json, read_status

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
DIED = "the run's process ended without finishing (stopped by the system, killed, or the machine restarted)"
# The training arguments a runs table shows (when the config sets them; otherwise the workbench's defaults ran).
KEY_ARGS = ("num_train_epochs", "max_steps", "learning_rate", "per_device_train_batch_size")
# A run's verdict on its primary metrics, in one word (rules.run_verdict's outcomes).
VERDICT_WORDS = {
    M.WIN: "Better",
    M.MARGINAL: "About the same",
    M.NO_CHANGE: "About the same",
    M.REGRESSION: "Worse",
}


def runs_root(root: str | Path | None = None) -> Path:
    """Where runs go and are listed from: ``root``, else ``$WORKBENCH_RUNS``, else ``$WORKBENCH_HOME/runs`` when
    that is set, else ``./runs`` (the app, the CLI and a notebook agree)."""
    if root:
        return Path(root).expanduser()
    if os.environ.get("WORKBENCH_RUNS"):
        return Path(os.environ["WORKBENCH_RUNS"]).expanduser()
    if os.environ.get("WORKBENCH_HOME"):
        return Path(os.environ["WORKBENCH_HOME"]).expanduser() / "runs"
    return Path.cwd() / "runs"


def last_checkpoint(run_dir: str | Path) -> tuple[Path, int] | None:
    """The newest complete checkpoint of a run and its step (None when there is none)."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return None
    found = []
    for child in folder.iterdir():
        match = _CHECKPOINT.match(child.name)
        if match and child.is_dir() and (child / "trainer_state.json").is_file():
            found.append((int(match.group(1)), child))
    if not found:
        return None
    step, path = max(found)
    return path, step


@dataclass
class RunInfo:
    """One run, as its folder tells it.

    Attributes:
        path: The run folder. name: its folder name.
        status: A RunStatus value; ``error`` also for a run whose process died (``died`` is then True).
        started / ended: Unix times (None when unknown).
        model / data: The base model and the train datasets, in words.
        metric / baseline / final: The first primary metric and its values before and after training.
        step / max_steps: Training steps done and planned.
        checkpoint_step: The step of the newest checkpoint (None: none).
        backend / pid: Who runs it (``thread``: a kernel; ``process``: ``workbench train``).
        launched: How a launched run runs, in words (``2 processes (CPU)``); "" for one process.
        error: The error text, if any. saved: The saved model folder, if any.
        loss: The loss, in words (``CoSENTLoss``; ``faq: MultipleNegativesRankingLoss, sts: CoSENTLoss``).
        settings: The :data:`KEY_ARGS` the config sets (the rest ran with the workbench's defaults).
        wall_time_s: Seconds the run took (its summary's, else ended - started; None: not ended).
        verdict: ``Better`` / ``About the same`` / ``Worse`` on the primary metrics ("" when not measured).
    """

    path: str
    name: str
    status: str
    started: float | None = None
    ended: float | None = None
    model: str = ""
    data: str = ""
    metric: str = ""
    baseline: float | None = None
    final: float | None = None
    step: int = 0
    max_steps: int | None = None
    checkpoint_step: int | None = None
    backend: str = ""
    pid: int | None = None
    died: bool = False
    error: str = ""
    saved: str = ""
    notes: list[str] = field(default_factory=list)
    loss: str = ""
    settings: dict = field(default_factory=dict)
    wall_time_s: float | None = None
    verdict: str = ""
    launched: str = ""  # a launched run, in words ("2 processes (CPU)"); "" for one process

    @property
    def active(self) -> bool:
        return RunStatus(self.status).active

    @property
    def resumable(self) -> bool:
        """Stopped or failed, with a checkpoint to continue from, or stopped before training (it starts again)."""
        try:
            resume_from(self)
        except ValueError:
            return False
        return True

    def to_dict(self) -> dict:
        return {**asdict(self), "resumable": self.resumable}

    def config(self) -> dict:
        """The run's configuration (its ``config.json``, else the one its summary holds; {} when neither)."""
        folder = Path(self.path)
        return read_json(folder / "config.json") or read_json(folder / "summary.json").get("config") or {}

    def history(self) -> list[dict]:
        """The run's ``log`` and ``eval`` events in order, as dicts (the form a Session's ``history`` holds),
        from every attempt its ``events.jsonl`` records; unreadable lines are skipped."""
        return run_history(self.path)

    def comparison_row(self) -> dict:
        """The run as one row of a runs table: date, model, data, loss, key settings, primary metric before ->
        after, verdict word and wall time (``workbench compare --json`` prints these)."""
        return {
            "run": self.name,
            "path": self.path,
            "status": self.status,
            "started": self.started,
            "model": self.model,
            "data": self.data,
            "loss": self.loss,
            "epochs": self.settings.get("num_train_epochs"),
            "max_steps": self.settings.get("max_steps"),
            "learning_rate": self.settings.get("learning_rate"),
            "batch_size": self.settings.get("per_device_train_batch_size"),
            "steps": self.step,
            "planned_steps": self.max_steps,
            "metric": self.metric,
            "before": self.baseline,
            "after": self.final,
            "verdict": self.verdict,
            "wall_time_s": self.wall_time_s,
        }


def _describe_data(config: dict) -> str:
    """The train datasets of a config, by name, with the file each comes from (``faq (faq.csv)``)."""
    train = (config.get("datasets") or {}).get("train") or {}
    names = []
    for name, entry in train.items() if isinstance(train, dict) else ():
        path = entry.get("path") if isinstance(entry, dict) else None
        file = Path(str(path)).name if path else ""
        names.append(f"{name} ({file})" if file and file != name else str(name))
    return ", ".join(names)


def describe_loss(config: dict) -> str:
    """A config's loss in words: its name (``auto`` when the workbench picks it), with its modifier / wrapper
    around it, or ``dataset: name`` per train dataset."""

    def one(choice) -> str:
        if isinstance(choice, str):
            return choice
        if not isinstance(choice, dict):
            return ""
        name = str(choice.get("name") or "auto")
        for outer in ("modifier", "wrapper"):
            if isinstance(choice.get(outer), dict) and choice[outer].get("name"):
                name = f"{choice[outer]['name']}({name})"
        return name

    loss = config.get("loss", "auto")
    if isinstance(loss, dict) and loss and "name" not in loss:
        return ", ".join(f"{name}: {one(choice)}" for name, choice in loss.items())
    return one(loss)


def run_history(run_dir: str | Path) -> list[dict]:
    """The ``log`` and ``eval`` events of a run folder's ``events.jsonl`` in order, as dicts."""
    try:
        lines = (Path(run_dir) / EVENTS).read_text(encoding="utf8").splitlines()
    except OSError:
        return []
    history = []
    for line in lines:
        try:
            event = from_json_line(line)
        except ValueError:
            continue  # a torn last line, or an event type of a newer version
        if event.type in ("log", "eval"):
            history.append(event.to_dict())
    return history


@dataclass(frozen=True)
class TrainingPart:
    """One stretch of training of a run: the first one, or one resumed from a checkpoint (its own process, its own
    clock): the step it began after, the last step it reached and the seconds it trained."""

    began_at: int
    step: int
    max_steps: int
    elapsed_s: float


def training_parts(run_dir: str | Path) -> list[TrainingPart]:
    """The parts a run trained in, in order, from its ``events.jsonl``: a new part begins at each ``loading``
    status (a Resume appends to the same file), and a part that never reached a training step is left out.

    Each part's first step always sends a progress event (see :mod:`.streaming`), so the step it began after is
    that event's step minus one: a resume from an earlier checkpoint than the stop shows as such.
    """
    try:
        lines = (Path(run_dir) / EVENTS).read_text(encoding="utf8").splitlines()
    except OSError:
        return []
    parts: list[TrainingPart] = []
    fresh = True  # the next progress event begins a part
    for line in lines:
        try:
            event = from_json_line(line)
        except ValueError:
            continue  # a torn last line, or an event type of a newer version
        if event.type == "status" and event.status is RunStatus.LOADING:
            fresh = True
        elif event.type == "progress":
            began = max(0, int(event.step) - 1) if fresh else parts[-1].began_at
            part = TrainingPart(
                began, int(event.step), int(event.max_steps or 0), float(event.elapsed_s or 0.0)
            )
            if fresh:
                parts.append(part)
            else:
                parts[-1] = part
            fresh = False
    return parts


def _comparison(info: RunInfo, config: dict, summary: dict) -> None:
    """The loss, key settings, wall time and verdict word of a run."""
    info.loss = describe_loss(config)
    args = config.get("args") if isinstance(config.get("args"), dict) else {}
    info.settings = {k: args[k] for k in KEY_ARGS if k in args}
    wall = summary.get("wall_time_s")
    if isinstance(wall, (int, float)):
        info.wall_time_s = float(wall)
    elif info.started and info.ended:
        info.wall_time_s = max(0.0, float(info.ended) - float(info.started))
    recorded = summary.get("verdict")  # the run's own verdict (with its interval), when it wrote one
    if isinstance(recorded, dict) and recorded.get("verdict"):
        info.verdict = str(recorded["verdict"])
        return
    judged = rules.run_verdict(
        summary.get("baseline") or {}, summary.get("final") or {}, summary.get("primary_metrics") or {}
    )
    info.verdict = VERDICT_WORDS.get(judged.outcome, "") if judged else ""


def read_run(run_dir: str | Path) -> RunInfo | None:
    """The run a folder holds (None when the folder holds no workbench run)."""
    run_dir = Path(run_dir)
    config = read_json(run_dir / "config.json")
    status = read_status(run_dir)
    summary = read_json(run_dir / "summary.json")
    if not config and not status and not summary:
        return None
    config = config or summary.get("config") or {}
    value = status.get("status") or summary.get("status") or RunStatus.ERROR.value
    try:
        value = RunStatus(value).value
    except ValueError:
        value = RunStatus.ERROR.value
    # An ended summary of THIS attempt wins over a status.json the process never got to finish writing.
    if summary.get("status") in {s.value for s in RunStatus if s.ended} and (
        not status or (status.get("ended") and summary["status"] != value)
    ):
        value = summary["status"]
    checkpoint = last_checkpoint(run_dir)
    info = RunInfo(
        path=str(run_dir),
        name=run_dir.name,
        status=value,
        started=status.get("started"),
        ended=status.get("ended"),
        model=str((config.get("model") or {}).get("name_or_path", "")),
        data=_describe_data(config),
        step=int(status.get("step") or summary.get("steps") or 0),
        max_steps=status.get("max_steps"),
        checkpoint_step=checkpoint[1] if checkpoint else None,
        backend=str(status.get("backend", "")),
        pid=status.get("pid"),
        error=str(summary.get("error") or ""),
        saved=str(summary.get("model_path") or ""),
        notes=list(summary.get("notes") or ()),
    )
    if not info.model and summary.get("kind") == "distill":  # a distillation's folder: its request says what
        request = read_json(run_dir / "distill.json").get("request") or {}
        k = request.get("keep_layers")
        cut = f", first {k} layer{'s' if k != 1 else ''}" if k else ""
        teacher, student = (
            str(v).rstrip("/").rsplit("/", 1)[-1]
            for v in (request.get("teacher") or "default", request.get("student") or "")
        )
        info.model = f"{student or teacher}{cut} (student of {teacher})"
        info.data = f"distillation of {Path(str(request.get('data') or '?')).name}"
    launch = Launch.from_dict(status.get("launcher") or summary.get("launcher"))
    if launch is not None:
        info.launched = launch.describe()
    if info.started is None:
        try:
            info.started = (run_dir / "config.json").stat().st_mtime
        except OSError:
            info.started = None
    _primary(info, summary)
    _comparison(info, config, summary)
    torn = (
        not status and not summary and (run_dir / STATUS).exists()
    )  # damaged: written when the disk filled?
    if (RunStatus(info.status).active and status and not process_alive(status)) or torn:
        info.status, info.died = RunStatus.ERROR.value, True
        info.error = info.error or DIED
    return info


def _primary(info: RunInfo, summary: dict) -> None:
    primary = summary.get("primary_metrics") or {}
    baseline, final = summary.get("baseline") or {}, summary.get("final") or {}
    for key in primary.values():
        if key in baseline or key in final:
            info.metric, info.baseline, info.final = key, baseline.get(key), final.get(key)
            return


def list_runs(root: str | Path | None = None) -> list[RunInfo]:
    """Every run under the runs root, newest first."""
    folder = runs_root(root)
    if not folder.is_dir():
        return []
    runs = [info for child in folder.iterdir() if child.is_dir() and (info := read_run(child)) is not None]
    return sorted(runs, key=lambda r: (r.started or 0.0, r.name), reverse=True)


def resume_from(info: RunInfo) -> bool | None:
    """What ``resume_from_checkpoint`` a resume of this run takes: True (its newest checkpoint) or None (it
    trained nothing yet, so it starts again in the same folder).

    Raises:
        ValueError: the run cannot be resumed (with the reason, in words).
    """
    if info.active:
        raise ValueError(f"run {info.name} is still going ({info.status}); it can be stopped, not resumed")
    if info.status == RunStatus.FINISHED.value:
        raise ValueError(f"run {info.name} finished; start a new run to train more")
    if info.status not in (RunStatus.STOPPED.value, RunStatus.ERROR.value):
        raise ValueError(f"run {info.name} has not run yet")
    if info.checkpoint_step is not None:
        return True
    if info.saved or info.step:
        raise ValueError(
            f"run {info.name} trained {info.step} step(s) but left no checkpoint to continue from "
            "(it ended before its first save)"
        )
    return None
