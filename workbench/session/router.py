"""Whether the configured query/document sides (``model.asymmetric``) fit the model type and the mapped data, in
words, for the Model panel (a problem marks the field and blocks Start, as the run's plan would refuse it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import rules
from ..errors import WorkbenchError
from ..spec import check_asymmetric
from .wording import error_text

if TYPE_CHECKING:
    from .state import Session


def asymmetric_problem(session: Session) -> str | None:
    """Why ``session.asymmetric`` cannot run (None: it can, or there is nothing to judge yet).

    The model type must fit the kind, and every train set's loss must read a query column and document columns
    (`rules.column_routes`); a train set whose rows are still loading is not judged.
    """
    if not session.asymmetric:
        return None
    try:
        check_asymmetric(session.asymmetric, session.model_type)
    except WorkbenchError as exc:
        return f"Query and document sides (model.asymmetric): {error_text(exc)}"
    for entry in session.entries("train"):
        try:
            shape = session.shape(entry.key)
        except WorkbenchError:  # a mapping problem: the Columns panel says it
            continue
        loss = session.resolved_loss(entry.name) if shape is not None else None
        if loss is None:
            continue
        try:
            found = rules.verdict(loss, shape)  # the format it fits, or the nearest (a fix may be due)
            if found.format_ref is not None:
                rules.column_routes(loss, found.format_ref, shape.inputs, entry.key)
        except WorkbenchError as exc:
            return f"Query and document sides (model.asymmetric): {error_text(exc)}"
    return None


def kept_asymmetric(asymmetric: dict | None, model_type: str) -> dict | None:
    """The query/document sides that still fit after the model type changed: a cross-encoder has none, and
    inference-free queries are a sparse model's (switching away from it drops them)."""
    try:
        return check_asymmetric(asymmetric, model_type)
    except WorkbenchError:
        return None
