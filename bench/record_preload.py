"""Record the scripts a served page fetches late into ``workbench/ui/preload.json`` (see ``workbench.ui.preload``).

Serves the app with the real CLI (``workbench app``, no preload list), opens it in Chromium ``--pages`` times and
keeps the scripts every page asked for after the window's load event (Voila's widget extensions and their chunks,
the output renderers, the widget controls), in the order asked for, with the installed versions of the packages
that serve them. Run it again after upgrading voila, ipywidgets or their lab extensions (the list is not used while
the versions differ): ``.venv/bin/python bench/record_preload.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_browser as bb  # noqa: E402

from workbench.ui.preload import LIST_ENV, PRELOAD_LIST, record  # noqa: E402

# Scripts the page asked for as scripts after its load event, as paths without the leading slash, in order.
LATE_SCRIPTS_JS = """
() => {
  const loaded = performance.getEntriesByType('navigation')[0].loadEventStart;
  return performance.getEntriesByType('resource')
    .filter(e => e.initiatorType === 'script' && e.startTime >= loaded && e.name.startsWith(location.origin))
    .sort((a, b) => a.startTime - b.startTime)
    .map(e => e.name.slice(location.origin.length + 1));
}
"""


def late_scripts(browser, app) -> list[str]:
    """The late scripts of one new page, once it is ready (Start enabled)."""
    context, page, _ = bb.navigate(browser, app)
    page.locator("button.wb-start:enabled").first.wait_for(state="visible")
    page.wait_for_timeout(1000)  # the last chunks a first paint asks for
    scripts = page.evaluate(LATE_SCRIPTS_JS)
    context.close()
    return scripts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages", type=int, default=3, help="pages to open (a script is kept if all asked for it)"
    )
    parser.add_argument("--out", default=str(PRELOAD_LIST))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    os.environ[LIST_ENV] = str(Path(args.out).with_suffix(".none"))  # the app serves its pages without a list
    app = bb.App("record-preload")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=bb.CHROMIUM, args=bb.CHROMIUM_FLAGS, headless=True)
            bb.wait_port(app.port, app.proc, bb.APP_TIMEOUT_S)
            bb.wait_pool(app, 120)
            pages = [late_scripts(browser, app) for _ in range(args.pages)]
            browser.close()
    finally:
        app.stop()
    kept = [s for s in pages[0] if all(s in p for p in pages[1:])]
    recorded = record(kept, args.out)
    print(f"{len(recorded['scripts'])} scripts (of {[len(p) for p in pages]} per page) -> {args.out}")
    print(recorded["versions"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
