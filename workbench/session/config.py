"""A Session's configuration as data: a RunSpec as the config traits' values and back, and the settings file.

Pure functions of values (no Session, no widgets), so the one mapping between the config traits and the
RunSpec / config-file schema is written once and tested on its own.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Protocol

from ..data.confine import confined
from ..errors import WorkbenchError
from ..spec import SPLITS, RunSpec
from .datasets import DatasetEntry

# The logger keeps its old name, so logging configured for the Session still sees autosave failures.
log = logging.getLogger("workbench.state")

# The traits a run's configuration is made of (every change is autosaved).
CONFIG_TRAITS = (
    "model_type",
    "model_name",
    "max_seq_length",
    "from_scratch",
    "pooling",
    "model_card",
    "adapter",
    "asymmetric",
    "datasets",
    "loss",
    "evaluators",
    "args",
    "output_dir",
    "early_stopping",
    "activation_fn",
)


class ConfigTraits(Protocol):
    """The config traits :func:`config_of` reads (a Session has them)."""

    model_type: str
    model_name: str
    max_seq_length: int | None
    from_scratch: bool
    pooling: str
    model_card: dict
    adapter: dict | None
    asymmetric: dict | None
    datasets: tuple
    loss: Any
    evaluators: tuple
    args: dict
    output_dir: str
    early_stopping: bool | dict | None
    activation_fn: str | None


def traits_of(spec: RunSpec) -> dict[str, Any]:
    """The trait values that hold a RunSpec's configuration (``selected``: its first dataset)."""
    m = spec.model
    entries = tuple(
        DatasetEntry(split, name, ds) for split in SPLITS for name, ds in getattr(spec, split).items()
    )
    return {
        "model_type": m.type,
        "model_name": m.name_or_path,
        "max_seq_length": m.max_seq_length,
        "from_scratch": m.from_scratch is not None,
        "pooling": (m.from_scratch or {}).get("pooling", "mean"),
        "model_card": dict(m.model_card),
        "adapter": dict(m.adapter) if m.adapter else None,
        "asymmetric": dict(m.asymmetric) if m.asymmetric else None,
        "datasets": entries,
        "selected": entries[0].key if entries else "",
        "loss": dict(spec.loss) if isinstance(spec.loss, dict) else spec.loss,
        "evaluators": tuple(spec.evaluators),
        "args": dict(spec.args),
        "output_dir": spec.output_dir,
        "early_stopping": spec.early_stopping,
        "activation_fn": m.activation_fn,
    }


def checked_spec(spec: RunSpec) -> RunSpec:
    """A loaded RunSpec with its training arguments checked now (names, types, ranges), so that a config naming
    an unknown argument is refused when it is loaded, not at Start.

    Raises:
        WorkbenchError: naming the argument and the nearest valid names.
    """
    if not spec.args:
        return spec  # nothing to check: no need to import the library's argument classes
    from dataclasses import replace

    from .. import catalog as C

    return replace(spec, args=C.coerce_args(spec.args, spec.model.type))


def config_of(traits: ConfigTraits) -> dict:
    """The run configuration as a mapping (the RunSpec/config-file schema)."""
    model: dict = {"type": traits.model_type, "name_or_path": traits.model_name or "default"}
    if traits.max_seq_length:
        model["max_seq_length"] = int(traits.max_seq_length)
    if traits.from_scratch:
        model["from_scratch"] = {"pooling": traits.pooling}
    card = {k: v for k, v in traits.model_card.items() if v}
    if card:
        model["model_card"] = card
    if traits.adapter:
        model["adapter"] = dict(traits.adapter)
    if traits.asymmetric:
        model["asymmetric"] = dict(traits.asymmetric)
    if traits.activation_fn and traits.model_type == "cross-encoder":
        model["activation_fn"] = traits.activation_fn
    datasets: dict = {split: {} for split in SPLITS}
    for e in traits.datasets:
        datasets[e.split][e.name] = e.spec.to_dict()
    loss = traits.loss
    early = {} if traits.early_stopping is None else {"early_stopping": traits.early_stopping}
    return {
        "model": model,
        "datasets": datasets,
        "loss": {k: v.to_dict() for k, v in loss.items()} if isinstance(loss, dict) else loss.to_dict(),
        "evaluators": [e.to_dict() for e in traits.evaluators],
        "args": dict(traits.args),
        "output_dir": traits.output_dir,
        **early,
    }


def save_config(config: dict, path: str | Path) -> Path:
    """Write a configuration as JSON; a folder or an unwritable place is refused in words (WorkbenchError)."""
    if not str(path).strip():
        raise WorkbenchError("no settings file was given.", fix="type a path like ~/my-settings.json.")
    path = confined(path, "the settings file")
    if path.is_dir():
        raise WorkbenchError(f"'{path}' is a folder.", fix=f"add a file name, e.g. {path / 'settings.json'}.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    except OSError as exc:
        raise WorkbenchError(
            f"the settings could not be written to '{path}' ({exc.strerror or exc}).",
            fix="choose a place you can write to, e.g. under your home folder.",
        ) from exc
    return path


def autosave(config: dict, path: Path) -> None:
    """Replace the autosave file with a configuration; a failure is logged, never raised (it must not break
    the app)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(config, indent=2, default=str), encoding="utf-8")
        tmp.replace(path)
    except Exception as exc:  # noqa: BLE001 - autosave must never break the app
        log.warning("autosave failed: %s", exc)
