"""Shared fixtures: offline environment, a tiny BERT built locally, and small in-memory datasets."""

from __future__ import annotations

import os

# Before torch / transformers are imported anywhere: never reach the Hub, and keep to few threads so that
# parallel test runs on 2 cores do not slow each other down.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The tests read the Training settings facts from their own homes (or a child process), not from what `make setup`
# seeded beside the packages (tests/session/test_facts.py turns the seed on where it tests it).
os.environ["WORKBENCH_FACTS_SEED"] = "off"


import pytest  # noqa: E402
from wb_data import PAIRS, TEXTS, binary_pairs, inline, listwise, positive_pairs, scored_pairs, triplets  # noqa: E402,F401


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """A tiny random BERT (2 layers, hidden 64) with a WordPiece vocabulary trained on TEXTS."""
    import torch

    torch.set_num_threads(2)
    from workbench.engine.models import tiny_bert

    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"), TEXTS + [t.upper() for t in TEXTS[:4]])


@pytest.fixture
def make_config(tiny_model, tmp_path):
    """A config dict for the tiny model with small training settings; keyword arguments override parts."""

    def make(
        train: dict,
        *,
        model_type: str = "sentence-transformer",
        loss="auto",
        evaluators=None,
        eval=None,
        test=None,
        args=None,
        output: str = "run",
        **top,
    ) -> dict:
        cfg = {
            "model": {"type": model_type, "name_or_path": tiny_model},
            "datasets": {"train": train, "eval": eval or {}, "test": test or {}},
            "loss": loss,
            "evaluators": evaluators or [],
            "args": {
                "max_steps": 4,
                "per_device_train_batch_size": 4,
                "logging_steps": 1,
                "save_strategy": "no",
                **(args or {}),
            },
            "output_dir": str(tmp_path / output),
        }
        cfg.update(top)
        return cfg

    return make


@pytest.fixture
def fails_at_the_third_step(monkeypatch):
    """The dense trainer raises RuntimeError("boom") at its third training step (a run that fails mid-way)."""
    from sentence_transformers import SentenceTransformerTrainer

    real, calls = SentenceTransformerTrainer.training_step, []

    def training_step(self, *args, **kwargs):
        calls.append(1)
        if len(calls) >= 3:
            raise RuntimeError("boom")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SentenceTransformerTrainer, "training_step", training_step)


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """The demo Session (its datasets loaded, in the calling thread), with its home in a temp folder."""
    from workbench.session import Session

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = Session.default(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.load_all()
    return session
