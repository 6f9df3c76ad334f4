"""The list kinds of the parameter-kind registry (`workbench.catalog.params`): Matryoshka sizes, weights, and the
token-pooling variants of MultiVectorTokenPoolingLoss written as pool factors. No torch import at module load."""

from __future__ import annotations

import math
from collections.abc import Callable

from ..errors import WorkbenchError
from .kinds import MULTI, kind
from .param_kinds import ParamKind, _Float, _Int


class _IntList(ParamKind):
    """A list of sizes (Matryoshka dimensions): positive whole numbers."""

    name = "int_list"
    what = "whole numbers separated by commas"
    cast: Callable = int
    example = "[128, 64, 32]"
    least: float | None = 1  # the smallest item allowed (None: any finite number)
    meaning = ""  # what an item means, for the fix
    too_small = "needs sizes of at least 1, e.g. 384, 256, 128"

    def parse(self, text: str, name: str = ""):
        parts = [p for p in text.strip().replace("[", "").replace("]", "").split(",") if p.strip()]
        if not parts:
            raise ValueError("give comma-separated numbers, e.g. 384, 256, 128")
        values = [self.cast(p) for p in parts]
        if any(not math.isfinite(v) or (self.least is not None and v < self.least) for v in values):
            raise ValueError(self.too_small)
        return values

    def coerce(self, name: str, value, where: str):
        if value is None:
            return value
        items = value
        if isinstance(value, str):
            try:
                items = self.parse(value)
            except ValueError:
                items = None
        if not isinstance(items, (list, tuple)) or not items:
            raise WorkbenchError(
                f"{name} must be a list of {self.what.replace(' separated by commas', '')}, got {value!r}.",
                fix=f"write it as a list, e.g. {self.example}{self.meaning}.",
                where=where,
            )
        item = _Int() if self.cast is int else _Float()
        out = [item.coerce(f"{name}[{i}]", v, where) for i, v in enumerate(items)]
        low = next((v for v in out if self.least is not None and v < self.least), None)
        if low is not None:
            raise WorkbenchError(
                f"{name} must hold numbers of at least {self.least}, got {low} in {list(items)!r}.",
                fix=f"e.g. {self.example}{self.meaning}.",
                where=where,
            )
        return out


class _FloatList(_IntList):
    """A list of weights: any finite numbers."""

    name = "float_list"
    what = "numbers separated by commas"
    cast = float
    example = "[1, 0.5]"
    least = None
    too_small = "needs finite numbers, e.g. 1, 0.5"


class _TokenPoolings(_FloatList):
    """MultiVectorTokenPoolingLoss's pooling variants, written as pool factors: each factor ``f`` keeps about
    1/f of a document's token vectors (`HierarchicalTokenPooling(pool_factor=f)`); 1 is no pooling (None)."""

    name = "token_poolings"
    what = "pool factors of at least 1 separated by commas (1 = no pooling)"
    example = "[1, 2, 4]"
    least = 1
    meaning = " (1 = no pooling, 2 keeps about half of a document's token vectors)"

    too_small = "needs pool factors of at least 1, e.g. 1, 2, 4"

    def parse(self, text: str, name: str = ""):
        return [int(v) if v == int(v) else v for v in super().parse(text, name)]

    def build(self, key, value, **_):
        from sentence_transformers.multi_vector_encoder.modules import HierarchicalTokenPooling

        factors = self.coerce(key, value, f"loss.modifier.params.{key}")
        return [None if f == 1 else HierarchicalTokenPooling(pool_factor=f) for f in factors]

    def code(self, key, value, *, w=None, **_) -> str:
        factors = self.coerce(key, value, f"loss.modifier.params.{key}")
        if any(f != 1 for f in factors):
            w.need(f"{kind(MULTI).package}.modules", "HierarchicalTokenPooling")
        items = ["None" if f == 1 else f"HierarchicalTokenPooling(pool_factor={f!r})" for f in factors]
        return f"[{', '.join(items)}]"
