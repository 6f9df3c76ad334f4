"""Separate query and document sides (``model.asymmetric``): the ``Router`` model and the training arguments that
feed it (``router_mapping`` from the mapped columns' roles, per dataset; ``learning_rate_mapping`` from each side's
rate).

:func:`make_router` turns the model `workbench.engine.models.build_model` built into one whose only module is a
``Router.for_query_document``; :func:`route_columns` is the plan step that fills the two training arguments;
:func:`start_query_weights` sets an inference-free query side's static weights to the IDF of the training
documents (:func:`init_query_idf`, which the exported script carries verbatim); `workbench.export.train` writes the
same code (:func:`router_code`). Heavy imports happen inside functions.
"""

from __future__ import annotations

import copy

from .. import rules
from ..errors import WorkbenchError
from ..spec import INFERENCE_FREE, describe_asymmetric, route_learning_rates
from ..spec.router import ONES

IDF_FILE = "idf.json"  # the static query weights' starting table, {token: idf}, in the run folder


def make_router(model, asymmetric: dict, device: str | None = None):
    """The same family of model with a ``Router`` of a query side and a document side.

    The document side is the built model's modules (its weights, pooling, normalisation). The query side is a copy
    of them (``separate``), or one learned weight per vocabulary token (``inference-free``: the library's
    ``SparseStaticEmbedding`` over the document side's tokenizer, starting at 1 for every token until
    :func:`start_query_weights` sets the training documents' IDF).

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
    each dataset's loss matched) and ``learning_rate_mapping`` (each side with its own rate) into the training
    arguments.

    With several train sets (the trainer gets them by name) the mapping is per dataset (``{dataset name: {column:
    route}}``, as the library accepts it), so that each set's columns have the roles of its own format. With one
    train set, which the trainer gets on its own (the library's per-dataset lookup, by the batch's dataset name,
    would not reach it), it is one ``{column: route}`` for it and the eval sets the loss is scored on. Also for a base model that already has query/document sides (a saved Router model
    trained on). A ``router_mapping`` / ``learning_rate_mapping`` of the user's own in ``args`` is kept as given.

    Raises:
        WorkbenchError: a dataset the loss reads has no query/document roles (`rules.column_routes`), one column
            name has both roles where one mapping serves several datasets, or ``model.asymmetric`` asks for sides
            on a model that has them already.
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
    scored = [dp for dp in plan.of_split("eval") if dp.loss_scored]
    by_name: dict[str, dict[str, dict[str, str]]] = {}  # dataset name -> {"split/name": routes}
    for dp in [*plan.of_split("train"), *scored]:
        loss = dp.loss or plan.of_split("train")[0].loss
        fmt_ref = rules.verdict(loss, dp.shape).format_ref
        columns = [c for c in dp.prep.columns if c != "label"]
        by_name.setdefault(dp.name, {})[dp.key] = rules.column_routes(loss, fmt_ref, columns, dp.key)
    if (
        len(plan.of_split("train")) > 1
    ):  # (then the loss is not scored on eval sets: only train sets are routed)
        mapping = {name: rules.merge_routes(routes) for name, routes in by_name.items()}
        shown = "; ".join(f"{name}: {_shown(routes)}" for name, routes in mapping.items())
    else:
        mapping = rules.merge_routes({key: r for routes in by_name.values() for key, r in routes.items()})
        shown = _shown(mapping)
    user = plan.spec.args
    if "router_mapping" not in user:
        plan.args["router_mapping"] = mapping
        plan.notes.append(f"query/document columns (router_mapping): {shown}")
    rates = rules.learning_rate_mapping(route_learning_rates(asymmetric))
    if rates and "learning_rate_mapping" not in user:
        plan.args["learning_rate_mapping"] = rates
    plan.notes.append(
        f"model: {describe_asymmetric(asymmetric)}"
        if asymmetric
        else "model: its own query and document sides"
    )


def _shown(routes: dict[str, str]) -> str:
    return ", ".join(f"'{c}' -> {r}" for c, r in routes.items())


def document_columns(plan) -> dict[str, list[str]]:
    """The document-side columns of each train set (by name), as the training arguments' ``router_mapping``
    routes them (the workbench's, per dataset or one for all, or the user's own)."""
    mapping = plan.args.get("router_mapping") or {}
    if isinstance(mapping, str):  # the library also takes it as JSON text
        import json

        try:
            mapping = json.loads(mapping)
        except ValueError:
            mapping = {}
    nested = bool(mapping) and isinstance(next(iter(mapping.values())), dict)
    out = {}
    for dp in plan.of_split("train"):
        routes = mapping.get(dp.name, {}) if nested else mapping
        out[dp.name] = [c for c in dp.prep.columns if routes.get(c) == "document"]
    return out


def start_query_weights(plan, model) -> str | None:
    """An inference-free query side with ``query_init: "idf"``: its static weights set to the IDF of the train
    sets' document columns (:func:`init_query_idf`, the table kept as ``idf.json`` in the run folder); the note
    that says so (None: nothing to do)."""
    if not _starts_at_idf(plan.spec.model.asymmetric):
        return None
    columns = document_columns(plan)
    found = init_query_idf(model, plan.train, columns, plan.output_dir / IDF_FILE)
    where = "; ".join(f"{name}: {', '.join(cols)}" for name, cols in columns.items() if cols)
    if not found["documents"]:
        return f"inference-free query weights: no document text in the train sets ({where or 'no column'}): they start at 1"
    return (
        f"inference-free query weights start at the IDF of {found['documents']} distinct training documents "
        f"({where}): {found['tokens']} of {found['vocab']} vocabulary tokens occur in them "
        f"({found['tokens'] / found['vocab']:.1%}); the others start at 0, as the library's "
        f"SparseStaticEmbedding.from_json sets tokens its idf.json lacks (table: {IDF_FILE} in the run folder)"
    )


def _starts_at_idf(asymmetric: dict | None) -> bool:
    return bool(asymmetric) and asymmetric["kind"] == INFERENCE_FREE and asymmetric.get("query_init") != ONES


def init_query_idf(model, datasets, columns, path):
    """Set a Router model's static query weights (``SparseStaticEmbedding``) to the IDF of its documents.

    Each distinct text in ``columns[name]`` of ``datasets[name]`` (a list cell: each of its texts) is one document,
    tokenized as the query side tokenizes (no special tokens), truncated where the document side truncates. The
    IDF is BM25's, ln(1 + (N - df + 0.5) / (df + 0.5)) over N documents, df the documents holding the token. The
    table ``{token: idf}`` is written to ``path`` and loaded with the library's ``SparseStaticEmbedding.from_json``:
    a token no document holds gets its default, 0.

    Returns:
        ``{"documents": N, "tokens": tokens with an IDF, "vocab": vocabulary size}``; with no document text the
        weights are left as they are.
    """
    import json
    import math
    import os
    from collections import Counter

    import torch
    from sentence_transformers.sparse_encoder.modules import SparseStaticEmbedding

    static = model[0].sub_modules["query"][0]
    max_length = getattr(model[0].sub_modules["document"][0], "max_seq_length", None)
    texts = {}
    for name, cols in columns.items():
        for col in cols:
            for cell in datasets[name][col]:
                for text in cell if isinstance(cell, (list, tuple)) else [cell]:
                    if isinstance(text, str) and text.strip():
                        texts[text] = None
    texts = list(texts)
    vocab = static.get_embedding_dimension()
    if not texts:
        return {"documents": 0, "tokens": 0, "vocab": vocab}
    df = Counter()
    for start in range(0, len(texts), 1024):
        batch = static.tokenizer(
            texts[start : start + 1024], add_special_tokens=False, truncation=True, max_length=max_length
        )
        for ids in batch["input_ids"]:
            df.update(set(ids))
    n = len(texts)
    tokens = static.tokenizer.convert_ids_to_tokens(list(df))
    table = {tok: math.log(1 + (n - f + 0.5) / (f + 0.5)) for tok, f in zip(tokens, df.values(), strict=True)}
    path = str(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    part = f"{path}.{os.getpid()}"  # several launched processes write the same table: each replaces it whole
    with open(part, "w", encoding="utf-8") as f:
        json.dump(table, f, ensure_ascii=False)
    os.replace(part, path)
    loaded = SparseStaticEmbedding.from_json(path, tokenizer=static.tokenizer)
    with torch.no_grad():
        static.weight.copy_(loaded.weight.to(static.weight.device, static.weight.dtype))
    return {"documents": n, "tokens": len(table), "vocab": vocab}


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
            "    # Queries: one learned weight per vocabulary token (no network at query time), starting at "
            + ("1." if asymmetric.get("query_init") == "ones" else "1 until main() sets the documents' IDF."),
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


def query_idf_code(plan, w) -> str:
    """The exported ``main()``'s lines after ``model = build_model()`` that start the inference-free query weights
    at the IDF of the train sets' documents, with :func:`init_query_idf` itself (its source, verbatim) as a helper
    of the script: the same table as the run's (`start_query_weights`)."""
    if not _starts_at_idf(plan.spec.model.asymmetric):
        return ""
    import inspect

    w.helper(inspect.getsource(init_query_idf))
    columns = document_columns(plan)
    return (
        "    # Inference-free queries: the static weights start at the IDF of the train sets' document columns.\n"
        f"    idf = init_query_idf(model, train, {columns!r}, OUTPUT_DIR / {IDF_FILE!r})\n"
        "    print(f\"query weights: IDF of {idf['documents']} documents, {idf['tokens']} of {idf['vocab']} tokens\")\n"
    )
