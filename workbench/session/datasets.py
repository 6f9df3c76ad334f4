"""A Session's datasets: one entry per (split, name) with its DatasetSpec, and the cache key of its rows; which
of them are the built-in demo's, how many rows of a train set train (after its held-out parts), and the choice
offered when a person's first own dataset joins the demo (replace it, or add to it: :class:`DemoChoice`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..data import DEMO_DATASETS, MAPPING_FIELDS, demo_path, holdout_size
from ..errors import WorkbenchError
from ..spec import SPLITS, DatasetSpec, check_dataset_name

if TYPE_CHECKING:
    from .state import Session

# The share of a person's own train set held out to measure the run when they have no eval set of their own.
PROPOSED_FRACTION = 0.1
DEMO_CHOICES = ("replace", "add")


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the run: its split, its name and its DatasetSpec (source plus column mapping)."""

    split: str
    name: str
    spec: DatasetSpec

    @property
    def key(self) -> str:
        return f"{self.split}/{self.name}"


def data_key(spec: DatasetSpec) -> str:
    """The cache key of a dataset's rows: its source description without the column mapping."""
    return json.dumps(
        {k: v for k, v in spec.to_dict().items() if k not in MAPPING_FIELDS}, sort_keys=True, default=str
    )


def demo_entries() -> tuple[DatasetEntry, ...]:
    mapping = {"columns": ("sentence1", "sentence2"), "label": "score", "label_range": (0.0, 5.0)}
    return (
        DatasetEntry(
            "train", "demo", DatasetSpec(source="csv", path=demo_path("pairs_scored_train"), **mapping)
        ),
        DatasetEntry("eval", "dev", DatasetSpec(source="csv", path=demo_path("pairs_scored_dev"), **mapping)),
    )


def new_entry(split: str, name: str, spec: DatasetSpec) -> DatasetEntry:
    """A dataset entry, after checking its split and name (WorkbenchError with ``where``)."""
    if split not in SPLITS:
        raise WorkbenchError(f"unknown split '{split}'.", fix="use train, eval or test.", where="datasets")
    if spec.source == "holdout" and split == "train":
        raise WorkbenchError("a held-out part can only be an eval or test set.", where="datasets")
    check_dataset_name(name)
    return DatasetEntry(split, name, spec)


def unique_name(entries, split: str, stem: str) -> str:
    """``stem`` (or ``stem2``, ``stem3`` ...): a name no dataset of the split has yet."""
    taken = {e.name for e in entries if e.split == split}
    name, k = stem or "data", 2
    while name in taken:
        name, k = f"{stem}{k}", k + 1
    return name


def removed_keys(entries, key: str) -> set[str]:
    """The datasets that go when ``key`` is removed: itself and, for a train set, the parts held out of it."""
    split, _, name = key.partition("/")
    held_out = {e.key for e in entries if e.spec.source == "holdout" and e.spec.of == name}
    return {key} | (held_out if split == "train" else set())


def is_demo(entry: DatasetEntry, entries) -> bool:
    """Whether a dataset is the built-in demo's: a packaged demo file, or a part held out of one."""
    spec = entry.spec
    if spec.source == "holdout":
        train = next((e for e in entries if e.split == "train" and e.name == spec.of), None)
        return train is not None and is_demo(train, entries)
    return spec.source == "csv" and spec.path in {demo_path(name) for name in DEMO_DATASETS}


def own_sources(config: dict) -> list[str]:
    """The sources of a saved configuration's own datasets (its demo files and held-out parts left out), e.g.
    ``["faq.csv"]``: what 'Restore last session' would bring back, said when a new page opens on the demo."""
    demo = {demo_path(name) for name in DEMO_DATASETS}
    found = []
    for split in SPLITS:
        for raw in ((config.get("datasets") or {}).get(split) or {}).values():
            try:
                spec = DatasetSpec.from_dict(raw, f"datasets.{split}")
            except (WorkbenchError, TypeError, ValueError, AttributeError):
                continue
            if spec.source != "holdout" and not (spec.source == "csv" and spec.path in demo):
                found.append(source_name(spec))
    return list(dict.fromkeys(found))


def restore_hint(last_session: str | None, session: Session) -> str:
    """What a page that opens on the demo says when the last session (its autosaved JSON) used the person's own
    data ("" otherwise, or while the page shows a run's settings)."""
    try:
        own = own_sources(json.loads(last_session or "{}"))
    except ValueError:
        return ""
    if not own or session.settings_of or own_sources(session.to_config()):
        return ""
    more = ", …" if len(own) > 3 else ""
    return (
        f"Your last session's data ({', '.join(own[:3])}{more}) and settings are kept: Restore last session brings "
        "them back."
    )


def demo_keys(entries) -> tuple[str, ...]:
    """The keys of the demo's datasets among ``entries``, in order."""
    return tuple(e.key for e in entries if is_demo(e, entries))


def held_out_rows(entries, train: str, n_rows: int) -> int:
    """How many of a train set's ``n_rows`` its held-out parts take (split off one after another, eval sets
    first, as the run splits them); the rest trains."""
    held = 0
    for split in ("eval", "test"):
        for e in entries:
            if e.split == split and e.spec.source == "holdout" and e.spec.of == train:
                held += holdout_size(n_rows - held, float(e.spec.fraction or PROPOSED_FRACTION))
    return held


def source_name(spec: DatasetSpec) -> str:
    """A dataset's source in a few words: a file's name, a Hub id, or "in-memory data"."""
    if spec.source == "hub":
        return spec.path or "a Hub dataset"
    if spec.source == "dict":
        return "in-memory data"
    return Path(spec.path or "").name or spec.source


def describe_data(entries, n_rows, failed) -> str:
    """One sentence on the data a run would use, for the app's top line.

    Args:
        entries: The session's datasets.
        n_rows: The loaded row count of each loaded dataset, by key.
        failed: The keys of the datasets that could not be loaded.

    Returns:
        e.g. "Your data: faq.csv (240 rows, 24 held out to measure)." or, with only the demo's datasets, a
        sentence saying the demo is ready.
    """
    own = [e for e in entries if not is_demo(e, entries)]
    if not own:
        if any(e.split == "train" for e in entries):
            return (
                "The demo (a small model and scored sentence pairs) is ready: press Start training to try it."
            )
        return "There is no train dataset yet: add one in the Data tab."
    parts = []
    for e in own:
        if e.split != "train":
            continue
        n = n_rows.get(e.key)
        if e.key in failed:
            what = "could not be loaded: see the Data tab"
        elif n is None:
            what = "loading…"
        else:
            held = held_out_rows(entries, e.name, n)
            what = f"{n} rows" + (f", {held} held out to measure" if held else "")
        parts.append(f"{source_name(e.spec)} ({what})")
    measured = [source_name(e.spec) for e in own if e.split != "train" and e.spec.source != "holdout"]
    text = "Your data: " + (", ".join(parts) if parts else "no train dataset of your own yet") + "."
    if measured:
        text += f" Measured on {', '.join(measured)}."
    if len(own) < len(entries):
        text += " The demo data is used too."
    return text + (" Press Start training to train on it." if parts else "")


class DemoChoice:
    """What happens to the demo when a person adds their first own train set: ``replace`` it (the default: the
    demo's train and eval sets and the evaluators tied to them go) or ``add`` to it (they come back).

    With no eval set of their own, a part of their first train set (:data:`PROPOSED_FRACTION`) is held out to
    measure the run, and a fitting evaluator is ticked for it once it has loaded. An eval set of their own added
    after it takes its place: the proposed part goes (with its evaluator), and its rows train again; left, it
    chose what early stopping watched (the first eval evaluator) and measured the run on a few rows.

    Args:
        session: The Session whose ``datasets``, ``evaluators`` and ``demo_choice`` it changes.
    """

    def __init__(self, session: Session):
        self.session = session
        self.demo: tuple = ()  # the demo's entries that "replace" took out, for "add"
        self.evaluators: tuple = ()  # and the evaluators tied to them
        self.proposed: DatasetEntry | None = None  # the held-out part proposed with the first own train set

    def reset(self) -> None:
        """Forget the choice (a whole new configuration was applied)."""
        self.demo, self.evaluators, self.proposed = (), (), None
        self.session.demo_choice = ""

    def on_added(self, entry: DatasetEntry) -> None:
        """After a dataset was added: the first own train set beside the demo's replaces them (the default)."""
        s = self.session
        if entry.split == "eval" and entry.spec.source != "holdout" and self.proposed is not None:
            if s.entry(self.proposed.key) == self.proposed:  # still as proposed: their own set replaces it
                s.remove_dataset(self.proposed.key)
            self.proposed = None
            return
        if s.demo_choice or entry.split != "train" or is_demo(entry, s.datasets) or not demo_keys(s.datasets):
            return
        own = [e for e in s.datasets if e.key != entry.key and not is_demo(e, s.datasets)]
        if any(e.split == "train" for e in own):  # not the first own train set
            return
        if not own:  # no eval set of their own (one added before stays, and measures the run)
            name = unique_name(s.datasets, "eval", "heldout")
            spec = DatasetSpec(source="holdout", of=entry.name, fraction=PROPOSED_FRACTION)
            self.proposed = s.add_dataset("eval", name, spec)
        self.choose("replace")

    def summary(self) -> str:
        """:func:`describe_data` over the session's datasets, their loaded row counts and failed loads."""
        s = self.session
        failed = {e.key for e in s.datasets if data_key(e.spec) in s.data_errors}
        rows = {e.key: p.n_rows for e in s.datasets if (p := s.cache.profile(e)) is not None}
        return describe_data(s.datasets, rows, failed)

    def choose(self, choice: str) -> None:
        """``replace``: take the demo's datasets (and their evaluators) out; ``add``: bring them back."""
        if choice not in DEMO_CHOICES:
            raise WorkbenchError(f"unknown choice '{choice}' for the demo data.", fix="use replace or add.")
        s = self.session
        if choice == "replace":
            gone = set(demo_keys(s.datasets))
            if gone:
                self.demo = tuple(e for e in s.datasets if e.key in gone)
                self.evaluators = tuple(ev for ev in s.evaluators if ev.dataset in gone)
                for key in [e.key for e in self.demo if e.split == "train"] + sorted(gone):
                    if s.entry(key) is not None:
                        s.remove_dataset(key)
        else:
            back = tuple(e for e in self.demo if s.entry(e.key) is None)
            with s._edit_lock:
                s.datasets = back + tuple(s.datasets)
                s.evaluators = self.evaluators + tuple(ev for ev in s.evaluators if ev not in self.evaluators)
            s.load([e.key for e in back])
        s.demo_choice = choice
