"""The hard-negative wizard in Chromium: upload (question, answer) pairs, open "Make it harder", mine with the tiny
model, see what it did and the mined rows listed as a new train dataset. Screenshot in test-artifacts/."""

from __future__ import annotations

import pytest
from test_app import shot, use_tiny_model, wait_text
from test_own_data import faq_csv, upload

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_the_wizard_mines_hard_negatives_for_an_uploaded_file(app, tmp_path, tiny_model):
    page = app
    use_tiny_model(page, tiny_model, max_steps=10)
    upload(page, faq_csv(tmp_path))
    # the file is read when the Data tab says so (before that, the wizard still offers the demo it replaces)
    page.locator(".wb-datasets tr", has_text="faq").filter(has_text="ready").first.wait_for(timeout=120_000)
    page.locator(".wb-mining-fold").get_by_text("Make it harder: mine hard negatives").first.click()
    page.locator(".wb-mining .wb-mine").wait_for(state="visible", timeout=30_000)
    page.locator(".wb-mining .widget-toggle-button", has_text="hardest").first.click()
    page.locator(".wb-mining .wb-mine").click()
    result = page.locator(".wb-mine-result")
    try:  # done when the line says what it did (or why not)
        page.wait_for_function(
            "() => { const el = document.querySelector('.wb-mine-result');"
            " return el && el.innerText.trim() && !el.innerText.includes('Embedding'); }",
            timeout=300_000,
        )
    finally:
        shot(page, "40-hard-negatives-mined")
    text = result.inner_text()
    assert "queries got hard negatives" in text and "faq-hard-negatives" in text, text
    wait_text(page, ".wb-datasets", "faq-hard-negatives", 60_000)
    page.locator(".wb-mining img").first.wait_for(state="visible")
