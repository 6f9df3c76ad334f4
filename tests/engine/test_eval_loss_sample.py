"""The eval loss on a fixed sample of an eval set that an evaluator measures anyway: the trainer's second pass over
the set (10 of 17 s per evaluation on STSb test) shrinks to a curve's worth of rows, the same rows every time and
in the exported script; a set nothing else measures keeps every row."""

from __future__ import annotations

from wb_data import inline, scored_pairs

from workbench import rules
from workbench.engine import build
from workbench.export import export_script
from workbench.spec import RunSpec


def _spec(make_config, rows: int, measured: bool, **args) -> RunSpec:
    dev = scored_pairs(rows)
    dev["score"] = [
        round(i / rows, 6) for i in range(rows)
    ]  # every row its own: the sample's rows can be told
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(dev), "other": inline(scored_pairs(8))},
        loss="CoSENTLoss",
        args=args,
        # (with no evaluator configured, each eval set gets one: here one measures the other set only)
        evaluators=[
            {"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev" if measured else "eval/other"}
        ],
    )
    return RunSpec.from_dict(cfg)


def test_the_rule_samples_only_a_large_set_that_an_evaluator_measures():
    assert rules.eval_loss_rows(1379, True, "eval/stsb")[0] == 256
    assert "256 of its 1,379 rows" in rules.eval_loss_rows(1379, True, "eval/stsb")[1]
    assert rules.eval_loss_rows(1379, False, "eval/stsb") == (
        None,
        "",
    )  # the loss is the only figure: all rows
    assert rules.eval_loss_rows(256, True, "eval/stsb") == (None, "")


def test_a_measured_eval_set_gets_the_loss_on_a_fixed_sample(make_config):
    spec = _spec(make_config, 400, measured=True)
    plan = build(spec)
    sample = plan.eval_loss["dev"]
    assert plan.eval_loss["other"].num_rows == 8
    assert sample.num_rows == 256 and plan.eval["dev"].num_rows == 400  # the evaluator keeps every row
    scores = sample["label"]
    assert len(set(scores)) == 256 and set(scores) <= set(plan.eval["dev"]["label"])
    assert scores != sorted(scores), "a sample over the whole set, not its first rows"
    again = build(_spec(make_config, 400, measured=True))
    assert again.eval_loss["dev"]["label"] == scores
    assert any("fixed sample of 256 of its 400 rows" in note for note in plan.notes), plan.notes
    script = export_script(spec, plan)
    assert (
        "eval_dataset={'dev': evals['dev'].shuffle(seed=SEED).select(range(256)), 'other': evals['other']}"
    ) in script
    assert (
        plan.eval["dev"].shuffle(seed=plan.args["seed"]).select(range(256))["label"] == scores
    )  # as the script


def test_an_eval_set_only_the_loss_measures_keeps_every_row(make_config):
    spec = _spec(make_config, 400, measured=False)
    plan = build(spec)
    assert plan.eval_loss["dev"].num_rows == 400
    assert not any("fixed sample" in note for note in plan.notes)
    assert "eval_dataset={'dev': evals['dev'], 'other': evals['other']}" in export_script(spec, plan)


def test_a_config_that_watches_the_eval_loss_gets_it_on_every_row(make_config):
    plan = build(_spec(make_config, 400, measured=True, metric_for_best_model="eval_dev_loss"))
    assert plan.eval_loss["dev"].num_rows == 400
