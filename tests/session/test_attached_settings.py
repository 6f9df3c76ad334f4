"""A page that attaches to the run under way (after a reload) shows that run's settings, not the demo's: its model
and data in the tabs, and a top line naming the run; the person's autosave is left as it was."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from wb_files import write_config

from workbench.session import Session
from workbench.spec import RunSpec
from workbench.ui.panels import TrainPanel


def _running(folder, config=None):
    """A run under way in ``folder`` (this process stands in for its worker: alive, a fresh heartbeat)."""
    folder.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (folder / "config.json").write_text(config)
    now = time.time()
    status = {"status": "training", "pid": os.getpid(), "host": socket.gethostname(), "started": now}
    (folder / "status.json").write_text(json.dumps({**status, "heartbeat": now, "backend": "process"}))
    return folder


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "runs"


def test_a_page_attached_to_a_run_under_way_shows_its_model_and_data(runs, tmp_path):
    tiny_model = "my-org/my-faq-model"  # a Hub id: nothing here loads the model
    config = json.loads(write_config(tmp_path, tiny_model).read_text())
    config["datasets"]["train"]["sts"]["path"] = str(tmp_path / "data" / "sts.csv")
    run = _running(runs / "2026-01-01_10-00-00", json.dumps(config))
    autosave = tmp_path / "autosave.json"
    page = Session.default(background=False, autosave=autosave)  # a reloaded page starts from the demo
    before = autosave.read_text()
    assert "demo" in page.data_summary()
    try:
        assert page.control.attach_running() == str(run)
        assert page.model_name == tiny_model and page.settings_of == str(run)
        assert [e.key for e in page.datasets] == ["train/sts", "eval/dev"]
        assert page.entry("train/sts").spec.path == str(tmp_path / "data" / "sts.csv")
        line = page.data_summary()
        assert line.startswith("These are the settings of the run under way (2026-01-01_10-00-00)")
        assert f"it trains {tiny_model} on sts.csv (" in line and "demo" not in line, line
        assert "Press Start" not in line
        assert page.auto_output, "Start after it makes a new folder"
        # "Where the model goes" names the run's own folder (it showed the next run's, a folder not made yet)
        assert page.output_dir == str(run) and TrainPanel(page).output.value == str(run)
        assert autosave.read_text() == before, "the person's own last settings stay restorable"
        page.status = "stopped"  # the run ends: the line says so
        assert "(it has ended)" in page.data_summary() and "new folder" in page.data_summary()
        page.apply_spec(RunSpec.from_dict(config))  # other settings (loaded, restored): the usual line again
        assert page.settings_of == "" and page.data_summary().startswith("Your data: sts.csv")
    finally:
        page.control.forget()


def test_a_run_with_a_damaged_config_is_still_followed_and_the_tabs_keep_their_settings(runs):
    run = _running(runs / "2026-01-01_11-00-00", "{not json")
    page = Session.default(background=False)
    try:
        assert page.control.attach_running() == str(run)
        assert page.run_dir == str(run) and page.settings_of == ""
        assert page.model_name == "default" and "demo" in page.data_summary()
    finally:
        page.control.forget()
