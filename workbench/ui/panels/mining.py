"""The Data tab's hard-negative wizard: pick a train dataset of (query, positive) pairs and its columns, a preset (the
library's parameters one click away), optionally more candidate texts, a cross-encoder to rescore, faiss; then see
what it did (queries with negatives, skipped, a histogram of positive vs negative scores, the first rows). The mined
rows become a new train dataset; the person's file is never changed."""

from __future__ import annotations

import io
import threading
import time

import ipywidgets as widgets

from ...errors import WorkbenchError
from ...rules import MINING_PRESETS
from ...session import error_text, estimate_seconds, faiss_available, mine_for, output_format_for
from ..one_at_a_time import one_at_a_time
from ..widgets import esc, hint, html_table, run_in_thread, set_options, short

STYLE = {"description_width": "150px"}
_PREVIEW_ROWS = 5


def scores_png(positive: list[float], negative: list[float]) -> bytes:
    """Overlaid histograms of the positives' and the negatives' scores (PNG)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.6, 2.2), dpi=100)
    ax = fig.add_subplot()
    values = positive + negative
    bins = 20 if values else 1
    if positive:
        ax.hist(positive, bins=bins, alpha=0.6, label=f"positives ({len(positive)})", color="#2a7ab9")
    if negative:
        ax.hist(negative, bins=bins, alpha=0.6, label=f"negatives ({len(negative)})", color="#c0392b")
    ax.set_xlabel("similarity to the query")
    ax.set_ylabel("rows")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


class MiningBox(widgets.VBox):
    """The wizard (shown in the Data tab, folded until opened).

    Args:
        panel: The DatasetPanel (its session and error reporting).
    """

    def __init__(self, panel, **kwargs):
        super().__init__(**kwargs)
        self.panel, self.session = panel, panel.session
        self.add_class("wb-mining")
        self.dataset = widgets.Dropdown(description="Pairs to mine for", style=STYLE)
        self.anchor = widgets.Dropdown(description="Query column", style=STYLE)
        self.positive = widgets.Dropdown(description="Positive column", style=STYLE)
        self.pool = widgets.Dropdown(description="Candidate texts", style=STYLE)
        self.preset = widgets.ToggleButtons(
            options=list(MINING_PRESETS), value="safe", style={"button_width": "90px"}
        )
        self.preset_text = hint("")
        self.negatives = widgets.BoundedIntText(
            value=3, min=1, max=50, description="Negatives per query", style=STYLE
        )
        self.show_raw = widgets.Checkbox(description="Set the library's parameters", indent=False)
        self.range_min = widgets.Text(description="range_min", placeholder="from the preset", style=STYLE)
        self.relative_margin = widgets.Text(
            description="relative_margin", placeholder="from the preset", style=STYLE
        )
        self.max_score = widgets.Text(description="max_score", placeholder="none", style=STYLE)
        self.cross = widgets.Text(
            description="Rescore with", placeholder="a cross-encoder (optional)", style=STYLE
        )
        self.faiss = widgets.Checkbox(
            description="Use faiss (large pools)", indent=False, disabled=not faiss_available()
        )
        if not faiss_available():
            self.faiss.tooltip = "faiss is not installed here (pip install faiss-cpu)"
        self.raw_box = widgets.VBox(
            [self.range_min, self.relative_margin, self.max_score, self.cross, self.faiss],
            layout=widgets.Layout(display="none"),
        )
        self.go = widgets.Button(
            description="Mine hard negatives", button_style="primary", icon="search",
            layout=widgets.Layout(width="auto", flex="0 0 auto"),  # its whole label beside the progress bar
        )  # fmt: skip
        self.go.add_class("wb-mine")
        self.progress = widgets.FloatProgress(
            value=0, max=1, layout=widgets.Layout(width="50%", display="none")
        )
        self.progress.add_class("wb-mine-progress")
        self.result = widgets.HTML()
        self.result.add_class("wb-mine-result")
        self.plot = widgets.Image(format="png", layout=widgets.Layout(display="none", max_width="100%"))
        self.children = [
            hint(
                "Hard negatives are texts that look like a query's answer but are not: training with them teaches "
                "finer distinctions. The mined rows are added as a new train dataset; your file stays as it is."
            ),
            self.dataset, self.anchor, self.positive, self.pool,
            widgets.HBox([widgets.Label("Preset"), self.preset]), self.preset_text,
            self.negatives, self.show_raw, self.raw_box,
            widgets.HBox([self.go, self.progress]), self.result, self.plot,
        ]  # fmt: skip
        self.dataset.observe(lambda c: self._columns(), "value")
        self.preset.observe(lambda c: self._preset_text(), "value")
        self.show_raw.observe(
            lambda c: setattr(self.raw_box.layout, "display", "" if c["new"] else "none"), "value"
        )
        self.go.on_click(panel.guard(self._mine))
        self.session.observe(lambda c: self.refresh(), names=["datasets", "data_version"])
        self._preset_text()
        self.refresh()

    # ---- choices ----

    @one_at_a_time
    def refresh(self) -> None:
        s = self.session
        train = [(e.name, e.key) for e in s.entries("train") if s.dataset(e.key) is not None]
        # Set at every refresh, unlike ui.widgets.offer: each refresh sends the page the kernel's choice again.
        set_options(self.dataset, train, train[0][1] if train else None)
        pools = [("the positives only", "")] + [
            (f"{e.key} · {col}", f"{e.key}\t{col}")
            for e in s.datasets
            if (prof := s.profile(e.key)) is not None
            for c in prof.columns
            if c.role == "text"
            for col in (c.name,)
        ]
        set_options(self.pool, pools, "")
        self._columns()

    @one_at_a_time
    def _columns(self) -> None:
        prof = self.session.profile(self.dataset.value) if self.dataset.value else None
        texts = [c.name for c in prof.columns if c.role == "text"] if prof is not None else []
        self.anchor.options, self.positive.options = texts, texts
        if len(texts) >= 2:
            self.anchor.value, self.positive.value = texts[0], texts[1]
        self.go.disabled = len(texts) < 2

    def _preset_text(self) -> None:
        self.preset_text.value = hint(MINING_PRESETS[self.preset.value][0][:1].upper()
                                      + MINING_PRESETS[self.preset.value][0][1:] + ".").value  # fmt: skip

    def _overrides(self) -> dict:
        out = {}
        for name, box, cast in (
            ("range_min", self.range_min, int),
            ("relative_margin", self.relative_margin, float),
            ("max_score", self.max_score, float),
        ):
            text = box.value.strip()
            if text:
                try:
                    out[name] = cast(text)
                except ValueError:
                    raise WorkbenchError(
                        f"the value of {name} must be a {'whole ' if cast is int else ''}number, got {text!r}.",
                        fix="clear it to use the preset's value.",
                        where="dataset",
                    ) from None
        return out

    # ---- mining (a background thread; widgets get trait assignments only) ----

    def _mine(self, button=None) -> None:
        # Not half-way through an upload's edit (the demo it replaces still offered): see Session.editing.
        with self.session.editing():
            key, anchor, positive = self.dataset.value, self.anchor.value, self.positive.value
        if anchor == positive:
            self.result.value = (
                "<span class='wb-error'>The query and the positive must be two columns.</span>"
            )
            return
        try:  # the wizard's own questions are answered in the wizard, whatever tab they concern
            fmt = output_format_for(
                self.session, key, self.negatives.value
            )  # a loss without negatives: refused
            overrides = self._overrides()
        except WorkbenchError as exc:
            self.result.value = f"<span class='wb-error'>{esc(error_text(exc))}</span>"
            return
        corpus = tuple(self.pool.value.split("\t")) if self.pool.value else None
        args = dict(
            preset=self.preset.value, num_negatives=self.negatives.value, corpus=corpus,
            cross_encoder=self.cross.value.strip(), use_faiss=self.faiss.value, **overrides,
        )  # fmt: skip
        pool = self.session.dataset(corpus[0]).num_rows if corpus else 0
        estimate = estimate_seconds(self.session, key, pool)
        done = threading.Event()
        self.go.disabled, self.plot.layout.display = True, "none"
        self.progress.layout.display, self.progress.value = "", 0.0
        self.result.value = hint(f"Embedding the texts and mining {fmt} rows (about {estimate:.0f} s)…").value

        def tick():  # an estimate of the time left, capped: the library reports no progress of its own
            started = time.monotonic()
            while not done.wait(0.5):
                self.progress.value = min(0.95, (time.monotonic() - started) / estimate)

        threading.Thread(target=tick, daemon=True).start()

        def finished(outcome):
            done.set()
            result, entry = outcome
            self.progress.value, self.progress.bar_style = 1.0, "success"
            self.go.disabled = False
            self._show(result, entry)  # the summary last: whoever waits for it finds the rest in place

        def failed(exc):
            done.set()
            self.progress.layout.display = "none"
            self.result.value = f"<span class='wb-error'>{esc(error_text(exc))}</span>"
            self.go.disabled = False

        run_in_thread(lambda: mine_for(self.session, key, anchor, positive, **args), finished, failed)

    def _show(self, result, entry) -> None:
        self.plot.value = scores_png(result.positive_scores, result.negative_scores)
        self.plot.layout.display = ""
        rows = result.dataset.select(range(min(_PREVIEW_ROWS, result.dataset.num_rows)))
        table = html_table(
            rows.column_names, [[short(v, 60) for v in row.values()] for row in rows], "wb-mine-preview"
        )
        self.result.value = (
            f"<div class='wb-ok'>{esc(result.summary()[:1].upper() + result.summary()[1:])} Added as the train "
            f"dataset <b>{esc(entry.name)}</b>; remove the original pairs in the list above to train on the "
            f"mined rows only.</div>{table}"
        )
