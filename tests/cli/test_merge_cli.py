"""`workbench merge RUN_DIR [--out DIR]`: a plain model from an adapter run; exit 2 with a clear message otherwise."""

from __future__ import annotations

from pathlib import Path

from test_cli import assert_bad_input, run_cli
from wb_data import inline, scored_pairs

from workbench.engine import train


def _run(make_config, adapter: dict | None, output: str) -> Path:
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss", output=output)
    if adapter:
        cfg["model"]["adapter"] = adapter
    train(cfg)
    return Path(cfg["output_dir"])


def test_merge_writes_a_plain_model_where_asked(make_config, tmp_path, capsys):
    from sentence_transformers import SentenceTransformer

    run = _run(make_config, {"type": "lora", "r": 2}, "lora")
    out = tmp_path / "plain"
    rc, stdout, err = run_cli(capsys, "merge", run, "--out", out)
    assert rc == 0, err
    assert str(out) in stdout and "peft not needed" in stdout
    assert (out / "model.safetensors").is_file() and not (out / "adapter_config.json").exists()
    assert SentenceTransformer(str(out), device="cpu").encode(["a cat"]).shape == (1, 64)


def test_merge_refuses_a_full_run_and_a_folder_that_is_no_run(make_config, tmp_path, capsys):
    full = _run(make_config, None, "full")
    rc, _, err = run_cli(capsys, "merge", full)
    assert_bad_input(rc, err, "not an adapter run")
    assert not (full / "merged").exists()
    rc, _, err = run_cli(capsys, "merge", tmp_path / "nowhere")
    assert_bad_input(rc, err, "not a run folder")
    started = tmp_path / "started"
    started.mkdir()
    (started / "config.json").write_text("{}")
    rc, _, err = run_cli(capsys, "merge", started)
    assert_bad_input(rc, err, "no trained model yet")
