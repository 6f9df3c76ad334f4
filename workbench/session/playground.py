"""The playground as the app sees it: which run and corpus, the query's results, and what is being done.

:class:`PlaygroundSession` is given the Session and binds to it: it lists the runs that saved a model
(``session.control.runs()``), follows the run the page shows (``session.run_dir``) when it ends with a model, and
runs searches and pair comparisons in a background thread that only assigns traits. Torch is imported, and the
models loaded, only when a search or comparison first runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import traitlets as T

from .. import data
from ..engine import (
    BASE,
    CorpusChoice,
    Playground,
    corpus_choices,
    file_corpus,
    load_corpus,
    pick_columns,
    trained_model_path,
)
from ..errors import WorkbenchError
from .paths import workbench_home
from .wording import ENDED, error_text

if TYPE_CHECKING:
    from .state import Session

WITH_MODEL = ("finished", "stopped")  # runs that can have saved a model
ROLE_NAMES = {BASE: "base", "trained": "trained"}


def run_label(info) -> str:
    """A run as the run picker shows it: folder name, model, data, and 'stopped' for a run that did not finish."""
    model = info.model.rstrip("/").rsplit("/", 1)[-1] or "?"
    state = "" if info.status == "finished" else f" ({info.status})"
    return f"{info.name} · {model} · {info.data or '?'}{state}"


class PlaygroundSession(T.HasTraits):
    """The state of the app's "Try it" tab.

    Args:
        session: The Session (its runs folder, the run it shows).
        background: Search in a background thread (False: in the calling thread; tests turn it off). Default:
            as the Session loads its data.
    """

    runs = T.Tuple()  # (label, run folder) of each run with a trained model, newest first
    run_dir = T.Unicode("")  # the run compared
    model_type = T.Unicode("")
    corpora = T.Tuple()  # the labels of the corpora offered: the run's datasets, then uploaded files
    corpus = T.Unicode("")  # the label of the corpus chosen
    busy = T.Bool(False)
    progress = T.Float(0.0)  # 0-1 while the corpus is encoded
    message = T.Unicode("")  # what is being done, or was done, in a sentence
    error = T.Unicode("")
    result = T.Dict()  # the last search: Comparison.to_dict()
    pair_result = T.Dict()  # the last pair: {"base": score, "trained": score}

    def __init__(self, session: Session, background: bool | None = None, **traits):
        super().__init__(**traits)
        self.session = session
        self.background = session.cache.background if background is None else background
        self._playgrounds: dict[str, Playground] = {}  # run folder -> its models, loaded once
        self._sources: dict[str, CorpusChoice | tuple[str, str | None]] = {}
        self._texts: dict[tuple, list[str]] = {}
        self._files: dict[str, tuple[str, str | None]] = {}  # uploaded corpora: label -> (path, column)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        session.observe(self._run_changed, names=["status", "run_dir"])
        self.refresh_runs()

    # ---- the run ----

    def refresh_runs(self) -> None:
        """List the runs with a trained model again; keep the run compared, else take the shown or newest one."""
        runs, s = [], self.session
        # The shown run counts as soon as the page saw it end (its status.json may be a moment behind).
        shown_ended = s.run_dir if s.status in ENDED else None
        for info in s.control.runs():
            if info.status not in WITH_MODEL and info.path != shown_ended:
                continue
            try:
                trained_model_path(info.path)
            except WorkbenchError:
                continue
            runs.append((run_label(info), info.path))
        self.runs = tuple(runs)
        paths = [path for _, path in runs]
        if self.run_dir in paths:
            return
        shown = s.run_dir
        if shown in paths:
            self.use_run(shown)
        elif paths:
            self.use_run(paths[0])

    def _run_changed(self, change=None) -> None:
        # The shown run just ended (or another was opened): offer it, with its model, at once.
        s = self.session
        if s.status in ENDED and s.run_dir and s.run_dir != self.run_dir:
            try:
                self.refresh_runs()
                if s.run_dir in [path for _, path in self.runs]:
                    self.use_run(s.run_dir)
            except Exception as exc:  # noqa: BLE001 - an observer in a run's thread: said in the tab
                self.error = error_text(exc)

    def use_run(self, run_dir: str) -> None:
        """Compare the base and trained models of this run; its datasets become the corpora offered.

        Raises:
            WorkbenchError: the folder is not a run, or it saved no model.
        """
        run_dir = str(run_dir)
        if run_dir not in self._playgrounds:
            self._playgrounds[run_dir] = Playground(run_dir)  # reads the folder only: no torch yet
        pg = self._playgrounds[run_dir]
        sources = {c.label: c for c in corpus_choices(pg.spec)}
        sources.update(self._files)
        with self.hold_trait_notifications():  # the run, its corpora and the corpus picked change as one
            self.run_dir, self.model_type = run_dir, pg.model_type
            self._sources = sources
            self.corpora = tuple(sources)
            if self.corpus not in sources:
                self.corpus = self.corpora[0] if self.corpora else ""
            self.result, self.pair_result, self.error, self.message = {}, {}, "", ""

    def playground(self) -> Playground:
        if not self.run_dir:
            raise WorkbenchError(
                "there is no finished run to try yet.", fix="train a model first (press Start training)."
            )
        return self._playgrounds[self.run_dir]

    # ---- corpora ----

    def upload(self, filename: str, content: bytes) -> list[str]:
        """Offer an uploaded file's text columns as corpora (one per column, and all of them); choose the first.

        Raises:
            WorkbenchError: the file cannot be read or has no text column.
        """
        spec, ds = data.from_upload(filename, content, workbench_home() / "playground")
        name = Path(str(filename)).name
        columns = pick_columns(ds, None, f"file '{name}'")
        added = {f"{name} · {c}": (spec.path, c) for c in columns}
        if len(columns) > 1:
            added[f"{name} · all texts"] = (spec.path, None)
        self._files.update(added)
        self._sources.update(added)
        self.corpora = tuple(self._sources)
        self.corpus = next(iter(added))
        return list(added)

    def texts(self, label: str | None = None) -> list[str]:
        """The texts of a corpus (read once per run and corpus)."""
        label = label or self.corpus
        source = self._sources.get(label)
        if source is None:
            raise WorkbenchError(f"there is no corpus '{label}'.", fix="pick one from the list.")
        key = (self.run_dir, label) if isinstance(source, CorpusChoice) else ("file", label)
        if key not in self._texts:
            if isinstance(source, CorpusChoice):
                self._texts[key] = load_corpus(self.playground().spec, source)
            else:
                self._texts[key] = file_corpus(*source)[0]
        return self._texts[key]

    # ---- searching and comparing ----

    def search(self, query: str, k: int = 10) -> threading.Thread | None:
        """Both models' top ``k`` of the corpus for ``query`` into ``result`` (in the background)."""
        pg, corpus = self.playground(), self.corpus
        if not str(query or "").strip():
            raise WorkbenchError("the query is empty.", fix="type a query to compare the models on.")

        def work():
            self.message = "Reading the corpus…"
            texts = self.texts(corpus)
            self.message = "Loading the models (the first time takes a while)…"
            result = pg.search(query, texts, k=int(k), progress=self._progress)
            self.result = result.to_dict()
            how = "reranked" if pg.cross else "searched"
            self.message = f"Both models {how} {result.corpus_size} texts of {corpus}."

        return self._spawn(work)

    def compare(self, text_a: str, text_b: str) -> threading.Thread | None:
        """Both models' similarity of two texts into ``pair_result`` (in the background)."""
        pg = self.playground()

        def work():
            self.message = "Loading the models (the first time takes a while)…"
            self.pair_result = pg.pair(text_a, text_b)
            self.message = "Compared the two texts with both models."

        return self._spawn(work)

    def _progress(self, role: str, done: int, total: int) -> None:
        self.progress = done / total if total else 1.0
        self.message = (
            f"Encoding the corpus with the {ROLE_NAMES.get(role, role)} model: {done}/{total} texts…"
        )

    def _spawn(self, work: Callable[[], None]) -> threading.Thread | None:
        with self._lock:
            if self.busy:
                raise WorkbenchError("the playground is still busy.", fix="wait for it to finish.")
            self.busy, self.error, self.progress = True, "", 0.0

        def run():
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - said in the tab, never a traceback
                self.error, self.message = error_text(exc), ""
            finally:
                self.busy = False

        if not self.background:
            run()
            return None
        self._thread = threading.Thread(target=run, name="workbench-playground", daemon=True)
        self._thread.start()
        return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the search or comparison under way; True when none is left."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.busy
