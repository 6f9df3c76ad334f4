"""One wording of a run's status (session.describe) for the app's status line, its log and the CLI."""

from __future__ import annotations

import io

import pytest

from workbench.cli.train import TrainView
from workbench.engine import NoteEvent, RunStatus, StatusEvent
from workbench.session import ACTIVE, ENDED, STATUSES, SessionBridge, describe


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
