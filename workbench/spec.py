"""RunSpec: the frozen snapshot of one run, and its JSON/YAML config file (a public contract).

The same RunSpec feeds the headless CLI, the code exporter and the app, so the script you export is the run
you ran. A RunSpec never holds a Hub token: configs with a token in them are refused.

Schema (see README "Run configuration")::

    {
      "model": {"type": "sentence-transformer", "name_or_path": "default", "max_seq_length": 128},
      "datasets": {"train": {NAME: DATASET}, "eval": {NAME: DATASET}, "test": {NAME: DATASET}},
      "loss": {"name": "CoSENTLoss", "params": {}}        # or "auto", or {NAME: LOSS} per train dataset
      "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/stsb"}],
      "args": {...any *TrainingArguments field...},
      "output_dir": "runs/stsb-cosent"
    }
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import WorkbenchError, nearest

MODEL_TYPES = ("sentence-transformer", "sparse-encoder", "cross-encoder")
SOURCES = ("hub", "csv", "json", "parquet", "arrow", "sql", "dict", "holdout")
SPLITS = ("train", "eval", "test")
POOLING_MODES = ("mean", "cls", "max", "lasttoken", "weightedmean")
# Keys that would carry a secret. A config holding one is refused rather than silently stripped, so that the
# person learns where the token should go instead.
SECRET_KEYS = ("hub_token", "token", "hf_token", "use_auth_token", "push_to_hub_token")


def _flag(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise WorkbenchError(f"'{where}' must be true or false, got {value!r}.", where=where)
    return value


def _whole(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkbenchError(f"'{where}' must be a whole number, got {value!r}.", fix="use e.g. 42.", where=where)
    return value


def check_dataset_name(name: str, where: str = "datasets") -> None:
    """A dataset's name also names its evaluator and the evaluator's result files: no path separators."""
    bad = [c for c in ("/", "\\") if c in name]
    if not name.strip() or bad or name.strip() in (".", "..") or name != name.strip():
        raise WorkbenchError(
            f"'{name}' cannot be a dataset name" + (f" (it contains '{bad[0]}')" if bad else "") + ".",
            fix="use letters, digits, '-', '_' or '.', e.g. 'dev' or 'stsb-v1.2'.",
            where=where,
        )


def _check_keys(data: dict, allowed, where: str) -> None:
    for key in data:
        if key in SECRET_KEYS:
            raise WorkbenchError(
                f"'{key}' holds a Hub token; configs never store tokens.",
                fix="remove it from the config and set the HF_TOKEN environment variable, or type the token "
                "into the push panel's password field.",
                where=f"{where}.{key}" if where else key,
            )
        if key not in allowed:
            guess = nearest(key, allowed)
            raise WorkbenchError(
                f"unknown key '{key}'.",
                fix=(f"did you mean '{guess}'? " if guess else "")
                + f"Valid keys here: {', '.join(sorted(allowed))}.",
                where=f"{where}.{key}" if where else key,
            )


@dataclass(frozen=True)
class ModelSpec:
    """Which model to fine-tune.

    Attributes:
        type: ``sentence-transformer`` (dense), ``sparse-encoder`` (SPLADE) or ``cross-encoder``.
        name_or_path: ``default`` (the packaged all-MiniLM-L6-v2), a local folder, or a Hub model id.
        max_seq_length: Truncate inputs to this many tokens (None keeps the model's own).
        from_scratch: Build a fresh model from a plain transformer checkpoint instead of loading a finished
            one: ``{"pooling": "mean"}`` (dense only; pooling one of POOLING_MODES).
        num_labels: Cross-encoder output size (None: chosen from the loss and the labels).
        model_card: Model-card data: ``language``, ``license``, ``model_name``.
    """

    type: str = "sentence-transformer"
    name_or_path: str = "default"
    max_seq_length: int | None = None
    from_scratch: dict | None = None
    num_labels: int | None = None
    model_card: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        if isinstance(data, str):  # "model": "default" or a path/Hub id: the model to fine-tune, as a dense model
            data = {"name_or_path": data}
        if not isinstance(data, dict):
            raise WorkbenchError("'model' must be a mapping like {\"type\": \"sentence-transformer\", "
                                 "\"name_or_path\": \"default\"}.", where="model")
        data = dict(data)
        _check_keys(data, [f.name for f in fields(cls)], "model")
        spec = cls(**data)
        if spec.type not in MODEL_TYPES:
            raise WorkbenchError(
                f"model type '{spec.type}' is not known.",
                fix=f"use one of: {', '.join(MODEL_TYPES)}.",
                where="model.type",
            )
        if spec.max_seq_length is not None and (not isinstance(spec.max_seq_length, int)
                                                 or isinstance(spec.max_seq_length, bool) or spec.max_seq_length < 1):
            raise WorkbenchError(
                f"max_seq_length must be a positive whole number, got {spec.max_seq_length!r}.",
                fix="use e.g. 128, or leave it out to keep the model's own.",
                where="model.max_seq_length",
            )
        if spec.from_scratch is not None:
            pooling = (spec.from_scratch or {}).get("pooling", "mean")
            if pooling not in POOLING_MODES:
                raise WorkbenchError(
                    f"pooling mode '{pooling}' is not known.",
                    fix=f"use one of: {', '.join(POOLING_MODES)}.",
                    where="model.from_scratch.pooling",
                )
        if not isinstance(spec.model_card, dict):
            raise WorkbenchError("'model_card' must be a mapping like {\"language\": \"en\"}.",
                                 where="model.model_card")
        _check_keys(spec.model_card, ("language", "license", "model_name"), "model.model_card")
        return spec


@dataclass(frozen=True)
class DatasetSpec:
    """Where one dataset comes from and how its columns map onto the trainer's inputs.

    Attributes:
        source: One of SOURCES. ``hub``: ``path`` is a repo id (or a local folder laid out like one) with
            optional ``subset`` and ``split``. ``csv``/``json``/``parquet``/``arrow``: ``path`` is a file.
            ``sql``: ``path`` is a SQLite file and ``query`` the SELECT. ``dict``: ``data`` holds the columns
            inline. ``holdout``: a ``fraction`` of the train dataset named by ``of`` (eval sets only).
        columns: The ordered input columns (the trainer takes inputs by position). None: inferred.
        label: The label column (renamed to ``label`` for the trainer); None for losses without labels.
        label_range: ``[low, high]`` of the label's scale; scores are rescaled from it to 0-1.
        limit: Keep only the first N rows (None: all).
        drop_empty: Drop the rows whose inputs or label are empty (null, NaN, blank text) instead of stopping
            with an error that names the column and rows.
    """

    source: str
    path: str | None = None
    subset: str | None = None
    split: str | None = None
    query: str | None = None
    data: dict | None = None
    of: str | None = None
    fraction: float | None = None
    seed: int = 42
    columns: tuple[str, ...] | None = None
    label: str | None = None
    label_range: tuple[float, float] | None = None
    limit: int | None = None
    drop_empty: bool = False

    @classmethod
    def from_dict(cls, data: dict, where: str) -> DatasetSpec:
        if not isinstance(data, dict):
            raise WorkbenchError(
                "a dataset entry must be a mapping like {\"source\": \"csv\", \"path\": \"train.csv\"}.",
                where=where,
            )
        data = dict(data)
        _check_keys(data, [f.name for f in fields(cls)], where)
        if "source" not in data:
            raise WorkbenchError("the dataset has no 'source'.", fix=f"add one of: {', '.join(SOURCES)}.", where=where)
        if data["source"] not in SOURCES:
            guess = nearest(str(data["source"]), SOURCES)
            raise WorkbenchError(
                f"unknown source '{data['source']}'.",
                fix=(f"did you mean '{guess}'? " if guess else "") + f"Use one of: {', '.join(SOURCES)}.",
                where=f"{where}.source",
            )
        for key in ("columns", "label_range"):
            if data.get(key) is not None:
                if isinstance(data[key], str):
                    data[key] = [c.strip() for c in data[key].split(",") if c.strip()]
                data[key] = tuple(data[key])
        if data.get("label_range") is not None:  # "0,5" or ["0", "5"] from a form or a YAML file
            parsed_range = []
            for v in data["label_range"]:
                try:
                    parsed_range.append(v if isinstance(v, bool) else float(v))
                except (TypeError, ValueError):
                    parsed_range.append(v)
            data["label_range"] = tuple(parsed_range)
        if data.get("label") and data.get("columns") and data["label"] in data["columns"]:
            raise WorkbenchError(f"column '{data['label']}' is both an input and the label.",
                                 fix=f"remove '{data['label']}' from columns, or choose another label.",
                                 where=f"{where}.columns")
        if not isinstance(data.get("drop_empty", False), bool):
            raise WorkbenchError(f"drop_empty must be true or false, got {data['drop_empty']!r}.",
                                 where=f"{where}.drop_empty")
        spec = cls(**data)
        src = spec.source
        if src in ("hub", "csv", "json", "parquet", "arrow", "sql") and not spec.path:
            raise WorkbenchError(f"a '{src}' dataset needs a 'path'.", where=f"{where}.path")
        if src == "sql" and not spec.query:
            raise WorkbenchError(
                "a 'sql' dataset needs a 'query'.", fix="add e.g. \"query\": \"SELECT a, b FROM pairs\".",
                where=f"{where}.query",
            )
        if src == "dict" and not isinstance(spec.data, dict):
            raise WorkbenchError("a 'dict' dataset needs 'data': {column: [values, ...]}.", where=f"{where}.data")
        if src == "holdout":
            if not spec.of:
                raise WorkbenchError("a 'holdout' dataset needs 'of': the train dataset to split.", where=where)
            if spec.fraction is None or not 0 < float(spec.fraction) < 1:
                raise WorkbenchError(
                    f"'fraction' must lie between 0 and 1, got {spec.fraction!r}.", fix="use e.g. 0.1.",
                    where=f"{where}.fraction",
                )
        if spec.label_range is not None:
            lo_hi = spec.label_range
            if len(lo_hi) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in lo_hi) \
                    or lo_hi[0] >= lo_hi[1]:
                raise WorkbenchError(
                    f"label_range must be [low, high] with low < high, got {list(lo_hi)}.",
                    fix="use e.g. [0, 5] for STS scores.",
                    where=f"{where}.label_range",
                )
        return spec

    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == f.default and f.name != "source":
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class LossChoice:
    """A loss by name (or ``auto``), its parameters, and optional modifier / sparse wrapper."""

    name: str = "auto"
    params: dict = field(default_factory=dict)
    modifier: dict | None = None  # {"name": "MatryoshkaLoss", "params": {"matryoshka_dims": [384, 128]}}
    wrapper: dict | None = None  # {"name": "SpladeLoss", "params": {"query_regularizer_weight": 5e-5}}

    @classmethod
    def from_dict(cls, data: Any, where: str = "loss") -> LossChoice:
        if isinstance(data, str):
            return cls(name=data)
        if not isinstance(data, dict):
            raise WorkbenchError("'loss' must be a name or {\"name\": ..., \"params\": {...}}.", where=where)
        _check_keys(data, [f.name for f in fields(cls)], where)
        if data.get("params") is not None and not isinstance(data["params"], dict):
            raise WorkbenchError("'params' must be a mapping like {\"scale\": 20}.", where=f"{where}.params")
        data = {**data, "params": data.get("params") or {}}
        for key in ("modifier", "wrapper"):
            if data.get(key) is not None and not (isinstance(data[key], dict) and "name" in data[key]):
                raise WorkbenchError(f"'{key}' must be {{\"name\": ..., \"params\": {{...}}}}.", where=f"{where}.{key}")
        return cls(**data)

    def to_dict(self) -> dict:
        out: dict = {"name": self.name, "params": dict(self.params)}
        if self.modifier:
            out["modifier"] = self.modifier
        if self.wrapper:
            out["wrapper"] = self.wrapper
        return out


@dataclass(frozen=True)
class EvaluatorChoice:
    """An evaluator by name, the dataset it reads (``eval/NAME`` or ``test/NAME``), and its parameters.

    InformationRetrievalEvaluator may instead name BEIR-style files: ``queries``, ``corpus``, ``qrels``.
    """

    name: str
    dataset: str | None = None
    params: dict = field(default_factory=dict)
    queries: str | None = None
    corpus: str | None = None
    qrels: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str) -> EvaluatorChoice:
        if isinstance(data, str):
            data = {"name": data}
        if not isinstance(data, dict) or "name" not in data:
            raise WorkbenchError("an evaluator must be {\"name\": ..., \"dataset\": \"eval/NAME\"}.", where=where)
        _check_keys(data, [f.name for f in fields(cls)], where)
        spec = cls(**data)
        if spec.dataset is not None:
            split, _, name = spec.dataset.partition("/")
            if split not in ("eval", "test") or not name:
                raise WorkbenchError(
                    f"evaluator dataset '{spec.dataset}' must be written 'eval/NAME' or 'test/NAME'.",
                    where=f"{where}.dataset",
                )
        return spec

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, {}) or k == "name"}


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines one run. Build it with :meth:`from_dict` or :func:`load_config`."""

    model: ModelSpec = field(default_factory=ModelSpec)
    train: dict[str, DatasetSpec] = field(default_factory=dict)
    eval: dict[str, DatasetSpec] = field(default_factory=dict)
    test: dict[str, DatasetSpec] = field(default_factory=dict)
    loss: LossChoice | dict[str, LossChoice] = field(default_factory=LossChoice)
    evaluators: tuple[EvaluatorChoice, ...] = ()
    args: dict = field(default_factory=dict)
    output_dir: str = "runs/run"
    overwrite: bool = False
    resume_from_checkpoint: str | bool | None = None
    seed: int = 42

    TOP_KEYS = (
        "model", "datasets", "loss", "evaluators", "args", "output_dir", "overwrite", "resume_from_checkpoint",
        "seed",
    )

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        """Validate the structure of a config mapping and freeze it (names are checked later, by the catalog)."""
        if not isinstance(data, dict):
            raise WorkbenchError("the config must be a JSON/YAML mapping at the top level.")
        _check_keys(data, cls.TOP_KEYS, "")
        datasets = data.get("datasets") or {}
        if not isinstance(datasets, dict):
            raise WorkbenchError("'datasets' must be {\"train\": {...}, \"eval\": {...}, \"test\": {...}}.", where="datasets")
        _check_keys(datasets, SPLITS, "datasets")
        parsed = {}
        for split in SPLITS:
            entries = datasets.get(split) or {}
            if not isinstance(entries, dict):
                raise WorkbenchError(
                    f"'datasets.{split}' must map a dataset name to its description.",
                    fix=f"write e.g. \"{split}\": {{\"mydata\": {{\"source\": \"csv\", \"path\": \"{split}.csv\"}}}}.",
                    where=f"datasets.{split}",
                )
            for name in entries:
                check_dataset_name(str(name), f"datasets.{split}")
            parsed[split] = {
                str(name): DatasetSpec.from_dict(entry, f"datasets.{split}.{name}") for name, entry in entries.items()
            }
        for name, ds in {**parsed["eval"], **parsed["test"]}.items():
            if ds.source == "holdout" and ds.of not in parsed["train"]:
                raise WorkbenchError(
                    f"holdout dataset '{name}' splits '{ds.of}', which is not a train dataset.",
                    fix=f"use one of: {', '.join(parsed['train']) or '(no train datasets)'}.",
                    where=f"datasets.*.{name}.of",
                )
        for ds in parsed["train"].values():
            if ds.source == "holdout":
                raise WorkbenchError("'holdout' is only for eval and test datasets.", where="datasets.train")
        raw_loss = data.get("loss", "auto")
        per_dataset = isinstance(raw_loss, dict) and raw_loss and (
            "name" not in raw_loss or set(raw_loss) <= set(parsed["train"]))  # a train set may be called "name"
        if per_dataset:
            unknown = [k for k in raw_loss if k not in parsed["train"]]
            if unknown:
                raise WorkbenchError(
                    f"per-dataset losses name '{unknown[0]}', which is not a train dataset.",
                    fix=f"train datasets: {', '.join(parsed['train'])}.",
                    where="loss",
                )
            loss: LossChoice | dict = {k: LossChoice.from_dict(v, f"loss.{k}") for k, v in raw_loss.items()}
        else:
            loss = LossChoice.from_dict(raw_loss)
        evaluators = data.get("evaluators") or []
        if not isinstance(evaluators, list):
            raise WorkbenchError("'evaluators' must be a list.", where="evaluators")
        evs = tuple(EvaluatorChoice.from_dict(e, f"evaluators[{i}]") for i, e in enumerate(evaluators))
        for i, ev in enumerate(evs):
            if ev.dataset:
                split, _, name = ev.dataset.partition("/")
                if name not in parsed[split]:
                    raise WorkbenchError(
                        f"evaluator '{ev.name}' reads '{ev.dataset}', which is not defined.",
                        fix=f"{split} datasets: {', '.join(parsed[split]) or '(none)'}.",
                        where=f"evaluators[{i}].dataset",
                    )
        if not isinstance(data.get("args") or {}, dict):
            raise WorkbenchError("'args' must be a mapping of training arguments, like {\"num_train_epochs\": 1}.",
                                 where="args")
        args = dict(data.get("args") or {})
        _check_keys({k: None for k in args if k in SECRET_KEYS}, (), "args")
        output_dir = data.get("output_dir", "runs/run")
        if not isinstance(output_dir, str) or not output_dir.strip():
            raise WorkbenchError("'output_dir' must be a folder path.", where="output_dir")
        return cls(
            model=ModelSpec.from_dict(data.get("model") or {}),
            train=parsed["train"],
            eval=parsed["eval"],
            test=parsed["test"],
            loss=loss,
            evaluators=evs,
            args=args,
            output_dir=output_dir,
            overwrite=_flag(data.get("overwrite", False), "overwrite"),
            resume_from_checkpoint=data.get("resume_from_checkpoint"),
            seed=_whole(data.get("seed", 42), "seed"),
        )

    def to_dict(self) -> dict:
        """The config mapping; ``RunSpec.from_dict(spec.to_dict()) == spec``."""
        model = {k: v for k, v in asdict(self.model).items() if v not in (None, {}) or k in ("type", "name_or_path")}
        if isinstance(self.loss, dict):
            loss: Any = {k: v.to_dict() for k, v in self.loss.items()}
        else:
            loss = self.loss.to_dict()
        out = {
            "model": model,
            "datasets": {
                split: {name: ds.to_dict() for name, ds in getattr(self, split).items()} for split in SPLITS
            },
            "loss": loss,
            "evaluators": [e.to_dict() for e in self.evaluators],
            "args": {k: v for k, v in self.args.items() if k not in SECRET_KEYS},
            "output_dir": self.output_dir,
        }
        if self.overwrite:
            out["overwrite"] = True
        if self.resume_from_checkpoint is not None:
            out["resume_from_checkpoint"] = self.resume_from_checkpoint
        if self.seed != 42:
            out["seed"] = self.seed
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def replace(self, **changes) -> RunSpec:
        return replace(self, **changes)

    def loss_for(self, dataset_name: str) -> LossChoice:
        """The loss that trains on one train dataset."""
        if isinstance(self.loss, dict):
            if dataset_name not in self.loss:
                raise WorkbenchError(
                    f"no loss is given for train dataset '{dataset_name}'.",
                    fix="give a loss for every train dataset, or one loss for all.",
                    where="loss",
                )
            return self.loss[dataset_name]
        return self.loss


def load_config(path: str | Path) -> RunSpec:
    """Read a JSON or YAML config file into a RunSpec; relative dataset paths resolve against the file's folder.

    Raises:
        WorkbenchError: the file is missing, unreadable, or not a valid config.
    """
    path = Path(path)
    if not path.is_file():
        raise WorkbenchError(f"config file '{path}' does not exist.", fix="check the path.")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file, reported plainly
        raise WorkbenchError(
            f"config file '{path}' could not be parsed: {exc}.",
            fix="check the JSON/YAML syntax (quotes, commas, brackets).",
        ) from None
    spec = RunSpec.from_dict(data)
    return resolve_paths(spec, path.parent)


def resolve_paths(spec: RunSpec, base: Path) -> RunSpec:
    """Make relative file paths absolute against ``base`` (the config's folder), ``~`` the home folder; hub ids
    stay as they are."""

    def local(path: str) -> str:
        return str((base / Path(path).expanduser()).resolve())  # an absolute (or ~) path ignores base

    def fix(ds: DatasetSpec) -> DatasetSpec:
        if ds.path and ds.source != "hub":
            return replace(ds, path=local(ds.path))
        if ds.path and ds.source == "hub" and Path(local(ds.path)).is_dir():
            return replace(ds, path=local(ds.path))
        return ds

    def fix_ev(ev: EvaluatorChoice) -> EvaluatorChoice:
        changes = {k: local(getattr(ev, k)) for k in ("queries", "corpus", "qrels") if getattr(ev, k)}
        return replace(ev, **changes) if changes else ev

    model = spec.model
    if model.name_or_path not in ("default",) and Path(local(model.name_or_path)).exists():
        model = replace(model, name_or_path=local(model.name_or_path))
    out_dir = local(spec.output_dir)
    resume = spec.resume_from_checkpoint
    if isinstance(resume, str) and resume.strip():
        resume = local(resume)
    return replace(
        spec,
        model=model,
        train={k: fix(v) for k, v in spec.train.items()},
        eval={k: fix(v) for k, v in spec.eval.items()},
        test={k: fix(v) for k, v in spec.test.items()},
        evaluators=tuple(fix_ev(e) for e in spec.evaluators),
        output_dir=out_dir,
        resume_from_checkpoint=resume,
    )
