"""The rules the app's Columns and Loss tabs show: one-click mapping fixes, verdicts over several train datasets,
what auto picks for them, and a guessed label that binds (crafted DataShapes, no data, no model)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workbench import catalog as C
from workbench import rules as K
from workbench.data import shapes as S

PAIRS = S.DataShape(("a", "b"), (S.TEXT, S.TEXT), n_rows=16)
SCORED_0_5 = replace(PAIRS, label="score", label_role=S.SCORE, label_min=0.0, label_max=5.0)
SCORED_0_1 = replace(SCORED_0_5, label_max=1.0)
FOUR_INPUTS_AND_AN_ID = S.DataShape(
    ("a", "b", "c", "d"), (S.TEXT,) * 4, n_rows=16, label="id", label_role=S.ID
)


@pytest.mark.parametrize("loss", [loss.name for loss in C.losses_for(C.DENSE)])
def test_a_chosen_loss_offers_its_own_fixes_only_when_it_does_not_fit(loss):
    found = K.verdicts(SCORED_0_5, C.DENSE)
    verdict = next(v for v in found if v.name == loss)
    fixes = K.mapping_fixes(loss, found, K.recommend_with_fix(SCORED_0_5, C.DENSE), C.DENSE)
    assert fixes == ([] if verdict.compatible else list(verdict.fixes))


def test_a_chosen_loss_missing_from_the_verdicts_offers_nothing():
    assert K.mapping_fixes("NoSuchLoss", K.verdicts(SCORED_0_5, C.DENSE), None, C.DENSE) == []


def test_auto_offers_the_fix_it_applies_itself():
    recommended = K.recommend_with_fix(SCORED_0_5, C.DENSE)
    assert recommended[1] is not None and recommended[1].kind == "rescale"
    fixes = K.mapping_fixes("auto", K.verdicts(SCORED_0_5, C.DENSE), recommended, C.DENSE)
    assert fixes == [recommended[1]]


def test_auto_offers_nothing_when_a_loss_fits_as_mapped():
    recommended = K.recommend_with_fix(SCORED_0_1, C.DENSE)
    assert recommended is not None and recommended[1] is None
    assert K.mapping_fixes("auto", K.verdicts(SCORED_0_1, C.DENSE), recommended, C.DENSE) == []


def test_auto_with_nothing_that_fits_offers_the_recommended_losses_distinct_fixes_in_order():
    found = K.verdicts(FOUR_INPUTS_AND_AN_ID, C.DENSE)
    assert K.recommend_with_fix(FOUR_INPUTS_AND_AN_ID, C.DENSE) is None
    expected, seen = [], set()
    for name in C.RECOMMENDED[C.DENSE]:
        for fix in next(v for v in found if v.name == name).fixes:
            if fix.text not in seen:
                seen.add(fix.text)
                expected.append(fix)
    fixes = K.mapping_fixes("auto", found, None, C.DENSE)
    assert fixes == expected and len(fixes) >= 2
    assert K.mapping_fixes("auto", found, None, C.DENSE, limit=1) == expected[:1]


def test_one_dataset_keeps_its_verdicts_as_they_are():
    found = K.verdicts(SCORED_0_5, C.DENSE)
    assert K.combined_verdicts({"sts": found}) == {v.name: v for v in found}


def test_several_datasets_a_loss_fits_only_if_it_fits_every_one_and_the_reason_names_the_dataset():
    combined = K.combined_verdicts(
        {"pairs": K.verdicts(PAIRS, C.DENSE), "sts": K.verdicts(SCORED_0_1, C.DENSE)}
    )
    both = {v.name for v in K.verdicts(PAIRS, C.DENSE) if v.compatible} & {
        v.name for v in K.verdicts(SCORED_0_1, C.DENSE) if v.compatible
    }
    assert {name for name, v in combined.items() if v.compatible} == both
    mnrl = combined["MultipleNegativesRankingLoss"]  # fits the pairs, not the scored pairs
    assert not mnrl.compatible and mnrl.reason.startswith("'sts': ")
    cosine = combined["CosineSimilarityLoss"]  # the first dataset that refuses it is named
    assert not cosine.compatible and cosine.reason.startswith("'pairs': ")


def test_a_dataset_without_verdicts_changes_nothing_but_the_wording():
    found = K.verdicts(PAIRS, C.DENSE)
    combined = K.combined_verdicts({"pairs": found, "loading": []})
    assert {n: v.compatible for n, v in combined.items()} == {v.name: v.compatible for v in found}


NO_LABEL_LOSSES = {
    C.DENSE: ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss"),
    C.SPARSE: ("SparseMultipleNegativesRankingLoss",),
}
BINARY_0_1 = replace(PAIRS, label="label", label_role=S.BINARY, label_min=0.0, label_max=1.0, n_classes=2)


@pytest.mark.parametrize("guessed", [True, False])
@pytest.mark.parametrize("shape", [SCORED_0_5, BINARY_0_1], ids=["scored", "binary"])
@pytest.mark.parametrize(
    "model_type, loss", [(t, name) for t, names in NO_LABEL_LOSSES.items() for name in names]
)
def test_a_guessed_label_binds_like_a_chosen_one(model_type, loss, shape, guessed):
    """Finding 6: a loss that takes no label does not fit labelled data, guessed or not; its one fix trains
    without the label, and the reason says when the label was guessed."""
    v = next(v for v in K.mapped_verdicts(shape, model_type, guessed) if v.name == loss)
    assert not v.compatible
    assert ("the workbench guessed it from the data" in v.reason) is guessed
    (fix,) = v.fixes
    assert (
        fix.kind == "unset_label"
        and fix.label == ""
        and f"train without the label '{shape.label}'" in fix.text
    )
    assert fix.apply(shape.inputs, shape.label, (0.0, 5.0)) == (shape.inputs, None, None)
    assert K.mapping_fixes(loss, K.mapped_verdicts(shape, model_type, guessed), None, model_type) == [fix]
    assert K.verdict(v.loss, replace(shape, label=None, label_role=None)).compatible


def test_a_guessed_label_leaves_losses_that_take_it_alone():
    by_name = {v.name: v for v in K.mapped_verdicts(SCORED_0_5, C.DENSE, True)}
    assert by_name["CoSENTLoss"] == next(v for v in K.verdicts(SCORED_0_5, C.DENSE) if v.name == "CoSENTLoss")


@pytest.mark.parametrize(
    "low, high, expected",
    [(1.0, 5.0, (1.0, 5.0)), (0.0, 5.0, (0.0, 5.0)), (0.2, 4.8, (0.0, 5.0)), (1, 10, (1, 10))],
)
def test_the_rescale_range_is_guessed_from_the_data_and_named(low, high, expected):
    """Finding 7: the lowest rating becomes 0 (1-5 -> (x-1)/4), for the one-click fix and for auto alike."""
    shape = replace(SCORED_0_5, label_min=low, label_max=high)
    fix = next(v for v in K.verdicts(shape, C.DENSE) if v.name == "CosineSimilarityLoss").fixes[0]
    assert fix.kind == "rescale" and fix.label_range == expected
    assert f"from {expected[0]:g}–{expected[1]:g}" in fix.text
    assert K.recommend_with_fix(shape, C.DENSE)[1] == fix


WHOLE_0_5 = replace(SCORED_0_5, n_classes=6)  # what shape_of gives an integer 'score' 0-5


@pytest.mark.parametrize("model_type", [C.DENSE, C.CROSS])
def test_whole_number_scores_are_scores_for_auto_and_classes_are_a_fix(model_type):
    """Finding 8: auto trains a 0-5 'score' of whole numbers as a score (rescaled), never as 6 classes; the
    fixes offer the classes reading, which is a loss that takes classes, chosen."""
    loss, fix = K.recommend_with_fix(WHOLE_0_5, model_type)
    assert not K.takes_classes(loss)
    assert model_type == C.CROSS or fix.kind == "rescale"  # a cross-encoder's MSELoss takes 0-5 as it is
    found = K.verdicts(WHOLE_0_5, model_type)
    fixes = K.mapping_fixes("auto", found, (loss, fix), model_type)
    assert fixes[:-1] == ([fix] if fix else [])
    classes = fixes[-1]
    assert classes.kind == "use_loss" and classes.text.startswith("treat 'score' as 6 classes")
    chosen = next(v for v in found if v.name == classes.loss)
    assert chosen.compatible and K.takes_classes(chosen.loss)
    assert K.mapping_fixes(classes.loss, found, None, model_type) == []  # chosen, it fits as it is


def test_decimal_scores_are_never_classes():
    found = K.verdicts(SCORED_0_5, C.DENSE)
    assert not next(v for v in found if v.name == "SoftmaxLoss").compatible
    assert all(f.kind != "use_loss" for f in K.mapping_fixes("auto", found, None, C.DENSE))


QA = S.DataShape(("question", "answer"), (S.TEXT, S.TEXT), n_rows=30)
DEMO = replace(SCORED_0_5, label_range=(0.0, 5.0))


def test_auto_over_several_datasets_shows_each_pick_as_fitting_the_datasets_it_is_for():
    """Finding 1 (Loss tab): the demo's scored pairs plus a (question, answer) upload. Auto picks a loss per
    dataset; the table it is shown in marks each pick as fitting, and only for its own dataset."""
    shapes = {"demo": DEMO, "qa": QA}
    picks = {n: K.recommend_with_fix(sh, C.DENSE) for n, sh in shapes.items()}
    combined = K.combined_verdicts({n: K.verdicts(sh, C.DENSE) for n, sh in shapes.items()})
    table = K.auto_verdicts(combined, picks)
    for name, (loss, _) in picks.items():
        assert not combined[loss.name].compatible  # neither pick fits both datasets
        assert table[loss.name].compatible and f"'{name}'" in table[loss.name].reason
    assert K.auto_summary(picks) == (f"{picks['demo'][0].name} for 'demo', {picks['qa'][0].name} for 'qa'")
    unpicked = {n for n, v in table.items() if n not in {p[0].name for p in picks.values()}}
    assert all(table[n] == combined[n] for n in unpicked)


def test_auto_with_a_fix_is_shown_as_fitting_once_fixed():
    picks = {"sts": K.recommend_with_fix(SCORED_0_5, C.DENSE)}
    loss, fix = picks["sts"]
    combined = K.combined_verdicts({"sts": K.verdicts(SCORED_0_5, C.DENSE)})
    assert not combined[loss.name].compatible
    shown = K.auto_verdicts(combined, picks)[loss.name]
    assert shown.compatible and fix.text in shown.reason and K.auto_summary(picks) == loss.name


def test_auto_names_nothing_while_a_dataset_has_no_pick():
    assert K.auto_summary({"a": K.recommend_with_fix(QA, C.DENSE), "ids": None}) is None
