"""The Voila config ``workbench app`` writes into the workbench home and starts Voila with (``voila.py``).

What it does, each to a part of Voila or jupyter_server that no setting reaches (check them when those upgrade):

- the server's token comes from its environment (never its command line) and is removed from it;
- the page handler reads the XSRF token while it prepares (a closed page's shutdown request needs the cookie);
- the page goes out without Font Awesome links to a CDN, and names in its head the scripts it fetches late
  (:mod:`workbench.ui.preload`);
- the pool of pre-heated kernels is refilled once the page that took the last kernel has its widgets
  (:data:`PAGE_SIGNAL_ENV`), not at a fixed delay: a kernel starting takes a core and the server's event loop for
  seconds, and on a slow machine the fixed delay put it in the middle of that page's kernel connection (first
  paint 6.1-7.7 s against 5.1-6.0 s with the refill out of the way, three interleaved pairs, 2026-12-04).
"""

from __future__ import annotations

PAGE_SIGNAL_ENV = "WORKBENCH_PAGE_SIGNAL"  # the file a page kernel touches once its page has its widgets

VOILA_CONFIG = '''\
"""Voila config written by workbench.ui.serve: a closed page can shut its kernel down (see serve.py), and
the server asks for the token serve chose (in its environment, not on the command line that `ps` shows), and
the page goes out without links to a CDN, naming in its head the scripts it fetches late (workbench.ui.preload),
and the next pre-heated kernel starts once the page that took the last one has its widgets
(workbench.ui.voila_config)."""
import asyncio
import os
import re
import tempfile
import time

_token = os.environ.pop("WORKBENCH_SERVER_TOKEN", None)  # popped: the page kernels and runs never see it
if _token:
    c.Voila.token = _token  # noqa: F821
_preload = os.environ.pop("WORKBENCH_PAGE_PRELOAD", "")


def _with_xsrf_cookie(prepare):
    """Read the XSRF token while the page's request is prepared, so that tornado sets the _xsrf cookie the page's
    shutdown request sends back: for every page, rendered for it or taken from the pre-heated pool."""

    async def prepare_and_set_cookie(self, *args, **kwargs):
        _last_page[0] = time.monotonic()  # a page is asked for: a refill waiting for the last page starts now
        result = await prepare(self, *args, **kwargs)
        if not self._finished:  # not sent to the login page
            self.xsrf_token
        return result

    prepare_and_set_cookie.workbench_xsrf = True
    return prepare_and_set_cookie


# Voila's lab template links Font Awesome from a CDN in the page's head; its own scripts carry the same icons.
# A stylesheet in the head holds the page's first paint until it loads or fails: behind a firewall that drops
# packets to the internet, for as long as the connection takes to time out, and every page tells the CDN who
# opened it. The page goes out without those links.
_CDN_LINK = re.compile(r'<link rel="stylesheet" href="https://cdn[.]jsdelivr[.]net/npm/@fortawesome/[^"]*"[^>]*>')


def _without_cdn_links(write):
    def write_page(self, chunk, *args, **kwargs):
        if isinstance(chunk, str) and "cdn.jsdelivr.net" in chunk:
            chunk = _CDN_LINK.sub("", chunk)
        if _preload and isinstance(chunk, str) and "<head>" in chunk and not getattr(self, "_wb_head", False):
            self._wb_head = True  # the page's own head, once (not a "<head>" in what it writes later)
            base = getattr(self, "base_url", "/") or "/"  # under a prefix (Voila.base_url) the paths are below it
            chunk = chunk.replace("<head>", "<head>" + _preload.replace('href="/', f'href="{base}'), 1)
        return write(self, chunk, *args, **kwargs)

    write_page.workbench_offline = True
    return write_page


# The next pre-heated kernel (Voila's refill of its pool) is started once the page that took the last one has been
# sent its widgets: a kernel starting takes the server's event loop and a core for seconds, and started at a fixed
# delay it fell in the middle of that page's kernel connection on a slow machine. The page kernel touches the
# file named in WORKBENCH_PAGE_SIGNAL when it has answered the page (workbench.ui.page_ready); the refill then
# waits Voila's fill_delay more (the page draws), starts at once when another page is asked for meanwhile (it
# would wait for this kernel), and at the latest _REFILL_MAX_S after the kernel was taken (a request that never
# loads the page's scripts: a page on a busy machine may take tens of seconds to ask for its widgets).
_REFILL_MAX_S = 60.0
_last_page = [0.0]
_signal_dir = tempfile.mkdtemp(prefix="workbench-voila-")
_signal = os.environ["WORKBENCH_PAGE_SIGNAL"] = os.path.join(_signal_dir, "page-served")


def _page_served_since(wall: float) -> bool:
    try:
        return os.stat(_signal).st_mtime >= wall
    except OSError:
        return False


async def _refill_after_page(delay, aw):
    if delay > 0:  # 0: the pool's first fill, when the server starts
        wall, asked = time.time(), time.monotonic()
        while time.monotonic() - asked < _REFILL_MAX_S and _last_page[0] <= asked:
            if _page_served_since(wall):
                await asyncio.sleep(delay)
                break
            await asyncio.sleep(0.05)
    return await aw


def _remove_signal():
    for path in (_signal, _signal_dir):
        try:
            (os.remove if path == _signal else os.rmdir)(path)
        except OSError:
            pass


import atexit  # noqa: E402
import importlib  # noqa: E402

from voila.handler import VoilaHandler  # noqa: E402

_kernel_manager = importlib.import_module("voila.voila_kernel_manager")
atexit.register(_remove_signal)
_kernel_manager.wait_before = _refill_after_page  # looked up when Voila fills its pool

if not getattr(VoilaHandler.prepare, "workbench_xsrf", False):
    VoilaHandler.prepare = _with_xsrf_cookie(VoilaHandler.prepare)
if not getattr(VoilaHandler.write, "workbench_offline", False):
    VoilaHandler.write = _without_cdn_links(VoilaHandler.write)
'''
