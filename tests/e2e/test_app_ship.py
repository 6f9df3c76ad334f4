"""The Ship step in Chromium: after the demo run with the tiny model, ship it as ONNX int8 from the Train panel,
see trained vs shipped (the primary metric, its change, sentences/s, latency) with the gate's verdict, and
download the shipped folder as a zip through the served link."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from test_app import RUN_TIMEOUT_MS, _status, _wait_status, shot, use_tiny_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]


def test_ship_a_finished_run_shows_the_table_and_a_download_link(app, tiny_model):
    page = app
    use_tiny_model(page, tiny_model, 8)
    page.locator("button.wb-start").click()
    _wait_status(page, ("finished", "stopped", "error"), RUN_TIMEOUT_MS)
    assert "finished" in _status(page), _status(page)
    box = page.locator(".wb-ship-box")
    box.wait_for(state="visible", timeout=60_000)
    box.locator("select").nth(1).select_option(label="int8 (dynamic, per-channel)")
    box.locator("button.wb-ship").click()
    page.locator(".wb-ship-progress", has_text="Shipping:").wait_for(state="attached", timeout=60_000)
    verdict = page.locator(".wb-ship-verdict")
    verdict.wait_for(state="visible", timeout=600_000)
    table = page.locator(".wb-ship-report").inner_text()
    for words in ("trained (torch)", "shipped (onnx-int8)", "spearman", "sentences/s", "latency"):
        assert words in table, table
    assert verdict.inner_text().startswith(("good:", "NOT good:"))
    shot(page, "50-shipped-table")
    page.locator("button.wb-ship-download").click()
    link = page.locator("a.wb-ship-link")
    link.wait_for(state="visible", timeout=120_000)
    href = link.get_attribute("href")
    assert href.startswith("voila/files/downloads/") and href.endswith("-onnx-int8.zip"), href
    response = page.request.get(urljoin(page.url, href))
    assert response.status == 200 and response.body()[:2] == b"PK"
    shot(page, "51-shipped-download")
