"""Evaluators built from prepared datasets and BEIR files, their metric keys, and clear misfit errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wb_data import binary_pairs, listwise, positive_pairs, scored_pairs, teacher_scored, triplets

from workbench import catalog as C
from workbench.engine import evaluators as E
from workbench.errors import WorkbenchError
from workbench.spec import EvaluatorChoice, ModelSpec

SCIFACT = Path(__file__).resolve().parents[3] / "shared" / "data" / "scifact"


def _prepared(data: dict, label: str | None = None):
    """What data.prepare hands over: inputs in order, the label last as ``label``."""
    from datasets import Dataset

    data = dict(data)
    if label is not None:
        data["label"] = data.pop(label)
    return Dataset.from_dict(data)


def _build(name: str, model_type: str, dataset, ev_name: str = "dev", **choice):
    spec = C.get_evaluator(name, model_type)
    return E.build_evaluator(
        EvaluatorChoice(name=name, dataset="eval/dev", **choice), spec, dataset, ev_name, model_type
    )


@pytest.fixture(scope="module")
def models(tiny_model):
    from workbench.engine.models import build_model

    return {
        t: build_model(ModelSpec(type=t, name_or_path=tiny_model), num_labels=1 if t == C.CROSS else None)
        for t in C.MODEL_TYPES
    }


CASES = [
    ("EmbeddingSimilarityEvaluator", C.DENSE, lambda: _prepared(scored_pairs(8), "score")),
    ("BinaryClassificationEvaluator", C.DENSE, lambda: _prepared(binary_pairs(8), "label")),
    ("TripletEvaluator", C.DENSE, lambda: _prepared(triplets(6))),
    ("InformationRetrievalEvaluator", C.DENSE, lambda: _prepared(positive_pairs(8))),
    ("RerankingEvaluator", C.DENSE, lambda: _prepared(triplets(6))),
    ("TranslationEvaluator", C.DENSE, lambda: _prepared(positive_pairs(6))),
    ("SparseEmbeddingSimilarityEvaluator", C.SPARSE, lambda: _prepared(scored_pairs(8), "score")),
    ("SparseBinaryClassificationEvaluator", C.SPARSE, lambda: _prepared(binary_pairs(8), "label")),
    ("SparseTripletEvaluator", C.SPARSE, lambda: _prepared(triplets(6))),
    ("SparseInformationRetrievalEvaluator", C.SPARSE, lambda: _prepared(positive_pairs(8))),
    ("SparseRerankingEvaluator", C.SPARSE, lambda: _prepared(triplets(6))),
    ("SparseTranslationEvaluator", C.SPARSE, lambda: _prepared(positive_pairs(6))),
    ("CrossEncoderCorrelationEvaluator", C.CROSS, lambda: _prepared(scored_pairs(8), "score")),
    ("CrossEncoderClassificationEvaluator", C.CROSS, lambda: _prepared(binary_pairs(8), "label")),
    ("CrossEncoderRerankingEvaluator", C.CROSS, lambda: _prepared(triplets(6))),
    ("MultiVectorTripletEvaluator", C.MULTI, lambda: _prepared(triplets(6))),
    ("MultiVectorInformationRetrievalEvaluator", C.MULTI, lambda: _prepared(positive_pairs(8))),
    ("MultiVectorRerankingEvaluator", C.MULTI, lambda: _prepared(triplets(6))),
    ("MultiVectorDistillationEvaluator", C.MULTI, lambda: _prepared(teacher_scored(6), "scores")),
]


@pytest.mark.parametrize(("name", "model_type", "make"), CASES, ids=[c[0] for c in CASES])
def test_every_offline_evaluator_builds_runs_and_names_its_metric(models, name, model_type, make):
    evaluator = _build(name, model_type, make())
    assert type(evaluator).__name__ == name
    predicted = E.metric_key(evaluator, models[model_type])
    metrics = evaluator(models[model_type])
    assert predicted in metrics, (predicted, sorted(metrics))
    assert E.metric_key(evaluator) == predicted and predicted.startswith("dev_")


def test_every_offline_catalog_evaluator_has_a_case():
    offline = {e.name for e in C.EVALUATORS if e.offline}
    assert offline == {c[0] for c in CASES}


def test_ir_from_pairs_and_negatives():
    dataset = _prepared(triplets(6))
    evaluator = _build("InformationRetrievalEvaluator", C.DENSE, dataset)
    assert len(evaluator.queries) == 6
    # Corpus: every positive and negative, deduplicated.
    docs = set(dataset["positive"]) | set(dataset["negative"])
    assert set(evaluator.corpus) == docs
    first = evaluator.queries_ids[0]
    relevant = {evaluator.corpus_ids[evaluator.corpus.index(d)] for d in [dataset["positive"][0]]}
    assert evaluator.relevant_docs[first] == relevant


def test_reranking_from_listwise_rows(models):
    dataset = _prepared(listwise(4))
    dataset = dataset.rename_column("labels", "label")
    evaluator = _build("CrossEncoderRerankingEvaluator", C.CROSS, dataset)
    assert evaluator.samples[0]["positive"] == [dataset["docs"][0][0]]
    assert evaluator.samples[0]["negative"] == dataset["docs"][0][1:]
    assert "dev_ndcg@10" in evaluator(models[C.CROSS])


def test_misfit_dataset_is_a_clear_error():
    with pytest.raises(WorkbenchError) as err:
        _build("EmbeddingSimilarityEvaluator", C.DENSE, _prepared(triplets(4)))
    assert err.value.message.startswith(
        "EmbeddingSimilarityEvaluator needs 2 text columns + a score label; 'eval/dev' has 3 columns"
    )
    with pytest.raises(WorkbenchError, match="0/1 labels"):
        _build("BinaryClassificationEvaluator", C.DENSE, _prepared(scored_pairs(4), "score"))
    with pytest.raises(WorkbenchError, match="TripletEvaluator needs 3 text columns"):
        _build("TripletEvaluator", C.DENSE, _prepared(positive_pairs(4)))


def test_params_go_to_the_constructor_and_unknown_ones_are_named():
    evaluator = _build(
        "EmbeddingSimilarityEvaluator",
        C.DENSE,
        _prepared(scored_pairs(4), "score"),
        params={"batch_size": 7, "main_similarity": "dot"},
    )
    assert evaluator.batch_size == 7 and E.metric_key(evaluator) == "dev_spearman_dot"
    with pytest.raises(WorkbenchError, match="no parameter 'batchsize'") as err:
        _build(
            "EmbeddingSimilarityEvaluator",
            C.DENSE,
            _prepared(scored_pairs(4), "score"),
            params={"batchsize": 7},
        )
    assert "batch_size" in err.value.fix


def _write_beir(folder: Path, qrels_format: str) -> dict:
    folder.mkdir()
    queries = [
        {"_id": "q1", "text": "a cat on a mat"},
        {"_id": "q2", "text": "a dog in snow"},
        {"_id": "q3", "text": "not judged"},
    ]
    corpus = [
        {"_id": "d1", "title": "Cats", "text": "the cat sits on the mat"},
        {"_id": "d2", "title": "", "text": "a puppy is running through snow"},
        {"_id": "d3", "title": "Food", "text": "the chef cooks pasta"},
    ]
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in corpus))
    rows = [("q1", "d1", 1), ("q2", "d2", 1), ("q2", "d3", 0)]
    if qrels_format == "tsv":
        qrels = folder / "qrels.tsv"
        qrels.write_text("query-id\tcorpus-id\tscore\n" + "\n".join(f"{q}\t{d}\t{s}" for q, d, s in rows))
    else:
        qrels = folder / "qrels.jsonl"
        qrels.write_text(
            "\n".join(json.dumps({"query_id": q, "corpus_id": d, "score": s}) for q, d, s in rows)
        )
    return {
        "queries": str(folder / "queries.jsonl"),
        "corpus": str(folder / "corpus.jsonl"),
        "qrels": str(qrels),
    }


@pytest.mark.parametrize("qrels_format", ["tsv", "jsonl"])
def test_ir_from_beir_files(tmp_path, models, qrels_format):
    files = _write_beir(tmp_path / "beir", qrels_format)
    spec = C.get_evaluator("InformationRetrievalEvaluator", C.DENSE)
    evaluator = E.build_evaluator(EvaluatorChoice(name=spec.name, **files), spec, None, "beir", C.DENSE)
    assert dict(zip(evaluator.queries_ids, evaluator.queries, strict=True)) == {
        "q1": "a cat on a mat",
        "q2": "a dog in snow",
    }  # only judged queries
    corpus = dict(zip(evaluator.corpus_ids, evaluator.corpus, strict=True))
    assert (
        corpus["d1"] == "Cats the cat sits on the mat" and corpus["d2"] == "a puppy is running through snow"
    )
    assert evaluator.relevant_docs == {"q1": {"d1"}, "q2": {"d2"}}  # score 0 is not relevant
    assert "beir_cosine_ndcg@10" in evaluator(models[C.DENSE])


def test_beir_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WorkbenchError, match="does not exist"):
        E.load_beir(str(tmp_path / "q.jsonl"), str(tmp_path / "c.jsonl"), str(tmp_path / "qrels.tsv"))


@pytest.mark.skipif(not SCIFACT.is_dir(), reason="shared SciFact data not present")
def test_beir_reads_the_real_scifact_files():
    queries, corpus, relevant = E.load_beir(
        str(SCIFACT / "queries.jsonl"), str(SCIFACT / "corpus.jsonl"), str(SCIFACT / "qrels" / "test.tsv")
    )
    assert len(corpus) == 5183 and len(queries) == 300 and sum(len(v) for v in relevant.values()) == 339
    again = E.load_beir(
        str(SCIFACT / "queries.jsonl"), str(SCIFACT / "corpus.jsonl"), str(SCIFACT / "qrels_test.jsonl")
    )
    assert again[2] == relevant


def test_metric_key_matches_the_catalog_before_the_first_call():
    evaluator = _build(
        "EmbeddingSimilarityEvaluator", C.DENSE, _prepared(scored_pairs(4), "score"), ev_name="sts"
    )
    assert E.metric_key(evaluator) == "sts_spearman_cosine"
