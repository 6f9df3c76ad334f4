"""Metric dicts shaped like the installed sentence-transformers evaluators' (6.3; the keys as they return them, for
an evaluator named "dev"), and run histories built from them, for the plot, results and verdict tests.

The key sets were taken from the real evaluators run on a tiny model; tests/rules/test_metrics.py checks that the
installed library still returns these keys. The values are what a real run shows: sparse dot-product thresholds
around 20,000 and active dimensions in the hundreds to thousands beside 0-1 scores.
"""

from __future__ import annotations

SPARSE_IR = {
    **{
        f"dev_dot_{m}@{k}": 0.2 + 0.05 * k / 10
        for m in ("accuracy", "precision", "recall")
        for k in (1, 3, 5, 10)
    },
    "dev_dot_ndcg@10": 0.41,
    "dev_dot_mrr@10": 0.35,
    "dev_dot_map@100": 0.33,
    "dev_query_active_dims": 2310.5,
    "dev_query_sparsity_ratio": 0.9243,
    "dev_corpus_active_dims": 4120.0,
    "dev_corpus_sparsity_ratio": 0.865,
    "dev_avg_flops": 312.4,
}
SPARSE_PAIRS = {
    "dev_dot_accuracy": 0.71,
    "dev_dot_accuracy_threshold": 21450.3,
    "dev_dot_f1": 0.69,
    "dev_dot_f1_threshold": 19876.1,
    "dev_dot_precision": 0.66,
    "dev_dot_recall": 0.74,
    "dev_dot_ap": 0.72,
    "dev_dot_mcc": 0.41,
    "dev_active_dims": 20012.0,
    "dev_sparsity_ratio": 0.3443,
}
CE_CLASSIFICATION = {
    "dev_accuracy": 0.82,
    "dev_accuracy_threshold": 0.5018,
    "dev_f1": 0.80,
    "dev_f1_threshold": 0.4711,
    "dev_precision": 0.78,
    "dev_recall": 0.83,
    "dev_average_precision": 0.85,
}
CE_CORRELATION = {"dev_pearson": 0.62, "dev_spearman": 0.60}
DENSE_STS = {"dev_pearson_cosine": 0.83, "dev_spearman_cosine": 0.82}
DENSE_PAIRS = {
    "dev_cosine_accuracy": 0.75,
    "dev_cosine_accuracy_threshold": 0.92,
    "dev_cosine_f1": 0.75,
    "dev_cosine_f1_threshold": 0.92,
    "dev_cosine_precision": 0.75,
    "dev_cosine_recall": 0.75,
    "dev_cosine_ap": 0.747,
    "dev_cosine_mcc": 0.5,
}
PRIMARY = {
    "sparse_ir": "dev_dot_ndcg@10",
    "sparse_pairs": "dev_dot_ap",
    "ce_classification": "dev_average_precision",
    "ce_correlation": "dev_spearman",
    "dense_sts": "dev_spearman_cosine",
    "dense_pairs": "dev_cosine_ap",
}
BY_NAME = {
    "sparse_ir": SPARSE_IR,
    "sparse_pairs": SPARSE_PAIRS,
    "ce_classification": CE_CLASSIFICATION,
    "ce_correlation": CE_CORRELATION,
    "dense_sts": DENSE_STS,
    "dense_pairs": DENSE_PAIRS,
}


def trained(metrics: dict, gain: float = 0.1) -> dict:
    """The metrics after training: scores up by ``gain`` (capped at 1), active dimensions down by a fifth,
    thresholds and ratios moved a little."""
    out = {}
    for key, value in metrics.items():
        if key.endswith("active_dims"):
            out[key] = value * 0.8
        elif key.endswith(("_threshold", "sparsity_ratio", "flops")):
            out[key] = value * 1.05
        else:
            out[key] = min(1.0, value + gain)
    return out


def history(metrics: dict, steps: int = 40, every: int = 10) -> list[dict]:
    """Run events: a training loss per step and, every ``every`` steps, an eval event moving from ``metrics``
    towards :func:`trained` ``(metrics)`` (keys prefixed ``eval_`` as the trainer logs them)."""
    end = trained(metrics)
    events: list[dict] = []
    for step in range(1, steps + 1):
        events.append({"type": "log", "step": step, "loss": 2.0 / (1 + 0.1 * step)})
        if step % every == 0:
            t = step / steps
            values = {f"eval_{k}": v + t * (end[k] - v) for k, v in metrics.items()}
            values |= {"eval_loss": 1.5 / (1 + 0.1 * step), "eval_runtime": 0.4, "epoch": t}
            events.append({"type": "eval", "step": step, "metrics": values})
    return events
