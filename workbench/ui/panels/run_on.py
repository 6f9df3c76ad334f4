"""The Train panel's "Run on" choice: this kernel, a worker process, all GPUs of this machine, or an accelerate
config file for several machines (the session's ``run_on`` and ``launch_config``). A choice that cannot run here
stays in the list, marked, and its note says why; Start refuses it with that reason."""

from __future__ import annotations

import ipywidgets as widgets

from ...session import CONFIG_FILE, GPUS, KERNEL, PROCESS, run_on_choices
from ..widgets import esc

NOTES = {
    KERNEL: "Trains in this page's kernel: the trained model stays in memory for the next cell; the run ends with "
    "the page.",
    PROCESS: "Trains in a worker process (<code>workbench train</code>) that outlives this page: follow it, stop "
    "it or resume it from any page.",
    GPUS: "One process per GPU (DDP), started by <code>accelerate launch</code> in a worker; the main process "
    "evaluates and writes the run folder.",
    CONFIG_FILE: "Runs <code>accelerate launch --config_file FILE</code> here (as the file's machine); start the "
    "same run with each other machine's file there (see the README). FSDP and DeepSpeed are not supported.",
}


class RunOnView:
    """The "Run on" dropdown, the config file box (shown for that choice) and a note on the choice."""

    def __init__(self, session, gpus: int | None = None):
        self.session = session
        self.choices = run_on_choices(gpus)
        self.choice = widgets.Dropdown(
            options=[(c.label if c.available else f"{c.label} (not here)", c.value) for c in self.choices],
            value=session.run_on,
            description="Run on",
            style={"description_width": "100px"},
            layout=widgets.Layout(width="70%"),
        )
        self.choice.add_class("wb-run-on")
        self.config_file = widgets.Text(
            value=session.launch_config,
            placeholder="path/to/accelerate_config.yaml (written by `accelerate config`)",
            description="Config file",
            style={"description_width": "100px"},
            layout=widgets.Layout(width="70%"),
            continuous_update=False,
        )
        self.config_file.add_class("wb-launch-config")
        self.note = widgets.HTML()
        self.note.add_class("wb-run-on-note")
        self.box = widgets.VBox([self.choice, self.config_file, self.note])
        widgets.link((session, "run_on"), (self.choice, "value"))
        widgets.link((session, "launch_config"), (self.config_file, "value"))
        session.observe(self._show, names=["run_on"])
        self._show()

    def _show(self, change=None) -> None:
        value = self.session.run_on
        self.config_file.layout.display = "" if value == CONFIG_FILE else "none"
        choice = next(c for c in self.choices if c.value == value)
        if not choice.available:
            text = f"<span class='wb-error'>Not available here: {esc(choice.why)}.</span> Start refuses it."
        else:
            text = NOTES[value]
            gpus = next(c for c in self.choices if c.value == GPUS)
            if value in (KERNEL, PROCESS) and gpus.available:
                text += (
                    f" This machine has several GPUs: one process would use DataParallel; choose "
                    f"'{esc(gpus.label)}' for one process per GPU."
                )
        off = [c for c in self.choices if not c.available and c.value != value]
        if off:
            text += (
                "<br><span class='wb-hint'>Not available here: "
                + "; ".join(f"{esc(c.label)} ({esc(c.why)})" for c in off)
                + ".</span>"
            )
        self.note.value = f"<span class='wb-hint'>{text}</span>"

    @property
    def lockable(self) -> list[widgets.Widget]:
        return [self.choice, self.config_file]
