"""Hard-negative mining with the library's mine_hard_negatives on the tiny model: every format, what it did, and
never a negative equal to its positive (queries that share an answer)."""

from __future__ import annotations

import pytest
from wb_data import TEXTS

from workbench.engine import build_model, mine
from workbench.errors import WorkbenchError
from workbench.spec import ModelSpec

QUESTIONS = [f"question {i}: what about {TEXTS[i % len(TEXTS)]}?" for i in range(24)]
# Every answer is given to two questions: a plain duplicate the library may pick as a negative for the other one.
ANSWERS = [TEXTS[(i // 2) % len(TEXTS)] for i in range(24)]


@pytest.fixture(scope="module")
def model(tiny_model):
    return build_model(ModelSpec(name_or_path=tiny_model))


@pytest.fixture
def pairs():
    from datasets import Dataset

    return Dataset.from_dict({"question": QUESTIONS, "answer": ANSWERS, "id": list(range(24))})


@pytest.mark.parametrize("output_format", ["triplet", "n-tuple", "labeled-pair", "labeled-list"])
def test_every_format_and_no_negative_is_its_own_positive(model, pairs, output_format):
    result = mine(
        pairs, model, "question", "answer", output_format=output_format, num_negatives=2, preset="hardest"
    )
    ds = result.dataset
    assert result.queries == 24 and 0 < result.with_negatives <= 24
    assert result.positive_scores and result.negative_scores
    assert "id" not in ds.column_names  # only the query, the positive and the negatives
    for row in ds:
        if output_format == "triplet":
            assert row["negative"] != row["answer"]
        elif output_format == "n-tuple":
            assert row["answer"] not in (row["negative_1"], row["negative_2"])
        elif output_format == "labeled-pair":
            assert row["label"] in (0, 1)
        else:
            positives = {d for d, lab in zip(row["answer"], row["labels"], strict=True) if lab == 1}
            negatives = {d for d, lab in zip(row["answer"], row["labels"], strict=True) if lab == 0}
            assert not positives & negatives
    if output_format == "labeled-pair":
        positives = {(r["question"], r["answer"]) for r in ds if r["label"] == 1}
        assert not any((r["question"], r["answer"]) in positives for r in ds if r["label"] == 0)
    assert "of 24 queries got hard negatives" in result.summary()


def test_a_corpus_adds_candidates_and_the_input_is_unchanged(model, pairs):
    before = pairs.to_dict()
    corpus = [t for t in TEXTS if t not in ANSWERS]  # texts no question has as its answer
    result = mine(pairs, model, "question", "answer", corpus=corpus, num_negatives=1, preset="hardest")
    assert pairs.to_dict() == before
    negatives = set(result.dataset["negative"])
    assert negatives <= set(ANSWERS) | set(corpus) and negatives & set(corpus)


def test_a_missing_column_names_the_columns(model, pairs):
    with pytest.raises(WorkbenchError, match="positive column 'reply' is not in the data") as refused:
        mine(pairs, model, "question", "reply")
    assert "question, answer, id" in refused.value.fix
