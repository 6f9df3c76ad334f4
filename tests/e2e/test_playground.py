"""Browser test of the "Try it" tab: after a run of the demo with the tiny model, a typed query shows the base
model's and the trained model's top-k side by side, each text with its score and rank change."""

from __future__ import annotations

import pytest
from test_app import RUN_TIMEOUT_MS, _wait_status, open_tab, shot, use_tiny_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]


def test_try_it_shows_base_and_trained_top_k_for_a_typed_query(app, tiny_model):
    page = app
    use_tiny_model(page, tiny_model, 8)
    page.locator("button.wb-start").click()
    _wait_status(page, "finished", RUN_TIMEOUT_MS)
    name = page.locator(".wb-run-row.wb-run-shown").first.get_attribute("data-run")
    open_tab(page, "Try it")
    run = page.locator(".wb-panel-playground select").first
    try:  # the run just finished is the one offered (not an older run of the runs folder)
        page.wait_for_function(
            "([el, name]) => el.selectedIndex >= 0 && el.options[el.selectedIndex].text.startsWith(name)",
            arg=[run.element_handle(), name],
            timeout=60_000,
        )
    finally:
        shot(page, "41-try-it-run-offered")
    corpus = page.locator(".wb-panel-playground select").nth(1)
    assert "eval/" in corpus.locator("option:checked").inner_text()
    page.locator(".wb-try-query input").fill("a man is playing the guitar")
    page.locator("button.wb-try-search").click()
    trained = page.locator(".wb-try-output [data-role='trained'] tr.wb-try-hit")
    trained.first.wait_for(state="visible", timeout=600_000)
    base = page.locator(".wb-try-output [data-role='base'] tr.wb-try-hit")
    assert base.count() == trained.count() == 10
    marks = trained.locator(".wb-try-up, .wb-try-down, .wb-try-same")
    assert marks.count() == 10
    assert page.locator(".wb-try-status").inner_text().startswith("Both models searched")
    shot(page, "40-try-it-base-vs-trained")
