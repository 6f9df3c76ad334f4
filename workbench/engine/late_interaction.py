"""Multi-vector (late-interaction, ColBERT-style) corpora for the playground: token embeddings per text, kept in
one file, and a query ranked against them with the model's own MaxSim (``MultiVectorEncoder.similarity``).

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
