"""Runs that outlive the page, in Chromium: a reload mid-run shows the same run (still going) and Stop from the new
page stops it with the model saved; Resume continues from the step it stopped at; a closed page's kernel is shut
down while its worker run goes on to finish. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from conftest import open_app, page_kernel
from test_app import RUN_TIMEOUT_MS, _status, _wait_status, shot, use_tiny_model

from workbench.engine import EventFollower, read_run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]


def shown_run(page) -> str:
    """The folder name of the run the page shows (its row in the runs list)."""
    row = page.locator(".wb-run-row.wb-run-shown").first
    row.wait_for(state="attached", timeout=60_000)
    return row.get_attribute("data-run")


def loss_steps(run_dir: Path) -> list[int]:
    return [e.step for e in EventFollower(run_dir).poll() if e.type == "log" and "loss" in e.values]


def _until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)  # a worker process's files: nothing to wait on but time
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


def test_a_reload_mid_run_shows_the_run_and_stop_and_resume_work_from_the_new_page(
    browser, voila_server, app_home, tiny_model
):
    server, url = voila_server
    with open_app(browser, server, url) as page:
        use_tiny_model(page, tiny_model, max_steps=100_000)
        page.locator("button.wb-start").click()
        _wait_status(page, "training", RUN_TIMEOUT_MS)
        name = shown_run(page)
        run_dir = app_home / "runs" / name
        assert json.loads((run_dir / "status.json").read_text())["backend"] == "process"

        page.reload(wait_until="commit")
        page.locator("button.wb-start").wait_for(state="visible", timeout=180_000)
        # Within seconds of painting, the page shows the run under way: status, its row, Stop enabled.
        _wait_status(page, "training", 30_000)
        page.locator(f".wb-run-row[data-run='{name}'][data-status='training']").wait_for(state="attached")
        assert (
            page.locator("button.wb-stop").is_enabled() and not page.locator("button.wb-start").is_enabled()
        )
        page.locator(".widget-html", has_text=re.compile(r"[Ss]tep [1-9]\d* of 100000")).first.wait_for()
        shot(page, "20-reloaded-mid-run")

        page.locator("button.wb-stop").click()
        _wait_status(page, ("stopped", "finished", "error"), 300_000)
        status = _status(page)
        assert "stopped" in status and "final" in status and "Press Resume" in status, status
        assert (run_dir / "final" / "modules.json").is_file()
        stopped = read_run(run_dir)
        assert stopped.checkpoint_step and stopped.checkpoint_step == stopped.step
        shot(page, "21-stopped-after-reload")

        resume = page.locator("button.wb-resume")
        resume.wait_for(state="visible")
        resume.click()
        _wait_status(page, "training", RUN_TIMEOUT_MS)
        later = re.compile(r"[Ss]tep (\d+) of 100000")
        progress = page.locator(".widget-html", has_text=later).first
        _until(  # the bar shows the step it stopped at, then the steps after it
            lambda: int(later.search(progress.inner_text()).group(1)) > stopped.step,
            120,
            "a step after the stop",
        )
        shot(page, "22-resumed")
        page.locator("button.wb-stop").click()
        _wait_status(page, ("stopped", "finished", "error"), 300_000)
        assert "stopped" in _status(page)
    steps = loss_steps(run_dir)
    assert steps == list(range(1, steps[-1] + 1)) and steps[-1] > stopped.step  # one curve, no restart


def test_a_closed_page_shuts_its_kernel_down_and_its_worker_run_finishes(
    browser, voila_server, server_kernels, app_home, tiny_model
):
    server, url = voila_server
    with open_app(browser, server, url, 1024, 768) as page:
        kernel = page_kernel(server, page)
        assert len(kernel) == 1
        use_tiny_model(page, tiny_model, max_steps=150)
        page.locator("button.wb-start").click()
        _wait_status(page, "training", RUN_TIMEOUT_MS)
        run_dir = app_home / "runs" / shown_run(page)
        shot(page, "23-small-screen-training")
        page.close(run_before_unload=True)
        _until(lambda: not (kernel & server_kernels()), 60, "the closed page's kernel exiting")
        assert read_run(run_dir).status in ("training", "saving", "finished")
    info = _until(
        lambda: (i := read_run(run_dir)).status != "training" and i.status != "saving" and i, 600, "end"
    )
    assert info.status == "finished" and info.step == 150 and not info.died
    assert (run_dir / "final" / "modules.json").is_file()
