"""The app server restarted while a worker run goes on, in Chromium: the run carries on without its server, and a
page of the new server shows it under way (its row and status) and stops it with the model saved."""

from __future__ import annotations

import json
import os

import pytest
from conftest import open_app, serve_app
from test_app import RUN_TIMEOUT_MS, _status, _wait_status, use_tiny_model

from workbench.engine import read_run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_a_new_server_page_finds_and_stops_the_run_the_old_server_started(browser, tmp_path, tiny_model):
    home = tmp_path / "home"
    home.mkdir()
    with serve_app(home, log_name="voila-restart.log") as (server, url):
        with open_app(browser, server, url) as page:
            use_tiny_model(page, tiny_model, max_steps=100_000)
            page.locator("button.wb-start").click()
            _wait_status(page, "training", RUN_TIMEOUT_MS)
    # The first server is gone (its kernels with it); the worker run goes on.
    (run_dir,) = [p for p in (home / "runs").iterdir() if p.is_dir() and not p.name.startswith(".")]
    worker = json.loads((run_dir / "status.json").read_text())["pid"]
    os.kill(worker, 0)  # still alive
    assert read_run(run_dir).status == "training"
    try:
        with (
            serve_app(home, log_name="voila-restart.log") as (server, url),
            open_app(browser, server, url) as page,
        ):
            _wait_status(page, "training", 60_000)
            page.locator(f".wb-run-row[data-run='{run_dir.name}'][data-status='training']").wait_for(
                state="attached", timeout=60_000
            )
            page.locator("button.wb-stop").click()
            _wait_status(page, ("stopped", "finished"), 300_000)
            assert "stopped" in _status(page)
        assert (run_dir / "final" / "modules.json").is_file() and read_run(run_dir).status == "stopped"
    finally:
        try:
            os.kill(worker, 9)
        except ProcessLookupError:
            pass
