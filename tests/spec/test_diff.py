"""The config diff: configs flattened to dotted keys, and only the settings that differ kept."""

from __future__ import annotations

import pytest

from workbench.spec import NOT_SET, config_diff, flatten_config, shown_value


def test_nested_configs_flatten_to_dotted_keys_with_indexed_lists():
    config = {
        "model": {"name_or_path": "default", "card": {}},
        "loss": {"name": "CoSENTLoss", "params": {"scale": 20}},
        "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        "args": {"report_to": ["none"]},
    }
    assert flatten_config(config) == {
        "model.name_or_path": "default",
        "model.card": {},
        "loss.name": "CoSENTLoss",
        "loss.params.scale": 20,
        "evaluators[0].name": "EmbeddingSimilarityEvaluator",
        "evaluators[0].dataset": "eval/dev",
        "args.report_to": ["none"],
    }


def test_only_the_settings_that_differ_are_kept_in_order():
    a = {
        "model": {"name_or_path": "m"},
        "args": {"learning_rate": 2e-5, "num_train_epochs": 1},
        "loss": "auto",
    }
    b = {
        "model": {"name_or_path": "m"},
        "args": {"learning_rate": 5e-5, "num_train_epochs": 1},
        "loss": "auto",
    }
    assert config_diff([a, b]) == [("args.learning_rate", [2e-5, 5e-5])]


def test_a_setting_only_one_config_holds_is_not_set_in_the_other():
    a = {"args": {"max_steps": 40}}
    b = {"args": {}}
    c = {"args": {"max_steps": 40, "warmup_steps": 0.1}}
    rows = dict(config_diff([a, b, c]))
    assert rows["args.max_steps"] == [40, NOT_SET, 40]
    assert rows["args.warmup_steps"] == [NOT_SET, NOT_SET, 0.1]
    assert shown_value(NOT_SET) == "(not set)" and shown_value(0.1) == "0.1" and shown_value("x") == "x"


def test_where_each_run_wrote_is_not_a_difference_unless_asked():
    a = {"output_dir": "runs/a", "resume_from_checkpoint": True, "seed": 1}
    b = {"output_dir": "runs/b", "seed": 1}
    assert config_diff([a, b]) == []
    assert config_diff([a, b], ignore=()) == [
        ("output_dir", ["runs/a", "runs/b"]),
        ("resume_from_checkpoint", [True, NOT_SET]),
    ]


def test_a_flag_against_a_number_is_a_difference_but_one_against_one_point_oh_is_not():
    assert config_diff([{"args": {"bf16": True}}, {"args": {"bf16": 1}}]) == [("args.bf16", [True, 1])]
    assert config_diff([{"args": {"num_train_epochs": 1}}, {"args": {"num_train_epochs": 1.0}}]) == []


def test_a_loss_given_by_name_against_a_loss_with_params():
    rows = dict(config_diff([{"loss": "auto"}, {"loss": {"name": "CoSENTLoss", "params": {}}}]))
    assert rows == {
        "loss": ["auto", NOT_SET],
        "loss.name": [NOT_SET, "CoSENTLoss"],
        "loss.params": [NOT_SET, {}],
    }


@pytest.mark.parametrize("configs", [[], [{}], [{}, "not a mapping"]])
def test_fewer_than_two_configs_or_a_non_mapping_is_refused(configs):
    with pytest.raises(ValueError, match="at least two|not a mapping"):
        config_diff(configs)
