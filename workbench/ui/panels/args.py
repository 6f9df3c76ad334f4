"""Step 5, training settings: every curated training argument generated from the installed TrainingArguments
dataclass (help text included), validated as you type; empty means the workbench's recommended default.

The field list needs the sentence-transformers import (seconds), so the form is built on first use
(:meth:`ArgsPanel.ensure_form`, called when its tab opens) rather than when the app paints.
"""

from __future__ import annotations

import json

import ipywidgets as widgets

from ... import catalog as C
from ... import rules
from ...errors import WorkbenchError
from ..widgets import DEFAULT, Panel, esc, field_msg, hint, section

ON_OFF = (("on", True), ("off", False))


def parse_arg(field: C.ArgField, text: str):
    """The value typed for a training argument (ValueError with a readable message when it is wrong)."""
    value = C.param_kind(field.type).parse(text, field.name)
    problem = C.range_problem(field.name, value)
    if problem:
        raise ValueError(problem)
    return value


class ArgsPanel(Panel):
    """Training arguments: curated fields up front, anything else under "Advanced"."""

    name = "args"
    title = "Training settings"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self.built_for: str | None = None
        self.fields: dict[str, C.ArgField] = {}
        self.inputs: dict[str, widgets.Widget] = {}
        self.msgs: dict[str, widgets.HTML] = {}
        self.device: dict | None = None
        self._syncing = False
        self.device_info = widgets.HTML()
        self.form = widgets.VBox([hint("Loading the list of training settings…")])
        self.adv_name = widgets.Combobox(
            placeholder="argument name, e.g. dataloader_num_workers",
            options=[],
            ensure_option=False,
            layout=widgets.Layout(width="320px"),
        )
        self.adv_value = widgets.Text(
            placeholder="value", layout=widgets.Layout(flex="0 0 220px", width="220px")
        )
        self.adv_set = widgets.Button(description="Set", layout=widgets.Layout(width="80px"))
        self.adv_msg = widgets.HTML()
        self.adv_list = widgets.HTML()
        self.adv_remove_pick = widgets.Dropdown(options=[], layout=widgets.Layout(width="320px"))
        self.adv_remove = widgets.Button(description="Remove", layout=widgets.Layout(width="80px"))
        self.advanced = widgets.Accordion(
            children=[
                widgets.VBox(
                    [
                        hint("Any other field of the TrainingArguments, by name."),
                        widgets.HBox([self.adv_name, self.adv_value, self.adv_set]),
                        self.adv_msg,
                        self.adv_list,
                        widgets.HBox([self.adv_remove_pick, self.adv_remove]),
                    ]
                )
            ]
        )
        self.advanced.set_title(0, "Advanced: any other training argument")
        self.advanced.selected_index = None
        self.adv_set.on_click(self.guard(self._adv_set))
        self.adv_remove.on_click(self.guard(self._adv_remove))
        session.observe(self.guard(self._args_changed), names=["args"])
        session.observe(self.guard(self._type_changed), names=["model_type"])
        session.observe(
            self.guard(self.refresh_placeholders), names=["data_version", "loss", "datasets", "evaluators"]
        )
        self.lockable = [self.adv_name, self.adv_value, self.adv_set, self.adv_remove_pick, self.adv_remove]
        self.finish(
            [
                hint(
                    "Leave a box empty to use the recommended value shown in grey. Hover a name for its meaning."
                ),
                self.device_info,
                self.form,
                self.advanced,
            ]
        )
        self._render_advanced()

    # ---- building the form (UI thread) ----

    def ensure_form(self) -> None:
        """Build the fields for the current model type (imports sentence-transformers the first time)."""
        if self.built_for == self.session.model_type:
            return
        from ...session import HEAVY_LOCK

        model_type = self.session.model_type
        with HEAVY_LOCK:
            self.fields = C.arg_fields(model_type)
            if self.device is None:
                self.device = self.session.actions.detect_device()
        d = self.device
        self.device_info.value = hint(
            f"Training runs on: <b>{esc(d.get('name', d['device']))}</b> ({esc(d['device'])}). "
            + (
                "Mixed precision: "
                + ", ".join(k for k in ("fp16", "bf16") if d.get(k))
                + (
                    f" — the workbench trains in {next(iter(rules.auto_precision(d)))} unless you choose otherwise."
                    if rules.auto_precision(d)
                    else "."
                )
                if d.get("fp16") or d.get("bf16")
                else "fp16 / bf16 need a GPU, so they are off here."
            )
        ).value
        rows: list[widgets.Widget] = []
        self.inputs, self.msgs = {}, {}
        for group, names in C.CURATED_ARGS:
            rows.append(section(group))
            for name in names:
                field = self.fields.get(name)
                if field is None:
                    continue
                rows.append(self._row(field))
        self.form.children = rows
        self.adv_name.options = sorted(
            n for n in self.fields if n not in C.CURATED_ARG_NAMES and n not in C.MANAGED_ARGS
        )
        self.built_for = model_type
        self.lockable = [
            self.adv_name,
            self.adv_value,
            self.adv_set,
            self.adv_remove_pick,
            self.adv_remove,
            *self.inputs.values(),
        ]
        self._args_changed()
        self.refresh_placeholders()
        self._on_status()

    def _row(self, field: C.ArgField) -> widgets.Widget:
        tip = " ".join(field.help.split())
        label = widgets.HTML(
            f"<span title='{esc(tip)}' style='cursor:help'><code>{esc(field.name)}</code></span>",
            layout=widgets.Layout(flex="0 0 250px", width="250px"),
        )
        if field.type == "bool":
            w = widgets.Dropdown(
                options=[("default", DEFAULT), *ON_OFF],
                value=DEFAULT,
                layout=widgets.Layout(flex="0 0 220px", width="220px"),
            )
        elif field.type == "choice":
            w = widgets.Dropdown(
                options=[("default", DEFAULT)] + [(str(c), c) for c in field.choices],
                value=DEFAULT,
                layout=widgets.Layout(flex="0 0 220px", width="220px"),
            )
        else:
            w = widgets.Text(layout=widgets.Layout(flex="0 0 220px", width="220px"), continuous_update=True)
        w.tooltip = tip
        w.add_class(f"wb-arg-{field.name}")
        if field.name in ("fp16", "bf16") and self.device is not None and not self.device.get(field.name):
            w._wb_no_hw = True  # not disabled: a loaded config's "on" must be visible and switchable off
            on_gpu = self.device.get("device") != "cpu"
            why = f"this GPU has no {field.name}" if on_gpu else "needs a GPU"
            # "on" stays listed so that a loaded config that turns it on shows it, and can be switched off.
            w.options = [(f"off ({why})", DEFAULT), (f"on — cannot train here ({why}): choose off", True)]
        w.observe(self.guard(lambda change, f=field: self._edited(f)), "value")
        self.inputs[field.name] = w
        msg = widgets.HTML(
            f"<span class='wb-hint' title='{esc(tip)}'>{esc(tip[:110])}"
            f"{'…' if len(tip) > 110 else ''}</span>",
            layout=widgets.Layout(flex="1 1 auto", width="auto"),
        )
        self.msgs[field.name] = msg
        return widgets.HBox([label, w, msg])

    def _type_changed(self, change=None):
        if self.built_for is not None:
            self.ensure_form()

    # ---- widget -> session ----

    def _help(self, field: C.ArgField) -> str:
        tip = " ".join(field.help.split())
        return (
            f"<span class='wb-hint' title='{esc(tip)}'>{esc(tip[:110])}{'…' if len(tip) > 110 else ''}</span>"
        )

    def _edited(self, field: C.ArgField) -> None:
        if self._syncing:
            return
        w = self.inputs[field.name]
        msg = self.msgs[field.name]
        args = dict(self.session.args)
        if isinstance(w, widgets.Dropdown):
            value = None if w.value == DEFAULT else w.value
            if getattr(w, "_wb_no_hw", False) and value:
                where = self.device.get("name", "this machine") if self.device else "this machine"
                msg.value = field_msg(f"{field.name} cannot train on {where}: choose off.")
                self._syncing = True
                try:
                    w.value = True if args.get(field.name) else DEFAULT  # what the settings hold
                finally:
                    self._syncing = False
                return
        else:
            text = w.value
            if not text.strip():
                value = None
            else:
                try:
                    value = parse_arg(field, text)
                    C.check_args({field.name: value}, self.session.model_type)
                except ValueError as exc:
                    msg.value = field_msg(str(exc))
                    return
                except WorkbenchError as exc:
                    msg.value = field_msg(exc.message + (f" {exc.fix}" if exc.fix else ""))
                    return
        msg.value = self._help(field)
        if value is None:
            args.pop(field.name, None)
        else:
            args[field.name] = value
        self._syncing = True
        try:
            self.session.args = args
        finally:
            self._syncing = False
        self.ok()

    def _adv_set(self, button=None):
        name = self.adv_name.value.strip()
        self.adv_msg.value = ""
        if not name:
            return
        if name in self.inputs:
            self.adv_msg.value = field_msg(f"{name} is in the form above: set it there.")
            return
        try:
            C.check_args({name: None}, self.session.model_type)
            field = self.fields.get(name) or C.ArgField(name, "other", None)
            value = parse_arg(field, self.adv_value.value) if self.adv_value.value.strip() else None
            if value is not None:
                C.check_args({name: value}, self.session.model_type)
        except ValueError as exc:
            self.adv_msg.value = field_msg(f"{name} {exc}")
            return
        except WorkbenchError as exc:
            self.adv_msg.value = field_msg(exc.message + (f" {exc.fix}" if exc.fix else ""))
            return
        args = dict(self.session.args)
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
        self.session.args = args
        self.adv_msg.value = field_msg(f"{name} set.", ok=True)

    def _adv_remove(self, button=None):
        name = self.adv_remove_pick.value
        if name:
            self.session.args = {k: v for k, v in self.session.args.items() if k != name}

    # ---- session -> widgets ----

    def _args_changed(self, change=None):
        self._render_advanced()
        if self._syncing:
            return
        args = self.session.args
        self._syncing = True
        try:
            for name, w in self.inputs.items():
                value = args.get(name)
                if isinstance(w, widgets.Dropdown):
                    values = [v for _, v in w.options]
                    w.value = value if value is not None and value in values else DEFAULT
                else:
                    shown = (
                        ""
                        if value is None
                        else (json.dumps(value) if isinstance(value, (list, dict)) else str(value))
                    )
                    if w.value.strip() != shown:
                        w.value = shown
        finally:
            self._syncing = False

    def _render_advanced(self):
        extra = {k: v for k, v in self.session.args.items() if k not in C.CURATED_ARG_NAMES}
        self.adv_list.value = (
            "<div class='wb-hint'>Also set: "
            + ", ".join(
                f"<code>{esc(k)}</code> = {esc(json.dumps(v, default=str))}" for k, v in extra.items()
            )
            + "</div>"
            if extra
            else ""
        )
        self.adv_remove_pick.options = list(extra)

    def recommended(self) -> dict:
        """The workbench's defaults for the current data and loss (what an empty box means)."""
        try:
            args = self.session.run_defaults(self.device)
        except WorkbenchError:
            return {}
        loss = self.session.resolved_loss(self.session.entries("train")[0].name) if args else None
        if loss is not None and loss.sampler:  # the guardrail sets it: show it as the value an empty box gets
            args.setdefault("batch_sampler", loss.sampler)
        return args

    def refresh_placeholders(self, change=None):
        """Placeholders show the recommended value, else the library's default (trait assignments only)."""
        if not self.inputs:
            return
        rec = self.recommended()
        for name, w in self.inputs.items():
            field = self.fields[name]
            if name in rec:
                text, how = rec[name], "recommended"
            else:
                text, how = field.default, "default"
            shown = (
                "none"
                if text is None
                else (json.dumps(text) if isinstance(text, (list, dict)) else str(text))
            )
            if isinstance(w, widgets.Dropdown):
                if w.options and w.options[0][1] == DEFAULT and not getattr(w, "_wb_no_hw", False):
                    opts = list(w.options)
                    label = f"{how} ({shown})"
                    if opts[0][0] != label:
                        current = w.value
                        self._syncing = True
                        try:
                            w.options = [(label, DEFAULT)] + opts[1:]
                            w.value = current
                        finally:
                            self._syncing = False
            else:
                w.placeholder = f"{how}: {shown}"
