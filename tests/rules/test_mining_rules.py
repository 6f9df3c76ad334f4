"""The mining presets and parameters, and the output format a loss takes (pure rules)."""

from __future__ import annotations

import pytest

from workbench import catalog as C
from workbench import rules
from workbench.errors import WorkbenchError


@pytest.mark.parametrize(
    ("loss", "model_type", "negatives", "expected"),
    [
        ("MultipleNegativesRankingLoss", C.DENSE, 1, "triplet"),
        ("MultipleNegativesRankingLoss", C.DENSE, 5, "n-tuple"),
        ("TripletLoss", C.DENSE, 3, "triplet"),
        ("ContrastiveLoss", C.DENSE, 3, "labeled-pair"),
        ("BinaryCrossEntropyLoss", C.CROSS, 3, "labeled-pair"),
        ("LambdaLoss", C.CROSS, 3, "labeled-list"),
        ("SparseMultipleNegativesRankingLoss", C.SPARSE, 2, "n-tuple"),
        (None, C.DENSE, 1, "triplet"),
        ("auto", C.DENSE, 4, "n-tuple"),
    ],
)
def test_the_mined_rows_follow_the_chosen_loss(loss, model_type, negatives, expected):
    assert rules.mining_format(loss, model_type, negatives) == expected


def test_a_loss_that_takes_no_negatives_is_refused_with_the_way_out():
    with pytest.raises(WorkbenchError, match="does not train on mined negatives") as refused:
        rules.mining_format("CosineSimilarityLoss", C.DENSE)
    assert "MultipleNegativesRankingLoss" in refused.value.fix


def test_presets_and_overrides_and_a_small_pool():
    safe = rules.mining_parameters("safe")
    assert safe == {"num_negatives": 3, "range_min": 10, "relative_margin": 0.05, "sampling_strategy": "top"}
    assert rules.mining_parameters("safe", num_negatives=5, relative_margin=0.1)["relative_margin"] == 0.1
    small = rules.mining_parameters("safe", pool_size=8, num_negatives=3)
    assert small["range_min"] == 4  # 8 candidates: skipping 10 would leave nothing
    assert rules.mining_parameters("varied", pool_size=12, num_negatives=3)["range_max"] >= 3
    for bad, word in (
        ({"preset": "gentle"}, "unknown mining preset"),
        ({"margin_of_error": 1}, "unknown mining parameter"),
        ({"num_negatives": 0}, "at least 1"),
        ({"sampling_strategy": "best"}, "'top' or 'random'"),
        ({"range_min": -1}, "at least 0"),
    ):
        with pytest.raises(WorkbenchError, match=word):
            rules.mining_parameters(**bad)
