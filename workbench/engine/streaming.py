"""The bridge from the trainer to the run's events: a transformers callback that turns the trainer's steps and logs
into progress, log and eval events, and asks the trainer to stop when the run was told to (at every step end)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .events import EvalEvent, LogEvent, ProgressEvent

if TYPE_CHECKING:
    from .runner import Runner

# The least time between two progress events (the last step always sends one).
PROGRESS_INTERVAL_S = 0.25


def streaming_callback(runner: Runner):
    """A transformers TrainerCallback sending the runner's progress, log and eval events, and honouring Stop."""
    from transformers import TrainerCallback

    class StreamingCallback(TrainerCallback):
        """Streams log / eval / progress rows to the runner and honours Stop at every step end."""

        def __init__(self):
            self.started = time.monotonic()
            self.first_step = 0
            self.last_progress = 0.0

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.monotonic()
            self.first_step = state.global_step

        def on_step_end(self, args, state, control, **kwargs):
            # Every rank of a launched run stops at the same step (one that went on would wait for the others).
            stopping = runner.ranks.any(runner.should_stop())
            if stopping:
                # Save a checkpoint as well as stopping: a stopped run can always be resumed from where it was.
                control.should_training_stop = True
                control.should_save = True
            now = time.monotonic()
            last = stopping or state.global_step >= state.max_steps  # the last step always reports
            if last or now - self.last_progress >= PROGRESS_INTERVAL_S:
                self.last_progress = now
                elapsed = now - self.started
                done = state.global_step - self.first_step
                eta = elapsed / done * (state.max_steps - state.global_step) if done > 0 else None
                runner._emit(
                    ProgressEvent(
                        step=state.global_step,
                        max_steps=state.max_steps,
                        epoch=state.epoch,
                        elapsed_s=round(elapsed, 3),
                        eta_s=None if eta is None else round(eta, 3),
                        first_step=self.first_step,
                    )
                )
            runner.steps = state.global_step

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = dict(logs or {})
            logs.pop("total_flos", None)
            if any(key.startswith("eval_") for key in logs):
                metrics = {k: v for k, v in logs.items() if k != "epoch"}
                runner._emit(EvalEvent(step=state.global_step, epoch=state.epoch, metrics=metrics))
            else:
                # The trainer's own epoch, when it logs one, wins (as in the rows metrics.jsonl always held).
                epoch = logs.pop("epoch", state.epoch)
                runner._emit(LogEvent(step=state.global_step, epoch=epoch, values=logs))

    return StreamingCallback()
