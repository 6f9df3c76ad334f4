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
from ...session import error_text, field_message
from ...session.adjust import adjustments
from ..widgets import DEFAULT, INVALID, Panel, esc, field_msg, help_html, hint, section
from .run_setup import SetupBox

ON_OFF = (("on", True), ("off", False))


def parse_arg(field: C.ArgField, text: str):
    """The value typed for a training argument (ValueError with a readable message when it is wrong)."""
    value = C.param_kind(field.type).parse(text, field.name)
    problem = C.range_problem(field.name, value)
    if problem:
        raise ValueError(problem)
    return value


class ArgsPanel(Panel):
    """Training arguments by their plain names ("Learning rate"); the Advanced view adds their raw names, the rest
    of the curated fields and any other argument."""

    name = "args"
    title = "Training settings"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self.built_for: str | None = None
        self.fields: dict[str, C.ArgField] = {}
        self.inputs: dict[str, widgets.Widget] = {}
        self.msgs: dict[str, widgets.HTML] = {}
        self.labels: dict[str, widgets.HTML] = {}
        self.rows: dict[str, widgets.Widget] = {}
        self.device: dict | None = None
        self._syncing = False
        self.device_info = widgets.HTML()
        self.adjusted = widgets.HTML(_dom_classes=("wb-adjusted",))
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
        self.advanced.set_title(0, "Any other training argument")
        self.advanced.selected_index = None
        self.show_all = widgets.ToggleButton(
            value=False,
            description="Advanced: every setting, by its name",
            tooltip="Show every curated setting with its TrainingArguments name, and any other argument.",
            layout=widgets.Layout(width="300px"),
        )
        self.show_all.add_class("wb-advanced")
        self.show_all.observe(self.guard(self._view_changed), "value")
        self.adv_set.on_click(self.guard(self._adv_set))
        self.adv_remove.on_click(self.guard(self._adv_remove))
        session.observe(self.guard(self._args_changed), names=["args"])
        session.observe(self.guard(self._type_changed), names=["model_type"])
        session.observe(
            self.guard(self.refresh_placeholders),
            names=["data_version", "loss", "datasets", "evaluators", "adapter"],
        )
        self.lockable = [self.adv_name, self.adv_value, self.adv_set, self.adv_remove_pick, self.adv_remove]
        self.setup = SetupBox(self)  # early stopping, prompts, a cross-encoder's activation
        self.finish(
            [
                hint(
                    "Leave a box empty to use the recommended value shown in grey. Hover a name for its meaning."
                ),
                self.show_all,
                self.device_info,
                self.adjusted,
                self.form,
                self.setup,
                self.advanced,
            ]
        )
        self._render_advanced()
        self._view_changed()

    # ---- building the form (UI thread) ----

    def ensure_form(self) -> None:
        """Build the fields for the current model type (imports sentence-transformers the first time)."""
        if self.built_for == self.session.model_type:
            return
        model_type = self.session.model_type
        # In a kernel of the served app (process backend) these come from a child process and a cache file.
        self.fields, device = self.session.actions.training_facts(model_type)
        if self.device is None:
            self.device = device
        d = self.device
        # What the workbench chose and why, e.g. "bf16: on — this CPU supports bfloat16 (avx512_bf16); ...".
        self.device_info.value = hint(
            f"Training runs on: <b>{esc(d.get('name', d['device']))}</b> ({esc(d['device'])}). "
            f"Precision: <span class='wb-precision'>{esc(rules.precision_reason(d))}</span>"
            + (" unless you choose otherwise below." if rules.auto_precision(d) else ".")
        ).value
        rows: list[widgets.Widget] = []
        self.inputs, self.msgs, self.labels, self.rows = {}, {}, {}, {}
        self.checked = {}
        for group, names in C.CURATED_ARGS:
            heading = section(group)
            rows.append(heading)
            for name in names:
                field = self.fields.get(name)
                if field is None:
                    continue
                rows.append(self._row(field))
            self.rows[group] = heading
        self.form.children = rows
        self.adv_name.options = sorted(
            n for n in self.fields if n not in (*C.CURATED_ARG_NAMES, *C.MANAGED_ARGS, *C.EDITED_ARGS)
        )
        self.built_for = model_type
        adv = [self.adv_name, self.adv_value, self.adv_set, self.adv_remove_pick, self.adv_remove]
        self.lockable = [*adv, *self.inputs.values(), *self.setup.lockable]
        self._args_changed()
        self.refresh_placeholders()
        self._on_status()
        self._view_changed()

    def _row(self, field: C.ArgField) -> widgets.Widget:
        tip = " ".join(field.help.split())
        label = widgets.HTML(
            layout=widgets.Layout(flex="0 0 230px", width="230px"), _dom_classes=("wb-arg-label",)
        )
        self.labels[field.name] = label
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
        w.tooltip = f"{field.name}: {tip}" if tip else field.name
        w.add_class(f"wb-arg-{field.name}")
        if field.name in ("fp16", "bf16") and self.device is not None and not self.device.get(field.name):
            w._wb_no_hw = True  # not disabled: a loaded config's "on" must be visible and switchable off
            on_gpu = self.device.get("device") != "cpu"
            why = (
                f"this GPU has no {field.name}"
                if on_gpu
                else "this CPU has no native bf16"
                if field.name == "bf16"
                else "needs a GPU"
            )
            # "on" stays listed so that a loaded config that turns it on shows it, and can be switched off.
            w.options = [(f"off ({why})", DEFAULT), (f"on — cannot train here ({why}): choose off", True)]
        w.observe(self.guard(lambda change, f=field: self._edited(f)), "value")
        self.inputs[field.name] = w
        self.check(f"args.{field.name}", w, lambda name=field.name: self._sync_field(name))
        msg = widgets.HTML(self._help(field), layout=widgets.Layout(flex="1 1 240px", min_width="200px"))
        self.msgs[field.name] = msg
        row = widgets.HBox(
            [label, w, msg], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        )
        self.rows[field.name] = row
        return row

    def _label_html(self, field: C.ArgField) -> str:
        """The field's plain name (its raw name in the tooltip; beside it too in the Advanced view)."""
        tip = " ".join(field.help.split())
        plain = C.arg_label(field.name).label
        raw = f"<br><code class='wb-arg-raw'>{esc(field.name)}</code>" if self.show_all.value else ""
        return (
            f"<span class='wb-arg-name' title='{esc(field.name)}: {esc(tip)}' style='cursor:help'>"
            f"{esc(plain)}</span>{raw}"
        )

    def _view_changed(self, change=None) -> None:
        """The plain view shows the basic settings (and any holding a value); Advanced shows them all, named."""
        advanced = self.show_all.value
        args, invalid = self.session.args, self.session.invalid
        extra = any(k not in (*C.CURATED_ARG_NAMES, *C.EDITED_ARGS) for k in args)
        self.advanced.layout.display = "" if advanced or extra else "none"
        shown_groups = set()
        for group, names in C.CURATED_ARGS:
            for name in names:
                if name not in self.inputs:
                    continue
                self.labels[name].value = self._label_html(self.fields[name])
                show = advanced or C.arg_label(name).basic or name in args or f"args.{name}" in invalid
                self.rows[name].layout.display = "" if show else "none"
                if show:
                    shown_groups.add(group)
            if group in self.rows:
                self.rows[group].layout.display = "" if group in shown_groups else "none"

    def _type_changed(self, change=None):
        if self.built_for is not None:
            self.ensure_form()

    # ---- widget -> session ----

    def _help(self, field: C.ArgField) -> str:
        """The field's help in plain words where the workbench has them, else the library's, whole, with its
        `code` shown as code (the library's is always the name's tooltip)."""
        return f"<div class='wb-help'>{help_html(C.PLAIN_HELP.get(field.name) or field.help)}</div>"

    def _problem(self, field: C.ArgField, text: str) -> tuple[object, str | None]:
        """(the value typed, None) or (None, a sentence naming the field, what it holds and what it needs)."""
        plain = C.arg_label(field.name)
        what = C.param_kind(field.type).what
        try:
            value = parse_arg(field, text)
            C.check_args({field.name: value}, self.session.model_type)
        except ValueError as exc:
            return None, field_message(field.name, str(exc), text, plain.label, what, plain.example)
        except WorkbenchError as exc:
            return None, f"{plain.label} ({field.name}): {error_text(exc)}"
        return value, None

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
            value, problem = (None, None) if not w.value.strip() else self._problem(field, w.value)
            if problem:
                msg.value = field_msg(problem)
                self.mark(f"args.{field.name}", problem)
                return
        msg.value = self._help(field)
        self.mark(f"args.{field.name}", None)
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
        if name in self.inputs or name in C.EDITED_ARGS:
            where = "the Prompts editor above" if name in C.EDITED_ARGS else "the form above"
            self.adv_msg.value = field_msg(f"The setting '{name}' is in {where}: set it there.")
            return
        try:
            C.check_args({name: None}, self.session.model_type)
            field = self.fields.get(name) or C.ArgField(name, "other", None)
            value = parse_arg(field, self.adv_value.value) if self.adv_value.value.strip() else None
            if value is not None:
                C.check_args({name: value}, self.session.model_type)
        except ValueError as exc:
            self.adv_msg.value = field_msg(f"The setting '{name}' {exc}.")
            return
        except WorkbenchError as exc:
            self.adv_msg.value = field_msg(error_text(exc))
            return
        args = dict(self.session.args)
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
        self.session.args = args
        self.adv_msg.value = field_msg(f"The setting '{name}' is set.", ok=True)

    def _adv_remove(self, button=None):
        name = self.adv_remove_pick.value
        if name:
            self.session.args = {k: v for k, v in self.session.args.items() if k != name}

    # ---- session -> widgets ----

    def _args_changed(self, change=None):
        self._render_advanced()
        self._show_adjusted()
        if self._syncing:
            return
        old = change["old"] if change else {}
        for name in self.inputs:
            # A box holding a bad value keeps it (and its mark) until the setting itself changes.
            if f"args.{name}" in self.session.invalid and old.get(name) == self.session.args.get(name):
                continue
            self._sync_field(name)
        self._view_changed()

    def _sync_field(self, name: str) -> None:
        """Show the stored value of one field (valid: its mark goes)."""
        value, w = self.session.args.get(name), self.inputs[name]
        marked = INVALID in w._dom_classes or f"args.{name}" in self.session.invalid
        self._syncing = True
        try:
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
        if marked:
            self.msgs[name].value = self._help(self.fields[name])
            self.mark(f"args.{name}", None)

    def _render_advanced(self):
        shown = (*C.CURATED_ARG_NAMES, *C.EDITED_ARGS)
        extra = {k: v for k, v in self.session.args.items() if k not in shown}
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

    def _show_adjusted(self) -> None:
        """The values of yours the run will change, and the rules' warnings (:func:`adjustments`)."""
        items = "".join(
            f"<li>{esc(n.removeprefix('warning: '))}</li>" for n in adjustments(self.session, self.device)
        )
        self.adjusted.value = f"<div class='wb-warn'>Before you start:<ul>{items}</ul></div>" if items else ""

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
        self._show_adjusted()
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
