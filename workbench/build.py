"""RunSpec -> Plan: load and map every dataset, judge and resolve the losses, settle the training arguments.

Everything a run needs that does not need the model itself is decided here, so configuration problems surface as
one `WorkbenchError` before any model is loaded. The losses are constructed later by :func:`make_losses` (they
need the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import catalog as C
from . import compat, data
from .errors import WorkbenchError, nearest
from .shapes import DataShape
from .spec import DatasetSpec, EvaluatorChoice, LossChoice, RunSpec

# Files a finished run leaves in its output folder (and that "overwrite" clears).
RUN_ARTIFACTS = ("final", "checkpoints", "summary.json", "metrics.jsonl", "config.json", "error.log")


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
        args: The final training-argument dict (without output_dir).
        notes: Human-readable notes on what was decided and adjusted.
        evaluators: The evaluators with their instances.
        eval_loss: Eval datasets the (single) loss can score; passed to the trainer as ``eval_dataset``.
        num_labels: Cross-encoder output size (None for other model types).
        device: ``cuda`` / ``mps`` / ``cpu``.
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

    @property
    def train_rows(self) -> int:
        return sum(ds.num_rows for ds in self.train.values())

    @property
    def output_dir(self) -> Path:
        return Path(self.spec.output_dir)


def check_output_dir(spec: RunSpec) -> str | None:
    """Refuse to overwrite a finished run; resolve ``resume_from_checkpoint`` to a checkpoint folder.

    Returns:
        The checkpoint folder to resume from, or None.
    """
    out = Path(spec.output_dir)
    resume = spec.resume_from_checkpoint
    if resume in (None, False):
        held = [name for name in ("final", "summary.json", "model.safetensors", "modules.json") if (out / name).exists()]
        if held and not spec.overwrite:
            raise WorkbenchError(
                f"output folder '{out}' already holds a trained model.",
                fix="choose another output_dir, set \"overwrite\": true, or resume with resume_from_checkpoint",
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
    C.check_args(spec.args, model_type)
    resume = check_output_dir(spec)
    notes: list[str] = []
    raw_train = {name: data.load_raw(ds, where=f"datasets.train.{name}") for name, ds in spec.train.items()}
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

    shapes: dict[str, DataShape] = {}
    loss_specs: dict[str, C.LossSpec] = {}
    loss_choices: dict[str, LossChoice] = {}
    train: dict[str, Any] = {}
    mappings: dict[str, tuple] = {}
    for name, raw in raw_train.items():
        ds_spec = spec.train[name]
        profile = data.profile(raw)
        inputs, label, guessed = _mapping(ds_spec, profile)
        shape = data.shape_of(profile, inputs, label, ds_spec.label_range, ds=raw)
        choice = spec.loss_for(name)
        loss, shape, changes = _resolve_loss(choice, shape, name, model_type, guessed, notes)
        _check_choice(choice, loss, model_type)
        label = None if "no_label" in changes else label
        label_range = shape.label_range
        train[name] = data.prepare(raw, inputs, label, label_range)
        mappings[name] = (inputs, label, label_range)
        shapes[f"train/{name}"] = shape
        loss_specs[name] = loss
        loss_choices[name] = replace(choice, name=loss.name)

    prepared: dict[str, dict] = {"eval": {}, "test": {}}
    for split in ("eval", "test"):
        for name, raw in raw_other[split].items():
            ds_spec = getattr(spec, split)[name]
            profile = data.profile(raw)
            if ds_spec.source == "holdout" and not ds_spec.columns and ds_spec.label is None:
                inputs, label, label_range = mappings[ds_spec.of]
            else:
                inputs, label, _ = _mapping(ds_spec, profile)
                label_range = ds_spec.label_range
            shapes[f"{split}/{name}"] = data.shape_of(profile, inputs, label, label_range, ds=raw)
            prepared[split][name] = data.prepare(raw, inputs, label, label_range)

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

    device = models.detect_device()["device"]
    args = _settle_args(spec, loss_specs, shapes, evaluators, eval_loss, model_type, device, notes)
    num_labels = None
    if model_type == C.CROSS:
        wanted = {compat.ce_num_labels(loss_specs[n], shapes[f"train/{n}"]) for n in loss_specs}
        if spec.model.num_labels is not None:
            num_labels = spec.model.num_labels
        elif len(wanted) > 1:
            raise WorkbenchError(f"the losses need different cross-encoder output sizes ({sorted(wanted)}).",
                                 fix="train datasets with the same kind of labels together, or set model.num_labels.",
                                 where="loss")
        else:
            num_labels = wanted.pop()
    return Plan(spec=spec, model_type=model_type, loss_specs=loss_specs, loss_choices=loss_choices, train=train,
                eval=prepared["eval"], test=prepared["test"], shapes=shapes, args=args, notes=notes,
                evaluators=evaluators, eval_loss=eval_loss, num_labels=num_labels, device=device, resume=resume)


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
    plans: list[EvaluatorPlan] = []
    taken: set[str] = set()
    for choice in choices:
        ev_spec = C.get_evaluator(choice.name, model_type)
        if choice.dataset:
            split, _, ds_name = choice.dataset.partition("/")
        else:
            split = "eval"
            ds_name = Path(choice.queries).parent.name if choice.queries else ev_spec.name.replace("Evaluator", "")
        plans.append(EvaluatorPlan(choice, ev_spec, split, evaluator_name(ds_name, split, ev_spec, taken)))
    return plans


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
                 model_type: str, device: str, notes: list[str]) -> dict:
    has_eval = any(ev.split == "eval" for ev in evaluators) or bool(eval_loss)
    total = sum(shapes[f"train/{n}"].n_rows for n in loss_specs)
    biggest = max(loss_specs, key=lambda n: shapes[f"train/{n}"].n_rows)
    args = {**compat.recommended_args(loss_specs[biggest], total, model_type, has_eval=has_eval), **spec.args}
    args.setdefault("report_to", "none")
    args.setdefault("seed", spec.seed)
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
    return args


# ---- losses (need the model) ------------------------------------------------------------------------------------

_DISTANCE_HOLDERS = (
    ("sentence_transformers.sentence_transformer.losses", "TripletDistanceMetric"),
    ("sentence_transformers.sentence_transformer.losses", "SiameseDistanceMetric"),
    ("sentence_transformers.sentence_transformer.losses", "BatchHardTripletLossDistanceFunction"),
)


def _distance(cls, value):
    """A distance_metric given by name -> the library member the loss's default comes from."""
    import importlib
    import inspect

    if not isinstance(value, str):
        return value
    default = inspect.signature(cls.__init__).parameters["distance_metric"].default
    if isinstance(default, str):
        return value
    for module, holder_name in _DISTANCE_HOLDERS:
        holder = getattr(importlib.import_module(module), holder_name)
        # vars(), not dir(): an Enum hides the lambdas it holds from dir().
        members = {n: getattr(holder, n) for n in vars(holder) if not n.startswith("_")}
        if any(member is default for member in members.values()):
            if value not in members:
                raise WorkbenchError(f"distance_metric '{value}' is not known to {cls.__name__}.",
                                     fix=f"use one of: {', '.join(members)}.", where="loss.params.distance_metric")
            return members[value]
    return value


def _convert(param: C.ParamSpec | None, key: str, value, cls, model):
    import torch

    kind = param.kind if param else None
    if value is None:
        return None
    if kind == "similarity" or (key == "similarity_fct" and isinstance(value, str)):
        from sentence_transformers import util

        if not hasattr(util, value):
            raise WorkbenchError(f"similarity function '{value}' is not known.", where=f"loss.params.{key}",
                                 fix=f"use one of: {', '.join(param.choices if param else C.SIMILARITIES)}.")
        return getattr(util, value)
    if key == "distance_metric":
        return _distance(cls, value)
    if key == "activation_fn" and isinstance(value, str):
        if not hasattr(torch.nn, value):
            raise WorkbenchError(f"activation '{value}' is not a torch.nn module.", where=f"loss.params.{key}",
                                 fix="use 'Identity' or 'Sigmoid'.")
        return getattr(torch.nn, value)()
    if kind == "model":
        from . import models
        from .spec import ModelSpec

        return models.build_model(ModelSpec(type=C.DENSE, name_or_path=str(value)))
    if key == "pos_weight":
        return torch.tensor(float(value))
    return value


def check_loss_params(loss: C.LossSpec, given: dict, where: str = "loss.params") -> None:
    """Refuse parameter names the installed loss class does not take, naming the nearest valid one."""
    import inspect

    cls = C.resolve_loss(loss)
    valid = [n for n in inspect.signature(cls.__init__).parameters if n not in ("self", "model", "loss")]
    for key in given or {}:
        if key not in valid:
            guess = nearest(key, valid)
            raise WorkbenchError(f"{loss.name} has no parameter '{key}'.", where=f"{where}.{key}",
                                 fix=(f"did you mean '{guess}'? " if guess else "") + f"Parameters: {', '.join(valid)}.")


def _check_choice(choice: LossChoice, loss: C.LossSpec, model_type: str) -> None:
    """Check a loss choice's parameters, modifier and wrapper before any model is loaded."""
    check_loss_params(loss, choice.params)
    for key, group, kind in (("modifier", "modifier", C.DENSE), ("wrapper", "wrapper", C.SPARSE)):
        extra = getattr(choice, key)
        if not extra:
            continue
        if model_type != kind:
            raise WorkbenchError(f"a loss {key} ('{extra['name']}') is only for {kind} models.", where=f"loss.{key}",
                                 fix=f"remove the {key}, or set model.type to '{kind}'.")
        spec = C.get_loss(extra["name"], kind)
        if spec.group != group:
            names = ", ".join(x.name for x in C.LOSSES if x.group == group)
            raise WorkbenchError(f"'{spec.name}' is not a loss {key}.", fix=f"use one of: {names}.",
                                 where=f"loss.{key}")
        check_loss_params(spec, extra.get("params") or {}, f"loss.{key}.params")


def _params(loss: C.LossSpec, cls, given: dict, model, shape: DataShape | None) -> dict:
    import inspect

    from . import models

    check_loss_params(loss, given)
    specs = {p.name: p for p in loss.params}
    out: dict = {}
    valid = inspect.signature(cls.__init__).parameters
    for p in loss.params:
        if p.kind == "auto" and p.name not in given:
            if p.name == "num_labels":
                out[p.name] = int(shape.n_classes) if shape and shape.n_classes else 2
            elif p.name == "embedding_dimension":
                out[p.name] = models.embedding_dimension(model)
        elif p.name not in given and p.default is not None and p.name in valid:
            # The catalog's defaults are what the app shows and the exported script writes; they differ from the
            # library's where the library's would surprise (SpladeLoss leaves queries unregularized).
            out[p.name] = _convert(p, p.name, p.default, cls, model)
    for key, value in given.items():
        out[key] = _convert(specs.get(key), key, value, cls, model)
    if loss.name in ("MatryoshkaLoss", "Matryoshka2dLoss") and not out.get("matryoshka_dims"):
        dim = models.embedding_dimension(model) or 32
        dims, d = [], dim
        while d >= 32:
            dims.append(d)
            d //= 2
        out["matryoshka_dims"] = dims or [dim]
    return out


def _instantiate(loss: C.LossSpec, model, shape, params: dict, inner=None):
    cls = C.resolve_loss(loss)
    kwargs = _params(loss, cls, params or {}, model, shape)
    try:
        return cls(model, inner, **kwargs) if inner is not None else cls(model, **kwargs)
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - the library's own checks on the user's parameters
        raise WorkbenchError(f"{loss.name} could not be created: {exc}", where="loss",
                             fix="check the loss parameters and the model type.") from exc


def make_loss(plan: Plan, name: str, model):
    """The loss module for one train dataset: main loss, then the modifier (dense) or sparse wrapper."""
    loss_spec = plan.loss_specs[name]
    choice = plan.loss_choices[name]
    shape = plan.shapes[f"train/{name}"]
    _check_choice(choice, loss_spec, plan.model_type)
    loss = _instantiate(loss_spec, model, shape, choice.params)
    if choice.modifier:
        modifier = C.get_loss(choice.modifier["name"], C.DENSE)
        loss = _instantiate(modifier, model, shape, choice.modifier.get("params") or {}, inner=loss)
    wrapper = choice.wrapper
    if wrapper is None and "splade_wrapper" in loss_spec.needs:
        wrapper = {"name": "SpladeLoss", "params": {}}
    if wrapper:
        wrapper_spec = C.get_loss(wrapper["name"], C.SPARSE)
        loss = _instantiate(wrapper_spec, model, shape, wrapper.get("params") or {}, inner=loss)
    return loss


def make_losses(plan: Plan, model):
    """One loss module, or a dict of them (one per train dataset) for multi-dataset training."""
    losses = {name: make_loss(plan, name, model) for name in plan.train}
    return losses if len(losses) > 1 else next(iter(losses.values()))
