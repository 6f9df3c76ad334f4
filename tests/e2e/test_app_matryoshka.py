"""Matryoshka, measured, in Chromium: with the MatryoshkaLoss modifier chosen in the Loss tab, the finished run
shows quality at each embedding size (a plot and a table with bytes per vector, sizes from the model's own
embedding size), and "Save this size with the model" writes ``truncate_dim`` into the saved model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_app import RUN_TIMEOUT_MS, _run_dirs, _status, _wait_status, open_tab, shot, use_tiny_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]


def test_matryoshka_run_shows_quality_per_size_and_saves_one(app, app_home, tiny_model):
    page = app
    use_tiny_model(page, tiny_model, 8)
    open_tab(page, "Loss")
    modifier = page.locator(".wb-panel-loss .widget-dropdown", has_text="Modifier").locator("select")
    modifier.select_option("MatryoshkaLoss")
    page.locator(".wb-panel-loss", has_text="matryoshka_dims").first.wait_for(timeout=30_000)
    shot(page, "45-matryoshka-modifier")
    before = _run_dirs(app_home)
    page.locator("button.wb-start").click()
    _wait_status(page, ("finished", "stopped", "error"), RUN_TIMEOUT_MS)
    assert "finished" in _status(page), _status(page)
    (run,) = _run_dirs(app_home) - before
    summary = json.loads((run / "summary.json").read_text())
    dims = [int(d) for d in summary["matryoshka"]["dims"]]
    hidden = json.loads((Path(tiny_model) / "config.json").read_text())["hidden_size"]
    assert dims[0] == hidden and dims == sorted(dims, reverse=True) and len(dims) > 1, dims

    plot = page.locator(".wb-dims")
    plot.wait_for(state="visible", timeout=60_000)
    rows = plot.locator(".wb-dims-table tbody tr")
    assert rows.count() == len(dims)
    assert [int(rows.nth(i).get_attribute("data-dim")) for i in range(rows.count())] == dims
    assert f"{dims[-1] * 4} B" in plot.locator(".wb-dims-table").inner_text()  # float32 bytes per vector
    assert plot.locator("img").first.bounding_box()["height"] > 100  # the plot is drawn
    shot(page, "46-matryoshka-sizes")

    plot.locator("select").select_option(label=f"{dims[-1]} ({dims[-1] * 4} B per vector)")
    plot.locator("button", has_text="Save this size with the model").click()
    plot.locator(".wb-hint", has_text=f"encodes to {dims[-1]} dimensions").wait_for(timeout=30_000)
    saved = json.loads((run / "final" / "config_sentence_transformers.json").read_text())
    assert saved["truncate_dim"] == dims[-1]
    shot(page, "47-matryoshka-saved")
