"""Per-item scores for the paired bootstrap of :mod:`.quality`: encode an evaluator's own test data with a model
(:func:`item_scores`), or record them each time the Runner calls a wrapped evaluator (:class:`ItemRecorder`:
baseline, then final), so that the model trained in place is scored before and after. Heavy imports happen inside
functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .quality import AP, MEAN, N_BOOT, SPEARMAN, bootstrap_delta


def ndcg_at_k(ranked_ids: Sequence[str], relevant: set, k: int = 10) -> float:
    """Binary-relevance nDCG@k, computed as the library's InformationRetrievalEvaluator does."""
    dcg = sum(1.0 / math.log2(rank + 2) for rank, cid in enumerate(ranked_ids[:k]) if cid in relevant)
    idcg = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return dcg / idcg if idcg > 0 else 0.0


def item_scores(evaluator, model, cache: dict | None = None) -> dict[str, Any]:
    """Per-item scores of ``model`` on an evaluator's own test data, for :func:`bootstrap_delta`.

    Supports EmbeddingSimilarityEvaluator (cosine per pair), BinaryClassificationEvaluator (cosine per pair),
    TripletEvaluator (1 when the positive is closer than the negative), their Sparse* counterparts (the model's
    similarity instead of the cosine), CrossEncoderClassificationEvaluator with one output (predicted score per
    pair) and CrossEncoderCorrelationEvaluator. Information-retrieval evaluators are scored by :class:`ItemRecorder`
    (it reuses the evaluator's own ranking instead of encoding the corpus a second time).

    Args:
        evaluator: The library's evaluator (its data is read from its attributes).
        model: The model to score.
        cache: Optional text -> embedding of texts the evaluator has just encoded with ``model``; only the texts
            missing from it are encoded.

    Returns:
        ``{"kind", "scores", "gold"}``: the arguments :func:`bootstrap_delta` takes.

    Raises:
        TypeError: the evaluator is not one of the supported kinds.
    """
    import numpy as np

    name = type(evaluator).__name__
    if name.startswith("CrossEncoder"):
        pairs = [list(p) for p in evaluator.sentence_pairs]
        preds = np.asarray(
            model.predict(pairs, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
        )
        if preds.ndim > 1:
            raise TypeError(f"{name} with {preds.shape[1]} outputs has no per-pair score to bootstrap")
        texts = [_pair_text(*p) for p in pairs]
        if name == "CrossEncoderClassificationEvaluator":
            gold = np.asarray(evaluator.labels, dtype=float)
            return {"kind": AP, "scores": preds, "gold": gold, "texts": texts}
        if name == "CrossEncoderCorrelationEvaluator":
            gold = np.asarray(evaluator.scores, dtype=float)
            return {"kind": SPEARMAN, "scores": preds, "gold": gold, "texts": texts}
    base_name = name.removeprefix("Sparse")
    if base_name in ("EmbeddingSimilarityEvaluator", "BinaryClassificationEvaluator"):
        sims = _pair_scores(
            model, evaluator.sentences1, evaluator.sentences2, sparse=name != base_name, cache=cache
        )
        texts = [_pair_text(a, b) for a, b in zip(evaluator.sentences1, evaluator.sentences2, strict=True)]
        if base_name == "EmbeddingSimilarityEvaluator":
            gold = np.asarray(evaluator.scores, dtype=float)
            return {"kind": SPEARMAN, "scores": sims, "gold": gold, "texts": texts}
        gold = np.asarray(evaluator.labels, dtype=float)
        return {"kind": AP, "scores": sims, "gold": gold, "texts": texts}
    if base_name == "TripletEvaluator":
        sparse = name != base_name
        # Anchors are queries, positives and negatives documents, as the evaluator encodes them.
        qd = ("query", "document")
        pos = _pair_scores(
            model, evaluator.anchors, evaluator.positives, sparse=sparse, cache=cache, routes=qd
        )
        neg = _pair_scores(
            model, evaluator.anchors, evaluator.negatives, sparse=sparse, cache=cache, routes=qd
        )
        texts = [_pair_text(a, p) for a, p in zip(evaluator.anchors, evaluator.positives, strict=True)]
        return {"kind": MEAN, "scores": (pos > neg).astype(float), "gold": None, "texts": texts}
    raise TypeError(f"no per-item scores for {name}")


TEXT_CHARS = 160  # an item's text in items.json: enough to recognise it in a table


def _clip(text) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…"


def _pair_text(*texts) -> str:
    return " | ".join(_clip(t) for t in texts)


def _pair_scores(
    model,
    left: Sequence[str],
    right: Sequence[str],
    *,
    sparse: bool,
    cache: dict | None = None,
    routes: tuple = (None, None),
):
    """Per-pair similarity: the cosine for dense models (as the dense evaluators report), the model's own
    similarity (dot) for sparse ones. Each distinct text is encoded once per route, and not at all when it is in
    ``cache`` (keyed by ``(route, text)``). ``routes``: how the left and right texts are encoded, as the evaluator
    did (``"query"``: ``encode_query``, ``"document"``: ``encode_document``, None: ``encode``), so a model with
    separate query and document sides is scored as it was evaluated."""
    import numpy as np
    import torch

    keys = list(dict.fromkeys([*((routes[0], t) for t in left), *((routes[1], t) for t in right)]))
    cache = cache or {}
    fresh: dict = {}
    for route in dict.fromkeys(r for r, _ in keys):
        missing = [t for r, t in keys if r == route and (r, t) not in cache]
        if not missing:
            continue
        encode = {"query": "encode_query", "document": "encode_document"}.get(route, "encode")
        out = getattr(model, encode)(missing, batch_size=64, convert_to_tensor=True, show_progress_bar=False)
        if getattr(out, "is_sparse", False):
            out = out.to_dense()
        fresh.update(((route, t), e) for t, e in zip(missing, out, strict=True))
    emb = torch.stack([torch.as_tensor(cache[k]) if k in cache else fresh[k] for k in keys])
    pos = {k: i for i, k in enumerate(keys)}
    a = emb[torch.tensor([pos[(routes[0], t)] for t in left])]
    b = emb[torch.tensor([pos[(routes[1], t)] for t in right])]
    if sparse:
        sims = model.similarity_pairwise(a, b)
    else:
        sims = torch.nn.functional.cosine_similarity(a, b, dim=-1)
    return np.asarray(sims.detach().cpu().float().numpy(), dtype=float)


class ItemRecorder:
    """Wraps an evaluator; each call evaluates as usual and also records the model's per-item scores.

    The Runner evaluates the same evaluator on the base model (baseline) and on the trained model (final); the
    model is trained in place, so the per-item scores must be taken at those moments. ``records`` holds one
    ``{"kind", "scores", "gold", "metric"}`` dict per call.

    Information-retrieval evaluators: the library hands its per-query ranking to ``compute_metrics``; the recorder
    catches that ranking and computes each query's nDCG@10 from it, so the corpus is encoded only once per call.
    Everything else is read through the wrapped evaluator (``primary_metric``, ``name``, ...).
    """

    def __init__(self, evaluator):
        self.__dict__["_inner"] = evaluator
        self.__dict__["records"] = []
        self.__dict__["errors"] = []  # why a call recorded no per-item scores (an evaluator of another kind)

    @property
    def __class__(self):
        # isinstance() checks fall through to the wrapped evaluator's class: the trainer only accepts evaluators
        # (anything else it tries to iterate as a list of them).
        return type(self._inner)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __setattr__(self, name, value):
        setattr(self._inner, name, value)

    def __call__(self, model, *args, **kwargs):
        import time

        inner = self._inner
        started = time.monotonic()
        rankings: list = []
        cache: dict = {}
        ir = hasattr(inner, "relevant_docs") and hasattr(inner, "compute_metrics")
        patched = "compute_metrics" if ir else "embed_inputs" if hasattr(inner, "embed_inputs") else None
        if ir:
            original = inner.compute_metrics

            def capture(queries_result_list, *a, **kw):
                rankings.append(queries_result_list)
                return original(queries_result_list, *a, **kw)

            inner.compute_metrics = capture
        elif patched:
            # Keep the embeddings the evaluator computes, so the per-item scores need no second encoding.
            original_embed = inner.embed_inputs

            def remember(model_, sentences, *a, **kw):
                out = original_embed(model_, sentences, *a, **kw)
                quantized = (kw.get("precision") or getattr(inner, "precision", None)) not in (
                    None,
                    "float32",
                )
                if (
                    not a
                    and not quantized
                    and not getattr(out, "is_sparse", False)
                    and len(out) == len(sentences)
                ):
                    route = kw.get("encode_fn_name")  # "query" / "document" / None, as the evaluator encoded
                    cache.update(
                        ((route, t), e) for t, e in zip(sentences, out, strict=True) if isinstance(t, str)
                    )
                return out

            inner.embed_inputs = remember
        try:
            result = inner(model, *args, **kwargs)
        finally:
            if patched:
                delattr(inner, patched)
        eval_s = time.monotonic() - started
        started = time.monotonic()
        try:
            record = self._ir_record(rankings) if ir else item_scores(inner, model, cache)
        except Exception as exc:  # noqa: BLE001 - per-item scores are extra: never lose the evaluation for them
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return result
        record["extra_s"] = time.monotonic() - started
        record["eval_s"] = eval_s
        self.records.append(record)
        return result

    def _ir_record(self, rankings: list) -> dict[str, Any]:
        import numpy as np

        inner = self._inner
        if not rankings:
            raise TypeError(f"{type(inner).__name__} did not hand its ranking to compute_metrics")
        k = max(getattr(inner, "ndcg_at_k", [10]))
        ranking = rankings[0]  # one per similarity function; the model's own comes first
        values, ranks = [], []
        for qid, hits in zip(inner.queries_ids, ranking, strict=True):
            top = [h["corpus_id"] for h in sorted(hits, key=lambda h: (-h["score"], h["corpus_id"]))]
            relevant = inner.relevant_docs[qid]
            values.append(ndcg_at_k(top, relevant, k))
            # The rank of the first relevant document among the hits the evaluator kept (None: below them).
            ranks.append(next((r + 1 for r, cid in enumerate(top) if cid in relevant), None))
        return {
            "kind": MEAN,
            "scores": np.asarray(values, dtype=float),
            "gold": None,
            "metric": f"ndcg@{k}",
            "texts": [_clip(q) for q in getattr(inner, "queries", [])] or None,
            "ranks": ranks,
        }


def recorded_delta(recorder: ItemRecorder, *, n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Any]:
    """The paired bootstrap between an ItemRecorder's first (baseline) and last (final) record."""
    if len(recorder.records) < 2:
        why = f" ({recorder.errors[-1]})" if recorder.errors else ""
        raise ValueError(f"the recorder needs a baseline and a final call{why}")
    first, last = recorder.records[0], recorder.records[-1]
    return bootstrap_delta(
        first["kind"], first["scores"], last["scores"], first["gold"], n_boot=n_boot, seed=seed
    )


def items_record(metric: str, baseline: dict, final: dict | None = None) -> dict[str, Any]:
    """One evaluator's entry of ``<run>/items.json`` from an :class:`ItemRecorder`'s records at baseline and at
    the end (``final`` None: the run ended before its final evaluation).

    Returns:
        ``{"metric", "kind", "texts", "gold", "baseline", "final", "rank_baseline"?, "rank_final"?}`` in plain
        JSON types, as `workbench.rules.run_outcome` reads it.
    """

    def floats(values) -> list[float] | None:
        return None if values is None else [float(v) for v in values]

    entry: dict[str, Any] = {
        "metric": metric,
        "kind": baseline["kind"],
        "texts": list(baseline.get("texts") or []) or None,
        "gold": floats(baseline.get("gold")),
        "baseline": floats(baseline["scores"]),
        "final": floats(final["scores"]) if final is not None else None,
    }
    if "ranks" in baseline:
        entry["rank_baseline"] = list(baseline["ranks"])
        entry["rank_final"] = list(final["ranks"]) if final is not None else None
    return entry
