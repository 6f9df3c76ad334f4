"""The exact events of a finished, a stopped and a failed run of the tiny model, as a RecordingListener sees them."""

from __future__ import annotations

import pytest
from wb_data import inline, scored_pairs, unseen_pairs

from workbench.engine import RunEvent, RunListener, Runner, build, streaming
from workbench.spec import RunSpec


class RecordingListener(RunListener):
    """Keeps every event; ``sequence`` names each one (a status by its value)."""

    def __init__(self):
        self.events: list[RunEvent] = []

    def handle(self, event: RunEvent) -> None:
        self.events.append(event)

    def sequence(self) -> list[str]:
        return [f"status:{e.status.value}" if e.type == "status" else e.type for e in self.events]


class StopAt(RecordingListener):
    """Records, and asks the run to stop at the first event of one type."""

    def __init__(self, runner: Runner, event_type: str):
        super().__init__()
        self.runner, self.event_type = runner, event_type

    def handle(self, event: RunEvent) -> None:
        super().handle(event)
        if event.type == self.event_type:
            self.runner.stop()


@pytest.fixture(autouse=True)
def fp32(monkeypatch):
    """The sequences below are the events of a run, not of a machine: a CPU with bf16 adds its precision notes."""
    monkeypatch.setenv("WORKBENCH_CPU_BF16", "0")


@pytest.fixture
def every_step(monkeypatch):
    """A progress event at every step end (not every quarter of a second), so the sequence does not depend on speed."""
    monkeypatch.setattr(streaming, "PROGRESS_INTERVAL_S", 0.0)


def _plan(make_config, max_steps: int):
    cfg = make_config(
        {"sts": inline(scored_pairs(8))},
        eval={"dev": inline(unseen_pairs(8))},  # no leak: a leak is a note event
        loss="CosineSimilarityLoss",
        args={"max_steps": max_steps, "eval_strategy": "no"},
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
    )
    return build(RunSpec.from_dict(cfg))


START = ["status:loading", "status:baseline", "baseline", "status:training"]
STEP = ["progress", "log"]
TRAINED = [
    "log",
    "status:saving",
    "saved",
]  # the trainer's closing log line (runtime, mean loss), then the model


def test_a_finished_run(make_config, every_step):
    runner = Runner(_plan(make_config, 2), listeners=[recorder := RecordingListener()])
    assert runner.run_blocking()["status"] == "finished"
    assert recorder.sequence() == [*START, *STEP, *STEP, *TRAINED, "final", "status:finished"]
    assert [e.step for e in recorder.events if e.type == "progress"] == [1, 2]


def test_a_stopped_run(make_config, every_step):
    runner = Runner(_plan(make_config, 50))
    recorder = StopAt(runner, "progress")
    runner.add_listener(recorder)
    assert runner.run_blocking()["status"] == "stopped"
    # Stop is seen at the next step end: step 2 is the last one; the model is saved and measured.
    assert recorder.sequence() == [*START, *STEP, *STEP, *TRAINED, "final", "status:stopped"]


def test_a_run_stopped_before_training(make_config, every_step):
    runner = Runner(_plan(make_config, 2))
    recorder = StopAt(runner, "baseline")
    runner.add_listener(recorder)
    assert runner.run_blocking()["status"] == "stopped"
    assert recorder.sequence() == ["status:loading", "status:baseline", "baseline", "status:stopped"]


def test_a_failed_run(make_config, every_step, fails_at_the_third_step):
    runner = Runner(_plan(make_config, 4), listeners=[recorder := RecordingListener()])
    assert runner.run_blocking()["status"] == "error"
    # The error is reported when it happens; the model trained so far is saved (not measured); then the status.
    assert recorder.sequence() == [*START, *STEP, *STEP, "error", "status:saving", "saved", "status:error"]
    error = next(e for e in recorder.events if e.type == "error")
    assert (
        error.kind == "RuntimeError" and error.message.startswith("RuntimeError: boom") and not error.fixable
    )


def test_a_run_that_cannot_start(make_config, tmp_path):
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    broken = {**cfg, "model": {**cfg["model"], "name_or_path": str(tmp_path / "no-such-model")}}
    runner = Runner(build(RunSpec.from_dict(broken)), listeners=[recorder := RecordingListener()])
    assert runner.run_blocking()["status"] == "error"
    assert recorder.sequence() == ["status:loading", "error", "status:error"]
    error = recorder.events[1]
    assert error.fixable and "no-such-model" in error.message and error.where == "model.name_or_path"
