"""The Train panel's runs list: each run of the runs folder as a row (hooks wb-run-row with data-run and
data-status), Open shows a finished run's results and verdict from its folder, a run whose process died reads
"failed … can resume from step N" and offers Resume, a fixed folder holding a model offers 'Overwrite it'."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from panel_fixtures import make_session

from workbench.engine import (
    BaselineEvent,
    FinalEvent,
    RunFolder,
    RunStatus,
    SavedEvent,
    StatusEvent,
)
from workbench.errors import WorkbenchError
from workbench.ui.panels import TrainPanel

PRIMARY = {"dev": "dev_spearman_cosine"}


def _run(root, name, status, *, baseline=0.5, final=0.7, checkpoint=None, dead=False):
    """A run folder as a worker leaves it (events, status, config, summary)."""
    out = root / name
    folder = RunFolder(out, backend="process")
    folder.handle(BaselineEvent(metrics={"dev_spearman_cosine": baseline}, primary=PRIMARY))
    folder.handle(StatusEvent(RunStatus.TRAINING))
    if status != "training":
        (out / "final").mkdir()
        folder.handle(SavedEvent(str(out / "final")))
        folder.handle(FinalEvent(metrics={"dev_spearman_cosine": final}))
        folder.handle(StatusEvent(RunStatus(status)))
        summary = {"status": status, "baseline": {"dev_spearman_cosine": baseline}, "final": {}, "steps": 8}
        summary.update(
            final={"dev_spearman_cosine": final}, primary_metrics=PRIMARY, model_path=str(out / "final")
        )
        (out / "summary.json").write_text(json.dumps(summary))
    folder.close()
    config = {"model": {"name_or_path": "default"}, "datasets": {"train": {"faq": {"path": "/d/faq.csv"}}}}
    (out / "config.json").write_text(json.dumps(config))
    if checkpoint:
        (out / "checkpoints" / f"checkpoint-{checkpoint}").mkdir(parents=True)
        (out / "checkpoints" / f"checkpoint-{checkpoint}" / "trainer_state.json").write_text("{}")
    if dead:
        gone = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
        )
        status_file = out / "status.json"
        status_file.write_text(json.dumps({**json.loads(status_file.read_text()), "pid": int(gone.stdout)}))
    return out


def _rows(panel) -> dict[str, str]:
    found = {}
    for row, html in zip(panel.runs.rows, panel.runs.row_html, strict=True):
        if row.layout.display != "none":
            match = re.search(r"data-run='([^']+)' data-status='([^']+)'", html.value)
            found[match.group(1)] = html.value
    return found


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    root = tmp_path / "runs"
    _run(root, "r1-finished", "finished")
    _run(root, "r2-died", "training", checkpoint=6, dead=True)
    return root


def test_the_runs_list_shows_each_run_and_opens_a_finished_one(tmp_path, runs):
    session = make_session(tmp_path)
    panel = TrainPanel(session)
    rows = _rows(panel)
    assert set(rows) == {"r1-finished", "r2-died"}
    assert "data-status='finished'" in rows["r1-finished"] and "0.500 → 0.700" in rows["r1-finished"]
    assert "faq (faq.csv)" in rows["r1-finished"] and "default" in rows["r1-finished"]
    assert "data-status='error'" in rows["r2-died"] and "can resume from step 6" in rows["r2-died"]

    i = panel.runs.paths.index(str(runs / "r1-finished"))
    panel.runs.row_open[i].click()
    assert session.wait(30) and session.status == "finished"
    assert session.run_dir == str(runs / "r1-finished") and session.final == {"dev_spearman_cosine": 0.7}
    assert "wb-verdict" in panel.results.value and "Model saved to" in panel.results.value
    assert panel.runs.resume.layout.display == "none"  # a finished run is not resumed
    assert "wb-run-shown" in _rows(panel)["r1-finished"] and panel.runs.row_open[i].disabled


def test_a_run_whose_process_died_opens_as_failed_with_resume(tmp_path, runs):
    session = make_session(tmp_path)
    panel = TrainPanel(session)
    session.attach(runs / "r2-died")
    assert session.wait(30) and session.status == "error"
    assert "resume from step 6" in session.error.lower()
    assert panel.runs.resume.layout.display == ""
    assert "Press Resume" in panel.status.value


def test_a_fixed_folder_holding_a_model_offers_overwrite(tmp_path, runs):
    session = make_session(tmp_path)
    session.output_dir, session.auto_output = str(runs / "r1-finished"), False
    panel = TrainPanel(session)
    panel.start.click()
    assert session.status == "idle" and panel.runs.overwrite.layout.display == ""
    assert "Overwrite it" in session.errors["train"]
    with pytest.raises(WorkbenchError):
        session.start()
    assert os.path.isdir(runs / "r1-finished" / "final")  # nothing was touched


def test_start_refused_says_why_beside_start_and_in_which_tab(tmp_path, runs):
    """Pressed from any tab with no train dataset, Start used to do nothing visible: the reason showed only in the
    Data tab and the status line still said "ready"."""
    session = make_session(tmp_path)
    for entry in session.entries("train"):
        session.remove_dataset(entry.key)
    panel = TrainPanel(session)
    panel.start.click()
    assert session.status == "idle"
    assert "not started (Data tab): There is no train dataset" in panel.status.value, panel.status.value


def test_a_matryoshka_run_shows_quality_by_size_and_saves_a_size(tmp_path, runs):
    out = _run(runs, "r3-matryoshka", "finished")
    (out / "final" / "config_sentence_transformers.json").write_text(json.dumps({"prompts": {}}))
    (out / "final" / "modules.json").write_text("[]")
    summary = json.loads((out / "summary.json").read_text())
    summary["matryoshka"] = {
        "dims": [64, 32],
        "bytes_per_vector": {"64": 256, "32": 128},
        "primary_metrics": PRIMARY,
        "baseline": {"dev": {"64": 0.5, "32": 0.45}},
        "final": {"dev": {"64": 0.7, "32": 0.66}},
    }
    (out / "summary.json").write_text(json.dumps(summary))
    session = make_session(tmp_path)
    panel = TrainPanel(session)
    assert panel.runs.dims.layout.display == "none"
    session.attach(out)
    assert session.wait(30) and session.status == "finished"
    dims = panel.runs.dims
    assert dims.layout.display == "" and dims.image.value[:4] == b"\x89PNG" and "0.66" in dims.table.value
    dims.size.value = 32
    dims.save.click()
    saved = json.loads((out / "final" / "config_sentence_transformers.json").read_text())
    assert saved["truncate_dim"] == 32 and "Saved" in dims.status.value
