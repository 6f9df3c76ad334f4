"""The data formats of the loss-overview tables (LOSS_OVERVIEW.md section 2): ordered inputs and label kinds.

Each row of the tables is one `DataFormat` constant named by its row id (D8, S1, C7, ...); `catalog.losses`
lists, per loss, the rows it accepts. Pure data, no library imports.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        """The format in words for the UI, e.g. "2 text columns (anchor, positive) + no label"."""
        if self.n_max is None:
            cols = f"{self.n_min}+ text columns ({', '.join(self.roles)}, ...)"
        elif self.list_docs:
            cols = "(query, [doc1, ..., docN]) with the documents in a list column"
        else:
            word = {1: "1 text column", 2: "2 text columns", 3: "3 text columns"}.get(
                self.n_min, f"{self.n_min} text columns"
            )
            cols = f"{word} ({', '.join(self.roles)})"
        return f"{cols} + {LABEL_TEXT[self.label]}"


def F(ref, roles, label, n_min=None, n_max=-1, list_docs=False) -> DataFormat:
    """Build a table row tersely.

    Args:
        ref: Row id in LOSS_OVERVIEW.md.
        roles: Input column roles, in order.
        label: One of the L_* kinds.
        n_min: Fewest input columns; defaults to ``len(roles)``.
        n_max: Most input columns; -1 (the default) means ``len(roles)``, None means open-ended.
        list_docs: The second input is a list of documents (cross-encoder listwise rows).
    """
    n_min = len(roles) if n_min is None else n_min
    n_max = len(roles) if n_max == -1 else n_max
    return DataFormat(ref, tuple(roles), n_min, n_max, label, list_docs)


# fmt: off
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
# Multi-vector formats (the installed multi_vector_encoder losses' docstrings and sbert.net's multi-vector
# loss overview; no LOSS_OVERVIEW.md table of their own)
M1 = F("M1", ["anchor", "positive"], L_NONE)
M2 = F("M2", ["anchor", "positive", "negative"], L_NONE)
M3 = F("M3", ["anchor", "positive", "negative_1"], L_NONE, n_min=4, n_max=None)
MD1 = F("MD1", ["query", "passage_one", "passage_two"], L_FLOAT)
MD2 = F("MD2", ["query", "positive", "negative_1"], L_LIST_N, n_min=3, n_max=None)
MD3 = F("MD3", ["query", "positive", "negative"], L_LIST_N1)
MD4 = F("MD4", ["query", "positive", "negative_1"], L_LIST_N1, n_min=4, n_max=None)
# fmt: on
