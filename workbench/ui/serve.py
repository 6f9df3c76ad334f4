"""Serve the workbench as a web app with Voila (``workbench app`` / ``make app``).

Voila runs the one-cell entry notebook and shows only its widgets. The server listens on 127.0.0.1 by default,
opens no browser, and culls idle kernels: without culling, a kernel whose page went away without a word (a
crashed browser, a lost connection) would keep its memory (and a loaded model) for good.

A page that closes asks Voila to shut its kernel down (voila's widgets manager posts to
``/voila/api/shutdown/<kernel id>`` with ``sendBeacon`` on ``beforeunload``) and sends the ``_xsrf`` cookie's value
as the form's ``_xsrf`` field. Voila never sets that cookie: tornado sets it only when a handler reads its
``xsrf_token``, and the page is rendered by nbconvert, not by a handler's template. jupyter_server then refused
the request (403 ``'_xsrf' argument missing from POST``, voila-dashboards/voila#1458, open) and each closed page's
kernel lived on until the culler took it. The Voila config written here reads the token while the page's
request is prepared (it wraps the page handler's ``prepare``: Voila's ``prelaunch_hook`` is not called for a page
taken from the pre-heated pool), so the cookie reaches the page and the shutdown passes jupyter_server's XSRF
check, which stays on.

Pages come from a pool of pre-heated kernels (Voila's ``preheat_kernel``; ``--preheat N``, default
:data:`PREHEAT_POOL`, 0 turns it off): the app is built and its demo data loaded before anyone asks, and a page
paints as soon as its HTML and scripts arrive instead of waiting for a kernel to start and import the app
(``app_first_paint_s`` in bench/README.md). The page asks nothing of the internet: the config also drops the
Font Awesome links to a CDN from Voila's page (Voila's scripts carry the icons).
The pool is refilled once the page that took its kernel has been sent its widgets, :data:`PREHEAT_REFILL_S` after
that (or at once when another page is asked for meanwhile; ``workbench.ui.voila_config``). The app notices when a
pre-heated kernel gets its page and reads the shared folders again then (``workbench.ui.page_ready``).
The config Voila runs with is :mod:`workbench.ui.voila_config`.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from ..data.confine import DATA_ROOT_ENV, MAX_UPLOAD_ENV
from ..errors import sigterm_as_ctrl_c
from ..session import DOWNLOAD_PATTERN, DOWNLOADS_ENV, workbench_home
from .page_scripts import PAGE_GUARD, UPLOAD_GUARD, WIDGET_GUARD
from .preload import PRELOAD_ENV, preload_links
from .voila_config import VOILA_CONFIG

APP_SOURCE = "from workbench import Workbench\n\nWorkbench()"
CULL_IDLE_TIMEOUT = 1800  # seconds a kernel may sit idle (no open page) before it is shut down
CULL_INTERVAL = 120
# Page kernels started ahead of their page (--preheat N; 0: each when its page is asked for). One by default: the
# full browser suite passed with it four times in a row on 2026-12-02/03 once a page without its view is loaded
# again (PAGE_GUARD) and two loads in one kernel no longer race (README "Pages that open at once").
PREHEAT_POOL = 1
# Seconds after the page that took a pre-heated kernel got its widgets before the next one starts.
PREHEAT_REFILL_S = 1.0
IOPUB_TIMEOUT_S = 60
MAX_UPLOAD_MB = 200  # the largest upload a page accepts (--max-upload-mb); the page says so beyond it
MAX_RUNS_ENV = "WORKBENCH_MAX_RUNS"  # engine.run_queue's: runs at once per device (--max-concurrent-runs)
TOKEN_ENV = "WORKBENCH_TOKEN"  # the token a person gives (as --token does)
SERVER_TOKEN_ENV = "WORKBENCH_SERVER_TOKEN"  # how serve hands the token to Voila: never on its command line


def app_notebook() -> Path:
    """The Voila entry notebook: the repository's notebooks/app.ipynb, else one written to the workbench home."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "notebooks" / "app.ipynb", here.parent / "notebooks" / "app.ipynb"):
        if candidate.is_file():
            return candidate
    target = workbench_home() / "app.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(entry_notebook(), indent=1), encoding="utf-8")
    return target


def served_notebook(home: str | Path | None = None, max_upload_mb: int | None = None) -> Path:
    """The entry notebook ``workbench app`` serves: ``<workbench home>/served/app.ipynb``.

    Its folder is Voila's root, so nothing of the repository is reachable through ``/voila/files/``; only the
    trained models a page offers for download (``served/downloads/<token>/<run>-model.zip``) are, by the
    allowlist in :func:`voila_command`. Its first cells are the page guard (:data:`PAGE_GUARD`) and the widget guard
    (:data:`WIDGET_GUARD`), then, with an upload cap, the upload guard (:data:`UPLOAD_GUARD`): hidden markdown
    cells, nothing runs in the kernel.
    """
    target = Path(home or workbench_home()) / "served" / "app.ipynb"
    notebook = entry_notebook(max_upload_mb)
    notebook["cells"][:0] = [
        _script_cell("page-guard", PAGE_GUARD),
        _script_cell("widget-guard", WIDGET_GUARD),
    ]
    text = json.dumps(notebook, indent=1)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"app.ipynb.{os.getpid()}.tmp")  # a server starting now never reads half
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    return target


def entry_notebook(max_upload_mb: int | None = None) -> dict:
    """The one-cell notebook that is the whole app (after the upload guard when there is an upload cap)."""
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "workbench-app",
            "metadata": {},
            "outputs": [],
            "source": APP_SOURCE,
        }
    ]
    if max_upload_mb:
        guard = UPLOAD_GUARD.replace("CAP_BYTES", str(int(max_upload_mb) * 1024 * 1024))
        cells.insert(0, _script_cell("upload-guard", guard))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "title": "Sentence Workbench",
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _script_cell(name: str, script: str) -> dict:
    """A hidden markdown cell holding one of the page's scripts (``workbench.ui.page_scripts``)."""
    return {"cell_type": "markdown", "id": name, "metadata": {"workbench": name}, "source": script}


def voila_config_dir(home: str | Path | None = None) -> Path:
    """The folder holding the app's Voila config (``voila.py``, :data:`VOILA_CONFIG`) in the workbench home
    (``home``, else :func:`workbench_home`)."""
    folder = Path(home or workbench_home()) / "voila"
    config = folder / "voila.py"
    if not config.is_file() or config.read_text(encoding="utf-8") != VOILA_CONFIG:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"voila.py.{os.getpid()}.tmp"  # a server starting now never reads half a file
        partial.write_text(VOILA_CONFIG, encoding="utf-8")
        os.replace(partial, config)
    return folder


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_token(host: str, token: str | None = None, env: dict | None = None) -> str:
    """The token every request must carry: ``token`` (``--token``), else ``$WORKBENCH_TOKEN``, else one generated
    when ``host`` is not loopback (anyone who can reach the port could otherwise train on the server's machine
    and read what it can read); "" (no token) on loopback by default."""
    given = token if token is not None else (os.environ if env is None else env).get(TOKEN_ENV)
    if given is not None and given.strip():
        return given.strip()
    if given is not None and not is_loopback(host):
        raise ValueError(f"an empty token is refused when listening on {host}")
    return "" if is_loopback(host) else secrets.token_urlsafe(24)


def voila_command(
    notebook: str | Path,
    port: int = 8866,
    host: str = "127.0.0.1",
    open_browser: bool = False,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
    config_dir: str | Path | None = None,
    max_upload_mb: int = MAX_UPLOAD_MB,
    preheat: int = PREHEAT_POOL,
) -> list[str]:
    """The Voila command line ``serve`` runs (``preheat``: page kernels kept ready, 0 for none).

    Voila reads its config (``voila.py``/``voila.json``) from the app's config folder first (``config_dir``, else
    :func:`voila_config_dir`), then from where it looks by default: the working folder and Jupyter's config path.
    """
    from jupyter_core.paths import jupyter_config_path

    config_paths = [str(config_dir or voila_config_dir()), str(Path.cwd()), *jupyter_config_path()]
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={int(port)}",
        f"--Voila.ip={host}",
        "--theme=light",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
        f"--MappingKernelManager.cull_interval={int(cull_interval)}",
        "--MappingKernelManager.cull_connected=False",
        f"--Voila.tornado_settings={{'websocket_max_message_size': {websocket_limit(max_upload_mb)}}}",
        *(f"--Voila.config_file_paths={path}" for path in config_paths),  # first one wins
        # The only files served besides the page: a model zip a page offers for download (an unguessable token).
        f"--VoilaConfiguration.file_allowlist=['{DOWNLOAD_PATTERN}']",
    ]
    if preheat > 0:
        cmd += [
            "--preheat_kernel=True",
            f"--pool_size={int(preheat)}",
            f"--VoilaKernelManager.fill_delay={PREHEAT_REFILL_S}",
        ]
    # nbclient stops reading a cell's outputs 4 s after the kernel says it ran (and the page then lacks them):
    # a kernel pre-heating while another page loads on a busy machine can take longer to send the app's view.
    cmd.append(f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}")
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def websocket_limit(max_upload_mb: int) -> int:
    """The largest websocket message the server takes: uploaded files travel in one. The page's upload guard
    (:data:`UPLOAD_GUARD`) sends a file over the cap without its bytes, so this is the backstop for a client
    without it: well above the cap (twice it, and at least 64 MB more), so that a file a little too big still
    arrives and is refused in words, and nothing bigger is held in the server's memory."""
    cap = int(max_upload_mb) * 1024 * 1024
    return cap + max(cap, 64 * 1024 * 1024)


def hosted_data_root(host: str, data_root: str | Path | None) -> Path | None:
    """The folder visitors' paths are confined to: ``data_root``, else ``./data`` (made) when ``host`` is not
    loopback, else None (loopback: a person on their own machine)."""
    if data_root is None and is_loopback(host):
        return None
    root = Path(data_root if data_root is not None else Path.cwd() / "data").expanduser().resolve()
    if data_root is None:
        root.mkdir(parents=True, exist_ok=True)
    if not root.is_dir():
        from ..errors import WorkbenchError

        raise WorkbenchError(
            f"--data-root '{data_root}' is not a folder.",
            fix="give an existing folder that holds the data files visitors may use, e.g. --data-root ./data.",
        )
    return root


def app_url(host: str, port: int, token: str = "") -> str:
    """The address to open: a wildcard host is shown as this machine's name; the token rides along."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def server_env(
    config: str | Path | None = None,
    base: dict | None = None,
    notebook: str | Path | None = None,
    token: str = "",
    data_root: str | Path | None = None,
    max_upload_mb: int = MAX_UPLOAD_MB,
    max_concurrent_runs: int | None = None,
) -> dict:
    """The server's environment: runs go to ./runs of the folder the app was started from (not the notebook's);
    downloads go to ``downloads/`` beside the served ``notebook``; the server's ``token`` (read and removed by
    the Voila config); the page kernels' limits: the ``data_root`` their paths are confined to, the upload cap and
    the runs per device (the others queue)."""
    env = dict(os.environ if base is None else base)
    if data_root is not None:
        env[DATA_ROOT_ENV] = str(Path(data_root).expanduser().resolve())
    env[MAX_UPLOAD_ENV] = str(int(max_upload_mb))
    # Every run of the server's pages queues for its device ("auto": one at a time per GPU, one on CPU).
    env[MAX_RUNS_ENV] = str(int(max_concurrent_runs)) if max_concurrent_runs else "auto"
    env.pop(TOKEN_ENV, None)  # the page kernels and runs inherit the server's environment
    env.pop(SERVER_TOKEN_ENV, None)
    env[PRELOAD_ENV] = preload_links()
    if token:
        env[SERVER_TOKEN_ENV] = token
    if notebook is not None:
        env[DOWNLOADS_ENV] = str(Path(notebook).resolve().parent / "downloads")
    env.setdefault("WORKBENCH_RUNS", str(Path.cwd() / "runs"))
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Runs go to worker processes: they outlive the page, its kernel and the culler, and a page kernel that only
    # configures runs never imports torch.
    env.setdefault("WORKBENCH_BACKEND", "process")
    if config:
        env["WORKBENCH_CONFIG"] = str(Path(config).expanduser().resolve())
    return env


def serve(
    port: int = 8866,
    host: str = "127.0.0.1",
    notebook: str | Path | None = None,
    open_browser: bool = False,
    *,
    config: str | Path | None = None,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
    token: str | None = None,
    data_root: str | Path | None = None,
    max_upload_mb: int = MAX_UPLOAD_MB,
    max_concurrent_runs: int | None = None,
    preheat: int = PREHEAT_POOL,
) -> int:
    """Run the workbench web app until interrupted.

    Args:
        port: Port to listen on.
        host: Interface to listen on (127.0.0.1: this machine only).
        notebook: The entry notebook (default: :func:`served_notebook`).
        open_browser: Open a browser tab on start.
        config: A config file (JSON/YAML, RunSpec schema) the app starts from instead of the demo.
        cull_idle_timeout: Seconds before an idle kernel (closed page) is shut down.
        cull_interval: Seconds between culling checks.
        token: The token every request must carry (see :func:`server_token`: generated when ``host`` is not
            loopback and none is given).
        data_root: The folder visitors' paths are confined to (:func:`hosted_data_root`: ``./data`` when
            ``host`` is not loopback).
        max_upload_mb: The largest upload a page accepts.
        max_concurrent_runs: Runs training at once per device (default 1); the others wait in a queue.
        preheat: Page kernels built ahead of their page (each holds the app's memory while it waits; 0: none).

    Returns:
        Voila's exit code (0 after Ctrl+C).
    """
    nb = Path(notebook) if notebook else served_notebook(max_upload_mb=max_upload_mb)
    secret = server_token(host, token)
    root = hosted_data_root(host, data_root)
    cmd = voila_command(
        nb,
        port,
        host,
        open_browser,
        cull_idle_timeout,
        cull_interval,
        max_upload_mb=max_upload_mb,
        preheat=preheat,
    )
    print(
        f"Sentence Workbench: open {app_url(host, port, secret)} in your browser (Ctrl+C stops it).",
        flush=True,
    )
    if secret:
        print("Every request must carry this token: share the link only with the people who may use the app.")
    if root is not None:
        print(
            f"Visitors may use files only under {root} (and the runs folder); uploads up to {max_upload_mb} MB."
        )
    env = server_env(
        config,
        notebook=nb,
        token=secret,
        data_root=root,
        max_upload_mb=max_upload_mb,
        max_concurrent_runs=max_concurrent_runs,
    )
    proc = subprocess.Popen(cmd, env=env)
    try:
        with sigterm_as_ctrl_c():  # `kill` / a process manager: take the server (and its kernels) down too
            return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
