"""The scripts a served page fetches late are named in its head (workbench.ui.preload): only from a list recorded
with the installed versions, only paths of the server's own scripts, handed to the server's Voila config, which
puts them into the page's head (and nowhere else)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from workbench.ui.preload import PRELOAD_ENV, PRELOAD_LIST, installed_versions, preload_links, record
from workbench.ui.serve import VOILA_CONFIG, server_env

SCRIPTS = [
    "voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/remoteEntry.c8c9eed2cdefdeac.js",
    "voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/7.2a0ce575775f5aad.js?v=2a0ce575775f5aad",
    "voila/static/4371.voila.js",
]


def test_a_list_recorded_with_the_installed_versions_gives_one_link_per_script(tmp_path):
    path = tmp_path / "preload.json"
    record(SCRIPTS + SCRIPTS[:1], path)  # a script asked for twice is named once
    links = preload_links(path)
    assert links.count('<link rel="preload" as="script"') == 3
    assert 'href="/voila/static/4371.voila.js"' in links
    assert (
        'href="/voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/7.2a0ce575775f5aad.js?v=2'
        in links
    )


def test_no_links_from_other_versions_or_a_missing_or_broken_list(tmp_path):
    path = tmp_path / "preload.json"
    record(SCRIPTS, path)
    other = {**installed_versions(), "voila": "0.0.1"}
    assert preload_links(path, versions=other) == ""
    assert preload_links(tmp_path / "none.json") == ""
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert preload_links(tmp_path / "broken.json") == ""


def test_only_paths_of_the_servers_own_scripts_become_links(tmp_path):
    path = tmp_path / "preload.json"
    bad = [
        "https://cdn.example.com/x.js",
        "//cdn.example.com/voila/static/x.js",
        'voila/static/x.js"><script>alert(1)</script>',
        "voila/static/../../secret.js",
        "voila/files/app.ipynb",
        "voila/static/x.css",
    ]
    path.write_text(
        json.dumps({"versions": installed_versions(), "scripts": bad + SCRIPTS[2:]}), encoding="utf-8"
    )
    links = preload_links(path)
    assert links == '<link rel="preload" as="script" href="/voila/static/4371.voila.js">'


def test_the_shipped_list_is_current_or_unused():
    """The packaged list names the scripts of the versions it was recorded with; with those installed it gives
    links to files that exist; otherwise none (re-record with bench/record_preload.py)."""
    recorded = json.loads(PRELOAD_LIST.read_text(encoding="utf-8"))
    links = preload_links()
    if recorded["versions"] != installed_versions():
        assert links == ""
        return
    assert links.count("<link") == len(recorded["scripts"]) >= 10


def test_the_server_gets_the_links_and_its_config_puts_them_into_the_head_only(tmp_path):
    env = server_env(base={"PATH": os.environ.get("PATH", "")}, notebook=tmp_path / "app.ipynb")
    assert env[PRELOAD_ENV] == preload_links()
    # The config as Voila runs it, on a stand-in page handler: the links go into the head, once; other writes
    # pass unchanged; the variable is gone from the server's environment (its kernels never see it).
    script = f"""
import os, sys, types
os.environ["{PRELOAD_ENV}"] = '<link rel="preload" as="script" href="/voila/static/1.voila.js">'
class Handler:
    def prepare(self): pass
    def write(self, chunk): sys.stdout.write(chunk + "|")
handler = types.ModuleType("voila.handler"); handler.VoilaHandler = Handler
sys.modules["voila.handler"] = handler
sys.modules["voila.voila_kernel_manager"] = types.ModuleType("voila.voila_kernel_manager")
c = types.SimpleNamespace(Voila=types.SimpleNamespace())
exec(compile(open(sys.argv[1]).read(), "voila.py", "exec"), {{"c": c}})
page = Handler()
page.write("<html><head><title>x</title></head><body>")
page.write("<div><head></div>")  # a later write of the same page
Handler().write("no head here")
prefixed = Handler()
prefixed.base_url = "/workbench/"  # served under a prefix (Voila.base_url)
prefixed.write("<head>")
print("ENV" if "{PRELOAD_ENV}" in os.environ else "GONE")
"""
    config = tmp_path / "voila.py"
    config.write_text(VOILA_CONFIG, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", script, str(config)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    first, second, third, prefixed, gone = out.split("|")
    assert first.startswith(
        '<html><head><link rel="preload" as="script" href="/voila/static/1.voila.js"><title>'
    )
    assert second == "<div><head></div>"
    assert third == "no head here" and gone.strip() == "GONE"
    assert prefixed == '<head><link rel="preload" as="script" href="/workbench/voila/static/1.voila.js">'
