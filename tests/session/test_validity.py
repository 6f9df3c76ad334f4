"""Fields that cannot run: their messages, the output-folder check, and Start refused while any is invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from panel_fixtures import make_session

from workbench.errors import WorkbenchError
from workbench.session import (
    Session,
    check_fields,
    clear_invalid,
    error_text,
    field_message,
    mark_invalid,
    output_problem,
    panel_for,
)


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return make_session(tmp_path)


def test_a_field_message_names_the_field_what_it_holds_and_what_it_needs():
    text = field_message("learning_rate", "cannot be negative", "-1", "Learning rate", "a number", "2e-5")
    assert text == "Learning rate (learning_rate) cannot be negative (got '-1'): enter a number such as 2e-5."
    # A problem that already gives an example is not given a second one; a field with no plain name is named.
    assert field_message("scale", "needs a number, e.g. 2e-5 or 0.1", "abc") == (
        "The setting 'scale' needs a number, e.g. 2e-5 or 0.1 (got 'abc')."
    )


def test_marks_are_replaced_never_mutated(session):
    seen = []
    session.observe(lambda change: seen.append(dict(change["new"])), "invalid")
    mark_invalid(session, "args.learning_rate", "Learning rate is wrong.")
    mark_invalid(session, "loss.params.scale", "Scale is wrong.")
    clear_invalid(session, "loss.")
    mark_invalid(session, "args.learning_rate", None)
    assert seen == [
        {"args.learning_rate": "Learning rate is wrong."},
        {"args.learning_rate": "Learning rate is wrong.", "loss.params.scale": "Scale is wrong."},
        {"args.learning_rate": "Learning rate is wrong."},
        {},
    ]


def test_start_is_blocked_while_a_field_is_invalid(session):
    mark_invalid(session, "loss.params.scale", "The setting 'scale' needs a number (got 'abc').")
    mark_invalid(session, "args.learning_rate", "Learning rate (learning_rate) needs a number (got 'abc').")
    with pytest.raises(WorkbenchError) as info:
        session.control.check()
    # The first invalid field in tab order (Loss before Training settings), and how many more there are.
    assert info.value.where == "loss.params.scale" and panel_for(info.value.where) == "loss"
    assert (
        "'scale' needs a number (got 'abc')" in info.value.message and "1 other field" in info.value.message
    )
    assert "Loss tab" in info.value.fix
    with pytest.raises(WorkbenchError):
        session.start()  # nothing is started
    assert session.runner is None and session.status == "idle"
    assert session.report(info.value) == "loss" and "Loss" in session.errors["loss"]
    clear_invalid(session, "")
    assert session.control.check().output_dir == session.output_dir


@pytest.mark.parametrize("where", ["/proc/x", "/proc/x/y"])
def test_an_output_folder_that_cannot_be_made_is_said_before_start(session, where):
    problem = output_problem(where)
    assert problem and problem.startswith("The output folder") and "/proc" in problem
    session.auto_output, session.output_dir = False, where
    with pytest.raises(WorkbenchError) as info:
        check_fields(session)
    assert info.value.where == "output_dir" and panel_for("output_dir") == "train"
    assert "Train tab" in info.value.fix


def test_the_output_folder_check_tells_a_file_from_a_folder_and_creates_nothing(tmp_path):
    (tmp_path / "a-file").write_text("x")
    assert "is a file" in output_problem(str(tmp_path / "a-file"))
    assert "is not a folder" in output_problem(str(tmp_path / "a-file" / "run"))
    assert "empty" in output_problem("  ")
    assert output_problem(str(tmp_path / "new" / "run")) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # the probe is undone


def test_ticking_new_folder_for_every_run_again_shows_a_fresh_folder(session, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    session.output_dir = str(tmp_path / "mine")
    session.auto_output = True
    assert Path(session.output_dir).parent == tmp_path / "runs"


def test_a_config_naming_an_unknown_argument_is_refused_when_loaded(session, tmp_path):
    config = session.to_config()
    config["args"] = {"learning_rat": 1e-5}
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(config))
    before = session.to_config()
    with pytest.raises(WorkbenchError) as info:
        session.load_config(path)
    assert "'learning_rat' is not a training argument" in info.value.message
    assert "did you mean 'learning_rate'?" in info.value.fix and info.value.where == "args.learning_rat"
    assert session.to_config() == before  # nothing of it was applied
    config["args"] = {"learning_rate": "3e-5"}  # YAML-style text is read as the number it is
    path.write_text(json.dumps(config))
    session.load_config(path)
    assert session.args == {"learning_rate": 3e-5}


def test_loading_a_config_drops_the_marks_of_the_fields_it_replaces(session):
    mark_invalid(session, "args.learning_rate", "Learning rate is wrong.")
    session.apply_spec(Session.default().to_spec())
    assert session.invalid == {}


def test_error_messages_read_as_sentences():
    exc = WorkbenchError("there is no train dataset.", fix="add one in the Data tab.")
    assert error_text(exc) == "There is no train dataset. Fix: Add one in the Data tab."
