"""The live plot: matplotlib Figure (never pyplot) -> PNG bytes -> widgets.Image, redrawn at most every N seconds
plus a final redraw."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import wb_metrics as W

from workbench.ui.plots import LivePlot, draw, metric_series, render_png

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

PNG = b"\x89PNG\r\n\x1a\n"
HISTORY = [
    {"type": "log", "step": 1, "loss": 0.9},
    {"type": "log", "step": 2, "loss": 0.7},
    {
        "type": "eval",
        "step": 2,
        "metrics": {
            "eval_loss": 0.8,
            "eval_dev_spearman_cosine": 0.61,
            "eval_dev_pearson_cosine": 0.6,
            "eval_runtime": 0.3,
            "epoch": 1.0,
        },
    },
    {"type": "log", "step": 3, "loss": 0.5},
]


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_metric_series_splits_losses_from_evaluator_metrics():
    series = metric_series(HISTORY)
    assert series["loss"] == {"training loss": [(1, 0.9), (2, 0.7), (3, 0.5)], "eval loss": [(2, 0.8)]}
    assert series["quality"] == {"dev_spearman_cosine": [(2, 0.61)], "dev_pearson_cosine": [(2, 0.6)]}
    assert set(series) == {"loss", "quality"}  # the runtime and the epoch are not plotted


def test_render_png_draws_with_and_without_data():
    assert render_png([]).startswith(PNG)
    full = render_png(HISTORY, {"dev_spearman_cosine": 0.55}, primary=["dev_spearman_cosine"])
    assert full.startswith(PNG) and len(full) > 5000


def _plots(fig) -> dict:
    """Visible axes by title -> (their curves' labels, their y limits)."""
    return {
        ax.get_title(): (
            [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")],
            ax.get_ylim(),
        )
        for ax in fig.axes
        if ax.get_visible()
    }


@pytest.mark.parametrize("name", ["sparse_pairs", "sparse_ir"])
def test_sparse_runs_plot_scores_and_active_dimensions_apart_and_no_thresholds(name):
    metrics = W.BY_NAME[name]
    fig = draw(W.history(metrics), metrics, primary=[W.PRIMARY[name]])
    plots = _plots(fig)
    assert list(plots) == [
        "Loss (lower is better)",
        "Quality (higher is better)",
        "Active dimensions (fewer: sparser)",
    ]
    labels = [label for curves, _ in plots.values() for label in curves]
    assert not [label for label in labels if "threshold" in label or "ratio" in label or "flops" in label]
    curves, (low, high) = plots["Quality (higher is better)"]
    assert high <= 1.05 and low >= -0.05, "a 20,000 threshold or active dimensions flattened the 0-1 scores"
    assert W.PRIMARY[name].removeprefix("dev_dot_") in curves  # the primary metric is always drawn
    dims, (low, high) = plots["Active dimensions (fewer: sparser)"]
    assert dims and all("active_dims" in label for label in dims if label != "before training")
    assert high > 1000


def test_cross_encoder_thresholds_are_not_plotted_as_quality():
    metrics = {**W.CE_CLASSIFICATION, **W.CE_CORRELATION}
    plots = _plots(draw(W.history(metrics), metrics, primary=["dev_average_precision"]))
    assert list(plots) == ["Loss (lower is better)", "Quality (higher is better)"]
    curves, _ = plots["Quality (higher is better)"]
    assert "average_precision" in curves and not [c for c in curves if "threshold" in c]
    assert "+ 2 more in the results" in curves  # 7 scores, 5 drawn: the rest are named as left out


def test_legends_sit_outside_the_curves_and_the_plot_fits_a_1024_px_page():
    metrics = {**W.SPARSE_IR, **W.SPARSE_PAIRS}
    fig = draw(W.history(metrics), metrics, primary=["dev_dot_ndcg@10"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if ax.get_visible() and legend is not None:
            box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
            assert box.y1 <= area.y0, f"the legend of '{ax.get_title()}' covers its curves"
            assert box.y0 >= 0, f"the legend of '{ax.get_title()}' is cut off"
    # The Train column is ~385 px wide at 1024 px, ~500 px at 1400 px: the image is drawn near that size, so that
    # it is shown at 80-100 % and its text stays readable (at 640 px it was shown at 60 %: 6 px tick labels).
    assert fig.get_size_inches()[0] * fig.dpi <= 650  # (many curves: two-column legends)


@pytest.mark.parametrize("name", ["sparse_ir", "sparse_pairs", "ce_classification", "dense_sts"])
def test_plots_of_each_model_type_are_saved_for_a_look(name):
    """The PNGs of real-shaped runs, as the app shows them (test-artifacts/, looked at by a person)."""
    metrics = W.BY_NAME[name]
    png = render_png(W.history(metrics), metrics, primary=[W.PRIMARY[name]])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"plot-{name}.png").write_bytes(png)
    # the PNG's width: 480 px, 640 where a plot has more than four curves (two-column legends)
    assert png.startswith(PNG) and int.from_bytes(png[16:20], "big") == (480 if name == "dense_sts" else 640)


def test_live_plot_is_throttled_and_flushes_pending_data():
    clock = Clock()
    calls = []

    def render(history, baseline, primary=()):
        calls.append(len(history))
        return PNG + bytes([len(calls)])

    plot = LivePlot(min_interval=2.0, clock=clock, render=render)
    assert "wb-plot" in plot.widget._dom_classes and plot.widget.format == "png"
    assert plot.update(HISTORY[:1]) is True and calls == [1]
    clock.now += 0.5
    assert plot.update(HISTORY[:2]) is False and plot.update(HISTORY[:3]) is False
    assert plot.flush() is False and calls == [1]
    clock.now += 1.6
    assert plot.flush() is True and calls == [1, 3]  # the newest pending data, drawn once
    assert plot.flush() is False
    clock.now += 0.1
    assert plot.update(HISTORY, force=True) is True and calls == [1, 3, 4]  # the final redraw
    assert plot.widget.value == PNG + bytes([3]) and plot.draws == 3
    plot.reset()
    assert plot.widget.value == b"" and plot.update(HISTORY[:1]) is True


def test_a_slow_draw_spaces_the_next_ones_to_keep_drawing_under_one_percent_of_the_time():
    clock = Clock()
    calls = []

    def render(history, baseline, primary=()):
        calls.append(len(history))
        clock.now += 0.3  # a draw that takes 0.3 s (an in-kernel run's training thread waits for it)
        return PNG + bytes([len(calls)])

    plot = LivePlot(min_interval=2.0, clock=clock, render=render)
    assert plot.update(HISTORY[:1]) is True
    clock.now += 5.0  # past min_interval, but 0.3 s of drawing may only come every 30 s
    assert plot.update(HISTORY[:2]) is False and calls == [1]
    clock.now += 24.8
    assert plot.flush() is True and calls == [1, 2]
    # forced draws (the baseline, the final plot) are never held back
    assert plot.update(HISTORY, force=True) is True and calls == [1, 2, len(HISTORY)]
    plot.reset()  # a new run starts with the plain interval again
    assert plot.update(HISTORY[:1]) is True and calls[-1] == 1


def test_background_plot_draws_off_the_caller_thread_and_never_shows_older_data():
    import threading

    clock = Clock()
    gate = threading.Event()
    drawn = []

    def render(history, baseline, primary=()):
        drawn.append((len(history), threading.current_thread().name))
        if len(history) == 1:
            assert gate.wait(10)  # a slow redraw still in flight when newer data arrives
        return PNG + bytes([len(history)])

    plot = LivePlot(min_interval=2.0, clock=clock, render=render, background=True)
    assert plot.update(HISTORY[:1]) is True  # handed over: returns while the drawing thread is still drawing
    deadline = time.monotonic() + 10
    while not drawn and time.monotonic() < deadline:
        time.sleep(0.01)
    assert drawn == [(1, "workbench-plot")] and plot.widget.value == b""
    clock.now += 0.5
    assert plot.update(HISTORY[:2]) is False  # throttled, kept pending
    final = threading.Thread(target=plot.update, args=(HISTORY,), kwargs={"force": True})
    final.start()  # the forced final redraw waits for the slow one, then draws on its caller's thread
    gate.set()
    final.join(10)
    assert plot.wait_idle()
    assert plot.widget.value == PNG + bytes([len(HISTORY)]) and plot.draws == 2
    assert drawn[-1][0] == len(HISTORY) and drawn[-1][1] != "workbench-plot"
    clock.now += 5
    assert plot.flush() is False  # nothing pending: the throttled update was superseded by the final one
    assert plot.update(HISTORY[:2]) is True and plot.wait_idle()
    assert plot.widget.value == PNG + bytes([2]) and plot.draws == 3
    plot.reset()
    assert plot.widget.value == b""


def test_rendering_never_imports_pyplot():
    code = (
        "import sys; from workbench.ui.plots import render_png; render_png([{'type': 'log', 'step': 1, 'loss': 1.0}]);"
        "sys.exit(1 if 'matplotlib.pyplot' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
