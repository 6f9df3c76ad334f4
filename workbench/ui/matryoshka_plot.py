"""Matryoshka, measured: quality vs embedding size and bytes per vector, from a run summary's ``matryoshka`` entry
(`workbench.engine.dims_summary`), and the choice of a size to save with the model.

A matplotlib Figure (never pyplot) rendered to PNG bytes for a ``widgets.Image``; updating it is a trait
assignment. Saving the chosen size goes through the ``on_save`` callback the app gives (the session's action), so
this module needs no engine.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import ipywidgets as widgets

from .plots import COLORS
from .widgets import esc

FLOAT32_BYTES = 4


def _bytes(dim: int) -> str:
    size = FLOAT32_BYTES * dim
    return f"{size / 1024:g} KiB" if size >= 1024 else f"{size} B"


def dim_rows(matryoshka: dict) -> list[tuple[str, str, list[tuple[int, float | None, float | None]]]]:
    """Per evaluator: (name, primary metric key, [(size, before, after)] largest size first)."""
    dims = [int(d) for d in matryoshka.get("dims") or ()]
    before, after = matryoshka.get("baseline") or {}, matryoshka.get("final") or {}
    keys = matryoshka.get("primary_metrics") or {}
    out = []
    for name in dict.fromkeys([*after, *before]):
        points = [(d, before.get(name, {}).get(str(d)), after.get(name, {}).get(str(d))) for d in dims]
        out.append((name, keys.get(name, name), points))
    return out


def draw_dims(matryoshka: dict, *, width: float = 6.4, height: float = 3.0, dpi: int = 100):
    """Quality (each evaluator's primary metric) vs embedding size, before (dashed) and after training (solid);
    the top axis gives each size's bytes per float32 vector."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullLocator

    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    dims = sorted(int(d) for d in matryoshka.get("dims") or ())
    for i, (_, key, points) in enumerate(dim_rows(matryoshka)):
        color = COLORS[i % len(COLORS)]
        for pos, (style, label) in ((1, ("--", "before")), (2, ("-", "after"))):
            xy = [(p[0], p[pos]) for p in points if p[pos] is not None]
            if xy:
                xs, ys = zip(*sorted(xy), strict=True)
                ax.plot(xs, ys, style, marker="o", color=color, label=f"{key} ({label})")
    if dims:
        ax.set_xscale("log", base=2)
        ax.set_xticks(dims, [str(d) for d in dims])
        ax.xaxis.set_minor_locator(NullLocator())  # the log scale's own ticks would crowd the sizes
        top = ax.secondary_xaxis("top")
        top.set_xticks(dims, [_bytes(d) for d in dims])
        top.xaxis.set_minor_locator(NullLocator())
        top.tick_params(labelsize=7)
        top.set_xlabel("bytes per vector (float32)", fontsize=8)
    ax.set_xlabel("embedding size (dimensions)", fontsize=8)
    ax.set_ylabel("quality (higher is better)", fontsize=8)
    ax.tick_params(labelsize=7.5)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        # Below the axes: inside, the legend hid the points of the largest sizes.
        fig.legend(fontsize=7, loc="outside lower center", ncols=2, frameon=False)
    return fig


def render_dims_png(matryoshka: dict, **kwargs) -> bytes:
    """:func:`draw_dims` as PNG bytes."""
    buf = io.BytesIO()
    draw_dims(matryoshka, **kwargs).savefig(buf, format="png")
    return buf.getvalue()


def dims_table(matryoshka: dict) -> str:
    """The same numbers as a table: size, bytes per vector, each evaluator's metric before → after."""
    rows = dim_rows(matryoshka)
    if not rows:
        return ""
    head = "".join(f"<th>{esc(key)}</th>" for _, key, _ in rows)
    body = []
    for j, dim in enumerate(int(d) for d in matryoshka.get("dims") or ()):
        cells = "".join(
            "<td>" + " → ".join("–" if v is None else f"{v:.4f}" for v in points[j][1:]) + "</td>"
            for _, _, points in rows
        )
        body.append(f"<tr data-dim='{dim}'><td>{dim}</td><td>{_bytes(dim)}</td>{cells}</tr>")
    return (
        "<table class='wb-table wb-dims-table'><thead><tr><th>Size</th><th>Bytes per vector</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


class DimensionPlot(widgets.VBox):
    """The quality-vs-size plot, its table, and "Save this size with the model" (hidden until a run measured sizes).

    Args:
        on_save: Called with the chosen size when the person saves it (the app's action writes ``truncate_dim``
            into the saved model); None hides the button.
    """

    def __init__(self, on_save: Callable[[int], None] | None = None):
        self.on_save = on_save
        self.image = widgets.Image(format="png")
        self.table = widgets.HTML()
        self.size = widgets.Dropdown(description="Size to save", options=[])
        self.save = widgets.Button(
            description="Save this size with the model",
            button_style="info",
            layout=widgets.Layout(width="auto"),
        )
        self.status = widgets.HTML()
        self.save.on_click(self._save)
        controls = widgets.HBox([self.size, self.save])
        controls.layout.display = "" if on_save is not None else "none"
        title = widgets.HTML("<b>Quality at each embedding size (Matryoshka)</b>")
        super().__init__([title, self.image, self.table, controls, self.status])
        self.add_class("wb-dims")
        self.layout.display = "none"

    def show(self, matryoshka: dict | None) -> None:
        """Draw a summary's ``matryoshka`` entry (None or no sizes: hidden)."""
        if not matryoshka or not matryoshka.get("dims"):
            self.layout.display = "none"
            return
        self.image.value = render_dims_png(matryoshka)
        self.table.value = dims_table(matryoshka)
        dims = [int(d) for d in matryoshka["dims"]]
        self.size.options = [(f"{d} ({_bytes(d)} per vector)", d) for d in dims]
        self.size.value = dims[0]
        self.status.value = ""
        self.layout.display = ""

    def _save(self, button=None) -> None:
        if self.on_save is None or self.size.value is None:
            return
        try:
            self.on_save(int(self.size.value))
        except Exception as exc:  # noqa: BLE001 - shown to the person, who can pick again
            self.status.value = f"<div class='wb-error'>The size could not be saved: {esc(exc)}</div>"
            return
        self.status.value = (
            f"<div class='wb-hint'>Saved: the model now encodes to {self.size.value} dimensions "
            "(SentenceTransformer reads truncate_dim from its config).</div>"
        )
