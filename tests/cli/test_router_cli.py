"""Separate query/document sides from the command line: `workbench check --asymmetric` names the query and the
documents (or why they do not fit), and `workbench train` runs a config with model.asymmetric to a Router model."""

from __future__ import annotations

import json

from test_cli import assert_bad_input, run_cli
from wb_files import sts_csv, triplets_csv


def test_check_names_the_query_and_the_document_columns(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "check", triplets_csv(tmp_path), "--asymmetric", "separate", "--json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["asymmetric"]["router_mapping"] == {
        "anchor": "query",
        "positive": "document",
        "negative": "document",
    }
    rc, out, err = run_cli(capsys, "check", triplets_csv(tmp_path), "--asymmetric", "separate")
    assert rc == 0 and "query/document sides (separate): 'anchor' -> query, 'positive' -> document" in out


def test_check_refuses_sides_for_sts_pairs_and_inference_free_for_dense(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "check", sts_csv(tmp_path), "--asymmetric", "separate")
    assert "query/document sides (separate): do not fit" in out
    assert_bad_input(rc, err, "interchangeable", "MultipleNegativesRankingLoss")
    rc, _, err = run_cli(capsys, "check", triplets_csv(tmp_path), "--asymmetric", "inference-free")
    assert_bad_input(rc, err, "sparse-encoder")


def test_train_a_config_with_separate_sides(tiny_model, tmp_path, capsys):
    from sentence_transformers import SentenceTransformer

    triplets_csv(tmp_path / "data")
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "model": {
                    "name_or_path": tiny_model,
                    "asymmetric": {"kind": "separate", "query_learning_rate": 1e-3},
                },
                "datasets": {
                    "train": {"qa": {"source": "csv", "path": "data/triplets.csv"}},
                    "eval": {"dev": {"source": "holdout", "of": "qa", "fraction": 0.25}},
                },
                "args": {"per_device_train_batch_size": 4, "logging_steps": 1, "save_strategy": "no"},
                "output_dir": "runs/qa",
            }
        )
    )
    rc, out, err = run_cli(capsys, "train", config, "--max-steps", "2")
    assert rc == 0, err
    assert "query/document columns (router_mapping): 'anchor' -> query" in err
    assert "separate query and document encoders" in err
    final = tmp_path / "runs" / "qa" / "final"
    summary = json.loads((final.parent / "summary.json").read_text())
    assert summary["status"] == "finished" and "dev_cosine_accuracy" in summary["final"]
    model = SentenceTransformer(str(final), device="cpu")
    assert type(model[0]).__name__ == "Router"
