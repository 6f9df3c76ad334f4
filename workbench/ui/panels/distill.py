"""The Data tab's distillation wizard: a teacher (the packaged model, a finished run, or a model folder), a student
(the teacher's first k layers, or a smaller model), the texts of a loaded dataset and an eval set; press Distil,
follow the teacher's encoding and the training, then see the teacher beside the student (before and after: the
metric, layers, parameters, size, sentences/s) and the verdict: how much of the teacher's quality it keeps.

Binds to :class:`workbench.session.DistillSession` (which runs ``workbench distill`` in a child process); widget
updates from its thread are trait assignments only.
"""

from __future__ import annotations

import ipywidgets as widgets

from ...session import DistillSession, teacher_choices, teacher_layers
from ..one_at_a_time import one_at_a_time
from ..widgets import esc, hint, html_table, offer

STYLE = {"description_width": "150px"}
FOLDER = "__folder__"
SMALLER = "__smaller__"


class DistillBox(widgets.VBox):
    """The wizard (shown in the Data tab, folded until opened).

    Args:
        session: The app's Session.
        distiller: A DistillSession to bind to (default: a new one on ``session``).
    """

    def __init__(self, session, distiller: DistillSession | None = None, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self.distiller = d = distiller or DistillSession(session)
        self.add_class("wb-distill")
        self.teacher = widgets.Dropdown(description="Teacher", style=STYLE)
        self.teacher_folder = widgets.Text(
            description="Teacher folder", placeholder="a model folder", style=STYLE,
            layout=widgets.Layout(display="none"),
        )  # fmt: skip
        self.student_kind = widgets.Dropdown(description="Student", style=STYLE)
        self.keep = widgets.BoundedIntText(value=d.keep_layers, min=1, max=47, description="Layers to keep", style=STYLE)  # fmt: skip
        self.student = widgets.Text(
            description="Student model", placeholder="a smaller model's folder", style=STYLE,
            layout=widgets.Layout(display="none"),
        )  # fmt: skip
        self.dataset = widgets.Dropdown(description="Texts from", style=STYLE)
        self.column = widgets.Dropdown(description="Text column", style=STYLE)
        self.eval = widgets.Dropdown(description="Measure on", style=STYLE)
        self.epochs = widgets.BoundedFloatText(value=d.epochs, min=0.1, max=20, step=0.5, description="Passes over the texts", style=STYLE)  # fmt: skip
        self.go = widgets.Button(description="Distil", button_style="primary")
        self.go.add_class("wb-distill-go")
        self.bar = widgets.FloatProgress(value=0, max=1, layout=widgets.Layout(width="40%", display="none"))
        self.bar.add_class("wb-distill-progress")
        self.status = widgets.HTML()
        self.status.add_class("wb-distill-status")
        self.result = widgets.HTML()
        self.result.add_class("wb-distill-result")
        for name in (
            "teacher",
            "teacher_folder",
            "student_kind",
            "keep",
            "student",
            "dataset",
            "column",
            "eval",
        ):
            getattr(self, name).add_class(f"wb-distill-{name.replace('_', '-')}")
            getattr(self, name).layout.width, getattr(self, name).layout.max_width = "480px", "100%"
        self.children = [
            hint(
                "A student learns to give the teacher's embeddings for your texts: a smaller, faster model that "
                "keeps most of the teacher's quality. The student is saved in a new run folder; nothing else changes."
            ),
            self.teacher, self.teacher_folder, self.student_kind, self.keep, self.student,
            self.dataset, self.column, self.eval, self.epochs,
            widgets.HBox([self.go, self.bar]), self.status, self.result,
        ]  # fmt: skip
        self.teacher.observe(lambda c: self._teacher_changed(), "value")
        self.teacher_folder.observe(lambda c: self._teacher_changed(), "value")
        self.student_kind.observe(lambda c: self._student_changed(), "value")
        self.dataset.observe(lambda c: self._columns(), "value")
        self.go.on_click(lambda b: self._distil())
        d.observe(self._changed, names=["state", "progress", "fraction", "report", "error"])
        session.observe(lambda c: self.refresh(), names=["datasets", "data_version"])
        self.refresh()

    # ---- choices ----

    @one_at_a_time
    def refresh(self) -> None:
        """Teachers (the packaged model, a folder, finished runs), loaded text datasets and eval sets. A list is
        set again only when it changed: setting it resets the choice, and the person may be choosing right then
        (a dataset finishing its load refreshes this)."""
        # The packaged model and "a model folder…" first: their places never move when runs come (the browser
        # sends a choice as its place in the list).
        packaged, *runs = teacher_choices()
        teachers = [packaged, ("a model folder…", FOLDER), *runs]
        offer(self.teacher, teachers, packaged[1])
        sets = self.distiller.text_sets()
        offer(self.dataset, sets, sets[0][1] if sets else None)
        evals = [("held-out texts (closeness to the teacher)", ""), *self.distiller.eval_sets()]
        offer(self.eval, evals, evals[1][1] if len(evals) > 1 else "")
        self._columns()
        self._teacher_changed()

    @one_at_a_time
    def _columns(self) -> None:
        texts = self.distiller.text_columns(self.dataset.value) if self.dataset.value else []
        self.column.options = texts
        self.column.value = texts[0] if texts else None
        self.go.disabled = not texts

    def _teacher_name(self) -> str:
        return (
            self.teacher_folder.value.strip()
            if self.teacher.value == FOLDER
            else (self.teacher.value or "default")
        )

    def _teacher_changed(self) -> None:
        self.teacher_folder.layout.display = "" if self.teacher.value == FOLDER else "none"
        layers = teacher_layers(self._teacher_name()) if self._teacher_name() else None
        first = f"its first layers (of {layers})" if layers else "its first layers"
        keep = self.student_kind.value
        self.student_kind.options = [(first, "keep"), ("a smaller model…", SMALLER)]
        self.student_kind.value = keep if keep in ("keep", SMALLER) else "keep"
        if layers and layers > 1:
            self.keep.max = layers - 1
            self.keep.value = (
                min(self.keep.value, layers - 1) if self.keep.value < layers else max(1, layers // 2)
            )
        self._student_changed()

    def _student_changed(self) -> None:
        smaller = self.student_kind.value == SMALLER
        self.keep.layout.display = "none" if smaller else ""
        self.student.layout.display = "" if smaller else "none"

    # ---- distil ----

    def _distil(self) -> None:
        d = self.distiller
        d.teacher = self._teacher_name()
        d.student = self.student.value.strip() if self.student_kind.value == SMALLER else ""
        d.keep_layers, d.epochs = int(self.keep.value), float(self.epochs.value)
        # The choices as the last edit of the data left them (see Session.editing).
        with self.session.editing():
            d.dataset, d.column = self.dataset.value or "", self.column.value or ""
            d.eval_dataset = self.eval.value or ""
        d.distill()

    def _changed(self, change=None) -> None:
        d = self.distiller
        busy = d.state == "distilling"
        self.go.disabled = busy or not self.column.options
        self.bar.layout.display = "" if busy or d.state == "done" else "none"
        self.bar.value = d.fraction
        self.bar.bar_style = "success" if d.state == "done" else ""
        if busy:
            self.status.value = f"<div class='wb-hint'>Distilling: {esc(d.progress)}</div>"
        elif d.state == "failed":
            self.status.value = f"<div class='wb-error'>{esc(d.error)}</div>"
        else:
            self.status.value = ""
        rows = d.rows() if d.state == "done" else []
        if not rows:
            self.result.value = ""
            return
        r = d.report
        mse = r.get("mse_to_teacher") or {}
        closer = (
            f"<div class='wb-hint'>Distance to the teacher's embeddings (MSE): {mse['before']:.6f} before, "
            f"{mse['after']:.6f} after.</div>"
            if mse.get("before") is not None and mse.get("after") is not None
            else ""
        )
        self.result.value = (
            html_table(
                rows[0],
                [[f"<span style='white-space:nowrap'>{esc(c)}</span>" for c in row] for row in rows[1:]],
                cls="wb-distill-report",
                raw=True,
            )
            + f"<div class='wb-distill-verdict' style='margin-top:4px;line-height:1.4'><b>{esc(d.verdict)}</b></div>{closer}"
            + f"<div class='wb-hint'>{r.get('rows', 0):,} texts, {esc(r.get('loss', ''))}, {r.get('seconds', 0):.0f} s; "
            f"speed measured on this machine ({r.get('cpus')} CPUs, load {r.get('load', 0):.1f}). The student: "
            f"<code>{esc(r.get('student_path', ''))}</code> (use it as the model of a run, or open its run).</div>"
        )
