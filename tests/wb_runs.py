"""Finished run folders for the tests that read runs (the playground): a tiny config run to the end."""

from __future__ import annotations

from pathlib import Path

from wb_data import inline, positive_pairs


def finished_run(
    model: str,
    folder: Path,
    *,
    model_type: str = "sentence-transformer",
    train: dict | None = None,
    eval: dict | None = None,
    steps: int = 4,
) -> Path:
    """Run a tiny config into ``folder`` with the thread Runner and return the folder (its model in final/)."""
    from workbench.engine import Runner
    from workbench.spec import RunSpec

    cfg = {
        "model": {"type": model_type, "name_or_path": model},
        "datasets": {"train": train or {"pairs": inline(positive_pairs(12))}, "eval": eval or {}, "test": {}},
        "loss": "auto",
        "evaluators": [],
        "args": {
            "max_steps": steps,
            "per_device_train_batch_size": 4,
            "logging_steps": 1,
            "save_strategy": "no",
            "learning_rate": 1e-3,
        },
        "output_dir": str(folder),
    }
    summary = Runner(RunSpec.from_dict(cfg)).run_blocking()
    assert summary["status"] == "finished", summary
    return Path(folder)
