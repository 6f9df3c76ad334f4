"""The run folder is the truth: events.jsonl, status.json, the STOP file, a stop's checkpoint, resuming, and a
run's folder read back (RunInfo) with no process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from wb_data import inline, scored_pairs

from workbench.engine import (
    EventFollower,
    RunFolder,
    RunListener,
    Runner,
    RunStatus,
    StatusEvent,
    list_runs,
    read_run,
    request_stop,
    resume_from,
    stop_requested,
)
from workbench.spec import RunSpec


def _spec(make_config, steps=6, **args) -> RunSpec:
    return RunSpec.from_dict(
        make_config(
            {"sts": inline(scored_pairs(16))},
            eval={"dev": inline(scored_pairs(8))},
            loss="CosineSimilarityLoss",
            args={"max_steps": steps, "eval_strategy": "no", **args},
            evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        )
    )


class StopFileAt(RunListener):
    """Writes the STOP file (as another page or `workbench stop` would) when the run reaches a step."""

    def __init__(self, run_dir, step):
        self.run_dir, self.step = run_dir, step

    def on_log(self, event):  # logging_steps is 1: a log event at every step
        if event.step >= self.step:
            request_stop(self.run_dir)


class StopAtBaseline(RunListener):
    def __init__(self, runner):
        self.runner = runner

    def on_baseline(self, event):
        self.runner.stop()


def test_a_run_writes_its_events_and_status(make_config):
    spec = _spec(make_config, steps=3)
    Runner(spec).run_blocking()
    events = EventFollower(spec.output_dir).poll()
    kinds = [e.type for e in events]
    assert kinds[0] == "status" and events[0].status is RunStatus.LOADING
    assert {"baseline", "progress", "log", "saved", "final"} <= set(kinds)
    assert events[-1] == StatusEvent(RunStatus.FINISHED)
    status = json.loads((Path(spec.output_dir) / "status.json").read_text())
    assert status["status"] == "finished" and status["pid"] == os.getpid() and status["backend"] == "thread"
    assert status["ended"] >= status["started"] and status["step"] == 3


def test_a_stop_file_stops_the_run_with_a_checkpoint_and_resume_continues_from_it(make_config):
    spec = _spec(make_config, steps=8)
    # Written on step 3's log, which comes after step 3's end: the run stops at the end of step 4.
    runner = Runner(spec, listeners=[StopFileAt(spec.output_dir, 3)])
    runner.run_blocking()
    assert runner.status is RunStatus.STOPPED
    info = read_run(spec.output_dir)
    assert info.status == "stopped" and info.checkpoint_step == 4 and info.resumable
    assert (Path(spec.output_dir) / "final" / "config.json").is_file()  # the model is saved too
    assert resume_from(info) is True

    # The STOP file of the first attempt does not stop the second (it is older than the attempt).
    resumed = Runner(spec.replace(resume_from_checkpoint=True))
    summary = resumed.run_blocking()
    assert resumed.status is RunStatus.FINISHED, resumed.error
    steps = [e.step for e in EventFollower(spec.output_dir).poll() if e.type == "log" and "loss" in e.values]
    assert steps == [1, 2, 3, 4, 5, 6, 7, 8]  # the plot continues where it stopped
    assert summary["steps"] == 8
    after = read_run(spec.output_dir)
    assert after.status == "finished" and not after.resumable
    with pytest.raises(ValueError, match="finished"):
        resume_from(after)


def test_a_run_stopped_before_training_resumes_by_starting_again(make_config):
    spec = _spec(make_config, steps=2)
    runner = Runner(spec)
    runner.add_listener(StopAtBaseline(runner))
    runner.run_blocking()
    info = read_run(spec.output_dir)
    assert info.status == "stopped" and info.checkpoint_step is None
    assert resume_from(info) is None


def test_a_run_whose_process_died_is_a_failure_that_can_resume(tmp_path):
    run = tmp_path / "runs" / "r1"
    folder = RunFolder(run, backend="process")
    folder.handle(StatusEvent(RunStatus.TRAINING))
    folder.close()
    (run / "checkpoints" / "checkpoint-5").mkdir(parents=True)
    (run / "checkpoints" / "checkpoint-5" / "trainer_state.json").write_text("{}")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    status = json.loads((run / "status.json").read_text())
    status["pid"] = int(dead.stdout)  # a process that has ended
    (run / "status.json").write_text(json.dumps(status))
    config = {
        "model": {"name_or_path": "m"},
        "datasets": {"train": {"faq": {"source": "csv", "path": "/d/faq.csv"}}},
    }
    (run / "config.json").write_text(json.dumps(config))
    info = read_run(run)
    assert info.status == "error" and info.died and info.checkpoint_step == 5 and info.resumable
    assert "ended without finishing" in info.error and info.data == "faq (faq.csv)"
    assert resume_from(info) is True
    assert [r.name for r in list_runs(tmp_path / "runs")] == ["r1"]


def test_a_live_run_is_listed_as_running(tmp_path):
    folder = RunFolder(tmp_path / "runs" / "live")
    folder.handle(StatusEvent(RunStatus.TRAINING))
    try:
        info = read_run(tmp_path / "runs" / "live")
        assert info.status == "training" and not info.died and info.active
        with pytest.raises(ValueError, match="still going"):
            resume_from(info)
    finally:
        folder.close()


def test_stop_requests_older_than_the_attempt_do_not_count(tmp_path):
    request_stop(tmp_path)
    assert stop_requested(tmp_path)
    assert not stop_requested(tmp_path, since=time.time() + 5)
    assert stop_requested(tmp_path, since=time.time() - 5)


def test_the_follower_reads_whole_lines_only_and_starts_over_on_a_new_file(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text('{"type": "status", "status": "loading"}\n{"type": "status", "sta')
    follower = EventFollower(tmp_path)
    assert [e.status for e in follower.poll()] == [RunStatus.LOADING]
    with open(events, "a") as f:
        f.write('tus": "training"}\nnot json\n')
    assert [e.status for e in follower.poll()] == [RunStatus.TRAINING]  # the torn line, whole; junk skipped
    assert follower.poll() == []
    replacement = tmp_path / "new.jsonl"
    replacement.write_text('{"type": "status", "status": "loading"}\n')
    os.replace(replacement, events)
    assert [e.status for e in follower.poll()] == [RunStatus.LOADING]


def test_a_reused_pid_is_not_the_run_s_process(tmp_path):
    folder = RunFolder(tmp_path / "r", backend="process")
    folder.handle(StatusEvent(RunStatus.TRAINING))
    folder.close()
    status = json.loads((tmp_path / "r" / "status.json").read_text())
    assert status["pid"] == os.getpid() and status["pid_started"] is not None
    status["pid_started"] -= 1  # this pid, but a process started at another time: the machine restarted
    (tmp_path / "r" / "status.json").write_text(json.dumps(status))
    info = read_run(tmp_path / "r")
    assert info.died and info.status == "error"


def test_a_summary_with_an_unknown_status_does_not_break_the_list(tmp_path):
    run = tmp_path / "runs" / "odd"
    run.mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps({"status": "exploded", "baseline": {}, "final": {}}))
    (listed,) = list_runs(tmp_path / "runs")
    assert listed.status == "error"


def test_the_status_file_is_written_before_the_event_that_ends_the_run(tmp_path):
    folder = RunFolder(tmp_path / "r")
    seen = []
    real = folder._write_event

    def write_event(event):
        seen.append(json.loads((tmp_path / "r" / "status.json").read_text())["status"])
        real(event)

    folder._write_event = write_event
    folder.handle(StatusEvent(RunStatus.FINISHED))
    folder.close()
    assert seen == ["finished"]
