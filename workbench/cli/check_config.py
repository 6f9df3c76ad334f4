"""``workbench check CONFIG``: a whole run's config checked as ``workbench train`` would start it — its datasets
loaded and mapped, its losses, evaluators and training arguments settled, early stopping, prompts and a
cross-encoder's activation decided — without training or writing anything. A bad value exits 2 naming the key
and the fix, exactly as ``train`` would refuse it."""

from __future__ import annotations

import json
from pathlib import Path

from .common import EXIT_OK

CONFIG_SUFFIXES = (".json", ".yaml", ".yml")


def is_config_file(path: str) -> bool:
    """Whether ``path`` is a run's config (a JSON/YAML mapping with ``datasets``) rather than a data file."""
    file = Path(path).expanduser()
    if file.suffix.lower() not in CONFIG_SUFFIXES or not file.is_file():
        return False
    try:
        text = file.read_text(encoding="utf-8")
        if file.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - unreadable or not JSON/YAML: read as data (the data check says why)
        return False
    return isinstance(data, dict) and "datasets" in data


def check_config(args) -> int:
    """Build the run's plan (nothing trained, nothing written) and print what it decided, or refuse in words."""
    from ..engine import build
    from ..spec import load_config

    plan = build(load_config(args.data_file))
    setup = plan.setup
    report = {
        "config": args.data_file,
        "model_type": plan.model_type,
        "train": {dp.name: dp.shape.n_rows for dp in plan.of_split("train")},
        "losses": {name: spec.name for name, spec in plan.loss_specs.items()},
        "evaluators": [ev.name for ev in plan.evaluators],
        "early_stopping": setup.early_stopping,
        "prompts": setup.prompts,
        "activation_fn": setup.activation,
        "args": plan.args,
        "notes": list(plan.notes),
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return EXIT_OK
    train = ", ".join(f"train/{name} ({rows} rows)" for name, rows in report["train"].items())
    losses = ", ".join(sorted(set(report["losses"].values())))
    lines = [f"config OK: {args.data_file} — a {plan.model_type} run on {train} with {losses}"]
    es = setup.early_stopping
    lines.append(
        f"early stopping: on, patience {es['patience']}, watching {es['metric']}"
        if es
        else "early stopping: off"
    )
    if setup.prompts:
        lines.append(
            "prompts saved with the model: " + ", ".join(f"{k}={v!r}" for k, v in setup.prompts.items())
        )
    if setup.activation:
        lines.append(f"predictions use activation_fn={setup.activation} ({setup.activation_why})")
    lines += [f"note: {note}" for note in plan.notes]
    print("\n".join(lines))
    return EXIT_OK
