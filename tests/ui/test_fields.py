"""Fields as a person sees them: a bad value is marked (css ``wb-invalid``), blocks Start and marks its tab; plain
names for the training settings; the rescale kept across "(no label)"; the output folder checked; the run bar."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest
from panel_fixtures import dict_spec, make_session, scored_0_5

from workbench import catalog as C
from workbench.errors import WorkbenchError
from workbench.session import Session
from workbench.spec import DatasetSpec, LossChoice
from workbench.ui.app import Workbench
from workbench.ui.panels import ArgsPanel, ColumnsPanel, LossPanel, ModelPanel, TrainPanel
from workbench.ui.widgets import help_html


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return make_session(tmp_path)


@pytest.fixture
def app(session):
    app = Workbench(session, autosave=False, load=False)
    app.args.ensure_form()
    return app


def _invalid(widget) -> bool:
    return "wb-invalid" in widget._dom_classes


@pytest.mark.parametrize(
    ("name", "typed", "words"),
    [
        ("learning_rate", "abc", "Learning rate (learning_rate) needs a number"),
        (
            "learning_rate",
            "-1",
            "Learning rate (learning_rate) cannot be negative (got '-1'): enter a number",
        ),
        (
            "per_device_train_batch_size",
            "0",
            "Examples per step (per_device_train_batch_size) must be at least 1",
        ),
        # nonsense a new user typed, which trained before without a word
        (
            "learning_rate",
            "0",
            "Learning rate (learning_rate) must be more than 0: with 0 the model does not",
        ),
        ("learning_rate", "5", "Learning rate (learning_rate) is far too high: training diverges"),
        ("max_steps", "0", "Stop after this many steps (max_steps) needs a whole, positive number of steps"),
        (
            "warmup_steps",
            "1.5",
            "(warmup_steps) must be a whole number when it is 1 or more (below 1 it is a share",
        ),
    ],
)
def test_a_bad_training_setting_blocks_start_marks_its_tab_and_says_which_field(app, name, typed, words):
    box = app.args.inputs[name]
    box.value = typed
    assert _invalid(box) and words in html.unescape(app.args.msgs[name].value)
    assert words in app.session.invalid[f"args.{name}"] and name not in app.session.args
    assert app.tabs.titles[4] == "5 · Training settings ⚠"
    assert words in html.unescape(app.blocked.value) and "Training settings tab" in app.blocked.value
    # the status beside Start does not say "ready" meanwhile, nor repeat the line below it after a press
    assert "not ready: fix the setting named below" in app.train.status.value
    app.train.start.click()
    assert app.session.runner is None and app.session.status == "idle"  # nothing trains with the defaults
    assert words in app.session.errors["args"] and box.value == typed
    assert "not started: fix the setting named below first." in app.train.status.value
    assert words not in html.unescape(app.train.status.value)
    box.value = ""  # emptied: the recommended value again, and Start is free
    assert not _invalid(box) and not app.session.invalid and app.blocked.value == ""
    assert "ready. Press Start training" in app.train.status.value
    assert app.session.check()


def test_a_loaded_config_replaces_a_bad_value_and_its_mark(app):
    box = app.args.inputs["learning_rate"]
    box.value = "abc"
    app.session.apply_spec(app.session.to_spec())
    assert box.value == "" and not _invalid(box) and "needs" not in app.args.msgs["learning_rate"].value


def test_a_bad_box_keeps_its_value_while_other_settings_change(app):
    box = app.args.inputs["learning_rate"]
    box.value = "abc"
    app.args.inputs["seed"].value = "7"
    assert app.session.args == {"seed": 7} and box.value == "abc" and _invalid(box)


def test_a_bad_loss_parameter_blocks_start_until_fixed_or_the_loss_changes(session):
    panel = LossPanel(session)
    session.set_loss(LossChoice("CoSENTLoss"))
    scale = panel.param_form.inputs["scale"]
    scale.value = "abc"
    assert _invalid(scale) and "The setting 'scale' needs a number" in session.invalid["loss.params.scale"]
    with pytest.raises(WorkbenchError) as info:
        session.check()
    assert info.value.where == "loss.params.scale"
    scale.value = "10"
    assert not session.invalid and session.loss.params == {"scale": 10}
    panel.param_form.inputs["scale"].value = "x"
    session.set_loss(LossChoice("CosineSimilarityLoss"))  # another loss: its own form, nothing left marked
    assert not session.invalid


def test_a_bad_max_sequence_length_blocks_start(session):
    panel = ModelPanel(session)
    panel.max_len.value = "abc"
    assert (
        _invalid(panel.max_len)
        and "Max sequence length (max_seq_length)" in session.invalid["model.max_seq_length"]
    )
    with pytest.raises(WorkbenchError) as info:
        session.check()
    assert info.value.where == "model.max_seq_length"
    panel.max_len.value = "64"
    assert not _invalid(panel.max_len) and not session.invalid and session.max_seq_length == 64


def test_an_output_folder_that_cannot_be_made_is_marked_before_start(session, tmp_path):
    panel = TrainPanel(session)
    before = session.output_dir
    panel.output.value = "/proc/x"
    assert _invalid(panel.output) and "/proc" in panel.output_msg.value and "/proc" in panel.output.tooltip
    assert session.output_dir == before and "output_dir" in session.invalid
    with pytest.raises(WorkbenchError):
        session.check()
    panel.output.value = str(tmp_path / "mine")
    assert not _invalid(panel.output) and session.output_dir == str(tmp_path / "mine") and not session.invalid


def test_ticking_new_folder_again_shows_the_fresh_folder(session, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    panel = TrainPanel(session)
    panel.output.value = str(tmp_path / "mine")
    assert not panel.auto_output.value
    panel.auto_output.value = True
    assert panel.output.value.startswith(str(tmp_path / "runs")) and session.output_dir == panel.output.value


def test_the_rescale_comes_back_with_the_label(session):
    panel = ColumnsPanel(session)
    panel.rescale.value = True
    assert session.entry("train/sts").spec.label_range == (0.0, 5.0)
    panel.label.value = ""
    assert session.entry("train/sts").spec.label_range is None and not panel.rescale.value
    panel.label.value = "score"
    assert session.entry("train/sts").spec.label_range == (0.0, 5.0) and panel.rescale.value
    panel.label.value = ""
    panel.label.value = "id"  # another column as the label: it is not rescaled from the score's range
    assert session.entry("train/sts").spec.label_range is None


def test_every_curated_argument_has_a_plain_name():
    assert set(C.ARG_LABELS) == set(C.CURATED_ARG_NAMES)
    assert all(label.label[0].isupper() and "_" not in label.label for label in C.ARG_LABELS.values())


def test_training_settings_show_plain_names_and_the_advanced_view_their_names(session):
    panel = ArgsPanel(session)
    panel.ensure_form()
    label = panel.labels["per_device_train_batch_size"].value
    assert ">Examples per step<" in label and "title='per_device_train_batch_size: " in label
    assert "<code" not in label and panel.inputs["learning_rate"].tooltip.startswith("learning_rate: ")
    # The plain view: the basic settings; the rest in Advanced (or as soon as they hold a value).
    assert panel.rows["learning_rate"].layout.display == ""
    assert panel.rows["lr_scheduler_type"].layout.display == "none"
    assert panel.advanced.layout.display == "none"
    session.args = {"lr_scheduler_type": "cosine"}
    assert panel.rows["lr_scheduler_type"].layout.display == ""
    panel.show_all.value = True
    assert (
        "<code class='wb-arg-raw'>per_device_train_batch_size</code>"
        in panel.labels["per_device_train_batch_size"].value
    )
    assert panel.rows["optim"].layout.display == "" and panel.advanced.layout.display == ""


def test_help_is_whole_with_its_code_shown_as_code(session):
    panel = ArgsPanel(session)
    panel.ensure_form()
    # a setting without plain words shows the library's help: ~230 characters, with `code` in it
    shown = html.unescape(panel.msgs["eval_steps"].value)
    assert "<code>eval_strategy='steps'</code>" in shown and "<code>[0,1)</code>" in shown
    assert "`" not in shown and "…" not in shown and "ratio of total training steps." in shown
    assert (
        help_html("Use `a<b` or `c`, not ` alone") == "Use <code>a&lt;b</code> or <code>c</code>, not ` alone"
    )


def test_upload_buttons_show_no_file_count(app):
    for upload in (app.open_file, app.dataset.upload):
        assert "wb-nocount" in upload._dom_classes and upload.tooltip == upload.description


def test_start_stop_and_the_status_sit_in_a_bar_at_the_top(app):
    bar = app.runbar
    assert "wb-runbar" in bar._dom_classes and app.children.index(bar) == 1  # first after the style
    row = bar.children[0]
    t = app.train
    assert list(row.children) == [t.start, t.stop, t.runs.resume, t.runs.overwrite, app.estimate, t.status]

    def inside(box) -> set:
        out = set()
        for child in box.children:
            out.add(child)
            if isinstance(child, widgets.Box):
                out |= inside(child)
        return out

    assert not {app.train.start, app.train.stop, app.train.status} & inside(app.train)  # shown once
    assert "position: sticky" in app.children[0].value and "top: 0" in app.children[0].value


def test_a_session_without_a_bad_field_is_not_blocked(session):
    assert isinstance(session, Session) and session.invalid == {} and session.check()


def test_a_batch_larger_than_the_data_is_said_before_start_not_only_in_the_run_log(app):
    # the train set has 16 rows; a new user typed 100000 and nothing said it would become 16
    box = app.args.inputs["per_device_train_batch_size"]
    assert app.args.adjusted.value == ""
    box.value = "100000"
    shown = html.unescape(app.args.adjusted.value)
    assert not _invalid(box) and app.session.args["per_device_train_batch_size"] == 100000
    assert "Before you start" in shown and "batch size lowered to 16: the dataset has only 16 rows" in shown
    box.value = "8"
    assert app.args.adjusted.value == ""
    box.value = "100000"
    app.session.add_dataset("train", "more", dict_spec(scored_0_5(6)))  # a second, smaller train set decides
    assert "lowered to 6: the dataset has only 6 rows" in html.unescape(app.args.adjusted.value)
    box.value = ""  # the recommended batch: nothing of theirs changes
    assert app.args.adjusted.value == ""


def test_a_batch_larger_than_the_train_part_left_after_the_held_out_rows_says_that_part(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = make_session(tmp_path, eval_set=False)
    session.add_dataset("eval", "heldout", DatasetSpec(source="holdout", of="sts", fraction=0.25))
    app = Workbench(session, autosave=False, load=False)
    app.args.ensure_form()
    app.args.inputs["per_device_train_batch_size"].value = "64"
    assert "lowered to 12: the dataset has only 12 rows" in html.unescape(app.args.adjusted.value)


def test_the_basic_settings_are_explained_in_plain_words_the_librarys_help_in_the_tooltip(app):
    # the walk: "Overrides `num_train_epochs` ... does not implement `__len__` (e.g. a streaming dataset)"
    assert set(C.PLAIN_HELP) <= {n for n, label in C.ARG_LABELS.items() if label.basic}
    shown = html.unescape(app.args.msgs["max_steps"].value)
    assert "One step trains on one batch of examples" in shown and "__len__" not in shown
    assert "__len__" in app.args.labels["max_steps"].value  # the library's own words: the name's tooltip
    box = app.args.inputs["max_steps"]
    box.value = "0"
    box.value = ""  # a fixed value brings the plain help back, not the library's
    assert "One step trains on one batch" in html.unescape(app.args.msgs["max_steps"].value)
