"""The playground on a multi-vector run: both models rank the corpus with their own MaxSim, the token embeddings
are cached in the run folder (ragged, one matrix per text) and reused, and two texts get both models' score."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from wb_data import TEXTS, inline, triplets
from wb_runs import finished_run

from workbench.engine import BASE, TRAINED, Playground


@pytest.fixture(scope="module")
def multi_run(tiny_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("multi") / "run"
    return finished_run(tiny_model, folder, model_type="multi-vector", train={"tri": inline(triplets(12))})


def _maxsim_order(model, query: str, texts: list[str]) -> tuple[list[int], np.ndarray]:
    """The texts' order for ``query`` by the library's MaxSim (util.maxsim), computed here independently."""
    from sentence_transformers.util import maxsim

    scores = maxsim(model.encode_query([query]), model.encode_document(texts))[0].float().numpy()
    return [int(i) for i in np.argsort(-scores, kind="stable")], scores


def test_search_ranks_the_corpus_by_maxsim_for_both_models(multi_run):
    pg = Playground(multi_run)
    result = pg.search("a cat on a mat", TEXTS, k=5)
    assert result.model_type == "multi-vector"
    for role, hits in ((BASE, result.base), (TRAINED, result.trained)):
        order, scores = _maxsim_order(pg.model(role), "a cat on a mat", TEXTS)
        assert [h.corpus_id for h in hits] == order[:5], role
        assert [h.score for h in hits] == pytest.approx([float(scores[i]) for i in order[:5]], abs=1e-4)
        assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
        assert all(TEXTS[h.corpus_id] == h.text for h in hits)
    base_place = {
        cid: i + 1 for i, cid in enumerate(_maxsim_order(pg.model(BASE), "a cat on a mat", TEXTS)[0])
    }
    for i, hit in enumerate(result.trained):
        assert hit.change == base_place[hit.corpus_id] - (i + 1)


def test_token_embeddings_are_cached_and_reused(multi_run, tmp_path):
    multi_run = shutil.copytree(multi_run, tmp_path / "run", ignore=shutil.ignore_patterns("playground"))
    first = Playground(multi_run)
    first.search("a dog in the snow", TEXTS, k=3)
    assert first.encoded == 2 * len(TEXTS)
    cached = sorted((multi_run / "playground").glob("*.npz"))
    assert len(cached) == 2  # one file per model
    with np.load(cached[0]) as data:
        assert data["offsets"][-1] == len(data["tokens"]) and len(data["offsets"]) == len(TEXTS) + 1
    again = Playground(multi_run)
    hits = again.search("a dog in the snow", TEXTS, k=3).trained
    assert again.encoded == 0
    assert [h.corpus_id for h in hits] == [
        h.corpus_id for h in first.search("a dog in the snow", TEXTS, k=3).trained
    ]


def test_pair_scores_the_second_text_as_a_document_for_the_first(multi_run):
    pg = Playground(multi_run)
    pair = pg.pair("a cat", "a kitten on a rug")
    model = pg.model(TRAINED)
    want = float(
        model.similarity(model.encode_query(["a cat"]), model.encode_document(["a kitten on a rug"]))[0][0]
    )
    assert pair[TRAINED] == pytest.approx(want, abs=1e-5)
    assert set(pair) == {BASE, TRAINED}
