"""Which input column is the query and which are documents, for a model with separate query/document sides
(``model.asymmetric``): the training arguments' ``router_mapping`` and ``learning_rate_mapping``.

The roles come from the data format the loss matched (`catalog.formats`: ``(anchor, positive, negative)``,
``(query, passage_one, passage_two)``, ...): the first input is the query when the format names it ``anchor`` or
``query``, and every later input is a document. A format of interchangeable sentences (``sentence_A``,
``sentence_B``: STS scores, pair classes) has no query and no document, so separate sides do not fit it.
Pure functions, no torch.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import catalog as C
from ..errors import WorkbenchError

QUERY_ROLES = ("anchor", "query")
DOCUMENT_ROLES = ("positive", "negative", "passage", "documents", "positive/negative")
# Parameter-name patterns of each side of a Router (its sub_modules ModuleDict), as the trainer's
# learning_rate_mapping searches them in the loss's named_parameters ("model.0.sub_modules.query.0.weight").
ROUTE_PATTERNS = {"query": r"sub_modules\.query\.", "document": r"sub_modules\.document\."}


def _is_document(role: str) -> bool:
    return any(role == r or role.startswith(r + "_") for r in DOCUMENT_ROLES)


def format_routes(fmt: C.DataFormat, n_inputs: int) -> tuple[str, ...] | None:
    """The route of each of ``n_inputs`` inputs in a data format (``("query", "document", "document")``), or
    None when the format has no query/document roles."""
    roles = list(fmt.roles)
    if n_inputs < 2 or not roles or roles[0] not in QUERY_ROLES:
        return None
    rest = roles[1:] + [roles[-1]] * max(0, n_inputs - len(roles))  # the "2+n" rows repeat the last role
    if not all(_is_document(r) for r in rest[: n_inputs - 1]):
        return None
    return ("query",) + ("document",) * (n_inputs - 1)


def column_routes(loss: C.LossSpec, fmt_ref: str | None, columns: Iterable[str], key: str) -> dict[str, str]:
    """``{column: "query" | "document"}`` for one prepared dataset's input columns, in order.

    Args:
        loss: The dataset's resolved loss.
        fmt_ref: The data format of ``loss`` the data matched (`rules.verdict(...).format_ref`).
        columns: The prepared dataset's input columns (the label excluded), in the loss's order.
        key: ``"split/name"`` of the dataset, for the message.

    Raises:
        WorkbenchError: the format has no query and document roles (which field, why, and how to fix).
    """
    columns = tuple(columns)
    fmt = next((f for f in loss.formats if f.ref == fmt_ref), None)
    routes = format_routes(fmt, len(columns)) if fmt is not None else None
    if routes is None:
        shown = f" ({', '.join(fmt.roles)})" if fmt is not None else ""
        raise WorkbenchError(
            f"separate query/document sides need a query column and document columns, but {loss.name} on {key} "
            f"reads {len(columns)} interchangeable input(s){shown}.",
            fix="use (query, document[, negative]) data with a retrieval loss such as "
            "MultipleNegativesRankingLoss, or set the Model panel's 'Query and document' to one shared model "
            "(leave model.asymmetric out).",
            where="model.asymmetric",
        )
    return dict(zip(columns, routes, strict=True))


def merge_routes(per_dataset: dict[str, dict[str, str]]) -> dict[str, str]:
    """One ``router_mapping`` for every dataset the trainer sees (by ``"split/name"``).

    Raises:
        WorkbenchError: one column name is a query in one dataset and a document in another.
    """
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, routes in per_dataset.items():
        for column, route in routes.items():
            if out.get(column, route) != route:
                raise WorkbenchError(
                    f"column '{column}' is the {out[column]} in {seen[column]} but a {route} in {key}.",
                    fix=f"rename '{column}' in one of them, so that each column name has one role.",
                    where=f"datasets.{key.replace('/', '.')}.columns",
                )
            out[column] = route
            seen.setdefault(column, key)
    return out


def learning_rate_mapping(rates: dict[str, float]) -> dict[str, float]:
    """The training arguments' ``learning_rate_mapping`` for the sides with their own rate (by route)."""
    return {ROUTE_PATTERNS[route]: float(lr) for route, lr in rates.items()}
