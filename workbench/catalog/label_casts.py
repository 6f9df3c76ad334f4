"""Label casts as data: one `LabelCast` entry per way the data preparation turns a label column into numbers.

Each entry holds both sides of the pair that has to agree: when it applies and how it converts a value (what
`data.prepare` picks and runs, and names in its record: ``LabelPrep.cast``), and the code the exported script
writes to do the same (:meth:`LabelCast.code`). `LabelScale` is the same pair for rescaling a label to 0-1 after
its cast. Pure data: no import of the data library at module load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

CAST_CATEGORY = "category"  # text classes -> ids (LabelPrep.category_map)
CAST_INT = "int"  # whole numbers written as text -> int(float(v))
CAST_FLOAT = "float"  # numbers written as text -> float(v)
CAST_BOOL = "bool"  # False / True -> 0 / 1


@dataclass(frozen=True)
class LabelFacts:
    """What a label's cast is chosen from: its source column, its profile and the class ids given.

    Attributes:
        is_string: The source column's Arrow type is text.
        is_bool: The source column's Arrow type is boolean.
        numbers_as_text: The column holds numbers written as text (the profile says so, or most of a text column
            without given class ids reads as numbers).
        whole: The column profile's role is a class or binary label (numbers become whole numbers).
        ids_given: Class ids were given (a train set's, for an eval/test set).
    """

    is_string: bool
    is_bool: bool
    numbers_as_text: bool
    whole: bool
    ids_given: bool = False


@dataclass(frozen=True)
class LabelCast:
    """One label cast.

    Attributes:
        name: ``LabelPrep.cast``.
        dtype: The prepared label's value type after this cast (with whole-number class ids, for ``ids``).
        expr: The exported script's conversion of one value ``v``.
        note: The exported script's comment before it (``{label}``: the column), or "" for none.
        applies: Whether the preparation casts a label with these facts so (the first entry that answers yes is
            the cast; none: the values are used as they are).
        convert: The preparation's conversion of one value (None for a cast with ``ids``: it looks values up).
        ids: The values are classes looked up in the run's class ids (``LabelPrep.category_map``); the script
            first defines them as ``label_ids``.
        rescalable: A ``label_range`` may rescale the cast values to 0-1 (classes are not scores).
    """

    name: str
    dtype: str
    expr: str
    note: str
    applies: Callable[[LabelFacts], bool] = field(compare=False)
    convert: Callable[[Any], Any] | None = field(default=None, compare=False)
    ids: bool = False
    rescalable: bool = True

    def converter(self, category_map: dict | None = None) -> Callable[[Any], Any]:
        """The conversion of one value; a class is looked up as it is, else by its text (``True`` as "True")."""
        if not self.ids:
            return self.convert
        ids = dict(category_map)
        return lambda v: ids[v] if v in ids else ids[str(v)]

    def dtype_of(self, category_map: dict | None = None) -> str:
        """The prepared label's value type: ``float64`` for class ids that are not all whole numbers."""
        if self.ids and not all(isinstance(v, (int, bool)) for v in (category_map or {}).values()):
            return "float64"
        return self.dtype

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


LABEL_CASTS: tuple[LabelCast, ...] = (
    LabelCast(
        CAST_CATEGORY,
        "int64",
        "label_ids[v]",
        "# '{label}' holds text classes; the workbench numbers them like this:",
        lambda f: f.ids_given or (f.is_string and not f.numbers_as_text),
        ids=True,
        rescalable=False,
    ),
    LabelCast(
        CAST_INT,
        "int64",
        "int(float(v))",
        "# '{label}' holds numbers written as text: read them as whole numbers.",
        lambda f: f.numbers_as_text and f.whole,
        lambda v: int(float(v)),
    ),
    LabelCast(
        CAST_FLOAT,
        "float64",
        "float(v)",
        "# '{label}' holds numbers written as text: read them as floats.",
        lambda f: f.numbers_as_text and not f.whole,
        lambda v: float(v),
    ),
    LabelCast(CAST_BOOL, "int64", "int(v)", "", lambda f: f.is_bool, int),
)


def label_cast(name: str) -> LabelCast:
    """The entry of a ``LabelPrep.cast`` name (KeyError for an unknown one)."""
    for cast in LABEL_CASTS:
        if cast.name == name:
            return cast
    raise KeyError(name)


def label_cast_for(facts: LabelFacts) -> LabelCast | None:
    """The cast the preparation applies to a label with these facts (None: the values are used as they are)."""
    return next((cast for cast in LABEL_CASTS if cast.applies(facts)), None)


@dataclass(frozen=True)
class LabelScale:
    """Rescaling a label from its ``(low, high)`` scale to 0-1, as floats, after its cast (``LabelPrep.label_range``).

    A label used as it is (no cast) is read with ``float``.
    """

    low: float
    high: float
    dtype: ClassVar[str] = "float64"

    def apply(self, convert: Callable[[Any], Any] | None) -> Callable[[Any], float]:
        """The preparation's conversion of one value: ``convert``, then the rescale."""
        inner, lo, hi = convert or float, self.low, self.high
        return lambda v: (float(inner(v)) - lo) / (hi - lo)

    def code(self, label: str, expr: str | None) -> tuple[str, str]:
        """The script's comment before the conversion, and the conversion of ``v`` around the cast's ``expr``."""
        lo, hi = self.low, self.high
        note = f"# Rescale '{label}' from its {lo:g}–{hi:g} scale to 0–1, as the loss expects."
        return note, f"({expr or 'float(v)'} - {lo!r}) / {hi - lo!r}"
