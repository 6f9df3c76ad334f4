"""Session: the observable state every panel binds to, and its bridge to the Runner.

Two kinds of traits live here:

- CONFIG traits (model, datasets with their column mapping, loss, args, evaluators, output folder) are written
  by the UI thread, i.e. by the panels in response to a person's clicks.
- RUN traits (status, progress, history, baseline/final metrics, log, saved path, error) are written only by the
  Runner's worker thread through its listener, :class:`.run_control.SessionBridge`. Container traits are
  replaced, never mutated, because traitlets only notices assignment.

Loaded datasets and their profiles are cached in plain dicts (not traits) keyed by the dataset's source
description; loading runs in a background thread that reports through ``loading`` / ``data_errors`` /
``data_version``. Derived facts (which losses fit, which evaluators apply) are computed by calling ``rules``,
never stored. Nothing here imports torch, sentence-transformers or datasets at module load.

Dataset loading lives in :mod:`.loading` and the run in :mod:`.run_control`; folders, wording and dataset
entries in :mod:`.paths`, :mod:`.wording` and :mod:`.datasets`.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import traitlets as T

from .. import catalog as C
from .. import rules
from ..errors import WorkbenchError
from ..spec import POOLING_MODES, DatasetSpec, EvaluatorChoice, LossChoice, RunSpec, check_dataset_name
from .datasets import SPLITS, DatasetEntry, data_key, demo_entries
from .loading import DataLoading
from .paths import new_output_dir
from .run_control import RunControl
from .wording import STATUSES, error_text, panel_for

log = logging.getLogger("workbench.state")


class Session(DataLoading, RunControl, T.HasTraits):
    """The state of one workbench: what to train (config traits) and what the current run is doing (run traits).

    Args:
        autosave: Path of a JSON file the config is written to after every change (None: no autosave).
        background: Load datasets and uploads in a background thread (False: in the calling thread).
        **traits: Initial trait values.
    """

    # ---- config (UI thread) ----
    model_type = T.Enum(C.MODEL_TYPES, default_value=C.DENSE)
    model_name = T.Unicode("default")
    max_seq_length = T.Int(None, allow_none=True)
    from_scratch = T.Bool(False)
    pooling = T.Enum(POOLING_MODES, default_value="mean")
    model_card = T.Dict()
    datasets = T.Tuple()  # DatasetEntry, in order
    selected = T.Unicode("")  # the key of the dataset the Columns panel edits
    loss = T.Any(LossChoice())  # a LossChoice, or {train dataset name: LossChoice}
    evaluators = T.Tuple()  # EvaluatorChoice
    args = T.Dict()  # only the values the person set
    output_dir = T.Unicode("")
    auto_output = T.Bool(True)  # pick a fresh runs/<timestamp> folder at every Start
    errors = T.Dict()  # panel name -> message shown in that panel
    # ---- data loading (loader thread) ----
    loading = T.Dict()  # data key -> True while loading
    data_errors = T.Dict()  # data key -> message
    data_version = T.Int(0)  # bumped after every load
    # ---- run (worker thread) ----
    status = T.Enum(STATUSES, default_value="idle")
    progress = T.Dict()
    history = T.Tuple()  # log / eval events, in order
    baseline = T.Dict()
    final = T.Dict()
    primary = T.Dict()  # evaluator name -> primary metric key
    saved_path = T.Unicode("")
    error = T.Unicode("")
    log = T.Tuple()  # human-readable lines

    def __init__(self, autosave: str | Path | None = None, background: bool = True, **traits):
        super().__init__(**traits)
        self.background = background  # load data in a thread (tests turn it off)
        self.raw: dict[str, Any] = {}  # data key -> datasets.Dataset
        self.profiles: dict[str, Any] = {}  # data key -> DataProfile
        self._shapes: dict[tuple, Any] = {}
        self._data_lock = threading.Lock()
        self._edit_lock = threading.RLock()
        self.runner = None
        self._launcher: threading.Thread | None = None
        self._auto_evaluate: set[str] = (
            set()
        )  # eval/test sets added here: tick a fitting evaluator once loaded
        self._stop_requested = False
        self.autosave = Path(autosave) if autosave else None
        if not self.output_dir:
            self.output_dir = new_output_dir()
        self.observe(
            self._autosave,
            names=[
                "model_type",
                "model_name",
                "max_seq_length",
                "from_scratch",
                "pooling",
                "model_card",
                "datasets",
                "loss",
                "evaluators",
                "args",
                "output_dir",
            ],
        )

    # ---- construction ----------------------------------------------------------------------------------------

    @classmethod
    def default(cls, **kwargs) -> Session:
        """The demo state: packaged model, demo scored pairs (0-5) to train, demo dev set to evaluate."""
        entries = demo_entries()
        session = cls(**kwargs)
        session.datasets = entries
        session.selected = entries[0].key
        session.evaluators = (EvaluatorChoice("EmbeddingSimilarityEvaluator", dataset="eval/dev"),)
        return session

    @classmethod
    def from_spec(cls, spec: RunSpec, **kwargs) -> Session:
        """A Session holding a RunSpec's configuration."""
        session = cls(**kwargs)
        session.apply_spec(spec)
        return session

    def apply_spec(self, spec: RunSpec) -> None:
        """Replace the whole configuration with a RunSpec's."""
        with self.hold_trait_notifications():
            m = spec.model
            self.model_type = m.type
            self.model_name = m.name_or_path
            self.max_seq_length = m.max_seq_length
            self.from_scratch = m.from_scratch is not None
            self.pooling = (m.from_scratch or {}).get("pooling", "mean")
            self.model_card = dict(m.model_card)
            entries = tuple(
                DatasetEntry(split, name, ds) for split in SPLITS for name, ds in getattr(spec, split).items()
            )
            self.datasets = entries
            self.selected = entries[0].key if entries else ""
            self.loss = dict(spec.loss) if isinstance(spec.loss, dict) else spec.loss
            self.evaluators = tuple(spec.evaluators)
            self.args = dict(spec.args)
            self.output_dir = spec.output_dir
            self.auto_output = False
            self.errors = {}

    def to_config(self) -> dict:
        """The run configuration as a mapping (the RunSpec/config-file schema)."""
        model: dict = {"type": self.model_type, "name_or_path": self.model_name or "default"}
        if self.max_seq_length:
            model["max_seq_length"] = int(self.max_seq_length)
        if self.from_scratch:
            model["from_scratch"] = {"pooling": self.pooling}
        card = {k: v for k, v in self.model_card.items() if v}
        if card:
            model["model_card"] = card
        datasets: dict = {split: {} for split in SPLITS}
        for e in self.datasets:
            datasets[e.split][e.name] = e.spec.to_dict()
        loss = (
            {k: v.to_dict() for k, v in self.loss.items()}
            if isinstance(self.loss, dict)
            else self.loss.to_dict()
        )
        return {
            "model": model,
            "datasets": datasets,
            "loss": loss,
            "evaluators": [e.to_dict() for e in self.evaluators],
            "args": dict(self.args),
            "output_dir": self.output_dir,
        }

    def to_spec(self) -> RunSpec:
        """A validated RunSpec of the current configuration.

        Raises:
            WorkbenchError: the configuration is not valid (``where`` names the part).
        """
        return RunSpec.from_dict(self.to_config())

    def save_config(self, path: str | Path) -> Path:
        """Write the configuration as JSON; a folder or an unwritable place is refused in words."""
        if not str(path).strip():
            raise WorkbenchError("no settings file was given.", fix="type a path like ~/my-settings.json.")
        path = Path(path).expanduser()
        if path.is_dir():
            raise WorkbenchError(
                f"'{path}' is a folder.", fix=f"add a file name, e.g. {path / 'settings.json'}."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.to_config(), indent=2), encoding="utf-8")
        except OSError as exc:
            raise WorkbenchError(
                f"the settings could not be written to '{path}' ({exc.strerror or exc}).",
                fix="choose a place you can write to, e.g. under your home folder.",
            ) from exc
        return path

    def load_config(self, path: str | Path) -> None:
        """Apply a config file (JSON or YAML) and load its datasets in the background."""
        from ..spec import load_config

        self.apply_spec(load_config(path))
        self.load_all()

    def _autosave(self, change=None) -> None:
        if self.autosave is None:
            return
        try:
            self.autosave.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.autosave.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.to_config(), indent=2, default=str), encoding="utf-8")
            tmp.replace(self.autosave)
        except Exception as exc:  # noqa: BLE001 - autosave must never break the app
            log.warning("autosave failed: %s", exc)

    # ---- errors ------------------------------------------------------------------------------------------------

    def report(self, exc: BaseException | str, default: str = "train") -> str:
        """Show an error in the panel it belongs to; returns that panel's name."""
        where = getattr(exc, "where", None)
        panel = panel_for(where, default)
        text = exc if isinstance(exc, str) else error_text(exc)
        self.errors = {**self.errors, panel: text}
        return panel

    def clear_error(self, panel: str) -> None:
        if panel in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != panel}

    # ---- datasets (loading them: DataLoading in .loading) -----------------------------------------------

    def entry(self, key: str) -> DatasetEntry | None:
        return next((e for e in self.datasets if e.key == key), None)

    def entries(self, split: str) -> tuple[DatasetEntry, ...]:
        return tuple(e for e in self.datasets if e.split == split)

    def unique_name(self, split: str, stem: str) -> str:
        taken = {e.name for e in self.entries(split)}
        name, k = stem or "data", 2
        while name in taken:
            name, k = f"{stem}{k}", k + 1
        return name

    def add_dataset(
        self, split: str, name: str, spec: DatasetSpec, *, load: bool = True, background: bool | None = None
    ) -> DatasetEntry:
        """Add a dataset (replacing one of the same split and name) and load it."""
        if split not in SPLITS:
            raise WorkbenchError(
                f"unknown split '{split}'.", fix="use train, eval or test.", where="datasets"
            )
        if spec.source == "holdout" and split == "train":
            raise WorkbenchError("a held-out part can only be an eval or test set.", where="datasets")
        check_dataset_name(name)
        entry = DatasetEntry(split, name, spec)
        with self._edit_lock:
            kept = tuple(e for e in self.datasets if e.key != entry.key)
            self.datasets = kept + (entry,)
        if split != "train":
            self._auto_evaluate.add(entry.key)
            if data_key(spec) in self.raw:
                self._suggest_for(entry.key)
        if not self.selected or self.entry(self.selected) is None:
            self.selected = entry.key
        if load:
            self.load([entry.key], background=background)
        return entry

    def remove_dataset(self, key: str) -> None:
        """Remove a dataset, its evaluators and its per-dataset loss; a train set takes its held-out parts along."""
        split, _, name = key.partition("/")
        gone = {key} | {
            e.key
            for e in self.datasets
            if split == "train" and e.spec.source == "holdout" and e.spec.of == name
        }
        with self._edit_lock:
            self.datasets = tuple(e for e in self.datasets if e.key not in gone)
            self.evaluators = tuple(ev for ev in self.evaluators if ev.dataset not in gone)
            if isinstance(self.loss, dict):
                name = key.partition("/")[2]
                self.loss = {k: v for k, v in self.loss.items() if k != name} or LossChoice()
        if self.selected in gone:
            self.selected = self.datasets[0].key if self.datasets else ""

    def set_mapping(self, key: str, **changes) -> None:
        """Change a dataset's ``columns`` / ``label`` / ``label_range``."""
        entry = self.entry(key)
        if entry is None:
            return
        new = replace(entry, spec=replace(entry.spec, **changes))
        with self._edit_lock:
            self.datasets = tuple(new if e.key == key else e for e in self.datasets)

    def dataset(self, key: str):
        """The loaded rows of a dataset (None while not loaded)."""
        entry = self.entry(key)
        return None if entry is None else self.raw.get(data_key(entry.spec))

    def profile(self, key: str):
        entry = self.entry(key)
        return None if entry is None else self.profiles.get(data_key(entry.spec))

    def mapping(self, key: str) -> tuple[tuple[str, ...], str | None, tuple | None, bool]:
        """The effective (inputs, label, label_range, label_guessed) of a dataset, as the run will see it."""
        entry = self.entry(key)
        prof = self.profile(key)
        if entry is None:
            return (), None, None, False
        spec = entry.spec
        if spec.source == "holdout" and not spec.columns and spec.label is None:
            inputs, label, rng, guessed = self.mapping(f"train/{spec.of}")
            return inputs, label, rng, guessed
        inputs = tuple(spec.columns) if spec.columns else tuple(prof.guessed_inputs if prof else ())
        if spec.label == "":
            return inputs, None, spec.label_range, False
        if spec.label:
            return inputs, spec.label, spec.label_range, False
        guessed = prof.guessed_label if prof else None
        label = guessed if guessed not in inputs else None
        return inputs, label, spec.label_range, label is not None

    def shape(self, key: str):
        """The DataShape of a dataset's current mapping (None while not loaded).

        Raises:
            WorkbenchError: the mapping names a column that is not in the data.
        """
        from .. import data

        entry, ds, prof = self.entry(key), self.dataset(key), self.profile(key)
        if entry is None or ds is None or prof is None:
            return None
        inputs, label, rng, _ = self.mapping(key)
        cache_key = (data_key(entry.spec), inputs, label, rng)
        if cache_key not in self._shapes:
            self._shapes[cache_key] = data.shape_of(prof, inputs, label, rng, ds=ds)
        return self._shapes[cache_key]

    # ---- losses ------------------------------------------------------------------------------------------------

    def loss_for(self, name: str) -> LossChoice:
        if isinstance(self.loss, dict):
            return self.loss.get(name, LossChoice())
        return self.loss

    def set_loss(self, choice: LossChoice, dataset: str | None = None) -> None:
        """Set the loss for every train dataset (``dataset`` None) or for one of them."""
        if dataset is None:
            self.loss = choice
            return
        names = [e.name for e in self.entries("train")]
        current = {n: self.loss_for(n) for n in names}
        current[dataset] = choice
        self.loss = current

    def verdicts(self, name: str) -> list[rules.Verdict]:
        """The rules' verdict for every loss against train dataset ``name`` (empty while not loaded)."""
        shape = self.shape(f"train/{name}")
        if shape is None:
            return []
        out = rules.verdicts(shape, self.model_type)
        if self.mapping(f"train/{name}")[3]:  # the run drops a guessed label when the loss takes none
            unlabeled = replace(shape, label=None, label_role=None)
            for i, v in enumerate(out):
                if not v.compatible and any(f.kind == "unset_label" for f in v.fixes):
                    again = rules.verdict(v.loss, unlabeled)
                    if again.compatible:
                        out[i] = replace(
                            again, reason=f"{again.reason} (the guessed label '{shape.label}' is not used)"
                        )
        return out

    def recommended(self, name: str):
        """(LossSpec, Fix | None) that ``auto`` resolves to for a train dataset, or None."""
        shape = self.shape(f"train/{name}")
        return None if shape is None else rules.recommend_with_fix(shape, self.model_type)

    def resolved_loss(self, name: str) -> C.LossSpec | None:
        choice = self.loss_for(name)
        if choice.name == "auto":
            found = self.recommended(name)
            return found[0] if found else None
        try:
            return C.get_loss(choice.name, self.model_type)
        except WorkbenchError:
            return None

    def set_model_type(self, model_type: str) -> None:
        """Switch the model type; losses and evaluators are per type, so they are reset to fitting ones."""
        if model_type == self.model_type:
            return
        with self.hold_trait_notifications():
            self.model_type = model_type
            self.loss = LossChoice()
            self.evaluators = self.suggested_evaluators()

    def _suggest_for(self, key: str) -> None:
        """Tick the most useful fitting evaluator for an eval/test set that was just added (once)."""
        if key not in self._auto_evaluate:
            return
        self._auto_evaluate.discard(key)
        if any(ev.dataset == key for ev in self.evaluators):
            return
        try:
            shape = self.shape(key)
        except WorkbenchError:
            return
        fitting = rules.suggest_evaluators(shape, self.model_type) if shape is not None else []
        if fitting:
            with self._edit_lock:
                self.evaluators = self.evaluators + (EvaluatorChoice(fitting[0].name, dataset=key),)

    def suggested_evaluators(self) -> tuple[EvaluatorChoice, ...]:
        out = []
        for entry in self.datasets:
            if entry.split == "train":
                continue
            try:
                shape = self.shape(entry.key)
            except WorkbenchError:
                shape = None
            fitting = rules.suggest_evaluators(shape, self.model_type) if shape is not None else []
            if fitting:
                out.append(EvaluatorChoice(fitting[0].name, dataset=entry.key))
        return tuple(out)

    # ---- running: RunControl in .run_control (check, start, stop, wait and the Runner's events) -----------------
