"""Workbench: every panel composed around ONE Session, as one widget.

``Workbench()`` is the whole app (the Voila entry notebook is just that line). It never calls ``display()``
itself: a notebook shows it as the cell's value. It paints without importing torch or sentence-transformers;
the datasets load, and sentence-transformers is imported, in one background thread afterwards.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import ipywidgets as widgets

from ..errors import WorkbenchError
from ..session import (
    TAB_NAMES,
    Session,
    autosave_path,
    checked_spec,
    data_key,
    error_text,
    leak_lines,
    panel_for,
    restore_hint,
    runs_dir,
    workbench_home,
)
from ..spec import RunSpec
from .estimate import EstimateView
from .page_ready import after_widgets_sent, on_page_open, preheated
from .panels import (
    ArgsPanel,
    ColumnsPanel,
    ComparePanel,
    DatasetPanel,
    EvaluatorsPanel,
    LossPanel,
    ModelPanel,
    PlaygroundPanel,
    TrainPanel,
)
from .style import CSS
from .widgets import Deferred, esc, hide_count, hint, upload_content

TOUR = (
    "<b>1</b> pick a model → <b>2</b> add data → <b>3</b> map the columns → <b>4</b> choose a loss → "
    "<b>5</b> adjust settings → <b>6</b> pick evaluators → <b>Start training</b>."
)


class Workbench(widgets.VBox):
    """The sentence-workbench app.

    Args:
        session: The Session to drive (default: the configuration in ``$WORKBENCH_CONFIG`` if set, else the
            demo state from :meth:`Session.default`).
        autosave: Write the configuration to ``autosave_path()`` after every change, and offer to restore the
            previous one.
        load: Load the datasets (and warm up sentence-transformers) in a background thread right away.
        plot_interval: Least seconds between two redraws of the live plot.
    """

    def __init__(
        self,
        session: Session | None = None,
        *,
        autosave: bool = True,
        load: bool = True,
        plot_interval: float = 1.5,
        **kwargs,
    ):
        from .colab import setup_colab
        from .lean_state import lean_states

        super().__init__(**kwargs)
        setup_colab()
        lean_states()  # a page's first answer (every widget's state) without the Layouts' unset properties
        self.autosave_file = autosave_path() if autosave else None
        self.last_session = self._read_last_session()
        if session is None:
            session = self._initial_session()
        # A pre-heated kernel (built before its page is asked for) saves nothing until its page comes: the
        # autosave holds the settings of the page before it, which 'Restore last session' offers then.
        waits = load and preheated()
        if self.autosave_file is not None and not waits:
            session.autosave = self.autosave_file
        self.session = session
        self.model = ModelPanel(session)
        self.dataset = DatasetPanel(session)
        self.columns = ColumnsPanel(session)
        self.loss = LossPanel(session)
        self.args = ArgsPanel(session)
        self.evaluators = EvaluatorsPanel(session)
        self.train = TrainPanel(session, plot_interval=plot_interval)
        self.config_panels = [self.model, self.dataset, self.columns, self.loss, self.args, self.evaluators]
        # Tabs after the numbered steps ("Try it": after the settings, never locked by a run), built when first
        # opened: the page paints sooner, with a fifth fewer widgets.
        self.more_panels = [
            Deferred(lambda: PlaygroundPanel(session), PlaygroundPanel.name, PlaygroundPanel.title),
            Deferred(lambda: ComparePanel(session), ComparePanel.name, ComparePanel.title),
        ]
        # Side by side down to 1024 px wide (560 + 380 + the gap fit in the page); narrower, the run column wraps
        # below while the run bar keeps Start, Stop and the status in view.
        self.tabs = widgets.Tab(
            children=self.config_panels + self.more_panels,
            layout=widgets.Layout(flex="3 1 560px", min_width="0"),
        )
        self.tabs.add_class("wb-tabs")
        self._titles()
        self.tabs.observe(self._tab_opened, "selected_index")
        session.observe(self._titles, names=["errors", "invalid", "data_errors", "datasets"])
        self.train.layout = widgets.Layout(flex="2 1 380px", min_width="0", padding="0 0 0 12px")
        self.runbar = self._run_bar()
        self.toolbar = self._toolbar()
        header = self.header = widgets.HTML()
        self._header()
        session.observe(self._header, ["datasets", "data_version", "data_errors", "settings_of", "status"])
        body = widgets.HBox(
            [self.tabs, self.train],
            layout=widgets.Layout(flex_flow="row wrap", width="100%", align_items="flex-start"),
        )
        self.children = (widgets.HTML(CSS), self.runbar, header, self.toolbar, body)
        self.add_class("wb-app")
        if load:
            # A thread-backend run needs sentence-transformers in this kernel: import it while the person reads.
            # In a served page, after the page has its widgets (the loading's imports would slow the first paint).
            after_widgets_sent(lambda: session.load_all(warm=session.control.backend == "thread"))
            if session.control.backend != "thread":  # the Training settings tab's facts, read in a child
                session.actions.prefetch_training_facts()
            # After a reload (or from a second page), the run under way in the runs folder is shown at once; a
            # pre-heated app looks when its page comes (a run going now may have ended by then: its page would
            # open on that ended run, its settings in the tabs, instead of a fresh page).
            if waits:
                on_page_open(self.page_opened)
            else:
                session.control.attach_running()
        if not waits:
            self._offer_restore()

    def _read_last_session(self) -> str | None:
        """The autosaved settings of the page before this one (None: none, or unreadable)."""
        try:
            return self.autosave_file.read_text(encoding="utf-8") if self.autosave_file else None
        except OSError:  # none yet, or unreadable
            return None

    def page_opened(self) -> None:
        """A pre-heated app's page has come (maybe minutes after the app was built): read again what other pages
        may have changed since — the autosaved settings, the runs folder, a run started meanwhile — and autosave
        from now on."""
        self.last_session = self._read_last_session()
        if self.autosave_file is not None:
            self.session.autosave = self.autosave_file
        self.session.control.attach_running()
        self.train.runs.refresh_list()
        self._lock()
        self._offer_restore()

    def _offer_restore(self) -> None:
        """On the demo, how to get the last session's own data back (a reload seemed to have lost the upload)."""
        if text := restore_hint(self.last_session, self.session):
            self.toolbar_msg.value = f"<span class='wb-hint wb-restore-hint'>{esc(text)}</span>"

    # ---- setup ----

    def _initial_session(self) -> Session:
        path = os.environ.get("WORKBENCH_CONFIG")
        if path:
            from ..spec import load_config

            try:
                return Session.from_spec(checked_spec(load_config(path)))
            except Exception as exc:  # noqa: BLE001 - fall back to the demo, and say why
                session = Session.default()
                session.report(f"The config file {path} could not be used: {error_text(exc)}", "train")
                return session
        return Session.default()

    def _header(self, change=None):
        """The top line: what the app does, the data a run would use now (the loader thread may call it), and eval
        rows that are also train rows (a leak), before Start rather than in the verdict only."""
        leaks = "".join(f"<div class='wb-warn wb-leak'>{esc(x)}</div>" for x in leak_lines(self.session))
        self.header.value = (
            f"<div class='wb-title'><h2>Sentence Workbench</h2><div class='wb-hint'>Fine-tune an embedding model "
            f"on your own data, without writing code. {TOUR}</div><div class='wb-hint wb-data-summary'>"
            f"{esc(self.session.data_summary())}</div>{leaks}</div>"
        )

    def _run_bar(self) -> widgets.Widget:
        """Start, Stop and the status line, taken out of the Train panel into a bar that stays at the top of the
        page (css ``wb-runbar``: sticky), with a line saying which field blocks Start."""
        t = self.train
        moved = (t.start, t.stop, t.runs.resume, t.runs.overwrite, t.status)
        # The Train panel lays them out itself: take them out of it, so they show once, in the bar.
        t.children = tuple(
            c
            for c in t.children
            if c not in moved and not (isinstance(c, widgets.Box) and set(c.children) <= set(moved))
        )
        self.estimate = EstimateView(self.session)  # "about N min" before Start (a probe in a subprocess)
        self.blocked = widgets.HTML()
        self.blocked.add_class("wb-blocked")
        self.session.observe(self._blocked, "invalid")
        self._blocked()
        bar = widgets.VBox(
            [
                widgets.HBox(
                    [t.start, t.stop, t.runs.resume, t.runs.overwrite, self.estimate, t.status],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.blocked,
            ]
        )
        bar.add_class("wb-runbar")
        return bar

    def _blocked(self, change=None):
        """Which field blocks Start (the first, in tab order), and in which tab."""
        invalid = self.session.invalid
        if not invalid:
            self.blocked.value = ""
            return
        order = {p.name: i for i, p in enumerate(self.config_panels)}
        key = min(invalid, key=lambda k: (order.get(panel_for(k), len(order)), k))
        more = len(invalid) - 1
        self.blocked.value = (
            f"<span data-field='{esc(key)}'>Start is blocked until this is fixed "
            f"({TAB_NAMES[panel_for(key)]} tab): {esc(invalid[key])}"
            + (f" And {more} more field{'s' if more > 1 else ''}." if more else "")
            + "</span>"
        )

    def _titles(self, change=None):
        s = self.session
        marked = set(s.errors) | {panel_for(k) for k in s.invalid}
        if any(data_key(e.spec) in s.data_errors for e in s.datasets):
            marked.add("dataset")
        self.tabs.titles = tuple(
            f"{i + 1} · {p.title}" + (" ⚠" if p.name in marked else "")
            for i, p in enumerate(self.config_panels)
        ) + tuple(p.title + (" ⚠" if p.name in marked else "") for p in self.more_panels)

    @property
    def playground(self) -> PlaygroundPanel:
        """The "Try it" panel (built on first use)."""
        return self.more_panels[0].ensure()

    @property
    def compare(self) -> ComparePanel:
        """The "Compare runs" panel (built on first use)."""
        return self.more_panels[1].ensure()

    def tab_index(self, name: str) -> int:
        """The index of the tab of the panel called ``name``."""
        return next(i for i, p in enumerate(self.tabs.children) if p.name == name)

    def _tab_opened(self, change):
        opened = self.tabs.children[change["new"]] if change["new"] is not None else None
        if isinstance(opened, Deferred):
            fresh = not opened.built
            try:
                panel = opened.ensure()
            except Exception as exc:  # noqa: BLE001 - a tab that cannot be built says why, never a traceback
                self.session.report(exc, opened.name)
                return
            if panel is self.more_panels[1].content and not fresh:
                panel.refresh()  # runs started or ended since it was last shown
        if opened is self.args:
            try:
                self.args.ensure_form()
            except Exception as exc:  # noqa: BLE001 - shown in the panel, never as a traceback
                self.session.report(exc, "args")

    # ---- saving and loading settings ----

    def _toolbar(self) -> widgets.Widget:
        self.config_path = widgets.Text(
            value=str(workbench_home() / "configs" / "my-run.json"),
            description="Settings file",
            style={"description_width": "90px"},
            layout=widgets.Layout(width="430px"),
        )
        self.save_btn = widgets.Button(description="Save settings", layout=widgets.Layout(width="118px"))
        self.load_btn = widgets.Button(description="Load settings", layout=widgets.Layout(width="118px"))
        self.open_file = hide_count(
            widgets.FileUpload(
                accept=".json,.yaml,.yml",
                multiple=False,
                description="Open a settings file…",
                layout=widgets.Layout(width="170px"),
            )
        )
        self.restore_btn = widgets.Button(
            description="Restore last session",
            layout=widgets.Layout(width="160px"),
            disabled=not self._restorable(),
        )
        self.restore_btn.add_class("wb-restore")
        self.reset_btn = widgets.Button(
            description="Start over with the demo", layout=widgets.Layout(width="185px")
        )
        self.reset_btn.add_class("wb-reset")
        self.reset_yes = widgets.Button(description="Yes, start over", button_style="warning")
        self.reset_yes.add_class("wb-reset-yes")
        self.reset_no = widgets.Button(description="Cancel")
        self.reset_ask = widgets.HBox(
            [
                hint(
                    "Start over with the demo? Your datasets and settings are replaced (the current ones stay "
                    "available through 'Restore last session'); your runs stay in their folders."
                ),
                self.reset_yes,
                self.reset_no,
            ],
            layout=widgets.Layout(display="none", flex_flow="row wrap", align_items="center"),
        )
        self.toolbar_msg = widgets.HTML()
        self.reset_yes.on_click(self._guarded(lambda b: self.reset_to_demo()))
        self.reset_no.on_click(lambda b: setattr(self.reset_ask.layout, "display", "none"))
        self.save_btn.on_click(self._guarded(self.save_settings))
        self.load_btn.on_click(self._guarded(lambda b: self.load_settings(self.config_path.value)))
        self.open_file.observe(self._guarded(self._opened), "value")
        self.restore_btn.on_click(self._guarded(lambda b: self.restore_last()))
        self.reset_btn.on_click(lambda b: setattr(self.reset_ask.layout, "display", ""))
        self._locked = [self.load_btn, self.open_file, self.restore_btn, self.reset_btn, self.reset_yes]
        self.session.observe(self._lock, "status")
        return widgets.VBox(
            [
                # one row where it fits (1400 px), two at 1024 px: the page's own content starts higher
                widgets.HBox(
                    [
                        self.config_path,
                        self.save_btn,
                        self.load_btn,
                        self.open_file,
                        self.restore_btn,
                        self.reset_btn,
                    ],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.toolbar_msg,
                self.reset_ask,
            ]
        )

    def _guarded(self, fn):
        def wrapped(*args):
            try:
                fn(*args)
            except Exception as exc:  # noqa: BLE001 - a message under the toolbar, never a traceback
                self.toolbar_msg.value = f"<span class='wb-error'>{esc(error_text(exc))}</span>"

        return wrapped

    def _lock(self, change=None):
        busy = self.session.running
        for w in self._locked:
            w.disabled = busy or (w is self.restore_btn and not self._restorable())

    def _restorable(self) -> bool:
        return bool(self.last_session)

    def save_settings(self, button=None) -> Path:
        """Write the configuration to the settings-file path (and offer it as a download)."""
        path = self.session.save_config(self.config_path.value.strip())
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        self.toolbar_msg.value = (
            f"<span class='wb-ok'>Saved to {esc(path)}.</span> <a download='{esc(path.name)}' "
            f"href='data:application/json;base64,{b64}'>Download it</a>"
        )
        return path

    def load_settings(self, path: str) -> None:
        """Apply a config file (the RunSpec schema); its datasets load in the background."""
        self.session.load_config(path.strip())
        self.toolbar_msg.value = f"<span class='wb-ok'>Loaded {esc(path)}.</span>"

    def _opened(self, change):
        files = change["new"]
        if not files:
            return
        item = files[0]
        content = upload_content(item)
        folder = workbench_home() / "configs"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(item["name"]).name
        target.write_bytes(content)
        self.config_path.value = str(target)
        self.load_settings(str(target))

    def restore_last(self) -> None:
        """Apply the configuration autosaved by the previous session."""
        if not self.last_session:
            raise WorkbenchError("There is no earlier session to restore.")
        spec = RunSpec.from_dict(json.loads(self.last_session))
        self.session.apply_spec(spec)
        # A folder the app picked itself (runs/<date-time>) gets a fresh one at the next Start.
        self.session.auto_output = Path(spec.output_dir).parent == runs_dir()
        self.session.load_all()
        self.toolbar_msg.value = "<span class='wb-ok'>Restored the last session.</span>"

    def reset_to_demo(self) -> None:
        """The demo configuration and a clean run view; the replaced settings stay restorable."""
        self.reset_ask.layout.display = "none"
        if self.session.running:
            raise WorkbenchError(
                "A run is going.", fix="stop it, or wait for it to end, before starting over."
            )
        self.last_session = json.dumps(self.session.to_config())  # 'Restore last session' brings them back
        self.session.control.forget()
        self.train.forget()
        demo = Session.default()
        # The autosave keeps the replaced settings (a reload still offers them) until the next change.
        autosave, self.session.autosave = self.session.autosave, None
        try:
            self.session.apply_spec(demo.to_spec())
            self.session.auto_output = True
        finally:
            self.session.autosave = autosave
        self.session.load_all()
        self._lock()
        self.toolbar_msg.value = hint(
            "Back to the demo settings. 'Restore last session' brings back the ones you had."
        ).value
