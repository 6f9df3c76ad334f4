"""The prompt editor and the early-stopping control in Chromium, at 1400x1000 and 1024x768 (issue 14 §4)."""

from __future__ import annotations

import pytest
from conftest import open_app
from test_app import open_tab, shot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


@pytest.mark.parametrize("size", [(1400, 1000), (1024, 768)], ids=["1400x1000", "1024x768"])
def test_prompt_editor_and_early_stopping_are_on_the_training_settings_tab(browser, voila_server, size):
    server, url = voila_server
    with open_app(browser, server, url, *size) as page:
        open_tab(page, "Training settings")
        box = page.locator(".wb-prompt-sentence1 input")
        box.wait_for(state="visible", timeout=180_000)
        box.fill("query: ")
        box.press("Enter")
        # The curated "prompts" setting shows the same value the editor wrote (one config, two views).
        page.locator(".wb-arg-prompts input").first.wait_for(state="attached", timeout=30_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.wb-arg-prompts input')].some(i => i.value.includes('query: '))",
            timeout=30_000,
        )
        assert "On: stops after about a quarter" in page.locator(".wb-run-setup").inner_text()
        page.locator(".wb-early-stopping select").select_option(label="Off: train to the end")
        page.wait_for_function(
            "() => document.querySelector('.wb-run-setup').innerText.includes('trains to the end')",
            timeout=30_000,
        )
        shot(page, f"50-run-setup-{size[0]}x{size[1]}")
