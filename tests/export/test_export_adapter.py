"""The exported script of an adapter run puts the same LoRA adapter on the same layers, and trains the same run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_export import _exec, _lint
from wb_data import binary_pairs, inline, scored_pairs
from wb_files import write_config

from workbench.engine import Runner, build
from workbench.engine.adapters import parameter_counts, transformer_module
from workbench.export import export_script
from workbench.spec import RunSpec, load_config

LORA = {"type": "lora", "r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "auto"}


@pytest.mark.parametrize("model_type", ["sentence-transformer", "cross-encoder", "sparse-encoder"])
def test_script_builds_the_adapter_the_run_builds(model_type, make_config, tmp_path):
    data = binary_pairs(8) if model_type == "cross-encoder" else scored_pairs(8)
    loss = {"cross-encoder": "BinaryCrossEntropyLoss", "sparse-encoder": "auto"}.get(model_type, "CoSENTLoss")
    cfg = make_config({"d": inline(data)}, model_type=model_type, loss=loss)
    cfg["model"]["adapter"] = LORA
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "target_modules=['query', 'value']" in script and "lora_alpha=8" in script
    assert "learning_rate=0.0001,  # workbench default for adapters" in script
    theirs = _exec(script)["build_model"]()
    ours = Runner(plan)._build_model(plan)
    assert parameter_counts(theirs) == parameter_counts(ours)
    assert parameter_counts(ours)[0] < parameter_counts(ours)[1] / 4
    trainable = sorted(n for n, p in theirs.named_parameters() if p.requires_grad)
    assert trainable == sorted(n for n, p in ours.named_parameters() if p.requires_grad)
    assert type(transformer_module(theirs).model).__name__ == "PeftModel"
    if model_type == "cross-encoder":
        assert "modules_to_save=['classifier', 'pooler']" in script


def test_exported_adapter_script_runs_and_matches_the_workbench_run(tiny_model, tmp_path):
    """Justified (20-80 s, by load): the script runs in a subprocess, as a person would run it."""
    from workbench.engine import train

    config = write_config(tmp_path, tiny_model)
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "model": {**data["model"], "adapter": LORA}}))
    spec = load_config(config)
    spec = spec.replace(args={**spec.args, "max_steps": 2, "learning_rate": 1e-2})
    ours = train(spec)
    script = tmp_path / "train.py"
    script.write_text(export_script(spec))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    final = tmp_path / f"{Path(spec.output_dir).name}-script-output" / "final"
    assert (final / "adapter_config.json").is_file() and not (final / "model.safetensors").exists()
    theirs = json.loads((final.parent / "summary.json").read_text())
    assert ours["final"] != ours["baseline"]
    for key, value in ours["final"].items():
        assert theirs["final"][key] == pytest.approx(value, abs=1e-4), key


def _run_script(script: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, env=env, timeout=300, cwd=cwd
    )


def _adapter_weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter_model.safetensors"))


def test_exported_adapter_script_resumes_from_its_checkpoint(tiny_model, tmp_path, monkeypatch):
    """Justified (30-100 s, by load): the script runs twice in a subprocess, as a person would run it. A run cut
    short after its step-2 checkpoint, run again with --resume, trains steps 3 and 4 only, from the checkpoint's
    adapter weights: it ends with the uninterrupted run's model."""
    monkeypatch.setenv("WORKBENCH_CPU_BF16", "0")  # exact figures: fp32 on both runs
    config = write_config(tmp_path, tiny_model)
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "model": {**data["model"], "adapter": LORA}}))
    spec = load_config(config)
    args = {
        "max_steps": 4,
        "learning_rate": 1e-2,
        "save_strategy": "steps",
        "save_steps": 2,
        "save_total_limit": 2,
    }
    # early stopping (on by default with an eval set) would keep only the best checkpoint: this test needs step 2's
    spec = spec.replace(args={**spec.args, **args}, early_stopping=False)
    script = tmp_path / "train.py"
    script.write_text(export_script(spec))
    assert "resume_adapter(trainer)" in script.read_text()
    out = tmp_path / f"{Path(spec.output_dir).name}-script-output"

    refused = _run_script(script, tmp_path, "--resume")  # nothing to resume from yet: said, not a traceback
    assert refused.returncode != 0 and "no checkpoint" in refused.stderr and "Traceback" not in refused.stderr

    whole = _run_script(script, tmp_path)
    assert whole.returncode == 0, whole.stderr[-3000:]
    checkpoints = out / "checkpoints"
    assert (checkpoints / "checkpoint-2" / "adapter_model.safetensors").is_file()
    assert not (checkpoints / "checkpoint-2" / "model.safetensors").exists()  # adapter weights only
    expected = _adapter_weights(out / "final")
    # Cut short after step 2: the later checkpoint and the final model are gone.
    shutil.rmtree(out / "final")
    shutil.rmtree(checkpoints / "checkpoint-4")
    (out / "summary.json").unlink()

    resumed = _run_script(script, tmp_path, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert json.loads((out / "summary.json").read_text())["steps"] == 4
    state = json.loads((checkpoints / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    # Only steps 3 and 4 ran (the loss of each step is printed as it is logged).
    assert resumed.stdout.count("'loss'") == 2 and whole.stdout.count("'loss'") == 4, resumed.stdout[-2000:]
    got = _adapter_weights(out / "final")
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert torch_allclose(got[name], value), name


def torch_allclose(a, b) -> bool:
    import torch

    return bool(torch.allclose(a.float(), b.float(), atol=1e-5))
