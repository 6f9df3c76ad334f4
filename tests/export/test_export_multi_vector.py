"""A multi-vector run exported as a script: the script imports the multi-vector classes, builds the same model,
loss and evaluators, and `python train.py` trains to the same metrics as the workbench run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_export import _chain, _exec, _lint
from wb_data import inline, teacher_scored, triplets

from workbench import catalog as C
from workbench.engine import build, make_losses, train
from workbench.export import export_script
from workbench.spec import RunSpec


def _config(make_config):
    return make_config(
        {"tri": inline(triplets(12))},
        model_type=C.MULTI,
        loss="MultiVectorMultipleNegativesRankingLoss",
        eval={"dev": inline(triplets(8))},
        evaluators=[{"name": "MultiVectorInformationRetrievalEvaluator", "dataset": "eval/dev"}],
        args={"max_steps": 2},
    )


def test_the_script_builds_the_multi_vector_model_loss_and_evaluator(make_config, tmp_path):
    spec = RunSpec.from_dict(_config(make_config))
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "from sentence_transformers.multi_vector_encoder import" in script
    assert "MultiVectorEncoderTrainer" in script and "MultiVectorEncoderTrainingArguments" in script
    ns = _exec(script)
    model = ns["build_model"]()
    assert type(model).__name__ == "MultiVectorEncoder"
    assert _chain(ns["build_loss"](model)) == _chain(make_losses(plan, model))
    evaluators = ns["build_evaluators"](*ns["load_datasets"]()[1:])
    assert [type(e).__name__ for _, e in evaluators] == ["MultiVectorInformationRetrievalEvaluator"]


def test_the_exported_script_runs_and_matches_the_run(make_config, tmp_path):
    """Justified (~30-60 s by load): the script runs in a subprocess, as a person would run it."""
    cfg = _config(make_config)
    ours = train(cfg)
    spec = RunSpec.from_dict(cfg)
    script = tmp_path / "train.py"
    script.write_text(export_script(spec))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / f"{Path(spec.output_dir).name}-script-output"
    theirs = json.loads((out / "summary.json").read_text())
    assert theirs["steps"] == ours["steps"] == 2
    key = "dev_maxsim_ndcg@10"
    assert key in ours["final"] and set(theirs["final"]) == set(ours["final"])
    for k, value in ours["final"].items():
        assert theirs["final"][k] == pytest.approx(value, abs=1e-4), k
    from sentence_transformers import MultiVectorEncoder

    assert type(MultiVectorEncoder(str(out / "final"), device="cpu")).__name__ == "MultiVectorEncoder"


@pytest.mark.parametrize(
    ("modifier", "written"),
    [
        ({"name": "MultiVectorMatryoshkaLoss"}, "dims = [dim >> i for i in range(16)"),
        (
            {"name": "MultiVectorTokenPoolingLoss", "params": {"token_poolings": [1, 2.5]}},
            "token_poolings=[None, HierarchicalTokenPooling(pool_factor=2.5)]",
        ),
    ],
)
def test_the_script_wraps_the_loss_in_the_same_multi_vector_modifier(
    make_config, tmp_path, modifier, written
):
    cfg = _config(make_config)
    cfg["loss"] = {"name": "MultiVectorMultipleNegativesRankingLoss", "modifier": modifier}
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert f"loss = losses.{modifier['name']}(" in script and written in script
    ns = _exec(script)
    model = ns["build_model"]()
    theirs, ours = ns["build_loss"](model), make_losses(plan, model)
    assert _chain(theirs) == _chain(ours) == [modifier["name"], "MultiVectorMultipleNegativesRankingLoss"]
    assert theirs.get_config_dict() == ours.get_config_dict()


def test_the_script_builds_the_same_multi_vector_distillation_evaluator(make_config, tmp_path):
    cfg = make_config(
        {"kd": inline(teacher_scored(12), label="scores")},
        model_type=C.MULTI,
        loss="MultiVectorDistillKLDivLoss",
        eval={"dev": inline(teacher_scored(8), label="scores")},
        evaluators=[{"name": "MultiVectorDistillationEvaluator", "dataset": "eval/dev"}],
    )
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    ns = _exec(script)
    ((split, theirs),) = ns["build_evaluators"](*ns["load_datasets"]()[1:])
    (ours,) = plan.evaluators
    assert split == "eval" and type(theirs).__name__ == "MultiVectorDistillationEvaluator"
    assert (theirs.queries, theirs.documents, theirs.name) == (
        ours.instance.queries,
        ours.instance.documents,
        "dev",
    )
    assert theirs.scores.tolist() == ours.instance.scores.tolist()


def test_the_script_puts_the_same_lora_adapter_and_trains_the_new_projection(make_config, tmp_path):
    import torch

    from workbench.engine import Runner

    cfg = _config(make_config)
    cfg["model"]["adapter"] = {"type": "lora", "r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "auto"}
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "get_peft_model(model[0].model, config)" in script and "model[1].requires_grad_(True)" in script
    theirs = _exec(script)["build_model"]()
    ours = Runner(plan)._build_model(plan)

    def trainable(model) -> list[tuple[str, int]]:
        return [(n, p.numel()) for n, p in model.named_parameters() if p.requires_grad]

    assert trainable(theirs) == trainable(ours) and any(n.startswith("1.") for n, _ in trainable(ours))
    # The script's resume loads a checkpoint's projection too (it trains in full, outside the adapter file).
    import types

    from safetensors.torch import load_file

    cfg["args"].update({"max_steps": 2, "save_strategy": "steps", "save_steps": 2})
    train(cfg)
    checkpoint = Path(cfg["output_dir"]) / "checkpoints" / "checkpoint-2"
    saved = load_file(str(checkpoint / "1_Dense" / "model.safetensors"))
    ns = _exec(script)
    trainer = types.SimpleNamespace(model=ns["build_model"]())
    assert not all(torch.equal(v, trainer.model[1].state_dict()[k]) for k, v in saved.items())
    ns["resume_adapter"](trainer)
    trainer._load_from_checkpoint(str(checkpoint))
    assert all(torch.equal(v, trainer.model[1].state_dict()[k]) for k, v in saved.items())
