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
from contextlib import contextmanager
from pathlib import Path

import pytest

from workbench.ui.serve import (
    PREHEAT_POOL,
    SERVER_TOKEN_ENV,
    TOKEN_ENV,
    VOILA_CONFIG,
    app_url,
    entry_notebook,
    is_loopback,
    server_env,
    server_token,
    voila_command,
    voila_config_dir,
)

SERVER_TIMEOUT = 120  # voila + a kernel on a busy 2-core machine


def _config_paths(cmd: list[str]) -> list[str]:
    return [a.split("=", 1)[1] for a in cmd if a.startswith("--Voila.config_file_paths=")]


def _load_voila_config(folder: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("voila.py", path=str(folder)).load_config()


class _Handler:
    """Stands in for the page's tornado handler; counts reads of its XSRF token."""

    def __init__(self, finished: bool = False):
        self.reads = 0
        self._finished = finished

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


def _run_alone(coroutine):
    """Run a coroutine on its own loop in its own thread (another test may have left this thread's loop running)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=30)


def test_the_config_sets_the_xsrf_cookie_when_any_page_is_prepared(tmp_path, monkeypatch):
    """The config wraps the page handler's prepare (pre-heated pages never reach Voila's prelaunch_hook)."""
    from voila.handler import VoilaHandler

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    calls = []

    async def prepare(self, *args, **kwargs):
        calls.append(args)
        return "prepared"

    monkeypatch.setattr(VoilaHandler, "prepare", prepare)
    _load_voila_config(voila_config_dir())  # running the config file wraps VoilaHandler.prepare
    wrapped = VoilaHandler.prepare
    assert wrapped is not prepare and getattr(wrapped, "workbench_xsrf", False)
    handler = _Handler()
    assert _run_alone(wrapped(handler)) == "prepared" and calls == [()] and handler.reads == 1
    sent_to_login = _Handler(finished=True)
    _run_alone(wrapped(sent_to_login))
    assert sent_to_login.reads == 0
    _load_voila_config(voila_config_dir())  # a second server start in the same process: wrapped once
    assert VoilaHandler.prepare is wrapped


def test_with_an_upload_cap_the_served_page_starts_with_the_upload_guard(tmp_path):
    from nbconvert.filters.markdown import markdown2html

    from workbench.ui.serve import served_notebook

    page = json.loads(served_notebook(tmp_path, max_upload_mb=3).read_text(encoding="utf-8"))
    page_guard, widget_guard, guard, app = page["cells"]
    assert page_guard["cell_type"] == "markdown" and "jp-mod-noOutputs" in page_guard["source"]
    assert widget_guard["cell_type"] == "markdown" and widget_guard["id"] == "widget-guard"
    html = markdown2html(widget_guard["source"])  # the script stays whole
    assert html.strip().startswith("<script>") and "proto.get_model.workbenchGuard = true;" in html
    assert guard["cell_type"] == "markdown" and app == entry_notebook()["cells"][0]  # the app cell as before
    assert "var cap = 3145728;" in guard["source"] and "readAsArrayBuffer" in guard["source"]
    # how Voila's template renders a markdown cell: the script stays whole
    html = markdown2html(guard["source"])
    assert html.strip().startswith("<script>") and "blob.size > window.workbenchUploadCap" in html
    without = json.loads(served_notebook(tmp_path).read_text(encoding="utf-8"))
    assert [c["cell_type"] for c in without["cells"]] == [
        "markdown",
        "markdown",
        "code",
    ]  # rewritten: no cap, no upload guard
    assert [c["id"] for c in without["cells"][:2]] == ["page-guard", "widget-guard"]


def test_pages_come_from_a_pool_of_preheated_kernels():
    cmd = voila_command("app.ipynb", preheat=1)
    assert "--preheat_kernel=True" in cmd and "--pool_size=1" in cmd
    assert any(a.startswith("--VoilaKernelManager.fill_delay=") for a in cmd)
    assert "--pool_size=2" in voila_command("app.ipynb", preheat=2)
    assert "--pool_size=1" in voila_command("app.ipynb")  # one by default (PREHEAT_POOL)
    assert not any("preheat" in a or "pool_size" in a for a in voila_command("app.ipynb", preheat=0))


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


@contextmanager
def _serving(tmp_path, source: str = "1 + 1", host: str = "127.0.0.1", token: str = ""):
    """A one-cell notebook served with the app's Voila command line and environment; yields (url, log file)."""
    notebook = entry_notebook()
    notebook["cells"][0]["source"] = source
    (tmp_path / "page.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    port = _free_port()
    log_path = tmp_path / "voila.log"
    env = server_env(base={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter")}, token=token)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            voila_command(tmp_path / "page.ipynb", port=port, host=host, preheat=1),  # pooled pages too
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(tmp_path),
            env=env,  # no user config
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


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A one-cell notebook served with the app's Voila command line; yields (url, log file)."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    with _serving(tmp_path) as served:
        yield served


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
    # Nothing from the internet: Voila's template links Font Awesome from a CDN; the served page does not.
    assert "voila" in page and not re.findall(r"(?:href|src)=[\"']https?://(?!127[.]0[.]0[.]1)", page)

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
    assert json.loads(notebook.read_text())["cells"][2:] == entry_notebook()["cells"]  # after the two guards
    (allow,) = [a.split("=", 1)[1] for a in voila_command(notebook) if "file_allowlist" in a]
    patterns = ast.literal_eval(allow)
    assert patterns == [DOWNLOAD_PATTERN]
    assert re.fullmatch(patterns[0], "downloads/AbC_-9/run-model.zip")
    for refused in ("app.ipynb", "downloads/x/../../secret.zip", "downloads/x/model.py", "other/x/m.zip"):
        assert not re.fullmatch(patterns[0], refused), refused
    env = server_env(base={}, notebook=notebook)
    assert env["WORKBENCH_DOWNLOADS"] == str(tmp_path / "served" / "downloads")
    assert env["WORKBENCH_BACKEND"] == "process"


def test_a_token_is_required_beyond_loopback_and_generated_when_none_is_given():
    assert (
        is_loopback("127.0.0.1")
        and is_loopback("localhost")
        and is_loopback("::1")
        and is_loopback("127.1.2.3")
    )
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("my-server")
    assert server_token("127.0.0.1", env={}) == ""  # loopback keeps today's no-token default
    assert server_token("127.0.0.1", "s3cret", env={}) == "s3cret"
    generated = server_token("0.0.0.0", env={})
    assert len(generated) >= 24 and generated != server_token("0.0.0.0", env={})
    assert server_token("0.0.0.0", env={TOKEN_ENV: "from-env"}) == "from-env"
    assert server_token("0.0.0.0", "given", env={TOKEN_ENV: "from-env"}) == "given"
    with pytest.raises(ValueError, match="empty token"):
        server_token("0.0.0.0", "  ", env={})
    assert app_url("127.0.0.1", 8866) == "http://127.0.0.1:8866/"
    assert app_url("0.0.0.0", 80, "abc") == f"http://{socket.gethostname()}:80/?token=abc"


def test_the_token_reaches_voila_only_through_its_config_and_never_the_kernels(tmp_path, monkeypatch):
    env = server_env(base={TOKEN_ENV: "typed", "PATH": "/bin"}, token="t0k")
    assert env[SERVER_TOKEN_ENV] == "t0k" and TOKEN_ENV not in env
    assert not any("t0k" in arg for arg in voila_command("app.ipynb", host="0.0.0.0"))  # `ps` shows no token
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.setenv(SERVER_TOKEN_ENV, "t0k")
    assert _load_voila_config(voila_config_dir()).Voila.token == "t0k"
    assert (
        SERVER_TOKEN_ENV not in os.environ
    )  # popped: kernels and worker runs inherit the server's environment


def test_a_server_beyond_loopback_refuses_requests_without_the_token(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    source = (
        "import os\nprint('kernel sees', sorted(k for k in os.environ if 'TOKEN' in k and 'WORKBENCH' in k))"
    )
    with _serving(tmp_path, source, host="0.0.0.0", token="team-s3cret") as (url, _):
        for path in ("", "voila/render/page.ipynb", "api/kernels", "voila/files/page.ipynb", "?token=wrong"):
            try:
                response = urllib.request.urlopen(url + path, timeout=SERVER_TIMEOUT)
                landed, body = response.url, response.read().decode()
            except urllib.error.HTTPError as refused:
                landed, body = f"HTTP {refused.code}", ""
            # Refused outright, or sent to the login page that asks for the token: never the app or its data.
            assert "/login" in landed or landed.startswith(("HTTP 401", "HTTP 403")), (path, landed)
            assert "kernel sees" not in body and '"id":' not in body
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(url + "?token=team-s3cret", timeout=SERVER_TIMEOUT).read().decode()
        assert "kernel sees []" in page, page[-2000:]  # the app's kernel never holds the token
        kernel_id = re.findall(r"kernelId\": [\"']([0-9a-f-]+)", page)[0]
        assert (
            opener.open(f"{url}api/kernels/{kernel_id}", timeout=30).status == 200
        )  # the login cookie carries on
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{url}api/kernels/{kernel_id}", timeout=30)  # ...and nothing else does


def test_the_cli_refuses_an_empty_token_beyond_loopback(capsys, monkeypatch):
    from workbench.cli import main

    monkeypatch.setattr("workbench.ui.serve.serve", lambda **kw: pytest.fail("served without a token"))
    assert main(["app", "--host", "0.0.0.0", "--token", ""]) == 2
    err = capsys.readouterr().err
    assert "--token" in err and "fix:" in err


def test_hosted_mode_confines_paths_to_a_data_root_and_tells_the_kernels_its_limits(tmp_path, monkeypatch):
    from workbench.data import DATA_ROOT_ENV
    from workbench.errors import WorkbenchError
    from workbench.ui.serve import MAX_RUNS_ENV, MAX_UPLOAD_ENV, hosted_data_root, websocket_limit

    monkeypatch.chdir(tmp_path)
    assert hosted_data_root("127.0.0.1", None) is None  # loopback: a person on their own machine
    assert hosted_data_root("0.0.0.0", None) == tmp_path / "data" and (tmp_path / "data").is_dir()
    assert hosted_data_root("127.0.0.1", tmp_path) == tmp_path  # settable on loopback too
    with pytest.raises(WorkbenchError, match="not a folder"):
        hosted_data_root("0.0.0.0", tmp_path / "missing")
    env = server_env(
        base={"PATH": "/bin"}, data_root=tmp_path / "data", max_upload_mb=5, max_concurrent_runs=2
    )
    assert (
        env[DATA_ROOT_ENV] == str(tmp_path / "data")
        and env[MAX_UPLOAD_ENV] == "5"
        and env[MAX_RUNS_ENV] == "2"
    )
    assert DATA_ROOT_ENV not in server_env(base={"PATH": "/bin"})
    from workbench.engine import run_queue

    assert MAX_RUNS_ENV == run_queue.MAX_RUNS_ENV and server_env(base={})[MAX_RUNS_ENV] == "auto"
    # The websocket takes a file somewhat over the cap, so the page can refuse it in words.
    assert websocket_limit(5) > 5 * 1024 * 1024
    assert f"'websocket_max_message_size': {websocket_limit(5)}" in " ".join(
        voila_command("app.ipynb", max_upload_mb=5, config_dir=tmp_path)
    )


def test_the_app_refuses_a_data_root_that_is_not_a_folder_before_serving(tmp_path, capsys, monkeypatch):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("subprocess.Popen", lambda *a, **kw: pytest.fail("served with a bad --data-root"))
    assert main(["app", "--host", "0.0.0.0", "--data-root", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "--data-root" in err and "not a folder" in err and "fix:" in err


def test_the_app_takes_the_number_of_preheated_kernels(tmp_path, capsys, monkeypatch):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    served = []
    monkeypatch.setattr("workbench.ui.serve.serve", lambda **kw: served.append(kw["preheat"]) or 0)
    assert (
        main(["app"]) == 0 and main(["app", "--preheat", "2"]) == 0 and served == [PREHEAT_POOL, 2] == [1, 2]
    )
    monkeypatch.setattr("subprocess.Popen", lambda *a, **kw: pytest.fail("served with a bad --preheat"))
    assert main(["app", "--preheat", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--preheat must be 0 or more, got -1" in err and "fix:" in err
