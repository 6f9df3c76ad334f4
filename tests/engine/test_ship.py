"""Shipping a trained run: ONNX / OpenVINO exports load back with `load_shipped` and reproduce the trained model's
embeddings, int8 is measured, and the quality gate refuses a degraded export."""

from __future__ import annotations

import json

import numpy as np
import pytest
from wb_data import TEXTS, inline, scored_pairs
from wb_runs import finished_run

from workbench import load_shipped
from workbench.engine import MAX_METRIC_DROP, MIN_MEAN_COSINE, ShippedModel, format_table, ship
from workbench.engine.ship_report import judge
from workbench.engine.shipped import pool


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    return finished_run(
        tiny_model,
        tmp_path_factory.mktemp("ship") / "run",
        train={"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
    )


def _cosines(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _trained(run):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(run / "final"), device="cpu")


@pytest.mark.parametrize("fmt", ["onnx", "openvino"])
def test_fp32_export_loads_back_and_reproduces_the_trained_embeddings(run, fmt):
    report = ship(run, fmt, "none")
    folder = run / "shipped" / f"{fmt}-none"
    assert report["folder"] == str(folder)
    assert not (folder / "model.safetensors").exists()  # the graph replaces the torch weights
    model = load_shipped(folder)
    texts = TEXTS + ["a much longer sentence " * 40]  # longer than max_seq_length: cut as the library cuts
    cos = _cosines(model.encode(texts), _trained(run).encode(texts))
    assert cos.min() > 0.9999, cos
    assert model.encode("one text").shape == (64,)
    [metric] = report["metrics"]
    assert metric["metric"] == "dev_spearman_cosine"
    assert metric["shipped"] == pytest.approx(metric["trained"], abs=1e-6)
    assert report["gate"]["passed"] and report["gate"]["message"].startswith("good:")
    assert json.loads((folder / "ship.json").read_text())["name"] == f"{fmt}-none"
    assert f"{fmt}-none" in json.loads((run / "ship.json").read_text())


def test_int8_export_is_smaller_and_its_table_is_produced(run):
    report = ship(run, "onnx", "int8", out=run.parent / "int8")
    manifest = json.loads((run.parent / "int8" / "shipped.json").read_text())
    assert manifest["quantize"] == "int8" and manifest["int8"]["per_channel"] is True
    fp32 = (run / "shipped" / "onnx-none" / "onnx" / "model.onnx").stat().st_size
    assert (run.parent / "int8" / "onnx" / "model.onnx").stat().st_size < 0.8 * fp32
    speed = report["speed"]
    assert speed["trained_sps"] > 0 and speed["shipped_sps"] > 0 and speed["shipped_latency_ms"] > 0
    table = format_table(report)
    for words in (
        "dev_spearman_cosine",
        "sentences/s",
        "latency",
        "cosine to trained",
        str(run.parent / "int8"),
    ):
        assert words in table
    assert report["gate"]["message"] in table
    assert report["agreement"]["mean_cosine"] > 0.9


def test_the_gate_refuses_an_export_whose_metric_drops(run, monkeypatch):
    real = ShippedModel.embed_features

    def degraded(self, features):  # a broken export: its embeddings are noise
        out = real(self, features)
        return np.random.default_rng(5).normal(size=out.shape).astype(np.float32)

    monkeypatch.setattr(ShippedModel, "embed_features", degraded)
    report = ship(run, "onnx", "none", out=run.parent / "degraded")
    [metric] = report["metrics"]
    assert metric["trained"] - metric["shipped"] > MAX_METRIC_DROP
    assert not report["gate"]["passed"]
    assert report["gate"]["message"].startswith("NOT good:")
    assert not json.loads((run.parent / "degraded" / "ship.json").read_text())["gate"]["passed"]


@pytest.mark.parametrize(
    ("metric", "trained", "shipped", "passed"),
    [
        ("dev_spearman_cosine", 0.80, 0.795, True),
        ("dev_spearman_cosine", 0.80, 0.785, False),
        ("dev_spearman_cosine", 0.80, 0.90, True),
        ("eval_loss", 0.50, 0.52, False),  # lower is better: a rise is the drop
        ("eval_loss", 0.50, 0.40, True),
    ],
)
def test_judge_applies_the_stated_margin_in_the_metric_direction(metric, trained, shipped, passed):
    gate = judge([{"metric": metric, "trained": trained, "shipped": shipped}], {})
    assert gate["passed"] is passed
    assert gate["max_metric_drop"] == MAX_METRIC_DROP


def test_without_a_metric_the_gate_judges_the_embeddings_agreement():
    assert judge([], {"mean_cosine": MIN_MEAN_COSINE + 0.001, "texts": 10})["passed"]
    gate = judge([], {"mean_cosine": 0.95, "texts": 10})
    assert not gate["passed"] and "mean cosine 0.9500" in gate["message"]


@pytest.mark.parametrize("mode", ["mean", "cls", "max", "mean_sqrt_len_tokens", "lasttoken"])
def test_numpy_pooling_matches_the_library_pooling(mode):
    import torch
    from sentence_transformers.sentence_transformer.modules.pooling import Pooling

    rng = np.random.default_rng(1)
    hidden = rng.normal(size=(3, 5, 8)).astype(np.float32)
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]])
    features = {"token_embeddings": torch.from_numpy(hidden), "attention_mask": torch.from_numpy(mask)}
    expected = Pooling(8, pooling_mode=mode)(features)["sentence_embedding"].numpy()
    np.testing.assert_allclose(pool(hidden, mask, [mode]), expected, rtol=1e-5, atol=1e-6)


def test_load_shipped_refuses_a_folder_that_is_not_shipped(tmp_path):
    from workbench import WorkbenchError

    with pytest.raises(WorkbenchError, match="not a shipped model"):
        load_shipped(tmp_path)


def test_a_saved_truncate_dim_is_shipped_with_the_model(run, tmp_path):
    import shutil

    from workbench.engine import save_truncate_dim

    copy = shutil.copytree(run, tmp_path / "run", ignore=shutil.ignore_patterns("shipped", "ship.json"))
    save_truncate_dim(copy / "final", 32)
    report = ship(copy, "onnx", "none")
    model = load_shipped(report["folder"])
    trained = _trained(copy)
    assert trained.truncate_dim == 32
    embeddings = model.encode(TEXTS)
    assert embeddings.shape == (len(TEXTS), 32)
    assert _cosines(embeddings, trained.encode(TEXTS)).min() > 0.9999
    assert report["agreement"]["min_cosine"] > 0.9999


def test_overwriting_a_run_removes_the_exports_of_its_old_model(tiny_model, tmp_path):
    from workbench.engine import Runner
    from workbench.spec import RunSpec

    run = finished_run(tiny_model, tmp_path / "run")
    (run / "shipped" / "onnx-none").mkdir(parents=True)
    (run / "ship.json").write_text("{}")
    config = json.loads((run / "config.json").read_text())
    assert Runner(RunSpec.from_dict({**config, "overwrite": True})).run_blocking()["status"] == "finished"
    assert not (run / "shipped").exists() and not (run / "ship.json").exists()
