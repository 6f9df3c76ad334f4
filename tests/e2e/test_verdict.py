"""The verdict in plain words, in Chromium: the demo trained with the tiny model opens its results with one line,
Better / About the same / Worse on your eval data, the primary metric before -> after with its 95 % interval
(from the per-item scores the run wrote into its folder), and what the metric means."""

from __future__ import annotations

import json
import re

import pytest
from test_app import RUN_TIMEOUT_MS, _run_dirs, _status, _wait_status, shot, use_tiny_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

LINE = re.compile(
    r"^(Better|About the same|Worse) on your eval data: (\S+) .*95 % interval [+-]\d\.\d{4} to [+-]\d\.\d{4}, "
    r"(\d+) items\)\.$"
)


def test_the_results_open_with_the_verdict_and_its_interval(app, app_home, tiny_model):
    page = app
    use_tiny_model(page, tiny_model, 8)
    before = _run_dirs(app_home)
    page.locator("button.wb-start").click()
    _wait_status(page, ("finished", "stopped", "error"), RUN_TIMEOUT_MS)
    assert "finished" in _status(page), _status(page)
    verdict = page.locator(".wb-verdict")
    verdict.wait_for(state="visible", timeout=60_000)
    line = page.locator(".wb-verdict-line").inner_text().strip()
    match = LINE.match(line)
    assert match, line
    assert verdict.get_attribute("data-word") == match.group(1)
    (run,) = _run_dirs(app_home) - before
    summary = json.loads((run / "summary.json").read_text())
    items = json.loads((run / "items.json").read_text())
    # The page says what the run folder says: the same verdict, on the same number of eval items.
    assert summary["verdict"]["headline"] == line
    (record,) = [r for r in items.values() if r["metric"] == match.group(2)]
    assert len(record["baseline"]) == int(match.group(3))
    assert "(1 = " in verdict.inner_text()  # what the metric means
    shot(page, "40-verdict")
