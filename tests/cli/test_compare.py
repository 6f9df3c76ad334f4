"""`workbench compare RUN_A RUN_B [...]`: the runs side by side and the settings that differ (text and --json);
bad input exits 2 naming what is wrong."""

from __future__ import annotations

import json

import pytest
from test_cli import assert_bad_input, run_cli
from wb_runs import METRIC, make_run, run_config


@pytest.fixture
def two_runs(tmp_path):
    root = tmp_path / "runs"
    a = make_run(root, "a", config=run_config(args={"learning_rate": 2e-5}), baseline=0.5, final=0.7, wall=30)
    b = make_run(
        root,
        "b",
        config=run_config(loss="AnglELoss", args={"learning_rate": 5e-5, "max_steps": 40}),
        baseline=0.5,
        final=0.4,
        wall=95,
    )
    return a, b


def test_compare_prints_the_runs_and_the_settings_that_differ(capsys, two_runs):
    a, b = two_runs
    rc, out, err = run_cli(capsys, "compare", a, b)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["run", "a", "b"]
    table = {line.split("  ")[0]: line for line in lines}
    assert "CoSENTLoss" in table["loss"] and "AnglELoss" in table["loss"]
    assert "0.5000 -> 0.7000" in table["before -> after"] and "0.5000 -> 0.4000" in table["before -> after"]
    assert "Better" in table["verdict"] and "Worse" in table["verdict"]
    assert table["epochs"].split()[1:] == ["default", "default"]  # neither config sets it: the defaults ran
    assert "30 s" in table["wall time"] and "1 min 35 s" in table["wall time"]
    assert "Settings that differ (3):" in out
    diff = out.split("Settings that differ (3):")[1]
    assert "args.learning_rate" in diff and "2e-05" in diff and "5e-05" in diff
    assert "args.max_steps" in diff and "(not set)" in diff and "output_dir" not in diff
    assert "loss.name" in diff and "loss.params" not in diff  # both have {} params: not a difference


def test_compare_json_holds_the_rows_and_the_differences(capsys, two_runs):
    a, b = two_runs
    rc, out, err = run_cli(capsys, "compare", a, b, "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert [r["run"] for r in data["runs"]] == ["a", "b"]
    assert [r["verdict"] for r in data["runs"]] == ["Better", "Worse"]
    assert data["runs"][1]["max_steps"] == 40 and data["runs"][0]["metric"] == METRIC
    diff = {d["setting"]: d["values"] for d in data["differences"]}
    assert diff["args.learning_rate"] == [2e-5, 5e-5] and diff["args.max_steps"] == [None, 40]


def test_runs_may_be_named_by_their_folder_name_in_the_runs_folder(capsys, two_runs, monkeypatch):
    a, _ = two_runs
    monkeypatch.setenv("WORKBENCH_RUNS", str(a.parent))
    rc, out, err = run_cli(capsys, "compare", "a", "b", "--json")
    assert rc == 0, err
    assert [r["path"] for r in json.loads(out)["runs"]] == [str(a), str(a.parent / "b")]


def test_the_same_settings_say_so(capsys, tmp_path):
    a, b = make_run(tmp_path, "a"), make_run(tmp_path, "b")
    rc, out, err = run_cli(capsys, "compare", a, b)
    assert rc == 0, err
    assert "These runs have the same settings" in out


def test_a_folder_that_is_not_a_run_is_named_and_workbench_runs_suggested(capsys, two_runs, tmp_path):
    a, _ = two_runs
    (tmp_path / "plain").mkdir()
    rc, _, err = run_cli(capsys, "compare", a, tmp_path / "plain")
    assert_bad_input(rc, err, "plain", "is not a workbench run folder", "workbench runs")


def test_a_missing_run_is_named(capsys, two_runs, tmp_path):
    a, _ = two_runs
    rc, _, err = run_cli(capsys, "compare", a, tmp_path / "nowhere")
    assert_bad_input(rc, err, "nowhere", "does not exist", "workbench runs")


def test_one_run_is_not_a_comparison(capsys, two_runs):
    a, _ = two_runs
    rc, _, err = run_cli(capsys, "compare", a)
    assert_bad_input(rc, err, "at least two runs", "workbench runs")


def test_no_run_at_all_is_a_usage_error(capsys):
    rc, _, err = run_cli(capsys, "compare")
    assert_bad_input(rc, err, "compare")
