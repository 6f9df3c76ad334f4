"""Two pages, one device, in Chromium: the second page's Start waits in the queue with its place in the status
line, Stop takes it out of the queue (nothing trained), and the first page's run goes on. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest
from conftest import open_app
from test_app import RUN_TIMEOUT_MS, _status, _wait_status, shot, use_tiny_model

from workbench.engine import read_run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_a_second_page_queues_behind_the_run_going_on_and_stop_takes_it_out(
    browser, voila_server, app_home, tiny_model
):
    server, url = voila_server
    with open_app(browser, server, url) as first, open_app(browser, server, url) as second:
        for page in (first, second):
            use_tiny_model(page, tiny_model, max_steps=100_000)
        first.locator("button.wb-start").click()
        _wait_status(first, "training", RUN_TIMEOUT_MS)

        second.locator("button.wb-start").click()
        _wait_status(second, "queued", 180_000)
        second.locator(".wb-status", has_text="queued: 1 run ahead of you").wait_for(timeout=60_000)
        assert (
            second.locator("button.wb-stop").is_enabled()
            and not second.locator("button.wb-start").is_enabled()
        )
        shot(second, "60-queued-behind-another-page")

        second.locator("button.wb-stop").click()
        _wait_status(second, "stopped", 60_000)
        assert "nothing was trained" in _status(second).lower() or "stopped before" in _status(second).lower()
        runs = {r.name: r for r in (read_run(p) for p in (app_home / "runs").iterdir() if p.is_dir()) if r}
        queued = [r for r in runs.values() if r.status == "stopped" and not r.saved and not r.step]
        assert queued and not (app_home / "runs" / queued[0].name / "final").exists()
        assert "training" in _status(first).lower()  # the first page's run went on

        first.locator("button.wb-stop").click()
        _wait_status(first, ("stopped", "finished"), 300_000)
