"""The estimate beside Start: "Estimate time" probes the configured run in the background (a few training steps
in a subprocess, cached per configuration) and shows "about N min", and on a GPU the memory and largest batch.
Trait assignments only: the answer arrives from the planner's waiting thread."""

from __future__ import annotations

import ipywidgets as widgets

from .. import rules
from ..errors import WorkbenchError
from ..session import ACTIVE, CONFIG_TRAITS, error_text
from .widgets import esc

# An estimate depends on the whole configuration (the session's CONFIG_TRAITS, so an adapter or a from-scratch model
# counts too) and on the rows loaded: a change shows that configuration's cached estimate, or none.
ESTIMATE_TRAITS = [*CONFIG_TRAITS, "data_version"]


class EstimateView(widgets.HBox):
    """A button and a line: the run's estimated time before Start."""

    def __init__(self, session, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self.planner = session.planner
        self.button = widgets.Button(
            description="Estimate time",
            tooltip="Time a few training steps of this configuration (in the background) and estimate the run",
            layout=widgets.Layout(width="130px", height="38px"),
        )
        self.button.add_class("wb-estimate-btn")
        self.line = widgets.HTML()
        self.line.add_class("wb-estimate")
        self.button.on_click(self._clicked)
        self.planner.observe(self._show, names=["state", "message", "estimate"])
        session.observe(self._config_changed, names=[n for n in ESTIMATE_TRAITS if session.has_trait(n)])
        session.observe(
            self._show, names=["status"]
        )  # no probe while a run trains: they would share the cores
        self.children = (self.button, self.line)
        self.layout.align_items = "center"
        self._show()

    def _clicked(self, button=None) -> None:
        try:
            self.planner.request()
        except WorkbenchError as exc:
            self.line.value = f"<span class='wb-hint'>Cannot estimate yet: {esc(error_text(exc))}</span>"

    def _config_changed(self, change=None) -> None:
        self.planner.refresh()

    def _show(self, change=None) -> None:
        p = self.planner
        self.button.disabled = p.state == "probing" or self.session.status in ACTIVE
        if p.state == "done" and p.estimate:
            lines = rules.estimate_lines(p.estimate)
            gpu = "".join(f"<br>{esc(line)}" for line in lines[1:])  # memory and largest batch, on a GPU
            self.line.value = f"<span class='wb-hint' title='{esc(lines[0])}'>Estimated: <b>{esc(p.message)}</b>{gpu}</span>"
        elif p.message:
            self.line.value = f"<span class='wb-hint'>{esc(p.message)}</span>"
        else:
            self.line.value = ""
