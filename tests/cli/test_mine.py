"""`workbench mine`: (query, positive) pairs in, a new file of mined rows out, what it did on stdout; every bad
input is exit 2 with the problem and the fix (missing corpus, unknown column, a folder that is not a model)."""

from __future__ import annotations

import csv
import json

import pytest
from test_cli import assert_bad_input, run_cli
from wb_data import TEXTS


def _pairs(folder):
    path = folder / "faq.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["question", "answer"])
        for i in range(20):
            writer.writerow([f"question {i}: what about {TEXTS[i % len(TEXTS)]}?", TEXTS[i % len(TEXTS)]])
    return path


def test_mine_writes_n_tuples_and_says_what_it_did(tiny_model, tmp_path, capsys):
    data = _pairs(tmp_path)
    before = data.read_text()
    out = tmp_path / "mined.jsonl"
    rc, stdout, err = run_cli(
        capsys, "mine", data, "--columns", "question,answer", "--negatives", "2", "--preset", "hardest",
        "--model", tiny_model, "--out", out,
    )  # fmt: skip
    assert rc == 0, err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and set(rows[0]) == {"question", "answer", "negative_1", "negative_2"}
    assert all(r["answer"] not in (r["negative_1"], r["negative_2"]) for r in rows)
    assert "of 20 queries got hard negatives" in stdout and "positives" in stdout and "negatives" in stdout
    assert data.read_text() == before and "the data file is unchanged" in stdout


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--columns", "question"], ["--columns needs the query and the positive column"]),
        (["--columns", "question,reply"], ["'reply' is not in the data", "question, answer"]),
        (["--columns", "question,answer", "--corpus", "nope.csv"], ["--corpus file", "does not exist"]),
        (["--columns", "question,answer", "--format", "labeled-list", "--out", "x.csv"], ["CSV file cannot"]),
        (["--columns", "question,answer", "--out", "x.txt"], [".csv, .jsonl, .parquet"]),
        (["--columns", "question,answer", "--model", "MODEL_IS_A_FOLDER"], ["could not be loaded"]),
        (["--columns", "question,answer", "--cross-encoder", "MODEL_IS_A_FOLDER"], ["could not be loaded"]),
    ],
)
def test_mine_bad_input(extra, words, tiny_model, tmp_path, capsys):
    data = _pairs(tmp_path)
    extra = [str(tmp_path) if e == "MODEL_IS_A_FOLDER" else e for e in extra]
    extra = [str(tmp_path / e) if e in ("nope.csv", "x.csv", "x.txt") else e for e in extra]
    if "--out" not in extra:
        extra += ["--out", str(tmp_path / "mined.jsonl")]
    if "--model" not in extra:
        extra += ["--model", tiny_model]
    rc, _, err = run_cli(capsys, "mine", data, *extra)
    assert_bad_input(rc, err, *words)


def test_mine_rescores_with_a_cross_encoder(tiny_model, tmp_path, capsys):
    out = tmp_path / "mined.csv"
    rc, stdout, err = run_cli(
        capsys, "mine", _pairs(tmp_path), "--columns", "question,answer", "--negatives", "1", "--preset",
        "hardest", "--model", tiny_model, "--cross-encoder", tiny_model, "--out", out,
    )  # fmt: skip
    assert rc == 0, err
    assert (
        out.read_text().splitlines()[0] == "question,answer,negative"
        and "queries got hard negatives" in stdout
    )


@pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("faiss") is not None, reason="faiss is installed"
)
def test_mine_with_faiss_missing_says_how_to_get_it(tiny_model, tmp_path, capsys):
    rc, _, err = run_cli(
        capsys, "mine", _pairs(tmp_path), "--columns", "question,answer", "--model", tiny_model, "--faiss",
        "--out", tmp_path / "m.jsonl",
    )  # fmt: skip
    assert_bad_input(rc, err, "faiss", "pip install faiss-cpu")
