"""Shipping a cross-encoder run: what :mod:`workbench.engine.ship` needs beyond a dense model's export.

* **What ships** — a CrossEncoder made of one Transformer with a sequence-classification head (the workbench's own
  cross-encoders, BERT-like rerankers): the graph maps the tokenized pair to the classifier's logits, and the
  loader applies the model's activation (``activation_fn``: Sigmoid, Identity, Tanh or Softmax) in numpy. A
  causal-LM reranker (a ``LogitScore`` module after the Transformer) or a custom activation is refused, naming why.
* **Quality** — the run's own evaluators (CrossEncoderClassificationEvaluator, ...CorrelationEvaluator,
  ...RerankingEvaluator, ...) on its eval/test data, with the CrossEncoder's forward pass replaced by the shipped
  graph, so both sides see the same tokenized pairs; the loader's own tokenization is checked by how the shipped
  ``predict`` ranks the run's pairs against the trained ``predict`` (Spearman) and the largest score difference.
* **Speed** — pairs per second and the latency of one pair, trained (torch) vs shipped.
"""

from __future__ import annotations

import contextlib
import json
import types
from pathlib import Path

import numpy as np

from ..errors import WorkbenchError
from .ship_measure import BATCH_SIZE, MAX_TEXTS, _plan, _torch_threads, shipped_metrics, speed_of
from .shipped import load_shipped
from .shipped_cross import ACTIVATIONS


def cross_facts(final: Path) -> dict:
    """The facts the loader needs (``activation``, ``num_labels``), or a refusal naming what cannot ship.

    Raises:
        WorkbenchError: modules other than one Transformer, a head that is not a sequence classifier, or an
            activation the loader does not reproduce.
    """

    def read(name: str) -> dict:
        try:
            return json.loads((final / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    modules = read("modules.json") if isinstance(read("modules.json"), list) else []
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    task = read("sentence_bert_config.json").get("transformer_task", "sequence-classification")
    if kinds != ["Transformer"] or task != "sequence-classification":
        raise WorkbenchError(
            f"the cross-encoder's modules are {', '.join(kinds) or 'unreadable'} (task '{task}'); shipping "
            "supports a cross-encoder made of one Transformer with a sequence-classification head only (a "
            "causal-LM reranker scores with LogitScore, which the exported graph does not hold).",
            fix="use the trained model (runs/<id>/final) with sentence-transformers' CrossEncoder directly.",
        )
    path = read("config_sentence_transformers.json").get("activation_fn") or ""
    config = read("config.json")
    labels = int(config.get("num_labels") or len(config.get("id2label") or {}) or 1)
    name = path.rsplit(".", 1)[-1] if path else ("Sigmoid" if labels == 1 else "Identity")
    if name not in ACTIVATIONS:
        raise WorkbenchError(
            f"the cross-encoder's activation is '{path}', which the shipped-model loader does not reproduce.",
            fix=f"shipping supports the activations {', '.join(ACTIVATIONS)} (torch.nn); use the trained model "
            "with sentence-transformers directly.",
        )
    return {"activation": ACTIVATIONS[name], "num_labels": labels}


@contextlib.contextmanager
def backed_by(model, shipped):
    """The CrossEncoder ``model`` computes its scores (the logits before the activation) with ``shipped``."""
    import torch

    def forward(self, features, **kwargs):
        inputs = {k: v.cpu().numpy() for k, v in features.items() if isinstance(v, torch.Tensor)}
        return {**features, "scores": torch.from_numpy(shipped.logits(inputs))}

    model.forward = types.MethodType(forward, model)
    try:
        yield model
    finally:
        del model.forward


def pairs_of(plan) -> list[tuple[str, str]]:
    """Distinct (text, text) pairs of the eval/test sets (else the train sets): each row's first two text
    columns, at most :data:`MAX_TEXTS`."""
    for splits in (("eval", "test"), ("train",)):
        seen: dict[tuple[str, str], None] = {}
        for split in splits:
            for dp in plan.of_split(split):
                ds = dp.dataset
                if ds is None:
                    continue
                for row in ds:
                    texts = [v for k, v in row.items() if k != "label" and isinstance(v, str) and v.strip()]
                    if len(texts) >= 2:
                        seen.setdefault((texts[0], texts[1]), None)
                    if len(seen) >= MAX_TEXTS:
                        return list(seen)
        if seen:
            return list(seen)
    return []


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.arange(len(x))
    return ranks


def agreement(model, shipped, pairs: list[tuple[str, str]]) -> dict:
    """How the shipped loader's scores (its own tokenizer) follow the trained model's on ``pairs``."""
    if not pairs:
        return {"pairs": 0, "spearman": float("nan"), "max_abs_diff": float("nan")}
    a = np.asarray(model.predict(pairs, batch_size=BATCH_SIZE, show_progress_bar=False), dtype=np.float64)
    b = np.asarray(shipped.predict(pairs, batch_size=BATCH_SIZE), dtype=np.float64)
    a, b = a.reshape(len(pairs), -1), b.reshape(len(pairs), -1)
    if len(pairs) > 1 and a[:, 0].std() > 0 and b[:, 0].std() > 0:
        spearman = float(np.corrcoef(_ranks(a[:, 0]), _ranks(b[:, 0]))[0, 1])
    else:
        spearman = 1.0 if np.allclose(a, b, atol=1e-4) else 0.0  # one pair, or constant scores
    return {
        "pairs": len(pairs),
        "spearman": round(spearman, 6),
        "max_abs_diff": round(float(abs(a - b).max()), 6),
    }


def measure_cross(run_dir: Path, model, folder: Path, progress) -> dict:
    """Quality, agreement and speed of a shipped cross-encoder against the trained CrossEncoder ``model``.

    Returns:
        ``{"metrics": [...], "agreement": {"pairs", "spearman", "max_abs_diff"}, "speed": {... "unit": "pairs"}}``.
    """
    progress("reading the run's eval data and evaluators")
    plan = _plan(run_dir)
    shipped = load_shipped(folder, threads=_torch_threads())
    metrics = shipped_metrics(plan, model, shipped, backed_by, progress)
    pairs = pairs_of(plan)
    if not pairs:
        raise WorkbenchError(
            "the run has no pairs of texts to score the shipped cross-encoder on.",
            fix="train the run with (text, text) pairs in its train or eval data.",
        )
    progress(f"comparing scores and speed on {len(pairs)} pairs")
    return {
        "metrics": metrics,
        "agreement": agreement(model, shipped, pairs),
        "speed": speed_of(
            lambda batch: model.predict(batch, batch_size=BATCH_SIZE, show_progress_bar=False),
            lambda batch: shipped.predict(batch, batch_size=BATCH_SIZE),
            pairs,
            "pairs",
        ),
    }
