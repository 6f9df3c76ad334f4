"""Separate query and document sides, in Chromium: on the demo's scored sentence pairs the Model tab's "Query and
document" choice is refused with its reason; with an uploaded (question, answer) file it fits, the run trains to a
verdict, and the saved model is a Router with a query and a document side."""

from __future__ import annotations

import json

import pytest
from test_app import (
    RUN_TIMEOUT_MS,
    _run_dirs,
    _status,
    _wait_status,
    open_tab,
    shot,
    use_tiny_model,
    wait_text,
)
from test_own_data import faq_csv, upload

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]

SEPARATE = "Separate query and document encoders (each its own copy)"


def test_separate_sides_from_the_model_tab_to_a_verdict(app, app_home, tiny_model, tmp_path):
    page = app
    wait_text(page, ".wb-datasets", "ready", 120_000)
    open_tab(page, "Model")
    kind = page.locator(".wb-router-kind select")
    kind.select_option(label=SEPARATE)
    msg = page.locator(".wb-router-msg")
    wait_text(page, ".wb-router-msg", "interchangeable", 60_000)
    assert "MultipleNegativesRankingLoss" in msg.inner_text()  # the fix names a loss that reads a query
    page.set_viewport_size({"width": 1400, "height": 1000})
    kind.scroll_into_view_if_needed()
    shot(page, "60-router-refused-on-sts")

    upload(page, faq_csv(tmp_path))
    page.locator(".wb-replace-demo").wait_for(state="visible", timeout=120_000)
    wait_text(page, ".wb-data-summary", "faq.csv", 120_000)
    open_tab(page, "Model")
    use_tiny_model(page, tiny_model, 8)
    open_tab(page, "Model")
    page.locator(".wb-router-query-lr input").fill("0.001")
    page.locator(".wb-router-query-lr input").press("Enter")
    page.wait_for_function(
        "() => !document.querySelector('.wb-router-msg').innerText.includes('interchangeable')",
        timeout=60_000,
    )
    page.locator(".wb-router-kind").scroll_into_view_if_needed()
    shot(page, "61-router-separate-fits-qa")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.locator(".wb-router-kind").scroll_into_view_if_needed()
    shot(page, "62-router-separate-small-screen")

    before = _run_dirs(app_home)
    page.locator("button.wb-start").click()
    _wait_status(page, ("finished", "stopped", "error"), RUN_TIMEOUT_MS)
    assert "finished" in _status(page), _status(page)
    (run,) = _run_dirs(app_home) - before
    model = json.loads((run / "config.json").read_text())["model"]
    assert model["asymmetric"] == {
        "kind": "separate",
        "query_learning_rate": 0.001,
        "document_learning_rate": None,
    }
    router = json.loads((run / "final" / "router_config.json").read_text())
    assert set(router["structure"]) == {"query", "document"}
    assert router["parameters"]["default_route"] == "document"
    assert (run / "final" / "query_0_Transformer").is_dir() and (
        run / "final" / "document_0_Transformer"
    ).is_dir()
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    notes = [e.get("text", "") for e in events if e["type"] == "note"]
    assert any("'question' -> query" in n and "'answer' -> document" in n for n in notes), notes
    verdict = page.locator(".wb-verdict")
    verdict.wait_for(state="visible", timeout=60_000)
    assert verdict.get_attribute("data-verdict") in ("win", "marginal", "no change", "regression")
    page.set_viewport_size({"width": 1400, "height": 1000})
    verdict.scroll_into_view_if_needed()
    shot(page, "63-router-run-verdict")


def test_inference_free_shows_where_the_query_weights_start(app):
    """A sparse model's inference-free queries show "Query weights start at" (the training documents' IDF by
    default); the choice reaches the config the run would get."""
    page = app
    wait_text(page, ".wb-datasets", "ready", 120_000)
    open_tab(page, "Model")
    page.locator(".widget-radio-box label", has_text="Sparse / SPLADE (SparseEncoder)").click()
    kind = page.locator(".wb-router-kind select")
    assert not page.locator(".wb-router-query-init").is_visible()
    kind.select_option(label="Inference-free queries, SPLADE documents (sparse)")
    start = page.locator(".wb-router-query-init select")
    start.wait_for(state="visible", timeout=60_000)
    shown = start.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ")  # ipywidgets' spaces
    assert shown == "the IDF of the training documents"
    page.locator(".wb-router-kind").scroll_into_view_if_needed()
    shot(page, "63-router-inference-free-idf")
    start.select_option(label="1 for every token")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.locator(".wb-router-query-init").scroll_into_view_if_needed()
    shot(page, "64-router-inference-free-ones-small-screen")
    kind.select_option(label=SEPARATE)
    page.locator(".wb-router-query-init").wait_for(state="hidden", timeout=60_000)
