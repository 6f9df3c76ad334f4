"""Step 6, evaluators: the evaluators that fit each eval / test dataset (several may be ticked; the engine runs
them all), and the metric that picks the best checkpoint."""

from __future__ import annotations

import ipywidgets as widgets

from ... import catalog as C
from ... import rules
from ...errors import WorkbenchError
from ...rules import evaluator_name, evaluator_source
from ...session import sentence
from ...spec import EvaluatorChoice
from ..widgets import DEFAULT, Panel, esc, hint, section, set_off


def metric_names(choices, model_type: str) -> list[str]:
    """The trainer's metric keys (``eval_{name}_{primary}``) for the evaluators that run during training, named
    the way the engine names them (dataset name, made unique)."""
    out, taken = [], set()
    for choice in choices:
        try:
            spec = C.get_evaluator(choice.name, model_type)
        except WorkbenchError:
            continue
        split, ds_name = evaluator_source(choice, spec)
        name = evaluator_name(ds_name, split, spec, taken)
        if split == "eval":
            out.append(f"eval_{name}_{spec.primary}")
    return out


class EvaluatorsPanel(Panel):
    """Tick the evaluators that measure the model before, during and after training."""

    name = "evaluators"
    title = "Evaluators"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self._syncing = False
        self._layout_key: tuple = ()
        self.boxes: dict[tuple[str, str], widgets.Checkbox] = {}
        self.reasons: dict[tuple[str, str], widgets.HTML] = {}
        self.body = widgets.VBox()
        self.best = widgets.Dropdown(
            options=[("default (the eval loss)", DEFAULT)],
            value=DEFAULT,
            description="Best model by",
            style={"description_width": "110px"},
            layout=widgets.Layout(width="520px"),
        )
        self.keep_best = widgets.Checkbox(
            value=False,
            indent=False,
            layout=widgets.Layout(width="auto"),
            description="Keep the best checkpoint at the end (load_best_model_at_end)",
        )
        self.from_files = widgets.HTML()
        self.best.observe(self.guard(self._best_changed), "value")
        self.keep_best.observe(self.guard(self._keep_changed), "value")
        session.observe(self.guard(self._rebuild), names=["model_type", "datasets"])
        session.observe(self.guard(self._update), names=["data_version", "evaluators", "args"])
        self.finish(
            [
                hint(
                    "Evaluators measure the model on your eval data before training (the baseline), during training "
                    "and at the end, so you can see whether it improved."
                ),
                self.body,
                self.from_files,
                section("Best checkpoint"),
                self.best,
                self.keep_best,
            ]
        )
        self._rebuild()

    # ---- building (when the model type or the set of eval datasets changes) ----

    def _rebuild(self, change=None):
        s = self.session
        entries = [e for e in s.datasets if e.split != "train"]
        layout_key = (s.model_type, tuple(e.key for e in entries))
        if layout_key == self._layout_key:
            self._update()
            return
        self._layout_key = layout_key
        self.boxes, self.reasons = {}, {}
        rows: list[widgets.Widget] = []
        evaluators = [ev for ev in C.evaluators_for(s.model_type) if ev.needs != C.E_NONE]
        for entry in entries:
            rows.append(section(sentence(f"{entry.split} set '{entry.name}'")))
            for ev in evaluators:
                key = (ev.name, entry.key)
                box = widgets.Checkbox(
                    value=False,
                    description=ev.name,
                    indent=False,
                    layout=widgets.Layout(width="300px", flex="0 0 300px"),
                )
                box.add_class("wb-evaluator")
                box.observe(self.guard(self._ticked), "value")
                self.boxes[key] = box
                self.reasons[key] = widgets.HTML()
                rows.append(widgets.HBox([box, self.reasons[key]]))
        online = [ev for ev in C.evaluators_for(s.model_type) if ev.needs == C.E_NONE]
        if not entries and not any(e.queries for e in s.evaluators):
            rows.append(
                hint(
                    "No eval or test dataset yet. Add one in the Data tab (another file, or a held-out "
                    "part of the train data) to measure the model."
                )
            )
        if online:
            rows.append(
                hint(
                    "Not available offline: "
                    + ", ".join(esc(e.name) for e in online)
                    + " (they download benchmark data from the Hub)."
                )
            )
        self.body.children = rows
        self.lockable = [*self.boxes.values(), self.best, self.keep_best]
        self._update()

    # ---- widget -> session ----

    def _ticked(self, change=None):
        if self._syncing:
            return
        old = {(e.name, e.dataset): e for e in self.session.evaluators}
        chosen = []
        for key, box in self.boxes.items():
            if box.value:
                chosen.append(old.get(key) or EvaluatorChoice(key[0], dataset=key[1]))
        # Keep evaluators that have no checkbox here (e.g. BEIR files from a loaded config).
        kept = [e for k, e in old.items() if k not in self.boxes]
        self.session.evaluators = tuple(kept + chosen)
        self.ok()

    def _best_changed(self, change):
        if self._syncing:
            return
        args = dict(self.session.args)
        if change["new"] and change["new"] != DEFAULT:
            args["metric_for_best_model"] = change["new"]
        else:
            args.pop("metric_for_best_model", None)
        self.session.args = args

    def _keep_changed(self, change):
        if self._syncing:
            return
        args = dict(self.session.args)
        if change["new"]:
            args["load_best_model_at_end"] = True
        else:
            args.pop("load_best_model_at_end", None)
        self.session.args = args

    # ---- session -> widgets (may run in the loader thread: trait assignments only) ----

    def _update(self, change=None):
        s = self.session
        chosen = {(e.name, e.dataset) for e in s.evaluators}
        busy = s.running
        self._syncing = True
        try:
            for (ev_name, ds_key), box in self.boxes.items():
                box.value = (ev_name, ds_key) in chosen
                spec = C.get_evaluator(ev_name, s.model_type)
                try:
                    shape = s.shape(ds_key)
                except WorkbenchError as exc:
                    shape, fits, why = None, False, exc.message
                else:
                    fits, why = (
                        rules.evaluator_fits(spec, shape) if shape is not None else (False, "Loading…")
                    )
                if shape is None and s.dataset(ds_key) is None:
                    fits, why = False, "Waiting for the data to load."
                self.reasons[
                    (ev_name, ds_key)
                ].value = f"<span class='wb-hint {'wb-ok' if fits else ''}'>{esc(sentence(why))}</span>"
                set_off(box, not fits and not box.value, busy)
            files = [e for e in s.evaluators if not e.dataset and e.queries]
            self.from_files.value = "".join(
                hint(
                    f"<b>{esc(e.name)}</b> on BEIR files (from the loaded settings; runs during training): queries "
                    f"<code>{esc(e.queries)}</code>, corpus <code>{esc(e.corpus)}</code>, qrels "
                    f"<code>{esc(e.qrels)}</code>"
                ).value
                for e in files
            )
            names = metric_names(s.evaluators, s.model_type)
            current = s.args.get("metric_for_best_model")
            options = [("default (the eval loss)", DEFAULT)] + [(n, n) for n in names]
            if current and current not in names:
                options.append((f"{current} (set by hand)", current))
            self.best.options = options
            self.best.value = current or DEFAULT
            self.keep_best.value = bool(s.args.get("load_best_model_at_end"))
        finally:
            self._syncing = False
