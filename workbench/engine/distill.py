"""Distillation's parts that need a model: the teacher's targets (embeddings of a text column with
``SentenceTransformer.encode``, or a cross-encoder's scores of (query, positive, negative...) rows with
``CrossEncoder.predict``), the check that no target is NaN or infinite, and a student made of the teacher's first
k transformer layers.

Keeping the first k layers follows the library's layer-reduction distillation example
(``examples/sentence_transformer/training/distillation/model_distillation_layer_reduction.py``): load the
teacher a second time, replace the encoder's ``nn.ModuleList`` of layers by its first k, and set the
transformers config's layer count to k, so the saved student loads as a k-layer model. Embeddings, pooling and
normalisation are the teacher's, so the student starts close to the teacher and its embeddings have the same size
(MSELoss needs no projection).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import WorkbenchError

ENCODE_CHUNK = 256  # texts per encode call: the progress reports after each chunk
# Where transformers models keep their layers (BERT/RoBERTa/XLM-R/MPNet, DistilBERT, decoder-style models).
_LAYER_PATHS = (("encoder", "layer"), ("transformer", "layer"), ("layers",), ("model", "layers"))
LAYER_COUNT_KEYS = ("num_hidden_layers", "n_layers", "num_layers")

Progress = Callable[[int, int], None]


def _transformer(model):
    """The model's transformers module (the first module of a SentenceTransformer, or a CrossEncoder's)."""
    first = model[0] if hasattr(model, "__getitem__") else model
    auto = getattr(first, "auto_model", None) or getattr(model, "model", None)
    if auto is None:
        raise WorkbenchError(
            "the model has no transformer whose layers can be counted or kept.",
            fix="use a transformer-based model (BERT, MiniLM, MPNet, ...) as the teacher.",
            where="teacher",
        )
    return auto


def _layer_list(auto):
    """(owner, attribute name, the ``nn.ModuleList`` of layers) of a transformers model."""
    import torch

    for path in _LAYER_PATHS:
        owner = auto
        for part in path[:-1]:
            owner = getattr(owner, part, None)
        layers = getattr(owner, path[-1], None) if owner is not None else None
        if isinstance(layers, torch.nn.ModuleList) and len(layers):
            return owner, path[-1], layers
    raise WorkbenchError(
        f"cannot find the layers of this {type(auto).__name__} model.",
        fix="give a smaller student model instead of keeping the teacher's first layers.",
        where="keep_layers",
    )


def layer_count(model) -> int:
    """How many transformer layers the model has."""
    return len(_layer_list(_transformer(model))[2])


def keep_first_layers(model, keep: int):
    """Cut ``model`` (a SentenceTransformer) down to its first ``keep`` transformer layers, in place.

    Raises:
        WorkbenchError: ``keep`` is not between 1 and the model's layer count - 1.
    """
    import torch

    from ..rules.distill import check_keep_layers

    auto = _transformer(model)
    owner, name, layers = _layer_list(auto)
    check_keep_layers(keep, len(layers))
    setattr(owner, name, torch.nn.ModuleList(list(layers)[:keep]))
    for key in LAYER_COUNT_KEYS:
        if hasattr(auto.config, key):
            setattr(auto.config, key, keep)
    # Models that list a type per layer (e.g. sliding vs full attention) must list as many as they keep.
    if isinstance(getattr(auto.config, "layer_types", None), list):
        auto.config.layer_types = auto.config.layer_types[:keep]
    return model


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def check_targets(values, what: str) -> None:
    """Refuse NaN or infinite teacher targets before training (they would make every loss NaN).

    Args:
        values: The targets: one row per training row (a vector, a list of scores or one margin).
        what: What they are, for the message ("embeddings", "scores").

    Raises:
        WorkbenchError: names how many rows are bad and the first one.
    """
    import numpy as np

    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        raise WorkbenchError(f"the teacher gave no {what}: there are no rows to distil on.", where="teacher")
    bad = ~np.isfinite(arr.reshape(arr.shape[0], -1)).all(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise WorkbenchError(
            f"the teacher's {what} are NaN or infinite for {int(bad.sum())} of {arr.shape[0]} rows (the first is "
            f"row {first}); training on them would make the loss NaN.",
            fix="check the teacher model (a broken or half-precision checkpoint gives NaN), or remove empty or "
            "very long texts from the data.",
            where="teacher",
        )


def teacher_embeddings(
    teacher, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
):
    """The teacher's embeddings of ``texts`` (a float32 array, one row per text), checked for NaN.

    Args:
        teacher: A SentenceTransformer.
        progress: Called with (texts done, texts in all) after every chunk of :data:`ENCODE_CHUNK` texts.
    """
    import numpy as np

    texts = [str(t) for t in texts]
    parts = []
    for start in range(0, len(texts), ENCODE_CHUNK):
        chunk = texts[start : start + ENCODE_CHUNK]
        parts.append(
            teacher.encode(chunk, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
        )
        if progress:
            progress(start + len(chunk), len(texts))
    out = np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, 0), dtype=np.float32)
    check_targets(out, "embeddings")
    return out


def teacher_scores(
    cross, rows: Sequence[Sequence[str]], *, batch_size: int = 64, progress: Progress | None = None
):
    """A cross-encoder's scores of each (query, positive, negative_1, ...) row: an array (rows, 1 + negatives)
    holding ``score(query, positive)`` then ``score(query, negative_i)``, checked for NaN.

    Args:
        cross: A CrossEncoder (one output).
        rows: (query, positive, negative...) texts, every row as long.
        progress: Called with (rows done, rows in all).
    """
    import numpy as np

    rows = [[str(t) for t in row] for row in rows]
    width = len(rows[0]) - 1 if rows else 0
    if width < 2 or any(len(r) != width + 1 for r in rows):
        raise WorkbenchError(
            "a cross-encoder teacher scores (query, positive, negative...) rows: give at least three columns.",
            fix="name the query, the positive and one or more negative columns (e.g. anchor,positive,negative).",
            where="columns",
        )
    per_chunk = max(1, ENCODE_CHUNK // width)
    scores = []
    for start in range(0, len(rows), per_chunk):
        chunk = rows[start : start + per_chunk]
        pairs = [(row[0], doc) for row in chunk for doc in row[1:]]
        got = cross.predict(pairs, batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True)
        got = np.asarray(got, dtype=np.float32)
        if got.ndim != 1:
            raise WorkbenchError(
                f"the cross-encoder gives {got.shape[-1]} scores per pair; a teacher must give one.",
                fix="use a cross-encoder trained to score relevance (one output).",
                where="teacher",
            )
        scores.append(got.reshape(len(chunk), width))
        if progress:
            progress(start + len(chunk), len(rows))
    out = np.concatenate(scores) if scores else np.zeros((0, width), dtype=np.float32)
    check_targets(out, "scores")
    return out


def margins(scores):
    """MarginMSELoss's targets: ``score(q, positive) - score(q, negative_i)`` for each negative."""
    return scores[:, :1] - scores[:, 1:]
