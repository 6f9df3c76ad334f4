"""The "Try it" tab's state: the runs with a trained model, the corpora a run offers, searches and pair comparisons
in a background thread, uploaded corpora, and following the run the page shows."""

from __future__ import annotations

import json
import shutil

import pytest
from panel_fixtures import make_session, wait_for
from wb_data import TEXTS
from wb_files import write_csv
from wb_runs import finished_run

from workbench.engine import Playground
from workbench.errors import WorkbenchError
from workbench.session import PlaygroundSession


@pytest.fixture(scope="module")
def root(tiny_model, tmp_path_factory):
    """A runs folder: two finished runs (the newer one first) and a stopped run that saved no model."""
    root = tmp_path_factory.mktemp("runs")
    older = finished_run(tiny_model, root / "20260101-000000")
    shutil.copytree(older, root / "20260102-000000")
    shutil.copytree(older, root / "20260103-000000")
    shutil.rmtree(root / "20260103-000000" / "final")
    return root


@pytest.fixture
def runs(root, tmp_path, monkeypatch):
    copy = shutil.copytree(root, tmp_path / "runs")
    monkeypatch.setenv("WORKBENCH_RUNS", str(copy))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return copy


def test_it_lists_the_runs_with_a_trained_model_and_takes_the_newest(runs, tmp_path):
    play = PlaygroundSession(make_session(tmp_path), background=False)
    assert [path for _, path in play.runs] == [str(runs / "20260102-000000"), str(runs / "20260101-000000")]
    assert play.runs[0][0].startswith("20260102-000000 · ")
    assert play.run_dir == str(runs / "20260102-000000") and play.model_type == "sentence-transformer"
    assert play.corpora == ("train/pairs · all texts",) and play.corpus == "train/pairs · all texts"


def test_a_search_fills_both_models_top_k_and_reuses_the_corpus_embeddings(runs, tmp_path):
    play = PlaygroundSession(make_session(tmp_path), background=False)
    play.search("a cat on a mat", k=3)
    assert play.error == "" and not play.busy
    texts = play.texts()
    expected = Playground(play.run_dir).search("a cat on a mat", texts, k=3).to_dict()
    assert [h["text"] for h in play.result["trained"]] == [h["text"] for h in expected["trained"]]
    assert [h["change"] for h in play.result["trained"]] == [h["change"] for h in expected["trained"]]
    assert "24 texts of train/pairs" in play.message
    pg = play.playground()
    encoded = pg.encoded
    play.search("a dog", k=3)
    assert pg.encoded == encoded and play.result["query"] == "a dog"


def test_the_work_runs_in_a_background_thread_with_progress(runs, tmp_path):
    play = PlaygroundSession(make_session(tmp_path), background=True)
    seen = []
    play.observe(lambda c: seen.append(c["new"]), "message")
    play.search("a cat on a mat", k=2)
    assert play.busy
    assert play.wait(120) and play.error == ""
    assert any(m.startswith("Encoding the corpus with the base model") for m in seen)
    assert any(m.startswith("Encoding the corpus with the trained model") for m in seen)
    assert len(play.result["base"]) == 2 and play.progress == 1.0


def test_bad_requests_are_said_not_raised_in_the_thread(runs, tmp_path):
    play = PlaygroundSession(make_session(tmp_path), background=False)
    with pytest.raises(WorkbenchError, match="query is empty"):
        play.search("   ")
    path = write_csv(tmp_path / "docs.csv", ["text"], [[t] for t in TEXTS[:6]])
    added = play.upload("docs.csv", path.read_bytes())
    assert added == ["docs.csv · text"] and play.corpus == "docs.csv · text"
    for saved in (tmp_path / "home" / "playground").iterdir():
        saved.unlink()
    play.search("a cat")
    assert "does not exist" in play.error and not play.busy


def test_an_uploaded_file_offers_each_text_column(runs, tmp_path):
    play = PlaygroundSession(make_session(tmp_path), background=False)
    path = write_csv(
        tmp_path / "qa.csv", ["id", "question", "answer"], [[1, "q one", "a one"], [2, "q two", "a two"]]
    )
    assert play.upload("qa.csv", path.read_bytes()) == [
        "qa.csv · question",
        "qa.csv · answer",
        "qa.csv · all texts",
    ]
    play.corpus = "qa.csv · answer"
    play.search("one", k=2)
    assert {h["text"] for h in play.result["trained"]} == {"a one", "a two"}
    play.use_run(play.runs[1][1])  # another run keeps the uploaded corpora
    assert "qa.csv · answer" in play.corpora and play.corpus == "qa.csv · answer"


def test_two_texts_get_both_models_similarity(runs, tmp_path):
    play = PlaygroundSession(make_session(tmp_path), background=False)
    play.compare("a cat sits on a mat", "the cat sits on the mat")
    assert play.pair_result == Playground(play.run_dir).pair("a cat sits on a mat", "the cat sits on the mat")


def test_it_follows_the_run_the_page_shows_when_it_ends(runs, tmp_path):
    session = make_session(tmp_path)
    play = PlaygroundSession(session, background=False)
    older = str(runs / "20260101-000000")
    assert play.run_dir != older
    session.run_dir = older
    session.status = "finished"
    wait_for(lambda: play.run_dir == older, timeout=5, what="the shown run")
    assert play.result == {}


def test_with_no_finished_run_a_search_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "empty"))
    play = PlaygroundSession(make_session(tmp_path), background=False)
    assert play.runs == () and play.run_dir == ""
    with pytest.raises(WorkbenchError, match="no finished run"):
        play.search("a cat")


def test_the_shown_run_is_offered_once_the_page_saw_it_end_before_its_status_file_says_so(runs, tmp_path):
    late = shutil.copytree(runs / "20260101-000000", runs / "20260104-000000")
    status = json.loads((late / "status.json").read_text())
    (late / "status.json").write_text(json.dumps({**status, "status": "saving", "ended": None}))
    session = make_session(tmp_path)
    play = PlaygroundSession(session, background=False)
    assert str(late) not in [path for _, path in play.runs]
    session.run_dir = str(late)
    session.status = "finished"
    assert play.run_dir == str(late) and str(late) in [path for _, path in play.runs]
