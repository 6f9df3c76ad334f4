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


def _kernel_starts(server) -> dict[int, float]:
    """The server's kernels and the wall time each process started."""
    import psutil
    from conftest import _kernels

    starts = {}
    for pid in _kernels(server):
        try:
            starts[pid] = psutil.Process(pid).create_time()
        except psutil.Error:
            continue
    return starts


def _pool_filled(log: Path, times: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("is filled with") < times:
        assert time.monotonic() < deadline, (
            f"the pool was not filled {times} time(s):\n{log.read_text()[-3000:]}"
        )
        time.sleep(0.2)  # the server's log: nothing to wait on but the clock


def _page_signal(pid: int) -> Path:
    """The file the server named for its page kernels to touch once their page has its widgets."""
    import psutil

    from workbench.ui.voila_config import PAGE_SIGNAL_ENV

    return Path(psutil.Process(pid).environ()[PAGE_SIGNAL_ENV])


class Watch:
    """Polls (every 50 ms, in a thread) for the wall time a new kernel of the server first shows and the time the
    page signal is first touched after the watch began."""

    def __init__(self, server, signal_file: Path):
        import threading

        from conftest import _kernels

        self.began = time.time()
        self.kernel_at: float | None = None
        self.signal_at: float | None = None
        before, self._stop = set(_kernels(server)), threading.Event()

        def poll():
            while not self._stop.is_set() and self.kernel_at is None:
                now = time.time()
                try:
                    if self.signal_at is None and signal_file.stat().st_mtime >= self.began:
                        self.signal_at = now
                except OSError:
                    pass
                if set(_kernels(server)) - before:
                    self.kernel_at = now
                self._stop.wait(0.05)  # polling /proc and a file: nothing to wait on but the clock

        self._thread = threading.Thread(target=poll, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def test_the_pool_is_refilled_after_the_page_has_its_widgets_or_at_once_for_another_page(browser, tmp_path):
    """A pre-heated kernel starting takes a core and the server's loop for seconds: it starts once the page that took
    the last one has been sent its widgets (its kernel says so; workbench.ui.voila_config), not in the middle of
    that page's kernel connection; when another page is asked for meanwhile, it starts at once (that page waits
    for it)."""
    from conftest import _kernels, serve_app

    home = tmp_path / "home"
    home.mkdir()
    log = home / "voila.log"
    with serve_app(home, preheat=1) as (server, url):
        _pool_filled(log, 1)
        signal_file = _page_signal(_kernels(server)[0])
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        page = context.new_page()
        watch = Watch(server, signal_file)
        page.goto(url, wait_until="commit")
        _painted(page)
        _pool_filled(log, 2)
        watch.stop()
        assert watch.signal_at and watch.kernel_at, vars(watch)
        # the page's kernel had sent it its widgets, then the server waited fill_delay (1 s)
        assert watch.kernel_at >= watch.signal_at + 0.5, (
            "the next kernel started before the page had its widgets"
        )

        # Two pages asked for one right after the other (each its own window: a tab behind another does not draw):
        # the second waits for the next kernel, which starts at once (tests/ui/test_pool_refill.py times it), and
        # both paint (the first page's kernel answers its request for the widgets within the page's 4 s limit:
        # page_ready.REFRESH_WAIT_S; a model that comes late is still found: page_scripts.WIDGET_GUARD).
        windows = [browser.new_context(viewport={"width": 1024, "height": 768}) for _ in range(2)]
        first, second = (window.new_page() for window in windows)
        first.goto(url, wait_until="commit")
        second.goto(url, wait_until="commit")
        for shown in (first, second):
            try:
                _painted(shown)
            except Exception:
                pytest.fail(f"a page of the two did not paint; it shows: {shown.inner_text('body')[:300]!r}")
        for window in [context, *windows]:
            window.close()
