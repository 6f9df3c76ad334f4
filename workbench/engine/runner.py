"""The engine: build the model and evaluators, evaluate a baseline, train, save, evaluate again, write the summary.

`Runner` runs one RunSpec in a background thread (`start` / `stop` / `wait`) or in the calling thread
(`run_blocking`), and sends its events (:mod:`workbench.engine.events`) to its listeners from the worker thread;
the run's ``metrics.jsonl`` is written by one of them (:class:`MetricsFile`). Stop is cooperative (checked at every
step end) and a stopped or failed training still saves the model. Heavy imports happen inside functions, so
``import workbench.engine.runner`` is cheap.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError
from ..spec import RunSpec, load_config
from .adapters import attach, attach_note, resume_adapters, save_adapter_model
from .distributed import Ranks
from .evaluators import metric_key
from .events import (
    BaselineEvent,
    CallbackListener,
    ErrorEvent,
    FinalEvent,
    NoteEvent,
    RunEvent,
    RunListener,
    RunStatus,
    SavedEvent,
    StatusEvent,
    notify,
)
from .items import ItemRecorder
from .losses import make_losses
from .matryoshka import evaluate_by_dim, trained_dims
from .models import quiet_loading
from .plan import Plan, build
from .run_folder import RunFolder, save_final, stop_requested
from .run_setup import configure_model, early_stopping_callbacks
from .runs import RUN_ARTIFACTS, MetricsFile, is_run_summary
from .streaming import streaming_callback
from .summary import write_summary

log = logging.getLogger("workbench.run")

TRAINERS = {k.name: k.trainer for k in C.KINDS}  # model type -> (module, trainer class)
# transformers' own progress printers: they would print into whatever notebook cell is current.
_PRINTERS = ("NotebookProgressCallback", "PrinterCallback", "ProgressCallback")


def _as_spec(config) -> RunSpec | Plan:
    if isinstance(config, (RunSpec, Plan)):
        return config
    if isinstance(config, dict):
        return RunSpec.from_dict(config)
    return load_config(config)


def _evaluate(plan: Plan, model, items: dict | None = None, splits=("eval", "test")) -> dict[str, float]:
    """Run the evaluators on ``model``; with ``items``, also record each one's per-item scores into it (by
    evaluator name) for the verdict's bootstrap."""
    metrics: dict[str, float] = {}
    for ev in plan.evaluators:
        if ev.split in splits:
            recorder = None
            if items is not None:  # an evaluator already wrapped (make quality's) records for both
                recorder = ev.instance if type(ev.instance) is ItemRecorder else ItemRecorder(ev.instance)
            seen = len(recorder.records) if recorder is not None else 0
            result = (recorder if recorder is not None else ev.instance)(model)
            if recorder is not None and len(recorder.records) > seen:
                items[ev.name] = recorder.records[-1]
            if isinstance(result, dict):
                metrics.update({k: float(v) for k, v in result.items() if isinstance(v, (int, float))})
            else:
                metrics[ev.name] = float(result)
    return metrics


class Runner:
    """Runs one training run and reports what happens.

    Args:
        spec_or_plan: A RunSpec, a config dict or path, or a Plan from :func:`workbench.engine.build`.
        on_event: Optional function called as ``fn(event_dict)`` for every event, from the worker thread (the
            dict form ``event.to_dict()`` of :mod:`workbench.engine.events`).
        listeners: RunListeners to send every event to, from the worker thread.
        backend: Who runs it, as the run folder's ``status.json`` records it: ``"thread"`` (this process's
            background thread or calling thread) or ``"process"`` (``workbench train`` in a worker process).
        since: When this attempt was asked for (Unix time; default: now): a stop requested after it counts.

    Attributes:
        status: The RunStatus.
        error: The error text (a WorkbenchError's message and fix, or a one-line unexpected error).
        summary: The summary dict once the run ended (also written to OUTPUT_DIR/summary.json).
        primary_metrics: Each evaluator's primary metric key (known after the baseline), by evaluator name.
        plan: The Plan, once built.
    """

    def __init__(
        self,
        spec_or_plan,
        on_event: Callable[[dict], None] | None = None,
        listeners: Iterable[RunListener] = (),
        backend: str = "thread",
        since: float | None = None,
    ):
        self.backend = backend
        # A STOP file older than this attempt (left by an earlier one in the same folder) is not a request for it.
        self.since = time.time() if since is None else since
        self._source = spec_or_plan
        self.plan: Plan | None = spec_or_plan if isinstance(spec_or_plan, Plan) else None
        self.status = RunStatus.IDLE
        self.error: str | None = None
        self.exception: BaseException | None = None
        self.summary: dict | None = None
        self.steps = 0
        self.primary_metrics: dict[str, str] = {}
        self.model = None
        self._listeners: list[RunListener] = [*([CallbackListener(on_event)] if on_event else []), *listeners]
        self._stop = threading.Event()
        self._done = threading.Event()  # set when the background run has ended (summary written)
        self._thread: threading.Thread | None = None
        self._metrics: MetricsFile | None = None  # set while the output folder is open
        self._folder: RunFolder | None = None  # events.jsonl + status.json, while the output folder is open
        self.ranks = Ranks()  # this process's place in a launched run (world size 1 without a launcher)

    # ---- control ----------------------------------------------------------------------------------------------

    def add_listener(self, listener: RunListener) -> None:
        """Send every later event to ``listener`` (from the worker thread). A listener that raises is logged."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Run in a background daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            raise WorkbenchError("this run is already running.", fix="wait for it or stop it first.")
        self._stop.clear()
        self._done.clear()
        self._thread = threading.Thread(target=self._run_then_signal, name="workbench-run", daemon=True)
        self._thread.start()

    def _run_then_signal(self) -> None:
        try:
            self._run()
        finally:
            self._done.set()

    def stop(self) -> None:
        """Ask the run to stop after the current step; the model trained so far is saved, with a checkpoint."""
        self._stop.set()

    def should_stop(self) -> bool:
        """Whether a stop was asked: by :meth:`stop`, or by a ``STOP`` file in the run folder (another page, the
        CLI's ``workbench stop``)."""
        if (
            not self._stop.is_set()
            and self._folder is not None
            and stop_requested(self._folder.dir, self.since)
        ):
            self._stop.set()
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background run; True when it has ended.

        An Event, not ``Thread.join``: a KeyboardInterrupt that lands inside ``join`` can leave the thread
        reported as not alive while it still runs (Python 3.11), and a Ctrl-C would then lose the model.
        """
        if self._thread is None:
            return self.status.ended
        return self._done.wait(timeout)

    def run_blocking(self) -> dict:
        """Run in the calling thread and return the summary (status ``error`` rather than raising)."""
        self._stop.clear()
        self._run()
        return self.summary or {"status": self.status.value, "error": self.error}

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    @property
    def started(self) -> bool:
        """Whether :meth:`start` has launched the background run (a run stopped before it never is)."""
        return self._thread is not None

    # ---- events -----------------------------------------------------------------------------------------------

    def _set_status(self, status: RunStatus) -> None:
        self.status = status
        self._emit(StatusEvent(status))

    def _emit(self, event: RunEvent) -> None:
        # The run folder's files first: a listener reading them on an event finds that event's row there.
        files = [f for f in (self._folder, self._metrics) if f is not None]
        notify([*files, *self._listeners], event)

    def _note(self, text: str) -> None:
        self._emit(NoteEvent(text))

    # ---- the run ----------------------------------------------------------------------------------------------

    def _run(self) -> None:
        # The run's whole life in one try/finally (kept together on purpose): every way out of it, a stop, a
        # failure before or during training, writes the summary and emits the last status.
        self.error, self.exception, self.summary, self.steps = None, None, None, 0
        self.primary_metrics = {}
        started = time.monotonic()
        out: Path | None = None
        outcome = RunStatus.FINISHED
        baseline: dict = {}
        final: dict = {}
        self._items: tuple[dict, dict] = ({}, {})  # per-item scores at baseline and at the end
        self._history: tuple[list, float | None] = ([], None)  # the trainer's log history and passes made
        model_path = None
        dims, by_dim = [], {}
        try:
            self._set_status(RunStatus.LOADING)
            if self.plan is None:
                self.plan = build(_as_spec(self._source))
            plan = self.plan
            out = plan.output_dir
            ranks = self.ranks
            self._prepare_output(plan)
            ranks.check()  # the world is the size asked for, before any collective
            ranks.join(float(plan.args.get("ddp_timeout") or 1800))
            for note in [*plan.notes, *ranks.notes()]:
                self._note(note)
            model = self.model = self._build_model(plan)
            self._set_status(RunStatus.BASELINE)
            if ranks.main:  # evaluators run on the main process only; the others wait at the next collective
                baseline = _evaluate(plan, model, self._items[0])
                self.primary_metrics = {ev.name: metric_key(ev.instance, model) for ev in plan.evaluators}
                dims = trained_dims(plan, model)  # Matryoshka: each trained size measured too
                if dims:
                    by_dim = {"baseline": evaluate_by_dim(plan, model, dims, self.primary_metrics, baseline)}
                self._emit(BaselineEvent(metrics=baseline, primary=self.primary_metrics))
            if ranks.any(self.should_stop()):  # stopped before training: there is nothing new to save
                outcome = RunStatus.STOPPED
                return
            # transformers' and the library's log lines and bars would print into whatever notebook cell is current.
            with quiet_loading():
                trainer = self._trainer(plan, model)
                try:
                    self._set_status(RunStatus.TRAINING)
                    trainer.train(resume_from_checkpoint=plan.resume)
                except Exception as exc:  # noqa: BLE001 - never lose a trained model: save, then report
                    outcome = RunStatus.ERROR
                    self._fail(exc, out)
            _fp32_forward(trainer.model)
            self._history = (list(trainer.state.log_history), getattr(trainer.state, "epoch", None))
            done = getattr(trainer.state, "global_step", 0) >= getattr(trainer.state, "max_steps", 0) > 0
            if outcome != RunStatus.ERROR and self.should_stop() and not done:  # a Stop after the last step
                outcome = RunStatus.STOPPED
            if not ranks.main:  # the main process saves, evaluates and writes the summary
                return
            if outcome == RunStatus.ERROR and not getattr(trainer.state, "global_step", 0):
                self._note(
                    "the run failed before its first training step: no model was saved (nothing was "
                    "trained), and the output folder stays free for a corrected rerun"
                )
                return
            self._set_status(RunStatus.SAVING)
            with quiet_loading():
                model_path = str(
                    save_final(
                        lambda folder: save_adapter_model(trainer.model, folder, plan.spec.model.adapter), out
                    )
                )
            self._emit(SavedEvent(model_path))
            if outcome != RunStatus.ERROR:
                final = _evaluate(plan, trainer.model, self._items[1])
                if dims:
                    by_dim["final"] = evaluate_by_dim(plan, trainer.model, dims, self.primary_metrics, final)
                self._emit(FinalEvent(metrics=final))
        except Exception as exc:  # noqa: BLE001 - reported as status "error"
            outcome = RunStatus.ERROR
            if self.error is None:
                self._fail(exc, out)
        finally:
            if out is not None and self.plan is not None and self._metrics is not None:
                write_summary(self, out, outcome, baseline, final, model_path, started, dims, by_dim)
            if self._metrics is not None:
                self._metrics.close()
                self._metrics = None
            self._set_status(outcome)
            if self._folder is not None:
                self._folder.close()
                self._folder = None

    def _fail(self, exc: BaseException, out: Path | None) -> None:
        """Record the error and send it as an ErrorEvent (the ``error`` status follows when the run ends)."""
        self.exception = exc
        if isinstance(exc, WorkbenchError):
            self.error = exc.text
            self._emit(ErrorEvent(exc.message, fix=exc.fix, where=exc.where, kind="WorkbenchError"))
            return
        self.error = (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}".strip()
        )
        if out is not None and out.is_dir():
            (out / "error.log").write_text(traceback.format_exc(), encoding="utf8")
            self.error += f" (traceback in {out / 'error.log'})"
        log.error("run failed: %s", self.error)
        self._emit(ErrorEvent(self.error, kind=type(exc).__name__))

    def _prepare_output(self, plan: Plan) -> None:
        out = plan.output_dir
        if not self.ranks.main:  # only the main process writes the run folder
            return
        # build() refused a folder holding a model unless overwrite is set. Without overwrite, what may be left is
        # the logs of a workbench run that trained nothing (its summary.json says so): a retry replaces them
        # rather than appending to its metrics. Anything else in the folder is left alone.
        if plan.resume is None and (plan.spec.overwrite or is_run_summary(out / "summary.json")):
            for name in RUN_ARTIFACTS:
                target = out / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
        out.mkdir(parents=True, exist_ok=True)
        if plan.resume is not None:  # the summary of the attempt this one continues is rewritten at its end
            (out / "summary.json").unlink(missing_ok=True)
        (out / "config.json").write_text(plan.spec.to_json(), encoding="utf8")
        self._folder = RunFolder(
            out, self.backend, plan.resume is not None, extra=self.ranks.record()
        )  # closed in _run
        self._metrics = MetricsFile(out / "metrics.jsonl")  # closed in _run

    def _build_model(self, plan: Plan):
        from transformers import set_seed

        from . import models

        set_seed(int(plan.args.get("seed", plan.spec.seed)))
        device = self.ranks.device or plan.device  # a launched rank: its own GPU (cuda:LOCAL_RANK)
        model = models.build_model(plan.spec.model, num_labels=plan.num_labels, device=device)
        for note in configure_model(plan, model):  # a cross-encoder's activation, saved prompts, query IDF
            self._note(note)
        path = models.resolve_model_path(plan.spec.model.name_or_path)
        own = models.checkpoint_type(path) == C.kind(plan.model_type).class_name  # already of this family
        new_head = {  # what a family's model adds to a checkpoint of another family, untrained at first
            C.SPARSE: "sparse model built from a plain checkpoint: SPLADE pooling over a masked-LM head "
            "(the head starts untrained unless the checkpoint has one)",
            C.CROSS: f"cross-encoder with a new classifier head ({plan.num_labels} output(s)), untrained at first",
            C.MULTI: "multi-vector model built from a plain checkpoint: a new token projection "
            f"({models.embedding_dimension(model)} dims per token), untrained at first",
        }.get(plan.model_type)
        if new_head and not own:
            self._note(new_head)
        if plan.spec.model.adapter:  # only the adapter's weights train (and a new head or token projection)
            found = attach(model, plan.spec.model.adapter, plan.model_type, own=own)
            self._note(attach_note(plan.spec.model.adapter, found))
        return model

    def _trainer(self, plan: Plan, model):
        import importlib

        args_cls = C.training_args_class(plan.model_type)
        args = args_cls(output_dir=str(plan.output_dir / "checkpoints"), **plan.args)
        evaluators = [ev.instance for ev in plan.evaluators if ev.split == "eval"]
        evaluator = None
        if evaluators:
            from sentence_transformers.base.evaluation.sequential import SequentialEvaluator

            evaluator = evaluators[0] if len(evaluators) == 1 else SequentialEvaluator(evaluators)
        module, name = TRAINERS[plan.model_type]
        trainer_cls = getattr(importlib.import_module(module), name)
        train = plan.train if len(plan.train) > 1 else next(iter(plan.train.values()))
        eval_ds = None
        if plan.eval_loss_rows and args.eval_strategy != "no":
            scored = plan.eval_loss
            eval_ds = scored if len(scored) > 1 else next(iter(scored.values()))
        trainer = trainer_cls(
            model=model,
            args=args,
            train_dataset=train,
            eval_dataset=eval_ds,
            loss=make_losses(plan, model),
            evaluator=evaluator,
            callbacks=[streaming_callback(self), *early_stopping_callbacks(plan, self._note)],
        )
        if plan.spec.model.adapter:  # its checkpoints hold only the adapter's weights
            resume_adapters(trainer)
        for cb in list(trainer.callback_handler.callbacks):
            if type(cb).__name__ in _PRINTERS:
                trainer.remove_callback(cb)
        return trainer


def _fp32_forward(model) -> None:
    """Mixed-precision training leaves accelerate's autocast wrapper on the model's forward: take it off, so the
    final evaluation and the model kept in memory run in fp32, as the saved model does."""
    if "_original_forward" in getattr(model, "__dict__", {}):
        from accelerate.utils import extract_model_from_parallel

        extract_model_from_parallel(model, keep_fp32_wrapper=False)


def train(config, on_event: Callable[[dict], None] | None = None) -> dict:
    """Run one training to the end in the calling thread.

    Args:
        config: A RunSpec, a config dict, or the path of a JSON/YAML config file.
        on_event: Optional function called as ``fn(event_dict)`` for every event of the run.

    Returns:
        The summary (as written to OUTPUT_DIR/summary.json).

    Raises:
        WorkbenchError: the configuration cannot run (nothing is trained or written then), or the run failed.
    """
    runner = Runner(_as_spec(config), on_event=on_event)
    summary = runner.run_blocking()
    if runner.status == RunStatus.ERROR:
        if isinstance(runner.exception, WorkbenchError):
            raise runner.exception
        raise WorkbenchError(
            f"the run failed: {runner.error}",
            fix="see error.log in the output folder; the model trained so far is in final/.",
        )
    return summary
