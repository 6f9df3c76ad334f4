"""Hosted beyond loopback, in Chromium: the app served on 0.0.0.0 (as `workbench app --host 0.0.0.0` serves it)
sends a visitor without the token to a login page and never shows the app; with the link's token the app opens,
and the login cookie carries the page's own requests (its kernel, its widgets) on."""

from __future__ import annotations

import pytest
from conftest import APP_TIMEOUT_MS, serve_app
from test_app import shot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TOKEN = "team-s3cret-4f9a"


@pytest.fixture
def hosted(tmp_path):
    from workbench.ui.serve import app_url

    with serve_app(tmp_path / "home", server_options={"token": TOKEN}, host="0.0.0.0") as (_, url):
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert app_url("0.0.0.0", port, TOKEN).endswith(f":{port}/?token={TOKEN}")
        yield url


def test_without_the_token_no_app_with_it_the_app(browser, hosted):
    url = hosted
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        assert "/login" in page.url, page.url  # sent to the login page that asks for the token
        assert page.locator("button.wb-start").count() == 0
        assert "Sentence Workbench" not in page.content()
        shot(page, "60-hosted-without-token")
        page.goto(url + "?token=wrong", wait_until="load")
        assert page.locator("button.wb-start").count() == 0

        page.goto(url + f"?token={TOKEN}", wait_until="commit")
        page.locator("button.wb-start").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        # The kernel answers through the websocket: the demo's data summary is filled in by the page's kernel.
        page.locator(".wb-data-summary", has_text="demo").first.wait_for(timeout=APP_TIMEOUT_MS)
        shot(page, "61-hosted-with-token")
        assert TOKEN not in page.locator(".wb-app").inner_text()
    finally:
        context.close()
