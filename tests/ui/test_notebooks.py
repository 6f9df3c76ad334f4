"""Every notebook executes headless (nbclient): the Voila entry and the code-first quickstart."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _execute(name: str, cwd: Path, timeout: int) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    # iopub_timeout: on a loaded 2-core box the cell's outputs can arrive seconds after its reply; nbclient's
    # default (4 s) then drops them silently, and raising instead makes a lost output an error, not a wrong result.
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        iopub_timeout=60,
        raise_on_iopub_timeout=True,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()
    return nb


def _outputs(nb) -> list:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return tmp_path


def test_app_notebook_is_one_cell_that_shows_the_workbench(kernel_env):
    nb = nbformat.read(NOTEBOOKS / "app.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(nb.cells) == 1 and "Workbench()" in code[0].source
    nb = _execute("app.ipynb", kernel_env, 120)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs)


def test_quickstart_runs_in_well_under_two_minutes(kernel_env):
    started = time.monotonic()
    nb = _execute("quickstart.ipynb", kernel_env, 240)
    elapsed = time.monotonic() - started
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "status: finished" in text and "auto -> CosineSimilarityLoss" in text
    assert (kernel_env / "runs" / "quickstart" / "final" / "modules.json").is_file()
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs)
    assert elapsed < 240


def test_serve_binds_localhost_culls_idle_kernels_and_opens_no_browser(tmp_path, monkeypatch):
    from workbench.ui.serve import app_notebook, server_env, voila_command

    assert app_notebook() == NOTEBOOKS / "app.ipynb"
    cmd = voila_command(app_notebook(), port=9123)
    assert cmd[1:4] == ["-m", "voila", str(NOTEBOOKS / "app.ipynb")]
    assert "--port=9123" in cmd and "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in cmd)
    assert any(a.startswith("--MappingKernelManager.cull_interval=") for a in cmd)
    assert "--no-browser" not in voila_command(app_notebook(), open_browser=True)
    monkeypatch.delenv("WORKBENCH_RUNS", raising=False)
    monkeypatch.chdir(tmp_path)
    env = server_env(config="cfg.json")
    assert env["WORKBENCH_RUNS"] == str(tmp_path / "runs") and env["WORKBENCH_CONFIG"] == str(
        tmp_path / "cfg.json"
    )


def test_colab_setup_is_a_no_op_elsewhere():
    from workbench.ui.colab import in_colab, setup_colab

    assert not in_colab() and setup_colab() is False
