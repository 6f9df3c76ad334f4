"""The Ship step of the Train panel: after a run, choose the format and quantization, press Ship, see the export's
progress, then trained vs shipped (metric, change, sentences/s, latency) with the verdict and a download link; a
problem is said in the panel. The export runs `workbench ship` in a child process (a tiny run: ~20-40 s on 2
busy cores, most of it importing torch in the child — justified: it is the path the app takes)."""

from __future__ import annotations

import zipfile

import pytest
from panel_fixtures import wait_for
from wb_data import inline, scored_pairs
from wb_runs import finished_run

from workbench.session import Session, ShipSession, shipping
from workbench.ui.panels import TrainPanel


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    return finished_run(
        tiny_model,
        tmp_path_factory.mktemp("ship-panel") / "run",
        train={"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
    )


@pytest.fixture
def shown(run, tmp_path):
    session = Session(background=False, output_dir=str(tmp_path / "next"), auto_output=False)
    session.attach(str(run))
    wait_for(lambda: session.status == "finished" and session.saved_path, what="the run shown as finished")
    return session


def test_the_choices_bind_to_the_ship_session(shown):
    panel = TrainPanel(shown)
    view = panel.ship
    view.fmt.value = "openvino"
    view.quantize.value = "int8"
    assert (view.shipper.fmt, view.shipper.quantize) == ("openvino", "int8")
    assert view.box in panel.after.children


def test_ship_shows_progress_then_the_table_verdict_and_a_download(shown, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DOWNLOADS", str(tmp_path / "downloads"))
    panel = TrainPanel(shown)
    view = panel.ship
    view.quantize.value = "int8"
    seen = []
    view.shipper.observe(lambda c: seen.append(view.progress.value), names=["progress"])
    view.button.click()
    assert view.button.disabled  # no second export while one runs
    wait_for(lambda: view.shipper.state in ("done", "failed"), timeout=240, what="the export to end")
    assert view.shipper.state == "done", view.shipper.error
    assert any("Shipping:" in text and "ONNX" in text for text in seen), seen
    html = view.table.value
    for words in ("dev_spearman_cosine", "sentences/s", "latency", "trained (torch)", "shipped (onnx-int8)"):
        assert words in html
    assert "wb-ship-good" in html and "good:" in html
    assert view.download.layout.display == "" and not view.button.disabled
    view.download.click()
    wait_for(lambda: "wb-ship-link" in view.download_msg.value, what="the download link")
    assert "voila/files/downloads/" in view.download_msg.value
    assert "One more click saves it" in view.download_msg.value  # the second click is said, not guessed
    [zipped] = (tmp_path / "downloads").rglob("*.zip")
    names = zipfile.ZipFile(zipped).namelist()
    assert any(n.endswith("onnx/model.onnx") for n in names) and any(
        n.endswith("shipped.json") for n in names
    )


def test_a_problem_is_said_in_the_panel(shown, run, monkeypatch):
    shipper = ShipSession(shown)
    real = shipping.ship_command  # the folder above the run: not a run folder, the CLI refuses it (exit 2)
    monkeypatch.setattr(shipping, "ship_command", lambda run_dir, *a: real(run.parent, *a))
    from workbench.ui.panels.ship import ShipView

    view = ShipView(shown, shipper)
    view.button.click()
    wait_for(lambda: shipper.state in ("done", "failed"), timeout=120, what="the export to end")
    assert shipper.state == "failed"
    assert "not a workbench run folder" in view.progress.value and "Fix:" in view.progress.value
    assert "wb-error" in view.progress.value and view.table.value == ""
