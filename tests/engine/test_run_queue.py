"""The run queue's tickets (runs/.queue/<device>/): order, the limit, stale tickets, GPUs, a Stop while queued."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from workbench.engine import read_run
from workbench.engine.run_folder import write_json_atomic
from workbench.engine.run_queue import Ticket, queue_limit, queue_state, visible_gpus, wait_turn


def _run(folder, status="queued"):
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / "status.json", {"status": status})
    return folder


def test_tickets_are_served_in_order_up_to_the_limit(tmp_path):
    first = Ticket(_run(tmp_path / "a"), tmp_path, limit=1, env={"CUDA_VISIBLE_DEVICES": ""})
    second = Ticket(_run(tmp_path / "b"), tmp_path, limit=1, env={"CUDA_VISIBLE_DEVICES": ""})
    third = Ticket(_run(tmp_path / "c"), tmp_path, limit=1, env={"CUDA_VISIBLE_DEVICES": ""})
    assert second.try_admit() == 1  # the first has not been admitted yet, but it is ahead
    assert third.try_admit() == 2
    assert first.try_admit() == 0 and second.try_admit() == 1 and third.try_admit() == 2
    first.leave()
    assert third.try_admit() == 1, "FIFO: the third never passes the second"
    assert second.try_admit() == 0 and third.try_admit() == 1
    assert [t["run_dir"] for t in queue_state(tmp_path)["cpu"]] == [str(tmp_path / "b"), str(tmp_path / "c")]


def test_a_limit_of_two_admits_two_and_each_gets_its_own_gpu(tmp_path):
    env = {"CUDA_VISIBLE_DEVICES": "0,1"}
    assert visible_gpus(env) == ["0", "1"] and queue_limit({**env, "WORKBENCH_MAX_RUNS": "auto"}) == 2
    assert queue_limit({}) is None and queue_limit({"WORKBENCH_MAX_RUNS": "3"}) == 3
    one, two, three = (Ticket(_run(tmp_path / n), tmp_path, limit=2, env=env) for n in "abc")
    assert one.try_admit() == 0 and two.try_admit() == 0 and three.try_admit() == 1
    assert {one.data["gpu"], two.data["gpu"]} == {"0", "1"} and one.folder.name == "gpu"
    one.leave()
    assert three.try_admit() == 0 and three.data["gpu"] == one.data["gpu"]


def test_a_launched_run_on_gpus_holds_a_place_per_process_and_a_cpu_launch_queues_on_the_cpu(tmp_path):
    env = {"CUDA_VISIBLE_DEVICES": "0,1,2"}
    single = Ticket(_run(tmp_path / "a"), tmp_path, limit=3, env=env)
    launched = Ticket(_run(tmp_path / "b"), tmp_path, limit=3, env=env, slots=2)
    after = Ticket(_run(tmp_path / "c"), tmp_path, limit=3, env=env)
    assert single.try_admit() == 0 and launched.try_admit() == 0
    assert launched.data["gpus"] == ["1", "2"] and single.data["gpus"] == ["0"]
    assert after.try_admit() == 1, "the three GPUs are taken: one by a run, two by the launch"
    single.leave()
    assert after.try_admit() == 0 and after.data["gpus"] == ["0"]
    after.leave()
    everything = Ticket(
        _run(tmp_path / "d"), tmp_path, limit=3, env=env, slots=8
    )  # more processes than places
    assert everything.slots == 3 and everything.try_admit() == 1  # it waits for the launch: then takes all
    launched.leave()
    assert everything.try_admit() == 0 and everything.data["gpus"] == ["0", "1", "2"]
    cpu = Ticket(_run(tmp_path / "e"), tmp_path, limit=1, env=env, device="cpu")
    assert cpu.folder.name == "cpu" and cpu.try_admit() == 0 and cpu.data["gpus"] == []


def test_stale_tickets_of_dead_processes_and_ended_runs_are_removed(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    waiting = Ticket(_run(tmp_path / "w"), tmp_path, limit=1, env={"CUDA_VISIBLE_DEVICES": ""})
    ghost = waiting.folder / "00000000000000000001-1.json"  # a page's worker that was killed: first in line
    ghost.write_text(
        json.dumps(
            {
                "run_dir": str(_run(tmp_path / "g")),
                "pid": int(dead.stdout),
                "host": waiting.data["host"],
                "admitted": True,
            }
        )
    )
    ended = waiting.folder / "00000000000000000002-2.json"  # a run that ended without dropping its ticket
    ended.write_text(
        json.dumps({**waiting.data, "run_dir": str(_run(tmp_path / "e", "finished")), "admitted": True})
    )
    resumed = Ticket(_run(tmp_path / "s", "stopped"), tmp_path, limit=1, env={"CUDA_VISIBLE_DEVICES": ""})
    write_json_atomic(
        tmp_path / "s" / "status.json", {"status": "stopped", "ended": resumed.data["taken"] - 60}
    )
    assert waiting.try_admit() == 0
    assert not ghost.exists() and not ended.exists()
    assert resumed.path.exists() and resumed.try_admit() == 1, "a resume of a stopped run keeps its place"


def test_a_stop_while_queued_leaves_the_queue_and_trains_nothing(tmp_path):
    holder = Ticket(_run(tmp_path / "a", "training"), tmp_path, limit=1, env={"CUDA_VISIBLE_DEVICES": ""})
    assert holder.try_admit() == 0
    folder = _run(tmp_path / "b", "loading")
    said, polls = [], []

    def stopped():
        polls.append(1)
        return len(polls) > 2

    assert wait_turn(folder, tmp_path, stopped, limit=1, say=said.append, poll=0.01) is None
    assert said == ["queued: 1 run ahead of you; it starts when the device frees"]
    info = read_run(folder)
    assert info.status == "stopped" and not (folder / "final").exists()
    from workbench.session import run_state

    (tmp_path / "q").mkdir()
    me = {"pid": os.getpid(), "host": socket.gethostname()}
    write_json_atomic(tmp_path / "q" / "status.json", {"status": "queued", **me})
    assert run_state(read_run(tmp_path / "q")) == "queued: waiting for the device (another run holds it)"
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    assert [e.get("status") or e["text"][:22] for e in events] == [
        "queued",
        "queued: 1 run ahead of",
        "stopped before it star",
        "stopped",
    ]
    assert [t["run_dir"] for t in queue_state(tmp_path)["cpu"]] == [str(tmp_path / "a")]
    holder.leave()
    ticket = wait_turn(folder, tmp_path, lambda: False, limit=1, poll=0.01)
    assert ticket is not None and ticket.data["admitted"]


def test_ctrl_c_while_queued_ends_the_run_stopped_and_leaves_the_queue(tmp_path):
    holder = Ticket(_run(tmp_path / "a", "training"), tmp_path, limit=1, env={"CUDA_VISIBLE_DEVICES": ""})
    assert holder.try_admit() == 0

    def interrupted():
        raise KeyboardInterrupt

    folder = _run(tmp_path / "b", "loading")
    with pytest.raises(KeyboardInterrupt):
        wait_turn(folder, tmp_path, interrupted, limit=1, poll=0.01)
    assert read_run(folder).status == "stopped"
    assert [t["run_dir"] for t in queue_state(tmp_path)["cpu"]] == [str(tmp_path / "a")]
