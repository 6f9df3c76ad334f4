"""Start background work once a Voila page has fetched its widgets, not while it is fetching them; and notice
when a pre-heated page kernel finally gets its page.

A served page's kernel builds the app, then waits for the page's scripts: the page's widget manager opens the
``jupyter.widget.control`` comm and asks for every widget's state (``request_states``); the kernel's answer is its
share of the first paint. The app's datasets load in a background thread, and loading the first one imports
``datasets``, pandas and pyarrow (about 2.4 s of CPU on this machine's cores, mostly holding the GIL): started with
the app, that import competed with the answer for the GIL and with the browser for the cores. In a Voila page
(its kernel has ``VOILA_REQUEST_URL`` in its environment) :func:`after_widgets_sent` therefore runs the work right
after the answer is sent, or after :data:`FALLBACK_S` if no page asks (a request that never loads the scripts);
anywhere else (a notebook, a test) it runs the work at once.

``workbench app`` serves with a pool of pre-heated kernels (Voila's ``preheat_kernel``): the app is built and its
data loaded before anyone asks for a page (such a kernel has ``VOILA_PREHEAT=True`` in its environment), so the
work runs at once there too; and whatever the app read from the shared folders at build time (the run under way,
the autosaved settings, the runs list) may be stale when the page comes: :func:`on_page_open` runs a refresh when
the page asks for its widgets, and once they are sent touches the file the server names in
:data:`PAGE_SIGNAL_ENV`: the server starts the next pre-heated kernel then (``workbench.ui.voila_config``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from .voila_config import PAGE_SIGNAL_ENV

log = logging.getLogger(__name__)

CONTROL_TARGET = "jupyter.widget.control"  # ipywidgets' comm for the front end's whole-state request
FALLBACK_S = 8.0
# The longest a pre-heated page's widgets wait for the refresh on opening. The page's widget manager gives the kernel
# 4 s to answer its request for the widgets' states (Voila's widgets-manager8: "Control comm did not respond in
# time"), then falls back to another path; what the refresh has not done after this wait reaches the page as updates.
REFRESH_WAIT_S = 1.0


def preheated() -> bool:
    """Whether this kernel was started ahead of its page, into Voila's pool of pre-heated kernels."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def in_voila_page() -> bool:
    """Whether this kernel serves a Voila page that is waiting for it (Voila sets the page's URL in the
    environment of a kernel it starts for a request; a pre-heated kernel has no page waiting yet)."""
    return bool(os.environ.get("VOILA_REQUEST_URL")) and not preheated()


def after_widgets_sent(work: Callable[[], None], fallback_s: float = FALLBACK_S) -> bool:
    """Run ``work`` once, after the page has been sent its widgets' states (a page waiting for this kernel), else
    now (a notebook, a test, a pre-heated kernel).

    Returns:
        Whether ``work`` waits for the page (False: it has run already).
    """
    manager = _comm_manager() if in_voila_page() else None
    if manager is not None and _when_states_sent(manager, work, fallback_s):
        return True
    if preheated() and _after_this_cell(work):
        return False  # nobody waits; but the cell's own output (the app's view) goes out first
    work()
    return False


def _after_this_cell(work: Callable[[], None]) -> bool:
    """Run ``work`` once, when the cell being run has finished (IPython's ``post_run_cell``); False outside
    IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        return False
    shell = get_ipython()
    if shell is None:
        return False

    def ran(result=None) -> None:
        shell.events.unregister("post_run_cell", ran)
        work()

    shell.events.register("post_run_cell", ran)
    return True


def on_page_open(work: Callable[[], None]) -> bool:
    """In a pre-heated kernel, run ``work`` once when its page asks for the widgets' states (the page has come),
    before they are sent: the page's first paint shows what ``work`` refreshed. Elsewhere nothing (the app was
    built for the page that asked for it).

    Returns:
        Whether ``work`` will run.
    """
    manager = _comm_manager() if preheated() else None
    return manager is not None and _when_states_sent(
        manager, work, None, before=True, then=signal_page_served
    )


def signal_page_served() -> None:
    """Tell the server this kernel's page has been sent its widgets: touch the file it names in
    :data:`PAGE_SIGNAL_ENV` (nothing when it names none, or the file cannot be touched)."""
    path = os.environ.get(PAGE_SIGNAL_ENV)
    if path:
        try:
            Path(path).touch()
        except OSError:
            log.debug("could not touch the page signal %s", path)


def _when_states_sent(
    manager,
    work: Callable[[], None],
    fallback_s: float | None,
    *,
    before: bool = False,
    then: Callable[[], None] | None = None,
) -> bool:
    """Run ``work`` once after ipywidgets has answered the page's ``request_states`` (``before``: just before it
    answers), or after ``fallback_s``; ``then`` after each answer. False when ipywidgets has no control comm target
    to wrap."""
    inner = manager.targets.get(CONTROL_TARGET)
    if inner is None:
        return False
    lock, done = threading.Lock(), []

    def once() -> None:
        with lock:
            if done:
                return
            done.append(True)
        work()

    def guarded() -> None:
        try:
            once()
        except Exception:  # noqa: BLE001 - the page gets its widgets whatever the refresh did
            log.exception("refreshing the app for its page failed")

    def opened(comm, msg) -> None:
        inner(comm, msg)  # ipywidgets takes the comm and answers its messages
        handle = comm.handle_msg

        def handle_then_run(message) -> None:
            data = (message.get("content") or {}).get("data") or {}
            asks = data.get("method") == "request_states"
            if asks and before:
                # In a thread, waited for up to REFRESH_WAIT_S: the page gets its widgets whatever the refresh
                # does (a slow folder, a lock held by the loader) — at worst with the rest arriving as updates.
                refresh = threading.Thread(target=guarded, name="workbench-page-open", daemon=True)
                refresh.start()
                refresh.join(REFRESH_WAIT_S)
            handle(message)
            if asks and not before:  # the states are sent: the page builds its views now
                once()
            if asks and then is not None:
                then()

        comm.handle_msg = handle_then_run

    manager.register_target(CONTROL_TARGET, opened)
    if fallback_s is not None:
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
