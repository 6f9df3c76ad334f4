"""``model.adapter``: train a small adapter (LoRA, via peft) on the model's transformer instead of all its weights.

Read and checked here, without torch: the adapter's type, its rank, scale, dropout and the modules it wraps. Whether
the named modules exist in the model is checked when the model is known (`workbench.engine.adapters`).
"""

from __future__ import annotations

from ..errors import WorkbenchError, nearest

ADAPTER_TYPES = ("lora",)
AUTO = "auto"
# What `{"type": "lora"}` alone gives: peft's common choice of rank 16 with alpha twice the rank.
ADAPTER_DEFAULTS = {"type": "lora", "r": 16, "alpha": 32, "dropout": 0.1, "target_modules": AUTO}
ADAPTER_KEYS = tuple(ADAPTER_DEFAULTS)
EXAMPLE = '{"type": "lora", "r": 16, "alpha": 32, "dropout": 0.1, "target_modules": "auto"}'


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_adapter(data) -> dict | None:
    """The adapter settings with defaults filled in, or None for no adapter.

    Args:
        data: ``None`` / ``"none"`` / ``False`` (no adapter), ``"lora"`` (the defaults), or a mapping with some of
            ``type``, ``r``, ``alpha``, ``dropout``, ``target_modules`` (``"auto"``, a list of module names, or
            names separated by commas).

    Raises:
        WorkbenchError: an unknown key or type, a rank that is not a positive whole number, an alpha that is not a
            positive number, a dropout outside [0, 1), or target modules that are not names.
    """
    if data in (None, False, "none", "off", ""):
        return None
    if isinstance(data, str):
        data = {"type": data}
    if not isinstance(data, dict):
        raise WorkbenchError(
            f"'model.adapter' must be a mapping, got {data!r}.",
            fix=f"write e.g. {EXAMPLE}.",
            where="model.adapter",
        )
    for key in data:
        if key not in ADAPTER_KEYS:
            guess = nearest(str(key), ADAPTER_KEYS)
            raise WorkbenchError(
                f"unknown adapter setting '{key}'.",
                fix=(f"did you mean '{guess}'? " if guess else "")
                + f"Valid settings: {', '.join(ADAPTER_KEYS)}.",
                where=f"model.adapter.{key}",
            )
    out = {**ADAPTER_DEFAULTS, **data}
    kind = out["type"]
    if kind not in ADAPTER_TYPES:
        raise WorkbenchError(
            f"adapter type {kind!r} is not known.",
            fix=f"use one of: {', '.join(ADAPTER_TYPES)} (or leave 'adapter' out to train all the weights).",
            where="model.adapter.type",
        )
    r = out["r"]
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise WorkbenchError(
            f"the adapter's rank r must be a positive whole number, got {r!r}.",
            fix="use e.g. 8 or 16 (higher trains more weights).",
            where="model.adapter.r",
        )
    if not _number(out["alpha"]) or out["alpha"] <= 0:
        raise WorkbenchError(
            f"the adapter's alpha must be a positive number, got {out['alpha']!r}.",
            fix=f"use e.g. {2 * r} (twice r: the adapter's update is scaled by alpha / r).",
            where="model.adapter.alpha",
        )
    if not _number(out["dropout"]) or not 0 <= out["dropout"] < 1:
        raise WorkbenchError(
            f"the adapter's dropout must lie in [0, 1), got {out['dropout']!r}.",
            fix="use e.g. 0.1, or 0 for none.",
            where="model.adapter.dropout",
        )
    out["target_modules"] = _targets(out["target_modules"])
    return out


def _targets(value) -> str | list[str]:
    """``"auto"`` or a list of module names (from a list, or a text of names separated by commas)."""
    if isinstance(value, str):
        if value.strip().lower() == AUTO:
            return AUTO
        value = [v.strip() for v in value.split(",")]
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise WorkbenchError(
            f"target_modules must be 'auto' or a list of module names, got {value!r}.",
            fix='use "auto" (the attention projections), or names like ["query", "value"].',
            where="model.adapter.target_modules",
        )
    return [v.strip() for v in value]


def describe_adapter(adapter: dict | None) -> str:
    """One line for the app, the notes and the model card: ``LoRA r=16, alpha=32, dropout 0.1 on query, value``."""
    if not adapter:
        return "no adapter: all weights train"
    targets = adapter["target_modules"]
    on = "the attention projections (auto)" if targets == AUTO else ", ".join(targets)
    return f"LoRA r={adapter['r']}, alpha={adapter['alpha']}, dropout {adapter['dropout']} on {on}"
