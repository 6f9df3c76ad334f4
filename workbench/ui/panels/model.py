"""Step 1, the model: type (dense / sparse / cross-encoder), base model, max sequence length, from-scratch
options, separate query/document sides (`.router`), the adapter (all weights or LoRA: `.adapter`) and model-card
fields."""

from __future__ import annotations

import ipywidgets as widgets

from ... import catalog as C
from ...errors import WorkbenchError
from ...session import error_text, field_message, sentence
from ...spec import POOLING_MODES
from ..widgets import Panel, esc, field_msg, hint, html_table, section
from .adapter import AdapterFields
from .router import RouterFields

STYLE = {"description_width": "150px"}
MAX_LEN = "model.max_seq_length"  # its key in session.invalid


def _wide() -> widgets.Layout:
    return widgets.Layout(width="560px")


class ModelPanel(Panel):
    """Choose what kind of model to train and which checkpoint to start from."""

    name = "model"
    title = "Model"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self._build_type()
        self._build_base()
        self._build_scratch()
        self._build_card()
        self.adapter = AdapterFields(self)
        self.router = RouterFields(self)
        self._bind()
        self.lockable = [
            self.type,
            self.base,
            self.max_len,
            self.scratch,
            self.pooling,
            self.language,
            self.license,
            self.model_title,
            *self.adapter.lockable,
            *self.router.lockable,
        ]
        self.finish(self._layout())
        self._refresh()

    # ---- building the panel (each field starts from the session's value) ----

    def _build_type(self):
        self.type = widgets.RadioButtons(
            options=[(C.MODEL_TYPE_LABELS[t], t) for t in C.MODEL_TYPES],
            value=self.session.model_type,
            description="Model type",
            style=STYLE,
            layout=widgets.Layout(width="auto"),
        )
        self.type_help = hint("")

    def _build_base(self):
        """The base model (with the suggested ones) and the max sequence length, each with its message."""
        s = self.session
        self.base = widgets.Combobox(
            value=s.model_name,
            placeholder="default, a local folder, or a Hub id like BAAI/bge-small-en-v1.5",
            options=[],
            ensure_option=False,
            description="Base model",
            style=STYLE,
            layout=_wide(),
            continuous_update=False,
        )
        self.base.add_class("wb-model-base")
        self.base_msg = widgets.HTML()
        self.models_table = widgets.HTML()
        self.max_len = widgets.Text(
            value="" if s.max_seq_length is None else str(s.max_seq_length),
            description="Max sequence length",
            style=STYLE,
            continuous_update=False,
            tooltip="Longer texts are cut to this many tokens; shorter is faster.",
        )
        self.max_len_msg = widgets.HTML()
        self.check(MAX_LEN, self.max_len, self._show_max_len)

    def _build_scratch(self):
        """The from-scratch options: the checkbox and the pooling it needs."""
        self.scratch = widgets.Checkbox(
            value=self.session.from_scratch,
            description="Build a new model from a plain transformer checkpoint (from scratch)",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.pooling = widgets.Dropdown(
            options=list(POOLING_MODES),
            value=self.session.pooling,
            description="Pooling",
            style=STYLE,
            tooltip="How token vectors become one text vector.",
        )

    def _build_card(self):
        """The optional model-card fields."""
        card = self.session.model_card
        self.language = widgets.Text(
            value=card.get("language", ""),
            placeholder="e.g. en",
            description="Language",
            style=STYLE,
            continuous_update=False,
        )
        self.license = widgets.Text(
            value=card.get("license", ""),
            placeholder="e.g. apache-2.0",
            description="License",
            style=STYLE,
            continuous_update=False,
        )
        self.model_title = widgets.Text(
            value=card.get("model_name", ""),
            placeholder="e.g. MiniLM tuned on my pairs",
            description="Model name",
            style=STYLE,
            layout=_wide(),
            continuous_update=False,
        )

    def _bind(self):
        """Widgets -> session (observers and two plain links), and the session's model traits -> _sync."""
        s = self.session
        self.type.observe(self.guard(self._type_changed), "value")
        self.base.observe(self.guard(self._base_changed), "value")
        self.max_len.observe(self.guard(self._max_len_changed), "value")
        # Plain field bindings: the checkbox and the dropdown are the traits (from_scratch also redraws, in _sync).
        widgets.link((s, "from_scratch"), (self.scratch, "value"))
        widgets.link((s, "pooling"), (self.pooling, "value"))
        for w in (self.language, self.license, self.model_title):
            w.observe(self.guard(self._card_changed), "value")
        s.observe(
            self.guard(self._sync),
            names=["model_type", "model_name", "max_seq_length", "from_scratch", "model_card"],
        )

    def _layout(self) -> list[widgets.Widget]:
        return [
            hint(
                "Start from a model that already works (the packaged default runs offline), then fine-tune it "
                "on your data."
            ),
            self.type,
            self.type_help,
            widgets.HBox([self.base, self.base_msg]),
            self.models_table,
            widgets.HBox([self.max_len, self.max_len_msg]),
            self.scratch,
            self.pooling,
            *self.router.children(),
            *self.adapter.children(),
            section("Model card (optional)"),
            self.model_title,
            self.language,
            self.license,
        ]

    # ---- widget -> session ----

    def _type_changed(self, change):
        self.session.set_model_type(change["new"])
        self.ok()

    def _base_changed(self, change):
        name = change["new"].strip() or "default"
        self.base_msg.value = ""
        try:
            self.session.actions.check_model(name)
        except Exception as exc:  # noqa: BLE001 - shown beside the field, and the value is still taken
            self.base_msg.value = field_msg(error_text(exc))
        else:
            self.ok()  # an earlier error about the model (e.g. from Start) no longer holds
        self.session.model_name = name
        self._refresh()

    def _max_len_changed(self, change):
        text = change["new"].strip()
        if not text:
            self._max_len_problem(None)
            self.session.max_seq_length = None
            return
        try:
            value = int(text)
            if value < 1:
                raise ValueError
        except ValueError:
            problem = "needs a positive whole number, e.g. 128 (empty: the model's own)"
            self._max_len_problem(field_message("max_seq_length", problem, text, "Max sequence length"))
            return
        try:
            self.session.actions.check_max_seq_length(value)
        except WorkbenchError as exc:
            self._max_len_problem(f"Max sequence length (max_seq_length): {error_text(exc)}")
            return
        self._max_len_problem(None)
        self.session.max_seq_length = value

    def _max_len_problem(self, message: str | None) -> None:
        self.max_len_msg.value = field_msg(message or "")
        self.mark(MAX_LEN, message)

    def _show_max_len(self) -> None:
        """The stored max sequence length in its box (after a loaded config drops the box's mark)."""
        s = self.session
        self.max_len.value = "" if s.max_seq_length is None else str(s.max_seq_length)
        self.max_len_msg.value = ""

    def _card_changed(self, change=None):
        card = {
            "language": self.language.value.strip(),
            "license": self.license.value.strip(),
            "model_name": self.model_title.value.strip(),
        }
        self.session.model_card = {k: v for k, v in card.items() if v}

    # ---- session -> widget ----

    def _sync(self, change=None):
        s = self.session
        self.type.value = s.model_type
        if self.base.value.strip() != s.model_name:
            self.base.value = s.model_name
        shown = "" if s.max_seq_length is None else str(s.max_seq_length)
        if self.max_len.value.strip() != shown:
            self.max_len.value = shown
        card = s.model_card
        for w, key in (
            (self.language, "language"),
            (self.license, "license"),
            (self.model_title, "model_name"),
        ):
            if w.value.strip() != card.get(key, ""):
                w.value = card.get(key, "")
        self._refresh()

    def _refresh(self):
        s = self.session
        self.type_help.value = f'<div class="wb-hint">{esc(sentence(C.kind(s.model_type).use))}</div>'
        models = C.base_models_for(s.model_type)
        self.base.options = [m.name for m in models]
        rows = [(m.name + (" (packaged)" if m.packaged else ""), m.size, m.score, m.note) for m in models]
        self.models_table.value = (
            "<div class='wb-hint'>Suggested base models (type a name above; Hub models need "
            "internet):</div>" + html_table(("model", "size", "published score", "note"), rows)
        )
        own = self.session.actions.model_max_length()
        self.max_len.placeholder = f"model's own ({own})" if own else "model's own"
        self.pooling.layout.display = "" if (s.from_scratch and s.model_type == C.DENSE) else "none"
        self.scratch.layout.display = "" if s.model_type == C.DENSE else "none"
