"""The Model panel's query/document fields: one model for both, separate query and document encoders, or
inference-free queries (sparse), with each side's own learning rate and where inference-free query weights start;
bound to ``session.asymmetric``."""

from __future__ import annotations

import ipywidgets as widgets

from ... import catalog as C
from ...errors import WorkbenchError
from ...session import asymmetric_problem, error_text, field_message
from ...spec import INFERENCE_FREE, SEPARATE, asymmetric_defaults, check_asymmetric
from ...spec.router import IDF, ONES
from ..widgets import field_msg, hint, section

STYLE = {"description_width": "170px"}
ROUTER_KEY = "model.asymmetric"  # its key in session.invalid
SHARED = "shared"
CHOICES = {
    SHARED: "One model for queries and documents",
    SEPARATE: "Separate query and document encoders (each its own copy)",
    INFERENCE_FREE: "Inference-free queries, SPLADE documents (sparse)",
}
QUERY_INIT_CHOICES = [("the IDF of the training documents", IDF), ("1 for every token", ONES)]


class RouterFields:
    """The query/document widgets; the Model panel lays them out (:meth:`children`).

    Args:
        panel: The ModelPanel (its session, its error reporting and its invalid-field marks).
    """

    def __init__(self, panel):
        self.panel = panel
        self.session = panel.session
        self.kind = widgets.Dropdown(
            options=self._options(),
            value=self._kind_of(self.session.asymmetric),
            description="Query and document",
            style=STYLE,
            layout=widgets.Layout(width="560px"),
        )
        self.kind.add_class("wb-router-kind")
        self.query_lr = self._rate("Query learning rate", "query_learning_rate")
        self.document_lr = self._rate("Document learning rate", "document_learning_rate")
        self.query_lr.add_class("wb-router-query-lr")
        self.query_init = widgets.Dropdown(
            options=QUERY_INIT_CHOICES,
            value=IDF,
            description="Query weights start at",
            style=STYLE,
            layout=widgets.Layout(width="440px"),
            tooltip="query_init: where the inference-free query weights start before training (idf / ones).",
        )
        self.query_init.add_class("wb-router-query-init")
        self.msg = widgets.HTML()
        self.msg.add_class("wb-router-msg")
        self.settings = widgets.VBox([self.query_lr, self.document_lr, self.query_init])
        panel.check(ROUTER_KEY, self.kind, self.show)
        for w in (self.kind, self.query_lr, self.document_lr, self.query_init):
            w.observe(panel.guard(self._changed), "value")
        self.session.observe(panel.guard(self._session_changed), names=["asymmetric"])
        self.session.observe(
            panel.guard(self._judge), names=["model_type", "datasets", "data_version", "loss"]
        )
        self.lockable = [self.kind, self.query_lr, self.document_lr, self.query_init]
        self._showing = False
        self.show()

    @staticmethod
    def _rate(label: str, key: str) -> widgets.Text:
        return widgets.Text(
            description=label,
            placeholder="the run's learning rate",
            style=STYLE,
            continuous_update=False,
            tooltip=f"{key}: this side's own learning rate (learning_rate_mapping); empty: the run's.",
        )

    def children(self) -> list[widgets.Widget]:
        return [
            section("Query and document (optional)"),
            hint(
                "For search: queries and documents can get their own encoder (a Router: encode_query / "
                "encode_document). The first input column is the query, the others are documents."
            ),
            self.kind,
            self.settings,
            self.msg,
        ]

    def _options(self) -> list[tuple[str, str]]:
        kinds = [SHARED, SEPARATE] + ([INFERENCE_FREE] if self.session.model_type == C.SPARSE else [])
        return [(CHOICES[k], k) for k in kinds]

    @staticmethod
    def _kind_of(asymmetric: dict | None) -> str:
        return asymmetric["kind"] if asymmetric else SHARED

    # ---- widget -> session ----

    def _changed(self, change=None):
        if self._showing:
            return
        if change is not None and change["owner"] is self.kind:
            self._fill_rates(asymmetric_defaults(self.kind.value) if self.kind.value != SHARED else None)
        self.settings.layout.display = "none" if self.kind.value == SHARED else ""
        if self.kind.value == SHARED:
            self.session.asymmetric = None
            self._judge()
            return
        raw = {"kind": self.kind.value}
        for w, key, name in (
            (self.query_lr, "query_learning_rate", "Query learning rate"),
            (self.document_lr, "document_learning_rate", "Document learning rate"),
        ):
            text = w.value.strip()
            try:
                raw[key] = float(text) if text else None
            except ValueError:
                self._problem(field_message(key, "needs a number such as 2e-5, or nothing", text, name))
                return
        if self.kind.value == INFERENCE_FREE:
            raw["query_init"] = self.query_init.value
        try:
            self.session.asymmetric = check_asymmetric(raw, self.session.model_type)
        except WorkbenchError as exc:
            self._problem(f"Query and document sides ({exc.where}): {error_text(exc)}")
            return
        self._judge()

    def _problem(self, message: str | None) -> None:
        self.msg.value = field_msg(message or "")
        self.panel.mark(ROUTER_KEY, message)

    def _judge(self, change=None) -> None:
        """Whether the sides fit the model type and the mapped data (`session.asymmetric_problem`)."""
        options = self._options()
        if self.kind.options != tuple(options):
            self._showing = True
            try:
                self.kind.options = options
                self.kind.value = self._kind_of(self.session.asymmetric)
            finally:
                self._showing = False
        self._problem(asymmetric_problem(self.session))

    # ---- session -> widget ----

    def _fill_rates(self, asymmetric: dict | None) -> None:
        self._showing = True
        try:
            for w, key in (
                (self.query_lr, "query_learning_rate"),
                (self.document_lr, "document_learning_rate"),
            ):
                value = (asymmetric or {}).get(key)
                w.value = "" if value is None else f"{value:g}"
            self.query_init.value = (asymmetric or {}).get("query_init") or IDF
            free = bool(asymmetric) and asymmetric["kind"] == INFERENCE_FREE
            self.query_init.layout.display = "" if free else "none"
        finally:
            self._showing = False

    def _session_changed(self, change=None):
        if self.session.asymmetric != self._current():
            self.show()

    def _current(self) -> dict | None:
        if self.kind.value == SHARED:
            return None
        try:
            return check_asymmetric(
                {
                    "kind": self.kind.value,
                    "query_learning_rate": float(self.query_lr.value)
                    if self.query_lr.value.strip()
                    else None,
                    "document_learning_rate": (
                        float(self.document_lr.value) if self.document_lr.value.strip() else None
                    ),
                    **({"query_init": self.query_init.value} if self.kind.value == INFERENCE_FREE else {}),
                },
                self.session.model_type,
            )
        except (WorkbenchError, ValueError):
            return None

    def show(self) -> None:
        """The stored setting in the fields (a loaded config, or after a mark is dropped)."""
        asymmetric = self.session.asymmetric
        self._showing = True
        try:
            self.kind.options = self._options()
            self.kind.value = self._kind_of(asymmetric)
        finally:
            self._showing = False
        self._fill_rates(asymmetric)
        self.settings.layout.display = "" if asymmetric else "none"
        self._problem(asymmetric_problem(self.session))
