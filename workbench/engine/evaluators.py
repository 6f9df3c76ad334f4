"""Build the library's evaluators from prepared datasets (inputs in order, ``label`` last) or BEIR files.

The catalog says which evaluators exist and what data they need; this module turns a prepared dataset into the
constructor arguments each one takes, and names the evaluator's primary metric the way the library reports it.
"""

from __future__ import annotations

import csv
import inspect
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import catalog as C
from .. import rules
from ..data.confine import confined
from ..errors import WorkbenchError, nearest
from .late_interaction import distillation_arguments


def _columns(dataset) -> tuple[list[str], str | None]:
    names = list(dataset.column_names)
    label = "label" if "label" in names else None
    return [n for n in names if n != "label"], label


def _describe(dataset, label: str | None) -> str:
    n = len(dataset.column_names)
    return f"{n} column{'s' if n != 1 else ''} ({', '.join(dataset.column_names)})" + (
        "" if label else ", no label"
    )


def _wording(spec: C.EvaluatorSpec) -> str:
    data = C.EVAL_DATA.get(spec.needs)
    return data.wording if data else spec.needs


def _misfit(spec: C.EvaluatorSpec, where: str, dataset, label: str | None) -> WorkbenchError:
    return WorkbenchError(
        f"{spec.name} needs {_wording(spec)}; '{where}' has {_describe(dataset, label)}.",
        fix="map the eval dataset's columns to that shape (columns / label), or choose an evaluator that fits.",
        where="evaluators",
    )


def _text_values(dataset, column: str) -> list:
    return list(dataset[column])


def _constructor_params(cls, params: dict, spec: C.EvaluatorSpec) -> dict:
    """Check the user's parameters against the constructor and convert the ones given by name."""
    sig = inspect.signature(cls.__init__)
    accepts_kwargs = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    valid = [n for n in sig.parameters if n != "self"]
    out = {}
    for key, value in (params or {}).items():
        if key not in valid and not accepts_kwargs:
            guess = nearest(key, valid)
            raise WorkbenchError(
                f"{spec.name} has no parameter '{key}'.",
                fix=(f"did you mean '{guess}'? " if guess else "") + f"Parameters: {', '.join(valid)}.",
                where="evaluators.params",
            )
        # Converted as a loss parameter is (similarity_fct named as text -> the function), by the entry of
        # catalog.params that also writes its code in the exported script.
        out[key] = C.build_value(None, key, value, cls, load_model=None)  # no evaluator takes a model
    return out


def build_evaluator(
    choice, spec: C.EvaluatorSpec, dataset, name: str, model_type: str, prompts: dict[str, str] | None = None
):
    """Construct one evaluator of the installed library.

    Args:
        choice: The config's ``EvaluatorChoice`` (its ``params`` go to the constructor; ``queries`` / ``corpus`` /
            ``qrels`` name BEIR files for the information-retrieval evaluators).
        spec: The catalog entry (what data it needs).
        dataset: The PREPARED dataset (inputs in order, ``label`` last), or None for BEIR files / NanoBEIR.
        name: The evaluator's name (prefix of its metric keys).
        model_type: ``sentence-transformer`` / ``sparse-encoder`` / ``cross-encoder`` / ``multi-vector``.
        prompts: The prompts the model trains with and is saved with (`rules.model_prompts`), when no default
            prompt covers every text: the evaluator measures with them (`rules.evaluator_prompts`).

    Returns:
        The evaluator instance.

    Raises:
        WorkbenchError: the dataset does not have the shape the evaluator needs, BEIR files are missing, or a
            parameter is unknown.
    """
    cls = C.resolve_evaluator(spec)
    params = _constructor_params(cls, dict(choice.params or {}), spec)
    prompt_args, prefixes = prompt_plan(spec, dataset, prompts)
    params = {**prompt_args, **params}  # a prompt the config gives the evaluator wins
    if prefixes:
        dataset = with_prompts(dataset, prefixes)
    where = choice.dataset or name
    if spec.needs == C.E_NONE:
        return _construct(cls, spec, params)
    if spec.needs == C.E_IR and (choice.queries or choice.corpus or choice.qrels):
        queries, corpus, relevant = load_beir(choice.queries, choice.corpus, choice.qrels)
        return _construct(
            cls,
            spec,
            {"queries": queries, "corpus": corpus, "relevant_docs": relevant, "name": name, **params},
        )
    if dataset is None:
        raise WorkbenchError(
            f"{spec.name} needs a dataset.",
            fix="set its 'dataset' to 'eval/NAME' or 'test/NAME'.",
            where="evaluators",
        )
    texts, label = _columns(dataset)
    kwargs = _arguments(spec, dataset, texts, label, where, model_type)
    return _construct(cls, spec, {**kwargs, "name": name, **params})


def prompt_plan(spec: C.EvaluatorSpec, dataset, prompts: dict[str, str] | None) -> tuple[dict, dict]:
    """`rules.evaluator_prompts` for this evaluator of the installed library on its prepared dataset."""
    texts = _columns(dataset)[0] if dataset is not None else []
    params = inspect.signature(C.resolve_evaluator(spec).__init__).parameters
    return rules.evaluator_prompts(prompts or {}, params, texts)


def with_prompts(dataset, prefixes: dict[str, str]):
    """The dataset with each prompt put before its column's texts (a list of texts: before each)."""

    def prompted(row: dict) -> dict:
        out = {}
        for column, prompt in prefixes.items():
            value = row[column]
            out[column] = [prompt + v for v in value] if isinstance(value, list) else prompt + value
        return out

    return dataset.map(prompted)


def _construct(cls, spec: C.EvaluatorSpec, kwargs: dict):
    try:
        return cls(**kwargs)
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. NanoBEIR offline, or the library's own data checks
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkbenchError(
            f"{spec.name} could not be built: {reason[:300]}",
            fix="check the evaluator's data and parameters."
            + ("" if spec.offline else " It downloads its data from the Hub: you must be online."),
            where="evaluators",
        ) from exc


def _is_text(dataset, column: str) -> bool:
    feature = dataset.features[column]
    return getattr(feature, "dtype", None) in ("string", "large_string")


def _is_text_list(dataset, column: str) -> bool:
    inner = getattr(dataset.features[column], "feature", None)
    return inner is not None and getattr(inner, "dtype", None) in ("string", "large_string")


def _arguments(
    spec: C.EvaluatorSpec, dataset, texts: list[str], label: str | None, where: str, model_type: str
) -> dict[str, Any]:
    """The constructor arguments from a prepared dataset, as ``catalog.EVAL_DATA`` describes its data kind."""
    data = C.EVAL_DATA.get(spec.needs)
    if data is None:
        raise _misfit(spec, where, dataset, label)
    if data.ranking == "distill":
        found = distillation_arguments(dataset, texts, spec.name, where)
        if found is None:
            raise _misfit(spec, where, dataset, label)
        return found
    if data.ranking:
        return _ranking_arguments(spec, data, dataset, texts, label, where)
    all_text = all(_is_text(dataset, c) for c in texts)
    if len(texts) != len(data.columns) or (label is None) != (data.label is None) or not all_text:
        raise _misfit(spec, where, dataset, label)
    columns = [_text_values(dataset, t) for t in texts]
    cross = data.pairs and model_type == C.CROSS
    if cross:
        kwargs: dict[str, Any] = {"sentence_pairs": [list(p) for p in zip(*columns, strict=True)]}
    else:
        kwargs = dict(zip(data.columns, columns, strict=True))
    if data.label is None:
        return kwargs
    values = list(dataset["label"])
    if any(isinstance(v, (list, str)) or v is None for v in values):
        raise _misfit(spec, where, dataset, label)
    name, cast = data.label
    kwargs[name] = [cast(v) for v in values]
    if data.binary and not cross and any(v not in (0, 1) or float(v) != int(v) for v in values):
        raise WorkbenchError(
            f"{spec.name} needs 0/1 labels; '{where}' has labels {sorted(set(values))[:6]}.",
            fix="use a 0/1 label column, or EmbeddingSimilarityEvaluator for scores.",
            where="evaluators",
        )
    return kwargs


def _ranking_arguments(
    spec, data: C.EvalData, dataset, texts: list[str], label: str | None, where: str
) -> dict:
    samples = _ranking_samples(dataset, texts, label)
    if samples is None:
        raise _misfit(spec, where, dataset, label)
    if data.ranking == "ir":
        return ir_from_samples(samples)
    usable = [s for s in samples if s["positive"] and s["negative"]]
    if not usable:
        raise WorkbenchError(
            f"{spec.name} needs queries with at least one positive and one negative; '{where}' has none.",
            fix="add negative columns (query, positive, negative) or mine hard negatives first.",
            where="evaluators",
        )
    return {"samples": usable}


def _ranking_samples(dataset, texts: list[str], label: str | None) -> list[dict] | None:
    """Group rows into ``{"query", "positive": [...], "negative": [...]}`` samples, one per distinct query.

    Accepted rows: (query, positive, negative...) texts without label; (query, document) + a numeric label
    (relevant when > 0); (query, [documents]) + [labels] (cross-encoder listwise data).
    """
    if len(texts) < 2 or not _is_text(dataset, texts[0]):
        return None
    grouped: dict[str, dict] = {}

    def sample(query: str) -> dict:
        return grouped.setdefault(query, {"query": query, "positive": [], "negative": []})

    def add(bucket: list, doc) -> None:
        if doc not in bucket:
            bucket.append(doc)

    queries = list(dataset[texts[0]])
    if len(texts) == 2 and label is not None and _is_text_list(dataset, texts[1]):
        for query, docs, labels in zip(queries, dataset[texts[1]], dataset["label"], strict=True):
            for doc, value in zip(docs, labels, strict=False):
                add(sample(query)["positive" if float(value) > 0 else "negative"], doc)
        return list(grouped.values())
    if not all(_is_text(dataset, c) for c in texts):
        return None
    if label is not None:
        if len(texts) != 2:
            return None
        for query, doc, value in zip(queries, dataset[texts[1]], dataset["label"], strict=True):
            if isinstance(value, (list, str)) or value is None:
                return None
            add(sample(query)["positive" if float(value) > 0 else "negative"], doc)
        return list(grouped.values())
    columns = [list(dataset[c]) for c in texts[1:]]
    for i, query in enumerate(queries):
        entry = sample(query)
        add(entry["positive"], columns[0][i])
        for col in columns[1:]:
            add(entry["negative"], col[i])
    return list(grouped.values())


def ir_from_samples(samples: Sequence[dict]) -> dict:
    """Queries, corpus and relevant documents for InformationRetrievalEvaluator from ranking samples.

    Every positive and negative becomes a corpus document (deduplicated by text); a query's positives are its
    relevant documents. Queries without a positive are left out.
    """
    corpus_ids: dict[str, str] = {}
    queries: dict[str, str] = {}
    relevant: dict[str, set[str]] = {}

    def doc_id(text: str) -> str:
        return corpus_ids.setdefault(text, f"d{len(corpus_ids)}")

    for entry in samples:
        ids = {doc_id(doc) for doc in entry["positive"]}
        for doc in entry["negative"]:
            doc_id(doc)
        if ids:
            qid = f"q{len(queries)}"
            queries[qid] = entry["query"]
            relevant[qid] = ids
    corpus = {cid: text for text, cid in corpus_ids.items()}
    return {"queries": queries, "corpus": corpus, "relevant_docs": relevant}


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def _read_qrels(qrels_path: Path) -> dict[str, set[str]]:
    """query id -> the corpus ids with a positive score, from a TSV (with or without header) or JSON Lines."""
    relevant: dict[str, set[str]] = {}
    if qrels_path.suffix.lower() in (".jsonl", ".json"):
        rows = [
            (
                r.get("query_id", r.get("query-id")),
                r.get("corpus_id", r.get("corpus-id")),
                r.get("score", 1),
            )
            for r in _read_jsonl(qrels_path)
        ]
    else:
        with open(qrels_path, encoding="utf8", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            header = next(reader, None)
            if header and header[0].strip().lower() not in ("query-id", "query_id", "qid"):
                rows = [tuple(header)]
            else:
                rows = []
            rows += [tuple(r) for r in reader if r]
    for row in rows:
        qid, cid = str(row[0]).strip(), str(row[1]).strip()
        score = float(row[2]) if len(row) > 2 and row[2] not in (None, "") else 1.0
        if score > 0:
            relevant.setdefault(qid, set()).add(cid)
    return relevant


def load_beir(queries: str | None, corpus: str | None, qrels: str | None):
    """Read BEIR-style files into (queries, corpus, relevant_docs).

    Args:
        queries: ``queries.jsonl`` with ``{"_id", "text"}`` rows.
        corpus: ``corpus.jsonl`` with ``{"_id", "title", "text"}`` rows (title and text joined with a space).
        qrels: A TSV with a header (``query-id  corpus-id  score``) or JSON Lines with
            ``{"query_id", "corpus_id", "score"}``; only rows with a positive score count.

    Returns:
        Only the queries that appear in the qrels (with a positive score); the whole corpus.

    Raises:
        WorkbenchError: a file is missing or unreadable.
    """
    paths = {"queries": queries, "corpus": corpus, "qrels": qrels}
    for key, value in paths.items():
        if not value:
            raise WorkbenchError(
                f"BEIR evaluation needs '{key}' too (queries, corpus and qrels files).",
                where=f"evaluators.{key}",
            )
        confined(value, f"the BEIR {key} file", where=f"evaluators.{key}")
        if not Path(value).is_file():
            raise WorkbenchError(
                f"{key} file '{value}' does not exist.", fix="check the path.", where=f"evaluators.{key}"
            )
    try:
        relevant = _read_qrels(Path(qrels))
        all_queries = {str(r["_id"]): r["text"] for r in _read_jsonl(Path(queries))}
        docs = {
            str(r["_id"]): f"{r.get('title') or ''} {r.get('text') or ''}".strip()
            for r in _read_jsonl(Path(corpus))
        }
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise WorkbenchError(
            f"the BEIR files could not be read: {exc}",
            fix="queries/corpus must be JSON Lines with _id and text; qrels a TSV with a "
            "query-id, corpus-id, score header or JSON Lines.",
            where="evaluators",
        ) from None
    picked = {qid: text for qid, text in all_queries.items() if qid in relevant}
    relevant = {qid: cids for qid, cids in relevant.items() if qid in picked}
    if not picked:
        raise WorkbenchError(
            "no query of the queries file appears in the qrels.",
            fix="check that the qrels' query ids match the queries' _id values.",
            where="evaluators",
        )
    return picked, docs, relevant


_SIMILARITY_NAMES = ("cosine", "dot", "euclidean", "manhattan")


def metric_key(evaluator, model=None) -> str:
    """The evaluator's primary metric key as the library reports it (with the evaluator-name prefix).

    After the first call the evaluator knows its primary metric. Before it, some evaluators derive it from the
    model's similarity function: the catalog's documented default is used, with the similarity function of
    ``model`` (when given) in place of the default one (a SparseEncoder scores with ``dot``). The trainer reports
    the same key with an ``eval_`` prefix.
    """
    primary = getattr(evaluator, "primary_metric", None)
    if primary is None:
        cls_name = type(evaluator).__name__
        found = [e for e in C.EVALUATORS if e.name == cls_name]
        primary = found[0].primary if found else "score"
        own = getattr(evaluator, "similarity_fn_names", None) or []
        similarity = own[0] if len(own) == 1 else getattr(model, "similarity_fn_name", None)
        if similarity in _SIMILARITY_NAMES:
            for default in _SIMILARITY_NAMES:
                if default in primary.split("_"):
                    primary = "_".join(similarity if part == default else part for part in primary.split("_"))
                    break
    name = getattr(evaluator, "name", "") or ""
    if name and not primary.startswith(name + "_"):
        return f"{name}_{primary}"
    return primary
