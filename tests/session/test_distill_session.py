"""DistillSession: the datasets it offers, the rows it writes and the command it runs (the CLI in a child process),
and a bad choice answered with the CLI's own message."""

from __future__ import annotations

import json
import sys

from panel_fixtures import dict_spec
from wb_data import scored_pairs
from wb_distill import texts

from workbench.session import DistillSession, Session, distill_command, teacher_choices, teacher_layers


def _session(tmp_path, monkeypatch) -> Session:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.add_dataset("train", "texts", dict_spec({"sentence": texts(60), "n": list(range(60))}))
    session.add_dataset("eval", "sts", dict_spec(scored_pairs(12)))
    return session


def test_it_offers_text_datasets_and_scored_pairs_to_measure_on(tmp_path, monkeypatch):
    d = DistillSession(_session(tmp_path, monkeypatch))
    assert [k for _, k in d.text_sets()] == ["train/texts", "eval/sts"]
    assert d.text_columns("train/texts") == ["sentence"]
    assert [k for _, k in d.eval_sets()] == ["eval/sts"]


def test_the_command_writes_the_chosen_rows_and_names_every_choice(tmp_path, monkeypatch, tiny_model):
    d = DistillSession(_session(tmp_path, monkeypatch), teacher=tiny_model, keep_layers=1)
    d.dataset, d.column, d.eval_dataset = "train/texts", "sentence", "eval/sts"
    cmd = d.command()
    assert cmd[:5] == [sys.executable, "-m", "workbench.cli", "distill", cmd[4]]
    args = dict(zip(cmd[5::2], cmd[6::2], strict=False))
    assert args["--teacher"] == tiny_model and args["--keep-layers"] == "1" and args["--column"] == "sentence"
    assert args["--eval-columns"] == "sentence1,sentence2,score" and "--student" not in args
    assert args["--out"].startswith(str(tmp_path / "runs" / "distill-"))
    rows = [json.loads(line) for line in open(cmd[4], encoding="utf8")]
    assert len(rows) == 60 and set(rows[0]) == {"sentence"}
    assert len(open(args["--eval"], encoding="utf8").read().splitlines()) == 12


def test_a_choice_the_cli_refuses_fails_with_its_message(tmp_path, monkeypatch, tiny_model):
    d = DistillSession(_session(tmp_path, monkeypatch), teacher=tiny_model, keep_layers=5)
    d.dataset, d.column = "train/texts", "sentence"
    d.distill(wait=True)
    assert d.state == "failed" and "cannot keep 5 of the teacher's 2 layers" in d.error and "Fix:" in d.error
    d.column = "n"
    d.distill(wait=True)
    assert d.state == "failed" and "'n' is not a text column" in d.error


def test_teachers_are_the_packaged_model_and_finished_runs_with_a_model(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    run = tmp_path / "runs" / "r1"
    (run / "final").mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps({"status": "finished", "model_path": str(run / "final")}))
    assert teacher_choices() == [("the packaged all-MiniLM-L6-v2", "default"), ("run r1 (model)", str(run))]
    assert teacher_layers(tiny_model) == 2 and teacher_layers("default") == 6
    assert distill_command("a.csv", "out", keep_layers=3, student="")[-3:] == ["--keep-layers", "3", "--json"]
