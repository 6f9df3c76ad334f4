"""Session: the observable state every panel binds to, and its bridge to the Runner.

Two kinds of traits live here:

- CONFIG traits (model, datasets with their column mapping, loss, args, evaluators, output folder) are written
  by the UI thread, i.e. by the panels in response to a person's clicks.
- RUN traits (status, progress, history, baseline/final metrics, log, saved path, error) are written only by the
  Runner's worker thread through its listener, :class:`.run_control.SessionBridge`. Container traits are
  replaced, never mutated, because traitlets only notices assignment.

Composed of small objects it hands itself to: ``cache``, a :class:`~.loading.DataCache` (rows, profiles and shapes
by source, and the loading thread, reporting through ``loading`` / ``data_errors`` / ``data_version``); ``control``,
a :class:`~.run_control.RunController` (the Runner; it writes the run traits); ``actions``, a
:class:`~.actions.SessionActions` (copy, push, export, model facts); ``demo``, a :class:`~.datasets.DemoChoice`.
Derived facts (which losses fit, which fixes apply, which evaluators fit) are computed by ``rules`` and
``data.dataset_mapping``, never stored. Nothing here imports torch, sentence-transformers or datasets at load.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import traitlets as T

from .. import catalog as C
from .. import rules
from ..data import Mapping, dataset_mapping, inherits_mapping
from ..data.confine import confined
from ..engine import RunStatus
from ..errors import WorkbenchError
from ..spec import POOLING_MODES, DatasetSpec, EvaluatorChoice, LossChoice, RunSpec
from . import actions, config
from .attached import settings_line
from .datasets import DatasetEntry, DemoChoice, data_key, demo_entries, new_entry, removed_keys, unique_name
from .launching import RUN_ON
from .loading import DataCache
from .paths import new_output_dir, workbench_home
from .planning import RunPlanner
from .router import kept_asymmetric
from .run_control import RunController, RunMethods
from .wording import STATUSES, error_text, panel_for


class Session(RunMethods, T.HasTraits):
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
    adapter = T.Any(None)  # model.adapter: a dict checked by spec.adapter; None: all weights train
    asymmetric = T.Any(None)  # model.asymmetric: a dict checked by spec.router; None: one shared model
    datasets = T.Tuple()  # DatasetEntry, in order
    selected = T.Unicode("")  # the key of the dataset the Columns panel edits
    demo_choice = T.Unicode("")  # replace / add: what the first own dataset did to the demo (DemoChoice)
    loss = T.Any(LossChoice())  # a LossChoice, or {train dataset name: LossChoice}
    evaluators = T.Tuple()  # EvaluatorChoice
    args = T.Dict()  # only the values the person set
    early_stopping = T.Any(None)  # None (on with an eval set) / True / False / {"patience": N}: spec.training
    activation_fn = T.Any(None)  # a cross-encoder's prediction activation (None: chosen from the loss)
    output_dir = T.Unicode("")
    auto_output = T.Bool(True)  # pick a fresh runs/<timestamp> folder at every Start
    run_on = T.Enum(tuple(RUN_ON), default_value="kernel")  # how to run (launching.RUN_ON), not what
    launch_config = T.Unicode("")  # the accelerate config file for run_on "config_file"
    errors = T.Dict()  # panel name -> message shown in that panel
    invalid = T.Dict()  # field key ("args.learning_rate") -> message: a value that cannot run; blocks Start
    # ---- data loading (loader thread) ----
    loading = T.Dict()  # data key -> True while loading
    data_errors = T.Dict()  # data key -> message
    data_version = T.Int(0)  # bumped after every load
    # ---- run (worker thread) ----
    status = T.Enum(STATUSES, default_value=RunStatus.IDLE.value)
    progress = T.Dict()
    history = T.Tuple()  # log / eval events, in order
    baseline = T.Dict()
    final = T.Dict()
    primary = T.Dict()  # evaluator name -> primary metric key
    saved_path = T.Unicode("")
    run_dir = T.Unicode("")  # the folder of the run shown (started here, resumed, or attached to)
    error = T.Unicode("")
    queue = T.Unicode("")  # a queued run's place, e.g. "queued: 1 run ahead of you" ("" when not queued)
    settings_of = T.Unicode("")  # the run whose settings the tabs show (attached after a reload)
    log = T.Tuple()  # human-readable lines

    def __init__(self, autosave: str | Path | None = None, background: bool = True, **traits):
        self._edit_lock = threading.RLock()  # edits of the dataset list, and every change's observers
        super().__init__(**traits)
        self.cache = DataCache(self, background=background, on_loaded=self._suggest_for)
        self.control = RunController(self)
        self.planner = RunPlanner(self)  # the estimate before Start (a probe in a subprocess)
        self.actions = actions.SessionActions(self)
        self.demo = DemoChoice(self)
        # Eval/test sets added here: a fitting evaluator is ticked for each once it has loaded.
        self._auto_evaluate: set[str] = set()
        self.autosave = Path(autosave) if autosave else None
        if not self.output_dir:
            self.output_dir = new_output_dir()
        self.observe(self._autosave, names=list(config.CONFIG_TRAITS))
        self.observe(self._fresh_folder, names=["auto_output"])

    def notify_change(self, change) -> None:
        """A change's observers run one change at a time, whichever thread made it (the loader, an upload, the
        page), under :meth:`editing`'s lock: two panel refreshes at once would interleave their widget updates."""
        with self._edit_lock:
            super().notify_change(change)

    def editing(self) -> threading.RLock:
        """The lock of every change's observers and of compound edits (an upload added and the demo it replaces
        taken out): widgets that follow the session, read under it, never show a half-way state."""
        return self._edit_lock

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
            for name, value in config.traits_of(spec).items():
                setattr(self, name, value)
            self.auto_output = False
            self.errors = {}
            self.invalid = {}  # every field now shows the spec's values
            self.settings_of = ""
        self.demo.reset()

    def to_config(self) -> dict:
        """The run configuration as a mapping (the RunSpec/config-file schema)."""
        return config.config_of(self)

    def to_spec(self) -> RunSpec:
        """A validated RunSpec of the current configuration; WorkbenchError (``where`` names the part) if not."""
        return RunSpec.from_dict(self.to_config())

    def save_config(self, path: str | Path) -> Path:
        """Write the configuration as JSON; a folder or an unwritable place is refused in words."""
        return config.save_config(self.to_config(), path)

    def load_config(self, path: str | Path) -> None:
        """Apply a config file (JSON or YAML) and load its datasets in the background."""
        from ..spec import load_config

        self.apply_spec(config.checked_spec(load_config(confined(path, "the settings file"))))
        self.load_all()

    def _fresh_folder(self, change) -> None:
        """Ticking "New folder for every run" shows the fresh folder the next run will use."""
        self.output_dir = new_output_dir() if change["new"] else self.output_dir

    def _autosave(self, change=None) -> None:
        if self.autosave is not None:
            config.autosave(self.to_config(), self.autosave)

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

    # ---- datasets (their rows: the DataCache in .loading) ------------------------------------------------------

    @property
    def raw(self) -> dict[str, Any]:
        """Loaded rows by :func:`~.datasets.data_key` (the cache's own dict)."""
        return self.cache.raw

    @property
    def profiles(self) -> dict[str, Any]:
        """Profiles of the loaded rows by :func:`~.datasets.data_key` (the cache's own dict)."""
        return self.cache.profiles

    def load_all(self, background: bool | None = None, warm: bool = False) -> threading.Thread | None:
        """Load every dataset; with ``warm`` the same thread then imports sentence-transformers, so that the
        first Start and the training-settings form do not wait for it (one thread does all heavy imports)."""
        return self.cache.load([e.key for e in self.datasets], background=background, warm=warm)

    def load(self, keys, background: bool | None = None, warm: bool = False) -> threading.Thread | None:
        """Load datasets into the cache (train datasets first: held-out parts need them)."""
        return self.cache.load(keys, background=background, warm=warm)

    def add_upload(
        self, split: str, filename: str, content: bytes, *, name: str = "", background: bool | None = None
    ):
        """Save an uploaded file under the workbench home, load it and add it as a dataset (``name``, else its own)."""
        name = self.unique_name(split, name or Path(filename).stem.replace(" ", "_")[:40] or "upload")

        def added(spec: DatasetSpec) -> None:
            with self._edit_lock:  # one edit: the table says "ready" before the demo it replaces is gone
                self.clear_error("dataset")
                self.add_dataset(split, name, spec, load=False)
                self.selected = f"{split}/{name}"

        folder = workbench_home() / "uploads"
        return self.cache.add_upload(
            filename, content, folder, added, lambda exc: self.report(exc, "dataset"), background=background
        )

    def entry(self, key: str) -> DatasetEntry | None:
        return next((e for e in self.datasets if e.key == key), None)

    def entries(self, split: str) -> tuple[DatasetEntry, ...]:
        return tuple(e for e in self.datasets if e.split == split)

    def unique_name(self, split: str, stem: str) -> str:
        """A name for a new dataset of ``split``: ``stem``, numbered when it is taken."""
        return unique_name(self.datasets, split, stem)

    def add_dataset(
        self, split: str, name: str, spec: DatasetSpec, *, load: bool = True, background: bool | None = None
    ) -> DatasetEntry:
        """Add a dataset (replacing one of the same split and name) and load it."""
        entry = new_entry(split, name, spec)
        with self._edit_lock:  # the whole edit, the demo's replacement included (see editing)
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
            self.demo.on_added(entry)
        return entry

    def replace_demo(self, replace: bool = True) -> None:
        """Replace the demo's datasets with the person's own (the default) or keep them beside (``False``)."""
        self.demo.choose("replace" if replace else "add")

    def data_summary(self) -> str:
        """One sentence on the data the run would use (the app's top line), e.g. "Your data: faq.csv (240 rows,
        24 held out to measure)."; while the tabs show a run's settings, which run (:mod:`.attached`)."""
        return settings_line(self, self.demo.summary()) if self.settings_of else self.demo.summary()

    def remove_dataset(self, key: str) -> None:
        """Remove a dataset, its evaluators and its per-dataset loss; a train set takes its held-out parts along."""
        gone = removed_keys(self.datasets, key)
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
        return self.cache.rows(self.entry(key))

    def profile(self, key: str):
        """The profile of a dataset's rows (None while not loaded)."""
        return self.cache.profile(self.entry(key))

    def mapping(self, key: str) -> Mapping:
        """The effective (inputs, label, label_range, label_guessed) of a dataset, as the run will see it."""
        entry = self.entry(key)
        if entry is None:
            return Mapping((), None, None, False)
        spec = entry.spec
        train = self.mapping(f"train/{spec.of}") if inherits_mapping(spec) else None
        return dataset_mapping(spec, self.profile(key), train)

    def shape(self, key: str):
        """The DataShape of a dataset's current mapping (None while not loaded).

        Raises:
            WorkbenchError: the mapping names a column that is not in the data.
        """
        entry = self.entry(key)
        if entry is None:
            return None
        inputs, label, rng, _ = self.mapping(key)
        shape = self.cache.shape(entry, inputs, label, rng)
        derive = (
            entry.spec.derive
        )  # how the inputs are built from the mapped columns (a plain corpus's pairs)
        return replace(shape, derive=derive) if shape is not None and derive else shape

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
        return rules.mapped_verdicts(shape, self.model_type, self.mapping(f"train/{name}").label_guessed)

    def combined_verdicts(self, names) -> dict[str, rules.Verdict]:
        """One verdict per loss over several train datasets: it fits only if it fits every one of them."""
        by_dataset = {}
        for name in names:
            try:
                by_dataset[name] = self.verdicts(name)
            except WorkbenchError:  # a broken mapping: said in the Columns tab
                by_dataset[name] = []
        return rules.combined_verdicts(by_dataset)

    def fixes(self, key: str, limit: int | None = None) -> list[rules.Fix]:
        """The one-click mapping fixes for a train dataset (none for eval/test sets or while loading)."""
        entry = self.entry(key)
        if entry is None or entry.split != "train":
            return []
        try:
            if self.shape(key) is None:
                return []
        except WorkbenchError:
            return []
        choice = self.loss_for(entry.name).name
        found = self.verdicts(entry.name)
        recommended = self.recommended(entry.name) if choice == "auto" else None
        return rules.mapping_fixes(choice, found, recommended, self.model_type, limit)

    def recommended(self, name: str):
        """(LossSpec, Fix | None) that ``auto`` resolves to for a train dataset, or None."""
        shape = self.shape(f"train/{name}")
        return None if shape is None else rules.recommend_with_fix(shape, self.model_type)

    def run_defaults(self, device: dict | None = None) -> dict:
        """The defaults the run would give omitted arguments (``rules.run_defaults``; {} until a loss resolves)."""
        train = [(self.resolved_loss(e.name), self.profile(e.key)) for e in self.entries("train")]
        if not train or any(loss is None for loss, _ in train):
            return {}
        has_eval = bool(self.evaluators) or bool(self.entries("eval"))
        sets = [(loss, prof.n_rows if prof else 0) for loss, prof in train]
        defaults = rules.run_defaults(sets, self.model_type, has_eval=has_eval, device=device)
        return rules.adapter_defaults(defaults, self.adapter)

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
            self.asymmetric = kept_asymmetric(self.asymmetric, model_type)

    def _suggest_for(self, key: str) -> None:
        """Tick the most useful fitting evaluator for an eval/test set that was just added (once)."""
        if key not in self._auto_evaluate:
            return
        self._auto_evaluate.discard(key)
        choice = None if any(ev.dataset == key for ev in self.evaluators) else self._fitting_evaluator(key)
        if choice is not None:
            with self._edit_lock:
                self.evaluators = self.evaluators + (choice,)

    def _fitting_evaluator(self, key: str) -> EvaluatorChoice | None:
        try:
            shape = self.shape(key)
        except WorkbenchError:
            return None
        fitting = rules.suggest_evaluators(shape, self.model_type) if shape is not None else []
        return EvaluatorChoice(fitting[0].name, dataset=key) if fitting else None

    def suggested_evaluators(self) -> tuple[EvaluatorChoice, ...]:
        found = (self._fitting_evaluator(e.key) for e in self.datasets if e.split != "train")
        return tuple(choice for choice in found if choice is not None)
