"""The live training plot: a matplotlib Figure (never pyplot) rendered to PNG bytes for a ``widgets.Image``.

Redrawing costs 0.15-0.5 s of pure-Python matplotlib work, so :class:`LivePlot` redraws at most every
``min_interval`` seconds, and never more often than keeps its drawing under ``MAX_DRAW_SHARE`` (1 %) of the time:
after a draw that took ``t`` seconds the next waits at least ``t / MAX_DRAW_SHARE``. The share matters more than the
draw's own CPU time: a render holds the GIL, and a training loop in the same process (an in-kernel run) re-takes the
GIL after every torch op, so it all but stops while the plot draws (measured: redraws every 1.5 s at ~0.5 s each
cut an in-kernel bf16 run from 38.6 to 28.2 samples/s; bench/README.md "overhead_ratio"). Updates in between
only mark the plot as stale, and :meth:`LivePlot.flush` (called on progress ticks and when the run ends) draws
whatever is pending. In the app the throttled redraws run on the plot's own drawing thread, not on the training
thread that reports the new data (measured: drawing inline cost ~4 % of training throughput on 2 CPU cores). Updating the image is a trait assignment
(``Image.value``), the one kind of widget update that is safe from a background thread in Voila.

Each kind of figure gets a small plot of its own (`workbench.rules.metrics.metric_kind` decides): losses, 0-1 quality
scores and a sparse encoder's active dimensions never share an axis, and the binary evaluators' decision thresholds
(a sparse dot-product threshold is ~20,000) and the timings are not plotted at all. Legends sit below their plot.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets

from ..rules import metrics as M

log = logging.getLogger(__name__)

COLORS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
MAX_CURVES = 5  # per plot; the results table lists every metric
# One small plot per kind of figure, so that scales never share an axis: (kind, title). Thresholds, timings and
# the sparsity ratio / FLOPS (the active dimensions in other units) are not plotted.
PANELS = (
    (M.LOSS, "Loss (lower is better)"),
    (M.QUALITY, "Quality (higher is better)"),
    (M.SPARSITY, "Active dimensions (fewer: sparser)"),
    (M.OTHER, "Other metrics"),
)
_ALWAYS = (M.LOSS, M.QUALITY)  # drawn even when empty, with a line saying what will come


def plotted_kind(key: str) -> str | None:
    """The plot a metric key is drawn in (a kind of :data:`PANELS`), or None when it is not plotted."""
    kind = M.metric_kind(key)
    if kind == M.SPARSITY:
        return kind if key.endswith("active_dims") else None
    return kind if kind in dict(PANELS) else None


def metric_series(history: Sequence[dict]) -> dict[str, dict[str, list]]:
    """Run events as curves, by the plot they go in: ``{kind: {name: [(step, value), ...]}}``.

    The training loss comes from ``log`` events, everything else from ``eval`` events (``eval_`` dropped from the
    evaluator metrics' names).
    """
    series: dict[str, dict[str, list]] = {}
    for event in history:
        step = event.get("step")
        if step is None:
            continue
        if event.get("type") == "log" and isinstance(event.get("loss"), (int, float)):
            series.setdefault(M.LOSS, {}).setdefault("training loss", []).append((step, float(event["loss"])))
        elif event.get("type") == "eval":
            for key, value in (event.get("metrics") or {}).items():
                kind = plotted_kind(key)
                if kind is None or not isinstance(value, (int, float)):
                    continue
                name = (
                    key.replace("eval_", "eval ").replace("_", " ")
                    if kind == M.LOSS
                    else key.removeprefix("eval_")
                )
                series.setdefault(kind, {}).setdefault(name, []).append((step, float(value)))
    return series


def shown_curves(names: Sequence[str], primary: Sequence[str] = (), limit: int = MAX_CURVES) -> list[str]:
    """At most ``limit`` of a plot's curves: the primary metrics first, then the headline ones (no ``@k``, or
    ``@10``), then the rest, each group in the evaluator's order."""

    def rank(name: str) -> int:
        if name in primary:
            return 0
        return 1 if "@" not in name or name.endswith("@10") else 2

    return sorted(names, key=rank)[:limit]


def short_labels(names: Sequence[str]) -> tuple[str, list[str]]:
    """The part of the names they share up to an ``_`` (the evaluator's name: the legend's title) and the rest."""
    if len(names) < 2:
        return "", list(names)
    common = os.path.commonprefix(list(names))
    common = common[: common.rfind("_") + 1]
    if not common or any(len(n) == len(common) for n in names):
        return "", list(names)
    return common.rstrip("_"), [n[len(common) :] for n in names]


def render_png(history: Sequence[dict], baseline: dict | None = None, **kwargs) -> bytes:
    """:func:`draw` as PNG bytes (the same arguments)."""
    buf = io.BytesIO()
    draw(history, baseline, **kwargs).savefig(buf, format="png")
    return buf.getvalue()


def draw(
    history: Sequence[dict],
    baseline: dict | None = None,
    *,
    primary: Sequence[str] = (),
    width: float | None = None,
    row_height: float = 2.5,
    dpi: int = 100,
):
    """One small plot per kind of figure (loss, quality, active dimensions, other), two plots a row, legends below
    them: a matplotlib Figure (never pyplot).

    Args:
        history: Run events (``log`` and ``eval``), in order.
        baseline: Metrics measured before training: each curve starts from its baseline at step 0, drawn as a
            dashed reference line.
        primary: Metric keys to show first (the evaluators' primary metrics); each plot draws at most
            :data:`MAX_CURVES` curves.
        width: Figure width in inches. By default 4.8 (480 px: the Train column is ~385 px wide at 1024 px and
            ~500 px at 1400 px, so the image is shown at 80-100 % and its text stays readable), and 6.4 when a plot
            has more than four curves (its legend takes two columns, which 240 px cannot hold).
        row_height: Height of one row of two plots, legends below them included.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = metric_series(history)
    baseline = {k: float(v) for k, v in (baseline or {}).items() if isinstance(v, (int, float))}
    for key in baseline:  # metrics measured before training only still get their plot
        kind = plotted_kind(key)
        if kind not in (None, M.LOSS):
            series.setdefault(kind, {}).setdefault(key, [])
    kinds = [kind for kind, _ in PANELS if kind in _ALWAYS or series.get(kind)]
    rows = (len(kinds) + 1) // 2
    if width is None:
        width = 6.4 if any(len(series.get(kind, {})) > 3 for kind in kinds) else 4.8
    fig = Figure(figsize=(width, row_height * rows), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, squeeze=False).ravel()
    last = max([1] + [p[0] for curves in series.values() for points in curves.values() for p in points])
    titles = dict(PANELS)
    for ax, kind in zip(axes, kinds, strict=False):
        curves = series.get(kind, {})
        if kind == M.LOSS:
            _draw_losses(ax, curves)
        else:
            _draw_metrics(ax, kind, curves, baseline, primary)
        ax.set_title(titles[kind], fontsize=10)
        ax.set_xlabel("training step", fontsize=9)
        ax.set_xlim(0, last * 1.03)
        ax.tick_params(labelsize=8.5)
        ax.grid(alpha=0.3)
    for ax in axes[len(kinds) :]:
        ax.set_visible(False)
    return fig


def _placeholder(ax, text: str) -> None:
    """A grey line of text in the middle of an empty plot."""
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=8.5, color="#777", transform=ax.transAxes)
    ax.set_yticks([])


def _legend(ax, title: str = "") -> None:
    """The legend under the plot, never over the curves."""
    from matplotlib.transforms import offset_copy

    entries = len(ax.get_legend_handles_labels()[0])
    ax.legend(
        ncol=2 if entries > 4 else 1,
        fontsize=8.5,
        title=title or None,
        title_fontsize=8.5,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        # below the tick labels and the axis label, whatever the plot's height
        bbox_transform=offset_copy(ax.transAxes, ax.figure, y=-26, units="points"),
        frameon=False,
        borderaxespad=0,
        handlelength=1.8,
    )


def _draw_losses(ax, losses: dict) -> None:
    """Training and eval loss curves."""
    for i, (name, points) in enumerate(losses.items()):
        steps, values = zip(*points, strict=True)
        ax.plot(
            steps, values, color=COLORS[i % len(COLORS)], marker="." if len(points) < 30 else None, label=name
        )
    if losses:
        _legend(ax)
    else:
        _placeholder(ax, "Waiting for the first steps…")


def _draw_metrics(ax, kind: str, metrics: dict, baseline: dict, primary: Sequence[str]) -> None:
    """A plot of evaluator metrics of one kind, each starting from its baseline (a dashed reference line)."""
    shown = shown_curves(list(metrics), primary)
    title, labels = short_labels(shown)
    any_baseline = False
    for i, (name, label) in enumerate(zip(shown, labels, strict=True)):
        color = COLORS[i % len(COLORS)]
        points = metrics[name]
        base = baseline.get(name)
        if base is not None:
            any_baseline = True
            ax.axhline(base, color=color, linestyle="--", linewidth=0.9, alpha=0.6)
            points = [(0, base), *points]
        steps, values = zip(*points, strict=True)
        ax.plot(steps, values, color=color, marker="o", markersize=3, label=label)
    if kind == M.SPARSITY:
        ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:,.0f}")
    if not shown:
        _placeholder(ax, "No evaluator metrics yet")
        return
    if any_baseline:
        ax.plot([], [], color="#555", linestyle="--", linewidth=0.9, label="before training")
    if len(metrics) > len(shown):
        ax.plot([], [], " ", label=f"+ {len(metrics) - len(shown)} more in the results")
    _legend(ax, title)


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
    MAX_DRAW_SHARE = 0.01  # throttled draws take at most this share of the time (see the module's docstring)

    def __init__(
        self,
        min_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        render: Callable[..., bytes] = render_png,
        background: bool = False,
    ):
        self.widget = widgets.Image(
            format="png", layout=widgets.Layout(width="100%", max_width="520px", display="none")
        )
        self.widget.add_class("wb-plot")
        self.min_interval = min_interval
        self.clock = clock
        self.render = render
        self.background = background
        self.draws = 0
        self._last = float("-inf")
        self._gap = (
            min_interval  # least seconds from this draw to the next: min_interval, or more for slow draws
        )
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
            if self._pending is None or (not force and self.clock() - self._last < self._gap):
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
            self._gap = self.min_interval
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
            started = self.clock()
            png = self.render(history, baseline, primary=primary)
            took = self.clock() - started
            with self._lock:
                self._gap = max(self.min_interval, took / self.MAX_DRAW_SHARE)
                if seq <= self._floor:
                    return False
                self._floor = seq
                self.widget.value = png
                self.widget.layout.display = ""
                self.draws += 1
        return True
