"""A run's comparison row, read from its folder: loss, key settings, wall time and verdict word on top of RunInfo,
its configuration and its curves (events.jsonl)."""

from __future__ import annotations

import json

import pytest
from wb_runs import METRIC, make_run, run_config

from workbench.engine import describe_loss, list_runs, read_run


def test_the_row_holds_loss_key_settings_wall_time_and_verdict(tmp_path):
    args = {
        "num_train_epochs": 3,
        "learning_rate": 5e-5,
        "per_device_train_batch_size": 8,
        "warmup_steps": 0.1,
    }
    out = make_run(tmp_path, "a", config=run_config(args=args), baseline=0.5, final=0.7, wall=83.5)
    row = read_run(out).comparison_row()
    assert row["run"] == "a" and row["status"] == "finished" and row["model"] == "default"
    assert row["data"] == "sts (sts.csv)" and row["loss"] == "CoSENTLoss"
    assert (row["epochs"], row["learning_rate"], row["batch_size"], row["max_steps"]) == (3, 5e-5, 8, None)
    assert (row["metric"], row["before"], row["after"]) == (METRIC, 0.5, 0.7)
    assert row["verdict"] == "Better" and row["wall_time_s"] == 83.5
    assert read_run(out).to_dict()["settings"] == {
        "num_train_epochs": 3,
        "learning_rate": 5e-5,
        "per_device_train_batch_size": 8,
    }


@pytest.mark.parametrize(
    ("baseline", "final", "word"),
    [(0.5, 0.7, "Better"), (0.7, 0.5, "Worse"), (0.5, 0.5, "About the same"), (0.5, 0.504, "About the same")],
)
def test_the_verdict_word_follows_the_primary_metric(tmp_path, baseline, final, word):
    out = make_run(tmp_path, "r", baseline=baseline, final=final)
    assert read_run(out).verdict == word


def test_a_run_without_final_metrics_has_no_verdict_and_its_wall_time_comes_from_its_status(tmp_path):
    out = make_run(tmp_path, "r", wall=None)
    summary = json.loads((out / "summary.json").read_text())
    summary["final"] = {}
    (out / "summary.json").write_text(json.dumps(summary))
    status = json.loads((out / "status.json").read_text())
    status.update(started=1000.0, ended=1065.0)
    (out / "status.json").write_text(json.dumps(status))
    info = read_run(out)
    assert info.verdict == "" and info.wall_time_s == 65.0


def test_the_history_is_the_logged_losses_and_evaluations_in_order(tmp_path):
    out = make_run(tmp_path, "r", losses=(0.9, 0.5), evals=(0.61,))
    with open(out / "events.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"type": "log", "step": 3, "loss"')  # a torn last line is skipped
    history = read_run(out).history()
    assert [(e["type"], e["step"]) for e in history] == [("log", 1), ("log", 2), ("eval", 2)]
    assert history[0]["loss"] == 0.9 and history[2]["metrics"][f"eval_{METRIC}"] == 0.61


def test_the_config_is_the_runs_config_json_else_its_summarys(tmp_path):
    out = make_run(tmp_path, "r", config=run_config(args={"max_steps": 7}))
    assert read_run(out).config()["args"] == {"max_steps": 7}
    (out / "config.json").unlink()
    assert read_run(out).config()["args"] == {"max_steps": 7}  # summary.json holds it too


@pytest.mark.parametrize(
    ("loss", "words"),
    [
        ("auto", "auto"),
        ({"name": "CoSENTLoss", "params": {}}, "CoSENTLoss"),
        (
            {"name": "CoSENTLoss", "modifier": {"name": "MatryoshkaLoss", "params": {}}},
            "MatryoshkaLoss(CoSENTLoss)",
        ),
        (
            {"faq": {"name": "MultipleNegativesRankingLoss"}, "sts": "CoSENTLoss"},
            "faq: MultipleNegativesRankingLoss, sts: CoSENTLoss",
        ),
    ],
)
def test_a_loss_is_described_in_words(loss, words):
    assert describe_loss({"loss": loss}) == words


def test_every_listed_run_carries_its_row(tmp_path):
    make_run(tmp_path, "a", config=run_config(loss="AnglELoss"))
    make_run(tmp_path, "b")
    rows = {info.name: info.comparison_row()["loss"] for info in list_runs(tmp_path)}
    assert rows == {"a": "AnglELoss", "b": "CoSENTLoss"}


def test_the_run_s_own_verdict_wins_over_the_margin_rule(tmp_path):
    out = make_run(tmp_path / "runs", "r1")
    summary = json.loads((out / "summary.json").read_text())
    summary["verdict"] = {"verdict": "About the same", "outcome": "marginal", "headline": "About the same: …"}
    (out / "summary.json").write_text(json.dumps(summary))
    assert read_run(out).verdict == "About the same"
