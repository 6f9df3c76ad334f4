"""A run's activation (cross-encoders), saved prompts and early stopping, on the tiny model (issue 14 §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wb_data import binary_pairs, inline, listwise, positive_pairs, scored_pairs, triplets

from workbench.engine import RunListener, Runner, RunStatus, build, read_run, request_stop, resume_from, train
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec

IDENTITY, SIGMOID = "torch.nn.modules.linear.Identity", "torch.nn.modules.activation.Sigmoid"


def _margins(n: int = 12) -> dict:
    data = triplets(n)
    return {**data, "label": [0.5 + (i % 3) for i in range(n)]}


def _saved_config(summary: dict) -> dict:
    return json.loads((Path(summary["model_path"]) / "config_sentence_transformers.json").read_text())


@pytest.mark.parametrize(
    ("loss", "data", "saved"),
    [
        ("BinaryCrossEntropyLoss", binary_pairs(8), SIGMOID),
        ("MarginMSELoss", _margins(8), IDENTITY),
        ("LambdaLoss", listwise(8), IDENTITY),
        ("MultipleNegativesRankingLoss", positive_pairs(8), SIGMOID),  # its loss's activation_fn
    ],
)
def test_cross_encoder_activation_follows_the_loss_and_is_saved(make_config, loss, data, saved):
    cfg = make_config({"train": inline(data)}, model_type="cross-encoder", loss=loss, args={"max_steps": 2})
    summary = train(cfg)
    assert summary["status"] == "finished"
    assert _saved_config(summary)["activation_fn"] == saved
    note = next(n for n in summary["notes"] if n.startswith("cross-encoder predictions use activation_fn="))
    assert saved.rsplit(".", 1)[1] in note and loss in note
    from sentence_transformers.cross_encoder import CrossEncoder

    assert type(CrossEncoder(summary["model_path"]).activation_fn).__name__ == saved.rsplit(".", 1)[1]


def test_the_config_can_choose_the_activation_and_mse_follows_its_loss_parameter(make_config):
    cfg = make_config(
        {"train": inline(listwise(8))}, model_type="cross-encoder", loss="LambdaLoss", args={"max_steps": 1}
    )
    cfg["model"]["activation_fn"] = "Sigmoid"
    assert _saved_config(train(cfg))["activation_fn"] == SIGMOID
    mse = make_config(
        {"train": inline(scored_pairs(8))},
        model_type="cross-encoder",
        loss={"name": "MSELoss", "params": {"activation_fn": "Sigmoid"}},
        output="mse",
    )
    plan = build(RunSpec.from_dict(mse))
    assert plan.setup.activation == "Sigmoid" and "activation_fn" in plan.setup.activation_why


def test_a_bad_activation_or_one_for_a_dense_model_is_refused(make_config):
    cfg = make_config({"train": inline(binary_pairs(8))}, model_type="cross-encoder")
    cfg["model"]["activation_fn"] = "Softmax"
    with pytest.raises(WorkbenchError, match="Identity, Sigmoid") as err:
        RunSpec.from_dict(cfg)
    assert err.value.where == "model.activation_fn"
    dense = make_config({"train": inline(scored_pairs(8))})
    dense["model"]["activation_fn"] = "Identity"
    with pytest.raises(WorkbenchError, match="for cross-encoders"):
        RunSpec.from_dict(dense)


def _early(make_config, **top) -> dict:
    # learning rate 1e-30 (0 is refused): no weight changes in fp32, so the metric can never improve and early
    # stopping must end the run at its patience.
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        loss="CosineSimilarityLoss",
        eval={"dev": inline(scored_pairs(8))},
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        args={"max_steps": 12, "learning_rate": 1e-30, "eval_strategy": "steps", "eval_steps": 1},
        **top,
    )
    cfg["args"].pop("save_strategy")  # the workbench's default saving, as a config that leaves it out gets
    return cfg


def test_early_stopping_stops_a_run_whose_metric_does_not_improve(make_config):
    cfg = _early(make_config, early_stopping={"patience": 2})
    plan = build(RunSpec.from_dict(cfg))
    assert plan.setup.early_stopping["metric"] == "eval_dev_spearman_cosine"
    assert plan.args["load_best_model_at_end"] is True and plan.args["save_strategy"] == "steps"
    assert plan.args["save_steps"] == 1 and plan.args["save_total_limit"] == 2  # saves at every evaluation
    summary = Runner(plan).run_blocking()
    checkpoints = sorted(p.name for p in (Path(cfg["output_dir"]) / "checkpoints").glob("checkpoint-*"))
    assert checkpoints == [
        "checkpoint-1",
        "checkpoint-3",
    ]  # the best (the first) and the latest; the rest rotated
    assert summary["status"] == "finished"
    assert summary["steps"] == 3, summary[
        "steps"
    ]  # the first evaluation sets the best, two more do not beat it
    assert any(n.startswith("early stopping: stopped at step 3 of 12") for n in summary["notes"])
    assert (Path(summary["model_path"]) / "config_sentence_transformers.json").is_file()


def test_a_run_that_reaches_its_last_step_is_not_reported_as_stopped_early(make_config):
    # Evaluations at steps 2 and 4 of 4, the metric never improves: one evaluation without improvement, patience
    # 2. The trainer ends the run at step 4 (its own stop flag, set before the last evaluation): no stop note.
    cfg = _early(make_config, early_stopping={"patience": 2})
    cfg["args"].update({"max_steps": 4, "eval_steps": 2})
    summary = train(cfg)
    assert summary["status"] == "finished" and summary["steps"] == 4
    assert any(n.startswith("early stopping: on") for n in summary["notes"])
    assert not [n for n in summary["notes"] if n.startswith("early stopping: stopped")], summary["notes"]


def test_early_stopping_watching_a_metric_already_at_its_best_says_so_when_it_first_sees_it(make_config):
    # the walk: 6 held-out rows at ndcg 1.0 ended a run at step 15 of 40 with "did not improve (best 1)"
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))},
        loss="MultipleNegativesRankingLoss",
        eval={"dev": inline(positive_pairs(1))},  # one query, one document: found first, always
        evaluators=[{"name": "InformationRetrievalEvaluator", "dataset": "eval/dev"}],
        args={"max_steps": 8, "eval_strategy": "steps", "eval_steps": 2},
        early_stopping={"patience": 2},
    )
    summary = train(cfg)
    said = [
        n for n in summary["notes"] if n.startswith("early stopping watches eval_dev_cosine_ndcg@10, already")
    ]
    assert len(said) == 1 and "1.0000 (its best): it cannot get better" in said[0], summary["notes"]
    assert "turn early stopping off" in said[0]


class _StopAt(RunListener):
    """Writes the STOP file (as the Stop button or `workbench stop` does) once the run logs a step."""

    def __init__(self, run_dir, step):
        self.run_dir, self.step = run_dir, step

    def on_log(self, event):
        if event.step >= self.step:
            request_stop(self.run_dir)


def test_stop_and_resume_work_with_early_stopping_on_by_default(make_config):
    cfg = _early(make_config)
    cfg["args"].update({"learning_rate": 1e-3, "eval_steps": 2, "max_steps": 8})
    cfg["early_stopping"] = {"patience": 50}  # never reached: only the Stop ends the first attempt
    spec = RunSpec.from_dict(cfg)
    runner = Runner(spec, listeners=[_StopAt(spec.output_dir, 3)])
    runner.run_blocking()
    assert runner.status is RunStatus.STOPPED
    info = read_run(spec.output_dir)
    assert info.checkpoint_step == 4 and info.resumable and resume_from(info) is True
    resumed = Runner(spec.replace(resume_from_checkpoint=True))
    summary = resumed.run_blocking()
    assert resumed.status is RunStatus.FINISHED, resumed.error
    assert summary["steps"] == 8
    checkpoints = list((Path(spec.output_dir) / "checkpoints").glob("checkpoint-*"))
    assert 1 <= len(checkpoints) <= 2, checkpoints  # save_total_limit 2: the best and the latest at most
    assert (Path(summary["model_path"]) / "config_sentence_transformers.json").is_file()


def test_a_stop_between_two_evaluations_resumes_where_it_stopped(make_config):
    """The trainer keeps only the best checkpoint when a run with save_total_limit 1 ends: the Stop's own checkpoint
    went, and Resume went back to the best evaluation (seen in the app: stopped at 11, resumed at 5)."""
    cfg = _early(make_config)
    cfg["args"].update({"learning_rate": 1e-3, "eval_steps": 4, "max_steps": 12})
    cfg["early_stopping"] = {"patience": 50}  # only the Stop ends the first attempt
    spec = RunSpec.from_dict(cfg)
    runner = Runner(spec, listeners=[_StopAt(spec.output_dir, 5)])
    summary = runner.run_blocking()
    assert runner.status is RunStatus.STOPPED
    stopped_at = summary["steps"]
    assert stopped_at % 4, f"stopped at step {stopped_at}: an evaluation step, not between two"
    assert read_run(spec.output_dir).checkpoint_step == stopped_at


def test_a_config_without_checkpoints_keeps_none_with_early_stopping(make_config):
    cfg = _early(make_config, early_stopping={"patience": 2})
    cfg["args"]["save_strategy"] = "no"
    summary = train(cfg)
    assert summary["steps"] == 3  # it still stops early
    assert not list((Path(cfg["output_dir"]) / "checkpoints").glob("checkpoint-*"))
    assert any("ends with its last model, not its best" in n for n in summary["notes"])


def test_early_stopping_switched_off_trains_to_the_end(make_config):
    summary = train(_early(make_config, early_stopping=False))
    assert summary["steps"] == 12
    assert "early stopping: off (early_stopping is false): the run trains to the end" in summary["notes"]


def test_early_stopping_is_on_by_default_with_an_eval_set_and_off_without(make_config):
    plan = build(RunSpec.from_dict(_early(make_config)))
    es = plan.setup.early_stopping
    assert es["auto_patience"] and es["patience"] == 3 and es["evaluations"] == 12
    assert any(n.startswith("early stopping: on — the run stops after 3 evaluations") for n in plan.notes)
    bare = make_config({"sts": inline(scored_pairs(16))}, loss="CosineSimilarityLoss", output="bare")
    plan = build(RunSpec.from_dict(bare))
    assert plan.setup.early_stopping is None and "load_best_model_at_end" not in plan.args
    bare["early_stopping"] = True
    with pytest.raises(WorkbenchError, match="needs something measured during training"):
        build(RunSpec.from_dict(bare))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({"patience": 0}, "at least 1"),
        ({"patience": 2.5}, "whole number"),
        ({"patiense": 3}, "no setting 'patiense'"),
        ("yes", "true, false or"),
        ({"threshold": -1}, "0 or more"),
    ],
)
def test_bad_early_stopping_settings_are_refused_in_words(make_config, value, match):
    with pytest.raises(WorkbenchError, match=match) as err:
        RunSpec.from_dict(_early(make_config, early_stopping=value))
    assert err.value.where.startswith("early_stopping") and err.value.fix


def test_prompts_are_saved_with_the_model_and_encode_uses_them(make_config):
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))},
        loss="MultipleNegativesRankingLoss",
        args={"max_steps": 2, "prompts": {"anchor": "query: ", "positive": "passage: "}},
    )
    summary = train(cfg)
    saved = _saved_config(summary)["prompts"]
    assert saved["anchor"] == saved["query"] == "query: "
    assert saved["positive"] == saved["document"] == "passage: "
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(summary["model_path"])
    text = ["a cat sits on the mat", "the weather is nice"]
    prompted, plain = model.encode(text, prompt_name="query"), model.encode(text)
    by_hand = model.encode(["query: " + t for t in text])
    assert abs(prompted - plain).max() > 1e-4
    assert abs(prompted - by_hand).max() < 1e-5
    assert abs(model.encode_document(text) - model.encode(["passage: " + t for t in text])).max() < 1e-5


def test_one_prompt_for_everything_becomes_the_default_and_per_dataset_prompts_reach_the_trainer(make_config):
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))}, loss="MultipleNegativesRankingLoss", args={"prompts": "task: "}
    )
    plan = build(RunSpec.from_dict(cfg))
    assert plan.setup.prompts == {"query": "task: ", "document": "task: "}
    assert plan.setup.default_prompt_name == "query" and plan.args["prompts"] == "task: "
    cfg["args"]["prompts"] = {"pairs": {"anchor": "q: "}}
    plan = build(RunSpec.from_dict(cfg))
    assert plan.args["prompts"] == {"anchor": "q: "}  # one train set: the trainer sees its columns' prompts
    assert plan.setup.prompts == {"anchor": "q: ", "query": "q: "}


@pytest.mark.parametrize(
    ("prompts", "match"),
    [
        ({"anchor": 3}, r"args.prompts.anchor must be text, got int"),
        ({"question": "q: "}, r"names column 'question'.*not an input"),
        ({"other": {"anchor": "q: "}}, r"train dataset 'other'"),
        (["q: "], "must be text, got list"),
    ],
)
def test_bad_prompts_are_refused_in_words(make_config, prompts, match):
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))}, loss="MultipleNegativesRankingLoss", args={"prompts": prompts}
    )
    with pytest.raises(WorkbenchError, match=match) as err:
        build(RunSpec.from_dict(cfg))
    assert err.value.where == "args.prompts" and err.value.fix
