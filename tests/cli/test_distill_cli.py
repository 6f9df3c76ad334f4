"""`workbench distill`: a run folder and the teacher-vs-student table on stdout (or the report as JSON); every bad
input is exit 2 with the problem and the fix, answered before the models load."""

from __future__ import annotations

import json

import pytest
from test_cli import assert_bad_input, run_cli
from wb_distill import texts_file


def test_distill_keeps_the_first_layer_and_prints_teacher_beside_student(tiny_model, tmp_path, capsys):
    data = texts_file(tmp_path)
    out = tmp_path / "distilled"
    rc, stdout, err = run_cli(
        capsys, "distill", data, "--teacher", tiny_model, "--column", "sentence", "--keep-layers", "1",
        "--out", out, "--json",
    )  # fmt: skip
    assert rc == 0, err
    report = json.loads(stdout)
    assert report["teacher"]["layers"] == 2 and report["student_after"]["layers"] == 1
    assert report["student_path"] == str(out / "final") and (out / "final" / "modules.json").is_file()
    assert "teacher encoding: 108/108" in err  # 120 texts, 12 held out and "training:" in err


def test_distill_table_names_teacher_and_student_rows(tiny_model, tmp_path, capsys):
    rc, stdout, err = run_cli(
        capsys, "distill", texts_file(tmp_path), "--teacher", tiny_model, "--column", "sentence",
        "--keep-layers", "1", "--out", tmp_path / "run",
    )  # fmt: skip
    assert rc == 0, err
    lines = stdout.splitlines()
    assert lines[0].split()[:4] == ["mean", "cosine", "to", "the"]
    assert [line.split()[0] for line in lines[1:4]] == ["teacher", "student", "student"]
    assert "MSE to the teacher's embeddings" in stdout and "of the teacher's quality" in stdout


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (
            ["--column", "sentence", "--keep-layers", "4"],
            ["cannot keep 4 of the teacher's 2 layers", "1 to 1"],
        ),
        (["--column", "text", "--keep-layers", "1"], ["text column 'text' is not in the data", "sentence"]),
        (["--column", "sentence"], ["would be the teacher itself", "--keep-layers"]),
        (["--column", "sentence", "--keep-layers", "1", "--loss", "DistillKLDivLoss"], ["does not train on"]),
        (["--columns", "sentence,x,y", "--keep-layers", "1"], ["one text column"]),
        (
            ["--column", "sentence", "--keep-layers", "1", "--eval", "nope.csv"],
            ["eval file", "does not exist"],
        ),
        (["--column", "sentence", "--keep-layers", "1", "--teacher", "NOT_A_MODEL"], ["does not exist"]),
    ],
)
def test_distill_bad_input(extra, words, tiny_model, tmp_path, capsys):
    extra = [str(tmp_path / e) if e in ("nope.csv", "NOT_A_MODEL") else e for e in extra]
    if "--teacher" not in extra:
        extra += ["--teacher", tiny_model]
    rc, _, err = run_cli(capsys, "distill", texts_file(tmp_path), *extra, "--out", tmp_path / "run")
    assert_bad_input(rc, err, *words)
    assert not (tmp_path / "run" / "final").exists()
