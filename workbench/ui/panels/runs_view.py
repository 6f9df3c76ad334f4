"""The Train panel's runs: the list of the runs folder (open one: attach to it while it runs, or see its results),
Resume for a stopped or failed run, the confirmed overwrite of a folder that holds a model, the trained model
as a download through the browser (an adapter run's merged model), and Merge and save for an adapter run.

Reads runs only through the Session (``session.control.runs()`` / ``info()``); the ui never imports the engine.
"""

from __future__ import annotations

import time

import ipywidgets as widgets

from ...session import ACTIVE, ENDED, error_text, model_archive, run_state
from ..matryoshka_plot import DimensionPlot
from ..widgets import download_link, esc, hint, run_in_thread, section

MAX_ROWS = 12


def _when(stamp) -> str:
    if not stamp:
        return "?"
    today = time.strftime("%Y-%m-%d") == time.strftime("%Y-%m-%d", time.localtime(stamp))
    return time.strftime("%H:%M" if today else "%d %b %H:%M", time.localtime(stamp))


def run_row_html(info, shown: bool = False) -> str:
    """One run as a line: its folder name, state, start, model, data and primary metric (hooks for tests)."""
    metric = ""
    if info.metric and info.baseline is not None and info.final is not None:
        metric = f" · {esc(info.metric)} {info.baseline:.3f} → {info.final:.3f}"
    steps = f" · step {info.step}/{info.max_steps}" if info.max_steps else ""
    steps += f" · {esc(info.launched)}" if info.launched else ""
    model = esc(info.model.rstrip("/").rsplit("/", 1)[-1] or "?")
    return (
        f"<div class='wb-run-row{' wb-run-shown' if shown else ''}' data-run='{esc(info.name)}' "
        f"data-status='{esc(info.status)}'><b>{esc(info.name)}</b> · {esc(run_state(info))}<br>"
        f"<span class='wb-hint'>started {_when(info.started)} · {model} · {esc(info.data or '?')}"
        f"{steps}{metric}</span></div>"
    )


class RunsView:
    """The widgets of the Train panel that deal with runs as folders; :class:`TrainPanel` lays them out.

    Args:
        panel: The TrainPanel (its session, and its error reporting).
    """

    def __init__(self, panel):
        self.panel = panel
        self.session = panel.session
        self.resume = widgets.Button(
            description="Resume",
            icon="play",
            layout=widgets.Layout(width="130px", height="38px", display="none"),
            tooltip="Continue this run in its own folder from its last checkpoint; the plot goes on.",
        )
        self.resume.add_class("wb-resume")
        self.overwrite = widgets.Button(
            description="Overwrite it",
            button_style="warning",
            layout=widgets.Layout(width="130px", height="38px", display="none"),
            tooltip="Start a new run in this folder, replacing the model it holds.",
        )
        self.overwrite.add_class("wb-overwrite")
        self.download = widgets.Button(
            description="Download the model (.zip)", icon="download", layout=widgets.Layout(width="230px")
        )
        self.download.add_class("wb-download")
        self.download_msg = widgets.HTML()
        self.merge = widgets.Button(
            description="Merge and save",
            layout=widgets.Layout(width="160px", display="none"),
            tooltip="An adapter run: write a plain model (the adapter merged into the base weights) that loads "
            "without peft, into the run's merged/ folder.",
        )
        self.merge.add_class("wb-merge")
        self.merge_msg = widgets.HTML()
        self.dims = DimensionPlot(on_save=self._save_dim)  # Matryoshka runs: quality at each size
        self.list_box = widgets.VBox()
        self.list_box.add_class("wb-runs")
        self.refresh = widgets.Button(description="Refresh", layout=widgets.Layout(width="100px"))
        self.list_msg = widgets.HTML()
        self.resume.on_click(panel.guard(self._resume))
        self.overwrite.on_click(panel.guard(self._overwrite))
        self.download.on_click(panel.guard(self._download))
        self.merge.on_click(panel.guard(self._merge))
        self.refresh.on_click(panel.guard(lambda b: self.refresh_list()))
        self.session.observe(self._status_changed, names=["status", "run_dir"])
        self._build_rows()
        self.refresh_list()

    def list_section(self) -> list[widgets.Widget]:
        return [
            section("Your runs"),
            hint(
                "Every run keeps its own folder. Open one to see it (a running one goes on in the background)."
            ),
            self.list_box,
            widgets.HBox([self.refresh, self.list_msg]),
        ]

    # ---- the runs list ----

    def _build_rows(self) -> None:
        """MAX_ROWS rows made once (in the UI thread): a refresh, which may run in a run's thread, only assigns
        their traits."""
        self.paths: list[str | None] = [None] * MAX_ROWS
        self.rows, self.row_html, self.row_open = [], [], []
        for i in range(MAX_ROWS):
            html = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
            button = widgets.Button(description="Open", layout=widgets.Layout(width="64px", flex="0 0 64px"))
            button.add_class("wb-attach")
            button.on_click(self.panel.guard(lambda b, i=i: self.paths[i] and self.open_run(self.paths[i])))
            row = widgets.HBox(
                [html, button], layout=widgets.Layout(align_items="center", width="100%", display="none")
            )
            row.add_class("wb-run-item")
            self.rows.append(row)
            self.row_html.append(html)
            self.row_open.append(button)
        self.list_box.children = tuple(self.rows)

    def refresh_list(self) -> None:
        """Read the runs folder again (also after every start and end of a run)."""
        try:
            runs = self.session.control.runs()[:MAX_ROWS]
        except OSError as exc:
            self.list_msg.value = f"<span class='wb-error'>Could not read the runs folder: {esc(exc)}</span>"
            return
        shown, busy = self.session.run_dir, self.session.running
        for i in range(MAX_ROWS):
            info = runs[i] if i < len(runs) else None
            self.paths[i] = info.path if info else None
            if info is None:
                self.rows[i].layout.display = "none"
                continue
            self.row_html[i].value = run_row_html(info, shown=info.path == shown)
            self.row_open[i].disabled = busy or info.path == shown
            self.rows[i].layout.display = ""
        self.list_msg.value = "" if runs else hint("No runs yet: press Start training.").value

    def open_run(self, path: str) -> None:
        """Show a run: attach to it while it runs, or show its results."""
        self.panel.reset_view()
        self.session.attach(path)
        self.refresh_list()

    # ---- Resume, Overwrite, Download ----

    def offer_overwrite(self, offered: bool) -> None:
        self.overwrite.layout.display = "" if offered else "none"

    def _resume(self, button=None):
        self.panel.reset_view()
        self.session.resume()

    def _overwrite(self, button=None):
        self.offer_overwrite(False)
        self.panel.reset_view()
        self.panel.ok()
        self.session.start(overwrite=True)

    def _download(self, button=None):
        self.download_msg.value = hint("Packing the model…").value

        def done(path):
            self.download_msg.value = download_link(path, "wb-download-link")  # in this worker thread

        def failed(exc):
            self.download_msg.value = f"<span class='wb-error'>{esc(error_text(exc))}</span>"

        def guarded(fn, *args):
            try:
                fn(*args)
            except Exception as exc:  # noqa: BLE001 - shown beside the button
                failed(exc)

        folder = self.session.actions.download_folder  # an adapter run's merged model: it loads without peft
        run_in_thread(lambda: model_archive(folder()), lambda path: guarded(done, path), failed)

    def _merge(self, button=None):
        """Merge the adapter run's adapter into its base model (in a worker thread) and say where it went."""
        self.merge_msg.value = hint("Merging the adapter into the base model…").value
        self.merge.disabled = True

        def done(path):
            self.merge.disabled = False
            self.merge_msg.value = (
                f"<span class='wb-merged'>Merged and saved to <code>{esc(path)}</code>: a plain model, it "
                f"loads with <code>SentenceTransformer('{esc(path)}')</code> without peft.</span>"
            )

        def failed(exc):
            self.merge.disabled = False
            self.merge_msg.value = f"<span class='wb-error'>{esc(error_text(exc))}</span>"

        run_in_thread(self.session.actions.merge_model, done, failed)

    def _save_dim(self, dim: int) -> None:
        self.session.control.save_truncate_dim(dim)

    def _status_changed(self, change=None):
        s = self.session
        info = None
        if s.status in ENDED and s.run_dir:
            try:
                info = s.control.info()
            except OSError:
                info = None
        self.resume.layout.display = "" if info is not None and info.resumable else "none"
        self.resume.disabled = s.status in ACTIVE
        if s.status in ACTIVE:
            self.offer_overwrite(False)
        self.download_msg.value = self.merge_msg.value = ""
        adapter = s.status in ENDED and s.actions.is_adapter_model()
        self.merge.layout.display = "" if adapter else "none"
        self.download.description = (
            "Download the merged model (.zip)" if adapter else "Download the model (.zip)"
        )
        self.dims.show(s.control.summary().get("matryoshka") if s.status in ENDED and s.saved_path else None)
        self.refresh_list()  # a handful of status changes per run: the list follows each
