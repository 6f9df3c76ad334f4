"""RunSpec -> Plan: load and map every dataset, judge and resolve the losses, settle the training arguments.

Everything a run needs that does not need the model itself is decided here, so configuration problems surface as
one `WorkbenchError` before any model is loaded. The losses are constructed later by :func:`make_losses` (they
need the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import catalog as C
from .. import data, rules
from ..data import DataShape, Mapping, dataset_mapping, inherits_mapping
from ..errors import WorkbenchError
from ..rules import evaluator_name, evaluator_source
from ..spec import EvaluatorChoice, LossChoice, RunSpec
from .datasets import DatasetPrep, _prepare, _train_classes_for
from .losses import check_choice
from .runs import check_output_dir

__all__ = ["EvaluatorPlan", "Plan", "build"]


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
        device_info: :func:`workbench.engine.models.detect_device`'s answer (name, fp16/bf16 support) the args were
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
    device_info: dict = field(
        default_factory=lambda: {"device": "cpu", "name": "CPU", "fp16": False, "bf16": False}
    )

    @property
    def train_rows(self) -> int:
        return sum(ds.num_rows for ds in self.train.values())

    @property
    def output_dir(self) -> Path:
        return Path(self.spec.output_dir)


def _refusal(loss: C.LossSpec, verdict, where: str, shape: DataShape, model_type: str) -> WorkbenchError:
    fixes = [f.text for f in verdict.fixes]
    fitting = [v.name for v in rules.verdicts(shape, model_type) if v.compatible]
    fix = "; or ".join(fixes) if fixes else ""
    if fitting:
        fix = (fix + "; or " if fix else "") + f"choose a loss that fits: {', '.join(fitting[:6])}"
    return WorkbenchError(
        f"{loss.name} does not fit train dataset '{where}': {verdict.reason}.",
        fix=(fix or "change the column mapping (columns / label) or the loss") + ".",
        where="loss",
    )


def _resolve_loss(
    choice: LossChoice, shape: DataShape, name: str, model_type: str, label_guessed: bool, notes: list[str]
) -> tuple[C.LossSpec, DataShape, tuple]:
    """The loss spec for one train dataset, the (possibly fixed) shape, and the mapping changes applied."""
    if choice.name == "auto":
        found = rules.recommend_with_fix(shape, model_type)
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
    verdict = rules.verdict(loss, shape)
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
        raise WorkbenchError(
            "there is no train dataset.", fix="add one under datasets.train.", where="datasets.train"
        )
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
                notes.append(
                    f"{split}/{name}: {raw_other[split][name].num_rows} rows held out of train/{ds.of}"
                )
            else:
                raw_other[split][name] = data.load_raw(ds, where=where)
                loaded[f"{split}/{name}"] = raw_other[split][name].split

    shapes: dict[str, DataShape] = {}
    loss_specs: dict[str, C.LossSpec] = {}
    loss_choices: dict[str, LossChoice] = {}
    train: dict[str, Any] = {}
    mappings: dict[str, Mapping] = {}
    preps: dict[str, DatasetPrep] = {}
    for name, raw in raw_train.items():
        ds_spec = spec.train[name]
        profile = data.profile(raw)
        inputs, label, _, guessed = dataset_mapping(ds_spec, profile)
        shape = data.shape_of(profile, inputs, label, ds_spec.label_range, ds=raw)
        choice = spec.loss_for(name)
        loss, shape, changes = _resolve_loss(choice, shape, name, model_type, guessed, notes)
        check_choice(choice, loss, model_type)
        label = None if "no_label" in changes else label
        label_range = shape.label_range
        train[name], preps[f"train/{name}"] = _prepare(
            raw,
            profile,
            inputs,
            label,
            label_range,
            loaded[f"train/{name}"],
            ds_spec.drop_empty,
            f"train/{name}",
            notes,
        )
        mappings[name] = Mapping(inputs, label, label_range, guessed)
        shapes[f"train/{name}"] = shape
        loss_specs[name] = loss
        loss_choices[name] = replace(choice, name=loss.name)

    train_classes = {
        n: preps[f"train/{n}"].label.category_map
        for n in train
        if preps[f"train/{n}"].label is not None and preps[f"train/{n}"].label.cast == C.CAST_CATEGORY
    }
    prepared: dict[str, dict] = {"eval": {}, "test": {}}
    for split in ("eval", "test"):
        for name, raw in raw_other[split].items():
            ds_spec = getattr(spec, split)[name]
            profile = data.profile(raw)
            drop_empty = ds_spec.drop_empty
            inputs, label, label_range, _ = dataset_mapping(ds_spec, profile, train=mappings.get(ds_spec.of))
            if inherits_mapping(ds_spec):
                drop_empty = drop_empty or spec.train[ds_spec.of].drop_empty
            shapes[f"{split}/{name}"] = data.shape_of(profile, inputs, label, label_range, ds=raw)
            classes = _train_classes_for(raw, profile, label, ds_spec, train_classes)
            prepared[split][name], preps[f"{split}/{name}"] = _prepare(
                raw,
                profile,
                inputs,
                label,
                label_range,
                loaded.get(f"{split}/{name}"),
                drop_empty,
                f"{split}/{name}",
                notes,
                classes,
            )

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
        eval_loss = {
            name: ds
            for name, ds in prepared["eval"].items()
            if rules.verdict(loss, shapes[f"eval/{name}"]).compatible
        }

    device_info = models.detect_device()
    device = device_info["device"]
    args = _settle_args(spec, loss_specs, shapes, evaluators, eval_loss, model_type, device_info, notes)
    num_labels = None
    if model_type == C.CROSS:
        needs = {n: rules.ce_num_labels(loss_specs[n], shapes[f"train/{n}"]) for n in loss_specs}
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
                        where="model.num_labels",
                    )
        elif len(wanted) > 1:
            sizes = ", ".join(f"{loss_specs[n].name} on train/{n} needs {need}" for n, need in needs.items())
            raise WorkbenchError(
                f"one cross-encoder cannot have the output sizes these losses need ({sizes}).",
                fix="train the score/binary datasets and the class datasets in separate runs.",
                where="loss",
            )
        else:
            num_labels = wanted.pop()
    return Plan(
        spec=spec,
        model_type=model_type,
        loss_specs=loss_specs,
        loss_choices=loss_choices,
        train=train,
        eval=prepared["eval"],
        test=prepared["test"],
        shapes=shapes,
        args=args,
        notes=notes,
        evaluators=evaluators,
        eval_loss=eval_loss,
        num_labels=num_labels,
        device=device,
        resume=resume,
        preps=preps,
        device_info=device_info,
    )


def _plan_evaluators(spec: RunSpec, shapes: dict, model_type: str, notes: list[str]) -> list[EvaluatorPlan]:
    choices = list(spec.evaluators)
    if not choices:
        for key, shape in shapes.items():
            split, _, name = key.partition("/")
            if split == "train":
                continue
            fitting = rules.suggest_evaluators(shape, model_type)
            if fitting:
                choices.append(EvaluatorChoice(name=fitting[0].name, dataset=key))
                notes.append(f"evaluator for {key}: {fitting[0].name} (none was configured)")
            else:
                notes.append(
                    f"no evaluator fits {key} as mapped ({shape.n_inputs} input(s), label "
                    f"{shape.label_role or 'none'}): it is not measured"
                )
    plans: list[EvaluatorPlan] = []
    taken: set[str] = set()
    for choice in choices:
        ev_spec = C.get_evaluator(choice.name, model_type)
        split, ds_name = evaluator_source(choice, ev_spec)
        plans.append(EvaluatorPlan(choice, ev_spec, split, evaluator_name(ds_name, split, ev_spec, taken)))
    return plans


def _settle_args(
    spec: RunSpec,
    loss_specs: dict,
    shapes: dict,
    evaluators: list[EvaluatorPlan],
    eval_loss: dict,
    model_type: str,
    device_info: dict,
    notes: list[str],
) -> dict:
    device = device_info["device"]
    has_eval = any(ev.split == "eval" for ev in evaluators) or bool(eval_loss)
    total = sum(shapes[f"train/{n}"].n_rows for n in loss_specs)
    biggest = max(loss_specs, key=lambda n: shapes[f"train/{n}"].n_rows)
    recommended = rules.recommended_args(
        loss_specs[biggest], total, model_type, has_eval=has_eval, device=device_info
    )
    args = rules.merge_args(recommended, spec.args)
    for flag in ("bf16", "fp16"):
        if recommended.get(flag) and args.get(flag) and flag not in spec.args:
            notes.append(
                f"{flag} mixed precision: {device_info.get('name', device)} supports it (faster and "
                f"lighter than fp32; set {flag} to false in the training arguments to train in fp32)"
            )
    args.setdefault("report_to", "none")
    args.setdefault("seed", spec.seed)
    for name, loss in loss_specs.items():
        args, more = rules.guardrails(loss, args, model_type, shapes[f"train/{name}"], device=device_info)
        notes.extend(more)
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
