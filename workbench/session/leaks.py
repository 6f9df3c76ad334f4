"""Eval rows that are also train rows, said on the page before Start (the run says it again in its verdict).

A person who measures on rows the model trains on gets a score that overstates how it does on new text; the run
finds this at its end (`workbench.engine.quality.leak_warnings`), after minutes of training. :func:`leak_lines`
compares the loaded data under the page's current mapping with the same rule (`workbench.rules.leaked_rows`):
an eval or test set's rows against the train sets' rows, and for a part held out of a train set, the rows that
its train file holds more than once (copies can land on both sides of the split).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING

from .. import rules
from ..errors import WorkbenchError
from ..rules.run_warnings import normalize
from .datasets import data_key, source_name

if TYPE_CHECKING:
    from .state import Session

# Above this many rows in a dataset, the page leaves the comparison to the run (reading the texts takes seconds).
MAX_ROWS = 500_000

log = logging.getLogger("workbench.session")
_memo: dict = {}  # what the last comparison was made of -> its lines


def _rows(session: Session, key: str) -> list[tuple] | None:
    """A loaded dataset's input texts under its current mapping (None: not loaded, derived, or not mapped)."""
    entry, ds = session.entry(key), session.dataset(key)
    if entry is None or ds is None or entry.spec.derive or not hasattr(ds, "num_rows"):
        return None
    inputs = _inputs(session, key)
    if not inputs or any(c not in ds.column_names for c in inputs) or ds.num_rows > MAX_ROWS:
        return None
    return list(zip(*(ds[c] for c in inputs), strict=True))


def _repeated(rows: list[tuple]) -> int:
    """How many rows repeat another row's texts (compared as the leak check compares them)."""
    counts = Counter(tuple(sorted(normalize(t) for t in row)) for row in rows)
    return sum(n - 1 for n in counts.values() if n > 1)


def leak_lines(session: Session) -> list[str]:
    """The leak warnings for the page's data as mapped now (empty until the data has loaded, and when the
    comparison fails: it runs in the loading thread's refresh, which must not fail for a warning)."""
    try:
        return _leak_lines(session)
    except Exception:  # noqa: BLE001 - the run checks again at its end, and says so in its verdict
        log.exception("the leak check before training failed")
        return []


def _leak_lines(session: Session) -> list[str]:
    made_of = (
        session.data_version,
        tuple((e.key, data_key(e.spec), _inputs(session, e.key)) for e in session.datasets),
    )
    if made_of in _memo:
        return _memo[made_of]
    train = {e.name: _rows(session, e.key) for e in session.entries("train")}
    every = [row for rows in train.values() if rows for row in rows]
    lines = []
    for e in session.datasets:
        if e.split == "train":
            continue
        if e.spec.source == "holdout":
            rows, of = train.get(e.spec.of), session.entry(f"train/{e.spec.of}")
            n = _repeated(rows) if rows else 0
            if n and of is not None:
                lines.append(
                    f"Leak risk: {n} rows of {source_name(of.spec)} repeat another row's texts, so copies can land "
                    f"both in the held-out part '{e.name}' and in training, and its score would overstate the "
                    "model. Fix: remove the repeated rows from the file, or measure on a file of its own."
                )
            continue
        rows = _rows(session, e.key)
        if rows and every:
            leaked = rules.leaked_rows(every, rows)
            warning = rules.leak_warning(e.name, len(leaked), len(rows))
            if warning:  # which rows: the person has to find them in their file
                shown = [" | ".join(map(str, rows[i])) for i in leaked[:2]]
                shown = [f"'{t[:70]}…'" if len(t) > 70 else f"'{t}'" for t in shown]
                lines.append(f"{warning['text']} For example: {'; '.join(shown)}.")
    _memo.clear()
    _memo[made_of] = lines
    return lines


def _inputs(session: Session, key: str) -> tuple:
    try:
        return tuple(session.mapping(key).inputs)
    except WorkbenchError:
        return ()
