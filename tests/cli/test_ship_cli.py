"""`workbench ship RUN_DIR --format ... [--quantize ...] [--out DIR] [--json]`: the table, the exit code of the
quality gate, and exit 2 with a clear message on bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_cli import assert_bad_input, run_cli
from wb_data import inline, scored_pairs
from wb_runs import finished_run, make_run, run_config

from workbench.engine import EXIT_GATE_FAILED, ShippedModel


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    return finished_run(
        tiny_model,
        tmp_path_factory.mktemp("ship-cli") / "run",
        train={"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
    )


def test_ship_prints_the_table_and_exits_0_when_the_export_is_good(run, capsys):
    rc, out, err = run_cli(capsys, "ship", run, "--format", "onnx", "--quantize", "int8")
    assert rc == 0, err
    assert "dev_spearman_cosine" in out and "sentences/s" in out and out.count("good:") == 1
    assert str(run / "shipped" / "onnx-int8") in out
    assert "exporting the transformer to ONNX" in err and "quantizing to int8" in err


def test_json_prints_the_report(run, tmp_path, capsys):
    rc, out, err = run_cli(capsys, "ship", run, "--format", "onnx", "--out", tmp_path / "o", "--json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["name"] == "onnx-none" and report["gate"]["passed"]
    assert report == json.loads((tmp_path / "o" / "ship.json").read_text())


def test_a_failed_gate_exits_3_and_says_so(run, tmp_path, capsys, monkeypatch):
    real = ShippedModel.embed_features

    def degraded(self, features):
        out = real(self, features)  # a broken export: its embeddings are noise
        return np.random.default_rng(5).normal(size=out.shape).astype(np.float32)

    monkeypatch.setattr(ShippedModel, "embed_features", degraded)
    rc, out, err = run_cli(capsys, "ship", run, "--format", "onnx", "--out", tmp_path / "bad")
    assert rc == EXIT_GATE_FAILED == 3, err
    assert "NOT good:" in out and "0.01" in out


def test_not_a_run_folder_exits_2(tmp_path, capsys):
    assert_bad_input(
        *run_cli(capsys, "ship", tmp_path, "--format", "onnx")[::2], "not a workbench run folder"
    )


def test_a_model_folder_is_not_a_run_folder(tiny_model, capsys):
    assert_bad_input(
        *run_cli(capsys, "ship", tiny_model, "--format", "onnx")[::2], "not a workbench run folder"
    )


def test_a_run_still_training_exits_2(tmp_path, capsys):
    run = make_run(tmp_path, "going", status="training")
    assert_bad_input(*run_cli(capsys, "ship", run, "--format", "onnx")[::2], "training", "wait")


def test_a_sparse_run_exits_2_naming_the_model_type(tmp_path, capsys):
    config = run_config()
    config["model"]["type"] = "sparse-encoder"
    run = make_run(tmp_path, "sparse", config=config)
    assert_bad_input(
        *run_cli(capsys, "ship", run, "--format", "openvino")[::2], "sparse-encoder", "cross-encoder"
    )


def test_a_run_without_a_trained_model_exits_2(tmp_path, capsys):
    run = make_run(tmp_path, "empty")  # final/ holds no model
    assert_bad_input(*run_cli(capsys, "ship", run, "--format", "onnx")[::2], "no trained model")


def test_an_out_folder_holding_other_files_exits_2(run, tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    rc, _, err = run_cli(capsys, "ship", run, "--format", "onnx", "--out", tmp_path)
    assert_bad_input(rc, err, "--out")
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_an_unknown_format_exits_2(run, capsys):
    assert_bad_input(*run_cli(capsys, "ship", run, "--format", "tflite")[::2], "--format")
