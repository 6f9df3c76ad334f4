"""The served page's guards in Chromium: a page whose HTML came without the app's view (nbclient collected no output
for the app's cell) is loaded again, twice at most, and then says what happened instead of staying blank; and the
widget manager looks for a model once more when its 2 s wait ends late (the widget guard)."""

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


# In the page, as the app's view meets it on a busy machine: ask the widget manager for a model that is not there
# yet; 1.85 s later keep the page's thread busy for 0.4 s (as building ~1,000 widget models does when the kernel's
# answer comes) and register the model at its end. ipywidgets' own get_model polls every 100 ms for 2 s and, when
# its last wait ends after the 2 s, throws without looking again: the page said "model not found" for good.
LATE_MODEL_JS = """async () => {
  const manager = window.jupyterapp.widgetManager;
  const id = 'workbench-late-model';
  const asked = manager.get_model(id).then(() => 'found', (err) => String(err));
  setTimeout(() => {
    const t = Date.now();
    while (Date.now() - t < 400) {}
    manager._models[id] = Promise.resolve({});
  }, 1850);
  const answer = await asked;
  delete manager._models[id];
  return {answer, guarded: !!manager.get_model.workbenchGuard};
}"""


def test_a_model_that_comes_as_the_wait_for_it_ends_is_found(app):
    assert app.evaluate(LATE_MODEL_JS) == {"answer": "found", "guarded": True}
    missing = app.evaluate("() => window.jupyterapp.widgetManager.get_model('no-such-model').catch(String)")
    assert "widget model not found" in missing  # a model that never comes is still an error
