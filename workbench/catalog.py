"""The sentence-transformers loss-overview tables, evaluators and curated training arguments, as data.

Pure lookups, no widget imports, no heavy imports at module load. Every loss and evaluator is resolved by
name from the installed library (`resolve_loss`, `resolve_evaluator`); a test generated from this catalog
checks every entry against the installed version, so a mismatch fails a test instead of a user's run.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .errors import WorkbenchError, nearest

DENSE, SPARSE, CROSS = "sentence-transformer", "sparse-encoder", "cross-encoder"
MODEL_TYPES = (DENSE, SPARSE, CROSS)
MODEL_TYPE_LABELS = {DENSE: "Dense embeddings (SentenceTransformer)", SPARSE: "Sparse / SPLADE (SparseEncoder)",
                     CROSS: "Reranker (CrossEncoder)"}

LOSS_MODULES = {
    DENSE: ("sentence_transformers.sentence_transformer.losses", "sentence_transformers.losses"),
    SPARSE: ("sentence_transformers.sparse_encoder.losses",),
    CROSS: ("sentence_transformers.cross_encoder.losses",),
}
EVALUATOR_MODULES = {
    DENSE: ("sentence_transformers.sentence_transformer.evaluation", "sentence_transformers.evaluation"),
    SPARSE: ("sentence_transformers.sparse_encoder.evaluation",),
    CROSS: ("sentence_transformers.cross_encoder.evaluation",),
}

# Label kinds a data format asks for.
L_NONE = "none"  # no label column
L_CLASS = "class"  # integer class ids (>= 2 classes)
L_BINARY = "binary"  # 1 if positive, 0 if negative
L_SCORE01 = "score01"  # float similarity in 0..1
L_FLOAT = "float"  # any real number (e.g. a margin gold_sim(q,p1) - gold_sim(q,p2))
L_LIST_N = "list_n"  # list of n numbers, n = number of negatives (n_inputs - 2)
L_LIST_N1 = "list_n1"  # list of n+1 numbers (n_inputs - 1)
L_LIST_DOCS = "list_docs"  # list of scores, one per document in the list column
L_VECTOR = "vector"  # teacher embedding (list of floats, the model's dimension)
LABEL_TEXT = {
    L_NONE: "no label",
    L_CLASS: "an integer class label",
    L_BINARY: "a 0/1 label (1 = positive, 0 = negative)",
    L_SCORE01: "a similarity score between 0 and 1",
    L_FLOAT: "a numeric margin score",
    L_LIST_N: "a list of n margin scores (one per negative)",
    L_LIST_N1: "a list of n+1 teacher scores (positive first, then each negative)",
    L_LIST_DOCS: "a list of relevance scores, one per document",
    L_VECTOR: "a teacher embedding (list of floats)",
}


@dataclass(frozen=True)
class DataFormat:
    """One row of a loss-overview table: the ordered inputs and the label a loss accepts.

    Attributes:
        ref: The row id in LOSS_OVERVIEW.md (D8, S1, C7, ...).
        roles: Names of the ordered input columns, e.g. ("anchor", "positive", "negative").
        n_min / n_max: Number of input columns accepted (n_max None: any number >= n_min, the "2+n" rows).
        label: One of the L_* kinds.
        list_docs: Cross-encoder listwise: the second input is a list of documents.
    """

    ref: str
    roles: tuple[str, ...]
    n_min: int
    n_max: int | None
    label: str
    list_docs: bool = False

    def describe(self) -> str:
        if self.n_max is None:
            cols = f"{self.n_min}+ text columns ({', '.join(self.roles)}, ...)"
        elif self.list_docs:
            cols = "(query, [doc1, ..., docN]) with the documents in a list column"
        else:
            word = {1: "1 text column", 2: "2 text columns", 3: "3 text columns"}.get(self.n_min, f"{self.n_min} text columns")
            cols = f"{word} ({', '.join(self.roles)})"
        return f"{cols} + {LABEL_TEXT[self.label]}"


@dataclass(frozen=True)
class ParamSpec:
    """A tunable constructor parameter of a loss, modifier or wrapper.

    kind: float | int | bool | choice | str | int_list | float_list | similarity | model | auto.
    ``auto`` parameters are filled by the runner (e.g. SoftmaxLoss.num_labels from the data).
    """

    name: str
    kind: str
    default: object = None
    choices: tuple = ()
    help: str = ""
    required: bool = False


@dataclass(frozen=True)
class LossSpec:
    """One loss class of the library, with the data it accepts and the settings it couples to.

    Attributes:
        name: Class name in the library.
        model_type: DENSE, SPARSE or CROSS.
        group: main | distillation | modifier | wrapper | regularizer.
        formats: The data formats it accepts.
        params: Tunable parameters.
        sampler: Batch sampler it needs: "no_duplicates" (in-batch negatives) / "group_by_label" / None.
        cached: GradCache-style loss (incompatible with gradient checkpointing).
        num_labels: Cross-encoder output size: 1 or "classes" (number of label classes).
        needs: Extra requirements: "guide_model", "decoder", "splade_wrapper", "csr_model".
        summary: One line for the table.
    """

    name: str
    model_type: str
    group: str
    formats: tuple[DataFormat, ...] = ()
    params: tuple[ParamSpec, ...] = ()
    sampler: str | None = None
    cached: bool = False
    num_labels: object = None
    needs: tuple[str, ...] = ()
    summary: str = ""
    deprecated: str = ""

    @property
    def key(self) -> str:
        return f"{self.model_type}:{self.name}"

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def default_params(self) -> dict:
        return {p.name: p.default for p in self.params if p.kind != "auto" and p.default is not None}


# ---- shared building blocks -------------------------------------------------------------------------------

SIMILARITIES = ("cos_sim", "dot_score", "euclidean_sim", "manhattan_sim")
PAIRWISE_SIMILARITIES = ("pairwise_cos_sim", "pairwise_dot_score", "pairwise_euclidean_sim", "pairwise_manhattan_sim")


def _scale(default=20.0):
    return ParamSpec("scale", "float", default, help="Inverse temperature of the softmax over similarities.")


def _sim(default="cos_sim"):
    return ParamSpec("similarity_fct", "similarity", default, SIMILARITIES, "Similarity between embeddings.")


def _psim(default="pairwise_cos_sim"):
    return ParamSpec("similarity_fct", "similarity", default, PAIRWISE_SIMILARITIES, "Pairwise similarity.")


MINI_BATCH = ParamSpec("mini_batch_size", "int", 32, help="Chunk size for the cached (GradCache) forward pass; "
                       "lower it to save memory, the effective batch stays the same.")
MARGIN_STRATEGY = ParamSpec("margin_strategy", "choice", "absolute", ("absolute", "relative"),
                            "How the guide model's margin filters false negatives.")
GUIDE = ParamSpec("guide", "model", "default", help="Guide model that filters false in-batch negatives "
                  "(\"default\" = the packaged all-MiniLM-L6-v2).", required=True)
TRIPLET_DIST = ParamSpec("distance_metric", "choice", "EUCLIDEAN", ("EUCLIDEAN", "COSINE", "MANHATTAN"),
                         "Distance between embeddings.")
SIAMESE_DIST = ParamSpec("distance_metric", "choice", "COSINE_DISTANCE",
                         ("COSINE_DISTANCE", "EUCLIDEAN", "MANHATTAN"), "Distance between embeddings.")
BATCH_DIST = ParamSpec("distance_metric", "choice", "euclidean_distance",
                       ("euclidean_distance", "cosine_distance"), "Distance between embeddings.")
IDENTITY_ACT = ParamSpec("activation_fn", "choice", "Identity", ("Identity", "Sigmoid"),
                         "Activation on the logits before the loss.")
CE_MINI = ParamSpec("mini_batch_size", "int", None, help="Process documents in chunks of this size (memory).")


def F(ref, roles, label, n_min=None, n_max=-1, list_docs=False) -> DataFormat:
    n_min = len(roles) if n_min is None else n_min
    n_max = len(roles) if n_max == -1 else n_max
    return DataFormat(ref, tuple(roles), n_min, n_max, label, list_docs)


# Dense formats (LOSS_OVERVIEW 2.1)
D1 = F("D1", ["sentence"], L_CLASS)
D2 = F("D2", ["sentence"], L_NONE)
D3 = F("D3", ["anchor", "anchor"], L_NONE)
D4 = F("D4", ["damaged_sentence", "original_sentence"], L_NONE)
D5 = F("D5", ["sentence_A", "sentence_B"], L_CLASS)
D6 = F("D6", ["anchor", "positive"], L_NONE)
D7 = F("D7", ["anchor", "positive/negative"], L_BINARY)
D8 = F("D8", ["sentence_A", "sentence_B"], L_SCORE01)
D9 = F("D9", ["anchor", "positive", "negative"], L_NONE)
D10 = F("D10", ["anchor", "positive", "negative_1"], L_NONE, n_min=4, n_max=None)
DD1 = F("DD1", ["sentence"], L_VECTOR)
DD2 = F("DD2", ["sentence_1", "sentence_2"], L_VECTOR, n_min=2, n_max=None)
DD3 = F("DD3", ["query", "passage_one", "passage_two"], L_FLOAT)
DD4 = F("DD4", ["query", "positive", "negative_1"], L_LIST_N, n_min=3, n_max=None)
DD5 = F("DD5", ["query", "positive", "negative"], L_LIST_N1)
DD6 = F("DD6", ["query", "positive", "negative_1"], L_LIST_N1, n_min=4, n_max=None)
# Sparse formats (2.2)
S1 = F("S1", ["anchor", "positive"], L_NONE)
S2 = F("S2", ["sentence_A", "sentence_B"], L_SCORE01)
S3 = F("S3", ["anchor", "positive", "negative"], L_NONE)
S4 = F("S4", ["anchor", "positive", "negative_1"], L_NONE, n_min=4, n_max=None)
SD1 = F("SD1", ["sentence"], L_VECTOR)
SD2 = F("SD2", ["sentence_1", "sentence_2"], L_VECTOR, n_min=2, n_max=None)
SD3 = F("SD3", ["query", "passage_one", "passage_two"], L_FLOAT)
SD4 = F("SD4", ["query", "positive", "negative_1"], L_LIST_N, n_min=3, n_max=None)
SD5 = F("SD5", ["query", "positive", "negative"], L_LIST_N1)
SD6 = F("SD6", ["query", "positive", "negative_1"], L_LIST_N1, n_min=4, n_max=None)
# Cross-encoder formats (2.3)
C1 = F("C1", ["sentence_A", "sentence_B"], L_CLASS)
C2 = F("C2", ["anchor", "positive"], L_NONE)
C3 = F("C3", ["anchor", "positive/negative"], L_BINARY)
C4 = F("C4", ["sentence_A", "sentence_B"], L_SCORE01)
C5 = F("C5", ["anchor", "positive", "negative"], L_NONE)
C6 = F("C6", ["anchor", "positive", "negative_1"], L_NONE, n_min=4, n_max=None)
C7 = F("C7", ["query", "documents"], L_LIST_DOCS, list_docs=True)
CD1 = F("CD1", ["sentence_A", "sentence_B"], L_FLOAT)
CD2 = F("CD2", ["query", "passage_one", "passage_two"], L_FLOAT)
CD3 = F("CD3", ["query", "positive", "negative_1"], L_LIST_N, n_min=3, n_max=None)
CD4 = F("CD4", ["query", "positive", "negative"], L_LIST_N1)
CD5 = F("CD5", ["query", "positive", "negative_1"], L_LIST_N1, n_min=4, n_max=None)

ND = "no_duplicates"
GBL = "group_by_label"

_MNRL_PARAMS = (_scale(), _sim())
_SYM_DEPRECATED = ("deprecated in sentence-transformers 6: use MultipleNegativesRankingLoss with "
                   "directions=('query_to_doc', 'doc_to_query') and partition_mode='per_direction'")
_CACHED_MNRL_PARAMS = (_scale(), _sim(), MINI_BATCH)
_BATCH_TRIPLET = (BATCH_DIST, ParamSpec("margin", "float", 5, help="Margin between positive and negative distance."))

LOSSES: tuple[LossSpec, ...] = (
    # ---- dense: main table ----
    LossSpec("BatchAllTripletLoss", DENSE, "main", (D1,), _BATCH_TRIPLET, sampler=GBL,
             summary="All valid triplets in a batch built from class labels."),
    LossSpec("BatchHardSoftMarginTripletLoss", DENSE, "main", (D1,), (BATCH_DIST,), sampler=GBL,
             summary="Hardest positive/negative per anchor, soft margin."),
    LossSpec("BatchHardTripletLoss", DENSE, "main", (D1,), _BATCH_TRIPLET, sampler=GBL,
             summary="Hardest positive and negative per anchor within a batch."),
    LossSpec("BatchSemiHardTripletLoss", DENSE, "main", (D1,), _BATCH_TRIPLET, sampler=GBL,
             summary="Semi-hard negatives within a batch."),
    LossSpec("ContrastiveTensionLoss", DENSE, "main", (D2,), (), needs=("contrastive_tension",),
             summary="Unsupervised: two copies of the model pull identical sentences together."),
    LossSpec("DenoisingAutoEncoderLoss", DENSE, "main", (D4,), (
        ParamSpec("tie_encoder_decoder", "bool", True, help="Share encoder and decoder weights."),
    ), needs=("decoder",), summary="TSDAE: reconstruct the original sentence from a damaged one."),
    LossSpec("ContrastiveTensionLossInBatchNegatives", DENSE, "main", (D3,), (_scale(), _sim()), sampler=ND,
             summary="Contrastive tension with in-batch negatives (pairs of the same sentence)."),
    LossSpec("SoftmaxLoss", DENSE, "main", (D5,), (
        ParamSpec("num_labels", "auto", help="Number of classes (from the data)."),
        ParamSpec("embedding_dimension", "auto", help="The model's embedding size."),
        ParamSpec("concatenation_sent_rep", "bool", True, help="Concatenate u and v."),
        ParamSpec("concatenation_sent_difference", "bool", True, help="Concatenate |u - v|."),
        ParamSpec("concatenation_sent_multiplication", "bool", False, help="Concatenate u * v."),
    ), summary="Classifier on top of (u, v, |u-v|) — the original SBERT NLI objective."),
    LossSpec("MultipleNegativesRankingLoss", DENSE, "main", (D6, D9, D10), _MNRL_PARAMS, sampler=ND,
             summary="In-batch negatives (InfoNCE); the standard for (anchor, positive) data."),
    LossSpec("CachedMultipleNegativesRankingLoss", DENSE, "main", (D6, D9, D10), _CACHED_MNRL_PARAMS, sampler=ND,
             cached=True, summary="MNRL with GradCache: large batches in little memory."),
    LossSpec("MultipleNegativesSymmetricRankingLoss", DENSE, "main", (D6,), _MNRL_PARAMS, sampler=ND,
             summary="MNRL in both directions (anchor->positive and positive->anchor).", deprecated=_SYM_DEPRECATED),
    LossSpec("CachedMultipleNegativesSymmetricRankingLoss", DENSE, "main", (D6,), _CACHED_MNRL_PARAMS, sampler=ND,
             cached=True, summary="Symmetric MNRL with GradCache.", deprecated=_SYM_DEPRECATED),
    LossSpec("MegaBatchMarginLoss", DENSE, "main", (D6,), (
        ParamSpec("positive_margin", "float", 0.8), ParamSpec("negative_margin", "float", 0.3),
        ParamSpec("use_mini_batched_version", "bool", True), ParamSpec("mini_batch_size", "int", 50),
    ), sampler=ND, summary="Hardest negative from a mega batch, with margins."),
    LossSpec("GISTEmbedLoss", DENSE, "main", (D6, D9), (
        GUIDE, ParamSpec("temperature", "float", 0.01), MARGIN_STRATEGY, ParamSpec("margin", "float", 0.0),
    ), sampler=ND, needs=("guide_model",), summary="MNRL whose guide model removes false negatives."),
    LossSpec("CachedGISTEmbedLoss", DENSE, "main", (D6, D9, D10), (
        GUIDE, ParamSpec("temperature", "float", 0.01), MINI_BATCH, MARGIN_STRATEGY, ParamSpec("margin", "float", 0.0),
    ), sampler=ND, cached=True, needs=("guide_model",), summary="GISTEmbed with GradCache."),
    LossSpec("ContrastiveLoss", DENSE, "main", (D7,), (
        SIAMESE_DIST, ParamSpec("margin", "float", 0.5), ParamSpec("size_average", "bool", True),
    ), summary="Pull positives together, push negatives beyond a margin."),
    LossSpec("OnlineContrastiveLoss", DENSE, "main", (D7,), (SIAMESE_DIST, ParamSpec("margin", "float", 0.5)),
             summary="Contrastive loss on the hard positives/negatives of each batch."),
    LossSpec("CoSENTLoss", DENSE, "main", (D8,), (_scale(), _psim()),
             summary="Ranks pairs by their scores; scale-free drop-in for CosineSimilarityLoss."),
    LossSpec("AnglELoss", DENSE, "main", (D8,), (_scale(),),
             summary="CoSENT in angle space."),
    LossSpec("CosineSimilarityLoss", DENSE, "main", (D8,), (),
             summary="MSE between cosine similarity and the 0-1 score."),
    LossSpec("TripletLoss", DENSE, "main", (D9,), (
        TRIPLET_DIST, ParamSpec("triplet_margin", "float", 5, help="Margin between positive and negative distance."),
    ), summary="Anchor closer to positive than to negative by a margin."),
    LossSpec("GlobalOrthogonalRegularizationLoss", DENSE, "regularizer", (D6, D9), (
        ParamSpec("mean_weight", "float", 1.0), ParamSpec("second_moment_weight", "float", 1.0),
        ParamSpec("aggregation", "choice", "mean", ("mean", "sum")),
    ), summary="Regularizer spreading embeddings out (combine with a main loss)."),
    # ---- dense: distillation ----
    LossSpec("MSELoss", DENSE, "distillation", (DD1, DD2), (),
             summary="Match a teacher's embeddings (label = teacher embedding)."),
    LossSpec("EmbedDistillLoss", DENSE, "distillation", (DD1, DD2), (
        ParamSpec("distance_metric", "choice", "cosine", ("cosine", "mse", "l2")),
    ), summary="Distil teacher embeddings with a cosine / MSE / L2 distance."),
    LossSpec("MarginMSELoss", DENSE, "distillation", (DD3, DD4, DD5, DD6), (_psim("pairwise_dot_score"),),
             summary="Match the teacher's score margins between passages."),
    LossSpec("DistillKLDivLoss", DENSE, "distillation", (DD5, DD6), (
        _psim("pairwise_dot_score"), ParamSpec("temperature", "float", 1.0),
    ), summary="KL divergence to the teacher's score distribution."),
    # ---- dense: modifiers ----
    LossSpec("MatryoshkaLoss", DENSE, "modifier", (), (
        ParamSpec("matryoshka_dims", "int_list", None, help="Embedding sizes to train, largest first "
                  "(default: the model's size halved down to 32).", required=True),
        ParamSpec("matryoshka_weights", "float_list", None, help="Weight per size (default all 1)."),
    ), summary="Train embeddings that stay good when truncated to smaller sizes."),
    LossSpec("Matryoshka2dLoss", DENSE, "modifier", (), (
        ParamSpec("matryoshka_dims", "int_list", None, required=True),
        ParamSpec("matryoshka_weights", "float_list", None),
        ParamSpec("n_layers_per_step", "int", 1), ParamSpec("n_dims_per_step", "int", 1),
    ), summary="Matryoshka over both embedding size and number of layers."),
    LossSpec("AdaptiveLayerLoss", DENSE, "modifier", (), (
        ParamSpec("n_layers_per_step", "int", 1), ParamSpec("last_layer_weight", "float", 1.0),
        ParamSpec("prior_layers_weight", "float", 1.0), ParamSpec("kl_div_weight", "float", 1.0),
        ParamSpec("kl_temperature", "float", 0.3),
    ), summary="Make early layers usable too (faster inference by truncating layers)."),
    # ---- sparse: main ----
    LossSpec("SparseMultipleNegativesRankingLoss", SPARSE, "main", (S1, S3, S4), (_scale(1.0), _sim("dot_score")),
             sampler=ND, needs=("splade_wrapper",), summary="In-batch negatives for SPLADE (recommended)."),
    LossSpec("SparseCoSENTLoss", SPARSE, "main", (S2,), (_scale(), _psim()), needs=("splade_wrapper",),
             summary="CoSENT for sparse models."),
    LossSpec("SparseAnglELoss", SPARSE, "main", (S2,), (_scale(),), needs=("splade_wrapper",),
             summary="AnglE for sparse models."),
    LossSpec("SparseCosineSimilarityLoss", SPARSE, "main", (S2,), (), needs=("splade_wrapper",),
             summary="Cosine-similarity regression for sparse models."),
    LossSpec("SparseTripletLoss", SPARSE, "main", (S3,), (
        TRIPLET_DIST, ParamSpec("triplet_margin", "float", 5),
    ), needs=("splade_wrapper",), summary="Triplet margin loss for sparse models."),
    LossSpec("SparseMSELoss", SPARSE, "distillation", (SD1, SD2), (),
             summary="Match teacher embeddings; the only sparse loss used without SpladeLoss."),
    LossSpec("SparseMarginMSELoss", SPARSE, "distillation", (SD3, SD4, SD5, SD6), (_psim("pairwise_dot_score"),),
             needs=("splade_wrapper",), summary="Teacher margin distillation for SPLADE."),
    LossSpec("SparseDistillKLDivLoss", SPARSE, "distillation", (SD5, SD6), (
        _psim("pairwise_dot_score"), ParamSpec("temperature", "float", 2.0),
    ), needs=("splade_wrapper",), summary="KL distillation for SPLADE."),
    # ---- sparse: wrappers ----
    LossSpec("SpladeLoss", SPARSE, "wrapper", (), (
        ParamSpec("document_regularizer_weight", "float", 3e-5, help="FLOPS penalty on documents (sparsity).",
                  required=True),
        ParamSpec("query_regularizer_weight", "float", 5e-5, help="FLOPS penalty on queries."),
        ParamSpec("use_document_regularizer_only", "bool", False),
    ), summary="Wraps a sparse main loss and adds the FLOPS sparsity regularizers (required for SPLADE)."),
    LossSpec("CachedSpladeLoss", SPARSE, "wrapper", (), (
        ParamSpec("document_regularizer_weight", "float", 3e-5, required=True),
        ParamSpec("query_regularizer_weight", "float", 5e-5), MINI_BATCH,
    ), cached=True, summary="SpladeLoss with GradCache for large batches."),
    LossSpec("CSRLoss", SPARSE, "wrapper", (), (
        ParamSpec("beta", "float", 0.1, help="Weight of the auxiliary reconstruction loss."),
        ParamSpec("gamma", "float", 1.0, help="Weight of the main loss."),
    ), needs=("csr_model",), summary="Contrastive Sparse Representation: for SparseAutoEncoder models."),
    # ---- cross-encoder ----
    LossSpec("CrossEntropyLoss", CROSS, "main", (C1,), (IDENTITY_ACT,), num_labels="classes",
             summary="Classification over label classes (e.g. NLI)."),
    LossSpec("BinaryCrossEntropyLoss", CROSS, "main", (C3, C4), (
        IDENTITY_ACT, ParamSpec("pos_weight", "float", None, help="Weight of positives (for imbalanced data)."),
    ), num_labels=1, summary="The standard reranker loss for 0/1 or 0-1 scored pairs."),
    LossSpec("MultipleNegativesRankingLoss", CROSS, "main", (C2, C5, C6), (
        ParamSpec("num_negatives", "int", 4, help="In-batch negatives sampled per anchor."),
        ParamSpec("scale", "float", 10.0),
        ParamSpec("activation_fn", "choice", "Sigmoid", ("Sigmoid", "Identity")),
    ), sampler=ND, num_labels=1, summary="In-batch negatives for rerankers."),
    LossSpec("CachedMultipleNegativesRankingLoss", CROSS, "main", (C2, C5, C6), (
        ParamSpec("num_negatives", "int", 4), ParamSpec("scale", "float", 10.0),
        ParamSpec("activation_fn", "choice", "Sigmoid", ("Sigmoid", "Identity")), MINI_BATCH,
    ), sampler=ND, num_labels=1, cached=True, summary="Cached in-batch negatives for rerankers."),
    LossSpec("LambdaLoss", CROSS, "main", (C7,), (
        ParamSpec("k", "int", None, help="Only the top-k positions count (None: all)."),
        ParamSpec("sigma", "float", 1.0), IDENTITY_ACT, CE_MINI,
    ), num_labels=1, summary="Listwise LambdaLoss (NDCG-driven); strong default for lists."),
    LossSpec("PListMLELoss", CROSS, "main", (C7,), (IDENTITY_ACT, CE_MINI,
             ParamSpec("respect_input_order", "bool", True)), num_labels=1, summary="Position-aware ListMLE."),
    LossSpec("ListNetLoss", CROSS, "main", (C7,), (IDENTITY_ACT, CE_MINI), num_labels=1,
             summary="Listwise softmax cross-entropy."),
    LossSpec("RankNetLoss", CROSS, "main", (C7,), (
        ParamSpec("k", "int", None), ParamSpec("sigma", "float", 1.0), IDENTITY_ACT, CE_MINI,
    ), num_labels=1, summary="Pairwise RankNet over the documents of each list."),
    LossSpec("ListMLELoss", CROSS, "main", (C7,), (IDENTITY_ACT, CE_MINI,
             ParamSpec("respect_input_order", "bool", True)), num_labels=1, summary="Listwise ListMLE."),
    LossSpec("ADRMSELoss", CROSS, "main", (C7,), (ParamSpec("alpha", "float", 1.0), IDENTITY_ACT, CE_MINI),
             num_labels=1, summary="Approx. discounted rank MSE (listwise)."),
    LossSpec("MSELoss", CROSS, "distillation", (CD1,), (IDENTITY_ACT,), num_labels=1,
             summary="Regress the teacher's pair score."),
    LossSpec("MarginMSELoss", CROSS, "distillation", (CD2, CD3, CD4, CD5), (IDENTITY_ACT,), num_labels=1,
             summary="Match the teacher's score margins."),
)

# The losses a person most likely wants, per (model type, data format ref): the first compatible wins.
# Chosen from measured results (bench/README.md), not guesses: on STSb with the packaged model, 1 epoch,
# CosineSimilarityLoss at batch 16 gave 0.8516 where CoSENTLoss at batch 32 regressed to 0.8127.
RECOMMENDED: dict[str, tuple[str, ...]] = {
    DENSE: ("OnlineContrastiveLoss", "CosineSimilarityLoss", "MultipleNegativesRankingLoss", "SoftmaxLoss",
            "BatchAllTripletLoss", "MarginMSELoss", "MSELoss"),
    SPARSE: ("SparseMultipleNegativesRankingLoss", "SparseCoSENTLoss", "SparseMarginMSELoss", "SparseMSELoss"),
    CROSS: ("BinaryCrossEntropyLoss", "CrossEntropyLoss", "LambdaLoss", "MultipleNegativesRankingLoss",
            "MarginMSELoss", "MSELoss"),
}


def losses_for(model_type: str, groups=("main", "distillation", "regularizer")) -> tuple[LossSpec, ...]:
    """The catalog's losses for one model type (by default the ones that train on data directly)."""
    return tuple(loss for loss in LOSSES if loss.model_type == model_type and loss.group in groups)


def get_loss(name: str, model_type: str = DENSE) -> LossSpec:
    """Look a loss up by name for a model type; unknown names raise WorkbenchError with the nearest name."""
    for loss in LOSSES:
        if loss.name == name and loss.model_type == model_type:
            return loss
    names = sorted({loss.name for loss in LOSSES if loss.model_type == model_type})
    other = [loss.model_type for loss in LOSSES if loss.name == name]
    if other:
        raise WorkbenchError(
            f"'{name}' is a {other[0]} loss, but the model type is {model_type}.",
            fix=f"change model.type to '{other[0]}' or pick one of: {', '.join(names)}.",
            where="loss",
        )
    guess = nearest(name, names)
    raise WorkbenchError(
        f"unknown loss '{name}' for a {model_type}.",
        fix=(f"did you mean '{guess}'? " if guess else "") + f"Choose one of: {', '.join(names)}, or \"auto\".",
        where="loss",
    )


def _import_attr(modules: tuple[str, ...], name: str):
    import warnings

    errors = []
    for module_name in modules:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                module = importlib.import_module(module_name)
        except ImportError as exc:
            errors.append(f"{module_name}: {exc}")
            continue
        if hasattr(module, name):
            return getattr(module, name)
        errors.append(f"{module_name} has no {name}")
    raise WorkbenchError(
        f"the installed sentence-transformers has no '{name}' ({'; '.join(errors)}).",
        fix="install a sentence-transformers version in the range pyproject.toml gives (>= 6.0, < 7).",
    )


def resolve_loss(spec: LossSpec):
    """The loss class of the installed library."""
    return _import_attr(LOSS_MODULES[spec.model_type], spec.name)


# ---- evaluators ---------------------------------------------------------------------------------------------

# What data an evaluator reads.
E_PAIRS_SCORE = "pairs+score"
E_PAIRS_CLASS = "pairs+binary"
E_TRIPLETS = "triplets"
E_IR = "ir"  # (query, positive) pairs, or BEIR files queries/corpus/qrels
E_RERANK = "reranking"  # (query, positive, negative...) rows
E_PARALLEL = "parallel"  # (source, translation) pairs
E_NONE = "none"  # needs only the Hub (NanoBEIR)
E_CLASSES = "pairs+class"


@dataclass(frozen=True)
class EvaluatorSpec:
    """An evaluator of the library and the data it needs.

    Attributes:
        name: Class name.
        model_type: DENSE, SPARSE or CROSS.
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
)


def evaluators_for(model_type: str) -> tuple[EvaluatorSpec, ...]:
    return tuple(e for e in EVALUATORS if e.model_type == model_type)


def get_evaluator(name: str, model_type: str = DENSE) -> EvaluatorSpec:
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
    return _import_attr(EVALUATOR_MODULES[spec.model_type], spec.name)


# ---- training arguments -------------------------------------------------------------------------------------

TRAINING_ARGS_CLASSES = {
    DENSE: ("sentence_transformers.sentence_transformer.training_args", "SentenceTransformerTrainingArguments"),
    SPARSE: ("sentence_transformers.sparse_encoder.training_args", "SparseEncoderTrainingArguments"),
    CROSS: ("sentence_transformers.cross_encoder.training_args", "CrossEncoderTrainingArguments"),
}

# The key arguments the app shows up front, in order, grouped. Everything else goes to "advanced".
# A test asserts each name is still a field of the installed TrainingArguments classes.
CURATED_ARGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Schedule", ("num_train_epochs", "max_steps", "learning_rate", "lr_scheduler_type", "warmup_ratio",
                  "warmup_steps", "weight_decay", "seed")),
    ("Batches", ("per_device_train_batch_size", "per_device_eval_batch_size", "auto_find_batch_size",
                 "gradient_accumulation_steps", "gradient_checkpointing", "eval_accumulation_steps",
                 "batch_sampler", "multi_dataset_batch_sampler", "prompts")),
    ("Precision and optimizer", ("fp16", "bf16", "optim")),
    ("Evaluation and saving", ("eval_strategy", "eval_steps", "save_strategy", "save_steps", "save_total_limit",
                               "load_best_model_at_end", "metric_for_best_model", "logging_steps")),
    ("Tracking and Hub", ("report_to", "run_name", "log_level", "push_to_hub", "hub_model_id", "hub_strategy",
                          "hub_private_repo")),
)
CURATED_ARG_NAMES = tuple(name for _, names in CURATED_ARGS for name in names)
# Arguments the workbench manages itself (never shown as a form field).
MANAGED_ARGS = ("output_dir", "overwrite_output_dir", "hub_token", "push_to_hub_token", "resume_from_checkpoint")


@dataclass(frozen=True)
class ArgField:
    """One training-argument field as the installed library defines it."""

    name: str
    type: str  # bool | int | float | str | choice | list | dict | other
    default: object
    help: str = ""
    choices: tuple = ()


def training_args_class(model_type: str):
    module, name = TRAINING_ARGS_CLASSES[model_type]
    return getattr(importlib.import_module(module), name)


def arg_fields(model_type: str = DENSE) -> dict[str, ArgField]:
    """Every field of the installed *TrainingArguments dataclass, with type, default, help and choices."""
    import dataclasses
    import enum
    import typing

    cls = training_args_class(model_type)
    hints = typing.get_type_hints(cls) if hasattr(cls, "__dataclass_fields__") else {}
    out: dict[str, ArgField] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_"):
            continue
        hint = hints.get(f.name, f.type)
        choices: tuple = ()
        kind = "other"
        members = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        for member in members:
            if isinstance(member, type) and issubclass(member, enum.Enum):
                kind, choices = "choice", tuple(m.value for m in member)
                break
        if kind == "other":
            base = members[0]
            origin = typing.get_origin(base) or base
            kind = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}.get(origin, "other")
            if kind == "other" and any(m is str for m in members):
                kind = "str"
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = None
        if isinstance(default, enum.Enum):
            default = default.value
        out[f.name] = ArgField(f.name, kind, default, (f.metadata or {}).get("help", ""), choices)
    return out


def check_args(args: dict, model_type: str = DENSE) -> None:
    """Reject unknown training-argument names, naming the nearest valid one."""
    fields_ = arg_fields(model_type)
    for name in args:
        if name in MANAGED_ARGS:
            raise WorkbenchError(
                f"'{name}' is managed by the workbench and cannot be set in 'args'.",
                fix="use the config's top-level 'output_dir' / 'overwrite' / 'resume_from_checkpoint' instead; "
                "tokens go in the HF_TOKEN environment variable.",
                where=f"args.{name}",
            )
        if name not in fields_:
            guess = nearest(name, fields_)
            raise WorkbenchError(
                f"'{name}' is not a training argument of {training_args_class(model_type).__name__}.",
                fix=f"did you mean '{guess}'?" if guess else "see the TrainingArguments documentation for valid names.",
                where=f"args.{name}",
            )
        choices = fields_[name].choices
        value = args[name]
        if choices and value is not None and value not in choices and not isinstance(value, (dict, list)):
            raise WorkbenchError(
                f"'{value}' is not a valid value for {name}.",
                fix=f"use one of: {', '.join(map(str, choices))}.",
                where=f"args.{name}",
            )


# ---- base models ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseModel:
    """A suggested base model with its published score (for the model picker)."""

    name: str
    model_type: str
    size: str
    score: str
    note: str = ""
    packaged: bool = False


BASE_MODELS: tuple[BaseModel, ...] = (
    BaseModel("default", DENSE, "22M", "STSb 82.03", "all-MiniLM-L6-v2, packaged: works offline", packaged=True),
    BaseModel("sentence-transformers/all-mpnet-base-v2", DENSE, "110M", "STSb 83.42", "best general-purpose classic"),
    BaseModel("sentence-transformers/paraphrase-MiniLM-L6-v2", DENSE, "22M", "STSb 84.12", "small, paraphrase-tuned"),
    BaseModel("BAAI/bge-small-en-v1.5", DENSE, "33M", "MTEB retrieval 51.7", "strong small retrieval model"),
    BaseModel("microsoft/mpnet-base", DENSE, "110M", "-", "plain encoder: train from scratch"),
    BaseModel("distilbert/distilbert-base-uncased", DENSE, "66M", "-", "plain encoder: train from scratch"),
    BaseModel("default", SPARSE, "22M", "-", "SPLADE head on the packaged MiniLM weights (MLM head untrained)",
              packaged=True),
    BaseModel("naver/splade-cocondenser-ensembledistil", SPARSE, "110M", "MS MARCO MRR@10 38.0", "finished SPLADE"),
    BaseModel("google-bert/bert-base-uncased", SPARSE, "110M", "-", "plain MLM encoder for SPLADE from scratch"),
    BaseModel("default", CROSS, "22M", "-", "classifier head on the packaged MiniLM weights (head untrained)",
              packaged=True),
    BaseModel("cross-encoder/ms-marco-MiniLM-L6-v2", CROSS, "22M", "MS MARCO MRR@10 39.0", "finished reranker"),
    BaseModel("answerdotai/ModernBERT-base", CROSS, "150M", "-", "plain encoder for a reranker from scratch"),
)


def base_models_for(model_type: str) -> tuple[BaseModel, ...]:
    return tuple(m for m in BASE_MODELS if m.model_type == model_type)


def all_loss_keys() -> list[str]:
    return [loss.key for loss in LOSSES]


def format_refs(loss: LossSpec) -> list[str]:
    return [f.ref for f in loss.formats]


