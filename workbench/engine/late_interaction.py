"""Multi-vector (late-interaction, ColBERT-style) corpora for the playground: token embeddings per text, kept in
one file, and a query ranked against them with the model's own MaxSim (``MultiVectorEncoder.similarity``); and the
arguments of MultiVectorDistillationEvaluator from an eval dataset with the teacher's scores.

A multi-vector model gives each text a matrix (one row per token, a different number of rows per text), so the
corpus is stored as one token matrix plus each text's row offsets (``.npz``). Heavy imports happen inside the
functions.
"""

from __future__ import annotations

from pathlib import Path

SCORE_CHUNK = 256  # documents scored per similarity call (bounds the MaxSim intermediate's memory)


def encode_documents(model, texts: list[str]) -> list:
    """Each text's token embeddings (a float32 numpy array ``[tokens, dim]``), encoded as documents."""
    import numpy as np

    out = model.encode_document(texts, convert_to_numpy=True, show_progress_bar=False)
    return [np.asarray(tokens, dtype=np.float32) for tokens in out]


def pack(token_lists: list) -> dict:
    """The arrays that hold a list of token matrices in one ``.npz``: the rows stacked, and each text's offsets."""
    import numpy as np

    lengths = [len(t) for t in token_lists]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    width = token_lists[0].shape[1] if token_lists else 0
    rows = np.concatenate(token_lists) if token_lists else np.zeros((0, width), np.float32)
    return {"tokens": rows.astype(np.float32), "offsets": offsets}


def unpack(path: Path) -> list | None:
    """The token matrices of a ``.npz`` written from :func:`pack` (None: a torn or foreign file)."""
    import numpy as np

    try:
        with np.load(path) as data:
            rows, offsets = data["tokens"], data["offsets"]
    except (OSError, ValueError, KeyError):
        return None
    if offsets.ndim != 1 or len(offsets) < 1 or offsets[-1] != len(rows):
        return None
    return [rows[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def maxsim_ranking(model, query: str, documents: list) -> tuple[list[tuple[int, float]], object]:
    """Every document as (corpus_id, score), best first, scored with the model's own similarity (MaxSim, or
    MeanMaxSim when the model says so), and the query's token embeddings.

    Args:
        model: A MultiVectorEncoder.
        query: The query text (encoded as a query: its prefix, length and expansion).
        documents: Token matrices from :func:`encode_documents` / :func:`unpack`.
    """
    import torch

    q = model.encode_query([query], show_progress_bar=False)
    q = [t.detach().float().cpu() for t in q]
    scores = []
    for start in range(0, len(documents), SCORE_CHUNK):
        chunk = [torch.from_numpy(d) for d in documents[start : start + SCORE_CHUNK]]
        scores.append(model.similarity(q, chunk)[0].float().cpu())
    flat = torch.cat(scores) if scores else torch.zeros(0)
    order = torch.argsort(flat, descending=True, stable=True).tolist()
    return [(i, float(flat[i])) for i in order], q[0]


def maxsim_pair(model, text_a: str, text_b: str) -> float:
    """The model's score of ``text_b`` (as a document) for ``text_a`` (as a query)."""
    q = model.encode_query([text_a], show_progress_bar=False)
    d = model.encode_document([text_b], show_progress_bar=False)
    return float(model.similarity(q, d)[0][0])


def distillation_arguments(dataset, texts: list[str], name: str, where: str) -> dict | None:
    """MultiVectorDistillationEvaluator's queries, documents and teacher scores from a prepared eval dataset.

    Rows are (query, document) + the teacher's score (flat pairs: one global Spearman and KL), or (query,
    document_1, ..., document_n) + a list of the teacher's n scores (candidate sets: per-query Spearman and KL,
    as MultiVectorDistillKLDivLoss trains). None when the columns are not of either shape.

    Raises:
        WorkbenchError: a row's score list does not hold one number per document (names the row).
    """
    from ..errors import WorkbenchError

    def text(column: str) -> bool:
        return getattr(dataset.features[column], "dtype", None) in ("string", "large_string")

    if "label" not in dataset.column_names or len(texts) < 2 or not all(text(c) for c in texts):
        return None
    scores, queries = list(dataset["label"]), list(dataset[texts[0]])
    if len(texts) == 2:
        if any(isinstance(v, (list, str)) or v is None for v in scores):
            return None
        return {
            "queries": queries,
            "documents": list(dataset[texts[1]]),
            "scores": [float(v) for v in scores],
        }
    n = len(texts) - 1
    bad = next((i for i, v in enumerate(scores) if not isinstance(v, list) or len(v) != n), None)
    if bad is not None:
        raise WorkbenchError(
            f"{name} needs {n} teacher scores per row (one per document column); row {bad} of '{where}' has "
            f"{scores[bad]!r}.",
            fix="give each row a list with the teacher's score of each of its documents, in column order.",
            where="evaluators",
        )
    documents = [list(docs) for docs in zip(*(dataset[c] for c in texts[1:]), strict=True)]
    return {"queries": queries, "documents": documents, "scores": [[float(x) for x in v] for v in scores]}
