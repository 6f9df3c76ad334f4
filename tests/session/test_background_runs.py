"""Runs that outlive the page: a Session starts a run in a worker process, a second Session (the page after a
reload) attaches to it, stops it, resumes it; a killed worker is a failure that can resume; the thread backend
writes the same folder."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from wb_data import inline, scored_pairs
from wb_runs import until

from workbench.engine import read_run
from workbench.errors import WorkbenchError
from workbench.session import Session
from workbench.spec import RunSpec


def _session(make_config, tmp_path, monkeypatch, backend="process", **args) -> Session:
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
        loss="CosineSimilarityLoss",
        args={"per_device_train_batch_size": 2, "eval_strategy": "no", **args},
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        output="runs/r1",
    )
    session = Session.from_spec(RunSpec.from_dict(cfg), background=False)
    session.auto_output = False
    session.control.backend = backend
    return session


def _loss_steps(session) -> list[int]:
    return [row["step"] for row in session.history if row.get("type") == "log" and "loss" in row]


@pytest.mark.timeout(400)
def test_a_worker_run_is_attached_after_a_reload_stopped_there_and_resumed(
    make_config, tmp_path, monkeypatch
):
    page = _session(make_config, tmp_path, monkeypatch, max_steps=2000, logging_steps=1)
    worker = page.start()
    try:
        assert page.run_dir == str(tmp_path / "runs" / "r1") and worker.pid
        until(lambda: page.status == "training" and len(_loss_steps(page)) >= 3, what="training")

        # The page is reloaded: a new Session finds the run under way and shows it, curve and all.
        reloaded = Session(background=False)
        assert reloaded.control.attach_running() == page.run_dir
        # Its tabs show the run's own settings (not what the new page started with), and its top line says so.
        assert reloaded.model_name == page.model_name and reloaded.settings_of == page.run_dir
        assert (
            [e.key for e in reloaded.datasets] == [e.key for e in page.datasets] == ["train/sts", "eval/dev"]
        )
        assert "settings of the run under way (r1)" in reloaded.data_summary()
        until(lambda: reloaded.status == "training" and len(_loss_steps(reloaded)) >= 3, what="the replay")
        assert reloaded.baseline == page.baseline and reloaded.primary == page.primary

        reloaded.stop()  # Stop from the new page stops the worker the old page started
        assert reloaded.wait(120) and page.wait(120)
        assert worker.wait(60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert reloaded.status == page.status == "stopped"
    info = read_run(page.run_dir)
    assert info.checkpoint_step and reloaded.saved_path.endswith("final")
    stopped_at = info.checkpoint_step

    # Resume (same folder, from its checkpoint): the curve goes on from the step it stopped at.
    with pytest.raises(WorkbenchError, match="already holds a trained model") as refused:
        page.start()  # a fresh run in that folder would overwrite its model: refused, with the ways out
    assert "Overwrite it" in refused.value.fix and "New folder for every run" in refused.value.fix
    config = Path(page.run_dir) / "config.json"  # the test shortens the run it resumes (2000 steps)
    config.write_text(config.read_text().replace('"max_steps": 2000', f'"max_steps": {stopped_at + 3}'))
    reloaded.resume(page.run_dir)
    assert reloaded.output_dir == page.run_dir, "'Where the model goes' names the resumed run's folder"
    assert reloaded.to_spec().train, "the page now holds the resumed run's configuration"
    assert reloaded.dataset("train/sts") is not None, "...and has loaded its data"
    assert "loading" not in reloaded.data_summary(), reloaded.data_summary()
    assert reloaded.wait(180), reloaded.log
    assert reloaded.status == "finished", reloaded.error
    steps = _loss_steps(reloaded)
    assert steps[-4:] == [stopped_at, stopped_at + 1, stopped_at + 2, stopped_at + 3] or steps[-3:] == [
        stopped_at + 1,
        stopped_at + 2,
        stopped_at + 3,
    ]
    assert steps == sorted(steps)
    assert reloaded.progress["first_step"] == stopped_at  # its clock counts from the resume, and says so
    assert read_run(page.run_dir).status == "finished"


@pytest.mark.timeout(400)
def test_a_killed_worker_is_a_failure_that_says_where_it_can_resume(make_config, tmp_path, monkeypatch):
    page = _session(make_config, tmp_path, monkeypatch, max_steps=2000, save_strategy="steps", save_steps=2)
    worker = page.start()
    try:
        until(lambda: read_run(page.run_dir).checkpoint_step, what="a checkpoint")
    finally:
        os.kill(worker.pid, signal.SIGKILL)
    assert page.wait(60)
    assert page.status == "error"
    step = read_run(page.run_dir).checkpoint_step
    assert f"resume from step {step}" in page.error.lower(), page.error
    info = read_run(page.run_dir)
    assert info.resumable and info.status == "error"


def test_the_thread_backend_writes_the_same_folder(make_config, tmp_path, monkeypatch):
    page = _session(make_config, tmp_path, monkeypatch, backend="thread", max_steps=3)
    page.start()
    assert page.wait(120) and page.status == "finished", page.error
    info = read_run(page.run_dir)
    assert info.status == "finished" and info.backend == "thread" and info.pid == os.getpid()
    other = Session(background=False)
    other.attach(page.run_dir)  # another page opens the finished run: results and curve from its folder
    assert other.wait(30)
    assert other.status == "finished" and other.final == page.final and other.saved_path == page.saved_path
    assert _loss_steps(other) == _loss_steps(page)
