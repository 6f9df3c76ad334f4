"""The Voila launcher (workbench.ui.serve): the config it hands Voila, and what a served page's shutdown request
gets from the server (a one-cell notebook served with the app's command line, driven over HTTP)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from workbench.ui.serve import VOILA_CONFIG, entry_notebook, voila_command, voila_config_dir

SERVER_TIMEOUT = 120  # voila + a kernel on a busy 2-core machine


def _config_paths(cmd: list[str]) -> list[str]:
    return [a.split("=", 1)[1] for a in cmd if a.startswith("--Voila.config_file_paths=")]


def _load_voila_config(folder: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("voila.py", path=str(folder)).load_config()


class _Handler:
    """Stands in for the tornado handler Voila passes to the prelaunch hook; counts reads of its XSRF token."""

    reads = 0

    @property
    def xsrf_token(self) -> bytes:
        self.reads += 1
        return b"token"


def test_voila_reads_the_app_config_first(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    paths = _config_paths(voila_command("app.ipynb"))
    assert paths[0] == str(tmp_path / "voila")
    assert (tmp_path / "voila" / "voila.py").read_text(encoding="utf-8") == VOILA_CONFIG
    assert str(Path.cwd()) in paths[1:]  # where Voila looks by default is still read, after the app's config


def test_the_config_sets_the_xsrf_cookie_before_the_kernel_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    hook = _load_voila_config(voila_config_dir()).VoilaConfiguration.prelaunch_hook
    handler = _Handler()
    assert hook(handler, notebook={"cells": []}, cwd=str(tmp_path)) is None  # the notebook is left as it is
    assert handler.reads == 1


def test_a_stale_config_is_rewritten(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    (tmp_path / "voila").mkdir()
    (tmp_path / "voila" / "voila.py").write_text(
        "c.VoilaConfiguration.prelaunch_hook = None\n", encoding="utf-8"
    )
    assert voila_config_dir() == tmp_path / "voila"
    assert (tmp_path / "voila" / "voila.py").read_text(encoding="utf-8") == VOILA_CONFIG
    assert not list((tmp_path / "voila").glob("*.tmp"))


def test_an_explicit_config_folder_is_used_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    assert _config_paths(voila_command("app.ipynb", config_dir=tmp_path / "cfg"))[0] == str(tmp_path / "cfg")
    assert not (tmp_path / "home").exists()


# --- the served page's shutdown request, over HTTP -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listens(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A one-cell notebook served with the app's Voila command line; yields (url, log file)."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    notebook = entry_notebook()
    notebook["cells"][0]["source"] = "1 + 1"
    (tmp_path / "page.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    port = _free_port()
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            voila_command(tmp_path / "page.ipynb", port=port),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(tmp_path),
            env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter")},  # no user config
        )
        try:
            deadline = time.monotonic() + SERVER_TIMEOUT
            while not _listens(port):
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"voila did not listen within {SERVER_TIMEOUT} s"
                time.sleep(0.2)  # polling a port that is not open yet: no event to wait on
            yield f"http://127.0.0.1:{port}/", log_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _shutdown(opener, url: str, kernel_id: str, xsrf: str | None) -> int:
    """POST the page's shutdown request as its unload handler sends it (the form field ``_xsrf``)."""
    body = urllib.parse.urlencode({} if xsrf is None else {"_xsrf": xsrf}).encode()
    request = urllib.request.Request(
        f"{url}voila/api/shutdown/{kernel_id}", data=body, method="POST", headers={"Origin": url.rstrip("/")}
    )
    try:
        return opener.open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_served_page_can_shut_its_kernel_down_and_xsrf_is_still_checked(served):
    url, log_path = served
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url, timeout=SERVER_TIMEOUT).read().decode()
    kernel_id = re.findall(r"kernelId\": [\"']([0-9a-f-]+)", page)[0]
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert cookies.get("_xsrf"), f"the page set no _xsrf cookie: {sorted(cookies)}"

    assert _shutdown(opener, url, kernel_id, xsrf=None) == 403  # XSRF checking stays on
    assert _shutdown(opener, url, kernel_id, xsrf="2|00|forged|0") == 403
    assert kernel_id in opener.open(f"{url}api/kernels/{kernel_id}", timeout=30).read().decode()

    assert _shutdown(opener, url, kernel_id, xsrf=cookies["_xsrf"]) == 204
    with pytest.raises(urllib.error.HTTPError) as gone:
        opener.open(f"{url}api/kernels/{kernel_id}", timeout=30)
    assert gone.value.code == 404
    assert "Kernel shutdown: " + kernel_id in log_path.read_text()


def test_the_served_notebook_has_a_folder_of_its_own_and_only_model_zips_are_served(tmp_path):
    import ast

    from workbench.session import DOWNLOAD_PATTERN
    from workbench.ui.serve import served_notebook, server_env

    notebook = served_notebook(tmp_path)
    assert notebook == tmp_path / "served" / "app.ipynb"
    assert json.loads(notebook.read_text()) == entry_notebook()
    (allow,) = [a.split("=", 1)[1] for a in voila_command(notebook) if "file_allowlist" in a]
    patterns = ast.literal_eval(allow)
    assert patterns == [DOWNLOAD_PATTERN]
    assert re.fullmatch(patterns[0], "downloads/AbC_-9/run-model.zip")
    for refused in ("app.ipynb", "downloads/x/../../secret.zip", "downloads/x/model.py", "other/x/m.zip"):
        assert not re.fullmatch(patterns[0], refused), refused
    env = server_env(base={}, notebook=notebook)
    assert env["WORKBENCH_DOWNLOADS"] == str(tmp_path / "served" / "downloads")
    assert env["WORKBENCH_BACKEND"] == "process"
