"""Step 3, the columns: which columns are inputs (in order), which is the label, one-click fixes from the
engine, and a preview of exactly what the trainer will see."""

from __future__ import annotations

import ipywidgets as widgets

from ... import catalog as C
from ...errors import WorkbenchError
from ...session import data_key
from ..widgets import Panel, esc, hint, html_table, run_in_thread, section, set_off, short
from .model import model_max_length

N_FIX_BUTTONS = 4
PREVIEW_ROWS = 5
COUNT_ROWS = 2000
_TOKENIZERS: dict[str, object] = {}  # model name -> tokenizer (loaded on request, kept for the kernel's life)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        value = [round(v, 4) if isinstance(v, float) else v for v in value]
    return short(value, 70)


def input_roles(fmt: C.DataFormat | None, n: int) -> list[str]:
    """The role of each of ``n`` inputs under a loss's data format (anchor, positive, negative_1, ...)."""
    if fmt is None:
        return [f"input {i + 1}" for i in range(n)]
    roles = list(fmt.roles)
    while len(roles) < n:
        last = roles[-1]
        stem = last.rsplit("_", 1)[0] if last.rsplit("_", 1)[-1].isdigit() else last
        roles.append(f"{stem}_{len(roles) - len(fmt.roles) + 2}")
    return roles[:n]


def over_limit(texts, limit: int, tokenizer=None) -> int:
    """How many texts exceed ``limit`` tokens: exact with a tokenizer, else words x 1.3 (an estimate)."""
    if tokenizer is not None:
        lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True)["input_ids"]]
        return sum(n > limit for n in lengths)
    return sum(len(str(t).split()) * 1.3 + 2 > limit for t in texts)


class ColumnsPanel(Panel):
    """Map a dataset's columns onto the trainer's inputs and label."""

    name = "columns"
    title = "Columns"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        style = {"description_width": "110px"}
        self._syncing = False
        self.which = widgets.Dropdown(
            options=[], description="Dataset", style=style, layout=widgets.Layout(width="380px")
        )
        self.inputs = widgets.Select(
            options=[], rows=4, description="Inputs", style=style, layout=widgets.Layout(width="460px")
        )
        self.up = widgets.Button(description="Move up", layout=widgets.Layout(width="120px"))
        self.down = widgets.Button(description="Move down", layout=widgets.Layout(width="120px"))
        self.drop = widgets.Button(description="Remove input", layout=widgets.Layout(width="120px"))
        self.add_pick = widgets.Dropdown(options=[], description="Add column", style=style)
        self.add_btn = widgets.Button(description="Add as input", layout=widgets.Layout(width="120px"))
        self.label = widgets.Dropdown(
            options=[], description="Label", style=style, layout=widgets.Layout(width="380px")
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
        self.dropped = widgets.HTML()
        self.empty_note = widgets.HTML()
        self.drop_empty = widgets.Checkbox(
            value=False,
            description="Drop rows with an empty input or label",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.drop_empty.add_class("wb-drop-empty")
        self.fix_text = widgets.HTML()
        self.fix_buttons = [
            widgets.Button(
                description="", button_style="info", layout=widgets.Layout(width="auto", display="none")
            )
            for _ in range(N_FIX_BUTTONS)
        ]
        self._fixes: list = []
        self.trainer_view = widgets.HTML()
        self.lengths = widgets.HTML()
        self.exact_btn = widgets.Button(
            description="Count tokens exactly (loads the tokenizer)", layout=widgets.Layout(width="auto")
        )
        self.which.observe(self.guard(self._pick), "value")
        self.up.on_click(self.guard(lambda b: self._move(-1)))
        self.down.on_click(self.guard(lambda b: self._move(1)))
        self.drop.on_click(self.guard(self._drop))
        self.add_btn.on_click(self.guard(self._add))
        self.label.observe(self.guard(self._label_changed), "value")
        for w in (self.rescale, self.low, self.high):
            w.observe(self.guard(self._range_changed), "value")
        self.drop_empty.observe(self.guard(self._drop_empty_changed), "value")
        for i, b in enumerate(self.fix_buttons):
            b.on_click(self.guard(lambda btn, i=i: self.apply_fix(i)))
        self.exact_btn.on_click(self.guard(self._exact))
        session.observe(
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
            *self.fix_buttons,
        ]
        self.finish(
            [
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
                self.fix_text,
                widgets.HBox(self.fix_buttons, layout=widgets.Layout(flex_flow="row wrap")),
                section("What the trainer will see"),
                self.trainer_view,
                self.lengths,
                self.exact_btn,
            ]
        )
        self._refresh()

    # ---- helpers ----

    @property
    def key(self) -> str:
        return self.which.value or ""

    def _current(self):
        inputs, label, rng, _ = self.session.mapping(self.key)
        return list(inputs), label, rng

    def fixes(self) -> list:
        """The one-click fixes the engine suggests for the selected dataset's mapping."""
        s, key = self.session, self.key
        entry = s.entry(key)
        if entry is None or entry.split != "train":
            return []
        try:
            if s.shape(key) is None:
                return []
        except WorkbenchError:
            return []
        choice = s.loss_for(entry.name)
        verdicts = s.verdicts(entry.name)
        if choice.name != "auto":
            v = next((v for v in verdicts if v.name == choice.name), None)
            return list(v.fixes) if v is not None and not v.compatible else []
        found = s.recommended(entry.name)
        if found is not None:
            return [found[1]] if found[1] is not None else []
        seen, out = set(), []
        for name in C.RECOMMENDED[s.model_type]:
            for v in verdicts:
                if v.name == name:
                    for f in v.fixes:
                        if f.text not in seen:
                            seen.add(f.text)
                            out.append(f)
        return out[:N_FIX_BUTTONS]

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

    def apply_fix(self, i: int) -> None:
        """Apply the i-th suggested fix to the mapping."""
        if i >= len(self._fixes):
            return
        inputs, label, rng = self._current()
        new_inputs, new_label, new_range = self._fixes[i].apply(inputs, label, rng)
        self._write(columns=tuple(new_inputs), label=new_label or "", label_range=new_range)

    def _exact(self, button=None):
        name = self.session.model_name

        def load():
            from ...engine import resolve_model_path
            from ...session import HEAVY_LOCK

            with HEAVY_LOCK:
                from transformers import AutoTokenizer

                return AutoTokenizer.from_pretrained(resolve_model_path(name))

        def done(tok):
            _TOKENIZERS[name] = tok
            self._render_lengths()

        def failed(exc):
            self.lengths.value = f"<div class='wb-error'>The tokenizer could not be loaded: {esc(exc)}</div>"

        self.lengths.value = hint("Loading the tokenizer…").value
        run_in_thread(load, done, failed, name="workbench-tokenizer")

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
            text = (
                exc.message + (f" Fix: {exc.fix}" if exc.fix else "")
                if isinstance(exc, WorkbenchError)
                else str(exc)
            )
            self.trainer_view.value = f"<div class='wb-error'>{esc(text)}</div>"
        finally:
            self._syncing = False

    def _fill(self):
        s, key = self.session, self.key
        prof = s.profile(key)
        busy = s.status in ("loading", "baseline", "training", "saving")
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
        from ... import data

        ds = self.session.dataset(self.key)
        if not inputs:
            self.trainer_view.value = (
                "<div class='wb-error'>No input columns: add at least one text column.</div>"
            )
            return
        try:
            head = ds.select(range(min(ds.num_rows, 50)))
            entry = self.session.entry(self.key)
            prepared = data.prepare(
                head, inputs, label, rng, drop_empty=bool(entry and entry.spec.drop_empty)
            )
        except Exception as exc:  # noqa: BLE001 - the mapping's problem, shown where it is made
            text = (
                exc.message + (f" Fix: {exc.fix}" if getattr(exc, "fix", None) else "")
                if isinstance(exc, WorkbenchError)
                else str(exc)
            )
            self.trainer_view.value = f"<div class='wb-error'>{esc(text)}</div>"
            return
        cols = prepared.column_names
        header = [f"{c} → {r}" for c, r in zip(cols, trainer_roles, strict=False)]
        if label:
            header.append(f"label ({prepared.features['label'].dtype})")
        rows = [
            [_cell(row[c]) for c in cols]
            for row in prepared.select(range(min(PREVIEW_ROWS, prepared.num_rows)))
        ]
        note = ""
        if label:
            values = prepared["label"]
            nums = [v for v in values if isinstance(v, (int, float))]
            if nums:
                note = (
                    f"Label values in the first rows: {min(nums):g} to {max(nums):g}"
                    + (f" (rescaled from {rng[0]:g}–{rng[1]:g})" if rng else "")
                    + "."
                )
        self.trainer_view.value = html_table(header, rows, "wb-trainer-view") + (
            hint(note).value if note else ""
        )

    def _render_lengths(self):
        s = self.session
        ds, (inputs, _, _) = s.dataset(self.key), self._current()
        if ds is None or not inputs:
            self.lengths.value = ""
            return
        limit = s.max_seq_length or model_max_length(s.model_name)
        if not limit:
            self.lengths.value = hint("The model's length limit is not known until it loads.").value
            return
        tok = _TOKENIZERS.get(s.model_name)
        sample = ds.select(range(min(ds.num_rows, COUNT_ROWS)))
        parts = []
        for col in inputs:
            values = [v for v in sample[col] if isinstance(v, str)]
            if not values:
                continue
            try:
                n = over_limit(values, limit, tok)
            except Exception:  # noqa: BLE001 - a tokenizer that cannot read this column: fall back
                n = over_limit(values, limit)
            parts.append(f"{esc(col)}: {n} of {len(values)}")
        how = (
            "counted with the model's tokenizer"
            if tok is not None
            else "estimated as words × 1.3 until the tokenizer is loaded"
        )
        self.lengths.value = hint(
            f"Texts longer than {limit} tokens (they get cut): {'; '.join(parts) or 'none'} "
            f"— {how}" + (f", first {COUNT_ROWS} rows" if ds.num_rows > COUNT_ROWS else "") + "."
        ).value
