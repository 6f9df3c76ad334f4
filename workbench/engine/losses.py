"""Plan -> loss modules: the part of a run's setup that needs the model (main loss, modifier, sparse wrapper).

:func:`workbench.engine.build` checks every loss choice with :func:`check_choice` before any model is loaded, so a
bad parameter name is refused early; :func:`make_losses` constructs the losses once the model exists. The exported
script writes out the same construction: :func:`loss_chain` decides which losses a choice builds and
:func:`loss_arguments` which arguments each one gets, in what order; the run builds from them and
``workbench.export.train`` writes code from them (each value and its code come from one entry of ``catalog.params``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import catalog as C
from ..data import DataShape
from ..errors import WorkbenchError, nearest
from ..spec import LossChoice

if TYPE_CHECKING:
    from .plan import Plan


def _guide_model(name_or_path: str):
    """A model a loss parameter names (a guide model): always a dense embedding model."""
    from ..spec import ModelSpec
    from . import models

    return models.build_model(ModelSpec(type=C.DENSE, name_or_path=name_or_path))


def _convert(param: C.ParamSpec | None, key: str, value, cls):
    """The object the loss receives: built by the parameter's kind entry, which also writes the exported code."""
    return C.build_value(param, key, value, cls, load_model=_guide_model)


def check_loss_params(loss: C.LossSpec, given: dict, where: str = "loss.params") -> None:
    """Refuse parameter names the installed loss class does not take, naming the nearest valid one."""
    import inspect

    cls = C.resolve_loss(loss)
    valid = [n for n in inspect.signature(cls.__init__).parameters if n not in ("self", "model", "loss")]
    for key, value in (given or {}).items():
        if key not in valid:
            guess = nearest(key, valid)
            raise WorkbenchError(
                f"{loss.name} has no parameter '{key}'.",
                where=f"{where}.{key}",
                fix=(f"did you mean '{guess}'? " if guess else "") + f"Parameters: {', '.join(valid)}.",
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise WorkbenchError(
                f"{loss.name}'s {key} must be a finite number, got {value}.", where=f"{where}.{key}"
            )
        spec = next((p for p in loss.params if p.name == key), None)
        if spec is not None:
            C.coerce_value(spec.kind, f"{loss.name}'s {key}", value, f"{where}.{key}")


# The model types whose losses take a modifier / a wrapper (the catalog's ``modifier`` / ``wrapper`` groups).
EXTRA_KINDS = {"modifier": (C.DENSE, C.MULTI), "wrapper": (C.SPARSE,)}
# A list parameter of a modifier that needs one item per item of another: (weights, what they weigh).
SAME_LENGTH = (("matryoshka_weights", "matryoshka_dims"), ("weights", "token_poolings"))


def check_choice(choice: LossChoice, loss: C.LossSpec, model_type: str) -> None:
    """Check a loss choice's parameters, modifier and wrapper before any model is loaded."""
    check_loss_params(loss, choice.params)
    for key, kinds in EXTRA_KINDS.items():
        extra = getattr(choice, key)
        if not extra:
            continue
        if model_type not in kinds:
            raise WorkbenchError(
                f"a loss {key} ('{extra['name']}') is only for {' or '.join(kinds)} models.",
                where=f"loss.{key}",
                fix=f"remove the {key}, or set model.type to '{kinds[0]}'.",
            )
        names = [x.name for x in C.losses_for(model_type, (key,))]
        if extra["name"] not in names:
            other = [x.model_type for x in C.LOSSES if x.name == extra["name"] and x.group == key]
            raise WorkbenchError(
                f"'{extra['name']}' is not a loss {key} of a {model_type} model"
                + (f" (it is a {other[0]} {key})." if other else "."),
                fix=f"use one of: {', '.join(names)}.",
                where=f"loss.{key}",
            )
        params = extra.get("params") or {}
        check_loss_params(C.get_loss(extra["name"], model_type), params, f"loss.{key}.params")
        for weights, items in SAME_LENGTH:
            if isinstance(params.get(weights), list) and isinstance(params.get(items), list):
                if len(params[weights]) != len(params[items]):
                    raise WorkbenchError(
                        f"{extra['name']}'s {weights} has {len(params[weights])} value(s) for "
                        f"{len(params[items])} {items}.",
                        fix=f"give one weight per entry of {items}, or leave {weights} out (all 1).",
                        where=f"loss.{key}.params.{weights}",
                    )


# The Matryoshka modifiers: without sizes of their own they train the model's size halved down to 32.
MATRYOSHKA = ("MatryoshkaLoss", "Matryoshka2dLoss", "MultiVectorMatryoshkaLoss")
# The value of an argument that needs the model: the run computes it (:func:`model_value`), the script writes it.
FROM_MODEL = object()
# Per argument that needs the model: the lines the script writes before the loss, and the expression it passes.
MODEL_VALUE_CODE: dict[str, tuple[tuple[str, ...], str]] = {
    "embedding_dimension": ((), "model.get_embedding_dimension()"),
    "matryoshka_dims": (
        (
            "# Matryoshka sizes: the model's size halved down to 32 (the workbench's default).",
            "dim = model.get_embedding_dimension()",
            "dims = [dim >> i for i in range(16) if dim >> i >= 32] or [dim]",
        ),
        "dims",
    ),
}


@dataclass(frozen=True)
class LossStep:
    """One loss of a train dataset's chain, inside out: the main loss, then its modifier or wrapper.

    Attributes:
        spec: The loss's catalog entry.
        params: The parameters the config gives it.
        role: ``loss``, ``modifier``, ``wrapper`` or ``default wrapper`` (SpladeLoss, added for a loss that needs
            it); every step but the first wraps the loss before it.
    """

    spec: C.LossSpec
    params: dict
    role: str

    @property
    def inner(self) -> bool:
        return self.role != "loss"


@dataclass(frozen=True)
class LossArg:
    """One keyword argument the run passes to a loss: its value (config or catalog; :data:`FROM_MODEL` when it
    needs the model), its catalog entry (None when the catalog does not list it) and why it is passed."""

    name: str
    value: Any
    param: C.ParamSpec | None
    why: str


def loss_chain(loss_spec: C.LossSpec, choice: LossChoice) -> list[LossStep]:
    """The losses a train dataset's choice builds, inside out (the run builds them; the script writes them)."""
    steps = [LossStep(loss_spec, choice.params or {}, "loss")]
    if choice.modifier:
        modifier = C.get_loss(choice.modifier["name"], loss_spec.model_type)
        steps.append(LossStep(modifier, choice.modifier.get("params") or {}, "modifier"))
    wrapper, role = choice.wrapper, "wrapper"
    if wrapper is None and "splade_wrapper" in loss_spec.needs:
        wrapper, role = {"name": "SpladeLoss", "params": {}}, "default wrapper"
    if wrapper:
        steps.append(LossStep(C.get_loss(wrapper["name"], C.SPARSE), wrapper.get("params") or {}, role))
    return steps


def loss_arguments(loss: C.LossSpec, cls, given: dict, shape: DataShape | None) -> list[LossArg]:
    """Every keyword argument the run passes to a loss, in the order the script writes them.

    The data's classes for ``num_labels``; the model's size for ``embedding_dimension`` and the Matryoshka sizes;
    the catalog's default where the class takes it (what the app shows; it differs from the library's where the
    library's would surprise: SpladeLoss leaves queries unregularized); then the config's own parameters.
    """
    import inspect

    valid = inspect.signature(cls.__init__).parameters
    specs = {p.name: p for p in loss.params}
    args: list[LossArg] = []
    for p in loss.params:
        if p.name in given:
            continue
        if p.kind == "auto":
            if p.name == "num_labels":
                classes = int(shape.n_classes) if shape and shape.n_classes else 2
                args.append(LossArg(p.name, classes, p, "classes in the label"))
            elif p.name == "embedding_dimension":
                args.append(LossArg(p.name, FROM_MODEL, p, "the model's output size"))
        elif p.default is not None and p.name in valid:
            args.append(LossArg(p.name, p.default, p, "workbench default"))
    args += [LossArg(key, value, specs.get(key), "your config") for key, value in given.items()]
    if loss.name in MATRYOSHKA and not any(a.name == "matryoshka_dims" and a.value for a in args):
        args = [a for a in args if a.name != "matryoshka_dims"]
        args.append(LossArg("matryoshka_dims", FROM_MODEL, specs.get("matryoshka_dims"), "see above"))
    return args


def model_value(name: str, model):
    """The value of an argument that needs the model (:data:`MODEL_VALUE_CODE` is its code in the script)."""
    from . import models

    if name == "embedding_dimension":
        return models.embedding_dimension(model)
    dim = models.embedding_dimension(model) or 32
    dims, d = [], dim
    while d >= 32:
        dims.append(d)
        d //= 2
    return dims or [dim]


def _params(loss: C.LossSpec, cls, given: dict, model, shape: DataShape | None) -> dict:
    check_loss_params(loss, given)
    return {
        a.name: model_value(a.name, model)
        if a.value is FROM_MODEL
        else _convert(a.param, a.name, a.value, cls)
        for a in loss_arguments(loss, cls, given, shape)
    }


def _instantiate(loss: C.LossSpec, model, shape, params: dict, inner=None):
    cls = C.resolve_loss(loss)
    kwargs = _params(loss, cls, params or {}, model, shape)
    try:
        return cls(model, inner, **kwargs) if inner is not None else cls(model, **kwargs)
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - the library's own checks on the user's parameters
        raise WorkbenchError(
            f"{loss.name} could not be created: {exc}",
            where="loss",
            fix="check the loss parameters and the model type.",
        ) from exc


def make_loss(plan: Plan, name: str, model):
    """The loss module for one train dataset: main loss, then the modifier (dense, multi-vector) or sparse
    wrapper."""
    choice = plan.loss_choices[name]
    check_choice(choice, plan.loss_specs[name], plan.model_type)
    loss = None
    for step in loss_chain(plan.loss_specs[name], choice):
        loss = _instantiate(step.spec, model, plan.shapes[f"train/{name}"], step.params, inner=loss)
    return loss


def make_losses(plan: Plan, model):
    """One loss module, or a dict of them (one per train dataset) for multi-dataset training."""
    losses = {name: make_loss(plan, name, model) for name in plan.train}
    return losses if len(losses) > 1 else next(iter(losses.values()))
