"""The app server restarted while a worker run goes on, in Chromium: the run carries on without its server, and a
page of the new server shows it under way (its row and status) and stops it with the model saved."""

from __future__ import annotations

import json
import os
import subprocess
from contextlib import contextmanager

import pytest
from conftest import _free_port, _wait_port, open_app
from test_app import RUN_TIMEOUT_MS, _status, _wait_status, use_tiny_model

from workbench.engine import read_run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


@contextmanager
def _server(home):
    from workbench.ui.serve import served_notebook, server_env, voila_command

    port = _free_port()
    notebook = served_notebook(home)
    env = server_env(base=dict(os.environ), notebook=notebook)
    env.update(WORKBENCH_HOME=str(home), WORKBENCH_RUNS=str(home / "runs"), HF_HUB_OFFLINE="1")
    env.update(TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="2")
    with open(home / f"voila-{port}.log", "w") as log:
        proc = subprocess.Popen(
            voila_command(notebook, port=port), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(home)
        )
        try:
            _wait_port(port, proc)
            yield proc, f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_a_new_server_page_finds_and_stops_the_run_the_old_server_started(browser, tmp_path, tiny_model):
    home = tmp_path / "home"
    home.mkdir()
    with _server(home) as (server, url):
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
        with _server(home) as (server, url), open_app(browser, server, url) as page:
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
