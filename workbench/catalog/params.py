"""Parameter kinds as data: one `ParamKind` entry per kind of value a loss parameter or training argument holds.

Each entry does everything the workbench does with a value of its kind, so the places that must agree are one
entry instead of if-chains kept in step by hand:

- ``parse``: the text typed into a form -> the value (the loss-parameter form and the training-settings form);
- ``widget`` / ``read``: the loss-parameter form's input for it, and the value it holds;
- ``coerce``: a config's value checked and typed (numbers written as text, as YAML reads ``2e-5``, are read);
- ``build``: the object the library's loss constructor receives (run time);
- ``code``: the source code the exported script writes for it: the same object, so "the script you export is
  the run you ran".

Most parameters go by their catalog kind (``ParamSpec.kind``); a few names need their own conversion whatever
their kind (``distance_metric``, ``activation_fn``, ``pos_weight``; ``similarity_fct`` given as text): those
entries ``claim`` the name. The entries themselves are in `param_kinds`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .param_kinds import (
    ParamKind,
    _ActivationFn,
    _Auto,
    _Bool,
    _Choice,
    _Dict,
    _DistanceMetric,
    _Float,
    _Int,
    _List,
    _Model,
    _Other,
    _PosWeight,
    _Similarity,
)
from .param_lists import _FloatList, _IntList, _TokenPoolings

PARAM_KINDS: tuple[ParamKind, ...] = (
    ParamKind(),
    _Int(),
    _Float(),
    _Bool(),
    _Choice(),
    _IntList(),
    _FloatList(),
    _TokenPoolings(),
    _Similarity(),
    _Model(),
    _Auto(),
    _DistanceMetric(),
    _ActivationFn(),
    _PosWeight(),
    _List(),
    _Dict(),
    _Other(),
)
_BY_NAME = {k.name: k for k in PARAM_KINDS}


def param_kind(name: str | None) -> ParamKind:
    """The entry of a kind's name (``ParamSpec.kind`` / ``ArgField.type``); the plain kind for any other."""
    return _BY_NAME.get(name, _BY_NAME["str"])


def loss_param_kind(param, key: str, value=None) -> ParamKind:
    """The entry that converts one loss parameter: the entry claiming its name, else its catalog kind's.

    Args:
        param: Its catalog ParamSpec, or None when the catalog does not list it.
        key: The parameter's name.
        value: The value given (an entry may claim a name only for a value given as text).
    """
    for entry in PARAM_KINDS:
        if key in entry.claims and (isinstance(value, str) or not entry.text_only):
            return entry
    return param_kind(param.kind if param is not None else None)


def coerce_value(kind: str, name: str, value, where: str):
    """A number or flag of the right type: numbers written as text (YAML reads ``2e-5`` as text) are read,
    anything else that is not the type is refused naming the field; other kinds are returned as they are."""
    return param_kind(kind).coerce(name, value, where)


def build_value(param, key: str, value, cls, load_model: Callable[[str], Any]):
    """The object a loss constructor receives for one parameter (None stays None).

    Args:
        param: Its catalog ParamSpec, or None.
        key: The parameter's name.
        value: The value from the config (or the catalog's default).
        cls: The loss class it goes to.
        load_model: Builds a dense model from a name or path (a guide model).
    """
    if value is None:
        return None
    return loss_param_kind(param, key, value).build(key, value, param=param, cls=cls, load_model=load_model)


def value_code(param, key: str, value, cls, w, model_code: Callable[[str], str]) -> str:
    """The exported script's source for the object :func:`build_value` builds.

    Args:
        param, key, value, cls: As for :func:`build_value`.
        w: The script's writer (``need(module, *names)`` / ``plain(module)`` record its imports).
        model_code: The source of a model's path from its name (``"default"``: the packaged model).
    """
    if value is None:
        return "None"
    return loss_param_kind(param, key, value).code(
        key, value, param=param, cls=cls, w=w, model_code=model_code
    )
