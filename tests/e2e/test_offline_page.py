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


# Per preloaded script: how often the page fetched it and by what (a preload the scripts did not take up is
# fetched again by its <script>, or never asked for).
PRELOADS_JS = """
() => {
  const wanted = [...document.querySelectorAll('link[rel=preload][as=script]')].map(l => l.href);
  const entries = performance.getEntriesByType('resource');
  return wanted.map(url => [url, entries.filter(e => e.name === url).map(e => e.initiatorType)]);
}
"""


def test_the_scripts_the_page_fetches_late_are_named_in_its_head_and_taken_up(browser, voila_server):
    """The page names the scripts it fetches late (workbench.ui.preload) in its head; each is fetched once, by the
    preload, and the page's scripts take it from there: nothing fetched twice, nothing preloaded in vain."""
    from workbench.ui.preload import preload_links

    server, url = voila_server
    unused: list[str] = []

    def listen(page):
        page.on("console", lambda m: unused.append(m.text) if "preloaded" in m.text else None)

    with open_app(browser, server, url, 1400, 1000, on_page=listen) as page:
        page.locator("button.wb-start:enabled").first.wait_for(state="visible", timeout=120_000)
        page.wait_for_timeout(4_000)  # Chromium warns of a preload not used within ~3 s
        fetched = page.evaluate(PRELOADS_JS)
    if not preload_links():
        pytest.skip("workbench/ui/preload.json was recorded with other package versions: the page names none")
    assert len(fetched) >= 10, fetched
    twice = [(u, how) for u, how in fetched if how != ["link"]]
    assert not twice, f"fetched other than once by the preload: {twice}"
    assert not unused, unused
