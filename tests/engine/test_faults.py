"""Faults mid-run (issue 13): a full disk while saving, an exception in a callback, an evaluator or the data
collator, and two failures in a row. Each ends the run "failed" with the message; what was trained is kept only
when it was written whole."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from wb_data import inline, scored_pairs

from workbench.engine import Runner, held_models, read_run
from workbench.spec import RunSpec


def _config(make_config, **args):
    return make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
        loss="CosineSimilarityLoss",
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        args={"per_device_train_batch_size": 4, "max_steps": 6, **args},
    )


def _raise_on_call(monkeypatch, owner, name: str, at: int, message: str):
    real, calls = getattr(owner, name), []

    def failing(self, *a, **kw):
        calls.append(1)
        if len(calls) == at:
            raise RuntimeError(message)
        return real(self, *a, **kw)

    monkeypatch.setattr(owner, name, failing)
    return calls


def test_a_full_disk_while_saving_leaves_no_half_written_model(make_config, monkeypatch):
    from sentence_transformers import SentenceTransformer

    def full_disk(self, path, *args, **kwargs):
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "config.json").write_text(
            "{}"
        )  # a part of the model was written, then the disk was full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SentenceTransformer, "save_pretrained", full_disk)
    cfg = _config(make_config)
    runner = Runner(RunSpec.from_dict(cfg))
    summary = runner.run_blocking()
    out = Path(cfg["output_dir"])
    assert runner.status == "error" and "No space left on device" in runner.error
    assert "could not be saved" in runner.error and "free disk space" in runner.error
    assert not (out / "final").exists() and not list(out.glob(".final*")), "nothing half-written is left"
    assert summary["model_path"] is None and held_models(out) == []
    assert read_run(out).status == "error"


@pytest.mark.parametrize(
    "where",
    [
        # (what raises, the method, the call that raises: the first training steps or evaluations)
        ("transformers.trainer_callback:DefaultFlowCallback", "on_step_end", 3),
        ("sentence_transformers.sentence_transformer.evaluation:EmbeddingSimilarityEvaluator", "__call__", 2),
        (
            "sentence_transformers.sentence_transformer.data_collator:SentenceTransformerDataCollator",
            "__call__",
            3,
        ),
    ],
    ids=["callback", "evaluator", "collator"],
)
def test_an_exception_mid_run_fails_the_run_and_keeps_the_model_so_far(make_config, monkeypatch, where):
    import importlib

    module, cls = where[0].split(":")
    owner = getattr(importlib.import_module(module), cls)
    _raise_on_call(monkeypatch, owner, where[1], where[2], f"{cls} broke")
    cfg = _config(make_config, eval_strategy="steps", eval_steps=2, logging_steps=1)
    runner = Runner(RunSpec.from_dict(cfg))
    summary = runner.run_blocking()
    out = Path(cfg["output_dir"])
    assert runner.status == "error" and f"{cls} broke" in runner.error
    assert summary["status"] == "error" and read_run(out).status == "error"
    assert (out / "final" / "model.safetensors").is_file(), "the model trained so far is saved"
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "error" and f"{cls} broke" in e["message"] for e in events)
    assert events[-1] == {**events[-1], "type": "status", "status": "error"}


def test_two_failures_in_a_row_leave_the_page_usable_and_no_stale_ticket(make_config, tmp_path, monkeypatch):
    from sentence_transformers.sentence_transformer.data_collator import SentenceTransformerDataCollator

    from workbench.session import Session

    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("WORKBENCH_MAX_RUNS", "1")  # served: the runs take turns through the queue
    real, broken = SentenceTransformerDataCollator.__call__, [True]

    def collate(self, *a, **kw):
        if broken[0]:
            raise RuntimeError("collator broke")
        return real(self, *a, **kw)

    monkeypatch.setattr(SentenceTransformerDataCollator, "__call__", collate)
    page = Session.from_spec(RunSpec.from_dict(_config(make_config)), background=False)
    page.control.backend = "thread"
    for attempt in range(2):
        page.auto_output = True
        page.start()
        assert page.wait(120) and page.status == "error" and "collator broke" in page.error, attempt
    assert not list((tmp_path / "runs" / ".queue").rglob("*.json")), "no stale ticket"
    broken[0] = False
    page.start()
    assert page.wait(120) and page.status == "finished", page.error
