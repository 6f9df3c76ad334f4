"""The prompt editor, the early-stopping control and a cross-encoder's prediction activation in Chromium, at
1400x1000 and 1024x768 (issue 14 §4)."""

from __future__ import annotations

import pytest
from conftest import open_app
from test_app import open_tab, shot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
SIZES = pytest.mark.parametrize("size", [(1400, 1000), (1024, 768)], ids=["1400x1000", "1024x768"])


def _wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => [...document.querySelectorAll(sel)].some(e => e.innerText.includes(text))",
        arg=[selector, text],
        timeout=60_000,
    )


@SIZES
def test_prompt_editor_and_early_stopping_are_on_the_training_settings_tab(browser, voila_server, size):
    server, url = voila_server
    with open_app(browser, server, url, *size) as page:
        open_tab(page, "Training settings")
        box = page.locator(".wb-prompt-sentence1 input")
        box.wait_for(state="visible", timeout=180_000)
        box.fill("query: ")
        box.press("Enter")
        # One place for the prompts: no raw "prompts" field beside the editor.
        assert page.locator(".wb-arg-prompts").count() == 0
        setup = page.locator(".wb-run-setup")
        assert "On: stops after about a quarter" in setup.inner_text()
        # A per-column prompt that is not text would be said under the editor; a good one says nothing.
        assert page.locator(".wb-prompt-problem").count() == 0
        page.locator(".wb-early-stopping select").select_option(label="Off: train to the end")
        _wait_text(page, ".wb-run-setup", "trains to the end")
        assert box.input_value() == "query: "
        setup.scroll_into_view_if_needed()
        shot(page, f"50-run-setup-{size[0]}x{size[1]}")


@SIZES
def test_a_cross_encoder_shows_its_prediction_activation_and_why(browser, voila_server, size):
    server, url = voila_server
    with open_app(browser, server, url, *size) as page:
        open_tab(page, "Model")
        page.locator(".widget-radio-box label", has_text="Reranker (CrossEncoder)").click()
        open_tab(page, "Training settings")
        activation = page.locator(".wb-activation")
        activation.wait_for(state="visible", timeout=120_000)
        _wait_text(page, ".wb-activation-chosen", "Predictions use")
        text = page.locator(".wb-activation-chosen").inner_text()
        assert "Sigmoid" in text or "Identity" in text, text
        assert "config_sentence_transformers.json" in text
        # A cross-encoder takes one prompt per dataset: one box per train dataset, not per column.
        assert page.locator(".wb-prompt-sentence1").count() == 0
        page.locator(".wb-activation select").select_option(label="Identity: raw scores")
        _wait_text(page, ".wb-activation-chosen", "set in the config (model.activation_fn)")
        activation.scroll_into_view_if_needed()
        shot(page, f"51-cross-activation-{size[0]}x{size[1]}")
