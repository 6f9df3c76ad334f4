"""The served page's guard in Chromium: a page whose HTML came without the app's view (nbclient collected no output
for the app's cell) is loaded again, twice at most, and then says what happened instead of staying blank."""

from __future__ import annotations

import time

import pytest
from conftest import serve_app
from test_app import shot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def _lose_the_apps_view(notebook: dict) -> None:
    assert notebook["cells"][0]["id"] == "page-guard"
    notebook["cells"][-1]["source"] = "x = 1"  # no output: what a page that lost the app's view holds


def test_a_page_without_the_apps_view_is_loaded_again_then_says_so(browser, tmp_path):
    with serve_app(tmp_path, edit=_lose_the_apps_view) as (_, url):
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        loads = []
        page.on("request", lambda r: r.is_navigation_request() and loads.append(time.monotonic()))
        page.goto(url, wait_until="commit")
        note = page.locator(".wb-page-lost")
        note.wait_for(state="visible", timeout=240_000)
        shot(page, "70-page-without-the-app")
        assert "without the app" in note.inner_text() and "reload the page" in note.inner_text()
        assert not page.locator("#loading").is_visible()  # no spinner saying the server still works on it
        assert len(loads) == 3  # the page asked for, and twice again
        assert (
            page.evaluate("sessionStorage.getItem('workbench-page-retries')") is None
        )  # a reload starts afresh
        page.close(run_before_unload=True)
        context.close()
