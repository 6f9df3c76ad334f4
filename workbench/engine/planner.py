"""The planner before Start: a short probe of a few training steps gives the run's estimated time; on a CUDA GPU
it also measures the memory the run will take and the largest batch that fits.

The probe builds the run as it will train (the same Plan, model, loss, precision and batch), times a few optimizer
steps after a warm-up one, and times encoding for the evaluations; nothing is saved. It takes about as long as
loading the model plus a few steps, so the app runs it on demand in a subprocess (``workbench plan CONFIG --json``)
and caches the answer per config: the page kernel never imports torch for it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from .. import rules
from ..spec import RunSpec
from .plan import Plan, build

PROBE_STEPS = 4
MAX_BATCH_LIMIT = 1024


@dataclass
class Estimate:
    """What the planner measured (seconds unless said otherwise; memory in MiB, None off a GPU)."""

    seconds: float
    steps: int
    step_s: float
    train_s: float
    eval_s: float
    evaluations: int
    load_s: float
    probe_steps: int
    probe_s: float
    device: str
    batch: int
    memory_mb: float | None = None
    total_memory_mb: float | None = None
    max_batch: int | None = None
    max_batch_memory_mb: float | None = None
    max_batch_limit: int | None = None

    @property
    def text(self) -> str:
        return rules.about(self.seconds)

    def to_dict(self) -> dict:
        return {**asdict(self), "text": self.text}


class OutOfMemory(Exception):
    """A probe step ran out of accelerator memory."""


def is_oom(exc: BaseException) -> bool:
    """Whether an exception is an accelerator out-of-memory error (torch's, or a RuntimeError saying so)."""
    return (
        isinstance(exc, OutOfMemory)
        or type(exc).__name__ == "OutOfMemoryError"
        or "out of memory" in str(exc)
    )


def find_max_batch(
    try_batch: Callable[[int], float], start: int, limit: int = MAX_BATCH_LIMIT
) -> tuple[int | None, float | None]:
    """The largest batch, doubling from ``start`` up to ``limit``, for which ``try_batch`` runs without running out
    of memory; ``try_batch(b)`` returns the peak memory (MiB) of a step at batch ``b``.

    Returns:
        (the batch, its peak memory), or (None, None) when even ``start`` does not fit.
    """
    best, best_mem = None, None
    batch = max(1, start)
    while batch <= limit:
        try:
            mem = try_batch(batch)
        except Exception as exc:
            if not is_oom(exc):
                raise
            break
        best, best_mem = batch, mem
        batch *= 2
    return best, best_mem


class StepTimer:
    """A trainer callback timing each optimizer step."""

    def __init__(self):
        self.durations: list[float] = []
        self._t = 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self._t = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.durations.append(time.perf_counter() - self._t)

    def __getattr__(self, name):  # every other callback event: nothing to do
        if name.startswith("on_"):
            return lambda *a, **k: None
        raise AttributeError(name)


def _probe_trainer(plan: Plan, model, out: str, batch: int, steps: int, callbacks=()):
    import importlib

    from .. import catalog as C
    from .losses import make_losses
    from .runner import _PRINTERS, TRAINERS

    args = {
        **plan.args,
        "per_device_train_batch_size": batch,
        "max_steps": steps,
        "save_strategy": "no",
        "eval_strategy": "no",
        "logging_strategy": "no",
        "report_to": "none",
        "load_best_model_at_end": False,
        "push_to_hub": False,
    }
    args.pop("eval_steps", None)
    args_obj = C.training_args_class(plan.model_type)(output_dir=out, **args)
    module, name = TRAINERS[plan.model_type]
    train = plan.train if len(plan.train) > 1 else next(iter(plan.train.values()))
    trainer = getattr(importlib.import_module(module), name)(
        model=model,
        args=args_obj,
        train_dataset=train,
        loss=make_losses(plan, model),
        callbacks=list(callbacks),
    )
    for cb in list(trainer.callback_handler.callbacks):
        if type(cb).__name__ in _PRINTERS:
            trainer.remove_callback(cb)
    return trainer


def _texts_per_evaluation(plan: Plan, split: str | None = None) -> int:
    """How many texts the evaluators encode in one evaluation (their dataset's text cells, or queries + corpus)."""
    total = 0
    for ev in plan.evaluators:
        if split and ev.split != split:
            continue
        inst = ev.instance
        if ev.choice.dataset:
            s, _, name = ev.choice.dataset.partition("/")
            ds = plan.dataset(s, name).dataset
            cols = [
                c for c, f in ds.features.items() if getattr(f, "dtype", "") in ("string", "large_string")
            ]
            total += ds.num_rows * max(1, len(cols))
        else:
            total += len(getattr(inst, "queries", []) or []) + len(getattr(inst, "corpus", []) or [])
    return total


def _seconds_per_text(plan: Plan, model, n: int = 64) -> float:
    """Encoding time per text, from the first train set's first text column (eval batch size)."""
    ds = next(iter(plan.train.values()))
    col = next(c for c, f in ds.features.items() if getattr(f, "dtype", "") in ("string", "large_string"))
    texts = [str(t) for t in ds[col][:n]] or ["a short text"]
    encode = getattr(model, "encode", None)
    if encode is None or plan.model_type == "cross-encoder":
        pairs = [[t, t] for t in texts]
        run = lambda: model.predict(pairs, batch_size=int(plan.args.get("per_device_eval_batch_size", 64)))  # noqa: E731
    else:
        run = lambda: encode(texts, batch_size=int(plan.args.get("per_device_eval_batch_size", 64)))  # noqa: E731
    run()  # warm-up
    t = time.perf_counter()
    run()
    return (time.perf_counter() - t) / len(texts)


def probe(spec: RunSpec, *, steps: int = PROBE_STEPS, max_batch: bool | None = None) -> Estimate:
    """Estimate a run from a probe of ``steps`` optimizer steps (after one warm-up step).

    Args:
        spec: The run as it would start; its output folder is not touched (the probe writes to a temporary one).
        steps: Steps to time (the first, warm-up step is not counted).
        max_batch: Probe the largest batch that fits (default: on a CUDA GPU only).

    Raises:
        WorkbenchError: the configuration cannot run (the same refusals as Start).
    """
    from . import models

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wb-probe-") as tmp:
        plan = build(spec.replace(output_dir=tmp, overwrite=True, resume_from_checkpoint=None))
        with models.quiet_loading():
            model = models.build_model(plan.spec.model, num_labels=plan.num_labels, device=plan.device)
        load_s = time.monotonic() - started
        on_gpu = plan.device == "cuda"
        per_text = _seconds_per_text(plan, model)
        batch = int(plan.args.get("per_device_train_batch_size", 8))
        timer = StepTimer()
        if on_gpu:
            import torch

            torch.cuda.reset_peak_memory_stats()
        t = time.monotonic()
        with models.quiet_loading():
            trainer = _probe_trainer(plan, model, tmp, batch, steps + 1, [timer])
            batches_per_epoch = len(trainer.get_train_dataloader())
            trainer.train()
        probe_s = time.monotonic() - t
        step_s = statistics.median(timer.durations[1:] or timer.durations)
        memory = total = best = best_mem = None
        if on_gpu:
            import torch

            memory = torch.cuda.max_memory_allocated() / 2**20
            total = torch.cuda.get_device_properties(0).total_memory / 2**20
        if max_batch if max_batch is not None else on_gpu:
            best, best_mem = find_max_batch(lambda b: _try_batch(plan, model, tmp, b), batch)
    n_steps = rules.total_steps(batches_per_epoch, plan.args)
    evaluations = rules.n_evaluations(n_steps, plan.args)
    eval_s = per_text * (
        _texts_per_evaluation(plan) * 2 + _texts_per_evaluation(plan, "eval") * evaluations
    )  # baseline and final: every evaluator; during training: the eval ones
    train_s = step_s * n_steps
    return Estimate(
        seconds=round(load_s + train_s + eval_s, 1),
        steps=n_steps,
        step_s=round(step_s, 4),
        train_s=round(train_s, 1),
        eval_s=round(eval_s, 3),
        evaluations=evaluations,
        load_s=round(load_s, 1),
        probe_steps=len(timer.durations[1:]) or len(timer.durations),
        probe_s=round(probe_s, 1),
        device=plan.device_info.get("name", plan.device),
        batch=batch,
        memory_mb=None if memory is None else round(memory, 1),
        total_memory_mb=None if total is None else round(total, 1),
        max_batch=best,
        max_batch_memory_mb=None if best_mem is None else round(best_mem, 1),
        max_batch_limit=MAX_BATCH_LIMIT if best is not None else None,
    )


def _try_batch(plan: Plan, model, out: str, batch: int) -> float:
    """Peak GPU memory (MiB) of two steps at ``batch`` (raises the OOM error when it does not fit)."""
    import torch

    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    try:
        _probe_trainer(plan, model, out, batch, 2).train()
    finally:
        model.zero_grad(set_to_none=True)
    return torch.cuda.max_memory_allocated() / 2**20
