"""`workbench try RUN_DIR --corpus FILE [--column NAME] --query TEXT [--k N] [--json]`: base vs trained top-k, and
exit 2 with a clear message on bad input."""

from __future__ import annotations

import json
import shutil

import pytest
from test_cli import assert_bad_input, run_cli
from wb_data import TEXTS
from wb_files import write_csv
from wb_runs import finished_run

from workbench.engine import BASE, TRAINED, Playground


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    return finished_run(tiny_model, tmp_path_factory.mktemp("try") / "run")


@pytest.fixture
def corpus(tmp_path):
    return write_csv(tmp_path / "docs.csv", ["id", "text"], [[i, t] for i, t in enumerate(TEXTS)])


def test_json_gives_both_models_top_k_with_scores_and_ranks(run, corpus, capsys):
    rc, out, err = run_cli(
        capsys, "try", run, "--corpus", corpus, "--query", "a cat on a mat", "--k", "3", "--json"
    )
    assert rc == 0, err
    data = json.loads(out)
    expected = Playground(run).search("a cat on a mat", TEXTS, k=3)
    assert data["query"] == "a cat on a mat"
    for role, hits in ((BASE, expected.base), (TRAINED, expected.trained)):
        assert [(h["text"], h["rank"]) for h in data[role]] == [(h.text, h.rank) for h in hits]
        assert [h["score"] for h in data[role]] == pytest.approx([h.score for h in hits], abs=1e-5)
        assert all(set(h) == {"text", "score", "rank", "change"} for h in data[role])


def test_text_output_shows_the_two_lists_side_by_side_with_rank_changes(run, corpus, capsys):
    rc, out, err = run_cli(
        capsys, "try", run, "--corpus", corpus, "--column", "text", "--query", "a dog", "--k", "2"
    )
    assert rc == 0, err
    result = Playground(run).search("a dog", TEXTS, k=2)
    lines = out.splitlines()
    assert lines[0] == "query: a dog" and "base model" in lines[1] and "trained model" in lines[1]
    for line, base, trained in zip(lines[2:4], result.base, result.trained, strict=True):
        left, right = line.split("  |  ")
        assert base.text in left and trained.text in right
        mark = (
            f"▲{trained.change}"
            if trained.change > 0
            else f"▼{-trained.change}"
            if trained.change < 0
            else "="
        )
        assert f" {mark} " in right
    assert "24 texts from text" in err


def test_bad_input_exits_2_with_a_message(run, corpus, tmp_path, capsys):
    rc, _, err = run_cli(capsys, "try", run, "--corpus", tmp_path / "missing.csv", "--query", "a cat")
    assert_bad_input(rc, err, "missing.csv", "does not exist")
    rc, _, err = run_cli(capsys, "try", run, "--corpus", corpus, "--column", "body", "--query", "a cat")
    assert_bad_input(rc, err, "no column 'body'", "id, text")
    rc, _, err = run_cli(capsys, "try", tmp_path, "--corpus", corpus, "--query", "a cat")
    assert_bad_input(rc, err, "not a workbench run folder")
    no_model = shutil.copytree(run, tmp_path / "no-model")
    shutil.rmtree(no_model / "final")
    rc, _, err = run_cli(capsys, "try", no_model, "--corpus", corpus, "--query", "a cat")
    assert_bad_input(rc, err, "no trained model")
    rc, _, err = run_cli(capsys, "try", run, "--corpus", corpus, "--query", "  ")
    assert_bad_input(rc, err, "--query is empty")
    rc, _, err = run_cli(capsys, "try", run, "--corpus", corpus, "--query", "a cat", "--k", "0")
    assert_bad_input(rc, err, "--k must be at least 1")
    rc, _, err = run_cli(capsys, "try", run, "--query", "a cat")
    assert_bad_input(rc, err, "--corpus")
