"""Session: the observable state every panel binds to, and its bridge to the Runner.

Two kinds of traits live here:

- CONFIG traits (model, datasets with their column mapping, loss, args, evaluators, output folder) are written
  by the UI thread, i.e. by the panels in response to a person's clicks.
- RUN traits (status, progress, history, baseline/final metrics, log, saved path, error) are written only by the
  Runner's worker thread through :meth:`Session._on_event`. Container traits are always replaced, never
  mutated, because traitlets only notices assignment.

Loaded datasets and their profiles are cached in plain dicts (not traits) keyed by the dataset's source
description; loading runs in a background thread that reports through ``loading`` / ``data_errors`` /
``data_version``. Derived facts (which losses fit, which evaluators apply) are computed by calling ``compat``,
never stored. Nothing here imports torch, sentence-transformers or datasets at module load.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import traitlets as T

from . import catalog as C
from . import compat
from .errors import WorkbenchError
from .spec import POOLING_MODES, DatasetSpec, EvaluatorChoice, LossChoice, RunSpec

log = logging.getLogger("workbench.state")

STATUSES = ("idle", "loading", "baseline", "training", "saving", "finished", "stopped", "error")
ACTIVE = ("loading", "baseline", "training", "saving")
ENDED = ("finished", "stopped", "error")
SPLITS = ("train", "eval", "test")
PANELS = ("model", "dataset", "columns", "loss", "args", "evaluators", "train")
_MAPPING_FIELDS = ("columns", "label", "label_range")
_LOG_LINES = 200
# Two threads importing sentence-transformers at the same time can see a half-initialised module ("cannot import
# name ... from partially initialized module"). Every heavy import the app starts goes through this lock.
HEAVY_LOCK = threading.RLock()
_WARM_MODULES = (
    "sentence_transformers",
    "sentence_transformers.sentence_transformer.training_args",
    "sentence_transformers.sparse_encoder.training_args",
    "sentence_transformers.cross_encoder.training_args",
    "sentence_transformers.sentence_transformer.trainer",
    "sentence_transformers.sparse_encoder.trainer",
    "sentence_transformers.cross_encoder.trainer",
    "datasets",
)


def warm_up() -> None:
    """Import the heavy libraries once, under HEAVY_LOCK (later imports of them are dictionary lookups)."""
    import importlib

    with HEAVY_LOCK:
        for name in _WARM_MODULES:
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - the run reports a missing library properly
                log.warning("warm-up import of %s failed: %s", name, exc)


def workbench_home() -> Path:
    """Where the app keeps its autosave and uploads: ``$WORKBENCH_HOME`` or ``~/.cache/sentence-workbench``."""
    return Path(os.environ.get("WORKBENCH_HOME") or Path.home() / ".cache" / "sentence-workbench")


def runs_dir() -> Path:
    """Where new runs go: ``$WORKBENCH_RUNS``, else ``$WORKBENCH_HOME/runs`` when set, else ``./runs``."""
    if os.environ.get("WORKBENCH_RUNS"):
        return Path(os.environ["WORKBENCH_RUNS"])
    if os.environ.get("WORKBENCH_HOME"):
        return Path(os.environ["WORKBENCH_HOME"]) / "runs"
    return Path.cwd() / "runs"


def autosave_path() -> Path:
    return workbench_home() / "autosave.json"


def new_output_dir() -> str:
    """A fresh ``runs/<timestamp>`` folder name (not created)."""
    base = runs_dir() / time.strftime("%Y%m%d-%H%M%S")
    path, k = base, 2
    while path.exists():
        path, k = Path(f"{base}-{k}"), k + 1
    return str(path)


def panel_for(where: str | None, default: str = "train") -> str:
    """The panel an error belongs to, from a WorkbenchError's ``where``."""
    if not where:
        return default
    head = where.split(".")[0].split("[")[0]
    if head == "datasets":
        return "columns" if where.endswith((".columns", ".label", ".label_range")) else "dataset"
    return {"model": "model", "loss": "loss", "args": "args", "evaluators": "evaluators"}.get(head, default)


def error_text(exc: BaseException) -> str:
    """One line a person can read: a WorkbenchError's message and fix, or the first line of anything else."""
    if isinstance(exc, WorkbenchError):
        return exc.message + (f" Fix: {exc.fix}" if exc.fix else "")
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"Something went wrong ({type(exc).__name__}{': ' + first if first else ''})."


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
    return json.dumps({k: v for k, v in spec.to_dict().items() if k not in _MAPPING_FIELDS}, sort_keys=True,
                      default=str)


def demo_entries() -> tuple[DatasetEntry, ...]:
    from .demo import demo_path

    mapping = {"columns": ("sentence1", "sentence2"), "label": "score", "label_range": (0.0, 5.0)}
    return (
        DatasetEntry("train", "demo", DatasetSpec(source="csv", path=demo_path("pairs_scored_train"), **mapping)),
        DatasetEntry("eval", "dev", DatasetSpec(source="csv", path=demo_path("pairs_scored_dev"), **mapping)),
    )


class Session(T.HasTraits):
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
        self._auto_evaluate: set[str] = set()  # eval/test sets added here: tick a fitting evaluator once loaded
        self._stop_requested = False
        self.autosave = Path(autosave) if autosave else None
        if not self.output_dir:
            self.output_dir = new_output_dir()
        self.observe(self._autosave, names=["model_type", "model_name", "max_seq_length", "from_scratch",
                                            "pooling", "model_card", "datasets", "loss", "evaluators", "args",
                                            "output_dir"])

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
            entries = tuple(DatasetEntry(split, name, ds) for split in SPLITS
                            for name, ds in getattr(spec, split).items())
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
        loss = ({k: v.to_dict() for k, v in self.loss.items()} if isinstance(self.loss, dict)
                else self.loss.to_dict())
        return {"model": model, "datasets": datasets, "loss": loss,
                "evaluators": [e.to_dict() for e in self.evaluators], "args": dict(self.args),
                "output_dir": self.output_dir}

    def to_spec(self) -> RunSpec:
        """A validated RunSpec of the current configuration.

        Raises:
            WorkbenchError: the configuration is not valid (``where`` names the part).
        """
        return RunSpec.from_dict(self.to_config())

    def save_config(self, path: str | Path) -> Path:
        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_config(), indent=2), encoding="utf-8")
        return path

    def load_config(self, path: str | Path) -> None:
        """Apply a config file (JSON or YAML) and load its datasets in the background."""
        from .spec import load_config

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

    # ---- datasets ----------------------------------------------------------------------------------------------

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

    def add_dataset(self, split: str, name: str, spec: DatasetSpec, *, load: bool = True,
                    background: bool | None = None) -> DatasetEntry:
        """Add a dataset (replacing one of the same split and name) and load it."""
        if split not in SPLITS:
            raise WorkbenchError(f"unknown split '{split}'.", fix="use train, eval or test.", where="datasets")
        if spec.source == "holdout" and split == "train":
            raise WorkbenchError("a held-out part can only be an eval or test set.", where="datasets")
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
        with self._edit_lock:
            self.datasets = tuple(e for e in self.datasets if e.key != key)
            self.evaluators = tuple(ev for ev in self.evaluators if ev.dataset != key)
            if isinstance(self.loss, dict):
                name = key.partition("/")[2]
                self.loss = {k: v for k, v in self.loss.items() if k != name} or LossChoice()
        if self.selected == key:
            self.selected = self.datasets[0].key if self.datasets else ""

    def set_mapping(self, key: str, **changes) -> None:
        """Change a dataset's ``columns`` / ``label`` / ``label_range``."""
        entry = self.entry(key)
        if entry is None:
            return
        new = replace(entry, spec=replace(entry.spec, **changes))
        with self._edit_lock:
            self.datasets = tuple(new if e.key == key else e for e in self.datasets)

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
        thread = threading.Thread(target=self._load_entries, args=(todo, warm), name="workbench-load", daemon=True)
        thread.start()
        return thread

    def _load_entries(self, entries, warm: bool = False) -> None:
        from . import data

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
        from . import data

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
            from . import data

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
        from . import data

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

    def verdicts(self, name: str) -> list[compat.Verdict]:
        """compat's verdict for every loss against train dataset ``name`` (empty while not loaded)."""
        shape = self.shape(f"train/{name}")
        if shape is None:
            return []
        out = compat.verdicts(shape, self.model_type)
        if self.mapping(f"train/{name}")[3]:  # the run drops a guessed label when the loss takes none
            unlabeled = replace(shape, label=None, label_role=None)
            for i, v in enumerate(out):
                if not v.compatible and any(f.kind == "unset_label" for f in v.fixes):
                    again = compat.verdict(v.loss, unlabeled)
                    if again.compatible:
                        out[i] = replace(again, reason=f"{again.reason} (the guessed label '{shape.label}' is not "
                                                       "used)")
        return out

    def recommended(self, name: str):
        """(LossSpec, Fix | None) that ``auto`` resolves to for a train dataset, or None."""
        shape = self.shape(f"train/{name}")
        return None if shape is None else compat.recommend_with_fix(shape, self.model_type)

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
        fitting = compat.suggest_evaluators(shape, self.model_type) if shape is not None else []
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
            fitting = compat.suggest_evaluators(shape, self.model_type) if shape is not None else []
            if fitting:
                out.append(EvaluatorChoice(fitting[0].name, dataset=entry.key))
        return tuple(out)

    # ---- running ----------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.status in ACTIVE

    def check(self) -> RunSpec:
        """The RunSpec to run, after the checks that need no model (raises WorkbenchError with ``where``)."""
        spec = self.to_spec()
        if not spec.train:
            raise WorkbenchError("there is no train dataset.", fix="add one in the Data tab.", where="datasets.train")
        for entry in self.entries("train"):
            try:
                shape = self.shape(entry.key)
            except WorkbenchError as exc:
                raise WorkbenchError(exc.message, exc.fix, where=f"datasets.{entry.key}.columns") from None
            choice = self.loss_for(entry.name)
            if shape is None or choice.name == "auto":
                continue
            verdict = next((v for v in self.verdicts(entry.name) if v.name == choice.name), None)
            if verdict is None:
                C.get_loss(choice.name, self.model_type)  # raises "a cross-encoder loss ..." etc.
            elif not verdict.compatible:
                fix = "; or ".join(f.text for f in verdict.fixes) or "change the columns or pick a loss that fits"
                raise WorkbenchError(f"{choice.name} does not fit '{entry.name}': {verdict.reason}.", fix=fix + ".",
                                     where="loss")
        return spec

    def start(self):
        """Start a run of the current configuration in the background.

        Returns:
            The Runner.

        Raises:
            WorkbenchError: a run is active, or the configuration cannot run (nothing is started then).
        """
        from .run import Runner

        if self.running:
            raise WorkbenchError("a run is already going.", fix="wait for it to end, or press Stop.")
        if self.auto_output:
            self.output_dir = new_output_dir()
        spec = self.check()
        with self.hold_trait_notifications():
            self.history, self.log, self.progress = (), (), {}
            self.baseline, self.final, self.primary = {}, {}, {}
            self.saved_path, self.error = "", ""
            self.errors = {k: v for k, v in self.errors.items() if k not in ("train", "loss", "args")}
            self.status = "loading"
        runner = self.runner = Runner(spec)
        runner.subscribe(self._on_event)
        self._stop_requested = False
        self._log(f"Starting: the model will be saved in {spec.output_dir}")

        def launch():
            warm_up()  # waits for an import that is under way in another thread
            if self._stop_requested:
                self._log("Stopped before training began.")
                self.status = "stopped"
                return
            runner.start()

        self._launcher = threading.Thread(target=launch, name="workbench-launch", daemon=True)
        self._launcher.start()
        return runner

    def stop(self) -> None:
        """Ask the run to stop after the current step; the model trained so far is saved."""
        if self.runner is not None and self.running:
            self._stop_requested = True
            self.runner.stop()
            self._log("Stopping after the current step; the model trained so far will be saved…")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; True when it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._launcher is not None:
            self._launcher.join(timeout)
            if self._launcher.is_alive():
                return False
        if self.runner is None:
            return True
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        return self.runner.wait(left) if self.runner._thread is not None else self.status in ENDED

    def _log(self, line: str) -> None:
        self.log = (self.log + (f"{time.strftime('%H:%M:%S')}  {line}",))[-_LOG_LINES:]

    def _on_event(self, event: dict) -> None:
        """The Runner's subscriber: runs in the WORKER thread and only assigns run traits."""
        kind = event.get("type")
        if kind == "status":
            status = event["status"]
            if status == "error":
                runner = self.runner
                text = (runner.error if runner is not None else None) or "the run failed."
                exc = getattr(runner, "exception", None)
                self.error = error_text(exc) if isinstance(exc, WorkbenchError) else text
                if isinstance(exc, WorkbenchError):
                    self.report(exc, "train")
                self._log(f"Error: {self.error}")
            else:
                self._log(STATUS_LINES.get(status, status))
            self.status = status
        elif kind == "progress":
            self.progress = dict(event)
        elif kind in ("log", "eval"):
            self.history = self.history + (dict(event),)
            if kind == "eval":
                shown = {k: v for k, v in event.get("metrics", {}).items() if isinstance(v, (int, float))}
                self._log(f"step {event.get('step')}: " + ", ".join(f"{k} {v:.4g}" for k, v in shown.items()
                                                                  if not k.endswith(("_runtime", "per_second"))))
            elif "loss" in event:
                self._log(f"step {event.get('step')}: training loss {event['loss']:.4g}")
        elif kind == "baseline":
            self.primary = dict(event.get("primary") or {})
            self.baseline = dict(event.get("metrics") or {})
            self._log("Before training: " + _metrics_line(self.baseline))
        elif kind == "final":
            self.final = dict(event.get("metrics") or {})
            self._log("After training: " + _metrics_line(self.final))
        elif kind == "saved":
            self.saved_path = str(event.get("path", ""))
            self._log(f"Model saved to {self.saved_path}")
        elif kind == "note":
            self._log(str(event.get("text", "")))


STATUS_LINES = {
    "loading": "Loading the model and the data…",
    "baseline": "Measuring the model before training (baseline)…",
    "training": "Training…",
    "saving": "Saving the model…",
    "finished": "Finished.",
    "stopped": "Stopped; the model trained so far was saved.",
}


def _metrics_line(metrics: dict) -> str:
    return ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float))) or "(no metrics)"
