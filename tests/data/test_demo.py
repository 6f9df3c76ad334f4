"""Tests for the built-in demo dataset: packaged files, their shape, and that they are what the generator makes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench import data
from workbench.data import demo
from workbench.data.shapes import SCORE, TEXT
from workbench.errors import WorkbenchError
from workbench.spec import DatasetSpec

EXPECTED = {
    "pairs_scored_train": (["sentence1", "sentence2", "score"], 400),
    "pairs_scored_dev": (["sentence1", "sentence2", "score"], 100),
    "pairs_train": (["anchor", "positive"], 300),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_demo_files_exist_with_columns_and_rows(name):
    path = Path(demo.demo_path(name))
    assert path.is_file() and path.parent.name == "demo_data"
    frame = pd.read_csv(path)
    columns, rows = EXPECTED[name]
    assert list(frame.columns) == columns and len(frame) == rows
    assert not frame.isna().any().any()
    texts = frame[[c for c in columns if c != "score"]]
    assert (texts.map(len) > 10).all().all()
    assert (frame[columns[0]] != frame[columns[1]]).all()


def test_demo_files_are_small():
    total = sum(Path(demo.demo_path(name)).stat().st_size for name in demo.DEMO_DATASETS)
    assert total < 200_000


@pytest.mark.parametrize("name", ["pairs_scored_train", "pairs_scored_dev"])
def test_scores_span_the_scale(name):
    scores = pd.read_csv(demo.demo_path(name))["score"]
    assert scores.min() >= 0 and scores.max() <= 5
    assert scores.min() < 0.5 and scores.max() > 4.5 and scores.nunique() > 20
    buckets = pd.cut(scores, [-0.01, 1, 2, 3, 4, 5]).value_counts()
    assert (buckets >= 0.08 * len(scores)).all(), buckets


def test_train_and_dev_do_not_share_pairs():
    train = pd.read_csv(demo.demo_path("pairs_scored_train"))
    dev = pd.read_csv(demo.demo_path("pairs_scored_dev"))
    pairs = set(zip(train.sentence1, train.sentence2, strict=True))
    assert not pairs & set(zip(dev.sentence1, dev.sentence2, strict=True))


def test_paraphrase_anchors_are_unique():
    pairs = pd.read_csv(demo.demo_path("pairs_train"))
    assert pairs["anchor"].is_unique


def test_profile_guesses_the_mapping():
    ds = data.load_raw(DatasetSpec(source="csv", path=demo.demo_path("pairs_scored_train")))
    prof = data.profile(ds)
    assert prof.guessed_inputs == ("sentence1", "sentence2") and prof.guessed_label == "score"
    assert prof.column("score").role == SCORE and prof.column("sentence1").role == TEXT
    out = data.prepare(ds, prof.guessed_inputs, "score", label_range=(0, 5))
    assert out.column_names == ["sentence1", "sentence2", "label"] and max(out["label"]) <= 1.0
    pairs = data.profile(data.load_raw(DatasetSpec(source="csv", path=demo.demo_path("pairs_train"))))
    assert pairs.guessed_inputs == ("anchor", "positive") and pairs.guessed_label is None


def test_generator_reproduces_the_packaged_files(tmp_path):
    written = demo.generate_demo(tmp_path)
    assert set(written) == set(demo.DEMO_DATASETS)
    for name, path in written.items():
        assert Path(path).read_bytes() == Path(demo.demo_path(name)).read_bytes(), name


def test_demo_path_accepts_file_names_and_rejects_unknown():
    assert demo.demo_path("pairs_train.csv") == demo.demo_path("pairs_train")
    with pytest.raises(WorkbenchError) as info:
        demo.demo_path("imdb")
    assert "imdb" in info.value.text and "pairs_scored_train" in info.value.fix
