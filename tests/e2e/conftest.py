"""Browser tests: the app served by Voila (as `workbench app` serves it) on a free 127.0.0.1 port, driven by
Playwright through Debian's Chromium. Screenshots go to test-artifacts/.

Every wait is for a widget selector or text with a deadline; nothing sleeps to synchronise.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from wb_trace import log_tail, page_words, start_trace

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APP_TIMEOUT_MS = 180_000  # kernel start + Workbench() on a busy 2-core machine
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# what pages said when a test failed with them open (see pytest_runtest_makereport)
SEEN_AT_FAILURE: list[str] = []


def _test_name() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "page").split(" ")[0]
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in current.split("::", 1)[-1])[:80]


def _remember(page, why: str) -> None:
    """Keep what ``page`` says (and a screenshot, failed-TEST.png) for the failure report."""
    name = _test_name()
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=True)
    except Exception:  # noqa: BLE001 - a crashed page: its words below say so
        pass
    SEEN_AT_FAILURE.append(f"{why}\n{page_words(page)}\nscreenshot: test-artifacts/failed-{name}.png")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report quotes its open pages' words and the Voila log's last lines (CI shows only
    the output)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or "e2e" not in item.keywords:
        SEEN_AT_FAILURE.clear()
        return
    for name, value in item.funcargs.items():
        if hasattr(value, "screenshot") and hasattr(value, "is_closed") and not value.is_closed():
            _remember(value, f"page of fixture {name!r} at the failure")
    seen = SEEN_AT_FAILURE[:]
    SEEN_AT_FAILURE.clear()
    home = item.funcargs.get("app_home")
    if home is not None:
        seen.append("voila.log, last lines:\n" + log_tail(Path(home) / "voila.log"))
    report.sections.append(("what the pages showed", "\n\n".join(seen)))


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(
                    pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (run `make chromium`)")
                )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with code {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)  # polling a port that is not open yet: no event to wait on
    raise RuntimeError(f"voila did not listen on port {port} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def app_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("workbench-home")


def _kernels(server: subprocess.Popen) -> list[int]:
    """PIDs of the kernels the Voila server started (its ipykernel children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == server.pid and b"ipykernel" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return found


def page_kernel(server: subprocess.Popen, page) -> set[int]:
    """The PID of the kernel serving ``page`` (a set: empty when it is not found). Pages come from a pool of
    pre-heated kernels, so "the kernels started since the page was asked for" is the pool's refill, not the
    page's own: the page names its kernel (Voila's page config ``kernelId``, a UUID), and a kernel's command line
    names its connection file ``kernel-<id>.json``."""
    import re

    try:
        content = page.content()
    except Exception:  # noqa: BLE001 - a page being closed (close(run_before_unload=True) does not wait)
        return set()
    ids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", content))
    found = set()
    for pid in _kernels(server):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if any(f"kernel-{kid}.json" in cmdline for kid in ids):
            found.add(pid)
    return found


@contextmanager
def serve_app(
    home: Path, log_name: str = "voila.log", server_options: dict | None = None, edit=None, **command_options
):
    """The app served by Voila as `workbench app` serves it (``server_env`` with ``server_options``, e.g. a token
    or an upload cap; ``voila_command`` with ``command_options``, e.g. the host), its home and runs in ``home``, on a
    free port; yields (server process, URL on 127.0.0.1). ``edit(notebook)`` may change the served notebook (its
    JSON, a dict) first."""
    from workbench.ui.serve import MAX_UPLOAD_MB, served_notebook, server_env, voila_command, voila_config_dir

    port = _free_port()
    options = server_options or {}
    notebook = served_notebook(
        home, options.get("max_upload_mb", MAX_UPLOAD_MB)
    )  # its folder is Voila's root
    if edit is not None:
        page = json.loads(notebook.read_text(encoding="utf-8"))
        edit(page)
        notebook.write_text(json.dumps(page), encoding="utf-8")
    env = server_env(base=dict(os.environ), notebook=notebook, **options)
    env.update(
        WORKBENCH_HOME=str(home),
        WORKBENCH_RUNS=str(home / "runs"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        OMP_NUM_THREADS="2",
    )
    with open(home / log_name, "w") as log:
        proc = subprocess.Popen(
            # the Voila config in the test's home: not one a server of another checkout may rewrite meanwhile
            voila_command(notebook, port=port, config_dir=voila_config_dir(home), **command_options),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(home),
        )
        try:
            _wait_port(port, proc)
            yield proc, f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def voila_server(app_home):
    """A Voila server for the app, as `workbench app` starts it, with its home and runs in a temp folder."""
    # The pages come from a pool of pre-heated kernels as `workbench app` serves them (PREHEAT_POOL);
    # WORKBENCH_E2E_PREHEAT=N serves them from N (0: each page's kernel built when it is asked for).
    from workbench.ui.serve import PREHEAT_POOL

    preheat = int(os.environ.get("WORKBENCH_E2E_PREHEAT") or PREHEAT_POOL)
    with serve_app(app_home, cull_idle_timeout=600, cull_interval=60, preheat=preheat) as served:
        yield served


@pytest.fixture(autouse=True)
def no_run_left_going(app_home):
    """After each test, no run of the app's runs folder is still going: a worker left training (a test that failed
    before its Stop) would take the CPU from the next test and lock its page on that run."""
    yield
    from workbench.engine import list_runs, read_run, request_stop

    live = [r for r in list_runs(app_home / "runs") if r.active]
    for run in live:
        request_stop(run.path)
    deadline = time.monotonic() + 120
    while live and time.monotonic() < deadline:
        live = [r for r in live if (info := read_run(r.path)) is not None and info.active]
        time.sleep(0.5)  # other processes' files: nothing to wait on
    for run in live:
        if run.pid:
            try:
                os.kill(run.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def server_kernels(voila_server):
    """A function giving the PIDs of the Voila server's kernels at the moment it is called."""
    server, _ = voila_server
    return lambda: set(_kernels(server))


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install '.[test]')"
    )
    sync_playwright = sync_api.sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@contextmanager
def open_app(browser, server, url, width: int = 1500, height: int = 1000, on_page=None):
    """A fresh page (and so a fresh kernel) showing the app at ``width`` x ``height``, once Start is on screen;
    ``on_page(page)`` is called before the page loads (to listen from its first request on).

    At exit the page is closed the way a user closes the tab (its unload handler asks Voila to shut the kernel
    down), and the kernel is waited for: a kernel left running, possibly still training, would take the CPU from
    the next test on a 2-core machine.
    """
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    start_trace(page, _test_name(), ARTIFACTS)
    if on_page is not None:
        on_page(page)
    ours: set[int] = set()
    try:
        page.goto(url, wait_until="commit")
        page.locator(".wb-start button, button.wb-start").first.wait_for(
            state="visible", timeout=APP_TIMEOUT_MS
        )
        ours = page_kernel(server, page)
        yield page
    except Exception:
        _remember(page, "page opened in the test, at the failure")  # it is closed below, before the report
        raise
    finally:
        ours |= page_kernel(server, page)  # after a reload: its new kernel too
        try:
            if not page.is_closed():
                page.close(run_before_unload=True)
            context.close()
        except Exception:  # noqa: BLE001 - a crashed page: the test's own error is the one to see
            pass
        deadline = time.monotonic() + 30
        while ours & set(_kernels(server)) and time.monotonic() < deadline:
            time.sleep(0.2)  # polling /proc for the kernel to exit: no event to wait on
        for pid in ours & set(_kernels(server)):
            os.kill(
                pid, signal.SIGKILL
            )  # the shutdown request was lost; do not let it run under the next test


@pytest.fixture
def app(browser, voila_server):
    """The app in a fresh page at 1500 x 1000."""
    server, url = voila_server
    with open_app(browser, server, url) as page:
        yield page


@pytest.fixture
def small_app(browser, voila_server):
    """The app in a fresh page at 1024 x 768 (a laptop screen)."""
    server, url = voila_server
    with open_app(browser, server, url, 1024, 768) as page:
        yield page
