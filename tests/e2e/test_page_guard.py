"""The served page's guard in Chromium: a page whose HTML came without the app's view (nbclient collected no output
for the app's cell) is loaded again, twice at most, and then says what happened instead of staying blank."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from conftest import _free_port, _wait_port
from test_app import shot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_a_page_without_the_apps_view_is_loaded_again_then_says_so(browser, tmp_path):
    from workbench.ui.serve import served_notebook, server_env, voila_command

    notebook = served_notebook(tmp_path / "home")
    cells = json.loads(notebook.read_text(encoding="utf-8"))
    assert cells["cells"][0]["id"] == "page-guard"
    cells["cells"][-1]["source"] = (
        "x = 1"  # a code cell with no output: what a page that lost the app's view holds
    )
    notebook.write_text(json.dumps(cells), encoding="utf-8")
    port = _free_port()
    env = server_env(base={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter")}, notebook=notebook)
    with open(tmp_path / "voila.log", "w") as log:
        proc = subprocess.Popen(
            voila_command(notebook, port=port),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(tmp_path),
        )
    try:
        _wait_port(port, proc)
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        loads = []
        page.on("request", lambda r: r.is_navigation_request() and loads.append(time.monotonic()))
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
        note = page.locator(".wb-page-lost")
        note.wait_for(state="visible", timeout=240_000)
        shot(page, "70-page-without-the-app")
        assert "without the app" in note.inner_text() and "reload the page" in note.inner_text()
        assert not page.locator("#loading").is_visible()  # no spinner saying the server still works on it
        assert len(loads) == 3  # the page asked for, and twice again, then the message
        assert (
            page.evaluate("sessionStorage.getItem('workbench-page-retries')") is None
        )  # a reload starts afresh
        page.close(run_before_unload=True)
        context.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
