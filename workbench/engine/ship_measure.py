"""Measure a shipped model against the trained one: the run's own evaluators on its eval/test data (each one's
primary metric), how close the embeddings are, and encode speed on this machine.

The evaluators are the library's, built from the run's config as the run built them; the shipped model is
measured through the trained SentenceTransformer with its forward pass replaced by the shipped graph and the
loader's pooling (:meth:`ShippedModel.embed_features`), so both sides see the same tokenized inputs and the
evaluators do not need to know about runtimes. The loader's own tokenization is checked by the agreement figure:
:meth:`ShippedModel.encode` on the run's texts against the trained model's ``encode``.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .evaluators import metric_key
from .plan import Plan, judge_train_sets, load_datasets, plan_evaluators, prepare_eval_sets
from .playground import run_spec
from .shipped import load_shipped

MAX_TEXTS = 512  # texts for the agreement and throughput figures (the eval texts, else the train texts)
BATCH_SIZE = 32
LATENCY_REPEATS = 15


def _plan(run_dir: Path) -> Plan:
    """The run's datasets and evaluators, as the run built them (its output folder is not checked)."""
    plan = Plan(spec=run_spec(run_dir))
    for step in (load_datasets, judge_train_sets, prepare_eval_sets, plan_evaluators):
        step(plan)
    return plan


def _texts(plan: Plan) -> list[str]:
    """Distinct input texts of the eval/test sets (else the train sets), at most :data:`MAX_TEXTS`."""
    for splits in (("eval", "test"), ("train",)):
        seen: dict[str, None] = {}
        for split in splits:
            for dp in plan.of_split(split):
                ds = dp.dataset
                if ds is None:
                    continue
                for column in ds.column_names:
                    if column == "label":
                        continue
                    for value in ds[column]:
                        if isinstance(value, str) and value.strip():
                            seen.setdefault(value, None)
                        if len(seen) >= MAX_TEXTS:
                            return list(seen)
        if seen:
            return list(seen)
    return []


@contextlib.contextmanager
def backed_by(model, shipped):
    """The SentenceTransformer ``model`` computes its sentence embeddings with ``shipped`` while inside."""
    import torch

    def forward(self, features, **kwargs):
        inputs = {k: v.cpu().numpy() for k, v in features.items() if isinstance(v, torch.Tensor)}
        embedding = torch.from_numpy(shipped.embed_features(inputs))
        return {**features, "sentence_embedding": embedding}

    model.forward = types.MethodType(forward, model)
    try:
        yield model
    finally:
        del model.forward


def _evaluate(plan: Plan, model) -> dict[str, tuple[str, float]]:
    """Each evaluator's primary metric on ``model``: name -> (metric key, value)."""
    out = {}
    for ev in plan.evaluators:
        result = ev.instance(model)
        key = metric_key(ev.instance, model)
        value = result.get(key) if isinstance(result, dict) else result
        if isinstance(value, (int, float)):
            out[ev.name] = (key, float(value))
    return out


def _best_rate(encode: Callable[[list], object], texts: list, rounds: int = 2) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        encode(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best if best > 0 else float("nan")


def _latency_ms(encode: Callable[[list], object], text) -> float:
    times = []
    for _ in range(LATENCY_REPEATS):
        started = time.perf_counter()
        encode([text])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def speed(model, shipped, texts: list[str]) -> dict:
    """Sentences per second (best of two rounds each, interleaved) and the median latency of one sentence."""
    return speed_of(
        lambda batch: model.encode(batch, batch_size=BATCH_SIZE, show_progress_bar=False),
        lambda batch: shipped.encode(batch, batch_size=BATCH_SIZE),
        texts,
        "sentences",
    )


def speed_of(
    trained: Callable[[list], object], shipped: Callable[[list], object], items: list, unit: str
) -> dict:
    """Items (sentences, pairs) per second of each side (best of two rounds each, interleaved) and the median
    latency of one typical item."""
    import torch

    sample = items if len(items) >= 64 else (items * (64 // max(1, len(items)) + 1))[:64]
    trained(sample[:8])
    shipped(sample[:8])
    trained_sps = shipped_sps = 0.0
    for _ in range(2):  # interleaved: a load change hits both sides alike
        trained_sps = max(trained_sps, _best_rate(trained, sample, rounds=1))
        shipped_sps = max(shipped_sps, _best_rate(shipped, sample, rounds=1))
    typical = sorted(items, key=lambda x: len(str(x)))[len(items) // 2] if items else "a sentence"
    return {
        "unit": unit,
        "texts": len(sample),
        "batch_size": BATCH_SIZE,
        "threads": torch.get_num_threads(),
        "trained_sps": round(trained_sps, 1),
        "shipped_sps": round(shipped_sps, 1),
        "speedup": round(shipped_sps / trained_sps, 2) if trained_sps else None,
        "trained_latency_ms": round(_latency_ms(trained, typical), 2),
        "shipped_latency_ms": round(_latency_ms(shipped, typical), 2),
        "cpus": os.cpu_count(),
        "load": round(os.getloadavg()[0], 2),
    }


def agreement(model, shipped, texts: list[str]) -> dict:
    """Cosine of the shipped loader's embeddings (its own tokenizer) to the trained model's, per text."""
    if not texts:
        return {"texts": 0, "mean_cosine": float("nan"), "min_cosine": float("nan")}
    a = np.asarray(model.encode(texts, batch_size=BATCH_SIZE, show_progress_bar=False), dtype=np.float64)
    b = np.asarray(shipped.encode(texts, batch_size=BATCH_SIZE), dtype=np.float64)
    cos = (a * b).sum(1) / np.clip(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12, None)
    return {
        "texts": len(texts),
        "mean_cosine": round(float(cos.mean()), 6),
        "min_cosine": round(float(cos.min()), 6),
    }


def shipped_metrics(plan, model, shipped, backed_by, progress: Callable[[str], None]) -> list[dict]:
    """The run's evaluators on the trained ``model`` and again with its forward pass ``backed_by`` the shipped
    folder (a context manager factory, ``backed_by(model, shipped)``): ``[{"evaluator", "metric", "trained",
    "shipped"}]``, empty when the run has no evaluators."""
    metrics: list[dict] = []
    if not plan.evaluators:
        return metrics
    progress(f"measuring the trained model ({len(plan.evaluators)} evaluator(s))")
    trained = _evaluate(plan, model)
    progress("measuring the shipped model")
    with backed_by(model, shipped):
        exported = _evaluate(plan, model)
    for name, (key, value) in trained.items():
        if name in exported:
            metrics.append({"evaluator": name, "metric": key, "trained": value, "shipped": exported[name][1]})
    return metrics


def measure(run_dir: Path, model, folder: Path, progress: Callable[[str], None]) -> dict:
    """Quality, agreement and speed of the shipped folder against the trained ``model``.

    Returns:
        ``{"metrics": [{"evaluator", "metric", "trained", "shipped"}], "agreement": {...}, "speed": {...}}``.
    """
    progress("reading the run's eval data and evaluators")
    plan = _plan(run_dir)
    shipped = load_shipped(folder, threads=_torch_threads())
    metrics = shipped_metrics(plan, model, shipped, backed_by, progress)
    texts = _texts(plan)
    progress(f"comparing embeddings and speed on {len(texts)} texts")
    return {
        "metrics": metrics,
        "agreement": agreement(model, shipped, texts),
        "speed": speed(model, shipped, texts),
    }


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()
