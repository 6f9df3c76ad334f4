"""The rules the app's Columns and Loss tabs show: one-click mapping fixes, verdicts over several train datasets,
and a guessed label dropped by losses that take none (crafted DataShapes, no data, no model)."""

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


@pytest.mark.parametrize("guessed", [True, False])
def test_a_guessed_label_is_dropped_by_losses_that_take_none(guessed):
    by_name = {v.name: v for v in K.mapped_verdicts(SCORED_0_5, C.DENSE, guessed)}
    mnrl = by_name["MultipleNegativesRankingLoss"]
    assert mnrl.compatible is guessed
    assert ("the guessed label 'score' is not used" in mnrl.reason) is guessed
    assert by_name["CoSENTLoss"].compatible  # a loss that takes the label is judged with it either way
