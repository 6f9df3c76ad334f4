"""The entries of the parameter-kind registry (`workbench.catalog.params`): the plain kind, and one subclass
per kind that parses, shows, checks, builds or writes its values differently. No widget or torch import at module
load: each method imports what it needs."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from typing import Any

from ..errors import WorkbenchError
from .kinds import DENSE, kind
from .losses import SIMILARITIES

# A Dropdown cannot select the value None (it means "nothing selected"), so "use the default" is this string.
USE_DEFAULT = "__default__"
# Training arguments whose text is kept as typed: a prompt's trailing space is part of it.
KEEPS_SPACES = ("prompts",)
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
# Where the library keeps the distance metrics that losses take (``distance_metric``), by module and class.
DISTANCE_HOLDERS = tuple(
    (kind(DENSE).losses[0], holder)
    for holder in ("TripletDistanceMetric", "SiameseDistanceMetric", "BatchHardTripletLossDistanceFunction")
)


class ParamKind:
    """The plain kind (text, or any value passed through as it is); the other kinds override what differs.

    Attributes:
        name: The kind's name (``ParamSpec.kind`` / ``ArgField.type``).
        what: What a bad text in the loss-parameter form needs ("a whole number"), shown as "needs ...".
        claims: Parameter names this entry converts whatever their catalog kind.
        text_only: Claim those names only when the value is text.
    """

    name = "str"
    what = "a value"
    claims: tuple[str, ...] = ()
    text_only = False
    dropdown = False  # the form offers the catalog's choices
    has_input = True  # False: the form shows a note instead (the runner fills the value)

    def parse(self, text: str, name: str = ""):
        """The value typed for a field (ValueError with a readable message when it is wrong)."""
        return text if name in KEEPS_SPACES else text.strip()

    def widget(self, param, current):
        """The loss-parameter form's input for ``param`` showing ``current`` (None: the default)."""
        import ipywidgets as widgets

        style, tip = {"description_width": "200px"}, param.help or param.name
        if self.dropdown:
            return widgets.Dropdown(
                options=self.options(param),
                value=self.shown(param, current),
                description=param.name,
                style=style,
                tooltip=tip,
            )
        shown = (
            ""
            if current is None
            else (", ".join(map(str, current)) if isinstance(current, list) else str(current))
        )
        default = param.default
        placeholder = "default: " + (
            ", ".join(map(str, default))
            if isinstance(default, (list, tuple))
            else ("automatic" if default is None else str(default))
        )
        return widgets.Text(
            value=shown,
            placeholder=placeholder,
            description=param.name,
            style=style,
            tooltip=tip,
            continuous_update=False,
        )

    def options(self, param) -> list:
        """A dropdown's (label, value) options: the default first."""
        return [(f"default ({param.default})", USE_DEFAULT)] + [(str(c), c) for c in param.choices]

    def shown(self, param, current):
        """The dropdown value that shows ``current``."""
        return current if current in param.choices else USE_DEFAULT

    def read(self, widget):
        """The value a form input holds, None for "use the default" (ValueError: the text is not valid)."""
        if self.dropdown:
            return None if widget.value == USE_DEFAULT else widget.value
        return self.parse(widget.value) if widget.value.strip() else None

    def coerce(self, name: str, value, where: str):
        """A config's value, checked and typed (WorkbenchError naming ``name`` when it is not of this kind)."""
        return value

    def build(self, key: str, value, *, param=None, cls=None, load_model: Callable[[str], Any] | None = None):
        """The object the loss constructor receives for a value (not None) of this kind."""
        return value

    def code(
        self, key: str, value, *, param=None, cls=None, w=None, model_code: Callable[[str], str] | None = None
    ) -> str:
        """The exported script's source for the same object (``w`` collects the imports it needs)."""
        return repr(value)


class _Auto(ParamKind):
    name = "auto"
    has_input = False

    def widget(self, param, current):
        import ipywidgets as widgets

        return widgets.HTML(
            f"<span class='wb-hint'><b>{html.escape(param.name)}</b>: set automatically "
            f"({html.escape(param.help)})</span>"
        )


class _Choice(ParamKind):
    name = "choice"
    dropdown = True


class _Checked(ParamKind):
    """A kind a config may write as text (YAML reads ``2e-5`` as text): built and written from the checked value."""

    def build(self, key, value, **_):
        return self.coerce(key, value, f"loss.params.{key}")

    def code(self, key, value, **_) -> str:
        return repr(self.build(key, value))


class _Bool(_Checked):
    name = "bool"
    dropdown = True

    def options(self, param) -> list:
        return [(f"default ({'on' if param.default else 'off'})", USE_DEFAULT), ("on", True), ("off", False)]

    def shown(self, param, current):
        return USE_DEFAULT if current is None else current

    def parse(self, text: str, name: str = ""):
        text = text.strip().lower()
        if text not in (*_TRUE, *_FALSE):
            raise ValueError("needs true or false")
        return text in _TRUE

    def coerce(self, name: str, value, where: str):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in (*_TRUE, *_FALSE):
            return value.strip().lower() in _TRUE
        raise WorkbenchError(f"{name} must be true or false, got {value!r}.", where=where)


class _Float(_Checked):
    name = "float"
    what = "a number"

    def parse(self, text: str, name: str = ""):
        text = text.strip()
        try:
            value = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            raise ValueError("needs a number, e.g. 2e-5 or 0.1") from None
        if not math.isfinite(value):
            raise ValueError("needs a finite number, e.g. 2e-5 or 0.1")
        return value

    def coerce(self, name: str, value, where: str):
        if value is None:
            return value
        number = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        whole = self.name == "int"
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise WorkbenchError(
                f"{name} must be {'a whole number' if whole else 'a number'}, got {value!r}.",
                fix="write it as a number, e.g. " + ("16." if whole else "2e-5."),
                where=where,
            )
        if not math.isfinite(number):
            raise WorkbenchError(f"{name} must be a finite number, got {value}.", where=where)
        if whole and number != int(number):
            raise WorkbenchError(
                f"{name} must be a whole number, got {value!r}.", fix="e.g. 16.", where=where
            )
        return int(number) if whole or isinstance(value, int) else float(number)


class _Int(_Float):
    name = "int"
    what = "a whole number"

    def parse(self, text: str, name: str = ""):
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError("needs a whole number") from None


class _Similarity(_Choice):
    name = "similarity"
    claims, text_only = ("similarity_fct",), True

    def build(self, key, value, *, param=None, **_):
        from sentence_transformers import util

        if not hasattr(util, value):
            raise WorkbenchError(
                f"similarity function '{value}' is not known.",
                where=f"loss.params.{key}",
                fix=f"use one of: {', '.join(param.choices if param else SIMILARITIES)}.",
            )
        return getattr(util, value)

    def code(self, key, value, *, w=None, **_) -> str:
        w.need("sentence_transformers", "util")
        return f"util.{value}"


class _Model(ParamKind):
    name = "model"

    def build(self, key, value, *, load_model=None, **_):
        return load_model(str(value))

    def code(self, key, value, *, w=None, model_code=None, **_) -> str:
        dense = kind(DENSE)  # a guide model is a dense embedding model
        w.need(dense.package, dense.class_name)
        return f"{dense.class_name}({model_code(str(value))})"


class _DistanceMetric(_Choice):
    name = "distance_metric"
    claims = ("distance_metric",)

    def build(self, key, value, *, cls=None, **_):
        return distance_metric(cls, value)

    def code(self, key, value, *, cls=None, w=None, **_) -> str:
        import importlib

        member = distance_metric(cls, value)
        if isinstance(member, str):
            return repr(member)
        for module, holder_name in DISTANCE_HOLDERS:
            holder = getattr(importlib.import_module(module), holder_name)
            if getattr(holder, str(value), None) is member:
                w.need(module, holder_name)
                return f"{holder_name}.{value}"
        return repr(value)


class _ActivationFn(_Choice):
    name = "activation_fn"
    claims, text_only = ("activation_fn",), True

    def build(self, key, value, **_):
        import torch

        if not hasattr(torch.nn, value):
            raise WorkbenchError(
                f"activation '{value}' is not a torch.nn module.",
                where=f"loss.params.{key}",
                fix="use 'Identity' or 'Sigmoid'.",
            )
        return getattr(torch.nn, value)()

    def code(self, key, value, *, w=None, **_) -> str:
        w.plain("torch")
        return f"torch.nn.{value}()"


class _PosWeight(_Float):
    name = "pos_weight"
    claims = ("pos_weight",)

    def build(self, key, value, **_):
        import torch

        return torch.tensor(float(value))

    def code(self, key, value, *, w=None, **_) -> str:
        w.plain("torch")
        return f"torch.tensor({float(value)!r})"


class _List(ParamKind):
    """A training argument holding a list: JSON, or comma-separated names."""

    name = "list"

    def parse(self, text: str, name: str = ""):
        try:
            return json.loads(text.strip())
        except json.JSONDecodeError:
            return [p.strip() for p in text.split(",") if p.strip()]


class _Dict(ParamKind):
    """A training argument holding a mapping, written as JSON."""

    name = "dict"

    def parse(self, text: str, name: str = ""):
        try:
            return json.loads(text.strip())
        except json.JSONDecodeError:
            raise ValueError('needs JSON, e.g. {"key": "value"}') from None


class _Other(ParamKind):
    """A training argument of any other type (text, or JSON such as a prompt per column)."""

    name = "other"

    def parse(self, text: str, name: str = ""):
        try:
            return json.loads(text.strip())
        except json.JSONDecodeError:
            return super().parse(text, name)


def distance_metric(cls, value):
    """A distance_metric given by name -> the library member the loss's default comes from."""
    import importlib
    import inspect

    if not isinstance(value, str):
        return value
    default = inspect.signature(cls.__init__).parameters["distance_metric"].default
    if isinstance(default, str):
        return value
    for module, holder_name in DISTANCE_HOLDERS:
        holder = getattr(importlib.import_module(module), holder_name)
        # vars(), not dir(): an Enum hides the lambdas it holds from dir().
        members = {n: getattr(holder, n) for n in vars(holder) if not n.startswith("_")}
        if any(member is default for member in members.values()):
            if value not in members:
                raise WorkbenchError(
                    f"distance_metric '{value}' is not known to {cls.__name__}.",
                    fix=f"use one of: {', '.join(members)}.",
                    where="loss.params.distance_metric",
                )
            return members[value]
    return value
