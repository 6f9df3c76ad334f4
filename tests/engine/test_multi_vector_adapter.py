"""LoRA on a multi-vector model (tiny model): only the adapter trains in the transformer, the new token projection
trains in full beside it (a multi-vector checkpoint's own stays frozen), resume restores both, and the merged model
loads as a MultiVectorEncoder giving the adapter model's token embeddings."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
from wb_data import TEXTS, inline, triplets

from workbench import catalog as C
from workbench.engine import Runner, build, train
from workbench.engine.adapters import ADAPTER_CONFIG, resume_adapters
from workbench.engine.merge import load_adapter_model, merge
from workbench.spec import RunSpec

LORA = {"type": "lora", "r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "auto"}


def _config(make_config, base: str | None = None, output: str = "run", **args) -> dict:
    cfg = make_config(
        {"t": inline(triplets(12))},
        model_type=C.MULTI,
        loss="MultiVectorMultipleNegativesRankingLoss",
        args={"learning_rate": 1e-2, **args},  # 4 steps visibly move a tiny random model's adapter
        output=output,
    )
    cfg["model"]["adapter"] = LORA
    if base:
        cfg["model"]["name_or_path"] = base
    return cfg


def _safetensors(path: Path) -> dict:  # (numpy copies: a view of a live tensor would follow in-place loads)
    from safetensors.torch import load_file

    return {k: v.float().numpy().copy() for k, v in load_file(str(path)).items()}


def _initial_projection(cfg: dict) -> dict:
    """The projection the run started from: the run's own seeded build of the model."""
    plan = build(RunSpec.from_dict(cfg))
    model = Runner(plan)._build_model(plan)
    return {k: v.float().numpy().copy() for k, v in model[1].state_dict().items()}


def _tokens(model) -> list:
    return [t.float().numpy().copy() for t in model.encode_query(TEXTS[:4])]


def test_adapter_and_new_projection_train_the_base_stays_and_merge_keeps_the_tokens(make_config, tiny_model):
    from sentence_transformers import MultiVectorEncoder

    cfg = _config(make_config)
    start = _initial_projection(cfg)
    events = []
    assert train(cfg, on_event=events.append)["status"] == "finished"
    notes = " ".join(e["text"] for e in events if e["type"] == "note")
    assert "LoRA r=4" in notes and "Dense (token projection) in full" in notes
    run = Path(cfg["output_dir"])
    final = run / "final"
    assert (final / ADAPTER_CONFIG).is_file() and not (final / "model.safetensors").exists()
    adapter = _safetensors(final / "adapter_model.safetensors")
    assert adapter and all("lora_" in k for k in adapter)
    assert any(np.abs(v).sum() > 0 for k, v in adapter.items() if "lora_B" in k)  # B starts at 0: it trained
    projection = _safetensors(final / "1_Dense" / "model.safetensors")
    assert set(projection) == set(start) and any(np.abs(projection[k] - start[k]).max() > 1e-4 for k in start)
    # The transformer's base weights are the base model's own, bit for bit.
    model = load_adapter_model(final, C.MULTI)
    assert type(model).__name__ == "MultiVectorEncoder"
    base = _safetensors(Path(tiny_model) / "model.safetensors")
    state = {k: v.float().numpy().copy() for k, v in model[0].model.state_dict().items() if "lora_" not in k}
    compared = [k for k in state if "bert." + k.replace("base_layer.", "") in base]
    assert len(compared) >= 30
    assert all(np.array_equal(state[k], base["bert." + k.replace("base_layer.", "")]) for k in compared)

    out = merge(run)
    assert not (out / ADAPTER_CONFIG).exists() and not (out / "adapter_model.safetensors").exists()
    plain = MultiVectorEncoder(str(out), device="cpu")
    assert type(plain[0].model).__name__ == "BertModel"
    assert not any("lora" in n for n, _ in plain.named_modules())
    for ours, theirs in zip(_tokens(model), _tokens(plain), strict=True):
        assert ours.shape == theirs.shape and ours.shape[1] == 128
        assert np.abs(ours - theirs).max() < 1e-4
    # A multi-vector checkpoint's own projection stays frozen under a new adapter.
    again = _config(make_config, base=str(out), output="again", max_steps=2)
    events = []
    assert train(again, on_event=events.append)["status"] == "finished"
    assert "token projection) in full" not in " ".join(e["text"] for e in events if e["type"] == "note")
    kept = _safetensors(Path(again["output_dir"]) / "final" / "1_Dense" / "model.safetensors")
    merged = _safetensors(out / "1_Dense" / "model.safetensors")
    assert all(np.array_equal(kept[k], merged[k]) for k in merged)


def test_resume_restores_the_adapter_and_the_projection(make_config):
    cfg = _config(make_config, max_steps=2, save_strategy="steps", save_steps=2)
    plan = build(RunSpec.from_dict(cfg))
    train(cfg)
    checkpoint = Path(cfg["output_dir"]) / "checkpoints" / "checkpoint-2"
    saved = _safetensors(checkpoint / "1_Dense" / "model.safetensors")
    model = Runner(plan)._build_model(plan)  # a fresh start: adapter B = 0, the initial projection
    trainer = types.SimpleNamespace(model=model)
    resume_adapters(trainer)
    start = {k: v.float().numpy().copy() for k, v in model[1].state_dict().items()}
    trainer._load_from_checkpoint(str(checkpoint))
    loaded = {k: v.float().numpy().copy() for k, v in model[1].state_dict().items()}
    assert any(np.abs(saved[k] - start[k]).max() > 1e-4 for k in saved)  # the checkpoint's projection trained
    assert all(np.array_equal(loaded[k], saved[k]) for k in saved)
    lora_b = {k: v for k, v in model[0].model.state_dict().items() if "lora_B" in k}
    assert lora_b and any(float(v.abs().sum()) > 0 for v in lora_b.values())


def test_planned_counts_include_the_new_projection(make_config, tiny_model):
    from workbench.engine.adapters import planned_counts

    cfg = _config(make_config)
    plan = build(RunSpec.from_dict(cfg))
    model = Runner(plan)._build_model(plan)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    assert planned_counts(tiny_model, C.MULTI, plan.spec.model.adapter) == (trainable, total)
    assert trainable > 64 * 128  # the projection (hidden 64 -> 128) trains in full
