"""Loading a Session's datasets and uploads, in a background thread or in the caller's.

:class:`DataLoading` is a plain-method mixin of :class:`workbench.session.Session`: it defines no traits (the
Session declares ``loading``, ``data_errors``, ``data_version`` and ``datasets``) and no ``__init__`` (the
Session sets up ``raw``, ``profiles``, ``background`` and ``_data_lock``). Rows and profiles are cached in
``raw`` / ``profiles`` keyed by :func:`~.datasets.data_key`; the loader reports only through
trait assignments, so the panels can observe it from the UI thread.
"""

from __future__ import annotations

import threading

from .datasets import DatasetEntry, data_key
from .heavy import warm_up
from .paths import workbench_home
from .wording import error_text


class DataLoading:
    """The Session's dataset loading: ``load``/``load_all``, uploads, and the loader thread's work."""

    def load_all(self, background: bool | None = None, warm: bool = False) -> threading.Thread | None:
        """Load every dataset; with ``warm`` the same thread then imports sentence-transformers, so that the
        first Start and the training-settings form do not wait for it (one thread does all heavy imports)."""
        return self.load([e.key for e in self.datasets], background=background, warm=warm)

    def load(self, keys, background: bool | None = None, warm: bool = False) -> threading.Thread | None:
        """Load datasets into the cache (train datasets first: held-out parts need them)."""
        background = self.background if background is None else background
        keys = sorted(keys, key=lambda k: 0 if k.startswith("train/") else 1)
        todo = [self.entry(k) for k in keys if self.entry(k) is not None]
        todo = [e for e in todo if data_key(e.spec) not in self.raw]
        if not todo and not warm:
            return None
        self.loading = {**self.loading, **{data_key(e.spec): True for e in todo}}
        if not background:
            self._load_entries(todo, warm)
            return None
        thread = threading.Thread(
            target=self._load_entries, args=(todo, warm), name="workbench-load", daemon=True
        )
        thread.start()
        return thread

    def _load_entries(self, entries, warm: bool = False) -> None:
        from .. import data

        with self._data_lock:
            self._load_each(data, entries)
        if warm:
            warm_up()

    def _load_each(self, data, entries) -> None:
        for entry in entries:
            key = data_key(entry.spec)
            try:
                if key not in self.raw:
                    train = None
                    if entry.spec.source == "holdout":
                        of = self.entry(f"train/{entry.spec.of}")
                        train = {entry.spec.of: self._ensure_raw(of)} if of is not None else {}
                    ds = data.load_raw(entry.spec, train_datasets=train, where=f"datasets.{entry.key}")
                    self.profiles[key] = data.profile(ds)
                    self.raw[key] = ds
                self.data_errors = {k: v for k, v in self.data_errors.items() if k != key}
                self._suggest_for(entry.key)
            except Exception as exc:  # noqa: BLE001 - reported in the Data panel
                self.data_errors = {**self.data_errors, key: error_text(exc)}
            finally:
                self.loading = {k: v for k, v in self.loading.items() if k != key}
                self.data_version += 1

    def _ensure_raw(self, entry: DatasetEntry):
        from .. import data

        key = data_key(entry.spec)
        if key not in self.raw:
            ds = data.load_raw(entry.spec, where=f"datasets.{entry.key}")
            self.profiles[key], self.raw[key] = data.profile(ds), ds
        return self.raw[key]

    def add_upload(self, split: str, filename: str, content: bytes, *, background: bool | None = None):
        """Save an uploaded file under the workbench home, load it and add it as a dataset."""
        from pathlib import PurePath

        name = self.unique_name(split, PurePath(filename).stem.replace(" ", "_")[:40] or "upload")

        def work():
            from .. import data

            try:
                spec, ds = data.from_upload(filename, content, workbench_home() / "uploads")
                key = data_key(spec)
                self.raw[key], self.profiles[key] = ds, data.profile(ds)
                self.clear_error("dataset")
                self.add_dataset(split, name, spec, load=False)
                self.selected = f"{split}/{name}"
            except Exception as exc:  # noqa: BLE001 - a bad file is the person's input: say so in the panel
                self.report(exc, "dataset")
            finally:
                self.loading = {k: v for k, v in self.loading.items() if k != f"upload:{filename}"}
                self.data_version += 1

        self.loading = {**self.loading, f"upload:{filename}": True}
        if not (self.background if background is None else background):
            work()
            return None
        thread = threading.Thread(target=work, name="workbench-upload", daemon=True)
        thread.start()
        return thread
