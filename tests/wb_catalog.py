"""The loss-overview tables as the tests read them (LOSS_OVERVIEW.md section 2), with the documented deviations."""

from __future__ import annotations

from workbench import catalog as C

# fmt: off
# ---- LOSS_OVERVIEW.md tables, as data ------------------------------------------------------------------------
# ref -> (model type, (n inputs min, max; None = open-ended "2+n" / "N"), label kind, losses in the doc's row).
# "2+n" rows start at 4 inputs (n >= 2): 3 inputs is the triplet row next to them. [newer main] additions are
# left out (see NEWER_MAIN).
TABLE: dict[str, tuple[str, tuple[int, int | None], str, frozenset[str]]] = {
    "D1": (C.DENSE, (1, 1), C.L_CLASS, frozenset({"BatchAllTripletLoss", "BatchHardSoftMarginTripletLoss",
                                                  "BatchHardTripletLoss", "BatchSemiHardTripletLoss"})),
    "D2": (C.DENSE, (1, 1), C.L_NONE, frozenset({"ContrastiveTensionLoss", "DenoisingAutoEncoderLoss"})),
    "D3": (C.DENSE, (2, 2), C.L_NONE, frozenset({"ContrastiveTensionLossInBatchNegatives"})),
    "D4": (C.DENSE, (2, 2), C.L_NONE, frozenset({"DenoisingAutoEncoderLoss"})),
    "D5": (C.DENSE, (2, 2), C.L_CLASS, frozenset({"SoftmaxLoss"})),
    "D6": (C.DENSE, (2, 2), C.L_NONE, frozenset({
        "MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "MultipleNegativesSymmetricRankingLoss",
        "CachedMultipleNegativesSymmetricRankingLoss", "MegaBatchMarginLoss", "GISTEmbedLoss", "CachedGISTEmbedLoss"})),
    "D7": (C.DENSE, (2, 2), C.L_BINARY, frozenset({"ContrastiveLoss", "OnlineContrastiveLoss"})),
    "D8": (C.DENSE, (2, 2), C.L_SCORE01, frozenset({"CoSENTLoss", "AnglELoss", "CosineSimilarityLoss"})),
    "D9": (C.DENSE, (3, 3), C.L_NONE, frozenset({"MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss",
                                                 "TripletLoss", "CachedGISTEmbedLoss", "GISTEmbedLoss"})),
    "D10": (C.DENSE, (4, None), C.L_NONE, frozenset({"MultipleNegativesRankingLoss",
                                                     "CachedMultipleNegativesRankingLoss", "CachedGISTEmbedLoss"})),
    "DD1": (C.DENSE, (1, 1), C.L_VECTOR, frozenset({"MSELoss"})),
    "DD2": (C.DENSE, (2, None), C.L_VECTOR, frozenset({"MSELoss"})),
    "DD3": (C.DENSE, (3, 3), C.L_FLOAT, frozenset({"MarginMSELoss"})),
    "DD4": (C.DENSE, (3, None), C.L_LIST_N, frozenset({"MarginMSELoss"})),
    "DD5": (C.DENSE, (3, 3), C.L_LIST_N1, frozenset({"DistillKLDivLoss", "MarginMSELoss"})),
    "DD6": (C.DENSE, (4, None), C.L_LIST_N1, frozenset({"DistillKLDivLoss", "MarginMSELoss"})),
    "S1": (C.SPARSE, (2, 2), C.L_NONE, frozenset({"SparseMultipleNegativesRankingLoss"})),
    "S2": (C.SPARSE, (2, 2), C.L_SCORE01, frozenset({"SparseCoSENTLoss", "SparseAnglELoss",
                                                     "SparseCosineSimilarityLoss"})),
    "S3": (C.SPARSE, (3, 3), C.L_NONE, frozenset({"SparseMultipleNegativesRankingLoss", "SparseTripletLoss"})),
    "S4": (C.SPARSE, (4, None), C.L_NONE, frozenset({"SparseMultipleNegativesRankingLoss"})),
    "SD1": (C.SPARSE, (1, 1), C.L_VECTOR, frozenset({"SparseMSELoss"})),
    "SD2": (C.SPARSE, (2, None), C.L_VECTOR, frozenset({"SparseMSELoss"})),
    "SD3": (C.SPARSE, (3, 3), C.L_FLOAT, frozenset({"SparseMarginMSELoss"})),
    "SD4": (C.SPARSE, (3, None), C.L_LIST_N, frozenset({"SparseMarginMSELoss"})),
    "SD5": (C.SPARSE, (3, 3), C.L_LIST_N1, frozenset({"SparseDistillKLDivLoss", "SparseMarginMSELoss"})),
    "SD6": (C.SPARSE, (4, None), C.L_LIST_N1, frozenset({"SparseDistillKLDivLoss", "SparseMarginMSELoss"})),
    "C1": (C.CROSS, (2, 2), C.L_CLASS, frozenset({"CrossEntropyLoss"})),
    "C2": (C.CROSS, (2, 2), C.L_NONE, frozenset({"MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss"})),
    "C3": (C.CROSS, (2, 2), C.L_BINARY, frozenset({"BinaryCrossEntropyLoss"})),
    "C4": (C.CROSS, (2, 2), C.L_SCORE01, frozenset({"BinaryCrossEntropyLoss"})),
    "C5": (C.CROSS, (3, 3), C.L_NONE, frozenset({"MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss"})),
    "C6": (C.CROSS, (4, None), C.L_NONE, frozenset({"MultipleNegativesRankingLoss",
                                                    "CachedMultipleNegativesRankingLoss"})),
    "C7": (C.CROSS, (2, 2), C.L_LIST_DOCS, frozenset({"LambdaLoss", "PListMLELoss", "ListNetLoss", "RankNetLoss",
                                                      "ListMLELoss"})),
    "CD1": (C.CROSS, (2, 2), C.L_FLOAT, frozenset({"MSELoss"})),
    "CD2": (C.CROSS, (3, 3), C.L_FLOAT, frozenset({"MarginMSELoss"})),
    "CD3": (C.CROSS, (3, None), C.L_LIST_N, frozenset({"MarginMSELoss"})),
    "CD4": (C.CROSS, (3, 3), C.L_LIST_N1, frozenset({"MarginMSELoss"})),
    "CD5": (C.CROSS, (4, None), C.L_LIST_N1, frozenset({"MarginMSELoss"})),
    # Multi-vector: sbert.net's multi-vector loss overview (the ranking rows) and the installed losses' docstring
    # "Inputs" tables (MultiVectorMarginMSELoss: margin or raw teacher scores; MultiVectorDistillKLDivLoss: one
    # teacher score per document, at least two documents).
    "M1": (C.MULTI, (2, 2), C.L_NONE, frozenset({"MultiVectorMultipleNegativesRankingLoss",
                                                 "CachedMultiVectorMultipleNegativesRankingLoss"})),
    "M2": (C.MULTI, (3, 3), C.L_NONE, frozenset({"MultiVectorMultipleNegativesRankingLoss",
                                                 "CachedMultiVectorMultipleNegativesRankingLoss"})),
    "M3": (C.MULTI, (4, None), C.L_NONE, frozenset({"MultiVectorMultipleNegativesRankingLoss",
                                                    "CachedMultiVectorMultipleNegativesRankingLoss"})),
    "MD1": (C.MULTI, (3, 3), C.L_FLOAT, frozenset({"MultiVectorMarginMSELoss"})),
    "MD2": (C.MULTI, (3, None), C.L_LIST_N, frozenset({"MultiVectorMarginMSELoss"})),
    "MD3": (C.MULTI, (3, 3), C.L_LIST_N1, frozenset({"MultiVectorDistillKLDivLoss", "MultiVectorMarginMSELoss"})),
    "MD4": (C.MULTI, (4, None), C.L_LIST_N1, frozenset({"MultiVectorDistillKLDivLoss",
                                                        "MultiVectorMarginMSELoss"})),
}

# Where the catalog knowingly differs from the doc table.
REMOVED_FROM_ROW = {
    # Single sentences only work through DenoisingAutoEncoderDataset, which adds the noise; the workbench does not
    # damage sentences itself, so TSDAE is offered for (damaged, original) pairs only.
    "D2": {"DenoisingAutoEncoderLoss"},
}
ADDED_TO_ROW = {
    # In the installed code, not in the doc table (the doc mentions them next to the table):
    # GlobalOrthogonalRegularizationLoss ("Inputs: any, Labels: none"); the catalog offers it for pairs and triplets.
    "D6": {"GlobalOrthogonalRegularizationLoss"},
    "D9": {"GlobalOrthogonalRegularizationLoss"},
    # EmbedDistillLoss (v5.5) takes teacher embeddings like MSELoss.
    "DD1": {"EmbedDistillLoss"},
    "DD2": {"EmbedDistillLoss"},
    # ADRMSELoss (v5.5) is listwise like the other C7 losses.
    "C7": {"ADRMSELoss"},
}
# CachedSpladeLoss is in the code and the catalog as a wrapper (no data format of its own): nothing to add to rows.
# [newer main] row additions that the installed version lacks (asserted absent below).
NEWER_MAIN = {
    "D6": {"MultipleNegativesBidirectionalRankingLoss", "CachedMultipleNegativesBidirectionalRankingLoss"},
    "D9": {"MultipleNegativesBidirectionalRankingLoss", "CachedMultipleNegativesBidirectionalRankingLoss"},
    "D10": {"MultipleNegativesBidirectionalRankingLoss", "CachedMultipleNegativesBidirectionalRankingLoss"},
}
# fmt: on


def expected_losses(ref: str) -> set[str]:
    """The losses the catalog should map to a table row: the doc's row with the documented deviations."""
    return (set(TABLE[ref][3]) - REMOVED_FROM_ROW.get(ref, set())) | ADDED_TO_ROW.get(ref, set())
