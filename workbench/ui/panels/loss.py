"""Step 4, the loss: the loss-overview table for the model type with each loss judged against the mapped data,
a selector that offers only losses that fit, their parameters, and modifiers / the SPLADE wrapper."""

from __future__ import annotations

import ipywidgets as widgets

from ... import catalog as C
from ... import rules
from ...errors import WorkbenchError
from ...session import clear_invalid, error_text
from ...spec import LossChoice
from ..widgets import Panel, ParamForm, esc, hint, section

WRAPPERS = ("SpladeLoss", "CachedSpladeLoss")
ALL = ""
MIXED = "__mixed__"  # the "all train datasets" view while they have different losses
STYLE = {"description_width": "110px"}


def modifier_options(model_type: str) -> list[tuple[str, str]]:
    """The modifier dropdown's options for a model type: none, then the catalog's modifiers of that type."""
    return [("none", "")] + [(m.name, m.name) for m in C.losses_for(model_type, ("modifier",))]


class LossPanel(Panel):
    """Pick the training objective."""

    name = "loss"
    title = "Loss"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self._syncing = False
        self._refusal = ""  # the refusal the about box shows (the error box does not repeat it)
        self._build_choice()
        self._build_extras()
        self.table = widgets.HTML()
        self.table.add_class("wb-loss-table")
        self.param_form: ParamForm | None = None
        self.modifier_form: ParamForm | None = None
        self.wrapper_form: ParamForm | None = None
        self._bind()
        self.lockable = [self.target, self.choose, self.modifier, self.wrapper]
        self.finish(self._layout())
        self._loss_changed()

    # ---- building the panel ----

    def _build_choice(self):
        """Which train dataset(s) the loss is for, the loss, what it does, and a box for its parameters."""
        self.target = widgets.Dropdown(
            options=[("all train datasets", ALL)],
            value=ALL,
            description="Loss for",
            style=STYLE,
            layout=widgets.Layout(width="380px"),
        )
        self.choose = widgets.Dropdown(
            options=[("auto", "auto")],
            value="auto",
            description="Loss",
            style=STYLE,
            layout=widgets.Layout(width="520px"),
        )
        self.choose.add_class("wb-loss-select")
        self.about = widgets.HTML()
        self.params_box = widgets.VBox()

    def _build_extras(self):
        """The optional modifier (dense, multi-vector) and the SPLADE wrapper (sparse), each with its parameters."""
        self.modifier = widgets.Dropdown(
            options=modifier_options(self.session.model_type),
            value="",
            description="Modifier",
            style=STYLE,
            layout=widgets.Layout(width="420px"),  # room for MultiVectorTokenPoolingLoss
            tooltip="Wraps the loss: Matryoshka trains embeddings (or token vectors) that can be truncated; "
            "AdaptiveLayer makes early layers usable; token pooling keeps fewer token vectors per document.",
        )
        self.modifier_box = widgets.VBox()
        self.wrapper = widgets.Dropdown(
            options=[(w, w) for w in WRAPPERS], value="SpladeLoss", description="SPLADE wrapper", style=STYLE
        )
        self.wrapper_box = widgets.VBox()
        self.extras = widgets.VBox([section("Modifier (optional)"), self.modifier, self.modifier_box])
        self.sparse_extras = widgets.VBox(
            [section("SPLADE regularizer weights"), self.wrapper, self.wrapper_box]
        )

    def _bind(self):
        self.target.observe(self.guard(self._target_changed), "value")
        self.choose.observe(self.guard(self._choice_changed), "value")
        self.modifier.observe(self.guard(self._extras_changed), "value")
        self.wrapper.observe(self.guard(self._extras_changed), "value")
        self.session.observe(self.guard(self._refresh), names=["datasets", "data_version"])
        # A new model type offers other modifiers (the loss may stay `auto`, so `loss` need not change).
        self.session.observe(self.guard(self._loss_changed), names=["loss", "model_type"])

    def _layout(self) -> list[widgets.Widget]:
        return [
            hint(
                "The loss decides what the model learns. Each loss needs data of a certain shape; the table below "
                "checks every loss against your columns. Only losses that fit can be chosen."
            ),
            self.target,
            self.choose,
            self.about,
            self.params_box,
            self.extras,
            self.sparse_extras,
            section("Which losses fit your data"),
            self.table,
        ]

    # ---- what is being edited ----

    def train_names(self) -> list[str]:
        return [e.name for e in self.session.entries("train")]

    def judged_names(self) -> list[str]:
        names = self.train_names()
        return names if self.target.value == ALL else [self.target.value]

    def mixed(self) -> bool:
        """Whether the train datasets have different losses (then the "all" view edits none of them)."""
        loss = self.session.loss
        return (
            isinstance(loss, dict) and len({repr(self.session.loss_for(n)) for n in self.train_names()}) > 1
        )

    def current_choice(self) -> LossChoice:
        names = self.train_names()
        if self.target.value != ALL:
            return self.session.loss_for(self.target.value)
        if self.mixed():
            return LossChoice(name=MIXED)
        return (
            self.session.loss_for(names[0])
            if isinstance(self.session.loss, dict) and names
            else (self.session.loss if isinstance(self.session.loss, LossChoice) else LossChoice())
        )

    def _write(self, choice: LossChoice) -> None:
        self.session.set_loss(choice, None if self.target.value == ALL else self.target.value)
        self.ok()

    # ---- widget -> session ----

    def _target_changed(self, change):
        if not self._syncing:
            self._loss_changed()

    def _choice_changed(self, change):
        if self._syncing:
            return
        old = self.current_choice()
        name = change["new"]
        if name == MIXED:
            return
        if old.name == MIXED:  # one loss for every train dataset, chosen on purpose
            old = LossChoice()
        keep = name == old.name
        self._write(
            LossChoice(
                name=name, params=dict(old.params) if keep else {}, modifier=old.modifier, wrapper=old.wrapper
            )
        )

    def _extras_changed(self, change=None):
        if self._syncing:
            return
        old = self.current_choice()
        if old.name == MIXED:  # not shown in this view; never collapse the per-dataset losses into one
            return
        modifier = None
        if self.modifier.value:  # the options are the model type's (`_loss_changed`)
            same = old.modifier and old.modifier.get("name") == self.modifier.value
            modifier = {
                "name": self.modifier.value,
                "params": dict(old.modifier.get("params", {})) if same else {},
            }
        wrapper = old.wrapper
        if self.session.model_type == C.SPARSE and self.wrapper.value != (old.wrapper or {}).get(
            "name", "SpladeLoss"
        ):
            wrapper = {"name": self.wrapper.value, "params": {}}
        self._write(LossChoice(old.name, dict(old.params), modifier, wrapper))

    def _params_changed(self, values: dict):
        old = self.current_choice()
        self._write(LossChoice(old.name, values, old.modifier, old.wrapper))

    def _modifier_params(self, values: dict):
        old = self.current_choice()
        if old.modifier:
            self._write(
                LossChoice(
                    old.name, dict(old.params), {"name": old.modifier["name"], "params": values}, old.wrapper
                )
            )

    def _wrapper_params(self, values: dict):
        old = self.current_choice()
        self._write(
            LossChoice(
                old.name, dict(old.params), old.modifier, {"name": self.wrapper.value, "params": values}
            )
        )

    # ---- session -> widgets ----

    def _loss_changed(self, change=None):
        """The loss itself changed (UI thread): rebuild the parameter forms, then refresh the table."""
        s = self.session
        choice = self.current_choice()
        forms_off = s.running
        clear_invalid(s, "loss.")  # the forms are rebuilt from the loss's (valid) values
        spec = None
        if choice.name not in ("auto", MIXED):
            try:
                spec = C.get_loss(choice.name, s.model_type)
            except WorkbenchError as exc:
                self.fail(exc)
        self.param_form = (
            ParamForm(spec.params, choice.params, self._params_changed, session=s, key="loss.params")
            if spec and spec.params
            else None
        )
        self.params_box.children = (
            [section(f"{spec.name} settings (empty = default)"), self.param_form] if self.param_form else []
        )
        self._syncing = True
        try:
            self.modifier.options = options = modifier_options(s.model_type)
            name = (choice.modifier or {}).get("name", "")
            self.modifier.value = name if name in [v for _, v in options] else ""
            self.wrapper.value = (choice.wrapper or {}).get("name", "SpladeLoss")
        finally:
            self._syncing = False
        mod = C.get_loss(self.modifier.value, s.model_type) if self.modifier.value else None
        self.modifier_form = (
            ParamForm(
                mod.params,
                (choice.modifier or {}).get("params", {}),
                self._modifier_params,
                session=s,
                key="loss.modifier.params",
            )
            if mod
            else None
        )
        self.modifier_box.children = [self.modifier_form] if self.modifier_form else []
        wrap = C.get_loss(self.wrapper.value, C.SPARSE)
        self.wrapper_form = ParamForm(
            wrap.params,
            (choice.wrapper or {}).get("params", {}),
            self._wrapper_params,
            session=s if s.model_type == C.SPARSE else None,  # shown for sparse models only
            key="loss.wrapper.params",
        )
        self.wrapper_box.children = [self.wrapper_form]
        for form in (self.param_form, self.modifier_form, self.wrapper_form):
            if form is not None:
                form.set_disabled(forms_off)
        self._refresh()

    def _on_status(self, change=None):
        super()._on_status(change)
        busy = self.session.running
        for form in (self.param_form, self.modifier_form, self.wrapper_form):
            if form is not None:
                form.set_disabled(busy)

    def _picks(self, names: list[str]) -> dict:
        """What ``auto`` resolves to for each train dataset (None where nothing fits or the mapping is broken)."""
        picks = {}
        for name in names:
            try:
                picks[name] = self.session.recommended(name)
            except WorkbenchError:  # a broken mapping: said in the Columns tab
                picks[name] = None
        return picks

    def _refresh(self, change=None):
        """Table, selector options and notes (may run in the loader thread: trait assignments only)."""
        s = self.session
        names = self.train_names()
        self._syncing = True
        try:
            self.target.options = [("all train datasets", ALL)] + [(f"only '{n}'", n) for n in names]
            self.target.layout.display = "" if len(names) > 1 else "none"
            choice = self.current_choice()
            judged = self.judged_names()
            verdicts = s.combined_verdicts(judged)
            picks = self._picks(judged) if verdicts else {}
            summary = rules.auto_summary(picks)
            auto_label = f"auto (recommended: {summary})" if summary else "auto (recommended loss)"
            fitting = [v.name for v in verdicts.values() if v.compatible]
            options = [(auto_label, "auto")] + [(n, n) for n in fitting]
            if choice.name == MIXED:
                options.insert(0, ("different per dataset (choose a loss here to use it for all)", MIXED))
            elif choice.name != "auto" and choice.name not in fitting:
                options.append((f"{choice.name} (does not fit)", choice.name))
            self.choose.options = options
            self.choose.value = choice.name
        finally:
            self._syncing = False
        has_modifiers = len(modifier_options(s.model_type)) > 1
        self.extras.layout.display = "" if has_modifiers and choice.name != MIXED else "none"
        if choice.name == "auto":
            resolved = [p[0] for p in picks.values() if p is not None]
        elif choice.name != MIXED and any(
            x.name == choice.name and x.model_type == s.model_type for x in C.LOSSES
        ):
            resolved = [C.get_loss(choice.name, s.model_type)]
        else:
            resolved = []
        self.sparse_extras.layout.display = (
            "" if s.model_type == C.SPARSE and any("splade_wrapper" in r.needs for r in resolved) else "none"
        )
        self._refusal = self._refusal_for(choice, judged, verdicts)
        self.about.value = self._about(choice, verdicts, picks, summary, bool(names))
        shown = rules.auto_verdicts(verdicts, picks) if choice.name == "auto" else verdicts
        self.table.value = self._table(shown, {r.name for r in resolved})
        self._on_errors()

    def _on_errors(self, change=None) -> None:
        """The panel's error, unless it is the refusal the about box already shows (one reason, one fix)."""
        text = self.session.errors.get(self.name, "")
        self.error_box.show("" if text and text == getattr(self, "_refusal", "") else text)

    def _refusal_for(self, choice, judged: list[str], verdicts: dict) -> str:
        """The run's own refusal of a chosen loss that does not fit (its reason, its fixes, the losses that fit),
        for the first train dataset it does not fit; "" when it fits."""
        v = verdicts.get(choice.name)
        if v is None or v.compatible:
            return ""
        s = self.session
        for name in judged:
            try:
                found = next((x for x in s.verdicts(name) if x.name == choice.name), None)
                if found is not None and not found.compatible:
                    shape = s.shape(f"train/{name}")
                    return error_text(rules.refusal(found.loss, found, f"train/{name}", shape, s.model_type))
            except WorkbenchError:
                continue
        return ""

    def _about(self, choice, verdicts, picks, summary, has_train) -> str:
        if not has_train:
            return hint("Add a train dataset in the Data tab first.").value
        if choice.name == MIXED:
            each = ", ".join(
                f"'{esc(n)}': <b>{esc(self.session.loss_for(n).name)}</b>" for n in self.train_names()
            )
            return hint(
                f"Each train dataset has its own loss ({each}). Pick <i>only 'NAME'</i> under "
                "<b>Loss for</b> to change one of them with its settings."
            ).value
        if not verdicts:
            return hint("Waiting for the data to load to check which losses fit…").value
        if choice.name == "auto":
            return self._about_auto(picks, summary)
        v = verdicts.get(choice.name)
        if v is not None and not v.compatible:
            text = self._refusal or f"{choice.name} does not fit your data: {v.reason}."
            return f"<div class='wb-error wb-loss-refusal'>{esc(text)}</div>"
        spec = v.loss if v is not None else None
        notes = "".join(f"<li>{esc(n)}</li>" for n in (v.notes if v else ()))
        return hint(
            f"<b>{esc(choice.name)}</b>: {esc(spec.summary if spec else '')}"
            + (f"<ul>{notes}</ul>" if notes else "")
        ).value

    def _about_auto(self, picks: dict, summary: str | None) -> str:
        """What auto trains with: one loss, or one per train dataset (each fits the dataset it is for)."""
        if summary is None:
            none = [n for n, p in picks.items() if p is None]
            which = f" of {', '.join(repr(n) for n in none)}" if len(picks) > 1 and none else ""
            return (
                f"<div class='wb-error'>No loss fits the columns{esc(which)} as mapped. See the reasons below, or "
                "use a suggested fix in the Columns tab.</div>"
            )
        fixes = [(n, p[1]) for n, p in picks.items() if p[1] is not None]
        several = len(picks) > 1
        extra = "".join(
            f" It will {esc(fix.text)}" + (f" in '{esc(n)}'" if several else "") + "." for n, fix in fixes
        )
        losses = {p[0].name: p[0] for p in picks.values()}
        if len(losses) == 1:
            loss = next(iter(losses.values()))
            return hint(
                f"<b>auto</b> uses <b>{esc(loss.name)}</b>: {esc(loss.summary)}{extra} Choose it by name "
                "to change its settings."
            ).value
        each = ", ".join(f"<b>{esc(p[0].name)}</b> for '{esc(n)}'" for n, p in picks.items())
        return hint(
            f"<b>auto</b> picks a loss for each train dataset: {each}.{extra} Pick <i>only 'NAME'</i> under "
            "<b>Loss for</b> to change one of them."
        ).value

    def _table(self, verdicts: dict, chosen: set[str]) -> str:
        if not verdicts:
            return ""
        ordered = sorted(verdicts.values(), key=lambda v: (not v.compatible, v.name))
        rows = []
        for v in ordered:
            cls = ("wb-fits" if v.compatible else "wb-nofit") + (" wb-chosen" if v.name in chosen else "")
            mark = (
                "<span class='wb-ok'>✔ fits</span>"
                if v.compatible
                else "<span class='wb-error-text'>✘ no</span>"
            )
            summary = v.loss.summary if v.loss is not None else ""
            fix = (
                f"<div class='wb-fix'>Fix in the Columns tab: {esc(v.fixes[0].text)}</div>"
                if v.fixes and not v.compatible
                else ""
            )
            rows.append(
                f"<tr class='{cls}' data-loss='{esc(v.name)}'><td>{esc(v.name)}</td><td>{mark}</td>"
                f"<td>{esc(v.reason)}{fix}</td><td>{esc(summary)}</td></tr>"
            )
        head = "<tr><th>Loss</th><th>Fits?</th><th>Why</th><th>What it does</th></tr>"
        return (
            f"<table class='wb-table wb-loss-table'><thead>{head}</thead><tbody>{''.join(rows)}</tbody>"
            "</table>"
        )
