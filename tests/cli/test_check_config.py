"""`workbench check CONFIG` and `workbench train CONFIG` on configs with prompts, early stopping and a
cross-encoder's activation: a good one is checked (nothing trained or written) and trains; a bad value exits 2
naming the key and the fix, before anything is trained (issue 14 §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import assert_bad_input, run_cli
from wb_data import binary_pairs
from wb_files import write_config


def _config(tmp_path: Path, tiny_model: str, **changes) -> Path:
    return write_config(tmp_path, tiny_model, early_stopping={"patience": 2}, **changes)


def _edit(path: Path, fn) -> Path:
    data = json.loads(path.read_text())
    fn(data)
    path.write_text(json.dumps(data))
    return path


def test_check_a_config_says_what_the_run_will_do_and_writes_nothing(tiny_model, tmp_path, capsys):
    config = _config(tmp_path, tiny_model)
    _edit(config, lambda d: d["args"].update(prompts={"sentence1": "query: ", "sentence2": "passage: "}))
    rc, out, err = run_cli(capsys, "check", config)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"config OK: {config} — a sentence-transformer run on train/sts (")
    assert "early stopping: on, patience 2, watching eval_" in out
    assert "prompts saved with the model: sentence1='query: '" in out and "query='query: '" in out
    assert any(line.startswith("note: evaluator dev measures with the prompts") for line in lines)
    assert not (tmp_path / "runs").exists()  # nothing trained, nothing written
    rc, out, err = run_cli(capsys, "check", config, "--json")
    report = json.loads(out)
    assert (
        rc == 0 and report["early_stopping"]["patience"] == 2 and report["prompts"]["document"] == "passage: "
    )
    assert (
        report["args"]["load_best_model_at_end"] is False
    )  # the config's save_strategy "no" keeps no checkpoints
    # a data file is still checked as data
    rc, out, err = run_cli(capsys, "check", tmp_path / "data" / "sts.csv", "--json")
    assert rc == 0 and "losses" in json.loads(out), err


def test_a_good_config_trains_with_its_prompts_and_early_stopping(tiny_model, tmp_path, capsys):
    config = _config(tmp_path, tiny_model)
    _edit(
        config,
        lambda d: d["args"].update(prompts={"sentence1": "query: "}, eval_strategy="steps", eval_steps=1),
    )
    rc, out, err = run_cli(capsys, "train", config, "--max-steps", "3")
    assert rc == 0, err
    out_dir = tmp_path / "runs" / "sts"
    saved = json.loads((out_dir / "final" / "config_sentence_transformers.json").read_text())
    assert saved["prompts"]["query"] == "query: "
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["status"] == "finished" and 2 <= summary["steps"] <= 3  # may stop early at patience 2
    assert any(n.startswith("early stopping: on") for n in summary["notes"])


def test_a_cross_encoder_config_checks_and_trains_with_its_activation(tiny_model, tmp_path, capsys):
    data = binary_pairs(12)

    def cross(d):
        d["model"].update(type="cross-encoder", activation_fn="Identity")
        d["datasets"] = {"train": {"pairs": {"source": "dict", "data": data}}}
        d["loss"] = "BinaryCrossEntropyLoss"

    config = _edit(write_config(tmp_path, tiny_model), cross)
    rc, out, err = run_cli(capsys, "check", config)
    assert rc == 0, err
    assert "predictions use activation_fn=Identity (set in the config (model.activation_fn))" in out
    assert "early stopping: off" in out  # nothing measured during training: off, silently
    rc, _, err = run_cli(capsys, "train", config, "--max-steps", "1")
    assert rc == 0, err
    saved = json.loads(
        (tmp_path / "runs" / "sts" / "final" / "config_sentence_transformers.json").read_text()
    )
    assert saved["activation_fn"] == "torch.nn.modules.linear.Identity"


def _bad_patience(d):
    d["early_stopping"] = {"patience": 0}


def _early_without_eval(d):
    d["early_stopping"] = True
    d["datasets"].pop("eval")


def _bad_prompt(d):
    d["args"]["prompts"] = {"question": "q: "}


def _prompt_not_text(d):
    d["args"]["prompts"] = {"sentence1": 3}


def _bad_activation(d):
    d["model"]["activation_fn"] = "Softmax"
    d["model"]["type"] = "cross-encoder"


def _activation_for_dense(d):
    d["model"]["activation_fn"] = "Identity"


BAD = {
    "patience": (_bad_patience, ("early_stopping.patience", "at least 1", "early_stopping to false")),
    "no_eval": (_early_without_eval, ("early_stopping", "needs something measured", "eval dataset")),
    "prompt_column": (_bad_prompt, ("args.prompts", "column 'question'", "sentence1, sentence2")),
    "prompt_type": (_prompt_not_text, ("args.prompts", "must be text", "in quotes")),
    "activation": (_bad_activation, ("model.activation_fn", "Identity, Sigmoid", "leave it out")),
    "activation_dense": (_activation_for_dense, ("model.activation_fn", "for cross-encoders", "remove")),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_value_exits_2_naming_the_key_and_the_fix(case, tiny_model, tmp_path, capsys):
    edit, words = BAD[case]
    config = _edit(_config(tmp_path, tiny_model), edit)
    for command in ("check", "train"):
        rc, _, err = run_cli(capsys, command, config)
        assert_bad_input(rc, err, *words)
        assert f"[{words[0]}]" in err  # the error line names the key
    assert not (tmp_path / "runs" / "sts" / "final").exists()
