"""Helpers for the app tests: Sessions over small in-memory datasets, loaded synchronously, and polling."""

from __future__ import annotations

import time

from wb_data import positive_pairs, scored_pairs

from workbench.session import Session
from workbench.spec import DatasetSpec, EvaluatorChoice


def dict_spec(data: dict, **mapping) -> DatasetSpec:
    return DatasetSpec(source="dict", data=data, **mapping)


def scored_0_5(n: int = 16) -> dict:
    data = scored_pairs(n)
    return {**data, "score": [round(s * 5, 3) for s in data["score"]], "id": list(range(n))}


def make_session(tmp_path, *, model: str = "default", eval_set: bool = True, **traits) -> Session:
    """A Session with a scored-pairs train set (score 0-5 and an id column) and an eval set, loaded."""
    session = Session(
        background=False, output_dir=str(tmp_path / "run"), auto_output=False, model_name=model, **traits
    )
    session.add_dataset("train", "sts", dict_spec(scored_0_5(16)))
    if eval_set:
        session.add_dataset("eval", "dev", dict_spec(scored_pairs(8)))
        session.evaluators = (EvaluatorChoice("EmbeddingSimilarityEvaluator", dataset="eval/dev"),)
    session.selected = "train/sts"
    return session


def pairs_session(tmp_path, **traits) -> Session:
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False, **traits)
    session.add_dataset("train", "pairs", dict_spec(positive_pairs(12)))
    return session


def wait_for(predicate, timeout: float = 120.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it is truthy or the deadline passes (then fail with ``what``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
