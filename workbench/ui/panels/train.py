"""Step 7, train: Start / Stop, status, progress with ETA, the live plot, a log, and after the run the
baseline → final table, copying the model elsewhere, pushing it to the Hub and exporting the run as a script.

Everything the worker thread triggers here is a widget trait assignment (FloatProgress.value, HTML.value,
Image.value): never ``with output:``, ``clear_output`` or ``display`` from the worker.
"""

from __future__ import annotations

import base64

import ipywidgets as widgets

from ...errors import WorkbenchError
from ...session import ACTIVE, ENDED, STOPPED_EARLY, STOPPING, describe, duration, error_text, run_steps
from ...session.wording import NOT_READY, not_started, saved_line
from ..one_at_a_time import one_at_a_time
from ..plots import LivePlot
from ..results import results_html
from ..widgets import Panel, esc, hint, run_in_thread, section, wrap_row
from .run_on import RunOnView
from .runs_view import RunsView
from .ship import ShipView

STYLE = {"description_width": "100px"}


class TrainPanel(Panel):
    """Run the training and show what happens."""

    name = "train"
    title = "Train"

    def __init__(self, session, plot_interval: float = 1.5, **kwargs):
        super().__init__(session, **kwargs)
        self._build_run_buttons()
        self._build_run_view(plot_interval)
        self._build_output()
        self._build_keep()
        self._build_export()
        self.runs = RunsView(self)
        self.run_on = RunOnView(session)
        self._bind()
        self.lockable = [self.output, self.auto_output, self.copy_btn, self.push_btn, *self.run_on.lockable]
        self.finish(self._layout())
        self._status_changed()
        self._log_changed()

    # ---- building the panel ----

    def _build_run_buttons(self):
        self.start = widgets.Button(description="Start training", button_style="success")
        self.stop = widgets.Button(description="Stop", button_style="danger", disabled=True)
        self.stop.tooltip = "Stop after the current step; the model trained so far is saved."
        for button, width, css in ((self.start, "180px", "wb-start"), (self.stop, "110px", "wb-stop")):
            button.layout = widgets.Layout(width=width, height="38px")
            button.add_class(css)

    def _build_run_view(self, plot_interval: float):
        """What a run shows: status, progress, the live plot and the log."""
        self.status = widgets.HTML(_dom_classes=("wb-status",))
        bar = widgets.Layout(width="60%", min_width="200px")
        self.progress = widgets.FloatProgress(value=0.0, max=1.0, bar_style="info", layout=bar)
        self.progress.add_class("wb-progress")
        self.progress_text = widgets.HTML(_dom_classes=("wb-progress-text",))
        # hidden until a run is shown (an empty bar read as broken); its text wraps below it on a narrow page
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center", display="none")
        self.progress_row = widgets.HBox([self.progress, self.progress_text], layout=wrap)
        self.plot = LivePlot(min_interval=plot_interval, background=True)
        self.log_view = widgets.HTML()
        self.log_view.add_class("wb-logbox")

    def _build_output(self):
        """Where the model goes: the output folder (checked as it is typed: a folder that cannot be made blocks
        Start), or a new folder per run."""
        self.output = widgets.Text(
            value=self.session.output_dir,
            placeholder="/path/to/a/folder",
            layout=widgets.Layout(width="auto"),
            continuous_update=False,
        )
        from ...session import OUTPUT_KEY

        self.output.add_class("wb-output-dir")
        self.output_path = widgets.HTML()  # the whole path, wrapped: a long one is cut in the box
        self.output_path.add_class("wb-output-path")
        self.output.observe(lambda change=None: self._show_path(), "value")
        self._show_path()
        self.output_msg = widgets.HTML()

        def show_stored():  # a loaded config dropped the box's mark: show (and check) the stored folder
            self.output.value = self.session.output_dir
            self._output_changed({"new": self.session.output_dir})

        self.check(OUTPUT_KEY, self.output, show_stored)
        self.auto_output = widgets.Checkbox(
            value=self.session.auto_output,
            indent=False,
            layout=widgets.Layout(width="auto"),
            description="New folder for every run (runs/<date-time>)",
        )

    def _show_path(self):
        path = self.output.value.strip()
        self.output_path.value = (
            f"<div class='wb-hint'>Output folder: <code>{esc(path)}</code></div>" if path else ""
        )

    def _build_keep(self):
        """After a run: its results, and keeping the model (copy it, push it to the Hub), hidden until then."""
        self.results = widgets.HTML()
        self.results.add_class("wb-results")
        self._build_copy()
        self._build_push()
        self.runs_download_placeholder = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.after = widgets.VBox(
            [
                section("Keep the model"),
                widgets.HBox([self.runs_download_placeholder]),
                widgets.HBox([self.copy_dest, self.copy_btn], layout=wrap_row()),
                self.copy_msg,
                widgets.HBox([self.repo]),
                widgets.HBox([self.token, self.private], layout=wrap_row()),
                self.push_btn,
                self.push_msg,
            ],
            layout=widgets.Layout(display="none"),
        )
        self.ship = ShipView(
            self.session
        )  # after a run: export to ONNX / OpenVINO, measured (inside `after`)
        self.after.children = (*self.after.children, self.ship.box)

    def _build_copy(self):
        self.copy_dest = widgets.Text(
            placeholder="/path/to/new/folder",
            description="Copy model to",
            style=STYLE,
            layout=widgets.Layout(width="70%"),
        )
        self.copy_btn = widgets.Button(description="Copy", layout=widgets.Layout(width="100px"))
        self.copy_msg = widgets.HTML()

    def _build_push(self):
        self.repo = widgets.Text(
            placeholder="your-name/my-model",
            description="Hub repository",
            style=STYLE,
            layout=widgets.Layout(width="70%"),
        )
        self.token = widgets.Password(
            placeholder="hf_… (write token; used once, never saved)",
            description="Hub token",
            style=STYLE,
            layout=widgets.Layout(width="70%"),
        )
        self.private = widgets.Checkbox(value=True, description="private repository", indent=False)
        self.push_btn = widgets.Button(description="Push to the Hub", layout=widgets.Layout(width="160px"))
        self.push_msg = widgets.HTML()

    def _build_export(self):
        """The run as a standalone script: the button, its message, and the script's text (hidden until made)."""
        self.export = widgets.Button(
            description="Export as a Python script",
            layout=widgets.Layout(width="220px"),
            tooltip="The same run as a standalone script (python train_script.py).",
        )
        self.export.add_class("wb-export")
        self.export_msg = widgets.HTML()
        self.script = widgets.Textarea(layout=widgets.Layout(width="100%", height="260px", display="none"))
        self.script.add_class("wb-script")

    def _bind(self):
        """Buttons -> actions; the run traits -> the dashboard (may fire in the run's thread: trait assignments
        only); the output folder both ways."""
        s = self.session
        self.start.on_click(self.guard(self._start))
        self.stop.on_click(self.guard(self._stop))
        self.output.observe(self.guard(self._output_changed), "value")
        self.copy_btn.on_click(self.guard(self._copy))
        self.push_btn.on_click(self.guard(self._push))
        self.export.on_click(self.guard(self._export))
        s.observe(self._status_changed, names=["status", "error", "queue"])
        s.observe(self._invalid_changed, names=["invalid"])
        s.observe(self._progress_changed, names=["progress"])
        s.observe(self._history_changed, names=["history", "baseline"])
        s.observe(self._log_changed, names=["log"])
        s.observe(self._results_changed, names=["final", "saved_path"])
        # Plain field bindings: the checkbox is the trait; the folder box shows the trait (typing in it is
        # _output_changed: it also stops picking a fresh folder per run).
        widgets.link((s, "auto_output"), (self.auto_output, "value"))
        widgets.dlink((s, "output_dir"), (self.output, "value"))

    def _layout(self) -> list[widgets.Widget]:
        r = self.runs
        self.runs_download_placeholder.children = (r.download, r.download_msg, r.merge, r.merge_msg)
        return [
            widgets.HBox([self.start, self.stop, self.runs.resume, self.runs.overwrite]),
            self.run_on.box,
            self.status,
            self.progress_row,
            self.plot.widget,
            self.results,
            self.runs.dims,
            self.after,
            section("What happened"),
            self.log_view,
            section("Where the model goes"),
            self.output,
            self.output_path,
            self.auto_output,
            section("The same run in code"),
            widgets.HBox([self.export, self.export_msg]),
            self.script,
            *self.runs.list_section(),
        ]

    # ---- actions (UI thread) ----

    def reset_view(self) -> None:
        """Clear what the last run showed (a new, resumed or opened run fills it again)."""
        self.plot.reset()
        self.results.value = ""
        self.after.layout.display = "none"
        self.progress.value = 0.0
        self.progress_text.value = ""

    def forget(self) -> None:
        """Clear the run view, the exported script and the keep-the-model messages (starting over)."""
        self.reset_view()
        self.script.value, self.script.layout.display = "", "none"
        for msg in (self.export_msg, self.copy_msg, self.push_msg, self.runs.download_msg):
            msg.value = ""
        self.ok()

    def _start(self, button=None):
        self.reset_view()
        self.ok()
        try:
            self.session.start()
        except WorkbenchError as exc:
            # A fixed folder holding a model: overwriting it is an explicit choice, offered beside Start.
            self.runs.offer_overwrite(exc.where == "output_dir" and "already holds" in exc.message)
            said = not_started(exc, blocked=bool(self.session.invalid))  # beside Start too
            self.status.value = self._status_html(self.session.status, said)
            raise

    def _stop(self, button=None):
        self.session.stop()
        self.status.value = self._status_html("stopping", STOPPING + "…")

    def _output_changed(self, change):
        from ...session import OUTPUT_KEY, output_problem

        value = change["new"].strip()
        problem = output_problem(value)
        self.output_msg.value = f"<span class='wb-error'>{esc(problem)}</span>" if problem else ""
        self.output.tooltip = problem or "Where the trained model, its checkpoints and logs are written."
        self.mark(OUTPUT_KEY, problem)
        if value and not problem and value != self.session.output_dir:
            self.session.output_dir = value
            self.session.auto_output = False

    def _copy(self, button=None):
        actions = self.session.actions
        try:
            dest = actions.copy_destination(self.copy_dest.value)
        except WorkbenchError as exc:
            self.copy_msg.value = f"<span class='wb-error'>{esc(exc.message)}</span>"
            return
        self.copy_msg.value = hint("Copying…").value
        run_in_thread(
            lambda: actions.copy_model(str(dest)),
            lambda done: setattr(self.copy_msg, "value", f"<span class='wb-ok'>Copied to {esc(done)}</span>"),
            lambda exc: setattr(
                self.copy_msg,
                "value",
                f"<span class='wb-error'>Could not copy: {esc(error_text(exc))}</span>",
            ),
        )

    def _push(self, button=None):
        actions, token, private = self.session.actions, self.token.value, self.private.value
        self.token.value = ""  # used once, never kept in a widget either
        try:
            repo = actions.check_push(self.repo.value)
        except WorkbenchError as exc:
            self.push_msg.value = f"<span class='wb-error'>{esc(exc.message)}</span>"
            return

        def failed(exc):
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            self.push_msg.value = (
                "<span class='wb-error'>Could not push to the Hugging Face Hub: "
                f"{esc(first)}. Check the internet connection, the repository name and that the "
                "token has write access.</span>"
            )

        self.push_msg.value = hint("Pushing to the Hub…").value
        run_in_thread(
            lambda: actions.push_model(repo, token=token, private=private),
            lambda url: setattr(self.push_msg, "value", f"<span class='wb-ok'>Pushed: {esc(url)}</span>"),
            failed,
        )

    def _export(self, button=None):
        spec = self.session.to_spec()
        self.export_msg.value = hint("Writing the script…").value

        def done(written):
            path, script = written
            self.script.value = script
            self.script.layout.display = ""
            b64 = base64.b64encode(script.encode("utf-8")).decode("ascii")
            self.export_msg.value = (
                f"<span class='wb-ok'>Saved as {esc(path)}.</span> "
                f"<a download='{esc(path.name)}' href='data:text/x-python;base64,{b64}'>"
                f"Download {esc(path.name)}</a>"
            )

        run_in_thread(
            lambda: self.session.actions.export_script(spec),
            done,
            lambda exc: (setattr(self.export_msg, "value", ""), self.fail(exc)),
        )

    # ---- session -> widgets (WORKER thread: trait assignments only) ----

    def _status_html(self, status: str, text: str) -> str:
        color = {"finished": "#0b6b2c", "stopped": "#8a5300", "error": "#a4000f"}.get(status, "#1a4a7a")
        return (
            f"<div class='wb-status-text'>Status: <b style='color:{color}' data-status='{esc(status)}'>"
            f"{esc(status)}</b> — {esc(text)}</div>"
        )

    @one_at_a_time  # the UI thread (a field, a click) and a run's thread: the line must end on the latest status
    def _status_changed(self, change=None):
        s = self.session
        status = s.status
        text = describe(status) if status != "idle" or not s.invalid else NOT_READY + "."
        if status == "error" and s.error:
            text = s.error
        elif status == "queued" and s.queue:
            text = s.queue
        elif status in ("finished", "stopped") and s.saved_path:
            text += saved_line(s.saved_path, s.control.summary().get("notes"))
        elif status == "stopped":
            text = STOPPED_EARLY[0].lower() + STOPPED_EARLY[1:]  # the log's line, as the status line
        if status in ("stopped", "error") and self.runs.resume.layout.display != "none":
            text += " Press Resume to continue it, or Start training for a new run."
        busy = status in ACTIVE
        self.progress_row.layout.display = "" if status != "idle" or s.run_dir else "none"
        self.start.disabled = busy
        self.stop.disabled = not busy
        self._on_status()
        if status in ENDED:
            # The whole run's plot and results first: the status line saying it ended comes last, so whatever
            # it says has ended is already shown in full (a render takes ~0.5 s).
            self._show_ended(status)
        elif busy:
            self.progress.bar_style = "info"
        self.status.value = self._status_html(status, text)

    @one_at_a_time
    def _invalid_changed(self, change=None):
        """Idle, the line beside Start says "ready" or "not ready" as fields become valid or not."""
        if self.session.status == "idle":
            self._status_changed()

    def _show_ended(self, status: str) -> None:
        """An ended run's progress line, its whole plot and its results."""
        s = self.session
        self.progress.bar_style = {"finished": "success", "stopped": "warning", "error": "danger"}[status]
        if status == "finished":
            self.progress.value = 1.0
        p = s.progress
        # The run folder's account (a resumed run's event counts only its own part's time).
        steps = run_steps(s.run_dir) or (
            f"{p['step']} of {p.get('max_steps') or '?'} steps in {duration(p.get('elapsed_s'))}"
            if p.get("step")
            else ""
        )
        if steps:
            self.progress_text.value = f"<span class='wb-hint wb-steps-done'>{esc(steps)}</span>"
        self.plot.update(s.history, s.baseline, self._primary(), force=True)
        self._results_changed()

    def _primary(self) -> list[str]:
        return list(self.session.primary.values())

    def _progress_changed(self, change=None):
        if not (p := self.session.progress):
            return
        step, total = p.get("step") or 0, p.get("max_steps") or 0
        self.progress.value = min(1.0, step / total) if total else self.progress.value
        eta, first = p.get("eta_s"), p.get("first_step")  # a resumed run's clock restarts where it resumed
        since = f"since it resumed at step {first}" if first else "so far"
        self.progress_text.value = (
            f"<span class='wb-hint'>Step {step} of {total} · {duration(p.get('elapsed_s'))} "
            f"{since}{' · about ' + duration(eta) + ' left' if eta is not None else ''}</span>"
        )
        self.plot.flush()
        # the line follows the status at each step too (an attached page kept "loading"); a Stop's "stopping" stays
        line, now = self.status.value, self.session.status
        if now in ACTIVE and f"data-status='{now}'" not in line and "data-status='stopping'" not in line:
            self._status_changed()

    def _history_changed(self, change=None):
        s = self.session
        force = change is not None and change["name"] == "baseline"
        self.plot.update(s.history, s.baseline, self._primary(), force=force)

    def _log_changed(self, change=None):
        lines = list(self.session.log)[::-1]
        body = "\n".join(esc(line) for line in lines) or "Nothing yet."
        self.log_view.value = f"<div class='wb-log'>{body}</div>"

    def _results_changed(self, change=None):
        s = self.session
        if s.status not in ENDED or not s.saved_path:
            if s.status == "error":
                self.results.value = ""
            return
        table = results_html(s.baseline, s.final, s.primary, s.run_dir)
        self.results.value = (
            f"<div class='wb-card'><b>Model saved to</b> <code>{esc(s.saved_path)}</code>"
            + (f"<div style='margin-top:6px'>{table}</div>" if table else "")
            + "</div>"
        )
        self.after.layout.display = ""
