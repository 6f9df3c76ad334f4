"""``model.asymmetric``: one model with separate query and document sides (sentence-transformers' ``Router``).

Read and checked here, without torch. Two kinds:

- ``separate``: the query side and the document side each get their own copy of the model's modules (dense or
  sparse): ``encode_query`` and ``encode_document`` start equal and drift apart as they train.
- ``inference-free`` (sparse only): queries are encoded without a network, by one learned weight per vocabulary
  token (``SparseStaticEmbedding``); documents go through the full SPLADE model (the library's "inference-free
  SPLADE"). The static query weights start at the IDF of the training documents (``query_init: "idf"``, the
  default) or at 1 for every token (``"ones"``, the library's default).

Which input column is the query and which are documents comes from the data (`workbench.rules.router`), and each
side may have its own learning rate (the training arguments' ``learning_rate_mapping``).
"""

from __future__ import annotations

from ..errors import WorkbenchError, nearest

SEPARATE = "separate"
INFERENCE_FREE = "inference-free"
ASYMMETRIC_KINDS = (SEPARATE, INFERENCE_FREE)
ROUTES = ("query", "document")
# The library's inference-free SPLADE example trains the static query weights at 1e-3 (the rest at the run's rate).
INFERENCE_FREE_QUERY_LR = 1e-3
IDF = "idf"
ONES = "ones"
QUERY_INITS = (
    IDF,
    ONES,
)  # where inference-free query weights start: the train documents' IDF, or 1 everywhere
ASYMMETRIC_KEYS = ("kind", "query_learning_rate", "document_learning_rate", "query_init")
EXAMPLE = '{"kind": "separate", "query_learning_rate": null, "document_learning_rate": null}'
_LR_KEYS = {"query": "query_learning_rate", "document": "document_learning_rate"}


def asymmetric_defaults(kind: str) -> dict:
    """What ``{"kind": kind}`` alone gives (None: the side trains at the run's learning rate)."""
    if kind != INFERENCE_FREE:
        return {"kind": kind, "query_learning_rate": None, "document_learning_rate": None}
    return {
        "kind": kind,
        "query_learning_rate": INFERENCE_FREE_QUERY_LR,
        "document_learning_rate": None,
        "query_init": IDF,
    }


def check_asymmetric(data, model_type: str | None = None) -> dict | None:
    """The asymmetric settings with defaults filled in, or None for one shared model (the default).

    Args:
        data: ``None`` / ``"none"`` / ``False`` (shared), a kind (``"separate"``, ``"inference-free"``), or a
            mapping with ``kind`` and optionally ``query_learning_rate`` / ``document_learning_rate`` (a positive
            number, or None for the run's learning rate) and, for ``inference-free``, ``query_init`` (``"idf"``:
            the static query weights start at the training documents' IDF; ``"ones"``: at 1).
        model_type: The model's type; ``inference-free`` needs ``sparse-encoder``, and a cross-encoder reads query
            and document together (no sides to separate).

    Raises:
        WorkbenchError: an unknown key or kind, a learning rate that is not a positive number, a kind that does not
            fit the model type, a ``query_init`` that is not one of `QUERY_INITS` or not on ``inference-free``.
    """
    if data in (None, False, "none", "off", "", "shared"):
        return None
    if isinstance(data, str):
        data = {"kind": data}
    if not isinstance(data, dict):
        raise WorkbenchError(
            f"'model.asymmetric' must be a mapping, got {data!r}.",
            fix=f"write e.g. {EXAMPLE}, or leave it out for one shared model.",
            where="model.asymmetric",
        )
    for key in data:
        if key not in ASYMMETRIC_KEYS:
            guess = nearest(str(key), ASYMMETRIC_KEYS)
            raise WorkbenchError(
                f"unknown asymmetric setting '{key}'.",
                fix=(f"did you mean '{guess}'? " if guess else "")
                + f"Valid settings: {', '.join(ASYMMETRIC_KEYS)}.",
                where=f"model.asymmetric.{key}",
            )
    kind = data.get("kind")
    if kind not in ASYMMETRIC_KINDS:
        raise WorkbenchError(
            f"asymmetric kind {kind!r} is not known.",
            fix=f"use one of: {', '.join(ASYMMETRIC_KINDS)} (or leave 'asymmetric' out for one shared model).",
            where="model.asymmetric.kind",
        )
    if model_type == "cross-encoder":
        raise WorkbenchError(
            "a cross-encoder reads the query and the document together: it has no separate sides.",
            fix="leave 'asymmetric' out, or use a sentence-transformer or sparse-encoder model.",
            where="model.asymmetric",
        )
    if kind == INFERENCE_FREE and model_type not in (None, "sparse-encoder"):
        raise WorkbenchError(
            f"'inference-free' queries are a sparse model's (SPLADE), not a {model_type}'s.",
            fix="set model.type to 'sparse-encoder', or use kind 'separate' for separate dense query/document "
            "encoders.",
            where="model.asymmetric.kind",
        )
    out = {**asymmetric_defaults(kind), **data}
    _check_query_init(out)
    for route, key in _LR_KEYS.items():
        lr = out[key]
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < 1):
            raise WorkbenchError(
                f"the {route} side's learning rate must be a positive number below 1, got {lr!r}.",
                fix="use e.g. 2e-5 (1e-3 for inference-free query weights), or null for the run's learning rate.",
                where=f"model.asymmetric.{key}",
            )
        out[key] = float(lr) if lr is not None else None
    return out


def _check_query_init(out: dict) -> None:
    init = out.get("query_init")
    if out["kind"] != INFERENCE_FREE:
        if init is not None:
            raise WorkbenchError(
                f"'query_init' sets where inference-free query weights start; kind '{out['kind']}' has none.",
                fix="leave 'query_init' out, or use kind 'inference-free' (sparse models).",
                where="model.asymmetric.query_init",
            )
        out.pop("query_init", None)
        return
    if init is None:
        out["query_init"] = IDF
    elif init not in QUERY_INITS:
        guess = nearest(str(init), QUERY_INITS)
        raise WorkbenchError(
            f"query_init {init!r} is not known.",
            fix=(f"did you mean '{guess}'? " if guess else "")
            + "Use 'idf' (the query weights start at the IDF of the training documents) or 'ones' (at 1).",
            where="model.asymmetric.query_init",
        )


def route_learning_rates(asymmetric: dict | None) -> dict[str, float]:
    """The learning rate of each side that has its own, by route (``{"query": 0.001}``)."""
    if not asymmetric:
        return {}
    return {route: asymmetric[key] for route, key in _LR_KEYS.items() if asymmetric.get(key) is not None}


def describe_asymmetric(asymmetric: dict | None) -> str:
    """One line for the app, the notes and the exported script."""
    if not asymmetric:
        return "one model for queries and documents"
    rates = route_learning_rates(asymmetric)
    lr = "".join(f"; {route} learning rate {value:g}" for route, value in rates.items())
    if asymmetric["kind"] == INFERENCE_FREE:
        start = "1" if asymmetric.get("query_init") == ONES else "the training documents' IDF"
        return (
            f"inference-free queries (one learned weight per token, starting at {start}), documents through SPLADE"
            + lr
        )
    return "separate query and document encoders (each its own copy of the model)" + lr
