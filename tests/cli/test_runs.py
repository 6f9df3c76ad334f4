"""`workbench runs`, `workbench stop RUN_DIR` and `workbench train CONFIG --resume`, with a real worker process
(the app's process backend) started on a config and stopped through its folder."""

from __future__ import annotations

import json
import time

import pytest
from test_cli import assert_bad_input, run_cli
from wb_files import write_config

from workbench.engine import EventFollower, read_run, start_worker
from workbench.spec import load_config


def _wait(predicate, timeout=180.0, what="the run"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)  # polling another process's files: nothing to wait on
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


@pytest.mark.timeout(400)
def test_a_worker_run_is_listed_stopped_from_the_cli_and_resumed(tiny_model, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    config = write_config(
        tmp_path,
        tiny_model,
        args={
            "per_device_train_batch_size": 2,
            "logging_steps": 1,
            "save_strategy": "no",
            "max_steps": 400,
        },
    )
    spec = load_config(config)
    out = tmp_path / "runs" / "sts"
    proc = start_worker(spec)
    try:
        rc, listed, err = run_cli(capsys, "runs", "--json")  # at once: the first status.json is written
        assert rc == 0, err
        first = json.loads(listed)
        assert [r["name"] for r in first] == ["sts"] and first[0]["backend"] == "process"
        _wait(lambda: read_run(out).status == "training" and read_run(out).step >= 2, what="training")

        rc, said, err = run_cli(capsys, "stop", out)
        assert rc == 0, err
        assert "asked run sts to stop" in said
        assert proc.wait(timeout=120) == 0  # a stop that was asked for is not a failure
    finally:
        if proc.poll() is None:
            proc.kill()
    info = read_run(out)
    assert info.status == "stopped" and info.checkpoint_step and info.step == info.checkpoint_step
    assert (out / "final" / "modules.json").is_file()

    rc, table, err = run_cli(capsys, "runs", "--root", tmp_path / "runs")
    assert rc == 0, err
    assert f"stopped, can resume from step {info.checkpoint_step}" in table and "sts" in table

    rc, stdout, err = run_cli(
        capsys, "train", config, "--resume", "--max-steps", str(info.step + 2), "--quiet"
    )
    assert rc == 0, err
    after = read_run(out)
    assert after.status == "finished" and after.step == info.step + 2
    steps = [e.step for e in EventFollower(out).poll() if e.type == "log" and "loss" in e.values]
    assert steps == list(range(1, info.step + 3))  # one continuous curve over both attempts

    rc, _, err = run_cli(capsys, "train", config, "--resume")
    assert_bad_input(rc, err, "cannot resume", "finished")
    rc, _, err = run_cli(capsys, "stop", out)
    assert_bad_input(rc, err, "not running")


def test_runs_and_stop_bad_input(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "runs", "--root", tmp_path / "none")
    assert rc == 0 and "no runs in" in out, err
    rc, _, err = run_cli(capsys, "stop", tmp_path)
    assert_bad_input(rc, err, "not a workbench run folder", "workbench runs")
