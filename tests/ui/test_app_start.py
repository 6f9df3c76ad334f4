"""The app's start stays light: importing and building it loads none of the heavy libraries, and the tabs and folds
nobody needs for the first paint (Try it, Compare runs, hard-negative mining) are built when first opened."""

from __future__ import annotations

import subprocess
import sys
import threading

import ipywidgets as widgets
import pytest
from panel_fixtures import make_session

from workbench.ui import Workbench, page_ready
from workbench.ui.page_ready import CONTROL_TARGET
from workbench.ui.panels import ComparePanel, PlaygroundPanel
from workbench.ui.panels.mining import MiningBox
from workbench.ui.widgets import Deferred

# What the first paint does not need; each took seconds (torch + sentence-transformers ~8 s, matplotlib ~1 s).
HEAVY = ("torch", "sentence_transformers", "transformers", "matplotlib", "pandas", "datasets", "onnxruntime")


@pytest.mark.parametrize(
    "code",
    [
        "import workbench.ui.app",
        "from workbench.ui.app import Workbench; Workbench(load=False, autosave=False)",
    ],
    ids=["import", "build"],
)
def test_the_app_starts_without_heavy_imports(code, tmp_path):
    check = f"import sys; {code}; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", check],
        capture_output=True,
        text=True,
        timeout=120,
        env={"WORKBENCH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    return Workbench(make_session(tmp_path), autosave=False, load=False)


def _count(widget, seen) -> int:
    if id(widget) in seen:
        return 0
    seen.add(id(widget))
    n = 1
    for name in widget.keys:
        value = getattr(widget, name)
        for child in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(child, widgets.Widget):
                n += _count(child, seen)
    return n


@pytest.mark.parametrize(("name", "cls"), [("playground", PlaygroundPanel), ("compare", ComparePanel)])
def test_a_later_tab_is_built_when_it_is_first_opened(app, name, cls):
    at = app.tab_index(name)
    holder = app.tabs.children[at]
    assert isinstance(holder, Deferred) and not holder.built and holder.children == ()
    assert app.tabs.titles[at] == cls.title  # its title shows before it is built
    before = _count(app, set())
    app.tabs.selected_index = at
    assert holder.built and isinstance(holder.content, cls) and holder.children == (holder.content,)
    assert _count(app, set()) > before + 40  # the widgets it holds were not in the first paint
    panel = holder.content
    app.tabs.selected_index = 0
    app.tabs.selected_index = at
    assert holder.content is panel  # built once


def test_the_panels_are_reachable_before_their_tab_is_opened(app):
    assert isinstance(app.compare, ComparePanel) and app.more_panels[1].built  # built on first use
    assert not app.more_panels[0].built


def test_an_error_reported_to_an_unbuilt_tab_marks_it_and_shows_when_opened(app):
    app.session.report(RuntimeError("the runs folder is gone"), "compare")
    at = app.tab_index("compare")
    assert app.tabs.titles[at].endswith("⚠") and not app.more_panels[1].built
    app.tabs.selected_index = at
    assert "the runs folder is gone" in app.compare.error_box.value


def test_the_mining_wizard_is_built_when_its_fold_is_opened(app):
    part = app.dataset.mining_part
    assert not part.built
    app.dataset.mining_fold.selected_index = 0
    assert part.built and isinstance(part.content, MiningBox) and app.dataset.mining is part.content


class FakeComm:
    def __init__(self):
        self.handled = []

    def handle_msg(self, message):
        self.handled.append(message["content"]["data"]["method"])


class FakeManager:
    def __init__(self):
        self.targets = {CONTROL_TARGET: self.widgets_opened}
        self.opened = []

    def widgets_opened(self, comm, msg):  # ipywidgets' own handler of the control comm
        self.opened.append(comm)

    def register_target(self, name, handler):
        self.targets[name] = handler


def _request(method: str) -> dict:
    return {"content": {"data": {"method": method}}}


def test_in_a_voila_page_the_work_waits_until_the_page_has_its_widgets(monkeypatch):
    manager = FakeManager()
    monkeypatch.setattr(page_ready, "_comm_manager", lambda: manager)
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    ran = []
    assert page_ready.after_widgets_sent(lambda: ran.append(True), fallback_s=60) is True
    assert ran == []  # the app is built; the page has not asked for its widgets yet
    comm = FakeComm()
    manager.targets[CONTROL_TARGET](comm, {})
    assert manager.opened == [comm] and ran == []  # ipywidgets got the comm; nothing sent yet
    comm.handle_msg(_request("request_states"))
    assert comm.handled == ["request_states"] and ran == [True]  # ipywidgets answered first, then the work
    comm.handle_msg(_request("request_states"))  # a second request (a reconnect): the work ran once
    assert ran == [True]


def test_without_a_page_asking_the_work_runs_after_the_fallback(monkeypatch):
    manager = FakeManager()
    monkeypatch.setattr(page_ready, "_comm_manager", lambda: manager)
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    done = threading.Event()
    page_ready.after_widgets_sent(done.set, fallback_s=0.05)
    assert done.wait(10)


def test_outside_voila_the_work_runs_at_once(monkeypatch):
    monkeypatch.delenv("VOILA_REQUEST_URL", raising=False)
    monkeypatch.setattr(page_ready, "_comm_manager", FakeManager)
    ran = []
    assert page_ready.after_widgets_sent(lambda: ran.append(True)) is False and ran == [True]
