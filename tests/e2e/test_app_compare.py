"""Runs compared, in Chromium: two run folders in the app's runs folder show as rows of the Compare runs tab;
ticking both draws their curves and lists the settings that differ; Load these settings takes one's settings.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from conftest import open_app
from test_app import open_tab, shot
from wb_files import sts_csv
from wb_runs import make_run, run_config

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def test_two_runs_ticked_show_their_curves_and_the_settings_that_differ(browser, voila_server, app_home):
    data = sts_csv(app_home / "compare-data")
    runs = app_home / "runs"
    make_run(runs, "cmp-a", config=run_config(data, args={"learning_rate": 2e-5}), final=0.7)
    make_run(
        runs,
        "cmp-b",
        config=run_config(data, loss="AnglELoss", args={"learning_rate": 5e-5, "max_steps": 40}),
        losses=(1.0, 0.8, 0.7, 0.5),
        final=0.45,
    )
    server, url = voila_server
    with open_app(browser, server, url) as page:
        open_tab(page, "Compare runs")
        for name in ("cmp-a", "cmp-b"):
            row = page.locator(".wb-compare-item", has=page.locator(f".wb-compare-row[data-run='{name}']"))
            row.wait_for(state="visible", timeout=60_000)
            row.locator("input[type='checkbox']").check()
        a = page.locator(".wb-compare-row[data-run='cmp-a']")
        assert "Better" in a.inner_text() and "0.500 → 0.700" in a.inner_text()
        assert "Worse" in page.locator(".wb-compare-row[data-run='cmp-b']").inner_text()

        diff = page.locator("table.wb-config-diff")
        diff.wait_for(state="visible", timeout=60_000)
        text = diff.inner_text()
        assert "loss.name" in text and "AnglELoss" in text and "args.learning_rate" in text
        assert "args.max_steps" in text and "(default)" in text and "output_dir" not in text
        assert "Learning rate" in text and "Stop after this many steps" in text and "Loss\n" in text
        plot = page.locator(".wb-compare-plot")
        plot.wait_for(state="visible", timeout=60_000)
        page.wait_for_function(
            "() => { const img = document.querySelector('.wb-compare-plot');"
            " return img && img.naturalWidth > 300 && img.naturalHeight > 150; }",
            timeout=60_000,
        )
        plot.scroll_into_view_if_needed()
        shot(page, "60-compare-runs")

        page.locator(".wb-load-from select").select_option(label="cmp-b")
        page.locator("button.wb-load-settings").click()
        page.locator(".wb-ok", has_text="Loaded the settings of run cmp-b").wait_for(timeout=60_000)
        shot(page, "61-compare-loaded-settings")
