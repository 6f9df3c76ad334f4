"""The checks on a run's settled training arguments, and what a train set's loss choice becomes on its data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_verdicts import shape_for

from workbench import catalog as C
from workbench import rules as R
from workbench.data import shapes as S
from workbench.errors import WorkbenchError
from workbench.spec import LossChoice

H100 = {"device": "cuda", "name": "NVIDIA H100 80GB HBM3", "fp16": True, "bf16": True}


def test_precision_is_noted_only_when_the_workbench_picked_it():
    rec = R.recommended_args(C.get_loss("CosineSimilarityLoss"), 1000, C.DENSE, device=H100)
    (note,) = R.precision_notes(rec, R.merge_args(rec, {}), {}, H100)
    assert (
        note.startswith("bf16 mixed precision: NVIDIA H100 80GB HBM3 supports it")
        and "to train in fp32" in note
    )
    assert R.precision_notes(rec, R.merge_args(rec, {"bf16": True}), {"bf16": True}, H100) == []
    assert R.precision_notes({}, {"fp16": True}, {"fp16": True}, H100) == []


def test_evaluation_during_training_needs_something_to_evaluate():
    args = {"eval_strategy": "steps", "eval_steps": 5}
    assert R.check_evaluation(args, has_eval=True) is args
    assert R.check_evaluation({"seed": 1}, has_eval=False) == {"seed": 1, "eval_strategy": "no"}
    with pytest.raises(WorkbenchError, match="eval_strategy 'steps' needs something to evaluate") as err:
        R.check_evaluation(args, has_eval=False)
    assert err.value.where == "args.eval_strategy"


def test_best_model_metric_must_be_measured_during_training():
    during = {"dev": "spearman_cosine"}
    for ok in (None, "eval_dev_spearman_cosine", "dev_pearson_cosine", "eval_loss"):
        R.check_best_metric(ok, during, ["dev"])
    R.check_best_metric("eval_a_loss", {}, ["a", "b"])  # several loss sets: one loss key each
    with pytest.raises(WorkbenchError, match="is not measured during training") as err:
        R.check_best_metric("eval_InformationRetrieval_ndcg", during, ["dev"])
    assert err.value.fix == "use eval_dev_spearman_cosine, eval_loss."
    with pytest.raises(WorkbenchError) as err:
        R.check_best_metric("eval_loss", {}, [])
    assert err.value.fix == "add an eval dataset with an evaluator first."


def test_auto_resolves_with_its_rescale_fix():
    sts = replace(shape_for("D8"), label_min=0.0, label_max=5.0)
    loss, shape, notes = R.resolve_choice(LossChoice(), sts, "sts", C.DENSE, False)
    assert loss.name == "CosineSimilarityLoss" and shape.label_range == (0.0, 5.0)
    assert notes == [
        "loss 'auto' for 'sts': CosineSimilarityLoss",
        "'sts': rescale 'score' from 0–5 (the range of its values) to 0–1",
    ]


def test_auto_rescales_ratings_from_their_own_lowest_value():
    """Finding 7: ratings 1-5 are rescaled from 1-5 (1 becomes 0), and the note names that range."""
    ratings = replace(shape_for("D8"), label_min=1.0, label_max=5.0)
    loss, shape, notes = R.resolve_choice(LossChoice(), ratings, "stars", C.DENSE, False)
    assert shape.label_range == (1.0, 5.0)
    assert notes[1] == "'stars': rescale 'score' from 1–5 (the range of its values) to 0–1"


@pytest.mark.parametrize("guessed", [True, False])
def test_a_guessed_label_binds_like_a_chosen_one(guessed):
    """Finding 6: a loss that takes no label is refused on labelled data, guessed or chosen, with the fix that
    trains without the label; the refusal says when the label was guessed."""
    scored = shape_for("D8")
    mnrl = LossChoice(name="MultipleNegativesRankingLoss")
    with pytest.raises(WorkbenchError, match="does not fit train dataset 'train/pairs'") as err:
        R.resolve_choice(mnrl, scored, "pairs", C.DENSE, guessed)
    assert ("guessed it from the data" in err.value.message) is guessed
    assert "train without the label 'score'" in err.value.fix and "choose a loss that fits: " in err.value.fix
    assert err.value.where == "loss"


def test_no_loss_fits_unusable_data():
    only_ids = S.DataShape(("id",), (S.ID,), n_rows=16)
    with pytest.raises(WorkbenchError, match="no sentence-transformer loss fits train dataset 'x'") as err:
        R.resolve_choice(LossChoice(), only_ids, "x", C.DENSE, False)
    assert err.value.where == "datasets.train.x"


def test_run_defaults_follow_the_biggest_train_set_over_all_rows():
    """The plan and the app's placeholders share this rule: the loss of the biggest train set sets the batch
    (in-batch negatives want 32), and the schedule counts the rows of every train set."""
    mnrl, cosine = C.get_loss("MultipleNegativesRankingLoss"), C.get_loss("CosineSimilarityLoss")
    small_pairs_big_scores = R.run_defaults([(mnrl, 100), (cosine, 900)], C.DENSE, has_eval=False)
    assert small_pairs_big_scores == R.recommended_args(cosine, 1000, C.DENSE)
    assert small_pairs_big_scores["per_device_train_batch_size"] == 16
    big_pairs = R.run_defaults([(mnrl, 900), (cosine, 100)], C.DENSE, has_eval=True)
    assert big_pairs == R.recommended_args(mnrl, 1000, C.DENSE, has_eval=True)
    assert big_pairs["per_device_train_batch_size"] == 32 and "eval_steps" in big_pairs
