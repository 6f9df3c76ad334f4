"""Plan -> loss modules: the part of a run's setup that needs the model (main loss, modifier, sparse wrapper).

:func:`workbench.engine.build` checks every loss choice with :func:`check_choice` before any model is loaded, so a
bad parameter name is refused early; :func:`make_losses` constructs the losses once the model exists. The exported
script writes out the same construction (``workbench.export.train`` mirrors :func:`_params`; each parameter's value
and its code come from one entry of ``catalog.params``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

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


def check_choice(choice: LossChoice, loss: C.LossSpec, model_type: str) -> None:
    """Check a loss choice's parameters, modifier and wrapper before any model is loaded."""
    check_loss_params(loss, choice.params)
    for key, group, kind in (("modifier", "modifier", C.DENSE), ("wrapper", "wrapper", C.SPARSE)):
        extra = getattr(choice, key)
        if not extra:
            continue
        if model_type != kind:
            raise WorkbenchError(
                f"a loss {key} ('{extra['name']}') is only for {kind} models.",
                where=f"loss.{key}",
                fix=f"remove the {key}, or set model.type to '{kind}'.",
            )
        spec = C.get_loss(extra["name"], kind)
        if spec.group != group:
            names = ", ".join(x.name for x in C.LOSSES if x.group == group)
            raise WorkbenchError(
                f"'{spec.name}' is not a loss {key}.", fix=f"use one of: {names}.", where=f"loss.{key}"
            )
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
            out[p.name] = _convert(p, p.name, p.default, cls)
    for key, value in given.items():
        out[key] = _convert(specs.get(key), key, value, cls)
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
        raise WorkbenchError(
            f"{loss.name} could not be created: {exc}",
            where="loss",
            fix="check the loss parameters and the model type.",
        ) from exc


def make_loss(plan: Plan, name: str, model):
    """The loss module for one train dataset: main loss, then the modifier (dense) or sparse wrapper."""
    loss_spec = plan.loss_specs[name]
    choice = plan.loss_choices[name]
    shape = plan.shapes[f"train/{name}"]
    check_choice(choice, loss_spec, plan.model_type)
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
