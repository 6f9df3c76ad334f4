"""What a new user reads first, at a laptop's 1024 x 768 and at 1400 x 1000: every tab title whole, the output
folder's path whole (wrapped below its box), every column of the runs table in view; and after Stop and Resume, the steps
line says the time of the whole run and where it resumed (from the run folder, the truth)."""

from __future__ import annotations

import re

import pytest
from conftest import open_app
from test_app import RUN_TIMEOUT_MS, _run_dirs, _wait_status, open_tab, shot, use_tiny_model, wait_text

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]

CUT_TABS = """() => [...document.querySelectorAll('.wb-tabs .lm-TabBar-tab')].map(tab => {
  const label = tab.querySelector('.lm-TabBar-tabLabel'), bar = tab.closest('.lm-TabBar').getBoundingClientRect();
  const box = tab.getBoundingClientRect();
  return {label: label.textContent, cut: label.scrollWidth > label.clientWidth + 1
          || box.right > bar.right + 1 || box.left < bar.left - 1}; })"""
# An element whose content is wider than its box, or whose box leaves the column it is in.
CUT = """([selector, column]) => { const el = document.querySelector(selector);
  const box = el.getBoundingClientRect(), col = el.closest(column).getBoundingClientRect();
  return {text: el.textContent, cut: el.scrollWidth > el.clientWidth + 1, out: box.right > col.right + 1}; }"""

HEADS = """() => { const list = document.querySelector('.wb-compare-runs').getBoundingClientRect();
  return [...document.querySelectorAll('.wb-compare-head > div')].map(cell => {
    const box = cell.getBoundingClientRect();
    return {text: cell.textContent, out: box.right > list.right + 1 || box.width < 20,
            cut: cell.scrollWidth > cell.clientWidth + 1}; }); }"""


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1400, 1000)])
def test_tab_titles_the_output_folder_and_the_runs_table_are_read_whole(browser, voila_server, width, height):
    server, url = voila_server
    with open_app(browser, server, url, width, height) as page:
        wait_text(page, ".wb-datasets", "ready", 120_000)
        tabs = page.evaluate(CUT_TABS)
        assert len(tabs) == 8 and not [t["label"] for t in tabs if t["cut"]], tabs
        assert [t["label"] for t in tabs][4] == "5 · Training settings"

        folder = page.locator(".wb-output-dir input").input_value()
        path = page.evaluate(CUT, [".wb-output-path code", ".wb-panel-train"])
        assert path["text"] == folder and not path["cut"] and not path["out"], (folder, path)
        box = page.evaluate(CUT, [".wb-output-dir", ".wb-panel-train"])
        assert not box["out"], box  # the box itself stays in its column
        shot(page, f"60-layout-{width}x{height}")

        open_tab(page, "Compare runs")
        page.locator(".wb-compare-head").wait_for(state="visible", timeout=60_000)
        # Every column title of the runs table is in view, in the tab (it fills the tab; it was cut at 1024 px).
        heads = page.evaluate(HEADS)
        assert [h["text"] for h in heads][-1] == "Time" and not [h for h in heads if h["out"] or h["cut"]], (
            heads
        )
        shot(page, f"61-layout-compare-{width}x{height}")


def test_after_stop_and_resume_the_steps_line_counts_both_parts(browser, voila_server, app_home, tiny_model):
    from workbench.engine import training_parts
    from workbench.session import steps_line

    server, url = voila_server
    with open_app(browser, server, url, 1024, 768) as page:
        open_tab(page, "Model")
        use_tiny_model(page, tiny_model, 300)
        before = _run_dirs(app_home)
        page.locator("button.wb-start").click()
        _wait_status(page, "training", RUN_TIMEOUT_MS)
        page.locator(".widget-html", has_text=re.compile(r"Step [1-9]\d* of 300")).first.wait_for(
            timeout=120_000
        )
        page.locator("button.wb-stop").click()
        _wait_status(page, ("stopped", "finished", "error"), 300_000)
        (run,) = _run_dirs(app_home) - before
        first = training_parts(run)
        assert page.locator(".wb-status [data-status='stopped']").count() == 1 and len(first) == 1, first
        page.locator("button.wb-resume").click()
        _wait_status(page, ("finished", "error"), RUN_TIMEOUT_MS)
        parts = training_parts(run)
        assert len(parts) == 2 and parts[0] == first[0] and parts[1].step == 300, parts
        line = page.locator(".wb-steps-done")
        line.wait_for(state="visible", timeout=60_000)
        assert line.inner_text() == steps_line(parts), line.inner_text()
        assert f"resumed at step {parts[1].began_at}; this part took" in line.inner_text()
        line.scroll_into_view_if_needed()
        shot(page, "62-layout-resumed-steps-line")
