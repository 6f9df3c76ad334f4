"""The served page asks nothing of the internet (a laptop offline, a team's server behind a firewall): every
request goes to the app's own server, and the icons (Voila's scripts carry Font Awesome) still show."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from conftest import open_app
from test_app import open_tab, shot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def test_the_page_asks_nothing_of_the_internet_and_shows_its_icons(browser, voila_server):
    server, url = voila_server
    own = urlparse(url).netloc
    asked: list[str] = []

    def listen(page):
        page.on("request", lambda request: asked.append(request.url))

    with open_app(browser, server, url, 1024, 768, on_page=listen) as page:
        open_tab(page, "Data")
        caret = page.locator(".wb-mining-fold i.fa-caret-right").first  # the fold's arrow, an icon
        caret.wait_for(state="visible", timeout=30_000)
        caret.scroll_into_view_if_needed()
        glyph = caret.evaluate("i => getComputedStyle(i, '::before').fontFamily")
        page.wait_for_function(
            "() => [...document.fonts].some(f => f.family.includes('Font Awesome') && f.status === 'loaded')",
            timeout=30_000,
        )  # the icon font itself, from the app's server
        shot(page, "80-offline-page-icons")
    assert "Font Awesome" in glyph, glyph
    outside = [
        u for u in asked if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != own
    ]
    assert asked and not outside, outside
