"""The heavy imports the app starts (sentence-transformers, its trainers, datasets), done once under one lock."""

from __future__ import annotations

import logging
import threading

from ..catalog import warm_modules

# The logger keeps its old name, so logging configured for the Session still sees warm-up failures.
log = logging.getLogger("workbench.state")

# Two threads importing sentence-transformers at the same time can see a half-initialised module ("cannot import
# name ... from partially initialized module"). Every heavy import the app starts goes through this lock.
HEAVY_LOCK = threading.RLock()


def steady_progress_bars() -> None:
    """Give tqdm's base class its lock for good. `datasets` reads files through tqdm's ``thread_map``, whose
    ``ensure_lock`` creates the class lock when there is none and *deletes* it at the end: a dataset loading in
    another thread of this kernel meanwhile (the demo loading while a file is uploaded) then fails with "type
    object 'tqdm' has no attribute '_lock'". With a lock on the base class every progress-bar class inherits it,
    and ``ensure_lock`` puts it back instead of deleting it."""
    from tqdm import std

    std.tqdm.get_lock()


steady_progress_bars()  # before any thread of this kernel loads data


def warm_up() -> None:
    """Import the heavy libraries once, under HEAVY_LOCK (later imports of them are dictionary lookups)."""
    import importlib

    with HEAVY_LOCK:
        for name in warm_modules():
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - the run reports a missing library properly
                log.warning("warm-up import of %s failed: %s", name, exc)
