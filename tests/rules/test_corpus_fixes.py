"""A plain corpus (one text column, no label): the unsupervised losses name the fix that builds their pairs, auto
offers those fixes, and pairs built for TSDAE pick its loss (crafted DataShapes, no data, no model)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workbench import catalog as C
from workbench import rules as K
from workbench.data import shapes as S

CORPUS = S.DataShape(("text",), (S.TEXT,), n_rows=100)
TWICE = S.DataShape(("text", "text"), (S.TEXT, S.TEXT), n_rows=100)


def _verdict(shape, name):
    return next(v for v in K.verdicts(shape, C.DENSE) if v.name == name)


def test_tsdae_on_a_plain_corpus_offers_deletion_noise_pairs():
    v = _verdict(CORPUS, "DenoisingAutoEncoderLoss")
    assert not v.compatible and v.reason.startswith(
        "needs 2 text columns (damaged_sentence, original_sentence)"
    )
    (fix,) = v.fixes
    assert (fix.kind, fix.inputs, fix.derive, fix.loss) == (
        "derive",
        ("text", "text"),
        C.DERIVE_TSDAE,
        "DenoisingAutoEncoderLoss",
    )
    assert "TSDAE's deletion noise" in fix.text


def test_contrastive_tension_on_a_plain_corpus_offers_the_column_twice():
    v = _verdict(CORPUS, "ContrastiveTensionLossInBatchNegatives")
    assert not v.compatible
    (fix,) = v.fixes
    assert (fix.kind, fix.inputs, fix.derive, fix.loss) == (
        "pair_copy",
        ("text", "text"),
        None,
        "ContrastiveTensionLossInBatchNegatives",
    )
    assert _verdict(TWICE, fix.loss).compatible


def test_tsdae_fits_once_the_pairs_are_derived_and_not_on_the_same_sentence_twice():
    same = _verdict(TWICE, "DenoisingAutoEncoderLoss")
    assert not same.compatible and "nothing to repair" in same.reason and same.fixes[0].derive == "tsdae"
    derived = _verdict(replace(TWICE, derive="tsdae"), "DenoisingAutoEncoderLoss")
    assert derived.compatible and any("deletion noise" in n for n in derived.notes)
    own = S.DataShape(("noisy", "clean"), (S.TEXT, S.TEXT), n_rows=10)  # the person's own damaged column
    assert _verdict(own, "DenoisingAutoEncoderLoss").compatible


def test_other_losses_on_derived_pairs_say_the_first_input_is_damaged():
    v = _verdict(replace(TWICE, derive="tsdae"), "MultipleNegativesRankingLoss")
    assert v.compatible and any("damaged" in n for n in v.notes)


def test_auto_offers_both_corpus_fixes_when_nothing_fits():
    found = K.verdicts(CORPUS, C.DENSE)
    assert K.recommend_with_fix(CORPUS, C.DENSE) is None
    fixes = K.mapping_fixes("auto", found, None, C.DENSE, limit=4)
    assert [(f.kind, f.loss) for f in fixes] == [
        ("derive", "DenoisingAutoEncoderLoss"),
        ("pair_copy", "ContrastiveTensionLossInBatchNegatives"),
    ]


def test_auto_picks_the_loss_the_pairs_were_derived_for():
    assert K.recommend(replace(TWICE, derive="tsdae"), C.DENSE).name == "DenoisingAutoEncoderLoss"
    assert K.recommend(TWICE, C.DENSE).name != "DenoisingAutoEncoderLoss"


@pytest.mark.parametrize("entry", C.DERIVATIONS, ids=lambda d: d.name)
def test_every_derivation_builds_inputs_for_a_catalog_loss_that_reads_them(entry):
    loss = C.get_loss(entry.loss, C.DENSE)
    assert any(len(fmt.roles) == len(entry.inputs) for fmt in loss.formats)
    assert C.resolve_loss(loss) is not None
