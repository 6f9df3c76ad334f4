"""`workbench check` on a plain corpus (one text column, no label): the unsupervised losses list the fixes that
build their pairs, and the mapping those fixes name (--columns text,text --derive tsdae) fits."""

from __future__ import annotations

import sys
from pathlib import Path

from wb_data import TEXTS
from wb_files import write_csv

sys.path.insert(0, str(Path(__file__).parent))
from test_cli import assert_bad_input, check_json, run_cli  # noqa: E402


def _corpus(tmp_path) -> Path:
    return write_csv(tmp_path / "corpus.csv", ["text"], [[t] for t in TEXTS])


def test_check_lists_the_corpus_fixes_on_the_unsupervised_losses(capsys, tmp_path):
    report = check_json(capsys, _corpus(tmp_path), "--columns", "text")
    losses = {v["name"]: v for v in report["losses"]}
    (tsdae,) = losses["DenoisingAutoEncoderLoss"]["fixes"]
    assert tsdae["kind"] == "derive" and tsdae["derive"] == "tsdae" and tsdae["inputs"] == ["text", "text"]
    (ct,) = losses["ContrastiveTensionLossInBatchNegatives"]["fixes"]
    assert ct["kind"] == "pair_copy" and ct["inputs"] == ["text", "text"] and ct["derive"] is None
    assert report["recommended"] is None and report["derive"] is None
    rc, out, _ = run_cli(capsys, "check", _corpus(tmp_path), "--columns", "text")
    assert "(--columns text,text --derive tsdae; loss DenoisingAutoEncoderLoss)" in out


def test_check_with_the_derived_pairs_recommends_tsdae(capsys, tmp_path):
    report = check_json(capsys, _corpus(tmp_path), "--columns", "text,text", "--derive", "tsdae")
    losses = {v["name"]: v for v in report["losses"]}
    assert losses["DenoisingAutoEncoderLoss"]["compatible"] and report["derive"] == "tsdae"
    assert report["recommended"]["name"] == "DenoisingAutoEncoderLoss" and report["problem"] is None


def test_check_refuses_an_unknown_derivation(capsys, tmp_path):
    rc, _, err = run_cli(capsys, "check", _corpus(tmp_path), "--columns", "text,text", "--derive", "noise")
    assert_bad_input(rc, err, "--derive", "tsdae")
