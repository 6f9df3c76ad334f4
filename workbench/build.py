"""RunSpec -> Plan: load and map every dataset, judge and resolve the losses, settle the training arguments.

Everything a run needs that does not need the model itself is decided here, so configuration problems surface as
one `WorkbenchError` before any model is loaded. The losses are constructed later by :func:`make_losses` (they
need the model).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import catalog as C
from . import compat, data
from .build_losses import check_choice, check_loss_params, make_loss, make_losses
from .errors import WorkbenchError
from .shapes import BINARY, CLASS, ColumnProfile, DataShape
from .spec import DatasetSpec, EvaluatorChoice, LossChoice, RunSpec

# The losses are made once the model exists (build_losses); importable from here as before.
__all__ = ["RUN_ARTIFACTS", "DatasetPrep", "EvaluatorPlan", "LabelPrep", "Plan", "build", "check_loss_params",
           "check_output_dir", "evaluator_name", "make_loss", "make_losses"]

# Files a finished run leaves in its output folder (and that "overwrite" clears).
RUN_ARTIFACTS = ("final", "checkpoints", "summary.json", "metrics.jsonl", "config.json", "error.log")


# LabelPrep.cast: how `data.prepare` turned the label column's values into numbers.
CAST_CATEGORY = "category"  # text classes -> ids (LabelPrep.category_map)
CAST_INT = "int"  # whole numbers written as text -> int(float(v))
CAST_FLOAT = "float"  # numbers written as text -> float(v)
CAST_BOOL = "bool"  # False / True -> 0 / 1


@dataclass(frozen=True)
class LabelPrep:
    """What `data.prepare` did to a dataset's label column before naming it ``label``.

    Attributes:
        column: The source column.
        cast: None (the values are used as they are) or one of ``CAST_CATEGORY`` / ``CAST_INT`` / ``CAST_FLOAT`` /
            ``CAST_BOOL``.
        category_map: Text class -> id, for ``CAST_CATEGORY``.
        label_range: ``(low, high)``: after the cast, the label was rescaled from this scale to 0-1.
    """

    column: str
    cast: str | None = None
    category_map: dict[str, int] | None = None
    label_range: tuple[float, float] | None = None

    @property
    def dtype(self) -> str | None:
        """The prepared label's value type (``int64`` / ``float64``), or None when the column is used as it is."""
        if self.label_range is not None or self.cast == CAST_FLOAT:
            return "float64"
        return None if self.cast is None else "int64"


@dataclass(frozen=True)
class DatasetPrep:
    """How one dataset was loaded and mapped: what an exported script has to reproduce.

    Attributes:
        inputs: The source input columns in the loss's order (a column may appear twice).
        label: The label's preparation, or None when the dataset is used without a label.
        columns: The prepared dataset's columns: the inputs (renamed or copied where needed), then ``label``.
        loaded_split: The loaded dataset's split (``Dataset.split``: the one a Hub dataset was read from), taken
            before any holdout; None for a holdout.
        drop_empty: Rows with an empty input or label were dropped before the label was cast.
    """

    inputs: tuple[str, ...]
    label: LabelPrep | None
    columns: tuple[str, ...]
    loaded_split: str | None = None
    drop_empty: bool = False


@dataclass
class EvaluatorPlan:
    """One evaluator of the run: where its data comes from and the built instance."""

    choice: EvaluatorChoice
    spec: C.EvaluatorSpec
    split: str  # "eval" (also runs during training) or "test" (baseline and end only)
    name: str
    instance: Any = None


@dataclass
class Plan:
    """Everything decided before the model is loaded.

    Attributes:
        spec: The run's RunSpec.
        model_type: ``sentence-transformer`` / ``sparse-encoder`` / ``cross-encoder``.
        loss_specs: The resolved catalog loss per train dataset (``auto`` replaced).
        loss_choices: The LossChoice per train dataset, with the resolved name.
        train / eval / test: Prepared datasets (inputs in order, ``label`` last) by name.
        shapes: DataShape per ``"train/NAME"`` / ``"eval/NAME"`` / ``"test/NAME"``.
        preps: DatasetPrep per ``"train/NAME"`` / ``"eval/NAME"`` / ``"test/NAME"``: the column mapping and the
            label's cast, category ids and rescaling that produced the prepared datasets.
        args: The final training-argument dict (without output_dir).
        notes: Human-readable notes on what was decided and adjusted.
        evaluators: The evaluators with their instances.
        eval_loss: Eval datasets the (single) loss can score; passed to the trainer as ``eval_dataset``.
        num_labels: Cross-encoder output size (None for other model types).
        device: ``cuda`` / ``mps`` / ``cpu``.
        device_info: :func:`workbench.models.detect_device`'s answer (name, fp16/bf16 support) the args were
            settled for.
        resume: The checkpoint folder to resume from, or None.
    """

    spec: RunSpec
    model_type: str
    loss_specs: dict[str, C.LossSpec]
    loss_choices: dict[str, LossChoice]
    train: dict[str, Any]
    eval: dict[str, Any]
    test: dict[str, Any]
    shapes: dict[str, DataShape]
    args: dict
    notes: list[str] = field(default_factory=list)
    evaluators: list[EvaluatorPlan] = field(default_factory=list)
    eval_loss: dict[str, Any] = field(default_factory=dict)
    num_labels: int | None = None
    device: str = "cpu"
    resume: str | None = None
    preps: dict[str, DatasetPrep] = field(default_factory=dict)
    device_info: dict = field(default_factory=lambda: {"device": "cpu", "name": "CPU", "fp16": False, "bf16": False})

    @property
    def train_rows(self) -> int:
        return sum(ds.num_rows for ds in self.train.values())

    @property
    def output_dir(self) -> Path:
        return Path(self.spec.output_dir)


def _check_writable(out: Path) -> None:
    """The output folder must be a folder this process can write (else the run fails after loading everything)."""
    import os

    if out.exists() and not out.is_dir():
        raise WorkbenchError(f"output folder '{out}' is a file.", fix="choose a folder path for output_dir.",
                             where="output_dir")
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise WorkbenchError(f"output folder '{out}' cannot be written here ('{existing}' is not writable).",
                             fix="choose a folder you can write to, e.g. under your home folder.", where="output_dir")


def held_models(out: Path) -> list[str]:
    """What in an output folder is a trained model that a new run would overwrite.

    The logs of a run that ended before anything was trained (summary.json, metrics.jsonl, error.log, config.json)
    are not: a retry in the same folder replaces them.
    """
    held = [name for name in ("final", "model.safetensors", "modules.json") if (out / name).exists()]
    checkpoints = out / "checkpoints"
    if checkpoints.is_dir() and any(p.name.startswith("checkpoint-") for p in checkpoints.iterdir()):
        held.append("checkpoints")
    config = out / "config.json"
    if not held and config.is_file():  # a run writes its config.json: refuse to replace someone else's
        try:
            ours = "datasets" in json.loads(config.read_text(encoding="utf8"))
        except (OSError, ValueError, TypeError):
            ours = False
        if not ours:
            held.append("a config.json the workbench did not write")
    return held


def check_output_dir(spec: RunSpec) -> str | None:
    """Refuse to overwrite a finished run; resolve ``resume_from_checkpoint`` to a checkpoint folder.

    Returns:
        The checkpoint folder to resume from, or None.
    """
    out = Path(spec.output_dir).expanduser()
    _check_writable(out)
    resume = spec.resume_from_checkpoint
    if resume in (None, False):
        held = held_models(out)
        if held and not spec.overwrite:
            raise WorkbenchError(
                f"output folder '{out}' already holds a trained model ({', '.join(held)}): a new run would "
                "overwrite it.",
                fix="choose another output_dir (in the app: tick 'New folder for every run'), set \"overwrite\": "
                "true, or resume with resume_from_checkpoint",
                where="output_dir",
            )
        return None
    if resume is True:
        from transformers.trainer_utils import get_last_checkpoint

        folder = out / "checkpoints"
        last = get_last_checkpoint(str(folder)) if folder.is_dir() else None
        if last is None:
            raise WorkbenchError(
                f"there is no checkpoint to resume from in '{folder}'.",
                fix="train with save_steps / save_strategy so checkpoints are written, or give the checkpoint "
                "folder's path in resume_from_checkpoint.",
                where="resume_from_checkpoint",
            )
        return last
    path = Path(str(resume)).expanduser()
    if not path.is_dir():
        raise WorkbenchError(f"checkpoint folder '{resume}' does not exist.",
                             fix="give a folder like OUTPUT_DIR/checkpoints/checkpoint-500, or true for the latest.",
                             where="resume_from_checkpoint")
    return str(path)


def _mapping(ds_spec: DatasetSpec, profile) -> tuple[tuple[str, ...], str | None, bool]:
    """(inputs, label, label_was_guessed). ``label: ""`` in the config means explicitly no label."""
    inputs = tuple(ds_spec.columns) if ds_spec.columns else tuple(profile.guessed_inputs)
    if ds_spec.label == "":
        return inputs, None, False
    if ds_spec.label:
        return inputs, ds_spec.label, False
    guessed = profile.guessed_label
    return inputs, (guessed if guessed not in inputs else None), guessed is not None


def _refusal(loss: C.LossSpec, verdict, where: str, shape: DataShape, model_type: str) -> WorkbenchError:
    fixes = [f.text for f in verdict.fixes]
    fitting = [v.name for v in compat.verdicts(shape, model_type) if v.compatible]
    fix = "; or ".join(fixes) if fixes else ""
    if fitting:
        fix = (fix + "; or " if fix else "") + f"choose a loss that fits: {', '.join(fitting[:6])}"
    return WorkbenchError(
        f"{loss.name} does not fit train dataset '{where}': {verdict.reason}.",
        fix=(fix or "change the column mapping (columns / label) or the loss") + ".",
        where="loss",
    )


def _resolve_loss(choice: LossChoice, shape: DataShape, name: str, model_type: str, label_guessed: bool,
                  notes: list[str]) -> tuple[C.LossSpec, DataShape, tuple]:
    """The loss spec for one train dataset, the (possibly fixed) shape, and the mapping changes applied."""
    if choice.name == "auto":
        found = compat.recommend_with_fix(shape, model_type)
        if found is None:
            raise WorkbenchError(
                f"no {model_type} loss fits train dataset '{name}' as mapped "
                f"(inputs {', '.join(shape.inputs) or 'none'}; label {shape.label or 'none'}).",
                fix="set 'columns' and 'label' for the dataset, or name a loss to see what it needs.",
                where=f"datasets.train.{name}",
            )
        loss, fix = found
        notes.append(f"loss 'auto' for '{name}': {loss.name}")
        if fix is not None:
            notes.append(f"'{name}': {fix.text}")
            return loss, replace(shape, label_range=fix.label_range), (fix.label_range,)
        return loss, shape, ()
    loss = C.get_loss(choice.name, model_type)
    verdict = compat.verdict(loss, shape)
    if verdict.compatible:
        return loss, shape, ()
    unset = [f for f in verdict.fixes if f.kind == "unset_label"]
    if unset and label_guessed:
        notes.append(f"'{name}': the guessed label '{shape.label}' is not used ({loss.name} takes no label)")
        return loss, replace(shape, label=None, label_role=None), ("no_label",)
    raise _refusal(loss, verdict, f"train/{name}", shape, model_type)


def build(spec: RunSpec) -> Plan:
    """Turn a RunSpec into a Plan; every configuration problem is raised here as a WorkbenchError."""
    from . import models
    from .evaluators import build_evaluator

    model_type = spec.model.type
    if not spec.train:
        raise WorkbenchError("there is no train dataset.", fix="add one under datasets.train.", where="datasets.train")
    spec = spec.replace(args=C.coerce_args(spec.args, model_type))  # "2e-5" from YAML -> 2e-05
    models.check_max_seq_length(spec.model.name_or_path, spec.model.max_seq_length)
    resume = check_output_dir(spec)
    notes: list[str] = []
    raw_train = {name: data.load_raw(ds, where=f"datasets.train.{name}") for name, ds in spec.train.items()}
    loaded = {f"train/{name}": raw.split for name, raw in raw_train.items()}
    raw_other: dict[str, dict] = {"eval": {}, "test": {}}
    for split in ("eval", "test"):
        for name, ds in getattr(spec, split).items():
            where = f"datasets.{split}.{name}"
            if ds.source == "holdout":
                source = raw_train[ds.of]
                raw_other[split][name] = data.load_raw(ds, train_datasets={ds.of: source}, where=where)
                raw_train[ds.of] = data.split_holdout(source, float(ds.fraction), ds.seed)[0]
                notes.append(f"{split}/{name}: {raw_other[split][name].num_rows} rows held out of train/{ds.of}")
            else:
                raw_other[split][name] = data.load_raw(ds, where=where)
                loaded[f"{split}/{name}"] = raw_other[split][name].split

    shapes: dict[str, DataShape] = {}
    loss_specs: dict[str, C.LossSpec] = {}
    loss_choices: dict[str, LossChoice] = {}
    train: dict[str, Any] = {}
    mappings: dict[str, tuple] = {}
    preps: dict[str, DatasetPrep] = {}
    for name, raw in raw_train.items():
        ds_spec = spec.train[name]
        profile = data.profile(raw)
        inputs, label, guessed = _mapping(ds_spec, profile)
        shape = data.shape_of(profile, inputs, label, ds_spec.label_range, ds=raw)
        choice = spec.loss_for(name)
        loss, shape, changes = _resolve_loss(choice, shape, name, model_type, guessed, notes)
        check_choice(choice, loss, model_type)
        label = None if "no_label" in changes else label
        label_range = shape.label_range
        train[name], preps[f"train/{name}"] = _prepare(raw, profile, inputs, label, label_range,
                                                       loaded[f"train/{name}"], ds_spec.drop_empty,
                                                       f"train/{name}", notes)
        mappings[name] = (inputs, label, label_range)
        shapes[f"train/{name}"] = shape
        loss_specs[name] = loss
        loss_choices[name] = replace(choice, name=loss.name)

    train_classes = {n: preps[f"train/{n}"].label.category_map for n in train
                     if preps[f"train/{n}"].label is not None and preps[f"train/{n}"].label.cast == CAST_CATEGORY}
    prepared: dict[str, dict] = {"eval": {}, "test": {}}
    for split in ("eval", "test"):
        for name, raw in raw_other[split].items():
            ds_spec = getattr(spec, split)[name]
            profile = data.profile(raw)
            drop_empty = ds_spec.drop_empty
            if ds_spec.source == "holdout" and not ds_spec.columns and ds_spec.label is None:
                inputs, label, label_range = mappings[ds_spec.of]
                drop_empty = drop_empty or spec.train[ds_spec.of].drop_empty
            else:
                inputs, label, _ = _mapping(ds_spec, profile)
                label_range = ds_spec.label_range
            shapes[f"{split}/{name}"] = data.shape_of(profile, inputs, label, label_range, ds=raw)
            classes = _train_classes_for(raw, profile, label, ds_spec, train_classes)
            prepared[split][name], preps[f"{split}/{name}"] = _prepare(raw, profile, inputs, label, label_range,
                                                                       loaded.get(f"{split}/{name}"), drop_empty,
                                                                       f"{split}/{name}", notes, classes)

    evaluators = _plan_evaluators(spec, shapes, model_type, notes)
    for ev in evaluators:
        dataset = None
        if ev.choice.dataset:
            split, _, ds_name = ev.choice.dataset.partition("/")
            dataset = prepared[split][ds_name]
        ev.instance = build_evaluator(ev.choice, ev.spec, dataset, ev.name, model_type)

    eval_loss = {}
    if not isinstance(spec.loss, dict) and len(loss_specs) == 1:
        loss = next(iter(loss_specs.values()))
        eval_loss = {name: ds for name, ds in prepared["eval"].items()
                     if compat.verdict(loss, shapes[f"eval/{name}"]).compatible}

    device_info = models.detect_device()
    device = device_info["device"]
    args = _settle_args(spec, loss_specs, shapes, evaluators, eval_loss, model_type, device_info, notes)
    num_labels = None
    if model_type == C.CROSS:
        needs = {n: compat.ce_num_labels(loss_specs[n], shapes[f"train/{n}"]) for n in loss_specs}
        wanted = set(needs.values())
        if spec.model.num_labels is not None:
            num_labels = spec.model.num_labels
            for n, need in needs.items():
                by_class = loss_specs[n].num_labels == "classes"
                if num_labels < need if by_class else num_labels != need:
                    raise WorkbenchError(
                        f"model.num_labels is {num_labels}, but {loss_specs[n].name} on train/{n} needs "
                        f"{'at least ' if by_class else ''}{need} output{'s' if need != 1 else ''}"
                        + (f" (one per class: {need} classes)." if by_class else " (one score per pair)."),
                        fix=f"set model.num_labels to {need}, or leave it out: the workbench sizes it from the loss.",
                        where="model.num_labels")
        elif len(wanted) > 1:
            sizes = ", ".join(f"{loss_specs[n].name} on train/{n} needs {need}" for n, need in needs.items())
            raise WorkbenchError(f"one cross-encoder cannot have the output sizes these losses need ({sizes}).",
                                 fix="train the score/binary datasets and the class datasets in separate runs.",
                                 where="loss")
        else:
            num_labels = wanted.pop()
    return Plan(spec=spec, model_type=model_type, loss_specs=loss_specs, loss_choices=loss_choices, train=train,
                eval=prepared["eval"], test=prepared["test"], shapes=shapes, args=args, notes=notes,
                evaluators=evaluators, eval_loss=eval_loss, num_labels=num_labels, device=device, resume=resume,
                preps=preps, device_info=device_info)


def _train_classes_for(raw, profile, label, ds_spec: DatasetSpec, train_classes: dict) -> dict | None:
    """The class ids an eval/test set with text classes must use: those of the train set it measures.

    Numbering an eval set's classes on their own would give a class another id than in training whenever the
    eval set lacks a class (the model's "neutral" read as "contradiction"). A holdout takes its train set's ids;
    any other set those of the first train set that has all of its classes (else of the first with text classes:
    a class training never saw is then named in the error).
    """
    import pyarrow as pa

    if label is None or not train_classes:
        return None
    atype = raw.features.arrow_schema.field(label).type
    if not (pa.types.is_string(atype) or pa.types.is_large_string(atype)) or profile.column(label).numeric_strings:
        return None
    if ds_spec.source == "holdout":
        return train_classes.get(ds_spec.of)
    values = set(data.category_mapping(raw, label))
    return next((m for m in train_classes.values() if values <= set(m)), next(iter(train_classes.values())))


def _prepare(raw, profile, inputs, label, label_range, loaded_split, drop_empty: bool, key: str,
             notes: list[str], category_map: dict | None = None) -> tuple[Any, DatasetPrep]:
    """`data.prepare` one dataset, and record what it did (the exported script writes the same steps out).

    ``category_map``: the text-class ids to use (a train set's, for an eval/test set); None numbers them here.
    """
    if drop_empty:
        before = raw.num_rows
        raw = data.drop_empty_rows(raw, [*inputs, *([label] if label else [])])
        if raw.num_rows < before:
            notes.append(f"{key}: {before - raw.num_rows} of {before} rows dropped (an empty input or label)")
    try:
        prepared = data.prepare(raw, inputs, label, label_range, category_map=category_map)
    except WorkbenchError as exc:  # name the dataset; the mapping's problems belong to the Columns panel
        split, _, name = key.partition("/")
        raise WorkbenchError(f"{key}: {exc.message}", fix=exc.fix,
                             where=exc.where or f"datasets.{split}.{name}.columns") from exc
    label_prep = None
    if label is not None:
        label_prep = _label_prep(raw, profile.column(label), label, label_range, prepared, category_map)
    split = str(loaded_split) if loaded_split is not None else None
    return prepared, DatasetPrep(tuple(inputs), label_prep, tuple(prepared.column_names), split, drop_empty)


def _label_prep(raw, column: ColumnProfile, label: str, label_range, prepared,
                category_map: dict | None = None) -> LabelPrep:
    """The cast `data.prepare` applied to a label: its rule (Arrow type + column profile), read off its output.

    The profile is the one `prepare` decides from (the same seeded row sample). A text column holding mostly
    numbers is read as numbers by `prepare` even when the sample shows a stray value: the output's type tells.
    """
    import pyarrow as pa

    atype = raw.features.arrow_schema.field(label).type
    is_string = pa.types.is_string(atype) or pa.types.is_large_string(atype)
    scale = tuple(float(v) for v in label_range) if label_range is not None else None
    if is_string and not column.numeric_strings and getattr(prepared.features["label"], "dtype", None) == "int64":
        return LabelPrep(label, CAST_CATEGORY, dict(category_map) if category_map is not None
                         else data.category_mapping(raw, label), scale)
    if is_string or column.numeric_strings:
        return LabelPrep(label, CAST_INT if column.role in (CLASS, BINARY) else CAST_FLOAT, None, scale)
    if pa.types.is_boolean(atype):
        return LabelPrep(label, CAST_BOOL, None, scale)
    return LabelPrep(label, None, None, scale)


def _plan_evaluators(spec: RunSpec, shapes: dict, model_type: str, notes: list[str]) -> list[EvaluatorPlan]:
    choices = list(spec.evaluators)
    if not choices:
        for key, shape in shapes.items():
            split, _, name = key.partition("/")
            if split == "train":
                continue
            fitting = compat.suggest_evaluators(shape, model_type)
            if fitting:
                choices.append(EvaluatorChoice(name=fitting[0].name, dataset=key))
                notes.append(f"evaluator for {key}: {fitting[0].name} (none was configured)")
            else:
                notes.append(f"no evaluator fits {key} as mapped ({shape.n_inputs} input(s), label "
                             f"{shape.label_role or 'none'}): it is not measured")
    plans: list[EvaluatorPlan] = []
    taken: set[str] = set()
    for choice in choices:
        ev_spec = C.get_evaluator(choice.name, model_type)
        split, ds_name = evaluator_source(choice, ev_spec)
        plans.append(EvaluatorPlan(choice, ev_spec, split, evaluator_name(ds_name, split, ev_spec, taken)))
    return plans


def evaluator_source(choice: EvaluatorChoice, ev_spec) -> tuple[str, str]:
    """(split, dataset name) an evaluator is named after: its dataset, or the folder of its BEIR files (eval)."""
    if choice.dataset:
        split, _, ds_name = choice.dataset.partition("/")
        return split, ds_name
    return "eval", Path(choice.queries).parent.name if choice.queries else ev_spec.name.replace("Evaluator", "")


def evaluator_name(ds_name: str, split: str, ev_spec, taken: set) -> str:
    """A unique evaluator name (the metric-key prefix) for a dataset; records it in ``taken``.

    The app's metric_for_best_model choices use the same rule, so the names they offer are the run's names.
    """
    name = ds_name if ds_name not in taken else f"{ds_name}-{split}"
    if name in taken:
        name = f"{name}-{ev_spec.name.replace('Evaluator', '').lower()}"
    k = 2
    while name in taken:
        name, k = f"{name}-{k}", k + 1
    taken.add(name)
    return name


def _settle_args(spec: RunSpec, loss_specs: dict, shapes: dict, evaluators: list[EvaluatorPlan], eval_loss: dict,
                 model_type: str, device_info: dict, notes: list[str]) -> dict:
    device = device_info["device"]
    has_eval = any(ev.split == "eval" for ev in evaluators) or bool(eval_loss)
    total = sum(shapes[f"train/{n}"].n_rows for n in loss_specs)
    biggest = max(loss_specs, key=lambda n: shapes[f"train/{n}"].n_rows)
    recommended = compat.recommended_args(loss_specs[biggest], total, model_type, has_eval=has_eval,
                                          device=device_info)
    args = compat.merge_args(recommended, spec.args)
    for flag in ("bf16", "fp16"):
        if recommended.get(flag) and args.get(flag) and flag not in spec.args:
            notes.append(f"{flag} mixed precision: {device_info.get('name', device)} supports it (faster and "
                         f"lighter than fp32; set {flag} to false in the training arguments to train in fp32)")
    args.setdefault("report_to", "none")
    args.setdefault("seed", spec.seed)
    if device != "cpu" and args.get("bf16") and not device_info.get("bf16"):
        raise WorkbenchError(f"bf16 needs a GPU that supports it, and {device_info.get('name', device)} does not.",
                             fix="turn bf16 off" + (" and fp16 on." if device_info.get("fp16") else "."),
                             where="args.bf16")
    for name, loss in loss_specs.items():
        args, more = compat.guardrails(loss, args, model_type, shapes[f"train/{name}"], device=device)
        notes.extend(more)
    if device == "cpu":
        args.setdefault("dataloader_pin_memory", False)
    if not has_eval and args.get("eval_strategy", "no") not in ("no", None):
        raise WorkbenchError(
            f"eval_strategy '{args['eval_strategy']}' needs something to evaluate during training.",
            fix="add an eval dataset with an evaluator, or set eval_strategy to 'no'.",
            where="args.eval_strategy",
        )
    if not has_eval:
        args["eval_strategy"] = "no"
    _check_best_metric(args.get("metric_for_best_model"), evaluators, list(eval_loss))
    return args


def _check_best_metric(metric: str | None, evaluators: list[EvaluatorPlan], loss_sets: list[str]) -> None:
    """metric_for_best_model must name something the run measures during training (else a KeyError at the end).

    ``loss_sets``: the eval datasets the loss is computed on (``eval_loss``, or ``eval_NAME_loss`` for several).
    """
    if not metric:
        return
    key = metric if metric.startswith("eval_") else f"eval_{metric}"
    during = [ev for ev in evaluators if ev.split == "eval"]
    losses = ["eval_loss"] if len(loss_sets) == 1 else [f"eval_{n}_loss" for n in loss_sets]
    if key in losses or any(key.startswith(f"eval_{ev.name}_") for ev in during):
        return
    known = [f"eval_{ev.name}_{ev.spec.primary}" for ev in during] + losses
    raise WorkbenchError(
        f"metric_for_best_model '{metric}' is not measured during training.",
        fix=("use " + ", ".join(known) if known else "add an eval dataset with an evaluator first") + ".",
        where="args.metric_for_best_model",
    )
