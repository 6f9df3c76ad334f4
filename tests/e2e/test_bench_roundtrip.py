"""The page round trip `make bench` times (bench_browser.ROUNDTRIP_JS: the Data tab's Preview choice -> the kernel ->
the preview redrawn) still finds its widgets in the app: it timed out 18 times of 18 once the Sheet choice came
between the two, and recorded no figure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_app import open_tab

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_browser import ROUNDTRIP_JS  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_the_benchmarks_round_trip_redraws_the_preview(app):
    page = app
    open_tab(page, "Data")
    page.locator(".wb-panel-dataset .wb-data-preview .wb-preview").first.wait_for(
        state="visible", timeout=120_000
    )
    timed = []
    for index in (1, 0):
        out = page.evaluate(ROUNDTRIP_JS, index)
        assert not out.get("error"), out
        timed.append(out["ms"])
    assert all(ms is not None for ms in timed), timed
