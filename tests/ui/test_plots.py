"""The live plot: matplotlib Figure (never pyplot) -> PNG bytes -> widgets.Image, redrawn at most every N seconds
plus a final redraw."""

from __future__ import annotations

import subprocess
import sys
import time

from workbench.ui.plots import LivePlot, metric_series, render_png

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
    losses, metrics = metric_series(HISTORY)
    assert losses == {"training loss": [(1, 0.9), (2, 0.7), (3, 0.5)], "eval loss": [(2, 0.8)]}
    assert metrics == {"dev_spearman_cosine": [(2, 0.61)], "dev_pearson_cosine": [(2, 0.6)]}


def test_render_png_draws_with_and_without_data():
    assert render_png([]).startswith(PNG)
    full = render_png(HISTORY, {"dev_spearman_cosine": 0.55}, primary=["dev_spearman_cosine"])
    assert full.startswith(PNG) and len(full) > 5000


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
