"""A multi-vector (ColBERT-style) run in Chromium: pick Multi-vector in the Model panel, upload a small file of
(query, positive, negative) rows, choose the multi-vector Matryoshka modifier, Start, and see the verdict on a MaxSim
metric measured on a held-out part (the evaluator that fits triplets: MultiVectorTripletEvaluator's
maxsim_accuracy) and the quality at each token-vector size."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_app import (
    RUN_TIMEOUT_MS,
    _run_dirs,
    _status,
    _wait_status,
    open_tab,
    options_of,
    shot,
    use_tiny_model,
    wait_text,
)
from test_own_data import QUESTIONS, upload

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]


def triplets_csv(folder: Path, copies: int = 4) -> Path:
    """(query, positive, negative) rows: each FAQ question, its answer and another question's answer; 40 rows."""
    path = folder / "faq_triplets.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["query", "positive", "negative"])
        for i in range(copies):
            for j, (q, a) in enumerate(QUESTIONS):
                writer.writerow([q if i == 0 else f"{q} ({i})", a, QUESTIONS[(j + 3) % len(QUESTIONS)][1]])
    return path


def test_a_multi_vector_run_on_an_uploaded_file_shows_its_verdict(app, app_home, tiny_model, tmp_path):
    page = app
    open_tab(page, "Model")
    page.locator(".wb-panel-model label", has_text="Multi-vector").first.click()
    wait_text(page, ".wb-panel-model", "MaxSim")  # the type's one-line use
    use_tiny_model(page, tiny_model, 8)
    upload(page, triplets_csv(tmp_path))
    page.locator(".wb-replace-demo").wait_for(state="visible", timeout=120_000)
    wait_text(page, ".wb-data-summary", "faq_triplets.csv", 120_000)
    open_tab(page, "Loss")
    wait_text(page, ".wb-panel-loss", "MultiVectorMultipleNegativesRankingLoss", 120_000)
    # The multi-vector modifiers, not the dense ones: Matryoshka over the token vectors' size.
    modifier = page.locator(".wb-panel-loss .widget-dropdown", has_text="Modifier").locator("select")
    assert options_of(modifier) == ["none", "MultiVectorMatryoshkaLoss", "MultiVectorTokenPoolingLoss"]
    modifier.select_option("MultiVectorMatryoshkaLoss")
    page.locator(".wb-panel-loss", has_text="matryoshka_dims").first.wait_for(timeout=30_000)
    shot(page, "50-multi-vector-loss")
    before = _run_dirs(app_home)
    page.locator("button.wb-start").click()
    _wait_status(page, ("finished", "stopped", "error"), RUN_TIMEOUT_MS)
    assert "finished" in _status(page), _status(page)
    verdict = page.locator(".wb-verdict")
    verdict.wait_for(state="visible", timeout=60_000)
    line = page.locator(".wb-verdict-line").inner_text().strip()
    assert "maxsim_accuracy" in line, line
    (run,) = _run_dirs(app_home) - before
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["type"] == "multi-vector"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["verdict"]["headline"] == line
    assert any(k.endswith("maxsim_accuracy") for k in summary["final"]), summary["final"]
    assert config["loss"]["modifier"]["name"] == "MultiVectorMatryoshkaLoss"
    assert summary["matryoshka"]["dims"] == [128, 64, 32]  # the token size (128) halved down to 32
    plot = page.locator(".wb-dims")
    plot.wait_for(state="visible", timeout=60_000)
    rows = plot.locator(".wb-dims-table tbody tr")
    assert [int(rows.nth(i).get_attribute("data-dim")) for i in range(rows.count())] == [128, 64, 32]
    shot(page, "51-multi-vector-verdict")
