"""Two pages of a served app press Start at once on one device: one runs, the other waits in the queue with its
place shown, Stop takes a queued run out of the queue, and the waiting run starts when the device frees."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from wb_data import inline, scored_pairs

from workbench.engine import read_run
from workbench.session import Session
from workbench.spec import RunSpec


def _until(predicate, timeout=120.0, what="it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)  # other processes' progress: nothing to wait on but time
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


def _page(make_config, name: str, max_steps: int) -> Session:
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        loss="CosineSimilarityLoss",
        args={"per_device_train_batch_size": 2, "max_steps": max_steps},
        output=f"runs/{name}",
    )
    page = Session.from_spec(RunSpec.from_dict(cfg), background=False)
    page.auto_output = False
    page.control.backend = "process"
    return page


def _queued_lines(page: Session) -> list[str]:
    return [line for line in page.log if "queued: " in line]


def _status_times(run_dir: str, status: str) -> list[float]:
    lines = (Path(run_dir) / "events.jsonl").read_text().splitlines()
    return [e["time"] for e in map(json.loads, lines) if e.get("status") == status]


# Two worker processes each import torch and train a tiny model on 2 shared CPUs (~60 s in all): justified, as the
# queue is between processes.
@pytest.mark.timeout(480)
def test_two_pages_starting_at_once_take_turns_and_stop_takes_a_queued_run_out(
    make_config, tmp_path, monkeypatch
):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("WORKBENCH_MAX_RUNS", "1")  # as `workbench app` sets it for its pages
    one, two = _page(make_config, "one", 2000), _page(make_config, "two", 2000)
    workers = [one.start(), two.start()]  # at once
    try:
        _until(lambda: "queued" in (one.status, two.status), what="a run to queue")
        running, waiting = (one, two) if two.status == "queued" else (two, one)
        _until(
            lambda: waiting.queue == "queued: 1 run ahead of you; it starts when the device frees",
            what="the place",
        )
        _until(lambda: running.status == "training", what="the first run to train")
        assert waiting.status == "queued" and read_run(waiting.run_dir).status == "queued"

        waiting.stop()  # Stop on a queued run: it leaves the queue; nothing is trained or saved
        assert waiting.wait(60) and waiting.status == "stopped"
        assert not (Path(waiting.run_dir) / "final").exists() and not waiting.saved_path
        assert any("stopped before it started" in line for line in waiting.log), waiting.log
        assert running.status == "training"

        # A third page presses Start: it queues behind the run going on, and starts once that one stops.
        third = _page(make_config, "three", 3)
        workers.append(third.start())
        _until(lambda: third.queue.startswith("queued: 1 run ahead"), what="the third page's place")
        running.stop()
        assert running.wait(120) and running.status == "stopped" and running.saved_path
        assert third.wait(240) and third.status == "finished", third.error
        assert third.queue == "" and "finished" in third.status
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    # Nothing overwritten: each run has its own folder and model, and the third trained only after the first ended.
    assert Path(running.saved_path) != Path(third.saved_path)
    assert (Path(running.run_dir) / "final").is_dir() and (Path(third.run_dir) / "final").is_dir()
    assert min(_status_times(third.run_dir, "training")) >= max(_status_times(running.run_dir, "stopped"))
    assert not list((tmp_path / "runs" / ".queue").rglob("*.json")), "no ticket left behind"


def test_a_run_in_the_page_kernel_queues_too(make_config, tmp_path, monkeypatch):
    from workbench.engine.run_queue import Ticket

    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("WORKBENCH_MAX_RUNS", "1")
    (tmp_path / "runs" / "other").mkdir(parents=True)
    other = Ticket(
        tmp_path / "runs" / "other", tmp_path / "runs", limit=1
    )  # another page's run holds the device
    assert other.try_admit() == 0
    page = _page(make_config, "mine", 3)
    page.control.backend = "thread"
    page.start()
    _until(lambda: page.status == "queued" and page.queue.startswith("queued: 1 run ahead"), what="queued")
    page.stop()
    assert page.wait(30) and page.status == "stopped" and not (Path(page.run_dir) / "final").exists()
    page.auto_output, page.output_dir = False, str(tmp_path / "runs" / "again")
    page.start()
    _until(lambda: page.status == "queued", what="queued again")
    other.leave()  # the device frees
    assert page.wait(120) and page.status == "finished", page.error
    assert page.queue == "" and not list((tmp_path / "runs" / ".queue").rglob("*.json"))
