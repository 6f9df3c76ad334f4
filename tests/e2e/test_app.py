"""The served app in Chromium, as a person uses it: the default path, a blocked incompatible mapping, Stop mid-run,
and a bad uploaded file. Screenshots of each go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

RUN_TIMEOUT_MS = 900_000  # the packaged model on 2 busy CPU cores
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PANELS = {
    "Model": "model",
    "Data": "dataset",
    "Columns": "columns",
    "Loss": "loss",
    "Training settings": "args",
    "Evaluators": "evaluators",
    "Try it": "playground",
    "Compare runs": "compare",
}


def open_tab(page, title: str, timeout_ms: int = 60_000) -> None:
    """Click a tab until its panel is visible (a click that lands while the page is still busy is re-sent)."""
    panel = page.locator(f".wb-panel-{PANELS[title]}")
    tab = page.locator(".lm-TabBar-tab", has_text=title).first
    for _ in range(max(1, timeout_ms // 5000)):
        tab.click()
        try:
            panel.wait_for(state="visible", timeout=5000)
            return
        except Exception:  # noqa: BLE001 - not shown yet: click again
            continue
    panel.wait_for(state="visible", timeout=1000)


def options_of(select) -> list[str]:
    return [text.replace("\xa0", " ") for text in select.locator("option").all_inner_texts()]


def wait_text(page, selector: str, text: str, timeout_ms: int = 60_000) -> None:
    """Wait until an element matching ``selector`` contains ``text``."""
    page.locator(selector, has_text=text).first.wait_for(state="attached", timeout=timeout_ms)


def _status(page) -> str:
    return page.locator(".wb-status").inner_text()


def _wait_status(page, statuses, timeout_ms: int) -> None:
    """Wait for the run status (the data-status attribute, not the words: "before training" is not training)."""
    statuses = (statuses,) if isinstance(statuses, str) else statuses
    selector = ", ".join(f".wb-status [data-status='{s}']" for s in statuses)
    page.locator(selector).first.wait_for(state="attached", timeout=timeout_ms)


def show_every_setting(page) -> None:
    """The Training settings tab's Advanced view: every curated setting (the plain view shows the basic ones)."""
    page.locator(".wb-advanced").first.click()
    page.locator(".wb-arg-eval_steps input").wait_for(state="visible", timeout=30_000)


def _run_dirs(home: Path) -> set[Path]:
    """The run folders of the app's runs folder (not its hidden ones, such as the run queue's .queue)."""
    runs = home / "runs"
    return {p for p in runs.iterdir() if not p.name.startswith(".")} if runs.is_dir() else set()


def test_default_path_trains_and_saves_the_model(app, app_home):
    page = app
    wait_text(page, ".wb-datasets", "ready", 120_000)
    assert "idle" in _status(page)
    shot(page, "01-app-opened")
    before = _run_dirs(app_home)
    page.locator("button.wb-start").click()
    page.locator(".wb-status [data-status]:not([data-status='idle'])").wait_for(timeout=60_000)
    assert page.locator("button.wb-stop").is_enabled()
    # The live plot appears (baseline reference lines first) and is redrawn while training.
    plot = page.locator(".wb-plot")
    plot.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    first = plot.get_attribute("src")
    _wait_status(page, "training", RUN_TIMEOUT_MS)
    page.locator(".widget-html", has_text=re.compile(r"[Ss]tep ([3-9]|\d\d) of \d+")).first.wait_for(
        timeout=RUN_TIMEOUT_MS
    )
    now = plot.get_attribute("src")
    page.wait_for_function(
        "(seen) => { const img = document.querySelector('.wb-plot');"
        " return img && !seen.includes(img.getAttribute('src')); }",
        arg=[first, now],
        timeout=RUN_TIMEOUT_MS,
    )
    shot(page, "02-training-live-plot")
    _wait_status(page, ("finished", "stopped", "error"), RUN_TIMEOUT_MS)
    status = _status(page)
    assert "finished" in status, status
    wait_text(page, ".wb-results", "Model saved to")
    shot(page, "03-finished")
    results = page.locator(".wb-results").first.inner_text()
    assert "Model saved to" in results and "before training" in results and "dev_spearman_cosine" in results
    new = _run_dirs(app_home) - before
    assert len(new) == 1 and (new.pop() / "final" / "modules.json").is_file()
    assert page.locator("button.wb-start").is_enabled() and not page.locator("button.wb-stop").is_enabled()


def test_incompatible_mapping_is_blocked_with_its_reason(app):
    page = app
    wait_text(page, ".wb-datasets", "ready", 120_000)
    open_tab(page, "Loss")
    select = page.locator(".wb-loss-select select")
    select.select_option("CosineSimilarityLoss")
    page.locator(".wb-panel-loss", has_text="MSE between cosine similarity").first.wait_for()
    open_tab(page, "Columns")
    page.locator(".wb-label-select select").select_option(label="(no label)")
    open_tab(page, "Loss")
    row = page.locator("table.wb-loss-table tr[data-loss='CosineSimilarityLoss']")
    row.filter(has_text="no label column is mapped").wait_for(timeout=30_000)
    assert "✘" in row.inner_text()
    options = options_of(select)
    assert "CosineSimilarityLoss (does not fit)" in options and "CoSENTLoss" not in options
    assert "MultipleNegativesRankingLoss" in options
    page.locator("button.wb-start").click()
    wait_text(page, ".wb-panel-loss .wb-error", "CosineSimilarityLoss does not fit")
    assert "idle" in _status(page)
    page.locator(".lm-TabBar-tab", has_text="Loss ⚠").wait_for(timeout=30_000)
    shot(page, "04-incompatible-mapping-blocked")


def use_tiny_model(page, tiny_model: str, max_steps: int) -> None:
    """The tiny test model, ``max_steps`` steps of 4 examples, no evaluation during training."""
    base = page.locator(".wb-model-base input")
    base.fill(tiny_model)
    base.press("Enter")
    open_tab(page, "Training settings")
    steps = page.locator(".wb-arg-max_steps input")
    steps.wait_for(timeout=180_000)
    steps.fill(str(max_steps))
    show_every_setting(page)
    page.locator(".wb-arg-eval_steps input").fill("50000")
    page.locator(".wb-arg-per_device_train_batch_size input").fill("4")
    wait_text(page, ".wb-datasets", "ready", 120_000)


def test_stop_mid_run_saves_the_model(app, app_home, tiny_model):
    page = app
    use_tiny_model(page, tiny_model, 100_000)
    page.locator("button.wb-start").click()
    _wait_status(page, "training", RUN_TIMEOUT_MS)
    page.locator(".widget-html", has_text=re.compile(r"[Ss]tep [1-9]\d* of 100000")).first.wait_for(
        timeout=120_000
    )
    shot(page, "05-running-before-stop")
    page.locator("button.wb-stop").click()
    _wait_status(page, ("stopped", "finished", "error"), 300_000)
    status = _status(page)
    assert "stopped" in status and "final" in status, status
    saved = Path(re.search(r"The model is in (\S+?)\.?(?:\s|$)", status).group(1))
    assert (saved / "modules.json").is_file()
    wait_text(page, ".wb-results", "Model saved to")
    shot(page, "06-stopped")


def test_a_bad_uploaded_file_gets_a_clear_message(app, tmp_path):
    page = app
    open_tab(page, "Data")
    page.locator(".wb-source-select select").select_option(label="Upload a file from your computer")
    bad = tmp_path / "my-pairs.csv"
    bad.write_text("sentence1,sentence2,score\n")
    with page.expect_file_chooser() as chooser:
        page.locator(".wb-upload").first.click()
    chooser.value.set_files(str(bad))
    error = page.locator(".wb-panel-dataset .wb-error", has_text="has no rows")
    # Generous: on a loaded 2-core CI box the kernels of earlier tests may still be busy (14 s when run alone).
    error.wait_for(timeout=300_000)
    text = error.inner_text()
    assert "my-pairs.csv" in text and "Fix:" in text and "Traceback" not in page.content()
    page.locator(".lm-TabBar-tab", has_text="Data ⚠").wait_for(timeout=30_000)
    shot(page, "07-bad-upload-message")
