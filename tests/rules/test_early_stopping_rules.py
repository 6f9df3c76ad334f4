"""Early stopping's decisions: its patience, the metric it watches and the training arguments it needs, without
filling the disk with checkpoints or overriding a config that keeps none (issue 14 §4)."""

from __future__ import annotations

import pytest

from workbench import rules
from workbench.errors import WorkbenchError

# What the workbench's defaults give a run with an eval set of 800 rows at batch 16 (rules.recommended_args).
SETTLED = {
    "eval_strategy": "steps",
    "eval_steps": 10,
    "save_strategy": "steps",
    "save_steps": 25,
    "save_total_limit": 1,
}
METRIC = ("eval_dev_spearman_cosine", True)


@pytest.mark.parametrize(("evaluations", "patience"), [(1, 2), (8, 2), (12, 3), (20, 5), (400, 10)])
def test_auto_patience_is_a_quarter_of_the_evaluations_between_2_and_10(evaluations, patience):
    assert rules.auto_patience(evaluations) == patience


def test_the_watched_metric_is_the_first_evaluators_else_the_eval_loss():
    assert rules.best_metric([("dev", "spearman_cosine", True), ("b", "x", False)], ["d"]) == METRIC
    assert rules.best_metric([], ["dev"]) == ("eval_loss", False)
    assert rules.best_metric([], ["a", "b"]) == ("eval_a_loss", False)


def test_on_by_default_it_saves_at_every_evaluation_and_keeps_at_most_two_checkpoints():
    args, es, notes = rules.early_stopping_args(None, dict(SETTLED), steps=50, metric=METRIC)
    assert args["load_best_model_at_end"] is True and args["metric_for_best_model"] == METRIC[0]
    assert args["greater_is_better"] is True
    assert args["save_steps"] == 10  # at every evaluation: the best one is on disk to load at the end
    # 2: rotation keeps the best and the latest; with 1 the trainer deletes all but the best as the run ends (a Stop's
    # checkpoint included, and Resume went back to the best evaluation)
    assert args["save_total_limit"] == 2
    assert es == {
        "patience": 2,
        "threshold": 0.0,
        "metric": METRIC[0],
        "evaluations": 5,
        "auto_patience": True,
    }
    assert "and the latest (save_total_limit 2, so that a stopped run resumes where it stopped)" in notes[0]
    assert "early_stopping" in notes[0] and "false" in notes[0]  # how to switch it off


def test_a_save_total_limit_of_1_set_in_the_config_stays_and_says_what_resume_will_do():
    args, _, notes = rules.early_stopping_args(
        None, dict(SETTLED), steps=50, metric=METRIC, given={"save_total_limit": 1}
    )
    assert args["save_total_limit"] == 1
    assert any("Resume after a Stop starts again from the best evaluation" in n for n in notes), notes


def test_a_config_that_keeps_no_checkpoints_is_not_overridden():
    given = {"save_strategy": "no"}
    settled = {**SETTLED, "save_strategy": "no"}
    args, es, notes = rules.early_stopping_args(None, settled, steps=50, metric=METRIC, given=given)
    assert es["patience"] == 2 and args["save_strategy"] == "no" and args["load_best_model_at_end"] is False
    assert "ends with its last model, not its best (save_strategy is 'no'" in notes[0]
    given = {"load_best_model_at_end": False}
    args, _, notes = rules.early_stopping_args(True, dict(SETTLED), steps=50, metric=METRIC, given=given)
    assert args["load_best_model_at_end"] is False and args["save_steps"] == 25
    assert "load_best_model_at_end is false" in notes[0]


def test_a_configured_save_steps_and_metric_are_kept():
    settled = {**SETTLED, "save_steps": 30, "metric_for_best_model": "eval_loss", "greater_is_better": False}
    given = {"save_steps": 30, "metric_for_best_model": "eval_loss"}
    args, es, notes = rules.early_stopping_args(
        {"patience": 4, "threshold": 0.01}, settled, steps=50, metric=METRIC, given=given
    )
    assert args["save_steps"] == 30 and args["metric_for_best_model"] == "eval_loss"
    assert es["patience"] == 4 and es["threshold"] == 0.01 and not es["auto_patience"]
    assert "save_steps set to eval_steps" not in " ".join(notes)  # 30 is a multiple of 10: allowed
    assert "warning: early stopping cannot stop this run" not in " ".join(notes)


def test_off_or_nothing_measured():
    args, es, notes = rules.early_stopping_args(False, dict(SETTLED), steps=50, metric=METRIC)
    assert es is None and args == SETTLED and "trains to the end" in notes[0]
    quiet = {"save_strategy": "steps", "eval_strategy": "no"}
    assert rules.early_stopping_args(None, quiet, steps=50, metric=None) == (quiet, None, [])
    with pytest.raises(WorkbenchError, match="needs something measured") as err:
        rules.early_stopping_args({"patience": 2}, quiet, steps=50, metric=None)
    assert err.value.where == "early_stopping" and "false" in err.value.fix


def test_a_patience_the_run_cannot_reach_is_warned():
    _, es, notes = rules.early_stopping_args({"patience": 8}, dict(SETTLED), steps=50, metric=METRIC)
    assert es["evaluations"] == 5 and any("cannot stop this run" in n for n in notes)
