"""The live training plot: a matplotlib Figure (never pyplot) rendered to PNG bytes for a ``widgets.Image``.

Redrawing costs ~0.1 s, so :class:`LivePlot` redraws at most every ``min_interval`` seconds; updates in between
only mark the plot as stale, and :meth:`LivePlot.flush` (called on progress ticks and when the run ends) draws
whatever is pending. In the app the throttled redraws run on the plot's own drawing thread, not on the training
thread that reports the new data (measured: drawing inline cost ~4 % of training throughput on 2 CPU cores). Updating the image is a trait assignment
(``Image.value``), the one kind of widget update that is safe from a background thread in Voila.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets

log = logging.getLogger(__name__)

_SKIP = ("_runtime", "_samples_per_second", "_steps_per_second", "epoch")
COLORS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


def metric_series(history: Sequence[dict]) -> tuple[dict[str, list], dict[str, list]]:
    """Split run events into loss curves and evaluator-metric curves: ``{name: [(step, value), ...]}``."""
    losses: dict[str, list] = {}
    metrics: dict[str, list] = {}
    for event in history:
        step = event.get("step")
        if step is None:
            continue
        if event.get("type") == "log" and isinstance(event.get("loss"), (int, float)):
            losses.setdefault("training loss", []).append((step, float(event["loss"])))
        elif event.get("type") == "eval":
            for key, value in (event.get("metrics") or {}).items():
                if not isinstance(value, (int, float)) or key.endswith(_SKIP):
                    continue
                if key == "eval_loss" or key.endswith("_loss"):
                    losses.setdefault(key.replace("eval_", "eval ").replace("_", " "), []).append(
                        (step, float(value))
                    )
                else:
                    metrics.setdefault(key.removeprefix("eval_"), []).append((step, float(value)))
    return losses, metrics


def render_png(
    history: Sequence[dict],
    baseline: dict | None = None,
    *,
    primary: Sequence[str] = (),
    width: float = 7.2,
    height: float = 3.0,
    dpi: int = 90,
) -> bytes:
    """Draw training/eval loss (left) and evaluator metrics with their baselines (right) as PNG bytes.

    Args:
        history: Run events (``log`` and ``eval``), in order.
        baseline: Metrics measured before training; drawn as dashed reference lines.
        primary: Metric keys to show first (the evaluators' primary metrics); with many metrics, only the
            primary ones and up to 6 curves are drawn.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    losses, metrics = metric_series(history)
    baseline = baseline or {}
    shown = [k for k in metrics if k in primary] + [k for k in metrics if k not in primary]
    for key in baseline:
        if key in primary and key not in shown:
            shown.insert(0, key)
    shown = shown[:6]

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax_loss, ax_metric = fig.subplots(1, 2)
    _draw_losses(ax_loss, losses)
    _draw_metrics(ax_metric, shown, metrics, baseline)
    last = max([1] + [p[0] for series in (*losses.values(), *metrics.values()) for p in series])
    for ax in (ax_loss, ax_metric):
        ax.set_xlim(0, last * 1.03)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _placeholder(ax, text: str) -> None:
    """A grey line of text in the middle of an empty plot."""
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, color="#777", transform=ax.transAxes)


def _draw_losses(ax, losses: dict) -> None:
    """Training and eval loss curves (left)."""
    for i, (name, points) in enumerate(losses.items()):
        steps, values = zip(*points, strict=True)
        ax.plot(
            steps, values, color=COLORS[i % len(COLORS)], marker="." if len(points) < 30 else None, label=name
        )
    ax.set_title("Loss (lower is better)", fontsize=10)
    ax.set_xlabel("training step", fontsize=9)
    if losses:
        ax.legend(fontsize=8, loc="upper right")
    else:
        _placeholder(ax, "waiting for the first steps…")


def _draw_metrics(ax, shown: list[str], metrics: dict, baseline: dict) -> None:
    """Evaluator metrics (right), each starting from its baseline, drawn as a dashed reference line."""
    any_baseline = False
    for i, name in enumerate(shown):
        color = COLORS[i % len(COLORS)]
        points = metrics.get(name, [])
        base = baseline.get(name)
        if isinstance(base, (int, float)):
            any_baseline = True
            ax.axhline(float(base), color=color, linestyle="--", linewidth=1, alpha=0.8)
            points = [(0, float(base)), *points]
        if points:
            steps, values = zip(*points, strict=True)
            ax.plot(steps, values, color=color, marker="o", markersize=3, label=name)
    ax.set_title("Evaluation (higher is better)", fontsize=10)
    ax.set_xlabel("training step", fontsize=9)
    if shown:
        if any_baseline:
            ax.plot([], [], color="#555", linestyle="--", linewidth=1, label="before training (baseline)")
        ax.legend(fontsize=7, loc="best")
    else:
        _placeholder(ax, "no evaluator metrics yet")


class LivePlot:
    """A throttled plot bound to an Image widget.

    Args:
        min_interval: Least number of seconds between two redraws.
        clock: Monotonic clock (tests pass a fake one).
        render: The drawing function (tests may count calls).
        background: Draw the throttled redraws on a drawing thread of the plot's own, so that the thread calling
            :meth:`update` (the training thread, in the app) only hands the data over and goes on; forced draws
            (the baseline, the final plot) stay synchronous. A draw never shows older data than one already shown.
    """

    IDLE_EXIT_S = 30.0  # the drawing thread ends after this long without work (and starts again when needed)

    def __init__(
        self,
        min_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        render: Callable[..., bytes] = render_png,
        background: bool = False,
    ):
        self.widget = widgets.Image(
            format="png", layout=widgets.Layout(width="100%", max_width="820px", display="none")
        )
        self.widget.add_class("wb-plot")
        self.min_interval = min_interval
        self.clock = clock
        self.render = render
        self.background = background
        self.draws = 0
        self._last = float("-inf")
        self._pending: tuple | None = None  # (seq, history, baseline, primary)
        self._seq = 0  # numbers each update, so that a slow draw of older data never replaces a newer image
        self._floor = 0  # highest seq shown (or discarded by reset); older draws are dropped
        self._lock = threading.Lock()  # guards the fields above; held only briefly
        self._draw_lock = threading.Lock()  # one render at a time
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._busy = False  # the drawing thread holds data it has not drawn yet

    def update(
        self,
        history: Sequence[dict],
        baseline: dict | None = None,
        primary: Sequence[str] = (),
        force: bool = False,
    ) -> bool:
        """Redraw if allowed (or ``force``); otherwise remember the data for the next :meth:`flush`.

        Returns:
            Whether a redraw was made (or, in background mode, handed to the drawing thread).
        """
        with self._lock:
            self._seq += 1
            self._pending = (self._seq, tuple(history), dict(baseline or {}), tuple(primary))
        return self.flush(force)

    def flush(self, force: bool = False) -> bool:
        """Draw pending data if the interval has passed (or ``force``)."""
        with self._lock:
            if self._pending is None or (not force and self.clock() - self._last < self.min_interval):
                return False
            self._last = self.clock()
            if self.background and not force:
                self._start_worker()
                self._wake.set()
                return True
            pending, self._pending = self._pending, None
        return self._draw(pending)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the drawing thread has drawn what was handed to it (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._wake.is_set() and not self._busy:
                    return True
            time.sleep(0.01)  # polling a thread's progress: no event to wait on
        return False

    def reset(self) -> None:
        with self._lock:
            self._pending = None
            self._floor = self._seq  # a draw still in flight must not bring the old run's plot back
            self._last = float("-inf")
            self.widget.value = b""
            self.widget.layout.display = "none"

    def _start_worker(self) -> None:
        """Start the drawing thread if it is not running (called with ``_lock`` held)."""
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="workbench-plot", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            if not self._wake.wait(self.IDLE_EXIT_S):
                with self._lock:
                    if not self._wake.is_set():
                        self._worker = None
                        return
            with self._lock:
                self._wake.clear()
                pending, self._pending = self._pending, None
                self._busy = pending is not None
            try:
                if pending is not None:
                    self._draw(pending)
            except Exception:  # noqa: BLE001 - a failed redraw must not end the drawing thread
                log.exception("plot redraw failed")
            finally:
                with self._lock:
                    self._busy = False

    def _draw(self, pending: tuple) -> bool:
        seq, history, baseline, primary = pending
        with self._draw_lock:
            if seq <= self._floor:
                return False
            png = self.render(history, baseline, primary=primary)
            with self._lock:
                if seq <= self._floor:
                    return False
                self._floor = seq
                self.widget.value = png
                self.widget.layout.display = ""
                self.draws += 1
        return True
