"""The losses of the sentence-transformers loss-overview tables as data: parameters, losses, recommended ones.

Pure lookups, no widget imports, no heavy imports at module load. Every loss is resolved by name from the
installed library (`resolve_loss`); a test generated from this catalog checks every entry against the installed
version, so a mismatch fails a test instead of a user's run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkbenchError, nearest
from . import formats as fm
from .formats import (
    C1,
    C2,
    C3,
    C4,
    C5,
    C6,
    C7,
    CD1,
    CD2,
    CD3,
    CD4,
    CD5,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    D7,
    D8,
    D9,
    D10,
    DD1,
    DD2,
    DD3,
    DD4,
    DD5,
    DD6,
    S1,
    S2,
    S3,
    S4,
    SD1,
    SD2,
    SD3,
    SD4,
    SD5,
    SD6,
    DataFormat,
)
from .kinds import CROSS, DENSE, MULTI, SPARSE, import_attr, kind


@dataclass(frozen=True)
class ParamSpec:
    """A tunable constructor parameter of a loss, modifier or wrapper.

    kind: float | int | bool | choice | str | int_list | float_list | token_poolings | similarity | model | auto.
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
        model_type: DENSE, SPARSE, CROSS or MULTI.
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
PAIRWISE_SIMILARITIES = (
    "pairwise_cos_sim",
    "pairwise_dot_score",
    "pairwise_euclidean_sim",
    "pairwise_manhattan_sim",
)


def _scale(default=20.0):
    return ParamSpec("scale", "float", default, help="Inverse temperature of the softmax over similarities.")


def _sim(default="cos_sim"):
    return ParamSpec("similarity_fct", "similarity", default, SIMILARITIES, "Similarity between embeddings.")


def _psim(default="pairwise_cos_sim"):
    return ParamSpec("similarity_fct", "similarity", default, PAIRWISE_SIMILARITIES, "Pairwise similarity.")


# fmt: off
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
# fmt: on


ND = "no_duplicates"
GBL = "group_by_label"

_MNRL_PARAMS = (_scale(), _sim())
_SYM_DEPRECATED = (
    "deprecated in sentence-transformers 6: use MultipleNegativesRankingLoss with "
    "directions=('query_to_doc', 'doc_to_query') and partition_mode='per_direction'"
)
_CACHED_MNRL_PARAMS = (_scale(), _sim(), MINI_BATCH)
_BATCH_TRIPLET = (
    BATCH_DIST,
    ParamSpec("margin", "float", 5, help="Margin between positive and negative distance."),
)

# fmt: off
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
        ParamSpec("matryoshka_dims", "int_list", None, help="Embedding sizes to train, largest first "
                  "(default: the model's size halved down to 32).", required=True),
        ParamSpec("matryoshka_weights", "float_list", None, help="Weight per size (default all 1)."),
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
    # ---- multi-vector (late interaction): MaxSim scoring inside every loss; MaxSim is unbounded, so scale 1 ----
    LossSpec("MultiVectorMultipleNegativesRankingLoss", MULTI, "main", (fm.M1, fm.M2, fm.M3), (_scale(1.0),),
             sampler=ND, summary="In-batch negatives scored with MaxSim; the standard for (query, positive)."),
    LossSpec("CachedMultiVectorMultipleNegativesRankingLoss", MULTI, "main", (fm.M1, fm.M2, fm.M3),
             (_scale(1.0), MINI_BATCH), sampler=ND, cached=True, summary="MaxSim in-batch negatives with GradCache."),
    LossSpec("MultiVectorMarginMSELoss", MULTI, "distillation", (fm.MD1, fm.MD2, fm.MD3, fm.MD4), (),
             summary="Match the teacher's score margins, scored with MaxSim."),
    LossSpec("MultiVectorDistillKLDivLoss", MULTI, "distillation", (fm.MD3, fm.MD4), (
        ParamSpec("temperature", "float", 1.0),
    ), summary="KL divergence to the teacher's scores over each query's documents."),
    # ---- multi-vector: modifiers (one per loss: the library wants token pooling outside Matryoshka) ----
    LossSpec("MultiVectorMatryoshkaLoss", MULTI, "modifier", (), (
        ParamSpec("matryoshka_dims", "int_list", None, help="Token-embedding sizes to train, largest first "
                  "(default: the model's size halved down to 32, e.g. 128, 64, 32).", required=True),
        ParamSpec("matryoshka_weights", "float_list", None, help="Weight per size (default all 1)."),
        ParamSpec("n_dims_per_step", "int", -1, help="Sizes sampled per step (-1: all)."),
    ), summary="Train token embeddings that stay good when truncated to smaller sizes."),
    LossSpec("MultiVectorTokenPoolingLoss", MULTI, "modifier", (), (
        ParamSpec("token_poolings", "token_poolings", (1, 2, 4), help="Pool factors to train: each keeps about "
                  "1/factor of a document's token vectors (hierarchical pooling); 1 = no pooling.", required=True),
        ParamSpec("weights", "float_list", None, help="Weight per pool factor (default all 1)."),
        ParamSpec("n_poolings_per_step", "int", -1, help="Pool factors sampled per step (-1: all)."),
    ), summary="Train documents to stay searchable when their token vectors are pooled (fewer to store)."),
)
# fmt: on

# The losses a person most likely wants, per (model type, data format ref): the first compatible wins.
# Chosen from measured results (bench/README.md), not guesses: on STSb with the packaged model, 1 epoch,
# CosineSimilarityLoss at batch 16 gave 0.8516 where CoSENTLoss at batch 32 regressed to 0.8127.
RECOMMENDED: dict[str, tuple[str, ...]] = {
    DENSE: (
        "OnlineContrastiveLoss",
        "CosineSimilarityLoss",
        "MultipleNegativesRankingLoss",
        "SoftmaxLoss",
        "BatchAllTripletLoss",
        "MarginMSELoss",
        "MSELoss",
    ),
    SPARSE: (
        "SparseMultipleNegativesRankingLoss",
        "SparseCoSENTLoss",
        "SparseMarginMSELoss",
        "SparseMSELoss",
    ),
    CROSS: (
        "BinaryCrossEntropyLoss",
        "CrossEntropyLoss",
        "LambdaLoss",
        "MultipleNegativesRankingLoss",
        "MarginMSELoss",
        "MSELoss",
    ),
    MULTI: (
        "MultiVectorMultipleNegativesRankingLoss",
        "MultiVectorMarginMSELoss",
        "MultiVectorDistillKLDivLoss",
    ),
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
        fix=(f"did you mean '{guess}'? " if guess else "") + f'Choose one of: {", ".join(names)}, or "auto".',
        where="loss",
    )


def resolve_loss(spec: LossSpec):
    """The loss class of the installed library."""
    return import_attr(kind(spec.model_type).losses, spec.name)


def all_loss_keys() -> list[str]:
    """Every loss's unique key (``model_type:name``), in catalog order."""
    return [loss.key for loss in LOSSES]


def format_refs(loss: LossSpec) -> list[str]:
    """The LOSS_OVERVIEW.md row ids (D8, C7, ...) of the data formats a loss accepts."""
    return [f.ref for f in loss.formats]
