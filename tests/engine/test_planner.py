"""The planner before Start: step and evaluation counts, the estimate in words, the probe on the tiny model, the
max-batch probe (faked out-of-memory: no GPU needed), and `workbench plan`."""

from __future__ import annotations

import json

import pytest
from wb_files import write_config

from workbench import rules as R
from workbench.engine import planner
from workbench.spec import load_config


@pytest.mark.parametrize(
    "batches, args, steps",
    [
        (100, {"num_train_epochs": 1}, 100),
        (100, {"num_train_epochs": 2, "gradient_accumulation_steps": 4}, 50),
        (100, {"num_train_epochs": 0.5}, 50),
        (100, {"num_train_epochs": 1, "max_steps": 7}, 7),
        (3, {"num_train_epochs": 1, "gradient_accumulation_steps": 8}, 1),
    ],
)
def test_total_steps_counts_as_the_trainer(batches, args, steps):
    assert R.total_steps(batches, args) == steps


@pytest.mark.parametrize(
    "args, n",
    [
        ({"eval_strategy": "steps", "eval_steps": 72}, 5),
        ({"eval_strategy": "steps", "eval_steps": 0.2}, 5),  # a ratio of the run
        ({"eval_strategy": "epoch", "num_train_epochs": 2}, 2),
        ({"eval_strategy": "no", "eval_steps": 10}, 0),
        ({}, 0),
    ],
)
def test_evaluations_during_training(args, n):
    assert R.n_evaluations(360, args) == n


def test_the_estimate_in_words():
    assert R.about(20) == "under a minute"
    assert R.about(61) == "about 1 min" and R.about(5.4 * 60) == "about 5 min"
    assert R.about(3 * 3600) == "about 3.0 h" and R.about(None) == "unknown"


class FakeOOM(RuntimeError):
    pass


FakeOOM.__name__ = "OutOfMemoryError"  # as torch.OutOfMemoryError is named


@pytest.mark.parametrize(
    "fits, start, expected", [(64, 16, 64), (100, 16, 64), (8, 16, None), (5000, 16, 1024)]
)
def test_max_batch_doubles_until_memory_runs_out(fits, start, expected):
    tried = []

    def try_batch(b):
        tried.append(b)
        if b > fits:
            raise FakeOOM("CUDA out of memory. Tried to allocate 2.00 GiB")
        return b * 10.0

    best, mem = planner.find_max_batch(try_batch, start)
    assert best == expected and mem == (None if expected is None else expected * 10.0)
    assert tried[0] == start and all(b2 == 2 * b1 for b1, b2 in zip(tried, tried[1:], strict=False))


def test_max_batch_probe_does_not_hide_other_errors():
    def broken(b):
        raise ValueError("a bug, not memory")

    with pytest.raises(ValueError, match="a bug"):
        planner.find_max_batch(broken, 8)


def test_probe_on_the_tiny_model_estimates_without_touching_the_output(tiny_model, tmp_path, monkeypatch):
    path = write_config(tmp_path, tiny_model)
    spec = load_config(path)
    tried = []

    def fake_try(plan, model, out, batch):  # the GPU's step, faked: fits up to 32
        tried.append(batch)
        if batch > 32:
            raise FakeOOM("CUDA out of memory")
        return 100.0 * batch

    monkeypatch.setattr(planner, "_try_batch", fake_try)
    est = planner.probe(spec, steps=2, max_batch=True)
    # 24 rows, a quarter held out for eval: 18 train rows at batch 4 -> 5 batches, 1 epoch.
    assert est.steps == 5 and est.batch == 4 and est.probe_steps == 2
    assert est.step_s > 0 and est.train_s == pytest.approx(est.step_s * 5, rel=0.01, abs=0.05)
    assert est.evaluations == 1 and est.eval_s > 0 and est.load_s > 0
    assert est.seconds == pytest.approx(est.load_s + est.train_s + est.eval_s, abs=0.2)
    assert est.memory_mb is None and est.device == "CPU"  # no GPU here: no memory figure
    assert (est.max_batch, est.max_batch_memory_mb, tried) == (32, 3200.0, [4, 8, 16, 32, 64])
    assert not (tmp_path / "runs").exists()  # the config's output folder is not touched
    lines = R.estimate_lines({**est.to_dict(), "memory_mb": 2048.0, "total_memory_mb": 81920.0})
    assert lines[0].startswith("Estimated time: under a minute (5 steps")
    assert lines[1] == "GPU memory at batch 4: 2.0 GB of 80 GB"
    assert lines[2].startswith("Largest batch that fits: 32 (3.1 GB")


def test_workbench_plan_prints_the_estimate(tiny_model, tmp_path, capsys):
    from workbench.cli import main

    path = write_config(tmp_path, tiny_model)
    assert main(["plan", str(path), "--steps", "1", "--json"]) == 0
    est = json.loads(capsys.readouterr().out)
    assert est["steps"] == 5 and est["text"] == "under a minute" and est["max_batch"] is None
    assert main(["plan", str(path), "--steps", "0"]) == 2
    assert "--steps must be between 1 and 100" in capsys.readouterr().err
