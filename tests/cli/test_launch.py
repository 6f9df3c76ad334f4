"""Launched runs (`workbench train CONFIG --launcher accelerate ...`): two real CPU processes (DDP over gloo) write
one model and one summary with world size 2; Stop reaches every rank; a launched run resumes; bad launch flags exit
2; a world of the wrong size fails with a clear message."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from wb_files import write_config

import workbench
from workbench.cli import main

ROOT = str(Path(workbench.__file__).resolve().parents[1])


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def ranks_env(monkeypatch):
    """The ranks are new processes: they import this checkout's workbench, one thread each (2 shared cores)."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    )
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.mark.timeout(240)  # justified: two processes each import torch and sentence-transformers (~30 s here)
def test_two_cpu_processes_train_one_model_with_world_size_2(tiny_model, tmp_path, capsys, ranks_env):
    config = write_config(tmp_path, tiny_model)
    out = tmp_path / "two"
    rc, stdout, err = run_cli(
        capsys, "train", config, "--max-steps", "3", "--output-dir", out,
        "--launcher", "accelerate", "--cpu", "--num-processes", "2",
    )  # fmt: skip
    assert rc == 0, err[-3000:]
    assert "torch.distributed.run" in err and "--nproc_per_node 2" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == 3
    assert summary["world_size"] == 2 and summary["launcher"]["cpu"] is True
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "finished" and status["world_size"] == 2
    assert (out / "final" / "modules.json").is_file()
    events = [e["type"] for e in _rows(out / "events.jsonl")]
    assert events.count("baseline") == 1 and events.count("final") == 1 and events.count("saved") == 1
    # DDP really split the data: 18 train rows, batch 4 per process -> 2 steps an epoch (one process: 5).
    logs = [r for r in _rows(out / "metrics.jsonl") if r["type"] == "log" and "loss" in r]
    assert logs[0]["epoch"] == pytest.approx(0.5)
    notes = [e["text"] for e in _rows(out / "events.jsonl") if e["type"] == "note"]
    assert any("world size 2" in n for n in notes) and stdout.count("model saved to") == 1


@pytest.mark.timeout(300)  # justified: a 2-process run stopped, then resumed in 2 processes (~70 s here)
def test_stop_reaches_every_rank_then_the_launched_run_resumes(
    tiny_model, tmp_path, capsys, ranks_env, monkeypatch
):
    from workbench.engine import Launch, request_stop, start_worker
    from workbench.engine.run_queue import Ticket, queue_state
    from workbench.spec import load_config

    runs = tmp_path / "runs"
    monkeypatch.setenv("WORKBENCH_RUNS", str(runs))
    monkeypatch.setenv("WORKBENCH_MAX_RUNS", "1")  # as `workbench app` sets it: runs take turns on the device
    out = runs / "stopped"
    spec = load_config(write_config(tmp_path, tiny_model)).replace(
        output_dir=str(out), args={"per_device_train_batch_size": 4, "logging_steps": 1, "max_steps": 100000}
    )
    proc = start_worker(
        spec, launch=Launch(num_processes=2, cpu=True)
    )  # the app's path: a worker as the parent
    assert json.loads((out / "status.json").read_text())["world_size"] == 2
    deadline = time.monotonic() + 200
    while '"type": "log"' not in (
        (out / "metrics.jsonl").read_text() if (out / "metrics.jsonl").exists() else ""
    ):
        assert proc.poll() is None and time.monotonic() < deadline, (out / "worker.log").read_text()[-3000:]
        time.sleep(0.2)  # another process writes the file: there is nothing to block on
    # The whole launch (its parent and two ranks) holds one place on the CPU: another run queues behind it.
    (held,) = queue_state(runs)["cpu"]
    assert held["run_dir"] == str(out) and held["admitted"] and held["pid"] == proc.pid
    (runs / "next").mkdir()
    other = Ticket(runs / "next", runs, limit=1)
    assert other.try_admit() == 1
    request_stop(out)
    assert proc.wait(timeout=120) == 0, (out / "worker.log").read_text()[-3000:]
    assert other.try_admit() == 0, "the launch gave its place up when it ended"
    other.leave()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "stopped" and 1 <= summary["steps"] < 100000 and summary["world_size"] == 2
    checkpoint = next((out / "checkpoints").glob("checkpoint-*"))
    assert (checkpoint / "rng_state_0.pth").is_file() and (checkpoint / "rng_state_1.pth").is_file()
    stopped_at = summary["steps"]

    rc, stdout, err = run_cli(
        capsys, "train", out / "config.json", "--resume", "--max-steps", str(stopped_at + 2),
        "--launcher", "accelerate", "--cpu", "--num-processes", "2",
    )  # fmt: skip
    assert rc == 0, err[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert (
        summary["status"] == "finished" and summary["steps"] == stopped_at + 2 and summary["world_size"] == 2
    )


def test_a_launched_run_waits_its_turn_and_a_stop_while_queued_launches_nothing(
    tiny_model, tmp_path, capsys, monkeypatch
):
    import threading

    import workbench.engine.launch as launch
    from workbench.engine import read_run, request_stop
    from workbench.engine.run_folder import write_json_atomic
    from workbench.engine.run_queue import Ticket, queue_state

    runs = tmp_path / "runs"
    monkeypatch.setenv("WORKBENCH_RUNS", str(runs))
    monkeypatch.setenv("WORKBENCH_MAX_RUNS", "1")
    started = []
    monkeypatch.setattr(launch, "launch_command", lambda *a, **k: started.append(a) or ["false"])
    (runs / "first").mkdir(parents=True)
    write_json_atomic(runs / "first" / "status.json", {"status": "training"})
    first = Ticket(runs / "first", runs, limit=1)  # a run going on the CPU
    assert first.try_admit() == 0
    out = runs / "launched"
    argv = ["train", write_config(tmp_path, tiny_model), "--output-dir", out, "--max-steps", "2"]
    argv += ["--launcher", "accelerate", "--cpu", "--num-processes", "2"]
    codes = []
    cli = threading.Thread(target=lambda: codes.append(main([str(a) for a in argv])))
    cli.start()
    try:
        deadline = time.monotonic() + 60
        while (info := read_run(out)) is None or info.status != "queued":
            assert cli.is_alive() and time.monotonic() < deadline, capsys.readouterr().err
            time.sleep(0.05)  # the CLI's thread writes the folder: nothing to block on
        waiting = [t for t in queue_state(runs)["cpu"] if t["run_dir"] == str(out)]
        assert len(waiting) == 1 and not waiting[0]["admitted"] and waiting[0]["slots"] == 1
        assert not started and not (out / "rank_config.json").exists()  # nothing launched while it waits
        request_stop(out)
    finally:
        cli.join(timeout=60)
    assert codes == [0] and read_run(out).status == "stopped" and not started
    assert "queued: 1 run ahead of you" in capsys.readouterr().err
    assert [t["run_dir"] for t in queue_state(runs)["cpu"]] == [str(runs / "first")]
    first.leave()


@pytest.mark.timeout(240)  # justified: a real `accelerate launch` (one process importing torch, ~30 s here)
def test_an_accelerate_config_file_runs_through_accelerate_launch(tiny_model, tmp_path, capsys, ranks_env):
    acc = (
        tmp_path / "acc.yaml"
    )  # as `accelerate config` writes it for this machine (no GPU here: one CPU process)
    acc.write_text(
        "compute_environment: LOCAL_MACHINE\ndistributed_type: NO\nnum_processes: 1\nuse_cpu: true\n"
    )
    out = tmp_path / "acc"
    rc, stdout, err = run_cli(
        capsys, "train", write_config(tmp_path, tiny_model), "--max-steps", "2", "--output-dir", out,
        "--launcher", "accelerate", "--config-file", acc,
    )  # fmt: skip
    assert rc == 0, err[-3000:]
    assert "accelerate.commands.launch --config_file" in err and "model saved to" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["world_size"] == 1
    assert summary["launcher"]["config_file"] == str(acc)


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--launcher", "accelerate", "--cpu", "--num-processes", "0"], ["--num-processes", "at least 1"]),
        (["--launcher", "accelerate", "--num-processes", "two"], ["invalid int"]),
        (["--launcher", "accelerate", "--config-file", "nowhere.yaml"], ["nowhere.yaml", "does not exist"]),
        (["--launcher", "accelerate", "--config-file", "FSDP"], ["FSDP", "does not run"]),
        (["--launcher", "accelerate", "--config-file", "BAD"], ["not a YAML"]),
        (["--launcher", "accelerate", "--config-file", "MCPU"], ["MULTI_CPU", "--cpu --num-processes"]),
        (["--launcher", "accelerate", "--cpu", "--config-file", "FSDP"], ["--cpu and --config-file"]),
        (["--num-processes", "2"], ["--launcher accelerate"]),
        (["--launcher", "accelerate"], ["no CUDA GPU", "--cpu"]),
        (["--launcher", "accelerate", "--num-processes", "4"], ["4", "visible GPU"]),
    ],
)
def test_bad_launch_flags_exit_2(flags, words, tiny_model, tmp_path, capsys, monkeypatch):
    import workbench.engine.launch as launch

    gpus = 0 if flags == ["--launcher", "accelerate"] else 2
    monkeypatch.setattr(launch, "visible_gpus", lambda: gpus)
    (tmp_path / "fsdp.yaml").write_text("distributed_type: FSDP\nnum_processes: 2\n")
    (tmp_path / "bad.yaml").write_text("distributed_type: [MULTI_GPU\n")
    (tmp_path / "mcpu.yaml").write_text("distributed_type: MULTI_CPU\nnum_processes: 2\n")
    files = {"FSDP": "fsdp.yaml", "BAD": "bad.yaml", "MCPU": "mcpu.yaml"}
    flags = [str(tmp_path / files[f]) if f in files else f for f in flags]
    config = write_config(tmp_path, tiny_model)
    rc, _, err = run_cli(capsys, "train", config, *flags)
    assert rc == 2, err
    assert "Traceback" not in err and any(line.startswith("fix: ") for line in err.splitlines()), err
    for word in words:
        assert word.lower() in err.lower(), (word, err)
    assert not (tmp_path / "runs" / "sts" / "events.jsonl").exists()  # nothing started


def test_a_world_of_another_size_fails_the_run_clearly(tiny_model, tmp_path, monkeypatch, make_config):
    from wb_data import inline, scored_pairs

    from workbench.engine import Runner

    monkeypatch.setenv("WORKBENCH_WORLD_SIZE", "2")  # asked for 2; this process is a world of 1
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    runner = Runner(make_config({"sts": inline(scored_pairs())}))
    summary = runner.run_blocking()
    assert (
        summary["status"] == "error"
        and "asked for 2 processes but the launcher started 1" in summary["error"]
    )
    assert not (tmp_path / "run" / "final").exists()
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["status"] == "error" and status["world_size"] == 1


def test_one_process_with_several_gpus_warns_about_dataparallel(make_config, monkeypatch):
    import torch
    from wb_data import inline, scored_pairs

    from workbench.engine import Runner

    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the run itself stays on the CPU
    notes = []
    runner = Runner(
        make_config({"sts": inline(scored_pairs())}, args={"max_steps": 1}),
        on_event=lambda e: notes.append(e.get("text", "")) if e["type"] == "note" else None,
    )
    assert runner.run_blocking()["status"] == "finished"
    warning = next(n for n in notes if "DataParallel" in n)
    assert (
        "2 GPUs" in warning and "--launcher accelerate" in warning and "all GPUs of this machine" in warning
    )
    assert json.loads((Path(runner.plan.output_dir) / "summary.json").read_text())["world_size"] == 1


def test_a_launch_whose_processes_died_is_marked_failed(tmp_path, capsys):
    from workbench.cli.launched import _outcome
    from workbench.engine import Launch, RunFolder, RunStatus, StatusEvent, read_run

    folder = RunFolder(
        tmp_path / "died", backend="process"
    )  # the main rank got as far as training, then died
    folder.handle(StatusEvent(RunStatus.TRAINING))
    folder.close()
    rc = _outcome(tmp_path / "died", Launch(num_processes=2, cpu=True), returncode=1, interrupted=False)
    err = capsys.readouterr().err
    assert rc == 1 and "the launcher ended (exit code 1) before the main process finished" in err
    assert read_run(tmp_path / "died").status == "error"
    events = _rows(tmp_path / "died" / "events.jsonl")
    assert events[-2]["type"] == "error" and events[-1] == {**events[-1], "type": "status", "status": "error"}


SITECUSTOMIZE = """
import builtins
import os
import sys

if os.environ.get("RANK") == "0":  # the main rank's baseline fails; the other rank waits in a collective
    _import = builtins.__import__

    def _hooked(name, *args, **kwargs):
        module = _import(name, *args, **kwargs)
        runner = sys.modules.get("workbench.engine.runner")
        if runner is not None and hasattr(runner, "Runner") and not getattr(runner, "_boom", False):
            runner._boom = True

            def boom(*a, **k):
                raise RuntimeError("the baseline broke on rank 0 (test)")

            runner._evaluate = boom
        return module

    builtins.__import__ = _hooked
"""


@pytest.mark.timeout(240)  # justified: two processes each import torch and sentence-transformers (~35 s here)
def test_a_main_rank_that_fails_alone_leaves_no_rank_waiting(
    tiny_model, tmp_path, capsys, ranks_env, monkeypatch
):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), os.environ["PYTHONPATH"]]))
    out = tmp_path / "broken"
    started = time.monotonic()
    rc, _, err = run_cli(
        capsys, "train", write_config(tmp_path, tiny_model), "--max-steps", "3", "--output-dir", out,
        "--launcher", "accelerate", "--cpu", "--num-processes", "2",
    )  # fmt: skip
    assert rc == 1 and "the baseline broke on rank 0" in err, err[-3000:]
    assert (
        time.monotonic() - started < 200
    )  # the waiting rank was ended with the failed one, not at a timeout
    summary = json.loads((out / "summary.json").read_text())
    assert (
        summary["status"] == "error" and "baseline broke" in summary["error"] and summary["world_size"] == 2
    )
    assert json.loads((out / "status.json").read_text())["status"] == "error"
    assert not (out / "final").exists()
