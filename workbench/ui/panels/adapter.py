"""The Model panel's adapter fields: train all weights, or a LoRA adapter (peft) with its rank, alpha, dropout and
target layers, and how many parameters it trains (counted from the model's config, on request)."""

from __future__ import annotations

import ipywidgets as widgets

from ...errors import WorkbenchError
from ...session import error_text
from ...spec.adapter import ADAPTER_DEFAULTS, AUTO, check_adapter
from ..widgets import esc, field_msg, hint, section

STYLE = {"description_width": "150px"}
ADAPTER_KEY = "model.adapter"  # its key in session.invalid
OFF, LORA = "off", "lora"


class AdapterFields:
    """The adapter's widgets, bound to ``session.adapter``; the Model panel lays them out (:meth:`children`).

    Args:
        panel: The ModelPanel (its session, its error reporting and its invalid-field marks).
    """

    def __init__(self, panel):
        self.panel = panel
        self.session = panel.session
        shown = self.session.adapter or ADAPTER_DEFAULTS
        self.kind = widgets.Dropdown(
            options=[
                ("All weights (full fine-tuning)", OFF),
                ("LoRA adapter: a few new weights, lighter and faster (peft)", LORA),
            ],
            value=LORA if self.session.adapter else OFF,
            description="Train",
            style=STYLE,
            layout=widgets.Layout(width="560px"),
        )
        self.kind.add_class("wb-adapter-kind")
        self.r = widgets.BoundedIntText(
            value=shown["r"],
            min=1,
            max=4096,
            description="Rank r",
            style=STYLE,
            tooltip="LoRA's r: the rank of the update; higher trains more weights.",
        )
        self.alpha = widgets.BoundedFloatText(
            value=shown["alpha"],
            min=0.0,
            max=1e6,
            description="Alpha",
            style=STYLE,
            tooltip="lora_alpha: the update is scaled by alpha / r (commonly twice r).",
        )
        self.dropout = widgets.BoundedFloatText(
            value=shown["dropout"],
            min=0.0,
            max=0.99,
            step=0.05,
            description="Dropout",
            style=STYLE,
            tooltip="lora_dropout: dropout on the adapter's input while training.",
        )
        targets = shown["target_modules"]
        self.targets = widgets.Text(
            value=targets if targets == AUTO else ", ".join(targets),
            description="Target layers",
            placeholder="auto, or names like query, value",
            style=STYLE,
            layout=widgets.Layout(width="560px"),
            continuous_update=False,
            tooltip="target_modules: 'auto' (the attention's query and value projections) or Linear layer names.",
        )
        self.msg = widgets.HTML()
        self.count = widgets.Button(description="Count parameters", layout=widgets.Layout(width="160px"))
        self.count.add_class("wb-adapter-count")
        self.count_msg = widgets.HTML()
        self.count_msg.add_class("wb-adapter-counts")
        self.settings = widgets.VBox(
            [
                self.r,
                self.alpha,
                self.dropout,
                self.targets,
                self.msg,
                widgets.HBox([self.count, self.count_msg]),
            ]
        )
        panel.check(ADAPTER_KEY, self.targets, self.show)
        for w in (self.kind, self.r, self.alpha, self.dropout, self.targets):
            w.observe(panel.guard(self._changed), "value")
        self.count.on_click(panel.guard(self._count))
        self.session.observe(panel.guard(self._session_changed), names=["adapter"])
        self.session.observe(
            panel.guard(lambda change: self._forget_count()), names=["model_name", "model_type"]
        )
        self.lockable = [self.kind, self.r, self.alpha, self.dropout, self.targets, self.count]
        self._showing = False
        self.show()

    def children(self) -> list[widgets.Widget]:
        return [
            section("Adapter (optional)"),
            hint(
                "A LoRA adapter trains a few new weights beside the frozen model: less memory, faster steps, "
                "and a learning rate of 1e-4 by default. After the run, Merge and save makes a plain model."
            ),
            self.kind,
            self.settings,
        ]

    # ---- widget -> session ----

    def _changed(self, change=None):
        if self._showing:
            return
        self._forget_count()
        if self.kind.value == OFF:
            self._problem(None)
            self.session.adapter = None
            self.settings.layout.display = "none"
            return
        self.settings.layout.display = ""
        raw = {
            "type": LORA,
            "r": int(self.r.value),
            "alpha": float(self.alpha.value),
            "dropout": float(self.dropout.value),
            "target_modules": self.targets.value.strip() or AUTO,
        }
        if raw["alpha"].is_integer():
            raw["alpha"] = int(raw["alpha"])
        try:
            adapter = check_adapter(raw)
        except WorkbenchError as exc:
            self._problem(f"Adapter ({exc.where}): {error_text(exc)}")
            return
        self._problem(None)
        self.session.adapter = adapter

    def _problem(self, message: str | None) -> None:
        self.msg.value = field_msg(message or "")
        self.panel.mark(ADAPTER_KEY, message)

    def _count(self, button=None):
        try:
            trainable, total = self.session.actions.adapter_counts()
        except WorkbenchError as exc:
            self.count_msg.value = f"<span class='wb-error'>{esc(error_text(exc))}</span>"
            return
        share = 100 * trainable / max(1, total)
        self.count_msg.value = f"<span class='wb-hint'>trains <b>{trainable:,}</b> of {total:,} parameters ({share:.2f} %)</span>"

    def _forget_count(self):
        self.count_msg.value = ""

    # ---- session -> widget ----

    def _session_changed(self, change=None):
        adapter = self.session.adapter
        if adapter == (self._current() if self.kind.value == LORA else None):
            return
        self.show()

    def _current(self) -> dict | None:
        try:
            return check_adapter(
                {
                    "r": int(self.r.value),
                    "alpha": self.alpha.value,
                    "dropout": self.dropout.value,
                    "target_modules": self.targets.value.strip() or AUTO,
                }
            )
        except WorkbenchError:
            return None

    def show(self) -> None:
        """The stored adapter in the fields (a loaded config, or after a mark is dropped)."""
        adapter = self.session.adapter
        shown = adapter or ADAPTER_DEFAULTS
        self._showing = True
        try:
            self.kind.value = LORA if adapter else OFF
            self.r.value = shown["r"]
            self.alpha.value = shown["alpha"]
            self.dropout.value = shown["dropout"]
            targets = shown["target_modules"]
            self.targets.value = targets if targets == AUTO else ", ".join(targets)
        finally:
            self._showing = False
        self.msg.value = ""
        self.settings.layout.display = "" if adapter else "none"
