"""Pages served from Voila's pool of pre-heated kernels: the app is built before its page is asked for, so work
meant for "after the page has its widgets" runs at once, and what the app read from the shared folders at build
time is read again when the page comes (``workbench.ui.page_ready``, ``Workbench.page_opened``)."""

from __future__ import annotations

import json

import pytest
from panel_fixtures import make_session

from workbench.ui import Workbench, page_ready
from workbench.ui.page_ready import CONTROL_TARGET


class FakeComm:
    """The page's control comm: ipywidgets' answer to ``request_states`` is noted in ``said``."""

    def __init__(self, said: list | None = None):
        self.said = [] if said is None else said

    def handle_msg(self, message):
        self.said.append("states sent")


class FakeManager:
    """ipywidgets' comm manager as page_ready sees it: its handler of the control comm."""

    def __init__(self):
        self.targets = {CONTROL_TARGET: lambda comm, msg: None}

    def register_target(self, name, handler):
        self.targets[name] = handler

    def page_asks_for_its_widgets(self, said: list | None = None):
        comm = FakeComm(said)
        self.targets[CONTROL_TARGET](comm, {})
        comm.handle_msg({"content": {"data": {"method": "request_states"}}})


@pytest.fixture
def manager(monkeypatch):
    manager = FakeManager()
    monkeypatch.setattr(page_ready, "_comm_manager", lambda: manager)
    return manager


def test_in_a_preheated_kernel_the_work_runs_at_once_and_the_refresh_waits_for_the_page(manager, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv(
        "VOILA_REQUEST_URL", "http://127.0.0.1:8866/"
    )  # a refill kernel has the last page's URL
    assert page_ready.preheated() and not page_ready.in_voila_page()
    ran, opened = [], []
    assert page_ready.after_widgets_sent(lambda: ran.append(True), fallback_s=60) is False and ran == [True]
    assert page_ready.on_page_open(lambda: opened.append(True)) is True and opened == []
    manager.page_asks_for_its_widgets()
    assert opened == [True]
    manager.page_asks_for_its_widgets()  # a reconnect: once
    assert opened == [True]


def test_a_kernel_started_for_its_page_needs_no_refresh(manager, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # what Voila sets in a kernel it starts for a request
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    assert not page_ready.preheated() and page_ready.in_voila_page()
    assert page_ready.on_page_open(lambda: pytest.fail("refreshed")) is False
    manager.page_asks_for_its_widgets()


def test_a_preheated_app_reads_the_shared_folders_again_when_its_page_comes(tmp_path, manager, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    autosave = home / "autosave.json"
    autosave.write_text(json.dumps({"written": "by the page before"}), encoding="utf-8")
    session = make_session(tmp_path)
    monkeypatch.setattr(session, "load_all", lambda **kw: None)
    monkeypatch.setattr(session.actions, "prefetch_training_facts", lambda: None)
    attached = []
    monkeypatch.setattr(session.control, "attach_running", lambda *a: attached.append(True))
    app = Workbench(session, autosave=True, load=True)
    # Nothing attached before the page comes: a run going now may have ended by then (seen in the browser suite:
    # a pooled page opened on the previous test's stopped run, its settings in the tabs).
    assert attached == [] and json.loads(app.last_session) == {"written": "by the page before"}
    assert session.autosave is None  # nothing saved while no page is there: the earlier page's settings stay
    session.max_seq_length = 64
    assert json.loads(autosave.read_text(encoding="utf-8")) == {"written": "by the page before"}

    # Meanwhile the earlier page changed its settings, and a run was started in the runs folder.
    autosave.write_text(json.dumps({"written": "later"}), encoding="utf-8")
    (tmp_path / "runs").mkdir()
    refreshed = []
    monkeypatch.setattr(app.train.runs, "refresh_list", lambda: refreshed.append(True))
    manager.page_asks_for_its_widgets()
    assert json.loads(app.last_session) == {"written": "later"}  # 'Restore last session' brings these back
    assert not app.restore_btn.disabled
    assert attached == [True] and refreshed == [True]  # the run under way then is shown, the list read again
    session.max_seq_length = 128
    assert json.loads(autosave.read_text(encoding="utf-8"))["model"]["max_seq_length"] == 128  # saving now


def test_in_a_preheated_kernel_the_work_waits_for_the_apps_cell_to_finish(manager, monkeypatch):
    """The app's view (the cell's output) goes out before the data loading takes the GIL."""
    import IPython
    from IPython.core.events import EventManager

    class Shell:
        events = EventManager(None, {"post_run_cell": None})

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell)
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    ran = []
    assert page_ready.after_widgets_sent(lambda: ran.append(True)) is False and ran == []
    Shell.events.trigger("post_run_cell", None)
    Shell.events.trigger("post_run_cell", None)  # the next cells: once
    assert ran == [True]


def test_the_refresh_runs_before_the_page_is_sent_its_widgets(manager, monkeypatch):
    """The first paint shows the refreshed state (the runs list as it is now), not the pre-heated one."""
    order = []
    monkeypatch.setenv("VOILA_PREHEAT", "True")

    def refresh():
        order.append("refreshed")
        raise OSError("the runs folder went away")  # a failing refresh: the page still gets its widgets

    page_ready.on_page_open(refresh)
    manager.page_asks_for_its_widgets(order)
    assert order == ["refreshed", "states sent"]


def test_a_slow_refresh_does_not_hold_the_page_back(manager, monkeypatch):
    import threading

    order, release = [], threading.Event()
    monkeypatch.setattr(page_ready, "REFRESH_WAIT_S", 0.2)
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    page_ready.on_page_open(lambda: release.wait(30) and order.append("refreshed"))
    manager.page_asks_for_its_widgets(order)
    assert order == ["states sent"]  # the page got its widgets after 0.2 s
    release.set()
    for _ in range(100):
        if order[-1] == "refreshed":
            break
        threading.Event().wait(0.05)
    assert order == ["states sent", "refreshed"]


def test_the_server_is_told_once_the_page_has_been_sent_its_widgets(tmp_path, manager, monkeypatch):
    """The server starts the next pre-heated kernel on this signal (workbench.ui.voila_config): after the states
    went out, at each request (a reconnected page too), never before."""
    import os

    signal = tmp_path / "page-served"
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv(page_ready.PAGE_SIGNAL_ENV, str(signal))
    order = []
    page_ready.on_page_open(lambda: order.append(signal.exists()))
    manager.page_asks_for_its_widgets(order)
    assert order == [False, "states sent"] and signal.exists()
    os.utime(signal, (0, 0))
    manager.page_asks_for_its_widgets(order)
    assert signal.stat().st_mtime > 0


def test_no_signal_named_or_a_signal_that_cannot_be_written_is_no_error(tmp_path, manager, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv(page_ready.PAGE_SIGNAL_ENV, raising=False)
    page_ready.on_page_open(lambda: None)
    manager.page_asks_for_its_widgets()
    monkeypatch.setenv(page_ready.PAGE_SIGNAL_ENV, str(tmp_path / "no such folder" / "page-served"))
    page_ready.signal_page_served()
    assert not (tmp_path / "no such folder").exists()
