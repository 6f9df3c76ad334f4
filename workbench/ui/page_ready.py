"""Start background work once a Voila page has fetched its widgets, not while it is fetching them.

A served page's kernel builds the app, then waits for the page's scripts: the page's widget manager opens the
``jupyter.widget.control`` comm and asks for every widget's state (``request_states``); the kernel's answer is its
share of the first paint. The app's datasets load in a background thread, and loading the first one imports
``datasets``, pandas and pyarrow (about 2.4 s of CPU on this machine's cores, mostly holding the GIL): started with
the app, that import competed with the answer for the GIL and with the browser for the cores. In a Voila page
(its kernel has ``VOILA_REQUEST_URL`` in its environment) :func:`after_widgets_sent` therefore runs the work right
after the answer is sent, or after :data:`FALLBACK_S` if no page asks (a request that never loads the scripts);
anywhere else (a notebook, a test) it runs the work at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

CONTROL_TARGET = "jupyter.widget.control"  # ipywidgets' comm for the front end's whole-state request
FALLBACK_S = 8.0


def in_voila_page() -> bool:
    """Whether this kernel serves a Voila page (Voila sets the page's URL in its kernels' environment)."""
    return bool(os.environ.get("VOILA_REQUEST_URL"))


def after_widgets_sent(work: Callable[[], None], fallback_s: float = FALLBACK_S) -> bool:
    """Run ``work`` once, after the page has been sent its widgets' states (Voila page), else now.

    Returns:
        Whether ``work`` waits for the page (False: it has run already).
    """
    manager = _comm_manager() if in_voila_page() else None
    inner = manager.targets.get(CONTROL_TARGET) if manager is not None else None
    if inner is None:
        work()
        return False
    lock, done = threading.Lock(), []

    def once() -> None:
        with lock:
            if done:
                return
            done.append(True)
        work()

    def opened(comm, msg) -> None:
        inner(comm, msg)  # ipywidgets takes the comm and answers its messages
        handle = comm.handle_msg

        def handle_then_run(message) -> None:
            handle(message)
            data = (message.get("content") or {}).get("data") or {}
            if data.get("method") == "request_states":  # the states are sent: the page builds its views now
                once()

        comm.handle_msg = handle_then_run

    manager.register_target(CONTROL_TARGET, opened)
    timer = threading.Timer(fallback_s, once)
    timer.daemon = True
    timer.start()
    return True


def _comm_manager():
    try:
        from comm import get_comm_manager

        return get_comm_manager()
    except Exception:  # noqa: BLE001 - no kernel (a script): nothing to wait for
        return None
