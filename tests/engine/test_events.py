"""Run events: every event type survives a JSON line (in this process and across a real subprocess), a typo in
an event type, a status, a field or a listener method fails loudly, and RunStatus knows active from ended."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench.engine import events as E
from workbench.engine.events import RunListener, RunStatus

SAMPLES = (
    E.StatusEvent(RunStatus.TRAINING),
    E.ProgressEvent(step=3, max_steps=8, epoch=0.375, elapsed_s=1.25, eta_s=2.083),
    E.ProgressEvent(step=1, max_steps=8),
    E.LogEvent(step=3, epoch=0.375, values={"loss": 0.5, "grad_norm": 1.5, "learning_rate": 2e-05}),
    E.LogEvent(step=8, values={"train_runtime": 1.2, "train_loss": 0.4}),
    E.EvalEvent(step=4, epoch=0.5, metrics={"eval_loss": 0.25, "eval_dev_spearman_cosine": 0.7}),
    E.BaselineEvent(metrics={"dev_spearman_cosine": 0.6}, primary={"dev": "dev_spearman_cosine"}),
    E.FinalEvent(metrics={"dev_spearman_cosine": 0.8}),
    E.SavedEvent(path="/runs/a/final"),
    E.NoteEvent(text="loss 'auto' for 'sts': CosineSimilarityLoss — «unicode» too"),
    E.ErrorEvent(message="fp16 needs a GPU.", fix="turn fp16 off.", where="args.fp16", kind="WorkbenchError"),
    E.ErrorEvent(message="RuntimeError: boom", kind="RuntimeError"),
)


def test_every_event_type_has_a_sample():
    assert {type(e) for e in SAMPLES} == set(E.EVENT_TYPES.values())
    assert set(E.EVENT_TYPES) == {
        "status",
        "progress",
        "log",
        "eval",
        "baseline",
        "final",
        "saved",
        "note",
        "error",
    }


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.type)
def test_an_event_round_trips_through_a_json_line(event):
    line = E.to_json_line(event)
    assert "\n" not in line and json.loads(line)["type"] == event.type
    assert E.from_json_line(line) == event
    assert E.from_json_line(E.to_json_line(event, time=123.456)) == event  # metrics.jsonl rows carry a time
    assert E.event_from_dict(event.to_dict()) == event


def test_events_written_by_another_process_read_back_equal(tmp_path):
    """A worker process writes the lines, this process reads them (what the run folder will carry)."""
    code = (
        "import sys\n"
        "from workbench.engine.events import from_json_line, to_json_line\n"
        "for line in sys.stdin:\n"
        "    print(to_json_line(from_json_line(line)), flush=True)\n"
    )
    lines = "".join(E.to_json_line(e) + "\n" for e in SAMPLES)
    done = subprocess.run(
        [sys.executable, "-c", code], input=lines, capture_output=True, text=True, timeout=60, encoding="utf8"
    )
    assert done.returncode == 0, done.stderr
    assert [E.from_json_line(line) for line in done.stdout.splitlines()] == list(SAMPLES)


def test_the_dict_form_is_the_metrics_row_the_runner_has_always_written():
    log = E.LogEvent(step=2, epoch=0.5, values={"loss": 0.5, "grad_norm": 1.0})
    assert E.to_json_line(log, time=1.5) == (
        '{"type": "log", "step": 2, "epoch": 0.5, "loss": 0.5, "grad_norm": 1.0, "time": 1.5}'
    )
    assert list(E.EvalEvent(step=2, epoch=0.5, metrics={"eval_loss": 1.0}).to_dict()) == [
        "type",
        "step",
        "epoch",
        "metrics",
    ]
    assert E.ProgressEvent(step=1, max_steps=4, epoch=0.25, elapsed_s=0.5, eta_s=1.5).to_dict() == {
        "type": "progress",
        "step": 1,
        "max_steps": 4,
        "epoch": 0.25,
        "elapsed_s": 0.5,
        "eta_s": 1.5,
        "first_step": 0,
    }
    assert E.StatusEvent("loading").to_dict() == {"type": "status", "status": "loading"}
    assert E.LogEvent(step=1, values={"loss": 0.5}).to_dict() == {"type": "log", "step": 1, "loss": 0.5}


@pytest.mark.parametrize(
    "row, words",
    [
        ({"type": "sttaus", "status": "training"}, "unknown run event type 'sttaus'"),
        ({"status": "training"}, "unknown run event type None"),
        ({"type": "status", "status": "trainig"}, "trainig"),
        ({"type": "saved", "paht": "/x"}, "no field 'paht'"),
        ({"type": "saved"}, "cannot be read"),
        ({"type": "log", "epoch": 1.0}, "cannot be read"),
    ],
)
def test_a_typo_is_refused(row, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        E.event_from_dict(row)
    with pytest.raises(ValueError):
        E.from_json_line(json.dumps(row))


def test_a_line_that_is_not_an_event_is_refused():
    for line in ("not json", "[1, 2]", '"status"'):
        with pytest.raises(ValueError, match="not a run event line"):
            E.from_json_line(line)


def test_a_status_typo_in_code_is_refused():
    with pytest.raises(ValueError):
        E.StatusEvent("trainig")


def test_run_status_active_and_ended():
    assert [s.value for s in RunStatus if s.active] == ["queued", "loading", "baseline", "training", "saving"]
    assert [s.value for s in RunStatus if s.ended] == ["finished", "stopped", "error"]
    assert not RunStatus.IDLE.active and not RunStatus.IDLE.ended
    assert RunStatus("training") is RunStatus.TRAINING and RunStatus.TRAINING == "training"
    assert f"{RunStatus.SAVING}" == str(RunStatus.SAVING) == "saving"
    assert json.dumps(RunStatus.ERROR) == '"error"'


def test_a_listener_gets_each_event_on_its_method_and_ignores_the_rest():
    class Losses(RunListener):
        def __init__(self):
            self.losses = []

        def on_log(self, event):
            self.losses.append(event.values.get("loss"))

    listener = Losses()
    for event in SAMPLES:
        listener.handle(event)
    assert listener.losses == [0.5, None]
    for name in E.EVENT_TYPES:  # the base class answers every event, doing nothing
        assert getattr(RunListener(), f"on_{name}")(None) is None


def test_a_listener_method_for_no_event_is_refused():
    with pytest.raises(TypeError, match="on_progres"):

        class Typo(RunListener):
            def on_progres(self, event):
                pass


def test_a_callback_gets_dicts_and_a_failing_listener_does_not_stop_the_others(caplog):
    seen = []

    class Broken(RunListener):
        def on_note(self, event):
            raise RuntimeError("listener bug")

    E.notify([Broken(), E.CallbackListener(seen.append)], E.NoteEvent("hello"))
    assert seen == [{"type": "note", "text": "hello"}]
    assert "listener bug" in caplog.text and "note event" in caplog.text
