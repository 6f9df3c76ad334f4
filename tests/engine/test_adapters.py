"""LoRA adapter runs on the tiny model: what trains, what is saved, merge and save, resume, bad settings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from wb_data import TEXTS, binary_pairs, inline, scored_pairs

from workbench.engine import Runner, build, train
from workbench.engine.adapters import ADAPTER_CONFIG
from workbench.engine.merge import load_adapter_model, merge
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec

LORA = {"type": "lora", "r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "auto"}


def _adapter_config(make_config, adapter=LORA, model_type="sentence-transformer", **kw) -> dict:
    data = binary_pairs(16) if model_type == "cross-encoder" else scored_pairs(16)
    cfg = make_config(
        {"sts": inline(data)},
        model_type=model_type,
        loss="BinaryCrossEntropyLoss" if model_type == "cross-encoder" else "CosineSimilarityLoss",
        # A learning rate large enough that 4 steps visibly move a tiny random model's adapter.
        args={"learning_rate": 1e-2, **kw.pop("args", {})},
        **kw,
    )
    cfg["model"]["adapter"] = adapter
    return cfg


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def test_adapter_run_saves_only_the_adapter_and_the_base_stays(make_config, tiny_model):
    from safetensors.torch import load_file

    cfg = _adapter_config(make_config)
    events = []
    summary = train(cfg, on_event=events.append)
    final = Path(cfg["output_dir"]) / "final"
    assert summary["status"] == "finished"
    assert (final / ADAPTER_CONFIG).is_file() and (final / "adapter_model.safetensors").is_file()
    assert not (final / "model.safetensors").exists()  # no full weights: only the adapter
    saved = load_file(str(final / "adapter_model.safetensors"))
    assert saved and all("lora_" in k for k in saved)
    assert any(
        float(v.abs().sum()) > 0 for k, v in saved.items() if "lora_B" in k
    )  # B starts at 0: it trained
    config = json.loads((final / ADAPTER_CONFIG).read_text())
    assert sorted(config["target_modules"]) == ["query", "value"] and config["r"] == 4
    notes = [e["text"] for e in events if e["type"] == "note"]
    assert any("LoRA r=4" in n and "parameters train" in n for n in notes)
    card = (final / "README.md").read_text()
    assert "## Adapter" in card and "lora" in card and "workbench merge" in card

    # The base weights in the trained model are the base model's own, bit for bit.
    model = load_adapter_model(final, "sentence-transformer")
    base = _weights(Path(tiny_model))
    state = {k: v for k, v in model[0].model.state_dict().items() if "lora_" not in k}
    compared = 0
    for key, value in state.items():
        name = "bert." + key.replace("base_layer.", "")
        if name in base:
            assert np.array_equal(value.numpy(), base[name].numpy()), key
            compared += 1
    assert compared >= 30


def test_merged_model_is_plain_and_encodes_like_the_adapter(make_config):
    from sentence_transformers import SentenceTransformer

    cfg = _adapter_config(make_config)
    train(cfg)
    run = Path(cfg["output_dir"])
    out = merge(run)
    assert out == run / "merged"
    assert (out / "model.safetensors").is_file() and not (out / ADAPTER_CONFIG).exists()
    assert not (out / "adapter_model.safetensors").exists()
    keys = set(_weights(out))
    assert not any("lora" in k or k.startswith("base_model.") for k in keys)
    adapter = load_adapter_model(run / "final", "sentence-transformer").encode(TEXTS[:6])
    plain = SentenceTransformer(str(out), device="cpu")
    assert type(plain[0].model).__name__ == "BertModel"
    assert not any("lora" in n for n, _ in plain.named_modules())
    merged = plain.encode(TEXTS[:6])
    assert np.abs(adapter - merged).max() < 1e-4
    # ... and differs from the base model: the adapter did something.
    base = SentenceTransformer(cfg["model"]["name_or_path"], device="cpu").encode(TEXTS[:6])
    assert np.abs(base - merged).max() > 1e-3
    assert merge(run) == out  # a second merge replaces the first


def test_merge_refuses_what_is_not_an_adapter_run(make_config, tmp_path):
    with pytest.raises(WorkbenchError, match="not a run folder"):
        merge(tmp_path / "nowhere")
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss", output="full")
    train(cfg)
    with pytest.raises(WorkbenchError, match="not an adapter run") as err:
        merge(cfg["output_dir"])
    assert "SentenceTransformer(" in err.value.fix


def test_merge_keeps_other_files_in_the_out_folder(make_config, tmp_path):
    cfg = _adapter_config(make_config)
    train(cfg)
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(WorkbenchError, match="already holds files") as err:
        merge(cfg["output_dir"], other)
    assert "--overwrite" in err.value.fix and (other / "notes.txt").is_file()


def test_adapter_run_resumes_from_an_adapter_checkpoint(make_config):
    cfg = _adapter_config(make_config, args={"max_steps": 4, "save_strategy": "steps", "save_steps": 2})
    assert train(cfg)["steps"] == 4
    out = Path(cfg["output_dir"])
    checkpoint = out / "checkpoints" / "checkpoint-4"
    assert (checkpoint / "adapter_model.safetensors").is_file() and not (
        checkpoint / "model.safetensors"
    ).exists()
    before = _adapter_state(out / "final")
    second = {**cfg, "args": {**cfg["args"], "max_steps": 6}, "resume_from_checkpoint": True}
    plan = build(RunSpec.from_dict(second))
    assert plan.resume.endswith("checkpoint-4")
    events = []
    summary = Runner(plan, on_event=events.append).run_blocking()
    assert summary["status"] == "finished" and summary["steps"] == 6
    losses = [e for e in events if e["type"] == "log" and "loss" in e]
    assert [e["step"] for e in losses] == [5, 6]
    after = _adapter_state(out / "final")
    assert set(after) == set(before) and any(not np.array_equal(before[k], after[k]) for k in before)


def test_resume_loads_the_checkpoint_adapter_weights(make_config, monkeypatch):
    """The resumed run starts from the checkpoint's adapter, not from a fresh one (B = 0)."""
    from workbench.engine import adapters

    cfg = _adapter_config(make_config, args={"max_steps": 2, "save_strategy": "steps", "save_steps": 2})
    train(cfg)
    out = Path(cfg["output_dir"])
    saved = _adapter_state(out / "checkpoints" / "checkpoint-2")
    loaded = {}
    real = adapters.resume_adapters

    def spying(trainer):
        real(trainer)
        load = trainer._load_from_checkpoint

        def load_and_look(path, *rest):
            load(path, *rest)
            peft_model = adapters.transformer_module(trainer.model).model
            loaded.update(
                {k: v.detach().numpy().copy() for k, v in peft_model.state_dict().items() if "lora_" in k}
            )

        trainer._load_from_checkpoint = load_and_look

    monkeypatch.setattr("workbench.engine.runner.resume_adapters", spying)
    second = {**cfg, "args": {**cfg["args"], "max_steps": 3}, "resume_from_checkpoint": True}
    assert train(second)["steps"] == 3
    b_keys = [k for k in saved if "lora_B" in k]
    assert b_keys and all(
        np.array_equal(saved[k], loaded[k.replace(".weight", ".default.weight")]) for k in b_keys
    )


def _adapter_state(folder: Path) -> dict:
    from safetensors.torch import load_file

    return {k: v.numpy() for k, v in load_file(str(folder / "adapter_model.safetensors")).items()}


def test_cross_encoder_adapter_trains_its_new_head_and_merges(make_config):
    from sentence_transformers import CrossEncoder

    cfg = _adapter_config(make_config, model_type="cross-encoder", output="ce")
    events = []
    assert train(cfg, on_event=events.append)["status"] == "finished"
    notes = " ".join(e["text"] for e in events if e["type"] == "note")
    assert "the new layers classifier, pooler in full" in notes
    run = Path(cfg["output_dir"])
    pairs = [(a, b) for a, b in zip(TEXTS[:6:2], TEXTS[1:6:2], strict=True)]
    adapter = load_adapter_model(run / "final", "cross-encoder").predict(pairs)
    out = merge(run)
    merged = CrossEncoder(str(out), device="cpu").predict(pairs)
    assert np.abs(np.asarray(adapter) - np.asarray(merged)).max() < 1e-4


def test_adapter_learning_rate_default_and_a_config_that_sets_one(make_config):
    cfg = _adapter_config(make_config)
    cfg["args"].pop("learning_rate")
    assert build(RunSpec.from_dict(cfg)).args["learning_rate"] == 1e-4
    full = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    assert build(RunSpec.from_dict(full)).args["learning_rate"] == 5e-5  # the dense default
    cfg["args"]["learning_rate"] = 3e-4
    assert build(RunSpec.from_dict(cfg)).args["learning_rate"] == 3e-4


@pytest.mark.parametrize(
    "targets, match",
    [(["query", "nonsense"], "'nonsense' is not a Linear layer"), (["querry"], "did you mean 'query'")],
)
def test_target_modules_that_name_no_layer_are_refused(make_config, targets, match):
    cfg = _adapter_config(make_config, adapter={**LORA, "target_modules": targets})
    with pytest.raises(WorkbenchError, match=match) as err:
        train(cfg)
    assert err.value.where == "model.adapter.target_modules" and "value" in err.value.fix
    assert not (Path(cfg["output_dir"]) / "final").exists()


def test_explicit_target_modules_are_used(make_config):
    cfg = _adapter_config(make_config, adapter={**LORA, "target_modules": "query, key, value, dense"})
    train(cfg)
    config = json.loads((Path(cfg["output_dir"]) / "final" / ADAPTER_CONFIG).read_text())
    assert sorted(config["target_modules"]) == ["dense", "key", "query", "value"]


def test_a_stopped_adapter_run_resumes_from_its_stop_checkpoint(make_config):
    """Stop writes a checkpoint of the adapter (no save_steps reached yet); Resume continues from it."""
    from workbench.engine import CallbackListener

    cfg = _adapter_config(make_config, args={"max_steps": 2000, "per_device_train_batch_size": 2})
    runner = Runner(RunSpec.from_dict(cfg))
    stop_at = 3
    runner.add_listener(
        CallbackListener(
            lambda e: runner.stop() if e["type"] == "progress" and e["step"] >= stop_at else None
        )
    )
    summary = runner.run_blocking()
    assert runner.status == "stopped", runner.error
    out = Path(cfg["output_dir"])
    checkpoints = sorted((out / "checkpoints").glob("checkpoint-*"))
    assert checkpoints and (checkpoints[-1] / "adapter_model.safetensors").is_file()
    stopped_at = summary["steps"]
    second = {**cfg, "args": {**cfg["args"], "max_steps": stopped_at + 2}, "resume_from_checkpoint": True}
    events = []
    resumed = Runner(build(RunSpec.from_dict(second)), on_event=events.append).run_blocking()
    assert resumed["status"] == "finished" and resumed["steps"] == stopped_at + 2
    assert [e["step"] for e in events if e["type"] == "log" and "loss" in e] == [
        stopped_at + 1,
        stopped_at + 2,
    ]
    assert (out / "final" / "adapter_model.safetensors").is_file()


def test_an_adapter_as_the_base_model_is_refused_with_merge_as_the_fix(make_config):
    cfg = _adapter_config(make_config)
    train(cfg)
    final = Path(cfg["output_dir"]) / "final"
    again = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss", output="again")
    again["model"]["name_or_path"] = str(final)
    with pytest.raises(WorkbenchError, match="is an adapter") as err:
        build(RunSpec.from_dict(again))
    assert "workbench merge" in err.value.fix and err.value.where == "model.name_or_path"
    again["model"]["name_or_path"] = str(merge(cfg["output_dir"]))
    assert build(RunSpec.from_dict(again)).spec.model.name_or_path.endswith("merged")


def test_an_adapter_run_ships_as_its_merged_model(make_config):
    from workbench import load_shipped
    from workbench.engine import ship

    cfg = _adapter_config(make_config, eval={"dev": inline(scored_pairs(8))})
    assert train(cfg)["status"] == "finished"
    run = Path(cfg["output_dir"])
    report = ship(run, "onnx", "none")
    assert (run / "merged" / "modules.json").is_file()  # merged first: the graph is the plain model
    adapter_model = load_adapter_model(run / "final", "sentence-transformer")
    a = np.asarray(load_shipped(report["folder"]).encode(TEXTS))
    b = np.asarray(adapter_model.encode(TEXTS))
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cos.min() > 0.9999, cos
    assert report["gate"]["passed"], report["gate"]
