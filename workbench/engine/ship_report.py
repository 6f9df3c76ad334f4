"""The shipped model's report (``ship.json``): the quality gate and the table, without torch (the app's page
kernel reads and shows it).

The gate: an export is **good** when no evaluator's primary metric is worse on the shipped model than on the
trained one by more than :data:`MAX_METRIC_DROP` (absolute, in the metric's bad direction), measured by the run's
own evaluators on the run's eval/test data. A run without evaluators has no metric; its export is judged by how
close the shipped embeddings are to the trained model's on the run's texts: the mean cosine must be at least
:data:`MIN_MEAN_COSINE`; a cross-encoder's, by how its scores rank the run's pairs against the trained model's
scores: Spearman at least :data:`MIN_SCORE_SPEARMAN`.
"""

from __future__ import annotations

from pathlib import Path

from ..rules.metrics import direction
from .run_folder import read_json

MAX_METRIC_DROP = 0.01
MIN_MEAN_COSINE = 0.99
MIN_SCORE_SPEARMAN = 0.99  # a cross-encoder without a metric: how the shipped scores rank the run's pairs
RUN_REPORTS = (
    "ship.json"  # in the run folder: every export of the run, by its name (onnx-none, openvino-int8, ...)
)

# Exit codes of ``workbench ship`` beyond the CLI's common ones: the export was written but failed the gate.
EXIT_GATE_FAILED = 3


def judge(metrics: list[dict], agreement: dict) -> dict:
    """The gate's verdict on measured figures.

    Args:
        metrics: One ``{"metric", "trained", "shipped"}`` per evaluator (its primary metric).
        agreement: ``{"mean_cosine", "min_cosine", "texts"}`` of shipped vs trained embeddings, or of a
            cross-encoder ``{"spearman", "max_abs_diff", "pairs"}`` of shipped vs trained scores.

    Returns:
        ``{"passed": bool, "rule": str, "message": str, "max_metric_drop": float, "min_mean_cosine": float}``.
    """
    base = {"max_metric_drop": MAX_METRIC_DROP, "min_mean_cosine": MIN_MEAN_COSINE}
    if metrics:
        worst = None
        for row in metrics:
            sign = 1 if direction(row["metric"]) >= 0 else -1
            drop = sign * (float(row["trained"]) - float(row["shipped"]))
            row["delta"] = float(row["shipped"]) - float(row["trained"])
            if worst is None or drop > worst[0]:
                worst = (drop, row)
        drop, row = worst
        passed = drop <= MAX_METRIC_DROP
        rule = f"the primary metric may drop by at most {MAX_METRIC_DROP} (absolute)"
        change = f"{row['metric']} {row['trained']:.4f} → {row['shipped']:.4f} ({row['delta']:+.4f})"
        if passed:
            message = f"good: {change}; {rule}."
        else:
            message = (
                f"NOT good: {change} drops by more than {MAX_METRIC_DROP}; keep the fp32 export "
                "(--quantize none) or the trained model."
            )
        return {**base, "passed": passed, "rule": rule, "message": message}
    if "spearman" in agreement:
        rho = float(agreement["spearman"])
        rule = f"no eval metric: the shipped scores must rank the run's pairs as the trained model's (Spearman ≥ {MIN_SCORE_SPEARMAN})"
        passed = rho >= MIN_SCORE_SPEARMAN
        message = f"{'good' if passed else 'NOT good'}: Spearman {rho:.4f} on {agreement.get('pairs', 0)} pairs; {rule}."
        if not passed:
            message += (
                " Keep the fp32 export (--quantize none), or add eval data to the run to measure the metric."
            )
        return {**base, "passed": passed, "rule": rule, "message": message}
    mean = float(agreement.get("mean_cosine", float("nan")))
    rule = f"no eval metric: the shipped embeddings' mean cosine to the trained model's must be ≥ {MIN_MEAN_COSINE}"
    passed = mean >= MIN_MEAN_COSINE
    verdict = "good" if passed else "NOT good"
    message = f"{verdict}: mean cosine {mean:.4f} on {agreement.get('texts', 0)} texts; {rule}."
    if not passed:
        message += (
            " Keep the fp32 export (--quantize none), or add eval data to the run to measure the metric."
        )
    return {**base, "passed": passed, "rule": rule, "message": message}


def _fmt(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def table_rows(report: dict) -> list[list[str]]:
    """The report as rows: a header, then trained vs shipped for each metric, the embeddings' agreement, the
    speed and the size (the CLI prints them, the app draws them)."""
    speed = report.get("speed") or {}
    rows = [["", "trained (torch)", f"shipped ({report.get('name', '')})", "change"]]
    for m in report.get("metrics") or ():
        rows.append(
            [m["metric"], _fmt(m["trained"], ".4f"), _fmt(m["shipped"], ".4f"), _fmt(m.get("delta"), "+.4f")]
        )
    agreement = report.get("agreement") or {}
    if "spearman" in agreement:
        rows.append(
            [
                f"scores vs trained ({agreement.get('pairs', 0)} pairs)",
                "1",
                f"Spearman {_fmt(agreement.get('spearman'), '.4f')}, max |Δ| {_fmt(agreement.get('max_abs_diff'), '.4f')}",
                "",
            ]
        )
    elif agreement:
        rows.append(
            [
                f"cosine to trained ({agreement.get('texts', 0)} texts)",
                "1",
                f"mean {_fmt(agreement.get('mean_cosine'), '.4f')}, min {_fmt(agreement.get('min_cosine'), '.4f')}",
                "",
            ]
        )
    if speed:
        ratio, unit = speed.get("speedup"), speed.get("unit", "sentences")
        rows.append(
            [
                f"{unit}/s (batch {speed.get('batch_size')}, {speed.get('threads')} threads)",
                _fmt(speed.get("trained_sps"), ".0f"),
                _fmt(speed.get("shipped_sps"), ".0f"),
                f"{ratio:.2f}×" if ratio else "",
            ]
        )
        rows.append(
            [
                f"latency, one {unit[:-1]} (ms)",
                _fmt(speed.get("trained_latency_ms"), ".1f"),
                _fmt(speed.get("shipped_latency_ms"), ".1f"),
                "",
            ]
        )
    if report.get("size_mb") is not None:
        rows.append(
            ["size (MB)", _fmt(report.get("trained_size_mb"), ".1f"), _fmt(report.get("size_mb"), ".1f"), ""]
        )
    return rows


def format_table(report: dict) -> str:
    """The report as a plain-text table, then the gate's verdict line and the folder."""
    rows = table_rows(report)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    gate = report.get("gate") or {}
    lines.append("")
    lines.append(gate.get("message", ""))
    speed = report.get("speed") or {}
    if speed:
        lines.append(f"measured on this machine: {speed.get('cpus')} CPUs, load {speed.get('load', 0):.1f}.")
    lines.append(f"shipped model: {report.get('folder')}")
    return "\n".join(lines)


def read_reports(run_dir: str | Path) -> dict[str, dict]:
    """The run's exports so far (its ``ship.json``), by name; empty when there are none."""
    return read_json(Path(run_dir) / RUN_REPORTS)
