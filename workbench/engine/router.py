"""Separate query and document sides (``model.asymmetric``): the ``Router`` model and the training arguments that
feed it (``router_mapping`` from the mapped columns' roles, ``learning_rate_mapping`` from each side's rate).

:func:`make_router` turns the model `workbench.engine.models.build_model` built into one whose only module is a
``Router.for_query_document``; :func:`route_columns` is the plan step that fills the two training arguments;
`workbench.export.train` writes the same code (:func:`router_code`). Heavy imports happen inside functions.
"""

from __future__ import annotations

import copy

from .. import rules
from ..errors import WorkbenchError
from ..spec import INFERENCE_FREE, describe_asymmetric, route_learning_rates


def make_router(model, asymmetric: dict, device: str | None = None):
    """The same family of model with a ``Router`` of a query side and a document side.

    The document side is the built model's modules (its weights, pooling, normalisation). The query side is a copy
    of them (``separate``), or one learned weight per vocabulary token (``inference-free``: the library's
    ``SparseStaticEmbedding``, starting at 1 for every token, over the document side's tokenizer).

    Args:
        model: A SentenceTransformer or SparseEncoder as built from the spec.
        asymmetric: The checked ``model.asymmetric`` settings.
        device: Where the new model lives (None: where ``model`` is).
    """
    from sentence_transformers.base.modules import Router

    document = list(model.children())
    if asymmetric["kind"] == INFERENCE_FREE:
        query = [_static_query_side(document)]
    else:
        query = copy.deepcopy(document)
    router = Router.for_query_document(query_modules=query, document_modules=document)
    cls = type(model)
    new = cls(
        modules=[router],
        device=device or str(model.device),
        model_card_data=model.model_card_data,
        similarity_fn_name=model.similarity_fn_name,
    )
    return new


def _static_query_side(document: list):
    from sentence_transformers.sparse_encoder.modules import SparseStaticEmbedding

    first = document[0]
    tokenizer = getattr(first, "tokenizer", None)
    dimension = (
        document[-1].get_embedding_dimension() if hasattr(document[-1], "get_embedding_dimension") else None
    )
    if tokenizer is None or dimension is None:
        raise WorkbenchError(
            "inference-free queries need a SPLADE model (a masked-LM transformer with SPLADE pooling).",
            fix="use a plain BERT-like checkpoint or a SPLADE model as the sparse model, or kind 'separate'.",
            where="model.asymmetric.kind",
        )
    query = SparseStaticEmbedding(tokenizer=tokenizer, frozen=False)
    if query.get_embedding_dimension() != dimension:
        raise WorkbenchError(
            f"the tokenizer has {query.get_embedding_dimension()} tokens but the SPLADE output has {dimension} "
            "dimensions: one static weight per token cannot match it.",
            fix="use kind 'separate' for this model.",
            where="model.asymmetric.kind",
        )
    query.max_seq_length = getattr(first, "max_seq_length", None) or query.max_seq_length
    return query


def base_has_router(name_or_path: str) -> bool:
    """Whether the base model already routes queries and documents (a saved Router model: its modules.json names
    the Router), read without loading it."""
    from pathlib import Path

    from .models import resolve_model_path

    try:
        text = (Path(resolve_model_path(name_or_path)) / "modules.json").read_text(encoding="utf8")
    except (WorkbenchError, OSError):
        return False
    return ".Router" in text


def route_columns(plan) -> None:
    """Plan step: ``router_mapping`` (which prepared column is the query, which the documents, from the format
    the loss matched) and ``learning_rate_mapping`` (each side with its own rate) into the training arguments.

    Also for a base model that already has query/document sides (a saved Router model trained on). A
    ``router_mapping`` / ``learning_rate_mapping`` of the user's own in ``args`` is kept as given.

    Raises:
        WorkbenchError: a dataset the loss reads has no query/document roles (`rules.column_routes`), one column
            name has both roles, or ``model.asymmetric`` asks for sides on a model that has them already.
    """
    asymmetric = plan.spec.model.asymmetric
    routed = base_has_router(plan.spec.model.name_or_path)
    if asymmetric and routed:
        raise WorkbenchError(
            f"model '{plan.spec.model.name_or_path}' already has query and document sides.",
            fix="leave model.asymmetric out: its own sides go on training.",
            where="model.asymmetric",
        )
    if not (asymmetric or routed):
        return
    per_dataset = {}
    scored = [dp for dp in plan.of_split("eval") if dp.loss_scored]
    for dp in [*plan.of_split("train"), *scored]:
        loss = dp.loss or plan.of_split("train")[0].loss
        fmt_ref = rules.verdict(loss, dp.shape).format_ref
        columns = [c for c in dp.prep.columns if c != "label"]
        per_dataset[dp.key] = rules.column_routes(loss, fmt_ref, columns, dp.key)
    mapping = rules.merge_routes(per_dataset)
    user = plan.spec.args
    if "router_mapping" not in user:
        plan.args["router_mapping"] = mapping
        shown = ", ".join(f"'{c}' -> {r}" for c, r in mapping.items())
        plan.notes.append(f"query/document columns (router_mapping): {shown}")
    rates = rules.learning_rate_mapping(route_learning_rates(asymmetric))
    if rates and "learning_rate_mapping" not in user:
        plan.args["learning_rate_mapping"] = rates
    plan.notes.append(
        f"model: {describe_asymmetric(asymmetric)}"
        if asymmetric
        else "model: its own query and document sides"
    )


def router_code(asymmetric: dict | None, w) -> list[str]:
    """The exported ``build_model()``'s lines that put the built ``model`` behind a query/document Router, as
    :func:`make_router` does for the run."""
    if not asymmetric:
        return []
    w.need("sentence_transformers.base.modules", "Router")
    out = [f"    # {describe_asymmetric(asymmetric)}: a Router with a 'query' and a 'document' side."]
    out.append("    document = list(model.children())")
    if asymmetric["kind"] == INFERENCE_FREE:
        w.need("sentence_transformers.sparse_encoder.modules", "SparseStaticEmbedding")
        out += [
            "    # Queries: one learned weight per vocabulary token (no network at query time), starting at 1.",
            "    static = SparseStaticEmbedding(tokenizer=document[0].tokenizer, frozen=False)",
            "    static.max_seq_length = document[0].max_seq_length",
            "    query = [static]",
        ]
    else:
        w.plain("copy")
        out.append("    query = copy.deepcopy(document)  # the query side: its own copy of every module")
    out += [
        "    router = Router.for_query_document(query_modules=query, document_modules=document)",
        "    model = type(model)(",
        "        modules=[router], model_card_data=model.model_card_data, similarity_fn_name=model.similarity_fn_name",
        "    )",
    ]
    return out
