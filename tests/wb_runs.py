"""Run folders for the tests that read runs: synthetic ones, as a finished worker leaves them (events.jsonl,
status.json, config.json, summary.json) for comparing runs, with no training; and really trained tiny runs
(:func:`finished_run`) for the playground."""

from __future__ import annotations

import json
import time
from pathlib import Path

from wb_data import inline, positive_pairs

from workbench.engine import (
    BaselineEvent,
    EvalEvent,
    FinalEvent,
    LogEvent,
    RunFolder,
    RunStatus,
    SavedEvent,
    StatusEvent,
)
from workbench.spec import RunSpec


def until(predicate, timeout: float = 180.0, what: str = "it", poll: float = 0.1) -> None:
    """Wait until ``predicate()`` is true (another process's or thread's progress), else fail saying ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll)  # another process's progress: nothing to wait on but time
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


METRIC = "dev_spearman_cosine"
PRIMARY = {"dev": METRIC}


def run_config(data: str | Path = "/d/sts.csv", *, loss="CoSENTLoss", args=None, model="default") -> dict:
    """A config as ``config.json`` holds it (the RunSpec's dict form)."""
    config = {
        "model": {"name_or_path": model},
        "datasets": {
            "train": {
                "sts": {
                    "source": "csv",
                    "path": str(data),
                    "columns": ["sentence1", "sentence2"],
                    "label": "score",
                    "label_range": [0, 5],
                }
            }
        },
        "loss": loss,
        "args": dict(args or {}),
    }
    return RunSpec.from_dict(config).to_dict()


def make_run(
    root: Path,
    name: str,
    *,
    config: dict | None = None,
    baseline: float = 0.5,
    final: float = 0.7,
    losses=(0.9, 0.6, 0.4),
    evals=(0.6, 0.68),
    wall: float | None = 42.0,
    status: str = "finished",
) -> Path:
    """A finished run folder: ``losses`` logged at steps 1, 2, ...; ``evals`` of the primary metric at steps 2,
    4, ...; baseline and final of the primary metric in its summary."""
    out = Path(root) / name
    config = dict(config or run_config())
    config["output_dir"] = str(out)
    folder = RunFolder(out, backend="process")
    folder.handle(BaselineEvent(metrics={METRIC: baseline}, primary=PRIMARY))
    folder.handle(StatusEvent(RunStatus.TRAINING))
    for i, loss in enumerate(losses, start=1):
        folder.handle(LogEvent(step=i, epoch=None, values={"loss": loss, "learning_rate": 2e-5}))
    for i, value in enumerate(evals, start=1):
        folder.handle(EvalEvent(step=2 * i, metrics={f"eval_{METRIC}": value, "eval_loss": 1.0 / i}))
    (out / "final").mkdir()
    folder.handle(SavedEvent(str(out / "final")))
    folder.handle(FinalEvent(metrics={METRIC: final}))
    folder.handle(StatusEvent(RunStatus(status)))
    folder.close()
    summary = {
        "status": status,
        "baseline": {METRIC: baseline},
        "final": {METRIC: final},
        "primary_metrics": PRIMARY,
        "model_path": str(out / "final"),
        "steps": len(losses),
        "config": config,
    }
    if wall is not None:
        summary["wall_time_s"] = wall
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return out


# ---- finished run folders for the tests that read runs (the playground): a tiny config run to the end ----


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
