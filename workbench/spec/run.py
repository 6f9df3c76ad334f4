"""RunSpec: the frozen snapshot of one run, and its JSON/YAML config file (a public contract).

The same RunSpec feeds the headless CLI, the code exporter and the app, so the script you export is the run
you ran. A RunSpec never holds a Hub token: configs with a token in them are refused.

Schema (see README "Run configuration")::

    {
      "model": {"type": "sentence-transformer", "name_or_path": "default", "max_seq_length": 128},
      "datasets": {"train": {NAME: DATASET}, "eval": {NAME: DATASET}, "test": {NAME: DATASET}},
      "loss": {"name": "CoSENTLoss", "params": {}}        # or "auto", or {NAME: LOSS} per train dataset
      "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/stsb"}],
      "args": {...any *TrainingArguments field...},          # "prompts": per column / per dataset
      "early_stopping": {"patience": 3},                     # or true / false; left out: on with an eval set
      "output_dir": "runs/stsb-cosent"
    }
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from .parts import (
    SECRET_KEYS,
    SPLITS,
    DatasetSpec,
    EvaluatorChoice,
    LossChoice,
    ModelSpec,
    _check_keys,
    _flag,
    _whole,
    check_dataset_name,
)
from .training import check_early_stopping


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
    early_stopping: bool | dict | None = None  # None: on when something is evaluated during training

    TOP_KEYS = (
        "model",
        "datasets",
        "loss",
        "evaluators",
        "args",
        "output_dir",
        "overwrite",
        "resume_from_checkpoint",
        "seed",
        "early_stopping",
    )

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        """Validate the structure of a config mapping and freeze it (names are checked later, by the catalog)."""
        if not isinstance(data, dict):
            raise WorkbenchError("the config must be a JSON/YAML mapping at the top level.")
        _check_keys(data, cls.TOP_KEYS, "")
        parsed = _parse_datasets(data.get("datasets") or {})
        loss = _parse_loss(data.get("loss", "auto"), parsed["train"])
        evs = _parse_evaluators(data.get("evaluators") or [], parsed)
        if not isinstance(data.get("args") or {}, dict):
            raise WorkbenchError(
                "'args' must be a mapping of training arguments, like {\"num_train_epochs\": 1}.",
                fix="write args as a mapping of argument name to value, or leave it out for the defaults.",
                where="args",
            )
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
            early_stopping=check_early_stopping(data.get("early_stopping")),
        )

    def to_dict(self) -> dict:
        """The config mapping; ``RunSpec.from_dict(spec.to_dict()) == spec``."""
        model = {
            k: v
            for k, v in asdict(self.model).items()
            if v not in (None, {}) or k in ("type", "name_or_path")
        }
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
        if self.early_stopping is not None:
            out["early_stopping"] = self.early_stopping
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


def _parse_datasets(datasets) -> dict[str, dict[str, DatasetSpec]]:
    """``datasets`` as {split: {name: DatasetSpec}}; holdouts only split a train set."""
    if not isinstance(datasets, dict):
        raise WorkbenchError(
            '\'datasets\' must be {"train": {...}, "eval": {...}, "test": {...}}.', where="datasets"
        )
    _check_keys(datasets, SPLITS, "datasets")
    parsed = {}
    for split in SPLITS:
        entries = datasets.get(split) or {}
        if not isinstance(entries, dict):
            raise WorkbenchError(
                f"'datasets.{split}' must map a dataset name to its description.",
                fix=f'write e.g. "{split}": {{"mydata": {{"source": "csv", "path": "{split}.csv"}}}}.',
                where=f"datasets.{split}",
            )
        for name in entries:
            check_dataset_name(str(name), f"datasets.{split}")
        parsed[split] = {
            str(name): DatasetSpec.from_dict(entry, f"datasets.{split}.{name}")
            for name, entry in entries.items()
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
    return parsed


def _parse_loss(raw_loss, train: dict) -> LossChoice | dict[str, LossChoice]:
    """One LossChoice, or one per train dataset (a mapping whose keys are train datasets)."""
    per_dataset = (
        isinstance(raw_loss, dict) and raw_loss and ("name" not in raw_loss or set(raw_loss) <= set(train))
    )  # a train set may be called "name"
    if per_dataset:
        unknown = [k for k in raw_loss if k not in train]
        if unknown:
            raise WorkbenchError(
                f"per-dataset losses name '{unknown[0]}', which is not a train dataset.",
                fix=f"train datasets: {', '.join(train)}.",
                where="loss",
            )
        loss: LossChoice | dict = {k: LossChoice.from_dict(v, f"loss.{k}") for k, v in raw_loss.items()}
    else:
        loss = LossChoice.from_dict(raw_loss)
    return loss


def _parse_evaluators(evaluators, parsed: dict) -> tuple[EvaluatorChoice, ...]:
    """The evaluator choices, each reading a dataset the config defines."""
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
    return evs


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
