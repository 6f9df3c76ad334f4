"""Faults of a run in its folder: a worker killed with SIGKILL, damaged status.json / events.jsonl, and a new app
server's page finding a run that went on while the server restarted."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from wb_data import inline, scored_pairs
from wb_runs import until

from workbench.engine import RunFolder, RunStatus, StatusEvent, list_runs, read_run
from workbench.engine.events import ProgressEvent
from workbench.engine.run_folder import HEARTBEAT_S
from workbench.session import Session, run_state
from workbench.spec import RunSpec


def _until(predicate, timeout=120.0, what="it"):
    until(predicate, timeout, what, poll=0.05)


# A worker process imports torch and trains the tiny model twice (killed, then resumed): ~40 s on 2 shared CPUs.
@pytest.mark.timeout(400)
def test_a_killed_worker_fails_within_a_heartbeat_resumes_and_never_shows_a_checkpoint_as_final(
    make_config, tmp_path, monkeypatch
):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        loss="CosineSimilarityLoss",
        args={"per_device_train_batch_size": 2, "max_steps": 2000, "save_strategy": "steps", "save_steps": 2},
        output="runs/r1",
    )
    page = Session.from_spec(RunSpec.from_dict(cfg), background=False)
    page.auto_output, page.control.backend = False, "process"
    worker = page.start()
    try:
        _until(lambda: (read_run(page.run_dir).checkpoint_step or 0) >= 2, what="a checkpoint")
    finally:
        os.kill(worker.pid, signal.SIGKILL)
    killed = time.monotonic()
    _until(lambda: page.status == "error", timeout=HEARTBEAT_S, what="the failure within one heartbeat")
    assert time.monotonic() - killed <= HEARTBEAT_S
    step = read_run(page.run_dir).checkpoint_step
    assert f"resume from step {step}" in page.error.lower(), page.error
    # The last checkpoint is never presented as the model: no final/, nothing saved, the summary says no model.
    assert not page.saved_path and not (Path(page.run_dir) / "final").exists()
    # Another page (the app server restarted, a new Session) sees it failed and resumable, from the folder alone.
    other = Session(background=False)
    info = next(r for r in other.control.runs() if r.path == page.run_dir)
    assert info.status == "error" and info.died and not info.saved
    assert run_state(info) == f"failed (its process ended), can resume from step {step}"
    config = Path(page.run_dir) / "config.json"  # the test shortens the run it resumes
    config.write_text(config.read_text().replace('"max_steps": 2000', f'"max_steps": {step + 2}'))
    other.resume(page.run_dir)
    assert other.wait(180) and other.status == "finished", other.error
    assert (Path(page.run_dir) / "final" / "model.safetensors").is_file()
    assert read_run(page.run_dir).step == step + 2


def _live_run(folder: Path) -> RunFolder:
    run = RunFolder(folder, backend="process")
    run.handle(StatusEvent(RunStatus.TRAINING))
    run.handle(ProgressEvent(step=4, max_steps=10, epoch=0.5, elapsed_s=1.0, eta_s=1.5))
    (folder / "config.json").write_text(
        json.dumps({"model": {"name_or_path": "m"}, "datasets": {"train": {}}})
    )
    (folder / "checkpoints" / "checkpoint-4").mkdir(parents=True)
    (folder / "checkpoints" / "checkpoint-4" / "trainer_state.json").write_text("{}")
    return run


@pytest.mark.parametrize("damaged", ["status.json", "events.jsonl", "both"])
def test_damaged_run_files_still_list_and_show_the_run_as_interrupted(tmp_path, monkeypatch, damaged):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    folder = tmp_path / "runs" / "r1"
    run = _live_run(folder)
    run.close()
    ok = _live_run(tmp_path / "runs" / "r0")  # a healthy run beside it is listed as before
    try:
        if damaged in ("status.json", "both"):
            text = (folder / "status.json").read_text()
            (folder / "status.json").write_text(text[: len(text) // 2])  # truncated mid-write
        if damaged in ("events.jsonl", "both"):
            with open(folder / "events.jsonl", "a") as events:
                events.write('{"type": "progress", "step": 5, "max_st')  # a torn last line
        if damaged == "events.jsonl":  # its status.json names a process that is gone
            status = json.loads((folder / "status.json").read_text())
            (folder / "status.json").write_text(json.dumps({**status, "pid": 2**22 + 7}))
        page = Session(background=False)
        runs = {r.name: r for r in page.control.runs()}
        assert set(runs) == {"r0", "r1"} and runs["r0"].status == "training"
        info = runs["r1"]
        assert info.status == "error" and info.died and info.checkpoint_step == 4
        assert run_state(info) == "failed (its process ended), can resume from step 4"
        page.attach(folder)
        assert page.wait(30) and page.status == "error"
        assert "resume from step 4" in page.error.lower(), page.error
        assert [r.name for r in list_runs(tmp_path / "runs")]  # the list still opens afterwards
    finally:
        ok.close()
