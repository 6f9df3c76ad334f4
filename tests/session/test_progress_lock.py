"""Two datasets loading at once in one kernel (the demo while a file is uploaded): `datasets` reads files through
tqdm's thread_map, whose ensure_lock deletes the progress-bar class lock it created, and a bar of the other load
then failed with "type object 'tqdm' has no attribute '_lock'" (seen in the browser tests: the upload refused as
an unreadable CSV). The session layer gives tqdm's base class a lock for good."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from datasets.utils import tqdm as datasets_tqdm
from tqdm import std
from tqdm.contrib.concurrent import ensure_lock

from workbench.session.heavy import steady_progress_bars

CLASSES = (std.tqdm, datasets_tqdm)


@pytest.fixture
def no_locks():
    """tqdm as a fresh process has it: no class holds a lock yet (the locks are put back after)."""
    saved = {cls: cls.__dict__["_lock"] for cls in CLASSES if "_lock" in cls.__dict__}
    for cls in saved:
        delattr(cls, "_lock")
    yield
    for cls in CLASSES:
        if "_lock" in cls.__dict__:
            delattr(cls, "_lock")
    for cls, lock in saved.items():
        cls._lock = lock


def a_bar_across_a_thread_map() -> None:
    """A progress bar of one load, made while another load's thread_map holds the lock and closed after it ends."""
    with ensure_lock(datasets_tqdm):
        bar = datasets_tqdm(total=2, file=io.StringIO(), disable=False)
    bar.update(2)
    bar.close()


def test_without_a_base_lock_the_other_load_fails(no_locks):
    with pytest.raises(AttributeError, match="_lock"):
        a_bar_across_a_thread_map()


def test_with_the_base_lock_both_loads_go_on(no_locks):
    steady_progress_bars()
    a_bar_across_a_thread_map()
    a_bar_across_a_thread_map()
    assert "_lock" in std.tqdm.__dict__


def test_the_session_layer_sets_the_lock_when_it_is_imported():
    code = "import workbench.session, tqdm.std as s; print('_lock' in s.tqdm.__dict__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
