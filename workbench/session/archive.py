"""The trained model as one file a browser can download: a zip of the run's ``final/`` folder.

A person using the hosted app cannot reach the server's disk, so the app offers the saved model (and the
exported script) through the browser. The zip is written next to the model once and reused until the model
changes. Served by ``workbench app``, the page links to it through Voila's file handler (:func:`publish`: a hard link
under ``$WORKBENCH_DOWNLOADS/<token>/``, the only files the server hands out); elsewhere (JupyterLab, Colab) a
model small enough travels inside the page as a data URL (:func:`download_href`).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import threading
import time
from pathlib import Path

from ..errors import WorkbenchError

MAX_DOWNLOAD_BYTES = 2 * 1024**3  # larger models are better pushed to the Hub or copied on the server
MAX_INLINE_BYTES = 40 * 1024 * 1024  # a data URL much larger than this crashes the browser tab
DOWNLOADS_ENV = "WORKBENCH_DOWNLOADS"  # set by `workbench app`: the folder Voila serves downloads from
DOWNLOAD_PATTERN = r"downloads/[A-Za-z0-9_-]+/[^/]+[.]zip"  # what Voila's file handler may serve
KEEP_DOWNLOADS_S = 24 * 3600


def model_archive(saved_path: str | Path, name: str | None = None) -> Path:
    """A zip of the saved model folder (``<run>/<run name>-model.zip``, or ``name`` beside the folder), made when
    missing or out of date (the Ship step zips a shipped folder the same way).

    Raises:
        WorkbenchError: there is no saved model, or it is too large to download through the page.
    """
    folder = Path(saved_path) if saved_path else None
    if folder is None or not folder.is_dir():
        raise WorkbenchError("There is no saved model yet: train first.")
    files = [p for p in folder.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    if size > MAX_DOWNLOAD_BYTES:
        raise WorkbenchError(
            f"The model is {size / 2**20:.0f} MB, too large to download through the page.",
            fix="push it to the Hugging Face Hub, or copy it to a folder on the server.",
        )
    target = folder.parent / (name or f"{folder.parent.name}-model.zip")
    newest = max((p.stat().st_mtime for p in files), default=0.0)
    if not target.is_file() or target.stat().st_mtime < newest:
        # A name of its own per writer: two pages downloading at once never write into one file.
        part = target.with_name(f".{target.stem}.{os.getpid()}.{threading.get_ident()}")
        made = shutil.make_archive(str(part), "zip", root_dir=folder.parent, base_dir=folder.name)
        Path(made).replace(target)
    return target


def publish(path: Path, folder: str | Path | None = None) -> str | None:
    """Offer a file through the server: a link to it under ``folder`` (default ``$WORKBENCH_DOWNLOADS``) in a
    folder named by an unguessable token; returns its URL relative to the page, or None when not served so."""
    folder = folder or os.environ.get(DOWNLOADS_ENV)
    if not folder:
        return None
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    _forget_old(root)
    token = secrets.token_urlsafe(16)
    (root / token).mkdir()
    link = root / token / path.name
    try:  # a hard link (the file server refuses a symbolic link that leads out of its folder)
        os.link(path, link)
    except OSError:  # another file system: a copy
        shutil.copyfile(path, link)
    return f"voila/files/downloads/{token}/{path.name}"


def _forget_old(root: Path) -> None:
    """Links older than a day go (the zips they point at stay in their runs)."""
    now = time.time()
    for token in root.iterdir():
        try:
            if now - token.lstat().st_mtime > KEEP_DOWNLOADS_S:
                shutil.rmtree(token)
        except OSError:
            continue


def download_href(path: Path) -> str:
    """Where the page's download link points: the served file, else the file inside the page (data URL).

    Raises:
        WorkbenchError: not served and too large to travel inside the page.
    """
    url = publish(path)
    if url is not None:
        return url
    size = path.stat().st_size
    if size > MAX_INLINE_BYTES:
        raise WorkbenchError(
            f"The model zip is {size / 2**20:.0f} MB: too large to download through this page outside "
            "`workbench app`.",
            fix=f"copy it from {path}, or push the model to the Hugging Face Hub.",
        )
    return "data:application/zip;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
