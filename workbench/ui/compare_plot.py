"""Runs overlaid: each run's training loss and primary metric, one colour per run, in two small plots with the
legend outside them (below). A matplotlib Figure (never pyplot) rendered to PNG bytes for a ``widgets.Image``,
drawn with the live plot's helpers (:mod:`.plots`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..rules import metrics as M
from .plots import COLORS, metric_series, plotted_kind
from .plots import _placeholder as placeholder

LOSS_CURVE = "training loss"


@dataclass(frozen=True)
class RunCurves:
    """What the plot draws of one run.

    Attributes:
        name: The run's name (its legend entry).
        loss: ``[(step, training loss), ...]``.
        metric: The primary metric key ("" when the run has none).
        points: ``[(step, value), ...]`` of the primary metric, its value before training at step 0 first.
    """

    name: str
    loss: list = field(default_factory=list)
    metric: str = ""
    points: list = field(default_factory=list)


def run_curves(
    name: str, history: Sequence[dict], metric: str = "", baseline: float | None = None
) -> RunCurves:
    """A run's curves from its ``log`` / ``eval`` events (``RunInfo.history()``) and its primary metric."""
    series = metric_series(history)
    loss = list(series.get(M.LOSS, {}).get(LOSS_CURVE, []))
    points: list = []
    if metric:
        kind = plotted_kind(metric)
        points = list(series.get(kind, {}).get(metric, [])) if kind not in (None, M.LOSS) else []
        if baseline is not None:
            points = [(0, float(baseline)), *points]
    return RunCurves(name, loss, metric, points)


def render_png(runs: Sequence[RunCurves], **kwargs) -> bytes:
    """:func:`draw` as PNG bytes."""
    buf = io.BytesIO()
    draw(runs, **kwargs).savefig(buf, format="png")
    return buf.getvalue()


def _metric_title(runs: Sequence[RunCurves]) -> str:
    metrics = {r.metric for r in runs if r.metric}
    if len(metrics) == 1:
        metric = metrics.pop()
        way = {1: " (higher is better)", -1: " (lower is better)"}.get(M.direction(metric), "")
        return f"{metric}{way}"
    return "Primary metric of each run" if metrics else "Primary metric"


def draw(runs: Sequence[RunCurves], *, width: float = 6.4, height: float = 3.0, dpi: int = 100):
    """The training loss and the primary metric of each run, one colour per run (the same in both plots), the
    legend below both plots.

    Args:
        runs: The runs, in the order of their colours (:data:`.plots.COLORS`, repeating after eight).
        width / height: Figure size in inches (at the default dpi, 640 px wide).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    loss_ax, metric_ax = fig.subplots(1, 2)
    several = len({r.metric for r in runs if r.metric}) > 1
    handles = []
    for i, run in enumerate(runs):
        color = COLORS[i % len(COLORS)]
        for ax, points in ((loss_ax, run.loss), (metric_ax, run.points)):
            if points:
                steps, values = zip(*points, strict=True)
                ax.plot(steps, values, color=color, marker="." if len(points) < 30 else None, markersize=4)
        label = f"{run.name} ({run.metric})" if several and run.metric else run.name
        handles.append(Line2D([], [], color=color, label=label))
    for ax, title, empty in (
        (loss_ax, "Training loss (lower is better)", "No training loss logged"),
        (metric_ax, _metric_title(runs), "No primary metric measured"),
    ):
        if not ax.lines:
            placeholder(ax, empty)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("training step", fontsize=8)
        ax.tick_params(labelsize=7.5)
        ax.grid(alpha=0.3)
    if handles:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncol=min(len(handles), 2 if several else 3),  # "run (metric)" labels: three a row did not fit
            fontsize=7.5,
            frameon=False,
        )
    return fig
