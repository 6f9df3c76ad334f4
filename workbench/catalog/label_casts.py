"""Label casts as data: one `LabelCast` entry per way the data preparation turns a label column into numbers.

Each entry says both sides of the pair that has to agree: when a run's record (``LabelPrep.cast``) names it, read
off what the preparation did (:attr:`LabelCast.recorded`), and the code the exported script writes to do the
same (:meth:`LabelCast.code`). Pure data: no import of the data library at module load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CAST_CATEGORY = "category"  # text classes -> ids (LabelPrep.category_map)
CAST_INT = "int"  # whole numbers written as text -> int(float(v))
CAST_FLOAT = "float"  # numbers written as text -> float(v)
CAST_BOOL = "bool"  # False / True -> 0 / 1


@dataclass(frozen=True)
class LabelFacts:
    """What a label's cast is read off: its source column and the prepared column.

    Attributes:
        is_string: The source column's Arrow type is text.
        is_bool: The source column's Arrow type is boolean.
        numeric_strings: The column profile found numbers written as text.
        whole: The column profile's role is a class or binary label (numbers become whole numbers).
        prepared_dtype: The prepared ``label`` column's value type (``int64``, ``float64``, ...).
    """

    is_string: bool
    is_bool: bool
    numeric_strings: bool
    whole: bool
    prepared_dtype: str | None


@dataclass(frozen=True)
class LabelCast:
    """One label cast.

    Attributes:
        name: ``LabelPrep.cast``.
        dtype: The prepared label's value type after this cast.
        expr: The exported script's conversion of one value ``v``.
        note: The exported script's comment before it (``{label}``: the column), or "" for none.
        ids: The script first defines ``label_ids``: the run's class ids (``LabelPrep.category_map``).
        recorded: Whether the preparation applied this cast, from the label's facts (the first entry that
            answers yes is the cast).
    """

    name: str
    dtype: str
    expr: str
    note: str
    recorded: Callable[[LabelFacts], bool] = field(compare=False)
    ids: bool = False

    def code(
        self, label: str, category_map: dict | None, pretty: Callable[[object, int], str]
    ) -> tuple[list, str]:
        """The script's lines before the conversion, and the conversion of one value ``v``.

        Args:
            label: The source column.
            category_map: The run's class ids (for a cast with ``ids``).
            pretty: Lays a literal out over lines (value, continuation indent).
        """
        lines = [self.note.format(label=label)] if self.note else []
        if self.ids:
            lines.append(f"label_ids = {pretty(category_map, 4)}")
        return lines, self.expr


def _numbers_as_text(facts: LabelFacts) -> bool:
    return facts.is_string or facts.numeric_strings


LABEL_CASTS: tuple[LabelCast, ...] = (
    LabelCast(
        CAST_CATEGORY,
        "int64",
        "label_ids[v]",
        "# '{label}' holds text classes; the workbench numbers them like this:",
        lambda f: f.is_string and not f.numeric_strings and f.prepared_dtype == "int64",
        ids=True,
    ),
    LabelCast(
        CAST_INT,
        "int64",
        "int(float(v))",
        "# '{label}' holds numbers written as text: read them as whole numbers.",
        lambda f: _numbers_as_text(f) and f.whole,
    ),
    LabelCast(
        CAST_FLOAT,
        "float64",
        "float(v)",
        "# '{label}' holds numbers written as text: read them as floats.",
        lambda f: _numbers_as_text(f) and not f.whole,
    ),
    LabelCast(CAST_BOOL, "int64", "int(v)", "", lambda f: f.is_bool),
)


def label_cast(name: str) -> LabelCast:
    """The entry of a ``LabelPrep.cast`` name (KeyError for an unknown one)."""
    for cast in LABEL_CASTS:
        if cast.name == name:
            return cast
    raise KeyError(name)


def recorded_cast(facts: LabelFacts) -> LabelCast | None:
    """The cast the preparation applied to a label with these facts (None: the values are used as they are)."""
    return next((cast for cast in LABEL_CASTS if cast.recorded(facts)), None)
