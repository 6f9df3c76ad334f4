"""The exported script of an adapter run puts the same LoRA adapter on the same layers, and trains the same run."""

from __future__ import annotations

import json
import os
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
