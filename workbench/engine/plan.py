"""RunSpec -> Plan: load and map every dataset, judge and resolve the losses, settle the training arguments.

Everything a run needs that does not need the model itself is decided here, so configuration problems surface as
one `WorkbenchError` before any model is loaded. :func:`build` applies :data:`STEPS` in order to one :class:`Plan`
holding one :class:`DatasetPlan` per dataset; each step fills in what it decides. The losses are constructed later
by :func:`workbench.engine.losses.make_losses` (they need the model).
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
from ..spec import DatasetSpec, EvaluatorChoice, LossChoice, RunSpec
from .datasets import DatasetPrep, _prepare, _train_classes_for
from .losses import check_choice
from .quality import note_leaks
from .router import route_columns
from .run_setup import Setup, sample_eval_loss, sampled_eval_sets, settle_setup
from .runs import check_output_dir

__all__ = ["STEPS", "DatasetPlan", "EvaluatorPlan", "Plan", "build"]

CPU = {"device": "cpu", "name": "CPU", "fp16": False, "bf16": False}


@dataclass
class EvaluatorPlan:
    """One evaluator of the run: where its data comes from and the built instance."""

    choice: EvaluatorChoice
    spec: C.EvaluatorSpec
    split: str  # "eval" (also runs during training) or "test" (baseline and end only)
    name: str
    instance: Any = None


@dataclass
class DatasetPlan:
    """One dataset of the run, as the build steps decide it.

    Attributes:
        split: ``train`` / ``eval`` / ``test``.
        name: The dataset's name in its split.
        spec: Its DatasetSpec.
        raw: The loaded rows (a train set's after its holdouts were split off).
        loaded_split: The loaded dataset's split (``Dataset.split``), taken before any holdout; None for a holdout.
        profile: The column profile of ``raw``.
        inputs / label / label_range: The column mapping the run uses (a loss's fix applied, for a train set).
        label_guessed: The label was guessed from the data, not configured.
        shape: The mapped data's DataShape.
        dataset: The prepared dataset (inputs in order, ``label`` last).
        prep: The record of how ``dataset`` was prepared (what the exported script writes out).
        loss / choice: For a train set, the resolved catalog loss and the LossChoice with its resolved name.
        loss_scored / loss_rows: For an eval set, the loss is also computed on it in training (a fixed ``loss_rows`` sample).
    """

    split: str
    name: str
    spec: DatasetSpec
    raw: Any = None
    loaded_split: str | None = None
    profile: Any = None
    inputs: tuple[str, ...] = ()
    label: str | None = None
    label_range: tuple[float, float] | None = None
    label_guessed: bool = False
    shape: DataShape | None = None
    dataset: Any = None
    prep: DatasetPrep | None = None
    loss: C.LossSpec | None = None
    choice: LossChoice | None = None
    loss_scored: bool = False
    loss_rows: int | None = None

    @property
    def key(self) -> str:
        """``"split/name"``, as evaluators and notes name the dataset."""
        return f"{self.split}/{self.name}"

    @property
    def where(self) -> str:
        """The dataset's place in the configuration."""
        return f"datasets.{self.split}.{self.name}"


@dataclass
class Plan:
    """Everything decided before the model is loaded.

    Attributes:
        spec: The run's RunSpec (training arguments coerced: ``"2e-5"`` from YAML is the number).
        datasets: One DatasetPlan per dataset: the train sets, then the eval sets, then the test sets.
        args: The final training-argument dict (without output_dir).
        recommended: The workbench's defaults the args were merged over (before the user's and the guardrails).
        notes: Human-readable notes on what was decided and adjusted.
        evaluators: The evaluators with their instances.
        num_labels: Cross-encoder output size (None for other model types).
        device_info: What :func:`workbench.engine.models.detect_device` answered (the args were settled for it).
        resume: The checkpoint folder to resume from, or None.

    Views for the runner and the exporter: ``train`` / ``eval`` / ``test``, ``shapes``, ``preps``, ``loss_specs``,
    ``loss_choices``, ``eval_loss`` / ``eval_loss_rows``, ``model_type``, ``device``, ``train_rows``, ``output_dir``.
    """

    spec: RunSpec
    datasets: list[DatasetPlan] = field(default_factory=list)
    args: dict = field(default_factory=dict)
    recommended: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    evaluators: list[EvaluatorPlan] = field(default_factory=list)
    num_labels: int | None = None
    resume: str | None = None
    device_info: dict = field(default_factory=lambda: dict(CPU))
    setup: Setup = field(default_factory=Setup)  # activation, saved prompts, early stopping (run_setup)

    def of_split(self, split: str) -> list[DatasetPlan]:
        """The DatasetPlans of one split, in the configuration's order."""
        return [dp for dp in self.datasets if dp.split == split]

    def dataset(self, split: str, name: str) -> DatasetPlan:
        """One DatasetPlan by split and name (KeyError when there is none)."""
        for dp in self.datasets:
            if dp.split == split and dp.name == name:
                return dp
        raise KeyError(f"{split}/{name}")

    @property
    def model_type(self) -> str:
        """``sentence-transformer`` / ``sparse-encoder`` / ``cross-encoder`` / ``multi-vector``."""
        return self.spec.model.type

    @property
    def train(self) -> dict[str, Any]:
        return {dp.name: dp.dataset for dp in self.of_split("train")}

    @property
    def eval(self) -> dict[str, Any]:
        return {dp.name: dp.dataset for dp in self.of_split("eval")}

    @property
    def test(self) -> dict[str, Any]:
        return {dp.name: dp.dataset for dp in self.of_split("test")}

    @property
    def shapes(self) -> dict[str, DataShape]:
        return {dp.key: dp.shape for dp in self.datasets if dp.shape is not None}

    @property
    def preps(self) -> dict[str, DatasetPrep]:
        return {dp.key: dp.prep for dp in self.datasets if dp.prep is not None}

    @property
    def loss_specs(self) -> dict[str, C.LossSpec]:
        return {dp.name: dp.loss for dp in self.of_split("train") if dp.loss is not None}

    @property
    def loss_choices(self) -> dict[str, LossChoice]:
        return {dp.name: dp.choice for dp in self.of_split("train") if dp.choice is not None}

    @property
    def eval_loss_rows(self) -> dict[str, int | None]:
        """The eval sets the (single) loss scores, each with its fixed sample's size (None: every row)."""
        return {dp.name: dp.loss_rows for dp in self.of_split("eval") if dp.loss_scored}

    @property
    def eval_loss(self) -> dict[str, Any]:
        """Those sets, sampled: the trainer's ``eval_dataset`` (drawn at each call: take it once)."""
        return sampled_eval_sets(self)

    @property
    def device(self) -> str:
        """``cuda`` / ``mps`` / ``cpu``."""
        return self.device_info["device"]

    @property
    def train_rows(self) -> int:
        return sum(ds.num_rows for ds in self.train.values())

    @property
    def output_dir(self) -> Path:
        return Path(self.spec.output_dir)


def build(spec: RunSpec) -> Plan:
    """Turn a RunSpec into a Plan; every configuration problem is raised here as a WorkbenchError."""
    plan = Plan(spec=spec)
    for step in STEPS:
        step(plan)
    return plan


# ---- the steps ---------------------------------------------------------------------------------------------------


def check_spec(plan: Plan) -> None:
    """A train set exists; the arguments are read as their types; the model's length and the output folder."""
    from . import models
    from .adapters import check_base

    spec = plan.spec
    if not spec.train:
        raise WorkbenchError(
            "there is no train dataset.", fix="add one under datasets.train.", where="datasets.train"
        )
    args = C.coerce_args(spec.args, spec.model.type)  # "2e-5" from YAML -> 2e-05
    plan.spec = spec = spec.replace(args=args)
    models.check_max_seq_length(spec.model.name_or_path, spec.model.max_seq_length)
    check_base(spec.model)  # an adapter run's final/ is merged before it is trained on
    plan.resume = check_output_dir(spec)


def load_datasets(plan: Plan) -> None:
    """Load every dataset; a holdout is split off its train set (which keeps the rest)."""
    spec = plan.spec
    train = {name: DatasetPlan("train", name, ds) for name, ds in spec.train.items()}
    for dp in train.values():
        dp.raw = data.load_raw(dp.spec, where=dp.where)
        dp.loaded_split = dp.raw.split
    others = []
    for split in ("eval", "test"):
        for name, ds in getattr(spec, split).items():
            dp = DatasetPlan(split, name, ds)
            if ds.source == "holdout":
                source = train[ds.of]
                dp.raw = data.load_raw(ds, train_datasets={ds.of: source.raw}, where=dp.where)
                source.raw = data.split_holdout(source.raw, float(ds.fraction), ds.seed)[0]
                plan.notes.append(f"{dp.key}: {dp.raw.num_rows} rows held out of train/{ds.of}")
            else:
                dp.raw = data.load_raw(ds, where=dp.where)
                dp.loaded_split = dp.raw.split
            others.append(dp)
    plan.datasets = [*train.values(), *others]


def judge_train_sets(plan: Plan) -> None:
    """Map each train set, resolve and check its loss (a fix the loss needs is applied), and prepare it."""
    for dp in plan.of_split("train"):
        _map(plan, dp)
        choice = plan.spec.loss_for(dp.name)
        loss, dp.shape, notes = rules.resolve_choice(
            choice, dp.shape, dp.name, plan.model_type, dp.label_guessed
        )
        plan.notes.extend(notes)
        check_choice(choice, loss, plan.model_type)
        dp.label_range = dp.shape.label_range
        dp.loss, dp.choice = loss, replace(choice, name=loss.name)
        _prepare_set(plan, dp, dp.spec.drop_empty)


def prepare_eval_sets(plan: Plan) -> None:
    """Map and prepare each eval and test set; text classes get the ids of the train set they measure."""
    train_classes = {
        dp.name: dp.prep.label.category_map
        for dp in plan.of_split("train")
        if dp.prep.label is not None and dp.prep.label.cast == C.CAST_CATEGORY
    }
    for dp in [*plan.of_split("eval"), *plan.of_split("test")]:
        _map(plan, dp)
        drop_empty = dp.spec.drop_empty
        if inherits_mapping(dp.spec):
            drop_empty = drop_empty or plan.dataset("train", dp.spec.of).spec.drop_empty
        classes = _train_classes_for(dp.raw, dp.profile, dp.label, dp.spec, train_classes)
        _prepare_set(plan, dp, drop_empty, classes)


def plan_evaluators(plan: Plan) -> None:
    """The configured evaluators (or one that fits each eval/test set), named, then built on their data."""
    from .evaluators import build_evaluator

    plan.evaluators = _plan_evaluators(plan.spec, plan.shapes, plan.model_type, plan.notes)
    for ev in plan.evaluators:
        dataset = None
        if ev.choice.dataset:
            split, _, ds_name = ev.choice.dataset.partition("/")
            dataset = plan.dataset(split, ds_name).dataset
        ev.instance = build_evaluator(ev.choice, ev.spec, dataset, ev.name, plan.model_type)


def score_eval_sets_by_loss(plan: Plan) -> None:
    """With one loss for the run, it is also computed on the eval sets it fits (the trainer's ``eval_dataset``)."""
    train = plan.of_split("train")
    if not isinstance(plan.spec.loss, dict) and len(train) == 1:
        for dp in plan.of_split("eval"):
            dp.loss_scored = rules.verdict(train[0].loss, dp.shape).compatible


def settle_args(plan: Plan) -> None:
    """The user's arguments over the workbench's defaults for this data and device, then the guardrails."""
    from . import models

    spec = plan.spec
    plan.device_info = models.detect_device()
    has_eval = any(ev.split == "eval" for ev in plan.evaluators) or bool(plan.eval_loss_rows)
    train = plan.of_split("train")
    sets = [(dp.loss, dp.shape.n_rows) for dp in train]
    plan.recommended = rules.adapter_defaults(
        rules.run_defaults(sets, plan.model_type, has_eval=has_eval, device=plan.device_info),
        spec.model.adapter,
    )
    args = rules.merge_args(plan.recommended, spec.args)
    plan.notes.extend(rules.precision_notes(plan.recommended, args, spec.args, plan.device_info))
    args.setdefault("report_to", "none")
    args.setdefault("seed", spec.seed)
    for dp in train:
        args, more = rules.guardrails(dp.loss, args, plan.model_type, dp.shape, device=plan.device_info)
        plan.notes.extend(more)
    args = rules.check_evaluation(args, has_eval)
    during = {ev.name: ev.spec.primary for ev in plan.evaluators if ev.split == "eval"}
    rules.check_best_metric(args.get("metric_for_best_model"), during, list(plan.eval_loss_rows))
    plan.args = args


def size_cross_encoder(plan: Plan) -> None:
    """A cross-encoder's number of outputs: what its losses need, or the configured one if it fits them."""
    if plan.model_type != C.CROSS:
        return
    train = plan.of_split("train")
    needs = {dp.name: rules.ce_num_labels(dp.loss, dp.shape) for dp in train}
    losses = {dp.name: dp.loss for dp in train}
    configured = plan.spec.model.num_labels
    if configured is not None:
        for n, need in needs.items():
            by_class = losses[n].num_labels == "classes"
            if configured < need if by_class else configured != need:
                raise WorkbenchError(
                    f"model.num_labels is {configured}, but {losses[n].name} on train/{n} needs "
                    f"{'at least ' if by_class else ''}{need} output{'s' if need != 1 else ''}"
                    + (f" (one per class: {need} classes)." if by_class else " (one score per pair)."),
                    fix=f"set model.num_labels to {need}, or leave it out: the workbench sizes it from the loss.",
                    where="model.num_labels",
                )
        plan.num_labels = configured
        return
    wanted = set(needs.values())
    if len(wanted) > 1:
        sizes = ", ".join(f"{losses[n].name} on train/{n} needs {need}" for n, need in needs.items())
        raise WorkbenchError(
            f"one cross-encoder cannot have the output sizes these losses need ({sizes}).",
            fix="train the score/binary datasets and the class datasets in separate runs.",
            where="loss",
        )
    plan.num_labels = wanted.pop()


# The order matters: holdouts are split off before the train sets are mapped, an eval set takes its train set's
# mapping and class ids, the arguments depend on the evaluators, the output size on the resolved losses.
STEPS = (
    check_spec,
    load_datasets,
    judge_train_sets,
    prepare_eval_sets,
    note_leaks,
    plan_evaluators,
    score_eval_sets_by_loss,
    sample_eval_loss,
    settle_args,
    route_columns,
    size_cross_encoder,
    settle_setup,
)


# ---- helpers -----------------------------------------------------------------------------------------------------


def _map(plan: Plan, dp: DatasetPlan) -> None:
    """Profile a dataset and settle its column mapping and shape (one mapping rule call per dataset)."""
    dp.profile = data.profile(dp.raw)
    train = None
    if inherits_mapping(dp.spec):
        source = plan.dataset("train", dp.spec.of)
        train = Mapping(source.inputs, source.label, source.label_range, source.label_guessed)
    dp.inputs, dp.label, dp.label_range, dp.label_guessed = dataset_mapping(dp.spec, dp.profile, train=train)
    dp.shape = data.shape_of(
        dp.profile, dp.inputs, dp.label, dp.label_range, ds=dp.raw, derive=dp.spec.derive
    )


def _prepare_set(plan: Plan, dp: DatasetPlan, drop_empty: bool, category_map: dict | None = None) -> None:
    """Prepare a mapped dataset for the trainer and record how (``category_map``: its train set's class ids)."""
    dp.dataset, dp.prep = _prepare(
        dp.raw,
        dp.inputs,
        dp.label,
        dp.label_range,
        dp.loaded_split,
        drop_empty,
        dp.key,
        plan.notes,
        category_map,
        dp.spec.derive,
        dp.spec.seed,
    )


def _plan_evaluators(spec: RunSpec, shapes: dict, model_type: str, notes: list[str]) -> list[EvaluatorPlan]:
    """The configured evaluators, or the first that fits each eval/test set (noted), with unique names.

    ``shapes``: DataShape by ``"split/name"`` (the train sets' are skipped). The app's metric names for
    metric_for_best_model are checked against this rule.
    """
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
