"""The Data tab's distillation wizard: a teacher folder (the tiny model), its first layer as the student, the texts
of a loaded dataset and scored pairs to measure on; Distil runs `workbench distill` in a child process and shows
the teacher beside the student (before and after) and the verdict."""

from __future__ import annotations

from panel_fixtures import dict_spec, wait_for
from wb_data import scored_pairs
from wb_distill import texts

from workbench.session import Session
from workbench.ui.panels import DatasetPanel
from workbench.ui.panels.distill import FOLDER, SMALLER


def _panel(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.add_dataset("train", "texts", dict_spec({"sentence": texts(60)}))
    session.add_dataset("eval", "sts", dict_spec(scored_pairs(12)))
    return DatasetPanel(session).distill


def test_the_wizard_offers_the_packaged_teacher_its_layers_and_the_loaded_texts(tmp_path, monkeypatch):
    box = _panel(tmp_path, monkeypatch)
    assert box.teacher.value == "default" and box.teacher_folder.layout.display == "none"
    assert box.student_kind.options[0][0] == "its first layers (of 6)" and box.keep.max == 5
    assert (box.dataset.value, box.column.value, box.eval.value) == ("train/texts", "sentence", "eval/sts")
    box.student_kind.value = SMALLER
    assert box.student.layout.display == "" and box.keep.layout.display == "none"


def test_a_data_change_leaves_the_lists_alone_unless_they_changed(tmp_path, monkeypatch):
    """Setting a dropdown's options resets its choice, and the browser sends a choice as its place in the list: a
    refresh (a dataset finishing its load) while the person picked a teacher could undo the pick (seen once in the
    browser test: the folder box never showed)."""
    box = _panel(tmp_path, monkeypatch)
    assert box.teacher.options[1][1] == FOLDER  # its place never moves when runs are added after it
    box.teacher.value = FOLDER
    sent = []
    for dropdown in (box.teacher, box.dataset, box.eval):
        dropdown.observe(lambda c: sent.append(c["name"]), names=["options", "index", "value"])
    box.refresh()
    assert sent == [] and box.teacher.value == FOLDER and box.teacher_folder.layout.display == ""
    box.session.add_dataset("train", "more", dict_spec({"sentence": texts(20)}))  # a new text set: offered
    assert "train/more" in [v for _, v in box.dataset.options] and box.dataset.value == "train/texts"
    assert box.teacher.value == FOLDER


def test_the_wizard_distils_and_shows_teacher_beside_student(tmp_path, monkeypatch, tiny_model):
    box = _panel(tmp_path, monkeypatch)
    box.teacher.value = FOLDER
    box.teacher_folder.value = tiny_model
    assert box.student_kind.options[0][0] == "its first layers (of 2)" and box.keep.value == 1
    fractions = []
    box.distiller.observe(lambda c: fractions.append(c["new"]), "fraction")
    box.go.click()
    assert box.go.disabled and "Distilling" in box.status.value
    wait_for(lambda: box.distiller.state in ("done", "failed"), timeout=600, what="the distillation")
    assert box.distiller.state == "done", box.distiller.error
    assert "Student after" in box.result.value and "Spearman (cosine)" in box.result.value
    assert (
        "of the teacher&#x27;s quality" in box.result.value or "of the teacher's quality" in box.result.value
    )
    assert any(0 < f < 1 for f in fractions) and box.bar.value == 1.0 and not box.go.disabled
    assert box.distiller.report["student_after"]["layers"] == 1
