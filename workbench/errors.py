"""One error type for every problem a person can fix: what is wrong, where, and how to fix it; and a SIGTERM taken
as the Ctrl-C it stands for (the commands that stop gracefully on one do on the other)."""

from __future__ import annotations

import contextlib
import signal
import threading


class WorkbenchError(Exception):
    """A problem with the user's input, reported without a traceback.

    Args:
        message: What is wrong, in words a non-coder understands.
        fix: How to fix it (optional but strongly preferred).
        where: Which part of the configuration the problem belongs to, e.g. ``"datasets.train.stsb"``,
            ``"loss"``, ``"args.learning_rate"``. Panels use it to show the message in the right place.
    """

    def __init__(self, message: str, fix: str | None = None, where: str | None = None):
        self.message = message
        self.fix = fix
        self.where = where
        super().__init__(self.text)

    @property
    def text(self) -> str:
        """The message and the fix as one readable string."""
        parts = []
        if self.where:
            parts.append(f"[{self.where}] ")
        parts.append(self.message)
        if self.fix:
            parts.append(f" Fix: {self.fix}")
        return "".join(parts)


def nearest(name: str, candidates) -> str | None:
    """The closest valid name to ``name`` (for "did you mean" messages), or None."""
    import difflib

    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return found[0] if found else None


@contextlib.contextmanager
def sigterm_as_ctrl_c():
    """Within the block, SIGTERM (``kill``, a process manager, a batch system taking the machine back) raises
    KeyboardInterrupt as a Ctrl-C does: ``workbench train`` then stops after the current step and saves the model,
    ``workbench app`` takes its server down. Signals reach the main thread only: elsewhere it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
