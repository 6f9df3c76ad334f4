"""'Start over with the demo' asks first, clears the last run's view (log, results, errors, script), and keeps
the replaced settings restorable (finding 14)."""

from __future__ import annotations

from workbench.ui import Workbench

FINISHED = [
    {"type": "status", "status": "loading"},
    {"type": "baseline", "metrics": {"dev_spearman_cosine": 0.5}, "primary": {"dev": "dev_spearman_cosine"}},
    {"type": "status", "status": "training"},
    {"type": "log", "step": 5, "loss": 0.4},
    {"type": "saved", "path": "/tmp/x/final"},
    {"type": "final", "metrics": {"dev_spearman_cosine": 0.7}},
    {"type": "status", "status": "finished"},
]


def test_start_over_asks_clears_the_run_view_and_keeps_the_settings_restorable(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    app = Workbench(load=False)
    s = app.session
    s.model_name, s.args = "/my/model", {"max_steps": 9}
    for event in FINISHED:
        s._on_event(event)
    s.report("Something about the loss.", "loss")
    app.train.script.value, app.train.script.layout.display = "print('script')", ""
    app.train.export_msg.value = "Saved as train_script.py"
    assert s.log and app.train.results.value and s.status == "finished"

    app.reset_btn.click()
    assert app.reset_ask.layout.display == "" and s.model_name == "/my/model"  # nothing happens unasked
    app.reset_no.click()
    assert app.reset_ask.layout.display == "none" and s.status == "finished"

    app.reset_btn.click()
    app.reset_yes.click()
    assert s.model_name == "default" and "demo" in s.to_spec().train
    assert s.status == "idle" and s.log == () and s.history == () and not s.final and not s.saved_path
    assert s.errors == {} and not app.tabs.titles[3].endswith("⚠")
    assert app.train.results.value == "" and app.train.script.layout.display == "none"
    assert app.train.export_msg.value == "" and "Restore last session" in app.toolbar_msg.value
    assert not app.restore_btn.disabled
    app.restore_btn.click()
    assert s.model_name == "/my/model" and s.args == {"max_steps": 9}
