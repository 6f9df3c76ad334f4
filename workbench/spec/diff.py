"""Two or more run configurations side by side: only the settings that differ, as dotted keys.

Pure functions of config mappings (the RunSpec / ``config.json`` schema); the app's "Compare runs" tab and
``workbench compare`` show their result as rows ``setting | run A | run B | ...``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

# Where a run's files go and how it was (re)started: they differ between any two runs and say nothing about how
# the model was trained.
RUN_ONLY_KEYS = ("output_dir", "overwrite", "resume_from_checkpoint")


class _Missing:
    """A setting a config does not hold (shown as "(not set)": the workbench's default applies)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_SET"

    def __bool__(self) -> bool:
        return False


NOT_SET: Any = _Missing()


def flatten_config(config: Mapping, prefix: str = "") -> dict[str, Any]:
    """A nested config as one level of dotted keys: ``{"args": {"learning_rate": 2e-5}}`` becomes
    ``{"args.learning_rate": 2e-5}``; a list of mappings (the evaluators) is indexed (``evaluators[0].name``).

    Empty mappings and lists are kept as values, so that "no params" still shows against a run that has some.
    """
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten_config(value, name))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value):
                flat.update(flatten_config(item, f"{name}[{i}]") if item else {f"{name}[{i}]": {}})
        else:
            flat[name] = list(value) if isinstance(value, tuple) else value
    return flat


def _same(a: Any, b: Any) -> bool:
    # 1 == 1.0 == True in Python; a flag against a number is a difference worth showing
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def config_diff(
    configs: Sequence[Mapping], ignore: Sequence[str] = RUN_ONLY_KEYS
) -> list[tuple[str, list[Any]]]:
    """The settings that differ between configs.

    Args:
        configs: Two or more config mappings (the RunSpec schema, as ``config.json`` holds it).
        ignore: Dotted keys (and everything under them) left out: by default where each run wrote its files and
            how it was restarted (:data:`RUN_ONLY_KEYS`).

    Returns:
        ``[(dotted key, [value in config 1, value in config 2, ...]), ...]`` for every key whose values are not all
        the same, in the order the keys first appear; a config without the key gives :data:`NOT_SET`.

    Raises:
        ValueError: fewer than two configs, or one that is not a mapping.
    """
    if len(configs) < 2:
        raise ValueError(f"compare needs at least two configs, got {len(configs)}")
    flats = []
    for i, config in enumerate(configs):
        if not isinstance(config, Mapping):
            raise ValueError(f"config {i + 1} is a {type(config).__name__}, not a mapping")
        flats.append(flatten_config(config))
    keys: dict[str, None] = {}
    for flat in flats:
        keys.update(dict.fromkeys(flat))
    rows = []
    for key in keys:
        if any(key == skip or key.startswith((f"{skip}.", f"{skip}[")) for skip in ignore):
            continue
        values = [flat.get(key, NOT_SET) for flat in flats]
        if not all(_same(values[0], v) for v in values[1:]):
            rows.append((key, values))
    return rows


def shown_value(value: Any) -> str:
    """A setting's value in a diff cell: ``(not set)`` for a missing one, JSON-like for the rest."""
    if value is NOT_SET:
        return "(not set)"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)
