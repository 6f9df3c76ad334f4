"""The Voila config refills the pool of pre-heated kernels once the page that took the last one has its widgets
(``workbench.ui.voila_config``): run in a child process with Voila's own modules, on asyncio, with short times."""

from __future__ import annotations

import json
import subprocess
import sys

from workbench.ui.voila_config import PAGE_SIGNAL_ENV, VOILA_CONFIG

# Executes the config as Voila would (with `c`), then times Voila's refill (its module's wait_before, replaced by
# the config) in three cases. Prints one JSON line.
SCRIPT = f"""
import asyncio, json, os, sys, time, types
c = types.SimpleNamespace(Voila=types.SimpleNamespace())
ns = {{"c": c}}
exec(compile(open(sys.argv[1]).read(), "voila.py", "exec"), ns)
import voila.voila_kernel_manager as vkm
from voila.handler import VoilaHandler
assert vkm.wait_before is ns["_refill_after_page"]
signal = os.environ["{PAGE_SIGNAL_ENV}"]
ns["_REFILL_MAX_S"] = 1.5

async def started():
    return time.monotonic()

async def refill(after=None):
    t0 = time.monotonic()
    task = asyncio.ensure_future(vkm.wait_before(0.2, started()))
    if after:
        await asyncio.sleep(0.3)
        await after()
    return round(await task - t0, 2)

async def page_served():
    open(signal, "a").close(); os.utime(signal)

async def another_page():
    handler = VoilaHandler.__new__(VoilaHandler)
    handler._finished = True
    try:
        await VoilaHandler.prepare(handler)  # the wrapper notes the request first; the rest needs a server
    except Exception:
        pass

async def main():
    return {{
        "first_fill": round(await vkm.wait_before(0, started()) - time.monotonic(), 2),
        "served": await refill(page_served),
        "another_page": await refill(another_page),
        "no_page": await refill(),
        "signal_dir": os.path.dirname(signal),
    }}

print(json.dumps(asyncio.run(main())))
"""


def test_the_next_kernel_starts_after_the_page_is_served_or_another_page_asks_or_at_the_latest(tmp_path):
    config = tmp_path / "voila.py"
    config.write_text(VOILA_CONFIG, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(config)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    times = json.loads(out.strip().splitlines()[-1])
    assert times["first_fill"] <= 0.05  # the pool's first fill, at the server's start, waits for nothing
    assert 0.45 <= times["served"] < 1.2  # the signal at 0.3 s, then fill_delay (0.2 s)
    assert 0.25 <= times["another_page"] < 0.6  # a second page asks at 0.3 s: at once
    assert 1.45 <= times["no_page"] < 2.5  # nobody signals: at the latest (1.5 s)
    import os

    assert not os.path.exists(times["signal_dir"])  # removed when the server exits
