"""The Plan records how each dataset was prepared (column mapping, label cast, category ids, rescaling), and the
record agrees with the prepared data: the exported script writes these steps out instead of deciding again."""

from __future__ import annotations

import pytest
from wb_data import TEXTS, binary_pairs, inline, scored_pairs
from wb_files import label_sources, with_empty_cells

from workbench import catalog as C
from workbench.engine import DatasetPrep, LabelPrep, build
from workbench.engine import datasets as B
from workbench.spec import RunSpec


def _plan(make_config, tmp_path):
    train, losses = label_sources(tmp_path / "data")
    holdout = {"source": "holdout", "of": "sts", "fraction": 0.25}
    cfg = make_config(train, loss=losses, eval={"dev": holdout, "nli_dev": train["nli"]})
    return build(RunSpec.from_dict(cfg))


def test_plan_records_each_label_cast(make_config, tmp_path):
    plan = _plan(make_config, tmp_path)
    labels = {key: prep.label for key, prep in plan.preps.items()}
    assert labels["train/sts"] == LabelPrep("score", None, None, (0.0, 5.0))
    assert labels["eval/dev"] == labels["train/sts"]  # a holdout is mapped like the set it came from
    nli = LabelPrep("label", C.CAST_CATEGORY, {"entailment": 0, "neutral": 1, "contradiction": 2})
    assert labels["train/nli"] == labels["eval/nli_dev"] == nli
    assert labels["train/scored"] == LabelPrep("score", C.CAST_FLOAT)
    assert labels["train/topics"] == LabelPrep("topic", C.CAST_INT)
    assert labels["train/bools"] == LabelPrep("label", C.CAST_BOOL)
    assert labels["train/pairs"] is None and labels["train/unused"] is None
    assert labels["train/ratings"] == LabelPrep("rating", None, None, (1.0, 5.0))  # its own lowest value
    assert set(plan.preps) == {f"train/{n}" for n in plan.train} | {f"eval/{n}" for n in plan.eval}


def test_plan_holds_one_dataset_plan_per_dataset_and_its_views_derive_from_them(make_config, tmp_path):
    plan = _plan(make_config, tmp_path)
    train = ["sts", "nli", "scored", "topics", "bools", "pairs", "unused", "ratings"]
    assert [dp.key for dp in plan.datasets] == [f"train/{n}" for n in train] + ["eval/dev", "eval/nli_dev"]
    assert list(plan.train) == list(plan.loss_specs) == list(plan.loss_choices) == train
    assert list(plan.shapes) == list(plan.preps) == [dp.key for dp in plan.datasets]
    for dp in plan.datasets:
        assert getattr(plan, dp.split)[dp.name] is dp.dataset and plan.preps[dp.key] is dp.prep
        assert plan.shapes[dp.key] is dp.shape and (dp.inputs, dp.label) == (dp.shape.inputs, dp.shape.label)
    unused = plan.dataset("train", "unused")
    assert not unused.label_guessed and unused.label is None  # "no label", said: MNRL trains without it
    assert (
        plan.loss_choices["sts"].name == plan.loss_specs["sts"].name == "CosineSimilarityLoss"
    )  # auto resolved
    dev = plan.dataset("eval", "dev")  # a holdout takes its train set's mapping, the rescale fix included
    assert (dev.inputs, dev.label, dev.label_range) == (
        plan.dataset("train", "sts").inputs,
        "score",
        (0.0, 5.0),
    )
    assert dev.loaded_split is None and list(plan.eval_loss) == []  # one loss per train set: none on eval
    assert plan.recommended["learning_rate"] == 5e-5 and plan.device == plan.device_info["device"]


def test_plan_record_matches_the_prepared_data(make_config, tmp_path):
    plan = _plan(make_config, tmp_path)
    for key, prep in plan.preps.items():
        split, _, name = key.partition("/")
        prepared = getattr(plan, split)[name]
        assert isinstance(prep, DatasetPrep)
        assert prep.columns == tuple(prepared.column_names), key
        assert prep.inputs == plan.shapes[key].inputs, key
        assert (prep.label.column if prep.label else None) == plan.shapes[key].label, key
        if prep.label is not None and prep.label.dtype is not None:
            assert prepared.features["label"].dtype == prep.label.dtype, key
    assert plan.preps["train/unused"].columns == ("sentence1", "sentence2", "sentence1_2")
    assert plan.preps["train/sts"].loaded_split == "train"
    # The recorded cast reproduces the prepared labels from the source values.
    nli = plan.preps["train/nli"].label
    assert (
        plan.train["nli"]["label"]
        == [nli.category_map[w] for w in ("entailment", "neutral", "contradiction")] * 6
    )
    lo, hi = plan.preps["train/sts"].label.label_range
    assert max(plan.train["sts"]["label"]) <= 1.0 and (lo, hi) == (0.0, 5.0)
    assert plan.train["topics"]["label"] == [i % 3 for i in range(12)]
    assert plan.train["topics"].features["label"].dtype == "int64"
    assert plan.train["scored"].features["label"].dtype == "float64"
    assert plan.train["bools"]["label"] == binary_pairs(12)["label"]
    assert plan.train["ratings"]["label"] == [(1 + i % 5 - 1) / 4 for i in range(12)]  # 1 -> 0, 5 -> 1


def test_a_guessed_label_binds_for_a_loss_that_takes_none(make_config, tmp_path):
    """Finding 6: scored pairs whose label is only guessed are refused by MNRL (not trained as matches)."""
    from workbench.errors import WorkbenchError

    cfg = make_config({"scored": inline(scored_pairs(8))}, loss="MultipleNegativesRankingLoss")
    with pytest.raises(WorkbenchError, match="MultipleNegativesRankingLoss does not fit") as err:
        build(RunSpec.from_dict(cfg))
    assert "guessed it from the data" in err.value.message
    assert "train without the label 'score'" in err.value.fix


@pytest.mark.parametrize(
    "texts, cast",
    [(["1.5", "2.25", "0.5", "4", "3"], C.CAST_FLOAT), (["1.5", "nan", "a", "b", "a"], C.CAST_CATEGORY)],
)
def test_label_cast_follows_what_prepare_did(texts, cast):
    """The label's cast recorded for the plan is the one `prepare` used."""
    from workbench import data

    raw = data.from_pandas_or_dict({"s": TEXTS[:5], "v": texts})
    prepared = data.prepare_recorded(raw, ["s"], "v")
    assert B._label_prep("v", None, prepared).cast == cast == prepared.cast.name


def test_a_nan_written_as_text_in_a_number_label_is_refused_with_its_row():
    """'nan' parses as a float but is no score: refused naming the row (it trained as NaN loss before)."""
    from workbench import data
    from workbench.errors import WorkbenchError

    raw = data.from_pandas_or_dict({"s": TEXTS[:5], "v": ["1.5", "2.25", "0.5", "4", "nan"]})
    with pytest.raises(WorkbenchError, match=r"'nan', in 1 row \(row indexes 4"):
        data.prepare_recorded(raw, ["s"], "v")


H100 = {"device": "cuda", "name": "NVIDIA H100 80GB HBM3", "fp16": True, "bf16": True}
T4 = {"device": "cuda", "name": "Tesla T4", "fp16": True, "bf16": False}


@pytest.mark.parametrize(
    "device, user, expected",
    [
        (H100, {}, {"bf16": True}),
        (T4, {}, {"fp16": True}),
        (H100, {"fp16": True}, {"fp16": True}),  # the config's choice replaces the automatic one
        (H100, {"bf16": False}, {"bf16": False}),
    ],
)
def test_plan_picks_mixed_precision_on_a_gpu(make_config, tmp_path, monkeypatch, device, user, expected):
    """The plan is settled for the detected device (faked here: no GPU needed to plan; the model is built later)."""
    from workbench.engine import models

    monkeypatch.setattr(models, "detect_device", lambda: dict(device))
    cfg = make_config({"pairs": inline(scored_pairs(12))}, args=user)
    plan = build(RunSpec.from_dict(cfg))
    assert plan.device == "cuda" and plan.device_info == device
    assert {k: plan.args[k] for k in ("fp16", "bf16") if k in plan.args} == expected
    assert "dataloader_pin_memory" not in plan.args
    chosen = [note for note in plan.notes if "mixed precision" in note]
    assert len(chosen) == (0 if user else 1)
    if not user:
        assert device["name"] in chosen[0] and "to train in fp32" in chosen[0]


def test_bf16_on_a_gpu_without_it_is_refused(make_config, monkeypatch):
    from workbench.engine import models
    from workbench.errors import WorkbenchError

    monkeypatch.setattr(models, "detect_device", lambda: dict(T4))
    cfg = make_config({"pairs": inline(scored_pairs(12))}, args={"bf16": True})
    with pytest.raises(WorkbenchError, match="Tesla T4 does not") as err:
        build(RunSpec.from_dict(cfg))
    assert err.value.fix == "turn bf16 off and fp16 on." and err.value.where == "args.bf16"


def test_empty_cells_stop_the_run_naming_the_column_and_the_way_out(make_config, tmp_path):
    from workbench.errors import WorkbenchError

    path = with_empty_cells(tmp_path / "data")
    cfg = make_config(
        {"holes": {"source": "csv", "path": str(path), "label_range": [0, 5]}}, loss="CosineSimilarityLoss"
    )
    with pytest.raises(WorkbenchError) as err:
        build(RunSpec.from_dict(cfg))
    assert err.value.where == "datasets.train.holes.columns"
    assert (
        "train/holes: column 'sentence1' (an input) is missing or empty in 1 row (row indexes 2; 0-based)"
        in err.value.message
    )
    assert "'sentence2' too, in 1 row" in err.value.message and "'score' too, in 1 row" in err.value.message
    assert '"drop_empty": true' in err.value.fix and "Columns tab" in err.value.fix


def test_drop_empty_leaves_those_rows_out_also_of_a_holdout(make_config, tmp_path):
    path = with_empty_cells(tmp_path / "data")
    train = {"holes": {"source": "csv", "path": str(path), "label_range": [0, 5], "drop_empty": True}}
    cfg = make_config(
        train,
        loss="CosineSimilarityLoss",
        eval={"dev": {"source": "holdout", "of": "holes", "fraction": 0.5}},
    )
    plan = build(RunSpec.from_dict(cfg))
    assert plan.train["holes"].num_rows + plan.eval["dev"].num_rows == 13
    assert (
        plan.preps["train/holes"].drop_empty and plan.preps["eval/dev"].drop_empty
    )  # the holdout inherits it
    kept = plan.train["holes"].to_list() + plan.eval["dev"].to_list()
    assert all(
        row["sentence1"].strip() and row["sentence2"].strip() and row["label"] == row["label"] for row in kept
    )
    assert any(
        note.startswith("train/holes: ") and "dropped (an empty input or label)" in note
        for note in plan.notes
    )
    assert RunSpec.from_dict(cfg).to_dict()["datasets"]["train"]["holes"]["drop_empty"] is True


def test_best_model_metric_must_be_measured_during_training(make_config):
    from workbench.errors import WorkbenchError

    dev = inline(scored_pairs(8))
    evaluators = [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}]
    args = {
        "eval_strategy": "steps",
        "eval_steps": 2,
        "load_best_model_at_end": True,
        "save_strategy": "steps",
    }
    for ok in ("eval_dev_spearman_cosine", "dev_pearson_cosine", "eval_loss"):
        cfg = make_config(
            {"sts": inline(scored_pairs(12))},
            loss="CosineSimilarityLoss",
            eval={"dev": dev},
            evaluators=evaluators,
            args={**args, "metric_for_best_model": ok},
        )
        assert build(RunSpec.from_dict(cfg)).args["metric_for_best_model"] == ok
    cfg = make_config(
        {"sts": inline(scored_pairs(12))},
        loss="CosineSimilarityLoss",
        eval={"dev": dev},
        evaluators=evaluators,
        args={**args, "metric_for_best_model": "eval_InformationRetrieval_ndcg"},
    )
    with pytest.raises(WorkbenchError, match="is not measured during training") as err:
        build(RunSpec.from_dict(cfg))
    assert err.value.fix == "use eval_dev_spearman_cosine, eval_loss."
    assert err.value.where == "args.metric_for_best_model"


def test_eval_sets_number_text_classes_as_their_train_set_does(make_config):
    from workbench.errors import WorkbenchError

    classes = ["entailment", "neutral", "contradiction", "maybe"]
    n = len(TEXTS) // 2
    train = {
        "premise": TEXTS[:n],
        "hypothesis": TEXTS[n : 2 * n],
        "label": [classes[i % 4] for i in range(n)],
    }
    dev = {
        "premise": TEXTS[:6],
        "hypothesis": TEXTS[6:12],
        "label": ["contradiction", "maybe", "contradiction", "maybe", "contradiction", "maybe"],
    }
    cfg = make_config({"nli": inline(train)}, loss="SoftmaxLoss", eval={"dev": inline(dev)})
    plan = build(RunSpec.from_dict(cfg))
    ids = plan.preps["train/nli"].label.category_map
    assert plan.preps["eval/dev"].label.category_map == ids
    assert plan.eval["dev"]["label"] == [ids[v] for v in dev["label"]]  # not 0/1 numbered on their own
    odd = {**dev, "label": ["contradiction", "unheard-of"] * 3}
    cfg = make_config({"nli": inline(train)}, loss="SoftmaxLoss", eval={"dev": inline(odd)})
    with pytest.raises(WorkbenchError, match="'unheard-of'") as err:
        build(RunSpec.from_dict(cfg))
    assert "eval/dev" in err.value.message and "add examples of them to the train data" in err.value.fix


def test_numbers_written_as_text_are_read_and_wrong_types_refused(make_config):
    """YAML reads `learning_rate: 2e-5` as the text "2e-5"; the run must get the number (and say so in its config)."""
    from workbench.errors import WorkbenchError

    cfg = make_config(
        {"sts": inline(scored_pairs(12))},
        loss={"name": "CoSENTLoss", "params": {"scale": "20"}},
        args={"learning_rate": "2e-5", "max_steps": "3", "fp16": "false"},
    )
    plan = build(RunSpec.from_dict(cfg))
    assert plan.args["learning_rate"] == 2e-5 and plan.args["max_steps"] == 3 and plan.args["fp16"] is False
    assert plan.spec.args["learning_rate"] == 2e-5  # what config.json and the exported script get
    for args, words in (
        ({"learning_rate": "fast"}, "learning_rate must be a number, got 'fast'"),
        ({"per_device_train_batch_size": 0}, "at least 1"),
        ({"max_steps": 2.5}, "whole number"),
    ):
        with pytest.raises(WorkbenchError, match=words):
            build(RunSpec.from_dict(make_config({"sts": inline(scored_pairs(12))}, args=args)))
    bad = make_config(
        {"sts": inline(scored_pairs(12))}, loss={"name": "CoSENTLoss", "params": {"scale": "big"}}
    )
    with pytest.raises(WorkbenchError, match="CoSENTLoss's scale must be a number, got 'big'") as err:
        build(RunSpec.from_dict(bad))
    assert err.value.where == "loss.params.scale"


def test_cross_encoder_output_size_is_checked_against_the_losses(make_config):
    from workbench.errors import WorkbenchError

    n = len(TEXTS) // 2
    nli = inline(
        {
            "premise": TEXTS[:n],
            "hypothesis": TEXTS[n : 2 * n],
            "label": [("entailment", "neutral", "contradiction")[i % 3] for i in range(n)],
        }
    )
    pairs = inline(binary_pairs(12))
    base = dict(
        model_type="cross-encoder", loss={"nli": "CrossEntropyLoss", "pairs": "BinaryCrossEntropyLoss"}
    )
    with pytest.raises(WorkbenchError, match="CrossEntropyLoss on train/nli needs 3") as err:
        build(RunSpec.from_dict(make_config({"nli": nli, "pairs": pairs}, **base)))
    assert "separate runs" in err.value.fix
    one = make_config({"nli": nli}, model_type="cross-encoder", loss="CrossEntropyLoss")
    one["model"]["num_labels"] = 1
    with pytest.raises(
        WorkbenchError, match=r"num_labels is 1, but CrossEntropyLoss on train/nli needs at least 3"
    ):
        build(RunSpec.from_dict(one))
    one["model"]["num_labels"] = 4  # room for a class the data lacks: allowed
    assert build(RunSpec.from_dict(one)).num_labels == 4
