"""What a run reports, as typed events: its status, progress, logs, metrics, saved model, notes and error.

The Runner sends each event to its listeners (:class:`RunListener`: one no-op ``on_<type>`` method per event
type); the app's Session, the CLI's progress view and the run's ``metrics.jsonl`` are listeners. An event is a
frozen dataclass; :func:`to_json_line` / :func:`from_json_line` turn it into one JSON line and back, so that a
line written by one process (a run in a worker process) reads back as an equal event in another (a page
following the run folder). Its dict form (``event.to_dict()``, read back by :func:`event_from_dict`) is the row
``metrics.jsonl`` has always held: ``{"type": ..., <fields in order>}``.

A typo fails loudly: an unknown event type, an unknown status or an unknown field is a ``ValueError``, and a
listener class defining an ``on_*`` method for no event is a ``TypeError`` when the class is made.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, ClassVar

log = logging.getLogger("workbench.run")


class RunStatus(str, Enum):
    """Where a run stands. A ``str`` subclass: ``RunStatus.TRAINING == "training"``."""

    IDLE = "idle"
    QUEUED = "queued"  # waiting in the device's queue (a served app: another run holds the device)
    LOADING = "loading"
    BASELINE = "baseline"
    TRAINING = "training"
    SAVING = "saving"
    FINISHED = "finished"
    STOPPED = "stopped"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def active(self) -> bool:
        """Whether a run in this status is under way (loading, baseline, training, saving)."""
        return self in _ACTIVE

    @property
    def ended(self) -> bool:
        """Whether a run in this status is over (finished, stopped, error)."""
        return self in _ENDED


_ACTIVE = frozenset(
    {RunStatus.QUEUED, RunStatus.LOADING, RunStatus.BASELINE, RunStatus.TRAINING, RunStatus.SAVING}
)
_ENDED = frozenset({RunStatus.FINISHED, RunStatus.STOPPED, RunStatus.ERROR})


@dataclass(frozen=True)
class RunEvent:
    """Base of every event; ``type`` names the event in its dict / JSON form and its listener method."""

    type: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """``{"type": ..., **fields}`` in field order (the ``metrics.jsonl`` row, without its time)."""
        return {"type": self.type, **{f.name: getattr(self, f.name) for f in fields(self)}}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> RunEvent:
        """The event from its dict form without ``type`` (unknown fields are refused)."""
        known = {f.name for f in fields(cls)}
        extra = sorted(set(data) - known)
        if extra:
            raise ValueError(
                f"a {cls.type} event has no field {', '.join(map(repr, extra))} "
                f"(its fields: {', '.join(sorted(known)) or 'none'})"
            )
        return cls(**data)


@dataclass(frozen=True)
class StatusEvent(RunEvent):
    """The run moved to a new status."""

    type: ClassVar[str] = "status"
    status: RunStatus

    def __post_init__(self):
        object.__setattr__(self, "status", RunStatus(self.status))  # "trainig" -> ValueError

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "status": self.status.value}


@dataclass(frozen=True)
class ProgressEvent(RunEvent):
    """A training step ended (sent at most every few tenths of a second, and at the last step)."""

    type: ClassVar[str] = "progress"
    step: int
    max_steps: int
    epoch: float | None = None
    elapsed_s: float = 0.0  # since this part of the run began (a resumed run: since it resumed)
    eta_s: float | None = None
    first_step: int = 0  # the step this part began at: 0, or the checkpoint's step for a resumed run


def _without_unknown_epoch(row: dict[str, Any]) -> dict[str, Any]:
    """``epoch`` is left out of a logged event's dict form when unknown (rows made by hand often lack it)."""
    if row.get("epoch", 0) is None:
        del row["epoch"]
    return row


@dataclass(frozen=True)
class LogEvent(RunEvent):
    """The trainer's log at a step: training loss, learning rate, ... (``values``, flat in the dict form)."""

    type: ClassVar[str] = "log"
    step: int
    epoch: float | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _without_unknown_epoch(
            {"type": self.type, "step": self.step, "epoch": self.epoch, **self.values}
        )

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> LogEvent:
        values = dict(data)
        return cls(step=values.pop("step"), epoch=values.pop("epoch", None), values=values)


@dataclass(frozen=True)
class EvalEvent(RunEvent):
    """The trainer's evaluation at a step: eval loss and evaluator metrics, their keys prefixed ``eval_``."""

    type: ClassVar[str] = "eval"
    step: int
    epoch: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _without_unknown_epoch(super().to_dict())


@dataclass(frozen=True)
class BaselineEvent(RunEvent):
    """The evaluators' metrics before training, and each evaluator's primary metric key."""

    type: ClassVar[str] = "baseline"
    metrics: dict[str, float] = field(default_factory=dict)
    primary: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FinalEvent(RunEvent):
    """The evaluators' metrics after training."""

    type: ClassVar[str] = "final"
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedEvent(RunEvent):
    """The model was saved (the folder a SentenceTransformer / SparseEncoder / CrossEncoder loads)."""

    type: ClassVar[str] = "saved"
    path: str


@dataclass(frozen=True)
class NoteEvent(RunEvent):
    """Something the person should know about the run (a rescaled label, an untrained head, ...)."""

    type: ClassVar[str] = "note"
    text: str


@dataclass(frozen=True)
class ErrorEvent(RunEvent):
    """The run failed. Sent before the final ``error`` status (a model trained so far is saved in between).

    Attributes:
        message: What went wrong: a WorkbenchError's message, or one line naming an unexpected exception.
        fix: How to fix it (WorkbenchError only).
        where: The part of the configuration at fault (WorkbenchError only), e.g. ``"args.fp16"``.
        kind: The exception's class name (``"WorkbenchError"`` for a problem a person can fix).
    """

    type: ClassVar[str] = "error"
    message: str
    fix: str | None = None
    where: str | None = None
    kind: str = ""

    @property
    def fixable(self) -> bool:
        """Whether this is a WorkbenchError: a problem with the input, reported without a traceback."""
        return self.kind == "WorkbenchError"


EVENT_TYPES: dict[str, type[RunEvent]] = {
    cls.type: cls
    for cls in (
        StatusEvent,
        ProgressEvent,
        LogEvent,
        EvalEvent,
        BaselineEvent,
        FinalEvent,
        SavedEvent,
        NoteEvent,
        ErrorEvent,
    )
}
_METHODS = frozenset(f"on_{name}" for name in EVENT_TYPES)


def event_from_dict(data: dict[str, Any]) -> RunEvent:
    """The event a dict form describes. A ``time`` key (as ``metrics.jsonl`` rows carry) is ignored.

    Raises:
        ValueError: the type is unknown or missing, a field is unknown, or a status is not a RunStatus.
    """
    data = dict(data)
    data.pop("time", None)
    kind = data.pop("type", None)
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown run event type {kind!r} (known: {', '.join(EVENT_TYPES)})")
    try:
        return cls.from_fields(data)
    except (TypeError, KeyError) as exc:  # a required field is missing
        raise ValueError(f"a {kind} event {data!r} cannot be read: {exc}") from None


def to_json_line(event: RunEvent, time: float | None = None) -> str:
    """One JSON line (no newline) for the event; with ``time``, a trailing ``"time"`` key as metrics.jsonl has."""
    row = event.to_dict()
    if time is not None:
        row["time"] = time
    return json.dumps(row, default=str)


def from_json_line(line: str) -> RunEvent:
    """The event a line written by :func:`to_json_line` holds (``ValueError`` for anything else)."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a run event line: {line[:80]!r} ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"not a run event line: {line[:80]!r}")
    return event_from_dict(data)


class RunListener:
    """Receives a run's events: override the ``on_<type>`` methods you need (each is a no-op here).

    :meth:`handle` dispatches an event to its method; override it to see every event alike. Listener methods
    run in the thread that runs the training. Defining an ``on_*`` method that matches no event type is a
    TypeError, so a typo cannot silently miss its events.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        unknown = sorted(n for n in vars(cls) if n.startswith("on_") and n not in _METHODS)
        if unknown:
            raise TypeError(
                f"{cls.__name__} defines {', '.join(unknown)}, which no run event calls "
                f"(the events: {', '.join(sorted(_METHODS))})"
            )

    def handle(self, event: RunEvent) -> None:
        """Call the ``on_<type>`` method for ``event``."""
        dispatch(self, event)

    def on_status(self, event: StatusEvent) -> None:
        """The run moved to ``event.status``."""

    def on_progress(self, event: ProgressEvent) -> None:
        """A training step ended."""

    def on_log(self, event: LogEvent) -> None:
        """The trainer logged values (training loss, learning rate, ...)."""

    def on_eval(self, event: EvalEvent) -> None:
        """The trainer evaluated during training."""

    def on_baseline(self, event: BaselineEvent) -> None:
        """The metrics before training are known."""

    def on_final(self, event: FinalEvent) -> None:
        """The metrics after training are known."""

    def on_saved(self, event: SavedEvent) -> None:
        """The model was saved."""

    def on_note(self, event: NoteEvent) -> None:
        """A note about the run."""

    def on_error(self, event: ErrorEvent) -> None:
        """The run failed (its ``error`` status follows)."""


def dispatch(listener: RunListener, event: RunEvent) -> None:
    """Call ``listener.on_<event type>(event)``."""
    getattr(listener, f"on_{event.type}")(event)


class CallbackListener(RunListener):
    """A plain function as a listener: ``fn(event.to_dict())`` for every event."""

    def __init__(self, fn: Callable[[dict[str, Any]], None]):
        self.fn = fn

    def handle(self, event: RunEvent) -> None:
        self.fn(event.to_dict())


def notify(listeners: Iterable[RunListener], event: RunEvent) -> None:
    """Send ``event`` to every listener; one that raises is logged and the others still get it."""
    for listener in listeners:
        try:
            listener.handle(event)
        except Exception:  # noqa: BLE001 - a broken listener must not kill the training
            log.exception("a run listener raised on a %s event", event.type)
