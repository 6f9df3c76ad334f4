"""The Session's actions without widgets: copy the saved model, push it (refused in words before any network),
export the run as a script, and load the model's tokenizer once for the session."""

from __future__ import annotations

from pathlib import Path

import pytest
from panel_fixtures import make_session

from workbench.errors import WorkbenchError
from workbench.export import export_script
from workbench.session import check_push, copy_destination, copy_model


@pytest.fixture
def saved(tmp_path) -> str:
    folder = tmp_path / "final"
    folder.mkdir()
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(
    ("has_model", "dest", "words"),
    [
        (False, "somewhere", "no saved model yet"),
        (True, "  ", "Type the folder"),
        (True, "FULL", "already exists and is not empty"),
    ],
)
def test_copy_is_refused_in_words(saved, tmp_path, has_model, dest, words):
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x", encoding="utf-8")
    with pytest.raises(WorkbenchError) as err:
        copy_destination(saved if has_model else "", str(full) if dest == "FULL" else dest)
    assert words in err.value.message


def test_copy_fills_a_new_or_empty_folder(saved, tmp_path):
    (tmp_path / "empty").mkdir()
    for dest in (tmp_path / "new" / "copy", tmp_path / "empty"):
        assert copy_model(saved, f"  {dest}  ") == dest
        assert (dest / "modules.json").read_text(encoding="utf-8") == "[]"


@pytest.mark.parametrize(("has_model", "repo"), [(False, "me/model"), (True, ""), (True, "no-owner")])
def test_push_is_refused_in_words_before_any_network(saved, has_model, repo):
    with pytest.raises(WorkbenchError) as err:
        check_push(saved if has_model else "", repo)
    assert "train first" in err.value.message or "your-name/model-name" in err.value.message


def test_push_checks_the_repository_it_is_given(saved):
    assert check_push(saved, "  me/model ") == "me/model"


def test_session_actions_use_the_sessions_saved_model(tmp_path, saved):
    session = make_session(tmp_path, eval_set=False)
    with pytest.raises(WorkbenchError):
        session.actions.copy_destination(str(tmp_path / "copy"))
    session.saved_path = saved
    assert session.actions.copy_model(str(tmp_path / "copy")) == tmp_path / "copy"
    assert session.actions.check_push("me/model") == "me/model"


def test_export_writes_the_script_of_the_current_configuration(tmp_path, tiny_model):
    session = make_session(tmp_path, model=tiny_model)
    session.args = {"max_steps": 2}
    path, script = session.actions.export_script()
    assert path == Path(session.output_dir) / "train_script.py"
    assert path.read_text(encoding="utf-8") == script == export_script(session.to_spec())


def test_a_tokenizer_is_loaded_on_request_and_kept_per_model(tmp_path, tiny_model):
    session = make_session(tmp_path, model=tiny_model, eval_set=False)
    assert session.actions.tokenizer() is None
    tokenizer = session.actions.load_tokenizer()
    assert session.actions.tokenizer() is tokenizer and session.actions.tokenizer("default") is None
    assert tokenizer("hello world")["input_ids"]


def test_model_facts_come_from_the_model_folder(tmp_path):
    session = make_session(tmp_path, eval_set=False)
    assert session.actions.model_max_length() == 256  # the packaged all-MiniLM-L6-v2
    assert Path(session.actions.check_model()).is_dir()
    with pytest.raises(WorkbenchError):
        session.actions.check_max_seq_length(1024)
    with pytest.raises(WorkbenchError):
        session.actions.check_model(str(tmp_path / "no-such-model"))
