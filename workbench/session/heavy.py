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


def warm_up() -> None:
    """Import the heavy libraries once, under HEAVY_LOCK (later imports of them are dictionary lookups)."""
    import importlib

    with HEAVY_LOCK:
        for name in warm_modules():
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - the run reports a missing library properly
                log.warning("warm-up import of %s failed: %s", name, exc)
