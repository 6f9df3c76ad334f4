"""The "Compare runs" tab: every run of the runs folder as a row of a table (date, model, data, loss, key settings,
primary metric before → after, verdict, time); tick two or more to overlay their curves and see the settings that
differ; "Load these settings" makes a run's configuration the start of a new run (in a new folder).

Reads runs only through the Session (``session.control.runs()`` gives RunInfo records, whose ``config()`` and
``history()`` read the run folder); the ui never imports the engine. The rows are made once, in the UI thread: a
refresh (also from a run's thread, when a run ends) and the plot's drawing thread only assign traits.
"""

from __future__ import annotations

import time
from pathlib import Path

import ipywidgets as widgets

from ... import catalog as C
from ...errors import WorkbenchError
from ...session import ENDED
from ...spec import NOT_SET, config_diff, shown_value
from ..compare_plot import render_png, run_curves
from ..widgets import Panel, esc, hint, html_table, run_in_thread, section

MAX_ROWS = 20
# The table's columns: (header, width, least width). The grid fills the tab: each column gets its width where
# there is room and shrinks to its least width where there is not (a 1024 px page), its text cut with an ellipsis
# (the whole text is the cell's tooltip); only a tab narrower than the least widths scrolls sideways.
# Each cell has a second line: the run's date, the metric's name, the data, the key settings.
# The run's name ("20261205-041524", ~110 px) and "1.000 → 1.000" are read whole at 1024 px; the verdict wraps.
COLUMNS = (
    ("Run", 220, 128),
    ("Verdict", 85, 60),
    ("Before → after", 120, 92),
    ("Model · data", 95, 60),
    ("Loss · settings", 130, 80),
    ("Time", 50, 44),
)
GAP = 6
LEAST_WIDTH = sum(least for _, _, least in COLUMNS) + GAP * (len(COLUMNS) - 1)
GRID = (
    "display:grid;grid-template-columns:"
    + " ".join(f"minmax({least}px,{width}fr)" for _, width, least in COLUMNS)
    + f";column-gap:{GAP}px;align-items:start;font-size:12.5px;line-height:1.3"
)
CELL = "overflow:hidden;text-overflow:ellipsis;white-space:nowrap"
WRAP = ";white-space:normal"  # after CELL: the cell wraps instead
VERDICT_COLORS = {"Better": "#0b6b2c", "Worse": "#a4000f", "About the same": "#555"}


def when(stamp) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "?"


def duration(seconds) -> str:
    if seconds is None:
        return ""
    seconds = int(round(float(seconds)))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def settings_lines(row: dict) -> tuple[str, str]:
    """A row's key settings in two short lines: passes / steps, then learning rate and batch size ("default" for
    what the config leaves to the workbench)."""
    first = []
    if row["epochs"] is not None:
        first.append(f"{row['epochs']:g} pass{'es' if row['epochs'] != 1 else ''}")
    if row["max_steps"] is not None and row["max_steps"] > 0:
        first.append(f"max {row['max_steps']} steps")
    lr = "default" if row["learning_rate"] is None else f"{row['learning_rate']:g}"
    batch = "default" if row["batch_size"] is None else str(row["batch_size"])
    return " · ".join(first) or "default passes", f"lr {lr} · batch {batch}"


def _cell(main: str, below: str = "", style: str = "") -> str:
    title = esc(f"{main} {below}".strip())
    sub = f"<div class='wb-hint' style='{CELL};font-size:11.5px'>{esc(below)}</div>" if below else ""
    return f"<div title='{title}'><div style='{CELL}{style}'>{esc(main)}</div>{sub}</div>"


def header_html() -> str:
    # titles wrap rather than being cut: a narrow column's title takes two lines
    cells = "".join(f"<div style='overflow-wrap:anywhere'><b>{esc(name)}</b></div>" for name, _, _ in COLUMNS)
    return f"<div class='wb-compare-head' style='{GRID}'>{cells}</div>"


def row_html(row: dict) -> str:
    """One run as a row of the table (css hook ``wb-compare-row`` with ``data-run``)."""
    metric = ""
    if row["before"] is not None or row["after"] is not None:
        show = lambda v: "?" if v is None else f"{v:.3f}"  # noqa: E731 - a one-line formatter
        metric = f"{show(row['before'])} → {show(row['after'])}"
    verdict = row["verdict"] or ("" if row["status"] == "finished" else row["status"])
    color = VERDICT_COLORS.get(row["verdict"], "#555")
    cells = (
        _cell(row["run"], when(row["started"]), ";font-weight:bold"),
        _cell(verdict, "", (f";color:{color};font-weight:bold" if row["verdict"] else "") + WRAP),
        _cell(metric or "—", row["metric"]),
        _cell(row["model"].rstrip("/").rsplit("/", 1)[-1] or "?", row["data"] or "?"),
        _cell(row["loss"] or "?", " · ".join(settings_lines(row))),
        _cell(duration(row["wall_time_s"]), "", WRAP),
    )
    return (
        f"<div class='wb-compare-row' data-run='{esc(row['run'])}' data-status='{esc(row['status'])}' "
        f"style='{GRID}'>{''.join(cells)}</div>"
    )


# Plain names of the config's own keys (a training argument's come from the catalog's labels).
SETTING_NAMES = {
    "model.name_or_path": "Model",
    "model.type": "Model type",
    "model.max_seq_length": "Max sequence length",
    "model.adapter": "Adapter (LoRA)",
    "loss.name": "Loss",
    "loss.params": "Loss settings",
    "evaluators": "Evaluators",
    "early_stopping": "Early stopping",
    "seed": "Random seed",
}


def setting_name(key: str) -> str:
    """A diff row's setting as HTML: its plain name ("Learning rate"), the config key below it in small type."""
    if key.startswith("args."):
        name = key.removeprefix("args.").split(".")[0].split("[")[0]
        plain = C.ARG_LABELS[name].label if name in C.ARG_LABELS else ""
    else:
        plain = next(
            (n for k, n in SETTING_NAMES.items() if key == k or key.startswith((f"{k}.", f"{k}["))), ""
        )
        if not plain and key.startswith("datasets."):
            split, _, rest = key.removeprefix("datasets.").partition(".")
            plain = f"{split.capitalize()} data {rest.partition('.')[0]!r}"
    if not plain or plain == key:
        return f"<code>{esc(key)}</code>"
    return f"{esc(plain)}<br><code class='wb-hint' style='font-size:11px'>{esc(key)}</code>"


def dataset_text(config: dict, split: str, name: str) -> str:
    """One run's dataset ``split/name`` in a few words: its file (or Hub id), a held-out share, or "—"."""
    raw = ((config.get("datasets") or {}).get(split) or {}).get(name)
    if not isinstance(raw, dict):
        return "—"
    if raw.get("source") == "holdout":
        return f"{float(raw.get('fraction') or 0.1):.0%} held out of {raw.get('of')}"
    where = str(raw.get("path") or "")
    return (Path(where).name if raw.get("source") != "hub" else where) or str(raw.get("source") or "?")


def evaluators_text(config: dict) -> str:
    """One run's evaluators, each with the dataset it measures ("(default)": the workbench picks them)."""
    evs = config.get("evaluators")
    if not evs:
        return "(default)"
    return ", ".join(f"{e.get('name')} on {e.get('dataset') or '?'}" for e in evs if isinstance(e, dict))


def diff_rows(configs: list[dict]) -> list[tuple[str, list[str]]]:
    """The settings that differ, as (setting's HTML, the runs' values): a dataset's or the evaluators' keys are
    one row each (a file name, not its path, source and columns on rows of their own), a value a config leaves
    out reads "(default)"."""
    rows, seen = [], set()
    for key, values in config_diff(configs):
        if all(v is NOT_SET or v in ({}, []) for v in values):  # "args: {}" against another run's args.x
            continue
        parts = key.split(".")
        if parts[0] == "datasets" and len(parts) >= 3:
            split, name = parts[1], parts[2]
            if (split, name) not in seen:
                seen.add((split, name))
                texts = [dataset_text(c, split, name) for c in configs]
                rows.append((setting_name(f"datasets.{split}.{name}"), texts))
        elif key.startswith("evaluators"):
            if "evaluators" not in seen:
                seen.add("evaluators")
                rows.append((setting_name("evaluators"), [evaluators_text(c) for c in configs]))
        else:
            rows.append(
                (setting_name(key), [shown_value(v).replace("(not set)", "(default)") for v in values])
            )
    return [(name, texts) for name, texts in rows if len(set(texts)) > 1]


def diff_html(names: list[str], configs: list[dict]) -> str:
    """The settings that differ between runs as a table (css hook ``wb-config-diff``): setting | run A | run B."""
    rows = diff_rows(configs)
    if not rows:
        return hint("These runs have the same settings (apart from their folders).").value
    table = html_table(
        ("Setting", *names),
        [(name, *(esc(t) for t in texts)) for name, texts in rows],
        "wb-config-diff",
        raw=True,
    )
    count = f"{len(rows)} setting{'s' if len(rows) != 1 else ''} differ{'s' if len(rows) == 1 else ''}"
    return f"<div class='wb-hint'>{count}:</div>{table}"


class ComparePanel(Panel):
    """Runs side by side: the runs table, their curves overlaid, the settings that differ, and "Load these
    settings"."""

    name = "compare"
    title = "Compare runs"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self.selected: list[str] = []  # ticked run folders, in the order they were ticked
        self.infos: dict = {}  # run folder -> RunInfo, as of the last refresh
        self._syncing = False
        self._drawn = 0  # numbers each drawing, so that a slow one never replaces a newer plot
        self.list_box = widgets.VBox(layout=widgets.Layout(overflow="auto", width="100%"))
        self.list_box.add_class("wb-compare-runs")
        self._build_rows()
        self.refresh_btn = widgets.Button(description="Refresh", layout=widgets.Layout(width="100px"))
        self.refresh_btn.add_class("wb-compare-refresh")
        self.list_msg = widgets.HTML()
        self.plot = widgets.Image(
            format="png", layout=widgets.Layout(width="100%", max_width="640px", display="none")
        )
        self.plot.add_class("wb-compare-plot")
        self.plot_msg = widgets.HTML()
        self.diff = widgets.HTML()
        self.diff.add_class("wb-compare-diff")
        self.load_from = widgets.Dropdown(description="Settings of", layout=widgets.Layout(width="300px"))
        self.load_from.add_class("wb-load-from")
        self.load = widgets.Button(
            description="Load these settings",
            layout=widgets.Layout(width="170px"),
            tooltip="Make this run's settings the ones of a new run (in a new folder); the run stays as it is.",
        )
        self.load.add_class("wb-load-settings")
        self.load_msg = widgets.HTML()
        self.lockable = [self.load]
        self.refresh_btn.on_click(self.guard(lambda b: self.refresh()))
        self.load.on_click(self.guard(lambda b: self.load_settings(self.load_from.value)))
        session.observe(self._status_changed, "status")
        self.finish(
            [
                section("Your runs"),
                hint("Tick two or more runs to see their curves together and the settings that differ."),
                self.list_box,
                widgets.HBox([self.refresh_btn, self.list_msg]),
                section("Curves"),
                self.plot_msg,
                self.plot,
                section("Settings that differ"),
                self.diff,
                widgets.HBox(
                    [self.load_from, self.load],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.load_msg,
            ]
        )
        self.refresh()

    # ---- the runs table ----

    def _build_rows(self) -> None:
        self.paths: list[str | None] = [None] * MAX_ROWS
        self.rows, self.row_html, self.checks = [], [], []
        for i in range(MAX_ROWS):
            check = widgets.Checkbox(indent=False, layout=widgets.Layout(width="28px", flex="0 0 28px"))
            check.add_class("wb-compare-check")
            check.observe(lambda change, i=i: self._ticked(i, change["new"]), "value")
            # as wide as the tab, never narrower than the columns' least widths (then the list scrolls as one)
            html = widgets.HTML(layout=widgets.Layout(flex="1 1 auto", min_width=f"{LEAST_WIDTH}px"))
            row = widgets.HBox(
                [check, html], layout=widgets.Layout(align_items="flex-start", width="100%", display="none")
            )
            row.add_class("wb-compare-item")
            self.rows.append(row)
            self.row_html.append(html)
            self.checks.append(check)
        self.list_box.children = (
            # the columns of the rows below it (their checkbox: 28 px and the gap)
            widgets.HTML(
                header_html(),
                layout=widgets.Layout(
                    margin="0 0 0 32px", width="calc(100% - 32px)", min_width=f"{LEAST_WIDTH}px"
                ),
            ),
            *self.rows,
        )

    def refresh(self) -> None:
        """Read the runs folder again (also when a run ends); ticked runs stay ticked while they are listed."""
        try:
            runs = self.session.control.runs()[:MAX_ROWS]
        except OSError as exc:
            self.list_msg.value = f"<span class='wb-error'>Could not read the runs folder: {esc(exc)}</span>"
            return
        self.infos = {info.path: info for info in runs}
        kept = [p for p in self.selected if p in self.infos]
        self._syncing = True
        try:
            for i in range(MAX_ROWS):
                info = runs[i] if i < len(runs) else None
                self.paths[i] = info.path if info else None
                self.checks[i].value = info is not None and info.path in kept
                if info is None:
                    self.rows[i].layout.display = "none"
                    continue
                self.row_html[i].value = row_html(info.comparison_row())
                self.rows[i].layout.display = ""
        finally:
            self._syncing = False
        self.list_msg.value = "" if runs else hint("No runs yet: train one in the Train panel.").value
        self.selected = kept
        self.compare()

    def _ticked(self, i: int, on: bool) -> None:
        path = self.paths[i]
        if self._syncing or path is None:
            return
        self.selected = [p for p in self.selected if p != path] + ([path] if on else [])
        self.compare()

    def _status_changed(self, change) -> None:
        if change["new"] in ENDED:
            self.refresh()  # the run that ended gets its row (in the run's thread: trait assignments only)

    # ---- the comparison ----

    def compare(self) -> None:
        """Show the ticked runs: the settings that differ at once, the plot from a drawing thread."""
        runs = [self.infos[p] for p in self.selected if p in self.infos]
        names = [r.name for r in runs]
        kept = self.load_from.value if self.load_from.value in self.selected else None
        self.load_from.options = [(name, r.path) for name, r in zip(names, runs, strict=True)]
        self.load_from.value = kept or (runs[-1].path if runs else None)  # else the run ticked last
        self.load.disabled = not runs or self.session.running
        self._drawn += 1
        if len(runs) < 2:
            self.plot.layout.display = "none"
            self.plot_msg.value = hint("Tick two or more runs.").value
            self.diff.value = hint("Tick two or more runs to see the settings that differ.").value
            return
        self.diff.value = diff_html(names, [r.config() for r in runs])
        self.plot_msg.value = hint("Drawing…").value
        seq = self._drawn

        def draw() -> bytes:
            curves = [run_curves(r.name, r.history(), r.metric, r.baseline) for r in runs]
            return render_png(curves)

        def done(png: bytes) -> None:
            if seq == self._drawn:
                self.plot.value = png
                self.plot.layout.display = ""
                self.plot_msg.value = ""

        def failed(exc) -> None:
            if seq == self._drawn:
                self.plot_msg.value = f"<span class='wb-error'>Could not draw the curves: {esc(exc)}</span>"

        self.draw_thread = run_in_thread(draw, done, failed, name="workbench-compare-plot")

    def load_settings(self, run_dir: str | None) -> None:
        """Make a run's ``config.json`` the Session's configuration, with a fresh output folder (the run it came
        from is never written to); its datasets load in the background."""
        if not run_dir:
            raise WorkbenchError(
                "No run is ticked.", fix="tick the run whose settings you want, then press Load."
            )
        if self.session.running:
            raise WorkbenchError(
                "A run is going.",
                fix="wait for it to end, or stop it, before loading another run's settings.",
            )
        config = Path(run_dir) / "config.json"
        if not config.is_file():
            raise WorkbenchError(
                f"Run {Path(run_dir).name} has no config.json to load settings from.",
                fix="pick another run: this one was not started by the workbench, or its folder was edited.",
            )
        self.session.load_config(config)
        self.session.auto_output = True  # the next Start writes runs/<date-time>, never the old run's folder
        self.ok()
        self.load_msg.value = (
            f"<span class='wb-ok'>Loaded the settings of run {esc(Path(run_dir).name)}.</span> "
            + "<span class='wb-hint'>Change what you like, then press Start training: the new run gets its own "
            "folder.</span>"
        )
