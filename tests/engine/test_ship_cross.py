"""Shipping a cross-encoder run: the ONNX / OpenVINO graph ends at the classifier's logits, `load_shipped` scores
pairs as the trained CrossEncoder's `predict` does (its activation included), the run's metric and pairs/s are
measured, the same gate judges it, and what cannot ship is refused naming why."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from wb_data import binary_pairs, inline
from wb_runs import finished_run

from workbench import load_shipped
from workbench.engine import MIN_SCORE_SPEARMAN, ShippedCrossEncoder, format_table, ship
from workbench.engine.ship_cross import cross_facts
from workbench.engine.ship_report import judge
from workbench.engine.shipped_cross import activate
from workbench.errors import WorkbenchError

PAIRS = [
    ("a man is playing a guitar", "a man plays the guitar on stage"),
    ("the cat sits on the mat", "a dog runs in the snow"),
    (
        "a woman slices an onion",
        "the chef cooks pasta " * 60,
    ),  # longer than max_seq_length: cut as the library
]


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    return finished_run(
        tiny_model,
        tmp_path_factory.mktemp("ship-cross") / "run",
        model_type="cross-encoder",
        train={"pairs": inline(binary_pairs(16))},
        eval={"dev": inline(binary_pairs(8))},
    )


def _trained(run):
    from sentence_transformers import CrossEncoder

    return CrossEncoder(str(run / "final"), device="cpu")


@pytest.mark.parametrize("fmt", ["onnx", "openvino"])
def test_fp32_export_scores_pairs_as_the_trained_cross_encoder(run, fmt):
    report = ship(run, fmt, "none")
    folder = run / "shipped" / f"{fmt}-none"
    model = load_shipped(folder)
    assert isinstance(model, ShippedCrossEncoder) and model.activation == "sigmoid"
    assert not (folder / "model.safetensors").exists()
    expected = _trained(run).predict(PAIRS)
    scores = model.predict(PAIRS)
    assert scores.shape == (3,) and np.abs(scores - expected).max() < 1e-5, (scores, expected)
    assert float(model.predict(PAIRS[0])) == pytest.approx(float(expected[0]), abs=1e-5)  # one pair alone
    [metric] = report["metrics"]
    assert metric["metric"] == "dev_average_precision"
    assert metric["shipped"] == pytest.approx(metric["trained"], abs=1e-6)
    assert report["agreement"]["spearman"] > 0.999 and report["agreement"]["max_abs_diff"] < 1e-4
    assert report["speed"]["unit"] == "pairs" and report["speed"]["shipped_sps"] > 0
    assert report["gate"]["passed"] and report["gate"]["message"].startswith("good:")
    manifest = json.loads((folder / "shipped.json").read_text())
    assert manifest["model_type"] == "cross-encoder" and manifest["output"] == "logits"


def test_int8_export_is_measured_and_its_table_speaks_of_pairs(run, tmp_path):
    report = ship(run, "onnx", "int8", out=tmp_path / "int8")
    fp32 = ship(run, "onnx", "none", out=tmp_path / "fp32")
    assert (tmp_path / "int8" / "onnx" / "model.onnx").stat().st_size < (
        tmp_path / "fp32" / "onnx" / "model.onnx"
    ).stat().st_size
    table = format_table(report)
    for words in ("dev_average_precision", "pairs/s", "latency, one pair", "scores vs trained", "Spearman"):
        assert words in table, table
    assert report["gate"]["message"] in table and fp32["gate"]["passed"]


def test_a_shipped_cross_encoder_has_no_embeddings(run):
    ship(run, "onnx", "none")
    model = load_shipped(run / "shipped" / "onnx-none")
    with pytest.raises(WorkbenchError, match="predict"):
        model.encode(["a text"])
    with pytest.raises(WorkbenchError, match="pairs of two texts"):
        model.predict([("only one text",)])


@pytest.mark.parametrize(
    ("spearman", "passed"), [(MIN_SCORE_SPEARMAN, True), (1.0, True), (MIN_SCORE_SPEARMAN - 0.05, False)]
)
def test_without_a_metric_the_gate_judges_how_the_scores_rank_the_pairs(spearman, passed):
    gate = judge([], {"pairs": 40, "spearman": spearman, "max_abs_diff": 0.02})
    assert gate["passed"] is passed and "Spearman" in gate["message"] and "40 pairs" in gate["message"]


@pytest.mark.parametrize("name", ["sigmoid", "identity", "tanh", "softmax"])
def test_numpy_activations_match_torch(name):
    import torch

    logits = np.array([[-2.0, 0.5, 3.0], [0.0, 1.0, -1.0]], dtype=np.float32)
    fn = {
        "sigmoid": torch.nn.Sigmoid(),
        "identity": torch.nn.Identity(),
        "tanh": torch.nn.Tanh(),
        "softmax": torch.nn.Softmax(dim=-1),
    }[name]
    assert np.allclose(activate(logits, name), fn(torch.from_numpy(logits)).numpy(), atol=1e-6)


def _copy(run, tmp_path):
    final = tmp_path / "final"
    shutil.copytree(run / "final", final)
    return final


def test_a_custom_activation_is_refused_naming_it(run, tmp_path):
    final = _copy(run, tmp_path)
    path = final / "config_sentence_transformers.json"
    config = json.loads(path.read_text())
    config["activation_fn"] = "torch.nn.modules.activation.GELU"
    path.write_text(json.dumps(config))
    with pytest.raises(WorkbenchError, match="activation.*GELU"):
        cross_facts(final)


def test_a_causal_lm_reranker_is_refused_naming_logit_score(run, tmp_path):
    final = _copy(run, tmp_path)
    modules = json.loads((final / "modules.json").read_text())
    modules.append(
        {"idx": 1, "name": "1", "path": "1_LogitScore", "type": "sentence_transformers.LogitScore"}
    )
    (final / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(WorkbenchError, match="LogitScore"):
        cross_facts(final)
    assert cross_facts(run / "final") == {"activation": "sigmoid", "num_labels": 1}


def test_a_three_label_cross_encoder_ships_with_one_score_per_label(tiny_model, tmp_path):
    from sentence_transformers import CrossEncoder

    from workbench.engine.ship import export

    trained = CrossEncoder(tiny_model, num_labels=3, device="cpu")
    final = tmp_path / "final"
    trained.save_pretrained(str(final))
    facts = cross_facts(final)
    assert facts == {"activation": "identity", "num_labels": 3}  # the library's default for several labels
    (tmp_path / "out").mkdir()
    export(trained, final, tmp_path / "out", "onnx", "none", facts, lambda line: None, "cross-encoder")
    model = load_shipped(tmp_path / "out")
    scores = model.predict(PAIRS)
    assert scores.shape == (3, 3)
    assert np.abs(scores - trained.predict(PAIRS)).max() < 1e-5
