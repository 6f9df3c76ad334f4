"""The playground engine: base vs trained top-k with rank changes, the corpus embeddings cached in the run folder,
pair similarity, cross-encoder reranking, sparse tokens, and the corpora of a run or a file."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from wb_data import TEXTS, binary_pairs, inline, positive_pairs, scored_pairs
from wb_files import write_csv
from wb_runs import finished_run

from workbench.engine import (
    BASE,
    TRAINED,
    CorpusChoice,
    Playground,
    corpus_choices,
    corpus_hash,
    file_corpus,
    load_corpus,
)
from workbench.errors import WorkbenchError


@pytest.fixture(scope="module")
def dense_run(tiny_model, tmp_path_factory):
    eval_set = {"dev": inline(scored_pairs(8), columns=["sentence1", "sentence2"], label="score")}
    return finished_run(tiny_model, tmp_path_factory.mktemp("dense") / "run", eval=eval_set)


@pytest.fixture
def run(dense_run, tmp_path):
    """A fresh copy of the finished run (its playground cache empty)."""
    return shutil.copytree(dense_run, tmp_path / "run")


def _ranks(model, query: str, texts: list[str]) -> dict[int, int]:
    """The place of each text for ``query``, by cosine similarity computed here with numpy."""
    q = model.encode([query], convert_to_numpy=True)[0]
    docs = model.encode(texts, convert_to_numpy=True)
    scores = docs @ q / (np.linalg.norm(docs, axis=1) * np.linalg.norm(q))
    return {int(cid): place + 1 for place, cid in enumerate(np.argsort(-scores, kind="stable"))}


def test_search_ranks_both_models_and_says_how_far_the_trained_one_moved_each_text(run):
    pg = Playground(run)
    result = pg.search("a cat on a mat", TEXTS, k=5)
    base_ranks = _ranks(pg.model(BASE), "a cat on a mat", TEXTS)
    trained_ranks = _ranks(pg.model(TRAINED), "a cat on a mat", TEXTS)
    assert [h.rank for h in result.base] == [h.rank for h in result.trained] == [1, 2, 3, 4, 5]
    for role, hits, ranks in ((BASE, result.base, base_ranks), (TRAINED, result.trained, trained_ranks)):
        assert [ranks[h.corpus_id] for h in hits] == [1, 2, 3, 4, 5], role
        assert all(TEXTS[h.corpus_id] == h.text for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in result.base + result.trained:
        assert hit.change == base_ranks[hit.corpus_id] - trained_ranks[hit.corpus_id]
    assert any(h.change for h in result.trained), "the trained model should move some text"
    data = result.to_dict()
    assert data["query"] == "a cat on a mat" and set(data["trained"][0]) >= {
        "text",
        "score",
        "rank",
        "change",
    }


def test_corpus_embeddings_are_cached_in_the_run_folder_and_reused(run):
    pg = Playground(run)
    calls = []
    pg.search("a dog in the snow", TEXTS, k=3, progress=lambda role, done, total: calls.append((role, done)))
    assert pg.encoded == 2 * len(TEXTS)
    assert calls[0] == (BASE, 0) and (TRAINED, len(TEXTS)) in calls
    digest = corpus_hash(TEXTS)
    files = sorted(p.name for p in (run / "playground").iterdir())
    assert files == sorted(
        [
            f"{pg.model_key(BASE)}-{digest}.npy",
            f"{pg.model_key(TRAINED)}-{digest}.npy",
            f"corpus-{digest}.json",
        ]
    )
    first = pg.search("children playing football", TEXTS, k=3)
    assert pg.encoded == 2 * len(TEXTS), "the next query re-encoded the corpus"
    again = Playground(run)  # the next page: the cache on disk
    second = again.search("children playing football", TEXTS, k=3)
    assert again.encoded == 0
    assert [(h.text, h.score) for h in second.trained] == [(h.text, h.score) for h in first.trained]


def test_a_model_trained_again_in_the_same_folder_gets_new_embeddings(run):
    pg = Playground(run)
    before = pg.model_key(TRAINED)
    weights = run / "final" / "model.safetensors"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert pg.model_key(TRAINED) != before and pg.model_key(BASE) == Playground(run).model_key(BASE)


def test_pair_similarity_of_both_models(run):
    pg = Playground(run)
    scores = pg.pair("a man plays guitar", "a man is playing a guitar")
    for role in (BASE, TRAINED):
        model = pg.model(role)
        emb = model.encode(["a man plays guitar", "a man is playing a guitar"], convert_to_tensor=True)
        assert scores[role] == pytest.approx(float(model.similarity(emb[:1], emb[1:])[0][0]), abs=1e-5)
    assert scores[BASE] != scores[TRAINED]


def test_bad_queries_and_folders_are_refused_with_a_message(run, tmp_path):
    pg = Playground(run)
    with pytest.raises(WorkbenchError, match="query is empty"):
        pg.search("  ", TEXTS)
    with pytest.raises(WorkbenchError, match="k must be at least 1"):
        pg.search("a cat", TEXTS, k=0)
    with pytest.raises(WorkbenchError, match="not a workbench run folder"):
        Playground(tmp_path / "nothing")
    shutil.rmtree(run / "final")
    with pytest.raises(WorkbenchError, match="has no trained model"):
        Playground(run)


def test_cross_encoders_rerank_the_corpus(tiny_model, tmp_path):
    folder = finished_run(
        tiny_model, tmp_path / "cross", model_type="cross-encoder", train={"pairs": inline(binary_pairs(12))}
    )
    pg = Playground(folder)
    result = pg.search("a cat on a mat", TEXTS, k=4)
    trained = pg.model(TRAINED)
    scores = trained.predict([("a cat on a mat", t) for t in TEXTS])
    best = np.argsort(-scores, kind="stable")[:4]
    assert [h.corpus_id for h in result.trained] == [int(i) for i in best]
    assert [h.score for h in result.trained] == pytest.approx([float(scores[i]) for i in best], abs=1e-5)
    assert not (folder / "playground").exists(), "a cross-encoder has no corpus embeddings to cache"
    pair = pg.pair("a cat", "a kitten")
    assert pair[TRAINED] == pytest.approx(float(trained.predict([("a cat", "a kitten")])[0]), abs=1e-5)


def test_sparse_models_show_their_top_weighted_tokens(tiny_model, tmp_path):
    folder = finished_run(tiny_model, tmp_path / "sparse", model_type="sparse-encoder", steps=2)
    pg = Playground(folder)
    result = pg.search("a cat on a mat", TEXTS, k=3)
    model = pg.model(TRAINED)
    expected = model.decode(model.encode_query(["a cat on a mat"], convert_to_tensor=True)[0].cpu(), top_k=8)
    assert [t for t, _ in result.tokens[TRAINED]] == [t for t, _ in expected]
    assert all(1 <= len(h.tokens) <= 5 for h in result.trained)
    assert list((folder / "playground").glob("trained-*.npz"))
    again = Playground(folder)
    assert [h.text for h in again.search("a cat on a mat", TEXTS, k=3).trained] == [
        h.text for h in result.trained
    ]
    assert again.encoded == 0


def test_a_run_offers_its_datasets_and_their_columns(run):
    pg = Playground(run)
    choices = corpus_choices(pg.spec)
    assert choices == [
        CorpusChoice("eval/dev"),
        CorpusChoice("eval/dev", "sentence1"),
        CorpusChoice("eval/dev", "sentence2"),
        CorpusChoice("train/pairs"),
    ]
    assert load_corpus(pg.spec, CorpusChoice("train/pairs")) == list(
        dict.fromkeys(positive_pairs(12)["anchor"] + positive_pairs(12)["positive"])
    )
    assert load_corpus(pg.spec, CorpusChoice("eval/dev", "sentence2")) == list(
        dict.fromkeys(scored_pairs(8)["sentence2"])
    )


def test_a_file_corpus_reads_one_column_or_every_text_column(tmp_path):
    path = write_csv(
        tmp_path / "docs.csv", ["id", "title", "body"], [[1, "a", "x"], [2, "b", "x"], [3, "", "y"]]
    )
    assert file_corpus(path, "body") == (["x", "y"], ["body"])
    assert file_corpus(path) == (["a", "b", "x", "y"], ["title", "body"])
    with pytest.raises(WorkbenchError, match="no column 'text'; its columns are: id, title, body") as err:
        file_corpus(path, "text")
    assert "title, body" in err.value.fix
    with pytest.raises(WorkbenchError, match="column 'id' .* does not hold text"):
        file_corpus(path, "id")
    with pytest.raises(WorkbenchError, match="does not exist"):
        file_corpus(tmp_path / "missing.csv")
