"""The scripts a served page fetches late, named in the page's head so that the browser fetches them at once.

A Voila page fetches its scripts in rounds, each waiting for the one before to run: its own bundle; on the
window's load event its widget extensions (``remoteEntry`` files, then their chunks); after the kernel connection
the output renderers; with the first widgets the widget controls. Named in the head as ``<link rel="preload"
as="script">``, the later rounds come from the browser's memory cache when asked for (measured on this project's
2 cores: medians of first paint 0.07–0.3 s sooner in three runs, 16 of 20 interleaved pairs faster; preloading
every script of the page was no faster, it delays the bundle the page needs first).

Which scripts those are is recorded from a real page by ``bench/record_preload.py`` into ``preload.json`` with
the versions of the packages that serve them; the names of their chunks change between versions, so a server
whose installed versions differ sends no list (a stale one would only cost fetches). ``workbench app`` hands the
links to its Voila config (:data:`PRELOAD_ENV`), which puts them into the page's head.
"""

from __future__ import annotations

import html
import json
import os
import re
from importlib import metadata
from pathlib import Path

PRELOAD_LIST = Path(__file__).with_name("preload.json")
# Another list's path (a path that does not exist: none, to record a list or to compare without one).
LIST_ENV = "WORKBENCH_PRELOAD_LIST"
PRELOAD_ENV = "WORKBENCH_PAGE_PRELOAD"  # the links, for the server's Voila config only (it pops them)
# The packages whose files the list names: the page's scripts (voila), its widget extensions.
PACKAGES = ("voila", "jupyterlab_widgets", "jupyterlab_pygments", "ipywidgets")
# A path of the server's own static files: no scheme, no host, no query beyond a version, nothing to escape from.
_SCRIPT = re.compile(r"voila/(static|labextensions)/[A-Za-z0-9@_./-]+[.]js(\?v=[A-Za-z0-9]+)?")


def installed_versions() -> dict:
    """The installed version of each package in :data:`PACKAGES` (None: not installed)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def own_script(path) -> bool:
    """Whether ``path`` names one of the server's own scripts (a path of its static files, nothing else)."""
    return isinstance(path, str) and bool(_SCRIPT.fullmatch(path)) and "//" not in path and ".." not in path


def preload_links(path: str | Path | None = None, versions: dict | None = None) -> str:
    """The ``<link rel="preload">`` tags of the recorded scripts (``path``, default ``$WORKBENCH_PRELOAD_LIST`` or
    :data:`PRELOAD_LIST`) for a page served from the root; "" when the list is missing or unreadable, or was
    recorded with other versions than ``versions`` (default: the installed ones). Entries that are not paths of
    the server's own scripts are left out."""
    path = path or os.environ.get(LIST_ENV) or PRELOAD_LIST
    try:
        recorded = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(recorded, dict) or recorded.get("versions") != (versions or installed_versions()):
        return ""
    scripts = [s for s in recorded.get("scripts") or [] if own_script(s)]
    return "".join(f'<link rel="preload" as="script" href="/{html.escape(s)}">' for s in scripts)


def record(scripts: list[str], path: str | Path = PRELOAD_LIST) -> dict:
    """Write the list: ``scripts`` (paths of the server's scripts, without the leading slash) with the installed
    versions; returns what was written."""
    kept = [s for s in dict.fromkeys(scripts) if own_script(s)]
    recorded = {"versions": installed_versions(), "scripts": kept}
    Path(path).write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")
    return recorded
