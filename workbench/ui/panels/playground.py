"""The "Try it" tab: a run's base model and trained model side by side on a corpus of the user's texts.

Pick a run (the one shown, or any finished run), a corpus (the run's eval or train texts, or a file of your own),
type a query: both models' top-k, each text with its score and how many places the trained model moved it (▲3: it
ranks it 3 places higher than the base model). Two texts get both models' similarity. The panel only binds to a
:class:`~workbench.session.PlaygroundSession`, which does the work in a background thread.
"""

from __future__ import annotations

import ipywidgets as widgets

from ...data import UPLOAD_ACCEPT
from ...session import PlaygroundSession, error_text
from ..widgets import esc, hide_count, hint, section, upload_content

STYLE = """<style>
.wb-app .wb-try-results { display: flex; flex-flow: row wrap; gap: 12px; }
.wb-app .wb-try-side { flex: 1 1 280px; min-width: 0; }
.wb-app .wb-try-up { color: #0b6b2c; font-weight: 600; white-space: nowrap; }
.wb-app .wb-try-down { color: #a4000f; font-weight: 600; white-space: nowrap; }
.wb-app .wb-try-same { color: #888; }
.wb-app .wb-try-tokens { color: #555; font-size: 12px; }
.wb-app table.wb-try-table td:nth-child(1), .wb-app table.wb-try-table td:nth-child(3),
  .wb-app table.wb-try-table td:nth-child(4) { white-space: nowrap; }
</style>"""
ROLE_TITLES = {"base": "Base model", "trained": "Trained model"}
# The rank-change column: beside the base model's hits it tells where training moved them (a "Change" there read as
# a change of the base model).
CHANGE_TITLES = {"base": "After training", "trained": "Change"}


def change_html(change: int) -> str:
    """A rank change as the tab shows it: ▲3 (the trained model ranks it 3 places higher), ▼2, or =."""
    if change > 0:
        return f"<span class='wb-try-up' title='{change} places higher after training'>▲{change}</span>"
    if change < 0:
        return f"<span class='wb-try-down' title='{-change} places lower after training'>▼{-change}</span>"
    return "<span class='wb-try-same' title='The same place after training'>=</span>"


def _tokens(tokens) -> str:
    return ", ".join(f"{esc(t)} {w:.2f}" for t, w in tokens)


def side_html(role: str, hits: list[dict], tokens=None) -> str:
    """One model's top-k as a table: rank, text, score and (beside each text) its rank change."""
    rows = []
    for h in hits:
        extra = f"<div class='wb-try-tokens'>{_tokens(h['tokens'])}</div>" if h.get("tokens") else ""
        rows.append(
            f"<tr class='wb-try-hit'><td>{h['rank']}</td><td>{esc(h['text'])}{extra}</td>"
            f"<td>{h['score']:.4f}</td><td>{change_html(h['change'])}</td></tr>"
        )
    query_tokens = f"<div class='wb-try-tokens'>Query tokens: {_tokens(tokens)}</div>" if tokens else ""
    return (
        f"<div class='wb-try-side' data-role='{role}'><div class='wb-section'>{ROLE_TITLES[role]}</div>"
        f"{query_tokens}<table class='wb-table wb-try-table'><thead><tr><th>#</th><th>Text</th><th>Score</th>"
        f"<th title='How many places the trained model moved it'>{CHANGE_TITLES[role]}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def results_html(result: dict) -> str:
    """Both models' top-k side by side (empty before the first search)."""
    if not result:
        return ""
    tokens = result.get("tokens") or {}
    note = f"<div class='wb-hint'>{esc(result['note'])}</div>" if result.get("note") else ""
    return (
        f"{note}<div class='wb-try-results'>"
        + "".join(side_html(role, result[role], tokens.get(role)) for role in ("base", "trained"))
        + "</div>"
    )


def pair_html(scores: dict) -> str:
    if not scores:
        return ""
    base, trained = scores["base"], scores["trained"]
    return (
        f"<div class='wb-try-pair'>Base model: <b>{base:.4f}</b> · Trained model: <b>{trained:.4f}</b> "
        f"({'+' if trained >= base else ''}{trained - base:.4f})</div>"
    )


class PlaygroundPanel(widgets.VBox):
    """The "Try it" tab.

    Args:
        session: The app's Session (its runs folder and the run it shows).
        playground: The state to bind to (default: a new :class:`PlaygroundSession` of ``session``).
    """

    name = "playground"
    title = "Try it"

    def __init__(self, session, playground: PlaygroundSession | None = None, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self.play = play = playground or PlaygroundSession(session)
        self._binding = False  # True while the panel itself sets the pickers (not a person's choice)
        self.add_class("wb-panel")
        self.add_class("wb-panel-playground")
        wide = {"description_width": "70px"}
        self.run = widgets.Dropdown(description="Run", style=wide, layout=widgets.Layout(flex="1 1 auto"))
        self.refresh = widgets.Button(description="Refresh", layout=widgets.Layout(width="90px"))
        self.corpus = widgets.Dropdown(
            description="Corpus", style=wide, layout=widgets.Layout(flex="1 1 auto")
        )
        self.upload = hide_count(
            widgets.FileUpload(
                accept=UPLOAD_ACCEPT,
                multiple=False,
                description="Use a file…",
                layout=widgets.Layout(width="120px"),
            )
        )
        self.query = widgets.Text(
            description="Query",
            placeholder="Type a query",
            style=wide,
            layout=widgets.Layout(flex="1 1 auto"),
        )
        self.query.add_class("wb-try-query")
        self.k = widgets.BoundedIntText(
            value=10, min=1, max=100, description="Top", layout=widgets.Layout(width="130px")
        )
        self.search = widgets.Button(
            description="Search", button_style="primary", layout=widgets.Layout(width="100px")
        )
        self.search.add_class("wb-try-search")
        self.text_a = widgets.Text(placeholder="First text", layout=widgets.Layout(flex="1 1 200px"))
        self.text_b = widgets.Text(placeholder="Second text", layout=widgets.Layout(flex="1 1 200px"))
        self.compare = widgets.Button(description="Compare", layout=widgets.Layout(width="100px"))
        self.compare.add_class("wb-try-compare")
        self.bar = widgets.FloatProgress(
            min=0.0, max=1.0, layout=widgets.Layout(width="100%", display="none")
        )
        self.status = widgets.HTML()
        self.status.add_class("wb-try-status")
        self.results = widgets.HTML()
        self.results.add_class("wb-try-output")
        self.pair = widgets.HTML()
        self.pair.add_class("wb-try-pair-output")
        self.empty = hint("No finished run yet: train a model, then try it here.")

        self.run.observe(self._run_picked, "value")
        self.corpus.observe(self._corpus_picked, "value")
        self.upload.observe(self._uploaded, "value")
        self.refresh.on_click(self._guard(lambda b: play.refresh_runs()))
        self.search.on_click(self._guard(lambda b: self.do_search()))
        self.compare.on_click(self._guard(lambda b: play.compare(self.text_a.value, self.text_b.value)))
        play.observe(self._runs_changed, "runs")
        play.observe(self._run_changed, ["run_dir", "model_type"])
        play.observe(self._corpora_changed, ["corpora", "corpus"])
        play.observe(self._busy_changed, ["busy", "progress", "message", "error"])
        play.observe(lambda c: setattr(self.results, "value", results_html(play.result)), "result")
        play.observe(lambda c: setattr(self.pair, "value", pair_html(play.pair_result)), "pair_result")
        row = {"flex_flow": "row wrap", "align_items": "center", "width": "100%"}
        self.children = (
            widgets.HTML(STYLE),
            hint(
                "Compare the model before and after training on your own texts. ▲3 beside a text: the trained "
                "model ranks it 3 places higher than the base model."
            ),
            self.empty,
            widgets.HBox([self.run, self.refresh], layout=widgets.Layout(**row)),
            widgets.HBox([self.corpus, self.upload], layout=widgets.Layout(**row)),
            widgets.HBox([self.query, self.k, self.search], layout=widgets.Layout(**row)),
            self.bar,
            self.status,
            self.results,
            section("Two texts"),
            widgets.HBox([self.text_a, self.text_b, self.compare], layout=widgets.Layout(**row)),
            self.pair,
        )
        self._runs_changed()
        self._run_changed()
        self._corpora_changed()
        self._busy_changed()

    # ---- binding ----

    def _guard(self, fn):
        def wrapped(*args):
            try:
                fn(*args)
            except Exception as exc:  # noqa: BLE001 - said under the controls, never a traceback
                self.play.error = error_text(exc)

        return wrapped

    def do_search(self) -> None:
        self.play.search(self.query.value, self.k.value)

    def _set(self, fn) -> None:
        """Set pickers from the state: a Dropdown given new options picks one itself, which is no choice."""
        self._binding = True
        try:
            fn()
        finally:
            self._binding = False

    def _runs_changed(self, change=None):
        runs = self.play.runs
        paths = [path for _, path in runs]

        def bind():
            self.run.options = list(runs)
            self.run.value = self.play.run_dir if self.play.run_dir in paths else None

        self._set(bind)
        self.empty.layout.display = "none" if runs else ""

    def _run_changed(self, change=None):
        if self.run.value != self.play.run_dir and self.play.run_dir in [p for _, p in self.play.runs]:
            self._set(lambda: setattr(self.run, "value", self.play.run_dir))
        cross = self.play.model_type == "cross-encoder"
        self.search.description = "Rerank" if cross else "Search"
        self.search.tooltip = {
            "cross-encoder": "Score every text of the corpus against the query with both cross-encoders",
            "multi-vector": "Score every text of the corpus with both models' MaxSim (late interaction)",
        }.get(self.play.model_type, "Find the closest texts of the corpus with both models")

    def _run_picked(self, change):
        if not self._binding and change["new"] and change["new"] != self.play.run_dir:
            self._guard(self.play.use_run)(change["new"])

    def _corpora_changed(self, change=None):
        def bind():
            corpora = list(self.play.corpora)
            self.corpus.options = corpora
            # corpora and corpus change one after the other: the label may not be among the new ones yet.
            self.corpus.value = self.play.corpus if self.play.corpus in corpora else None

        self._set(bind)

    def _corpus_picked(self, change):
        if not self._binding and change["new"] and change["new"] != self.play.corpus:
            self.play.corpus = change["new"]

    def _uploaded(self, change):
        files = change["new"]
        if files:
            item = files[0]
            self._guard(lambda: self.play.upload(item["name"], upload_content(item)))()

    def _busy_changed(self, change=None):
        p = self.play
        for w in (self.search, self.compare, self.run, self.corpus, self.upload):
            w.disabled = p.busy
        self.bar.value = p.progress
        self.bar.layout.display = "" if p.busy and 0 < p.progress < 1 else "none"
        if p.error:
            self.status.value = f"<span class='wb-error'>{esc(p.error)}</span>"
        else:
            self.status.value = f"<span class='wb-hint'>{esc(p.message)}</span>" if p.message else ""
