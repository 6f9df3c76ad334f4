"""Step 3, the columns: which columns are inputs (in order), which is the label, one-click fixes from the
engine, and a preview of exactly what the trainer will see."""

from __future__ import annotations

import ipywidgets as widgets

from ...errors import WorkbenchError
from ...session import data_key, error_text
from ...spec import LossChoice
from ..widgets import Panel, esc, hint, run_in_thread, section, set_off
from .trainer_view import input_roles, lengths_html, trainer_view_html

N_FIX_BUTTONS = 4
STYLE = {"description_width": "110px"}


class ColumnsPanel(Panel):
    """Map a dataset's columns onto the trainer's inputs and label."""

    name = "columns"
    title = "Columns"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self._syncing = False
        # Dataset key -> (label, rescale range) while "(no label)" is chosen: the range comes back with the label.
        self._kept_ranges: dict[str, tuple] = {}
        self._build_inputs()
        self._build_label()
        self._build_checks()
        self._build_trainer_view()
        self._bind()
        self.lockable = [
            self.which,
            self.inputs,
            self.up,
            self.down,
            self.drop,
            self.add_pick,
            self.add_btn,
            self.label,
            self.rescale,
            self.low,
            self.high,
            self.drop_empty,
            self.derive,
            *self.fix_buttons,
        ]
        self.finish(self._layout())
        self._refresh()

    # ---- building the panel ----

    def _build_inputs(self):
        """Which dataset, its input columns in order, and the buttons that reorder, remove and add them."""
        self.which = widgets.Dropdown(
            options=[], description="Dataset", style=STYLE, layout=widgets.Layout(width="380px")
        )
        self.inputs = widgets.Select(
            options=[], rows=4, description="Inputs", style=STYLE, layout=widgets.Layout(width="460px")
        )
        self.up = widgets.Button(description="Move up", layout=widgets.Layout(width="120px"))
        self.down = widgets.Button(description="Move down", layout=widgets.Layout(width="120px"))
        self.drop = widgets.Button(description="Remove input", layout=widgets.Layout(width="120px"))
        self.add_pick = widgets.Dropdown(options=[], description="Add column", style=STYLE)
        self.add_btn = widgets.Button(description="Add as input", layout=widgets.Layout(width="120px"))

    def _build_label(self):
        """The label column and its optional rescaling to 0-1."""
        self.label = widgets.Dropdown(
            options=[], description="Label", style=STYLE, layout=widgets.Layout(width="380px")
        )
        self.label.add_class("wb-label-select")
        self.rescale = widgets.Checkbox(
            value=False,
            description="Rescale the label to 0–1 from",
            indent=False,
            layout=widgets.Layout(width="230px"),
        )
        self.low = widgets.FloatText(
            value=0.0,
            description="low",
            layout=widgets.Layout(width="130px"),
            style={"description_width": "30px"},
        )
        self.high = widgets.FloatText(
            value=5.0,
            description="high",
            layout=widgets.Layout(width="130px"),
            style={"description_width": "30px"},
        )

    def _build_checks(self):
        """What is dropped, empty cells, and the one-click fixes (N_FIX_BUTTONS buttons, hidden until used)."""
        self.dropped = widgets.HTML()
        self.empty_note = widgets.HTML()
        self.drop_empty = widgets.Checkbox(
            value=False,
            description="Drop rows with an empty input or label",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.drop_empty.add_class("wb-drop-empty")
        # Shown while the pairs are derived (a Columns fix sets it): unticked, the rows are used as mapped.
        self.derive = widgets.Checkbox(
            value=False,
            description="Damage the first input with TSDAE's deletion noise (derive: tsdae)",
            indent=False,
            layout=widgets.Layout(width="auto", display="none"),
        )
        self.derive.add_class("wb-derive")
        self.fix_text = widgets.HTML()
        self.fix_buttons = [
            widgets.Button(
                description="", button_style="info", layout=widgets.Layout(width="auto", display="none")
            )
            for _ in range(N_FIX_BUTTONS)
        ]
        self._fixes: list = []

    def _build_trainer_view(self):
        """What the trainer will see, text lengths, and the exact token count on request."""
        self.trainer_view = widgets.HTML()
        self.lengths = widgets.HTML()
        self.exact_btn = widgets.Button(
            description="Count tokens exactly (loads the tokenizer)", layout=widgets.Layout(width="auto")
        )

    def _bind(self):
        """Widgets -> actions, and the session traits the mapping depends on -> _refresh."""
        self.which.observe(self.guard(self._pick), "value")
        self.up.on_click(self.guard(lambda b: self._move(-1)))
        self.down.on_click(self.guard(lambda b: self._move(1)))
        self.drop.on_click(self.guard(self._drop))
        self.add_btn.on_click(self.guard(self._add))
        self.label.observe(self.guard(self._label_changed), "value")
        for w in (self.rescale, self.low, self.high):
            w.observe(self.guard(self._range_changed), "value")
        self.drop_empty.observe(self.guard(self._drop_empty_changed), "value")
        self.derive.observe(self.guard(self._derive_changed), "value")
        for i, b in enumerate(self.fix_buttons):
            b.on_click(self.guard(lambda btn, i=i: self.apply_fix(i)))
        self.exact_btn.on_click(self.guard(self._exact))
        self.session.observe(
            self.guard(self._refresh),
            names=[
                "datasets",
                "data_version",
                "selected",
                "loss",
                "model_type",
                "max_seq_length",
                "model_name",
            ],
        )

    def _layout(self) -> list[widgets.Widget]:
        return [
            hint(
                "The trainer takes the input columns <b>by position</b> (e.g. anchor, positive, negative) and the "
                "label as a number. Columns you do not use are dropped."
            ),
            self.which,
            widgets.HBox([self.inputs, widgets.VBox([self.up, self.down, self.drop])]),
            widgets.HBox([self.add_pick, self.add_btn]),
            self.label,
            widgets.HBox([self.rescale, self.low, self.high]),
            self.dropped,
            self.empty_note,
            self.drop_empty,
            self.derive,
            self.fix_text,
            widgets.HBox(self.fix_buttons, layout=widgets.Layout(flex_flow="row wrap")),
            section("What the trainer will see"),
            self.trainer_view,
            self.lengths,
            self.exact_btn,
        ]

    # ---- helpers ----

    @property
    def key(self) -> str:
        return self.which.value or ""

    def _current(self):
        inputs, label, rng, _ = self.session.mapping(self.key)
        return list(inputs), label, rng

    def fixes(self) -> list:
        """The one-click fixes the rules suggest for the selected dataset's mapping."""
        return self.session.fixes(self.key, N_FIX_BUTTONS)

    def _role_format(self):
        s, entry = self.session, self.session.entry(self.key)
        if entry is None or entry.split != "train":
            return None
        loss = s.resolved_loss(entry.name)
        if loss is None:
            return None
        v = next((v for v in s.verdicts(entry.name) if v.name == loss.name), None)
        if v is None or v.format_ref is None:
            return None
        return next((f for f in loss.formats if f.ref == v.format_ref), None)

    # ---- widget -> session ----

    def _pick(self, change):
        if not self._syncing and change["new"]:
            self.session.selected = change["new"]

    def _write(self, **changes):
        self.session.set_mapping(self.key, **changes)
        self.ok()

    def _move(self, step: int):
        inputs, _, _ = self._current()
        col = self.inputs.value
        if col not in inputs:
            return
        i = inputs.index(col)
        j = i + step
        if 0 <= j < len(inputs):
            inputs[i], inputs[j] = inputs[j], inputs[i]
            self._write(columns=tuple(inputs))
            self.inputs.value = col

    def _drop(self, button=None):
        inputs, _, _ = self._current()
        if self.inputs.value in inputs:
            inputs.remove(self.inputs.value)
            self._write(columns=tuple(inputs))

    def _add(self, button=None):
        inputs, label, _ = self._current()
        col = self.add_pick.value
        if col and col not in inputs:
            changes = {"columns": tuple(inputs + [col])}
            if col == label:
                changes["label"] = ""
            self._write(**changes)

    def _label_changed(self, change):
        if self._syncing:
            return
        inputs, label, rng = self._current()
        new = change["new"] or ""
        changes: dict = {"label": new}
        if new and new in inputs:
            changes["columns"] = tuple(c for c in inputs if c != new)
        if not new:
            changes["label_range"] = None
            if label and rng is not None:  # kept, for when this label comes back
                self._kept_ranges[self.key] = (label, rng)
        elif rng is None and self._kept_ranges.get(self.key, (None,))[0] == new:
            changes["label_range"] = self._kept_ranges.pop(self.key)[1]
        self._write(**changes)

    def _range_changed(self, change=None):
        if self._syncing:
            return
        if self.rescale.value:
            if self.low.value >= self.high.value:
                raise WorkbenchError(
                    "the rescale range needs low < high.",
                    fix="e.g. 0 and 5 for STS scores.",
                    where="datasets.columns",
                )
            self._write(label_range=(float(self.low.value), float(self.high.value)))
        else:
            self._write(label_range=None)

    def _drop_empty_changed(self, change):
        if not self._syncing:
            self._write(drop_empty=bool(change["new"]))

    def _derive_changed(self, change):
        if not self._syncing and not change["new"]:
            self._write(derive=None)

    def apply_fix(self, i: int) -> None:
        """Apply the i-th suggested fix to the mapping."""
        if i >= len(self._fixes):
            return
        fix = self._fixes[i]
        if fix.loss is not None:  # "treat as classes", or a plain corpus's pairs: the loss they are for
            train = self.session.entries("train")
            name = self.key.partition("/")[2]
            self.session.set_loss(LossChoice(fix.loss), None if len(train) == 1 else name)
            if fix.kind == "use_loss":
                return
        inputs, label, rng = self._current()
        new_inputs, new_label, new_range = fix.apply(inputs, label, rng)
        changes = {"columns": tuple(new_inputs), "label": new_label or "", "label_range": new_range}
        if fix.derive is not None:
            changes["derive"] = fix.derive or None
        self._write(**changes)

    def _exact(self, button=None):
        name = self.session.model_name

        def failed(exc):
            self.lengths.value = f"<div class='wb-error'>The tokenizer could not be loaded: {esc(exc)}</div>"

        self.lengths.value = hint("Loading the tokenizer…").value
        run_in_thread(
            lambda: self.session.actions.load_tokenizer(name),
            lambda tokenizer: self._render_lengths(),
            failed,
            name="workbench-tokenizer",
        )

    # ---- session -> widgets (may run in the loader thread: trait assignments only) ----

    def _refresh(self, change=None):
        s = self.session
        keys = [(f"{e.key}", e.key) for e in s.datasets]
        self._syncing = True
        try:
            self.which.options = keys
            if s.selected in dict(keys).values():
                self.which.value = s.selected
            self._fill()
        except Exception as exc:  # noqa: BLE001 - e.g. a loaded config naming a column the data lacks
            self.trainer_view.value = f"<div class='wb-error'>{esc(error_text(exc))}</div>"
        finally:
            self._syncing = False

    def _fill(self):
        s, key = self.session, self.key
        prof = s.profile(key)
        busy = s.running
        if prof is None:
            self.inputs.options, self.add_pick.options, self.label.options = [], [], [("(no label)", "")]
            entry = s.entry(key) if key else None
            failed = s.data_errors.get(data_key(entry.spec)) if entry is not None else None
            self.trainer_view.value = (
                f"<div class='wb-error'>This dataset could not be loaded: {esc(failed)} Fix it or remove it in the "
                "Data tab.</div>"
                if failed
                else hint(
                    "Load a dataset in the Data tab to map its columns." if not key else "Loading…"
                ).value
            )
            self.dropped.value = self.fix_text.value = self.lengths.value = self.empty_note.value = ""
            for b in self.fix_buttons:
                b.layout.display = "none"
            return
        inputs, label, rng = self._current()
        roles = {c.name: c.role for c in prof.columns}
        fmt = self._role_format()
        trainer_roles = input_roles(fmt, len(inputs))
        self.inputs.options = [
            (f"{i + 1}. {c}  ({roles.get(c, '?')}) → {r}", c)
            for i, (c, r) in enumerate(zip(inputs, trainer_roles, strict=True))
        ]
        self.add_pick.options = [
            (f"{c.name} ({c.role})", c.name) for c in prof.columns if c.name not in inputs
        ]
        self.label.options = [("(no label)", "")] + [(f"{c.name} ({c.role})", c.name) for c in prof.columns]
        self.label.value = label if label in prof.names else ""
        self.rescale.value = rng is not None
        if rng is not None:
            self.low.value, self.high.value = float(rng[0]), float(rng[1])
        unused = [c for c in prof.names if c not in inputs and c != label]
        self.dropped.value = hint(
            f"Not used (dropped): {esc(', '.join(unused))}" if unused else "Every column is used."
        ).value
        self._render_empty(prof, inputs, label)
        self._fixes = self.fixes()
        self.fix_text.value = hint("<b>Suggested fixes</b> (one click):").value if self._fixes else ""
        for i, b in enumerate(self.fix_buttons):
            if i < len(self._fixes):
                b.description = self._fixes[i].text[:90]
                b.tooltip = self._fixes[i].text
                b.layout.display = ""
            else:
                b.layout.display = "none"
            set_off(b, False, busy)
        self._render_trainer_view(inputs, label, rng, trainer_roles)
        self._render_lengths()

    def _render_empty(self, prof, inputs, label) -> None:
        """Empty cells in the used columns: the count per column, and whether the run drops those rows or stops."""
        entry = self.session.entry(self.key)
        self.drop_empty.value = bool(entry is not None and entry.spec.drop_empty)
        self.derive.value = bool(entry is not None and entry.spec.derive)
        self.derive.layout.display = "" if self.derive.value else "none"
        used = list(dict.fromkeys([*inputs, *([label] if label else [])]))
        empty = {c: prof.column(c).n_missing for c in used if c in prof.names and prof.column(c).n_missing}
        if not empty:
            self.empty_note.value = ""
            return
        where = ", ".join(f"'{esc(c)}' in {n} row{'s' if n != 1 else ''}" for c, n in empty.items())
        if self.drop_empty.value:
            self.empty_note.value = hint(f"Empty cells: {where}. Those rows are left out of training.").value
        else:
            self.empty_note.value = (
                f"<div class='wb-error'>Empty cells: {where}. Training would stop on them: tick "
                "the box below to leave those rows out, or fix the file.</div>"
            )

    def _render_trainer_view(self, inputs, label, rng, trainer_roles):
        entry = self.session.entry(self.key)
        drop_empty = bool(entry and entry.spec.drop_empty)
        ds = self.session.dataset(self.key)
        self.trainer_view.value = trainer_view_html(ds, inputs, label, rng, trainer_roles, drop_empty)

    def _render_lengths(self):
        s = self.session
        ds, (inputs, _, _) = s.dataset(self.key), self._current()
        if ds is None or not inputs:
            self.lengths.value = ""
            return
        limit = s.max_seq_length or s.actions.model_max_length()
        self.lengths.value = lengths_html(ds, inputs, limit, s.actions.tokenizer())
