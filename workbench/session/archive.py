"""The trained model as one file a browser can download: a zip of the run's ``final/`` folder.

A person using the hosted app cannot reach the server's disk, so the app offers the saved model (and the
exported script) through the browser. The zip is written next to the model once and reused until the model
changes.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from ..errors import WorkbenchError

MAX_DOWNLOAD_BYTES = 300 * 1024 * 1024  # larger models are better pushed to the Hub or copied on the server


def model_archive(saved_path: str | Path) -> Path:
    """A zip of the saved model folder (``<run>/<run name>-model.zip``), made when missing or out of date.

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
    target = folder.parent / f"{folder.parent.name}-model.zip"
    newest = max((p.stat().st_mtime for p in files), default=0.0)
    if not target.is_file() or target.stat().st_mtime < newest:
        # A name of its own per writer: two pages downloading at once never write into one file.
        part = target.with_name(f".{target.stem}.{os.getpid()}.{threading.get_ident()}")
        made = shutil.make_archive(str(part), "zip", root_dir=folder.parent, base_dir=folder.name)
        Path(made).replace(target)
    return target
