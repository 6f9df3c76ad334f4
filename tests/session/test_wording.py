"""One wording of a run's status (session.describe) for the app's status line, its log and the CLI."""

from __future__ import annotations

import io

import pytest

from workbench.cli.train import TrainView
from workbench.engine import NoteEvent, RunStatus, StatusEvent, TrainingPart
from workbench.session import ACTIVE, ENDED, STATUSES, SessionBridge, describe, duration, steps_line


@pytest.mark.parametrize("status", list(RunStatus), ids=str)
def test_every_status_has_its_words(status):
    text = describe(status)
    assert text and text == describe(status.value) and text[0].islower()
    assert text.endswith("…") if status.active else text.endswith(".")
    assert describe(status, ellipsis=" ...") == (text.removesuffix("…") + " ..." if status.active else text)


def test_a_status_that_is_not_one_is_refused():
    with pytest.raises(ValueError):
        describe("trainig")


def test_the_session_status_names_are_the_run_statuses():
    assert STATUSES == tuple(s.value for s in RunStatus)
    assert ACTIVE == ("queued", "loading", "baseline", "training", "saving")
    assert ENDED == ("finished", "stopped", "error")


def test_the_cli_and_the_app_log_say_the_same_words(tmp_path):
    from workbench.session import Session

    stream = io.StringIO()
    view = TrainView(stream=stream)
    session = Session(autosave=None, background=False, output_dir=str(tmp_path / "run"))
    bridge = SessionBridge(session)
    for status in (RunStatus.BASELINE, RunStatus.TRAINING, RunStatus.SAVING):
        view.handle(StatusEvent(status))
        bridge.handle(StatusEvent(status))
    view.handle(NoteEvent("hello"))
    printed = stream.getvalue().splitlines()
    logged = [line.split("  ", 1)[1] for line in session.log]
    under_way = (RunStatus.BASELINE, RunStatus.TRAINING, RunStatus.SAVING)
    words = [describe(s).removesuffix("…") for s in under_way]
    assert printed == [w + " ..." for w in words] + ["note: hello"]
    assert logged == [w[0].upper() + w[1:] + "…" for w in words]


def test_a_run_in_one_part_says_its_steps_and_time():
    assert steps_line([TrainingPart(0, 40, 40, 65.4)]) == "40 of 40 steps in 1 min 05 s"
    assert steps_line([TrainingPart(0, 12, 0, 3.0)]) == "12 of ? steps in 3 s"
    assert steps_line([]) == ""


def test_a_resumed_run_says_the_time_over_all_parts_and_where_it_resumed():
    # The resumed part took 1 s of the 40 steps: the line the app showed before counted that second only.
    line = steps_line([TrainingPart(0, 23, 40, 80.2), TrainingPart(23, 40, 40, 1.2)])
    assert line == "40 of 40 steps in 1 min 21 s of training (resumed at step 23; this part took 1 s)"


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, "?"), (0.4, "0 s"), (59.6, "1 min 00 s"), (3601, "60 min 01 s")]
)
def test_durations_read_as_minutes_and_seconds(seconds, text):
    assert duration(seconds) == text
