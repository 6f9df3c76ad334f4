"""Session -> widgets refreshes that run in more than one thread.

A panel's refresh runs when the session changes, in whichever thread changed it: the UI thread (a click), the
loading thread (a dataset finished loading), an upload's thread. Two refreshes of one object at the same time can
end in the wrong order: the one that read the session before a change writes its widgets after the one that read
it after, and the widgets keep a stale choice. :func:`one_at_a_time` runs an object's refreshes one after the
other, each reading the latest state. (What the hard-negative wizard showed a few times on a busy machine, the demo
mined after an upload had replaced it, was a button read half-way through the upload's edit: see
``Session.editing``.)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable


def _lock_of(owner) -> threading.RLock:
    """The object's refresh lock, made on first use (``dict.setdefault`` is atomic: two threads get the same one);
    re-entrant: a refresh that sets a widget whose observer refreshes again."""
    lock = owner.__dict__.get("_wb_refresh_lock")
    return lock if lock is not None else owner.__dict__.setdefault("_wb_refresh_lock", threading.RLock())


def one_at_a_time(method: Callable) -> Callable:
    """Decorate a refresh method: one call at a time per object, across all methods so decorated."""

    @functools.wraps(method)
    def serialized(self, *args, **kwargs):
        with _lock_of(self):
            return method(self, *args, **kwargs)

    return serialized
