"""The Training settings tab in a kernel that only configures runs (process backend): its fields and the device
come from a child process and a cache file, and the kernel never imports torch for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench import catalog as C
from workbench.catalog import training_args
from workbench.errors import WorkbenchError
from workbench.session import facts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(training_args, "_KNOWN_FIELDS", {})
    return tmp_path / "home"


def seed_cache(model_type: str = C.DENSE) -> dict:
    data = facts.read_facts(model_type)  # this test process has the library; the cache is what a child writes
    path = facts.cache_path(model_type)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, default=str), encoding="utf8")
    return data


def test_cached_facts_are_read_without_a_child_and_become_the_field_list(home, monkeypatch):
    data = seed_cache()
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("no child process with a cache"))
    fields, device = facts.facts_in_child(C.DENSE)
    assert device == data["device"] and set(fields) == {f["name"] for f in data["fields"]}
    assert fields["lr_scheduler_type"].choices and isinstance(fields["lr_scheduler_type"].choices, tuple)
    assert training_args._KNOWN_FIELDS[C.DENSE] == fields  # check_args now reads these, not the library
    with pytest.raises(
        WorkbenchError, match="not a training argument of SentenceTransformerTrainingArguments"
    ):
        C.check_args({"learnin_rate": 1e-5})


def test_the_cache_key_follows_what_changes_the_answer(home, monkeypatch):
    first = facts.cache_path(C.DENSE)
    monkeypatch.setenv("WORKBENCH_CPU_BF16", "0")
    assert facts.cache_path(C.DENSE) != first and facts.cache_path(C.SPARSE) != first


def test_a_failing_child_says_why(home, monkeypatch):
    def failed(*args, **kwargs):
        return subprocess.CompletedProcess(
            args, 1, stdout="", stderr="Traceback\nImportError: no torch here\n"
        )

    monkeypatch.setattr(subprocess, "run", failed)
    with pytest.raises(WorkbenchError, match="ImportError: no torch here") as err:
        facts.facts_in_child(C.DENSE)
    assert "import sentence_transformers" in err.value.fix


def test_facts_seeded_for_the_environment_serve_a_new_home_without_a_child(
    home, tmp_path, monkeypatch, capsys
):
    """`make setup` seeds the facts beside the packages (`python -m workbench.session.facts --seed`): a home that
    has never read them (a new home's first page) reads the seed, and no child imports torch beside the page."""
    monkeypatch.setenv(facts.SEED_ENV, str(tmp_path / "seed"))
    assert facts.main(["--seed"]) == 0
    written = tmp_path / "seed" / facts.cache_path(C.DENSE).name
    assert str(written) in capsys.readouterr().out and written.is_file()
    assert not facts.cache_path(C.DENSE).exists()  # nothing in the home
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("no child process with a seed"))
    fields, device = facts.facts_in_child(C.DENSE)
    assert "learning_rate" in fields and device == json.loads(written.read_text(encoding="utf8"))["device"]
    # Another environment's answer (another key) is not taken from the seed: the child is asked.
    monkeypatch.setenv("WORKBENCH_CPU_BF16", "0")
    with pytest.raises(pytest.fail.Exception, match="no child process with a seed"):
        facts.facts_in_child(C.DENSE)


def test_the_first_child_of_an_environment_seeds_it(home, tmp_path, monkeypatch):
    monkeypatch.setenv(facts.SEED_ENV, str(tmp_path / "seed"))
    answer = {"fields": [], "device": {"device": "cpu", "name": "a CPU"}}
    monkeypatch.setattr(
        subprocess, "run", lambda args, **k: subprocess.CompletedProcess(args, 0, stdout=json.dumps(answer))
    )
    facts.facts_in_child(C.DENSE)
    name = facts.cache_path(C.DENSE).name
    assert json.loads((tmp_path / "seed" / name).read_text(encoding="utf8")) == answer
    assert json.loads(facts.cache_path(C.DENSE).read_text(encoding="utf8")) == answer


def test_the_seed_can_be_turned_off(home, monkeypatch):
    monkeypatch.setenv(facts.SEED_ENV, "off")
    assert facts.seed_dir() is None and facts.seed([C.DENSE]) == []
    monkeypatch.delenv(facts.SEED_ENV)
    assert facts.seed_dir() == Path(sys.prefix) / "share" / "workbench" / "facts"  # beside the packages


def test_a_process_backend_kernel_builds_the_tab_without_torch(home, tmp_path):
    """In a fresh interpreter, as the served app's page kernel: the tab is built, a value is checked, no torch."""
    seed_cache()
    code = textwrap.dedent(
        """
        import sys
        from workbench.ui.app import Workbench
        app = Workbench(autosave=False, load=False)
        app.args.ensure_form()
        app.args.inputs["learning_rate"].value = "3e-5"
        assert app.session.args == {"learning_rate": 3e-5}, app.session.args
        assert "Precision:" in app.args.device_info.value
        print("torch" in sys.modules, "sentence_transformers" in sys.modules)
        """
    )
    env = {**os.environ, "WORKBENCH_BACKEND": "process", "PYTHONPATH": str(ROOT), "WORKBENCH_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=str(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "False"]
