"""The sentence-transformers evaluators as data: what each one reads and which metric it reports.

Pure lookups, no widget imports, no heavy imports at module load; `resolve_evaluator` imports the class from
the installed library by name. Exported by `workbench.catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkbenchError, nearest
from .kinds import CROSS, DENSE, MULTI, SPARSE, import_attr, kind

# What data an evaluator reads.
E_PAIRS_SCORE = "pairs+score"
E_PAIRS_CLASS = "pairs+binary"
E_TRIPLETS = "triplets"
E_IR = "ir"  # (query, positive) pairs, or BEIR files queries/corpus/qrels
E_RERANK = "reranking"  # (query, positive, negative...) rows
E_PARALLEL = "parallel"  # (source, translation) pairs
E_NONE = "none"  # needs only the Hub (NanoBEIR)
E_CLASSES = "pairs+class"
E_DISTILL = "distill"  # (query, document[, document ...]) + the teacher's score per document


@dataclass(frozen=True)
class EvalData:
    """One kind of eval data (an E_* value): what it needs, in words, and which constructor argument each column of
    a prepared dataset (inputs in order, ``label`` last) becomes. The run builds its evaluators from it
    (`workbench.engine.evaluators`) and the exported script writes the same arguments (`workbench.export.train`).

    Attributes:
        wording: What it needs (why an evaluator fits or not; the error when a dataset does not fit).
        columns: The argument each text column becomes, in order; empty for ranking data.
        label: (argument, type) the label column becomes, each value cast to the type; None: no label.
        binary: The labels must be 0/1 (not for a cross-encoder, whose classifier takes any class).
        pairs: A cross-encoder takes the two text columns as one ``sentence_pairs`` list.
        ranking: Rows grouped per query: ``ir`` (queries, corpus, relevant_docs) or ``rerank`` (samples with at
            least one positive and one negative); ``distill``: each row's query, its documents and the teacher's
            score per document (queries, documents, scores).
    """

    wording: str
    columns: tuple[str, ...] = ()
    label: tuple[str, type] | None = None
    binary: bool = False
    pairs: bool = False
    ranking: str | None = None


_PAIR = ("sentences1", "sentences2")
EVAL_DATA: dict[str, EvalData] = {
    E_PAIRS_SCORE: EvalData("2 text columns + a score label", _PAIR, ("scores", float), pairs=True),
    E_PAIRS_CLASS: EvalData("2 text columns + a 0/1 label", _PAIR, ("labels", int), binary=True, pairs=True),
    E_CLASSES: EvalData("2 text columns + a class label", _PAIR, ("labels", int), binary=True, pairs=True),
    E_TRIPLETS: EvalData(
        "3 text columns (anchor, positive, negative) and no label", ("anchors", "positives", "negatives")
    ),
    E_IR: EvalData(
        "(query, positive[, negative ...]) text columns, or BEIR queries/corpus/qrels files", ranking="ir"
    ),
    E_RERANK: EvalData(
        "(query, positive, negative[, ...]) text columns, or (query, [documents], [labels])", ranking="rerank"
    ),
    E_PARALLEL: EvalData(
        "2 text columns (sentence, translation) and no label", ("source_sentences", "target_sentences")
    ),
    E_DISTILL: EvalData(
        "(query, document) text columns + the teacher's score, or (query, document_1, ..., document_n) + a list "
        "of the teacher's n scores (one per document)",
        ranking="distill",
    ),
}


@dataclass(frozen=True)
class EvaluatorSpec:
    """An evaluator of the library and the data it needs.

    Attributes:
        name: Class name.
        model_type: DENSE, SPARSE, CROSS or MULTI.
        needs: One of the E_* data kinds.
        primary: Its primary metric's suffix (the key is ``{name}_{primary}``; the trainer prefixes ``eval_``).
        higher_is_better: Direction of the primary metric.
        offline: False when it downloads its own data from the Hub (NanoBEIR).
    """

    name: str
    model_type: str
    needs: str
    primary: str
    higher_is_better: bool = True
    offline: bool = True
    summary: str = ""


# fmt: off
EVALUATORS: tuple[EvaluatorSpec, ...] = (
    EvaluatorSpec("EmbeddingSimilarityEvaluator", DENSE, E_PAIRS_SCORE, "spearman_cosine",
                  summary="Spearman correlation of cosine similarity with gold scores (STS)."),
    EvaluatorSpec("BinaryClassificationEvaluator", DENSE, E_PAIRS_CLASS, "cosine_ap",
                  summary="Average precision of duplicate / not-duplicate by cosine similarity."),
    EvaluatorSpec("TripletEvaluator", DENSE, E_TRIPLETS, "cosine_accuracy",
                  summary="How often the anchor is closer to the positive than to the negative."),
    EvaluatorSpec("InformationRetrievalEvaluator", DENSE, E_IR, "cosine_ndcg@10",
                  summary="Search quality (nDCG@10, MRR, recall) of queries against a corpus."),
    EvaluatorSpec("RerankingEvaluator", DENSE, E_RERANK, "ndcg@10",
                  summary="Ranking of each query's positives above its negatives (nDCG@10, MAP, MRR)."),
    EvaluatorSpec("TranslationEvaluator", DENSE, E_PARALLEL, "mean_accuracy",
                  summary="Finds each sentence's translation among all candidates."),
    EvaluatorSpec("NanoBEIREvaluator", DENSE, E_NONE, "cosine_ndcg@10", offline=False,
                  summary="Small BEIR retrieval benchmark (downloads its data from the Hub)."),
    EvaluatorSpec("SparseEmbeddingSimilarityEvaluator", SPARSE, E_PAIRS_SCORE, "spearman_dot"),
    EvaluatorSpec("SparseBinaryClassificationEvaluator", SPARSE, E_PAIRS_CLASS, "dot_ap"),
    EvaluatorSpec("SparseTripletEvaluator", SPARSE, E_TRIPLETS, "dot_accuracy"),
    EvaluatorSpec("SparseInformationRetrievalEvaluator", SPARSE, E_IR, "dot_ndcg@10"),
    EvaluatorSpec("SparseRerankingEvaluator", SPARSE, E_RERANK, "ndcg@10"),
    EvaluatorSpec("SparseTranslationEvaluator", SPARSE, E_PARALLEL, "mean_accuracy"),
    EvaluatorSpec("SparseNanoBEIREvaluator", SPARSE, E_NONE, "dot_ndcg@10", offline=False),
    EvaluatorSpec("CrossEncoderCorrelationEvaluator", CROSS, E_PAIRS_SCORE, "spearman",
                  summary="Spearman correlation of the reranker's scores with gold scores."),
    EvaluatorSpec("CrossEncoderClassificationEvaluator", CROSS, E_PAIRS_CLASS, "average_precision",
                  summary="Classification quality of pairs (AP / F1 for binary, accuracy for classes)."),
    EvaluatorSpec("CrossEncoderRerankingEvaluator", CROSS, E_RERANK, "ndcg@10",
                  summary="Reranks each query's positives and negatives (MRR, nDCG@10)."),
    EvaluatorSpec("CrossEncoderNanoBEIREvaluator", CROSS, E_NONE, "ndcg@10", offline=False),
    EvaluatorSpec("MultiVectorInformationRetrievalEvaluator", MULTI, E_IR, "maxsim_ndcg@10",
                  summary="Search quality (nDCG@10, MRR, recall) of queries against a corpus, scored with MaxSim."),
    EvaluatorSpec("MultiVectorRerankingEvaluator", MULTI, E_RERANK, "ndcg@10",
                  summary="Ranking of each query's positives above its negatives by MaxSim (nDCG@10, MAP, MRR)."),
    EvaluatorSpec("MultiVectorTripletEvaluator", MULTI, E_TRIPLETS, "maxsim_accuracy",
                  summary="How often the anchor's MaxSim to the positive beats the negative's."),
    EvaluatorSpec("MultiVectorNanoBEIREvaluator", MULTI, E_NONE, "maxsim_ndcg@10", offline=False),
    EvaluatorSpec("MultiVectorDistillationEvaluator", MULTI, E_DISTILL, "spearman",
                  summary="How well the student's MaxSim scores follow the teacher's: Spearman per query (and KL)."),
)
# fmt: on


def evaluators_for(model_type: str) -> tuple[EvaluatorSpec, ...]:
    """The catalog's evaluators for one model type."""
    return tuple(e for e in EVALUATORS if e.model_type == model_type)


def get_evaluator(name: str, model_type: str = DENSE) -> EvaluatorSpec:
    """Look an evaluator up by name for a model type; unknown names raise WorkbenchError with the nearest name."""
    for ev in EVALUATORS:
        if ev.name == name and ev.model_type == model_type:
            return ev
    names = [e.name for e in evaluators_for(model_type)]
    guess = nearest(name, names)
    raise WorkbenchError(
        f"unknown evaluator '{name}' for a {model_type}.",
        fix=(f"did you mean '{guess}'? " if guess else "") + f"Choose one of: {', '.join(names)}.",
        where="evaluators",
    )


def resolve_evaluator(spec: EvaluatorSpec):
    """The evaluator class of the installed library."""
    return import_attr(kind(spec.model_type).evaluation, spec.name)
