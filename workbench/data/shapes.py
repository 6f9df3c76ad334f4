"""Plain descriptions of a dataset's columns and of the shape the trainer will see.

`profiling` produces these from a `datasets.Dataset`; `workbench.rules` judges losses against them. No heavy imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column roles, as inferred from a column's values (and, for ids, its name).
TEXT = "text"  # strings that are sentences / passages
CATEGORY = (
    "category"  # strings with few distinct values ("entailment", "neutral", ...): a class label to cast
)
CLASS = "class"  # integers with few distinct values (>2)
BINARY = "binary"  # only 0 and 1 (ints, bools or floats)
SCORE = "score"  # floats (or ints over a wide range) meant as similarity scores
TEXT_LIST = "text_list"  # a list of strings per row (cross-encoder listwise documents)
NUMBER_LIST = "number_list"  # a list of numbers per row (list labels, teacher embeddings)
ID = "id"  # identifiers or row indexes: never a model input
EMPTY = "empty"  # all values missing
OTHER = "other"  # anything else (dicts, images, mixed)
ROLES = (TEXT, CATEGORY, CLASS, BINARY, SCORE, TEXT_LIST, NUMBER_LIST, ID, EMPTY, OTHER)
LABEL_ROLES = (CATEGORY, CLASS, BINARY, SCORE, NUMBER_LIST)
# Names the library's data collators take as the label column (first match wins).
LABEL_NAMES = ("label", "labels", "score", "scores")
# Names of input columns in the library's docs and common datasets: never guessed to be classes.
TEXT_NAMES = (
    "query",
    "queries",
    "question",
    "anchor",
    "sentence",
    "sentence1",
    "sentence2",
    "sentence_a",
    "sentence_b",
    "text",
    "text1",
    "text2",
    "title",
    "premise",
    "hypothesis",
    "positive",
    "negative",
    "document",
    "passage",
    "context",
    "keywords",
    "search",
    "q",
)
# Names that suggest a label when no column is literally called label/score.
LABEL_HINTS = (
    "is_duplicate",
    "similarity",
    "rating",
    "relevance",
    "relatedness_score",
    "gold_score",
    "target",
    "class",
    "y",
)
# Words in a column name that make whole numbers a score, not classes ("rating" 1-5, "relevance" 0-3).
SCORE_WORDS = ("score", "rating", "similarity", "relevance", "relatedness")


def is_score_name(name: str) -> bool:
    """Whether a column's name says it holds scores (whole numbers in it are then scores, not classes)."""
    low = name.strip().lower()
    return any(word in low for word in SCORE_WORDS)


@dataclass(frozen=True)
class ColumnProfile:
    """What one column holds.

    Attributes:
        name: Column name.
        role: One of ROLES.
        dtype: The Arrow/`datasets` dtype as a string (``string``, ``int64``, ``float32``, ``list<string>`` ...).
        n_missing: Rows whose value is None/NaN or an empty/whitespace-only string.
        n_unique: Distinct values among the sampled rows (for lists: None).
        min: Smallest value (numbers only).
        max: Largest value (numbers only).
        list_len: Length of the lists when every sampled row has the same length (lists only), else None.
        values: Up to 10 distinct values for CATEGORY/CLASS/BINARY columns (for messages and casting).
        numeric_strings: True when a string column holds numbers (CSV read them as text): castable.
        whole: A SCORE column of whole numbers with at most 50 distinct values (a rating): a loss that takes
            classes may read them as classes when the person chooses one.
    """

    name: str
    role: str
    dtype: str
    n_missing: int = 0
    n_unique: int | None = None
    min: float | None = None
    max: float | None = None
    list_len: int | None = None
    values: tuple = ()
    numeric_strings: bool = False
    whole: bool = False


@dataclass(frozen=True)
class DataProfile:
    """A whole dataset: its columns in order, its size, and the guessed mapping.

    Attributes:
        columns: Every column's profile, in the dataset's order.
        n_rows: Number of rows.
        guessed_inputs: The input columns the workbench would pick (text-like, in order; ids dropped).
        guessed_label: The label column it would pick, or None.
    """

    columns: tuple[ColumnProfile, ...]
    n_rows: int
    guessed_inputs: tuple[str, ...] = ()
    guessed_label: str | None = None

    def column(self, name: str) -> ColumnProfile:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class DataShape:
    """The shape a chosen column mapping hands the trainer; what losses are judged against.

    Attributes:
        inputs: The mapped input columns, in order.
        input_roles: Their roles (same order).
        label: The mapped label column or None.
        label_role: Its role (one of LABEL_ROLES, or TEXT/ID/... when the mapping is wrong), None without label.
        label_min / label_max: Label value range (numbers only).
        label_list_len: Length of list labels.
        n_classes: Distinct label values for CLASS/BINARY/CATEGORY labels, and for a whole-number SCORE label
            (the classes it gives when a loss that takes classes is chosen).
        n_rows: Rows in the dataset.
        label_range: The declared ``[low, high]`` scale (rescaled to 0-1 at preparation), if any.
        min_rows_per_class: Smallest number of rows sharing one label value (batch-triplet losses need >= 2).
        has_duplicates: Whether the first input column repeats values (in-batch-negative losses care).
        unmapped: Columns present in the data but not mapped (they are dropped at preparation).
        unmapped_roles: Their roles, same order (empty when unknown).
        derive: The derivation that builds the loss's inputs from the mapped columns (``DatasetSpec.derive``:
            ``"tsdae"`` damages the first input), or None.
    """

    inputs: tuple[str, ...]
    input_roles: tuple[str, ...]
    label: str | None = None
    label_role: str | None = None
    label_min: float | None = None
    label_max: float | None = None
    label_list_len: int | None = None
    n_classes: int | None = None
    n_rows: int = 0
    label_range: tuple[float, float] | None = None
    min_rows_per_class: int | None = None
    has_duplicates: bool = False
    unmapped: tuple[str, ...] = field(default_factory=tuple)
    unmapped_roles: tuple[str, ...] = field(default_factory=tuple)
    derive: str | None = None

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @property
    def effective_label_range(self) -> tuple[float, float] | None:
        """The label's range after preparation (rescaling), for SCORE/BINARY labels."""
        if self.label_range is not None:
            return (0.0, 1.0)
        if self.label_min is None or self.label_max is None:
            return None
        return (self.label_min, self.label_max)
