"""A page's kernel lives as long as the page: closing the page or reloading it shuts its kernel down (the page's
shutdown request passes the server's XSRF check), so kernels of closed pages do not pile up. Whether a run in a
worker process outlives the page is the runs' tests' business."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from conftest import page_kernel

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
START = ".wb-start button, button.wb-start"
APP_TIMEOUT_MS = 180_000  # kernel start + Workbench() on a busy 2-core machine (as conftest's app fixture)
GONE_TIMEOUT = 60  # a kernel's shutdown (SIGTERM, then SIGKILL after jupyter_client's wait) on a busy machine


def _painted(page) -> None:
    page.locator(START).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)


def _wait_gone(pids: set[int], server_kernels) -> set[int]:
    """Poll until none of ``pids`` is a kernel of the server, or the deadline; returns those still there."""
    deadline = time.monotonic() + GONE_TIMEOUT
    while pids & server_kernels() and time.monotonic() < deadline:
        time.sleep(0.2)  # polling /proc for the kernel to exit: no event to wait on
    return pids & server_kernels()


def _log_since(log: Path, offset: int) -> str:
    with open(log, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def _refusals(text: str) -> list[str]:
    return [line for line in text.splitlines() if " 403 " in line or "_xsrf" in line]


@pytest.fixture
def page_of(browser, voila_server, server_kernels):
    """Opens the app in a new page; yields a function returning (page, its kernels). Kills what is left at the end."""
    _, url = voila_server
    contexts, started = [], set()

    def open_app():
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url, wait_until="commit")
        _painted(page)
        ours = page_kernel(voila_server[0], page)
        started.update(ours)
        return page, ours

    yield open_app
    for context in contexts:
        context.close()
    for pid in started & server_kernels():
        os.kill(pid, signal.SIGKILL)  # a kernel the test saw survive: do not let it slow the next test


def test_closing_the_page_shuts_its_kernel_down(page_of, server_kernels, app_home):
    log, offset = app_home / "voila.log", (app_home / "voila.log").stat().st_size
    page, ours = page_of()
    assert len(ours) == 1, f"the page should have started one kernel, found {sorted(ours)}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kernels-page-before-close.png"))

    page.close(run_before_unload=True)  # as a person closes the tab: the page's unload handler runs

    left = _wait_gone(ours, server_kernels)
    logged = _log_since(log, offset)
    assert not left, (
        f"the closed page's kernel {sorted(left)} still runs {GONE_TIMEOUT} s later:\n{logged[-3000:]}"
    )
    assert not _refusals(logged), _refusals(logged)
    assert "Kernel shutdown" in logged


def test_reloading_the_page_shuts_the_old_kernel_down(page_of, server_kernels, app_home, voila_server):
    log, offset = app_home / "voila.log", (app_home / "voila.log").stat().st_size
    page, old = page_of()
    assert len(old) == 1, f"the page's kernel was not found: {sorted(old)}"

    page.reload(wait_until="commit")  # as a person presses F5: the old document's unload handler runs
    _painted(page)

    new = page_kernel(voila_server[0], page)
    left = _wait_gone(old, server_kernels)
    logged = _log_since(log, offset)
    assert not left, f"the reloaded page's old kernel {sorted(left)} still runs:\n{logged[-3000:]}"
    assert len(new) == 1 and new <= server_kernels() and not new & old, (
        "the reloaded page runs on a new kernel"
    )
    assert page.locator(START).first.is_visible()
    assert not _refusals(logged), _refusals(logged)
