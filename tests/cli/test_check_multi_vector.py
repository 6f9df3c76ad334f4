"""`workbench check --type multi-vector`: the multi-vector losses judged on the user's file, with reasons and
fixes, the recommended one, and the evaluators that fit."""

from __future__ import annotations

from test_cli import check_json, run_cli, verdict
from wb_files import sts_csv, triplets_csv


def test_triplets_fit_maxsim_in_batch_negatives(tmp_path, capsys):
    tri = check_json(capsys, triplets_csv(tmp_path), "--type", "multi-vector")
    assert tri["inputs"] == ["anchor", "positive", "negative"] and tri["label"] is None
    assert verdict(tri, "MultiVectorMultipleNegativesRankingLoss")["compatible"]
    assert verdict(tri, "CachedMultiVectorMultipleNegativesRankingLoss")["compatible"]
    assert not verdict(tri, "MultiVectorMarginMSELoss")["compatible"]  # it needs the teacher's margins
    assert tri["recommended"]["name"] == "MultiVectorMultipleNegativesRankingLoss"
    assert {v["name"] for v in tri["losses"]} == {
        "MultiVectorMultipleNegativesRankingLoss",
        "CachedMultiVectorMultipleNegativesRankingLoss",
        "MultiVectorMarginMSELoss",
        "MultiVectorDistillKLDivLoss",
    }
    assert "MultiVectorInformationRetrievalEvaluator" in tri["evaluators"]
    assert "MultiVectorTripletEvaluator" in tri["evaluators"]
    assert not any(name.startswith(("Sparse", "CrossEncoder")) for name in tri["evaluators"])


def test_scored_pairs_say_why_no_multi_vector_loss_fits(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "check", sts_csv(tmp_path), "--type", "multi-vector")
    assert rc == 0, err
    assert "MultiVectorMultipleNegativesRankingLoss" in out
    sts = check_json(capsys, sts_csv(tmp_path), "--type", "multi-vector")
    mnrl = verdict(sts, "MultiVectorMultipleNegativesRankingLoss")
    assert not mnrl["compatible"] and "label" in mnrl["reason"]


def test_an_unknown_type_names_multi_vector_among_the_choices(tmp_path, capsys):
    try:
        rc, _, err = run_cli(capsys, "check", sts_csv(tmp_path), "--type", "colbert")
    except SystemExit as stop:
        rc, err = stop.code, capsys.readouterr().err
    assert rc == 2 and "multi-vector" in err
