"""A run stopped and resumed from a reloaded page: its plot shows the whole run, and the status line says
"finished" only once the plot and the results show the finished run (seen in the browser: a screenshot taken when
the status said finished showed the plot up to the step the run had resumed from, the final draw still under
way)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from wb_data import inline, scored_pairs
from wb_runs import until

from workbench.engine import read_run
from workbench.session import Session
from workbench.spec import RunSpec
from workbench.ui.app import Workbench


def _steps(history) -> list[int]:
    return [row["step"] for row in history if row.get("type") == "log" and "loss" in row]


@pytest.mark.timeout(400)
def test_a_resumed_worker_runs_plot_goes_on_to_its_last_step(make_config, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
        loss="CosineSimilarityLoss",
        args={"per_device_train_batch_size": 2, "max_steps": 2000, "logging_steps": 1},
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        output="runs/r1",
    )
    cfg["early_stopping"] = False
    session = Session.from_spec(RunSpec.from_dict(cfg), background=False)
    session.auto_output = False
    session.control.backend = "process"
    session.start()
    until(lambda: session.status == "training" and len(_steps(session.history)) >= 2, what="training")
    # The page is reloaded: a new page attaches to the run under way; Stop and Resume are pressed there.
    app = Workbench(autosave=False, plot_interval=0.0)
    session, panel = app.session, app.train
    assert session.run_dir and session.status in ("loading", "baseline", "training")
    drawn = []

    def render(history, baseline, primary=()):
        time.sleep(0.05)  # a draw this long spaces the throttled ones 5 s apart (LivePlot.MAX_DRAW_SHARE)
        drawn.append(max([0, *_steps(history)]))
        return b"png"

    panel.plot.render = render
    until(lambda: session.status == "training" and len(_steps(session.history)) >= 3, what="training")
    panel.stop.click()
    assert session.wait(120) and session.status == "stopped"
    stopped_at = read_run(session.run_dir).checkpoint_step
    assert stopped_at
    config = Path(session.run_dir) / "config.json"
    config.write_text(config.read_text().replace('"max_steps": 2000', f'"max_steps": {stopped_at + 4}'))
    said_finished = []  # what the plot showed when the status line said the run had finished
    panel.status.observe(
        lambda change: said_finished.append(drawn[-1]) if "data-status='finished'" in change["new"] else None,
        "value",
    )
    panel.runs.resume.click()
    assert panel.results.value == "", "the stopped part's results are not shown as the resumed run's"
    assert session.wait(180) and session.status == "finished", session.error
    assert _steps(session.history)[-1] == stopped_at + 4
    assert said_finished == [stopped_at + 4], (said_finished, drawn)
    assert panel.plot.wait_idle() and drawn[-1] == stopped_at + 4, drawn
    assert "Model saved to" in panel.results.value
