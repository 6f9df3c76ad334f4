"""The upload cap in Chromium: served with ``--max-upload-mb 1``, a file over the cap (1.5 MB, and 3 MB) is sent
without its bytes by the page's upload guard and refused in words in the Data tab; the page stays connected and
takes a small file next."""

from __future__ import annotations

import pytest
from conftest import open_app, serve_app
from test_app import open_tab, shot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


@pytest.fixture
def capped_server(tmp_path):
    home = tmp_path / "home"
    with serve_app(home, server_options={"max_upload_mb": 1}, max_upload_mb=1) as (proc, url):
        yield proc, url, home


def _csv(path, megabytes: float):
    row = "how do I reset my password,open the settings page and press reset\n"
    path.write_text("question,answer\n" + row * (int(megabytes * 1024 * 1024) // len(row) + 1))
    return path


def _upload(page, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator(".wb-upload").first.click()
    chooser.value.set_files(str(path))


def test_a_file_over_the_cap_is_refused_in_words_and_the_page_stays_connected(
    browser, capped_server, tmp_path
):
    server, url, home = capped_server
    row = "how do I reset my password,open the settings page and press reset\n"
    big = tmp_path / "big.csv"
    big.write_text("question,answer\n" + row * (int(1.5 * 1024 * 1024) // len(row) + 1))
    small = tmp_path / "faq.csv"
    small.write_text("question,answer\n" + "".join(f"question {i},answer {i}\n" for i in range(30)))
    with open_app(browser, server, url) as page:
        open_tab(page, "Data")
        page.locator(".wb-source-select select").select_option(label="Upload a file from your computer")
        _upload(page, big)
        error = page.locator(".wb-panel-dataset .wb-error", has_text="is 1.5 MB")
        error.wait_for(timeout=180_000)
        text = error.inner_text()
        assert "up to 1 MB" in text and "Fix:" in text and "--max-upload-mb" in text
        assert not (home / "uploads").exists()
        shot(page, "61-upload-over-the-cap")
        _upload(page, small)  # the same connection takes the next file
        page.locator(".wb-panel-dataset", has_text="faq").first.wait_for(timeout=180_000)
        assert (home / "uploads" / "faq.csv").is_file()


def test_a_file_far_over_the_cap_never_travels_and_is_refused_in_words(browser, capped_server, tmp_path):
    server, url, home = capped_server
    big = _csv(tmp_path / "huge.csv", 3.2)  # over three times the cap
    small = tmp_path / "notes.csv"
    small.write_text("question,answer\n" + "".join(f"question {i},answer {i}\n" for i in range(30)))
    sent: list[int] = []  # the size of every websocket frame the page sends

    def listen(page):
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))

    with open_app(browser, server, url, on_page=listen) as page:
        open_tab(page, "Data")
        page.locator(".wb-source-select select").select_option(label="Upload a file from your computer")
        _upload(page, big)
        error = page.locator(".wb-panel-dataset .wb-error", has_text="is 3.2 MB")
        error.wait_for(timeout=180_000)
        text = error.inner_text()
        assert "'huge.csv'" in text and "up to 1 MB" in text and "Fix:" in text
        assert sent and max(sent) < 256 * 1024, max(sent)  # the file's bytes never left the browser
        assert not (home / "uploads").exists()
        shot(page, "62-upload-far-over-the-cap")
        _upload(page, small)  # the page is still connected and takes the next file
        page.locator(".wb-panel-dataset", has_text="notes").first.wait_for(timeout=180_000)
        assert (home / "uploads" / "notes.csv").is_file()
        assert max(sent) >= small.stat().st_size  # a file under the cap does travel
