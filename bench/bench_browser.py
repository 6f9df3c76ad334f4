"""Browser benchmarks: the real app, started by the real CLI, served by Voila, driven by Playwright in Chromium.

- ``app_first_paint_s``: from navigation (the page requested, once a freshly spawned
  ``.venv/bin/workbench app --port P`` accepts connections and has built its pre-heated kernel: a server that is
  up) until the Model panel (``.wb-panel-model``) is visible; ``app_ready_s``: until the Start button
  (``button.wb-start``) is enabled. Each also from the spawn (``*_from_spawn_s``, the figure's definition before
  2026-12-02), and ``next_page_first_paint_s``: a second page asked for right after the first (the pool is being
  refilled). The browser is launched beforehand (not counted).
- ``ui_roundtrip_ms_during_training``: with the default demo run training, pick the other dataset in the Data
  tab's *Preview* dropdown (a control that stays enabled during a run) and time, in the page, from the ``change``
  event until the kernel's answer has re-rendered the preview table (the kernel-side observer sets
  ``Session.selected``, which re-renders the preview HTML). Samples count only when the run status shown in the
  page is ``training`` before and after the round trip. The same is measured while idle, for comparison.

Run as ``python bench/bench_browser.py [--trials N] [--samples N]``; prints one JSON line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import ROOT, WORK, bench_env, emit, load, percentile  # noqa: E402

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
CLI = ROOT / ".venv" / "bin" / "workbench"
APP_TIMEOUT_S = 300

# Runs in the page: pick option `index` of the Preview dropdown, resolve with the milliseconds until the preview
# table under it has changed (null after 30 s), and the run status before and after.
ROUNDTRIP_JS = """
async (index) => {
  const status = () => { const el = document.querySelector('.wb-status [data-status]');
                         return el ? el.getAttribute('data-status') : null; };
  const panel = document.querySelector('.wb-panel-dataset');
  const box = [...panel.querySelectorAll('.widget-dropdown')]
      .find(d => { const l = d.querySelector('label'); return l && l.textContent.trim() === 'Preview'; });
  if (!box) return {error: 'no Preview dropdown in the Data panel'};
  const select = box.querySelector('select');
  const preview = panel.querySelector('.wb-data-preview');
  if (!preview) return {error: 'no preview (.wb-data-preview) in the Data panel'};
  if (select.selectedIndex === index) return {error: 'already selected', index};
  const before = preview.innerHTML;
  const statusBefore = status();
  const ms = await new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      if (preview.innerHTML !== before) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(preview, {childList: true, subtree: true, characterData: true, attributes: true});
    const t0 = performance.now();
    select.selectedIndex = index;
    select.dispatchEvent(new Event('change', {bubbles: true}));
    setTimeout(() => { obs.disconnect(); resolve(null); }, 30000);
  });
  return {ms, statusBefore, statusAfter: status(), options: select.options.length};
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`workbench app` exited with code {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # a port that is not open yet: nothing to wait on but the clock
    raise RuntimeError(f"`workbench app` did not listen on port {port} within {timeout:.0f} s")


class App:
    """``workbench app`` in a subprocess (own process group), with its home and runs under bench/_work."""

    def __init__(self, name: str):
        self.home = WORK / name
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        self.port = free_port()
        self.log = open(self.home / "server.log", "w")  # noqa: SIM115 - closed in stop()
        env = bench_env(WORKBENCH_HOME=self.home, WORKBENCH_RUNS=self.home / "runs")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [
                str(CLI),
                "app",
                "--port",
                str(self.port),
                "--preheat",
                os.environ.get("WORKBENCH_BENCH_PREHEAT", "1"),
            ],
            env=env,
            cwd=str(self.home),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        """Stop the CLI, its Voila server and the kernels it started (by pid; nothing else)."""
        try:
            import psutil

            children = psutil.Process(self.proc.pid).children(recursive=True)
        except Exception:  # noqa: BLE001 - already gone
            children = []
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # serve() turns Ctrl+C into a clean Voila shutdown
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        for child in children:
            try:
                child.wait(timeout=10)
            except Exception:  # noqa: BLE001 - still running (or gone): make sure it is gone
                try:
                    child.kill()
                except Exception:  # noqa: BLE001
                    pass
        self.log.close()


POOL_FILLED = "is filled with"  # Voila's log line once its pre-heated kernels are ready


def wait_pool(app: App, timeout: float, quiet_s: float = 2.0) -> float | None:
    """Seconds since the spawn until Voila's pre-heated kernel is ready: the pool is filled (Voila's log: the
    kernel started) and the kernel has run the app (its CPU time still for ``quiet_s``). None: no pool."""
    import psutil

    deadline = time.monotonic() + timeout
    log = app.home / "server.log"
    while POOL_FILLED not in log.read_text(errors="replace"):
        if app.proc.poll() is not None:
            raise RuntimeError(f"`workbench app` exited with code {app.proc.returncode}")
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)  # another process's log: nothing to wait on but the clock
    last, still_since = None, time.monotonic()
    while time.monotonic() < deadline:
        cpu = 0.0
        for proc in psutil.Process(app.proc.pid).children(recursive=True):
            try:
                if "ipykernel" in " ".join(proc.cmdline()):
                    times = proc.cpu_times()
                    cpu += times.user + times.system
            except psutil.Error:
                continue
        if cpu != last:
            last, still_since = cpu, time.monotonic()
        elif time.monotonic() - still_since >= quiet_s:
            return round(still_since - app.started, 3)
        time.sleep(0.2)  # another process's CPU time: nothing to wait on but the clock
    return None


def navigate(browser, app: App) -> tuple:
    """A new page asked for the app; returns (context, page, the monotonic time of the navigation) once the Model
    panel is visible."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(APP_TIMEOUT_S * 1000)
    t_nav = time.monotonic()
    page.goto(app.url, wait_until="commit")
    page.locator(".wb-panel-model").first.wait_for(state="visible")
    return context, page, t_nav


def paint_s(browser, app: App) -> float:
    """Seconds from navigation until the Model panel of a new page is visible (the page is closed after)."""
    context, _, t_nav = navigate(browser, app)
    took = round(time.monotonic() - t_nav, 3)
    context.close()
    return took


def open_app(browser, app: App) -> tuple:
    """Open the app in a new page once the server is ready (listening, its pre-heated kernel built); returns
    (page, context, timings since the CLI was spawned)."""
    wait_port(app.port, app.proc, APP_TIMEOUT_S)
    t_listen = time.monotonic() - app.started
    t_pool = wait_pool(app, 120)
    context, page, t_nav = navigate(browser, app)
    t_paint = time.monotonic() - app.started
    paint_nav = time.monotonic() - t_nav
    page.locator("button.wb-start:enabled").first.wait_for(state="visible")
    t_ready = time.monotonic() - app.started
    ready_nav = time.monotonic() - t_nav
    page.locator(".wb-datasets", has_text="ready").first.wait_for(state="attached")
    page.wait_for_function("() => !document.querySelector('.wb-datasets').innerText.includes('loading')")
    t_data = time.monotonic() - app.started
    kernel = kernel_memory(app)
    return (
        page,
        context,
        {
            "listen_s": round(t_listen, 3),
            "pool_ready_s": t_pool,  # the pre-heated kernel built (None: the server keeps no pool)
            "first_paint_s": round(paint_nav, 3),  # after navigation (the page requested)
            "ready_s": round(ready_nav, 3),
            "first_paint_from_spawn_s": round(t_paint, 3),  # after `workbench app` was spawned
            "ready_from_spawn_s": round(t_ready, 3),
            "datasets_loaded_s": round(t_data, 3),
            "kernel": kernel,
        },
    )


def kernel_memory(app: App) -> dict:
    """The page kernel's memory once the page is ready and its datasets are loaded: RSS (MB) of each kernel the
    app's server started, and whether torch is loaded in it (its shared library mapped)."""
    import psutil

    out = []
    for proc in psutil.Process(app.proc.pid).children(recursive=True):
        try:
            cmd = " ".join(proc.cmdline())
            if "ipykernel" not in cmd:
                continue
            maps = Path(f"/proc/{proc.pid}/maps").read_text(errors="replace")
            out.append(
                {
                    "pid": proc.pid,
                    "rss_mb": round(proc.memory_info().rss / 2**20, 1),
                    "torch_loaded": "libtorch" in maps,
                    "sentence_transformers_loaded": "sentence_transformers" in maps,
                }
            )
        except (psutil.Error, OSError):
            continue
    return {"kernels": out, "rss_mb": max((k["rss_mb"] for k in out), default=None)}


def status(page) -> str | None:
    return page.locator(".wb-status [data-status]").first.get_attribute("data-status")


def open_tab(page, title: str, panel: str) -> None:
    tab = page.locator(".lm-TabBar-tab", has_text=title).first
    for _ in range(12):
        tab.click()
        try:
            page.locator(f".wb-panel-{panel}").first.wait_for(state="visible", timeout=5000)
            return
        except Exception:  # noqa: BLE001 - a click that landed while the page was busy: click again
            continue
    raise RuntimeError(f"the {title} tab did not open")


def roundtrips(page, n: int, *, while_status: str | None, deadline: float, restart: bool = False) -> dict:
    """Toggle the Preview dropdown ``n`` times; keep samples taken entirely while ``while_status`` holds."""
    samples, skipped, timeouts, runs = [], 0, 0, 0
    index = 1
    while len(samples) < n and time.monotonic() < deadline:
        if restart and status(page) in ("finished", "stopped", "error", "idle"):
            page.locator("button.wb-start").click()
            page.locator(".wb-status [data-status='training']").first.wait_for(state="attached")
            runs += 1
        out = page.evaluate(ROUNDTRIP_JS, index)
        if out.get("error") == "already selected":
            index = 1 - index
            continue
        if out.get("error"):
            raise RuntimeError(out["error"])
        index = 1 - index
        if out["ms"] is None:
            timeouts += 1
        elif while_status is None or out["statusBefore"] == out["statusAfter"] == while_status:
            samples.append(round(out["ms"], 1))
        else:
            skipped += 1
        page.wait_for_timeout(150)  # a person's pace between two changes, not a synchronisation
        if (
            timeouts >= 3 and not samples
        ):  # no figure rather than a null one (2026-12-05: 18 timeouts, 0 samples)
            raise RuntimeError(
                f"{timeouts} changes of the Preview choice never redrew the preview: check ROUNDTRIP_JS"
            )
    return {
        "samples_ms": samples,
        "n": len(samples),
        "p50_ms": _r(percentile(samples, 50)),
        "p95_ms": _r(percentile(samples, 95)),
        "max_ms": max(samples) if samples else None,
        "timeouts": timeouts,
        "skipped_not_training": skipped,
        "extra_runs_started": runs,
    }


def _r(x):
    return None if x is None else round(x, 1)


def run(
    trials: int = 3, samples: int = 40, idle_samples: int = 10, roundtrip: bool = True, paint: bool = True
) -> dict:
    from playwright.sync_api import sync_playwright

    result: dict = {"chromium": CHROMIUM, "flags": CHROMIUM_FLAGS}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            paint_trials = []
            kept = None
            n_trials = max(1, trials if paint else 1)
            for i in range(n_trials):
                app = App(f"app-home-{i}")
                load_at = load()
                try:
                    page, context, timings = open_app(browser, app)
                except Exception:
                    app.stop()
                    raise
                if i == 0:  # the Training settings tab builds its form from the library's TrainingArguments
                    open_tab(page, "Training settings", "args")
                    page.locator(".wb-arg-max_steps").first.wait_for(state="attached")
                    timings["kernel_after_args_tab"] = kernel_memory(app)
                # A second page right after (a reload, a colleague): the pool is being refilled.
                timings["next_page_first_paint_s"] = paint_s(browser, app)
                paint_trials.append({**timings, "load": load_at})
                if roundtrip and i == n_trials - 1:
                    kept = (app, page, context)
                else:
                    context.close()
                    app.stop()
            if paint:
                result["first_paint"] = paint_trials
            if kept is not None:
                app, page, context = kept
                try:
                    result["roundtrip"] = _roundtrip(page, samples, idle_samples)
                finally:
                    context.close()
                    app.stop()
        finally:
            browser.close()
    return result


def _roundtrip(page, samples: int, idle_samples: int) -> dict:
    # "Idle" means after the app's background warm-up import of sentence-transformers: the Training settings form
    # is built from the library's TrainingArguments, so once it shows, the import is done.
    open_tab(page, "Training settings", "args")
    page.locator(".wb-arg-max_steps").first.wait_for(state="attached")
    open_tab(page, "Data", "dataset")
    page.locator(".wb-panel-dataset .wb-preview").first.wait_for(state="visible")
    idle = roundtrips(page, idle_samples, while_status="idle", deadline=time.monotonic() + 300)
    load_start = load()
    page.locator("button.wb-start").click()
    page.locator(".wb-status [data-status='training']").first.wait_for(state="attached", timeout=600_000)
    training = roundtrips(
        page, samples, while_status="training", deadline=time.monotonic() + 900, restart=True
    )
    load_end = load()
    if status(page) in ("loading", "baseline", "training", "saving"):
        page.locator("button.wb-stop").click()
        page.locator(
            ".wb-status [data-status='stopped'], .wb-status [data-status='finished'], "
            ".wb-status [data-status='error']"
        ).first.wait_for(state="attached", timeout=600_000)
    return {
        "idle": idle,
        "training": training,
        "load_start": load_start,
        "load_end": load_end,
        "method": "browser: Chromium + Playwright against `workbench app` (Voila); the Data tab's Preview "
        "dropdown -> kernel observer (Session.selected) -> preview table re-rendered; timed in the "
        "page with performance.now() and a MutationObserver",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--idle-samples", type=int, default=10)
    parser.add_argument("--no-roundtrip", action="store_true")
    parser.add_argument("--no-paint", action="store_true")
    opts = parser.parse_args(argv)
    emit(
        run(
            opts.trials,
            opts.samples,
            opts.idle_samples,
            roundtrip=not opts.no_roundtrip,
            paint=not opts.no_paint,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
