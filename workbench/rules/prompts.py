"""Prompts (instruction-style models): the checks on the ``prompts`` training argument against the run's train
datasets and columns, and the prompts the trained model is saved with so that ``encode(prompt_name=...)`` uses
them after loading (the trainer prepends them while training but never saves them: a known trap).

The training argument takes the library's three forms: one prompt for every text (``"query: "``), a prompt per
column (``{"anchor": "query: ", "positive": "passage: "}``) or per train dataset (``{"nli": {"anchor": ...},
"qa": "question: "}``).
"""

from __future__ import annotations

from .. import catalog as C
from ..errors import WorkbenchError

WHERE = "args.prompts"


def _text(value, where: str) -> str:
    if not isinstance(value, str):
        raise WorkbenchError(
            f"the prompt at {where} must be text, got {type(value).__name__} {value!r}.",
            fix='write it in quotes, e.g. "query: ", or remove it.',
            where=WHERE,
        )
    return value


def _column_prompts(value, columns: tuple[str, ...], where: str, model_type: str) -> dict[str, str]:
    """One dataset's prompts by column (a single prompt: for every column)."""
    if isinstance(value, str):
        return {c: value for c in columns}
    if not isinstance(value, dict):
        _text(value, where)
    if model_type == C.CROSS:
        raise WorkbenchError(
            f"a cross-encoder takes one prompt per dataset, not one per column (at {where}).",
            fix='give one text, e.g. "query: ", or {"DATASET": "prompt"} per train dataset: a cross-encoder '
            "joins its columns into one pair.",
            where=WHERE,
        )
    out = {}
    for column, prompt in value.items():
        if column not in columns:
            raise WorkbenchError(
                f"the prompt at {where} names column '{column}', which is not an input of the run.",
                fix=f"use one of the input columns: {', '.join(columns)}.",
                where=WHERE,
            )
        out[column] = _text(prompt, f"{where}.{column}")
    return out


def check_prompts(prompts, columns: dict[str, tuple[str, ...]], model_type: str) -> dict[str, dict[str, str]]:
    """Check the ``prompts`` training argument; every train dataset's prompts by column.

    Args:
        prompts: The argument (None, ``{}`` or ``""``: no prompts).
        columns: Each train dataset's input columns as the trainer sees them.
        model_type: Cross-encoders take one prompt per dataset only.

    Raises:
        WorkbenchError: a prompt that is not text, or one for a column or dataset the run does not have.
    """
    if prompts in (None, "", {}):
        return {}
    if isinstance(prompts, str):
        return {name: {c: prompts for c in cols} for name, cols in columns.items()}
    if not isinstance(prompts, dict):
        _text(prompts, WHERE)
    nested = any(isinstance(v, dict) for v in prompts.values())
    by_dataset = nested or (len(columns) > 1 and all(k in columns for k in prompts))
    if model_type == C.CROSS and not by_dataset and len(columns) == 1:
        by_dataset = set(prompts) <= set(columns)
    if by_dataset:
        unknown = [k for k in prompts if k not in columns]
        if unknown:
            raise WorkbenchError(
                f"the prompts name train dataset '{unknown[0]}', which the run does not have.",
                fix=f"train datasets: {', '.join(columns)}.",
                where=WHERE,
            )
        return {
            name: _column_prompts(value, columns[name], f"{WHERE}.{name}", model_type)
            for name, value in prompts.items()
        }
    all_columns = tuple(dict.fromkeys(c for cols in columns.values() for c in cols))
    flat = _column_prompts(prompts, all_columns, WHERE, model_type)
    return {name: {c: p for c, p in flat.items() if c in cols} for name, cols in columns.items()}


def model_prompts(
    per_set: dict[str, dict[str, str]], columns: dict[str, tuple[str, ...]], single: str | None = None
) -> tuple[dict[str, str], str | None, list[str]]:
    """The prompts the trained model is saved with, its default prompt name, and notes.

    Each prompted column's prompt under the column's name; the first input column's also as ``query`` and the
    other columns' (when they share one) as ``document``, the names ``encode_query`` / ``encode_document`` use.
    One prompt for every text (``single``) becomes the default prompt, since the model only saw prompted texts.

    Args:
        per_set: :func:`check_prompts`' answer.
        columns: Each train dataset's input columns, in order.
        single: The prompt when the argument is one text for everything.
    """
    if single is not None:
        return (
            {"query": single, "document": single},
            "query",
            [
                f"prompts: every text was trained with {single!r}: saved as the model's default prompt (query and "
                "document), so encode() adds it"
            ],
        )
    saved: dict[str, str] = {}
    notes: list[str] = []
    roles: dict[str, str] = {}
    for name, prompts in per_set.items():
        cols = columns[name]
        for column, prompt in prompts.items():
            if column in saved and saved[column] != prompt:
                notes.append(
                    f"prompts: column '{column}' has different prompts in different datasets; the model is saved "
                    f"with {saved[column]!r} (from the first)"
                )
                continue
            saved.setdefault(column, prompt)
        if cols and cols[0] in prompts:
            roles.setdefault("query", prompts[cols[0]])
        rest = {prompts[c] for c in cols[1:] if c in prompts}
        if len(rest) == 1:
            roles.setdefault("document", rest.pop())
    for role, prompt in roles.items():
        saved.setdefault(role, prompt)
    if saved:
        names = ", ".join(f"{k}={v!r}" for k, v in saved.items())
        notes.insert(0, f"prompts saved with the model (encode(x, prompt_name=NAME) uses them): {names}")
    return saved, None, notes


# The constructor arguments that take prompts, per kind of evaluator of the installed library (checked by name
# against each evaluator's signature): information retrieval, NanoBEIR, and the cross-encoders' predict().
IR_PROMPTS = ("query_prompt", "corpus_prompt")
NANO_PROMPTS = ("query_prompts", "corpus_prompts")
CE_PROMPT = "prompt_name"


def evaluator_prompts(saved: dict[str, str], params, columns) -> tuple[dict[str, str], dict[str, str]]:
    """How an evaluator measures a prompted model with the prompts it trained with.

    Evaluators that take prompts get them as arguments; the others encode their texts as given, so each column's
    prompt is put before its texts (what the trainer did to the train columns). A column takes the prompt saved
    under its own name, else the query prompt (first column) or the document prompt (the others).

    Args:
        saved: The prompts the model is saved with (:func:`model_prompts`); empty: none.
        params: The evaluator constructor's parameter names.
        columns: The evaluator dataset's input columns, in order (empty for BEIR files and NanoBEIR).

    Returns:
        (constructor arguments, {column: prompt to put before its texts}).
    """
    if not saved:
        return {}, {}
    query, document = saved.get("query"), saved.get("document")
    params = set(params)
    for names in (IR_PROMPTS, NANO_PROMPTS):
        if set(names) <= params:
            return {k: v for k, v in zip(names, (query, document), strict=True) if v}, {}
    if CE_PROMPT in params:
        return ({CE_PROMPT: "query"} if query else {}), {}
    prefixes = {}
    for i, column in enumerate(columns):
        prompt = saved.get(column, query if i == 0 else document)
        if prompt:
            prefixes[column] = prompt
    return {}, prefixes


def evaluator_prompts_note(name: str, kwargs: dict[str, str], prefixes: dict[str, str]) -> str | None:
    """The plan's note on the prompts an evaluator measures with (None: none)."""
    given = [f"{k}={v!r}" for k, v in {**kwargs, **prefixes}.items()]
    if not given:
        return None
    how = "as arguments" if kwargs else "put before each column's texts"
    return f"evaluator {name} measures with the prompts the model trains with ({how}): {', '.join(given)}"
