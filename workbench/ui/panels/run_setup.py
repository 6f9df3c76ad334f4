"""Part of the Training settings: early stopping (on by default with an eval set), the prompts put before each
column's texts (saved with the model), and a cross-encoder's prediction activation with why it was chosen.

Writes the config traits ``early_stopping``, ``args["prompts"]`` and ``activation_fn``; what the run will do is
derived by `workbench.rules` from the same values the run reads.
"""

from __future__ import annotations

import ipywidgets as widgets

from ... import catalog as C
from ... import rules
from ...errors import WorkbenchError
from ...session import error_text
from ..widgets import esc, field_msg, hint, section

LABEL_WIDTH = "200px"  # the prompt boxes' names ("Every text", "dataset · column")
ES_MODES = (
    ("On when something is measured during training (default)", "auto"),
    ("On", "on"),
    ("Off: train to the end", "off"),
)
ACTIVATIONS = (
    ("Chosen from the loss (default)", ""),
    ("Identity: raw scores", C.IDENTITY),
    ("Sigmoid: scores between 0 and 1", C.SIGMOID),
)


class SetupBox(widgets.VBox):
    """Early stopping, prompts and the cross-encoder activation, inside the Training settings panel."""

    def __init__(self, panel, **kwargs):
        super().__init__(**kwargs)
        self.panel, self.session = panel, panel.session
        self._syncing = False
        self.es_mode = widgets.Dropdown(options=ES_MODES, value="auto", layout=widgets.Layout(width="420px"))
        self.es_patience = widgets.BoundedIntText(
            value=0, min=0, max=1000, description="Patience", layout=widgets.Layout(width="200px")
        )
        self.es_info = widgets.HTML()
        self.prompt_all = widgets.Text(
            placeholder='e.g. "query: " (empty: none)',
            description="Every text",
            tooltip="One prompt for every text (then the boxes per column are not used)",
            style={"description_width": LABEL_WIDTH},
            layout=widgets.Layout(width="480px"),
        )
        self.prompt_all.add_class("wb-prompt-all")
        self.columns = widgets.VBox()
        self.prompt_info = widgets.HTML()
        self.prompt_inputs: dict[tuple[str, str], widgets.Text] = {}
        self.act_mode = widgets.Dropdown(options=ACTIVATIONS, value="", layout=widgets.Layout(width="420px"))
        self.act_info = widgets.HTML()
        self.act_box = widgets.VBox([section("Cross-encoder scores"), self.act_mode, self.act_info])
        self.add_class("wb-run-setup")
        self.es_mode.add_class("wb-early-stopping")
        self.act_box.add_class("wb-activation")
        for w, fn in (
            (self.es_mode, self._es_edited),
            (self.es_patience, self._es_edited),
            (self.prompt_all, self._prompts_edited),
            (self.act_mode, self._act_edited),
        ):
            w.observe(panel.guard(fn), "value")
        self.session.observe(
            panel.guard(self._sync), names=["early_stopping", "activation_fn", "args", "loss"]
        )
        self.session.observe(panel.guard(self._rebuild), names=["datasets", "data_version", "model_type"])
        self.children = [
            section("Early stopping"),
            hint(
                "Stops the run when the measured metric has not improved for a number of evaluations, and keeps "
                "the best checkpoint. Patience 0: from the run's length (about a quarter of its evaluations)."
            ),
            widgets.HBox([self.es_mode, self.es_patience]),
            self.es_info,
            section("Prompts"),
            hint(
                "Text put before the inputs while training (instruction-style models). They are saved with the "
                'model: <code>encode(x, prompt_name="query")</code> uses the first column\'s prompt. <b>Every text</b>: one prompt for all of them; else one per column.'
            ),
            self.prompt_all,
            self.columns,
            self.prompt_info,
            self.act_box,
        ]
        self.lockable = [self.es_mode, self.es_patience, self.prompt_all, self.act_mode]
        self._rebuild()

    # ---- widget -> session ----

    def _es_edited(self, change=None):
        if self._syncing:
            return
        mode, patience = self.es_mode.value, int(self.es_patience.value or 0)
        if mode == "off":
            value = False
        elif patience:
            value = {"patience": patience}
        else:
            value = True if mode == "on" else None
        self.session.early_stopping = value

    def _prompts_edited(self, change=None):
        owner = change.get("owner") if isinstance(change, dict) else None
        stale = (
            owner is not None and owner is not self.prompt_all and owner not in self.prompt_inputs.values()
        )
        if self._syncing or stale:  # a box replaced by a rebuild: its late edits must not clear the others
            return
        args = dict(self.session.args)
        single = self.prompt_all.value
        per_set: dict[str, dict[str, str]] = {}
        per_dataset: dict[str, str] = {}  # a cross-encoder's
        for (name, column), box in self.prompt_inputs.items():
            box.disabled = bool(single)
            if box.value and column is None:
                per_dataset[name] = box.value
            elif box.value:
                per_set.setdefault(name, {})[column] = box.value
        if single:
            args["prompts"] = single
        elif per_dataset:
            args["prompts"] = per_dataset
        elif len(per_set) == 1 and len(self._train_columns()) == 1:
            args["prompts"] = next(iter(per_set.values()))
        elif per_set:
            args["prompts"] = per_set
        else:
            args.pop("prompts", None)
        self.session.args = args

    def _act_edited(self, change=None):
        if not self._syncing:
            self.session.activation_fn = self.act_mode.value or None

    # ---- session -> widgets ----

    def _train_columns(self) -> dict[str, tuple[str, ...]]:
        s = self.session
        return {e.name: tuple(s.mapping(e.key).inputs) for e in s.entries("train")}

    def _rebuild(self, change=None):
        columns = self._train_columns()
        cross = self.session.model_type == C.CROSS  # one prompt per dataset: its columns join into one pair
        keys = [(name, column) for name, cols in columns.items() for column in ((None,) if cross else cols)]
        if keys == list(self.prompt_inputs) and keys:
            # Same boxes (e.g. the data finished loading): keep them, so a prompt being typed is not lost.
            self._sync()
            return
        rows, inputs = [], {}
        for name, cols in columns.items():
            for column in (None,) if cross else cols:
                label = name if column is None else f"{name} · {column}" if len(columns) > 1 else column
                box = widgets.Text(
                    placeholder="no prompt",
                    description=label,
                    style={"description_width": LABEL_WIDTH},
                    layout=widgets.Layout(width="480px"),
                )
                box.add_class(f"wb-prompt-{column or name}")
                box.observe(self.panel.guard(self._prompts_edited), "value")
                inputs[(name, column)] = box
                rows.append(box)
        self.prompt_inputs = inputs
        self.columns.children = rows
        self.lockable = [self.es_mode, self.es_patience, self.prompt_all, self.act_mode, *inputs.values()]
        self._sync()

    def _sync(self, change=None):
        s = self.session
        self._syncing = True
        try:
            es = s.early_stopping
            self.es_mode.value = "off" if es is False else "on" if es is True else "auto"
            if isinstance(es, dict):
                self.es_mode.value = "on"
            self.es_patience.value = int(es.get("patience") or 0) if isinstance(es, dict) else 0
            self.es_patience.disabled = es is False
            self.es_info.value = hint(esc(self._es_text(es))).value
            prompts = s.args.get("prompts")
            self.prompt_all.value = prompts if isinstance(prompts, str) else ""
            for (name, column), box in self.prompt_inputs.items():
                box.value = self._prompt_of(prompts, name, column)
                box.disabled = isinstance(prompts, str) and bool(prompts)
            self.prompt_info.value = self._prompts_text(prompts)
            self.act_box.layout.display = "" if s.model_type == C.CROSS else "none"
            self.act_mode.value = s.activation_fn or ""
            self.act_info.value = self._act_text()
        finally:
            self._syncing = False

    def _prompt_of(self, prompts, name: str, column: str | None) -> str:
        """The prompt of one box: a dataset's own (one text, or its column's), else the column's across datasets."""
        if not isinstance(prompts, dict):
            return ""
        inner = prompts.get(name)
        if isinstance(inner, str):
            value = inner
        elif isinstance(inner, dict):
            value = inner.get(column)
        else:
            value = None if column is None else prompts.get(column)
        return value if isinstance(value, str) else ""

    def _prompts_text(self, prompts) -> str:
        """What the run will refuse in the prompts (a loaded config's prompts for columns the data lacks)."""
        if prompts in (None, "", {}):
            return ""
        try:
            rules.check_prompts(prompts, self._train_columns(), self.session.model_type)
        except WorkbenchError as exc:
            return f"<div class='wb-prompt-problem'>{field_msg(error_text(exc))}</div>"
        return ""

    def _es_text(self, es) -> str:
        if es is False:
            return "Off: the run trains to the end."
        patience = es.get("patience") if isinstance(es, dict) else None
        how = (
            f"after {patience} evaluations" if patience else "after about a quarter of the run's evaluations"
        )
        watched = self.session.args.get("metric_for_best_model") or "the first evaluator's main metric"
        need = " It needs an eval dataset." if es is not None else " Without an eval dataset it stays off."
        return f"On: stops {how} in a row without an improvement of {watched}.{need}"

    def _act_text(self) -> str:
        s = self.session
        if s.model_type != C.CROSS:
            return ""
        losses = []
        for e in s.entries("train"):
            spec = s.resolved_loss(e.name)
            if spec is not None:
                losses.append((e.name, spec, dict(s.loss_for(e.name).params)))
        act, why = rules.model_activation(losses, s.activation_fn)
        return (
            f"<div class='wb-hint wb-activation-chosen'>Predictions use <b>{esc(act)}</b>: {esc(why)}. "
            "Saved with the model (config_sentence_transformers.json).</div>"
        )
