"""The run configuration is a public contract: it round-trips, refuses tokens, and explains bad input."""

import json

import pytest

from workbench import RunSpec, WorkbenchError, load_config
from workbench.spec import DatasetSpec, LossChoice

ISSUE_EXAMPLE = {
    "model": {"type": "sentence-transformer", "name_or_path": "default", "max_seq_length": 128},
    "datasets": {
        "train": {
            "stsb": {
                "source": "csv",
                "path": "data/train.csv",
                "columns": ["sentence1", "sentence2"],
                "label": "score",
                "label_range": [0, 5],
            }
        },
        "eval": {
            "stsb": {
                "source": "csv",
                "path": "data/dev.csv",
                "columns": ["sentence1", "sentence2"],
                "label": "score",
                "label_range": [0, 5],
            }
        },
        "test": {},
    },
    "loss": {"name": "CoSENTLoss", "params": {}},
    "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/stsb"}],
    "args": {"num_train_epochs": 1, "per_device_train_batch_size": 32, "learning_rate": 2e-5},
    "output_dir": "runs/stsb-cosent",
}


def test_issue_example_round_trips():
    spec = RunSpec.from_dict(ISSUE_EXAMPLE)
    assert spec.train["stsb"].columns == ("sentence1", "sentence2")
    assert spec.train["stsb"].label_range == (0, 5)
    assert spec.loss == LossChoice("CoSENTLoss", {})
    again = RunSpec.from_dict(json.loads(spec.to_json()))
    assert again == spec


def test_load_config_resolves_paths_against_config_folder(tmp_path):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "run.json"
    path.write_text(json.dumps(ISSUE_EXAMPLE))
    spec = load_config(path)
    assert spec.train["stsb"].path == str(tmp_path / "cfg" / "data" / "train.csv")
    assert spec.output_dir == str(tmp_path / "cfg" / "runs" / "stsb-cosent")


def test_load_config_expands_home_and_resolves_the_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "run.json"
    cfg = json.loads(json.dumps(ISSUE_EXAMPLE))
    cfg["datasets"]["train"]["stsb"]["path"] = "~/data/train.csv"
    cfg["output_dir"] = "~/runs/x"
    cfg["resume_from_checkpoint"] = "../out/checkpoints/checkpoint-4"
    path.write_text(json.dumps(cfg))
    spec = load_config(path)
    assert spec.train["stsb"].path == str(tmp_path / "home" / "data" / "train.csv")
    assert spec.output_dir == str(tmp_path / "home" / "runs" / "x")
    assert spec.resume_from_checkpoint == str(tmp_path / "out" / "checkpoints" / "checkpoint-4")


def test_yaml_config(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(
        "model: {type: cross-encoder}\n"
        "datasets:\n  train:\n    q: {source: hub, path: org/quora, split: train, columns: [a, b], label: y}\n"
        "loss: auto\n"
    )
    spec = load_config(path)
    assert spec.model.type == "cross-encoder"
    assert spec.train["q"].source == "hub" and spec.train["q"].path == "org/quora"  # hub ids stay ids
    assert spec.loss.name == "auto"


@pytest.mark.parametrize("key", ["hub_token", "token"])
def test_token_in_args_is_refused(key):
    data = {**ISSUE_EXAMPLE, "args": {key: "hf_secret"}}
    with pytest.raises(WorkbenchError) as err:
        RunSpec.from_dict(data)
    assert "token" in err.value.text and "HF_TOKEN" in err.value.text
    assert "hf_secret" not in err.value.text


def test_to_dict_never_writes_a_token():
    spec = RunSpec.from_dict(ISSUE_EXAMPLE)
    leaked = spec.replace(args={**spec.args, "hub_token": "hf_secret"})
    assert "hf_secret" not in leaked.to_json()


@pytest.mark.parametrize(
    "change, where, words",
    [
        ({"outptu_dir": "x"}, "outptu_dir", "did you mean 'output_dir'"),
        ({"model": {"type": "dense"}}, "model.type", "sentence-transformer"),
        (
            {"datasets": {"train": {"a": {"source": "xlsx", "path": "a.xlsx"}}}},
            "datasets.train.a.source",
            "csv",
        ),
        ({"datasets": {"train": {"a": {"source": "csv"}}}}, "datasets.train.a.path", "needs a 'path'"),
        (
            {"datasets": {"train": {"a": {"source": "sql", "path": "a.db"}}}},
            "datasets.train.a.query",
            "SELECT",
        ),
        (
            {"datasets": {"train": {"a": {"source": "csv", "path": "a", "label_range": [5, 0]}}}},
            "datasets.train.a.label_range",
            "low < high",
        ),
        (
            {"evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/nope"}]},
            "evaluators[0].dataset",
            "not defined",
        ),
        ({"evaluators": [{"name": "X", "dataset": "dev/stsb"}]}, "evaluators[0].dataset", "'eval/NAME'"),
        ({"loss": {"nope": "MultipleNegativesRankingLoss"}}, "loss", "not a train dataset"),
        ({"model": {"max_seq_length": -3}}, "model.max_seq_length", "positive"),
        (
            {"datasets": {"train": {"my dev/v1.2": {"source": "csv", "path": "a"}}}},
            "datasets.train",
            "cannot be a dataset name (it contains '/')",
        ),
        (
            {"datasets": {"train": {"a": {"source": "csv", "path": "a", "drop_empty": "yes"}}}},
            "datasets.train.a.drop_empty",
            "true or false",
        ),
        ({"model": 5}, "model", "must be a mapping"),
        ({"model": {"model_card": "en"}}, "model.model_card", "must be a mapping"),
        ({"args": 5}, "args", "must be a mapping"),
        ({"loss": {"name": "CoSENTLoss", "params": 5}}, "loss.params", "must be a mapping"),
        ({"seed": "x"}, "seed", "whole number"),
        ({"overwrite": "yes"}, "overwrite", "true or false"),
    ],
)
def test_bad_configs_name_the_place_and_the_fix(change, where, words):
    data = {**ISSUE_EXAMPLE, **change}
    with pytest.raises(WorkbenchError) as err:
        RunSpec.from_dict(data)
    assert err.value.where == where
    assert words in err.value.text


def test_holdout_must_split_a_train_dataset():
    data = {**ISSUE_EXAMPLE, "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}]}
    data["datasets"] = {
        **ISSUE_EXAMPLE["datasets"],
        "eval": {"dev": {"source": "holdout", "of": "nope", "fraction": 0.1}},
    }
    with pytest.raises(WorkbenchError, match="not a train dataset"):
        RunSpec.from_dict(data)
    data["datasets"]["eval"]["dev"]["of"] = "stsb"
    assert RunSpec.from_dict(data).eval["dev"].fraction == 0.1


def test_per_dataset_losses():
    data = {**ISSUE_EXAMPLE, "loss": {"stsb": {"name": "CoSENTLoss"}}}
    spec = RunSpec.from_dict(data)
    assert spec.loss_for("stsb").name == "CoSENTLoss"


def test_broken_json_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"model": ')
    with pytest.raises(WorkbenchError, match="could not be parsed"):
        load_config(path)
    with pytest.raises(WorkbenchError, match="does not exist"):
        load_config(tmp_path / "missing.json")


def test_dataset_columns_accept_comma_string():
    ds = DatasetSpec.from_dict({"source": "csv", "path": "a.csv", "columns": "a, b"}, "x")
    assert ds.columns == ("a", "b")
