"""A Session's loaded datasets: rows, profiles and mapped shapes, cached by source, and the thread that loads them.

:class:`DataCache` holds what loading produced; it reports only through its host's traits (``loading``,
``data_errors``, ``data_version``), so panels can observe it from the UI thread while it loads in another. The
host is declared by :class:`LoadingHost` (the Session is one), and everything else the cache needs it is given
in ``__init__`` or per call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .datasets import DatasetEntry, data_key
from .heavy import HEAVY_LOCK, warm_up
from .wording import error_text


class LoadingHost(Protocol):
    """What a :class:`DataCache` reads and writes on its host."""

    loading: dict  # data key (or "upload:<file name>") -> True while loading
    data_errors: dict  # data key -> message
    data_version: int  # bumped after every load

    def entry(self, key: str) -> DatasetEntry | None: ...


class DataCache:
    """Rows (``raw``) and profiles (``profiles``) keyed by :func:`~.datasets.data_key`, and mapped shapes.

    Args:
        host: Where loading is reported (its ``loading`` / ``data_errors`` / ``data_version`` traits) and where
            dataset keys are looked up.
        background: Load in a background thread (False: in the calling thread; tests turn it off).
        on_loaded: Called with a dataset's key (``split/name``) in the loading thread once its rows are cached.
    """

    def __init__(
        self, host: LoadingHost, *, background: bool = True, on_loaded: Callable[[str], None] | None = None
    ):
        self.host = host
        self.background = background
        self.on_loaded = on_loaded or (lambda key: None)
        self.raw: dict[str, Any] = {}  # data key -> datasets.Dataset
        self.profiles: dict[str, Any] = {}  # data key -> DataProfile
        self.shapes: dict[tuple, Any] = {}  # (data key, inputs, label, label_range) -> DataShape
        self.lock = threading.Lock()

    # ---- reading the cache ----

    def rows(self, entry: DatasetEntry | None):
        """The loaded rows of a dataset (None while not loaded)."""
        return None if entry is None else self.raw.get(data_key(entry.spec))

    def profile(self, entry: DatasetEntry | None):
        """The profile of a dataset's rows (None while not loaded)."""
        return None if entry is None else self.profiles.get(data_key(entry.spec))

    def shape(self, entry: DatasetEntry, inputs: tuple, label: str | None, label_range):
        """The DataShape of a loaded dataset under a mapping (None while not loaded).

        Raises:
            WorkbenchError: the mapping names a column that is not in the data.
        """
        from .. import data

        ds, prof = self.rows(entry), self.profile(entry)
        if ds is None or prof is None:
            return None
        key = (data_key(entry.spec), inputs, label, label_range)
        if key not in self.shapes:
            self.shapes[key] = data.shape_of(prof, inputs, label, label_range, ds=ds)
        return self.shapes[key]

    # ---- loading ----

    def load(self, keys, background: bool | None = None, warm: bool = False) -> threading.Thread | None:
        """Load datasets into the cache (train datasets first: held-out parts need them); with ``warm`` the same
        thread then imports sentence-transformers (one thread does all heavy imports)."""
        host = self.host
        keys = sorted(keys, key=lambda k: 0 if k.startswith("train/") else 1)
        todo = [host.entry(k) for k in keys if host.entry(k) is not None]
        todo = [e for e in todo if data_key(e.spec) not in self.raw]
        if not todo and not warm:
            return None
        host.loading = {**host.loading, **{data_key(e.spec): True for e in todo}}
        return self._spawn(lambda: self._load_entries(todo, warm), "workbench-load", background)

    def _spawn(self, work: Callable[[], None], name: str, background: bool | None) -> threading.Thread | None:
        if not (self.background if background is None else background):
            work()
            return None
        thread = threading.Thread(target=work, name=name, daemon=True)
        thread.start()
        return thread

    def _load_entries(self, entries, warm: bool = False) -> None:
        from .. import data

        with self.lock:
            for entry in entries:
                self._load_one(data, entry)
        if warm:
            warm_up()

    def _load_one(self, data, entry: DatasetEntry) -> None:
        host, key = self.host, data_key(entry.spec)
        try:
            if key not in self.raw:
                train = None
                if entry.spec.source == "holdout":
                    of = host.entry(f"train/{entry.spec.of}")
                    train = {entry.spec.of: self._ensure_raw(of)} if of is not None else {}
                ds = data.load_raw(entry.spec, train_datasets=train, where=f"datasets.{entry.key}")
                self.profiles[key] = data.profile(ds)
                self.raw[key] = ds
            host.data_errors = {k: v for k, v in host.data_errors.items() if k != key}
            self.on_loaded(entry.key)
        except Exception as exc:  # noqa: BLE001 - reported in the Data panel
            host.data_errors = {**host.data_errors, key: error_text(exc)}
        finally:
            host.loading = {k: v for k, v in host.loading.items() if k != key}
            host.data_version += 1

    def _ensure_raw(self, entry: DatasetEntry):
        from .. import data

        key = data_key(entry.spec)
        if key not in self.raw:
            ds = data.load_raw(entry.spec, where=f"datasets.{entry.key}")
            self.profiles[key], self.raw[key] = data.profile(ds), ds
        return self.raw[key]

    def add_upload(
        self,
        filename: str,
        content: bytes,
        folder: Path,
        on_added: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        background: bool | None = None,
    ) -> threading.Thread | None:
        """Save an uploaded file under ``folder``, cache its rows, then ``on_added(spec)``; a bad file (or a
        failing ``on_added``) goes to ``on_error(exc)``. Both run in the loading thread."""
        busy = f"upload:{filename}"

        def work():
            from .. import data

            host = self.host
            try:
                # `datasets` hashes with transformers when it is imported: never while the warm-up thread is
                # still importing it (a half-initialised module fails the upload with an AttributeError).
                with HEAVY_LOCK:
                    spec, ds = data.from_upload(filename, content, folder)
                    key = data_key(spec)
                    self.raw[key], self.profiles[key] = ds, data.profile(ds)
                on_added(spec)
            except Exception as exc:  # noqa: BLE001 - a bad file is the person's input: say so in the panel
                on_error(exc)
            finally:
                host.loading = {k: v for k, v in host.loading.items() if k != busy}
                host.data_version += 1

        self.host.loading = {**self.host.loading, busy: True}
        return self._spawn(work, "workbench-upload", background)
