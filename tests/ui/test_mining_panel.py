"""The Data tab's hard-negative wizard: mine for an own (question, answer) dataset with the tiny model, see what it
did (summary, histogram, preview), the mined rows added as a new train dataset and the person's data unchanged; a
loss that takes no negatives is refused with the way out."""

from __future__ import annotations

import threading
import time

from panel_fixtures import dict_spec
from wb_data import TEXTS

from workbench.session import Session
from workbench.spec import LossChoice
from workbench.ui.panels import DatasetPanel

QA = {
    "question": [f"question {i}: what about {TEXTS[i % len(TEXTS)]}?" for i in range(20)],
    "answer": [TEXTS[i % len(TEXTS)] for i in range(20)],
}


def _wait(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)  # the wizard mines in a background thread
    return predicate()


def _session(tmp_path, monkeypatch, tiny_model) -> Session:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = Session(
        background=False, output_dir=str(tmp_path / "run"), auto_output=False, model_name=tiny_model
    )
    session.add_dataset("train", "faq", dict_spec(QA))
    return session


def test_the_wizard_mines_adds_a_dataset_and_shows_what_it_did(tmp_path, monkeypatch, tiny_model):
    session = _session(tmp_path, monkeypatch, tiny_model)
    panel = DatasetPanel(session)
    box = panel.mining
    assert box.dataset.value == "train/faq" and (box.anchor.value, box.positive.value) == (
        "question",
        "answer",
    )
    assert "NV-Retriever" in box.preset_text.value and not box.go.disabled
    box.preset.value = "hardest"
    box.negatives.value = 2
    box.go.click()
    assert _wait(lambda: "hard negatives" in box.result.value or "wb-error" in box.result.value), (
        box.result.value
    )
    assert "of 20 queries got hard negatives" in box.result.value and "wb-mine-preview" in box.result.value
    mined = session.entry("train/faq-hard-negatives")
    assert mined is not None and mined.spec.source == "json"
    assert mined.spec.columns == ("question", "answer", "negative_1", "negative_2")  # auto: n-tuples for MNRL
    assert session.entry("train/faq").spec.data == dict_spec(QA).data  # the person's data as it was
    assert box.plot.layout.display == "" and box.plot.value[:4] == b"\x89PNG"
    assert box.progress.value == 1.0 and not box.go.disabled


def test_a_loss_that_takes_no_negatives_is_refused_in_words(tmp_path, monkeypatch, tiny_model):
    session = _session(tmp_path, monkeypatch, tiny_model)
    session.set_loss(LossChoice("CosineSimilarityLoss"))
    panel = DatasetPanel(session)
    panel.mining.go.click()
    assert "does not train on mined negatives" in panel.mining.result.value
    assert session.entry("train/faq-hard-negatives") is None


def test_the_library_parameters_are_one_click_away_and_checked(tmp_path, monkeypatch, tiny_model):
    session = _session(tmp_path, monkeypatch, tiny_model)
    box = DatasetPanel(session).mining
    assert box.raw_box.layout.display == "none"
    box.show_raw.value = True
    assert box.raw_box.layout.display == ""
    box.range_min.value = "ten"
    box.go.click()
    assert "The value of range_min must be a whole number" in box.result.value


def test_a_dataset_gone_since_the_wizard_offered_it_is_named_not_called_unloaded(
    tmp_path, monkeypatch, tiny_model
):
    """An upload replaces the demo while the wizard still offers it: Mine says the dataset is gone, not loading."""
    import pytest

    from workbench.errors import WorkbenchError
    from workbench.session.mining import mine_for

    session = _session(tmp_path, monkeypatch, tiny_model)
    with pytest.raises(WorkbenchError, match="'train/demo' is no longer in the session") as refused:
        mine_for(session, "train/demo", "question", "answer")
    assert "pick one of the datasets the wizard offers now" in str(refused.value.fix)


def test_two_refreshes_at_once_end_with_the_latest_datasets(tmp_path, monkeypatch, tiny_model):
    """A refresh that read the datasets before a change may not write the wizard's choices after the refresh that
    read them after it (the refreshes run in the UI thread and in the loading and upload threads)."""
    session = _session(tmp_path, monkeypatch, tiny_model)
    box = DatasetPanel(session).mining
    entries, held, go_on = session.entries, threading.Event(), threading.Event()

    def entries_then_wait(split):
        seen = entries(split)
        if threading.current_thread().name == "first-refresh":
            held.set()
            go_on.wait(30)  # this refresh read the datasets as they were, and is slow to write them
        return seen

    monkeypatch.setattr(session, "entries", entries_then_wait)
    first = threading.Thread(target=box.refresh, name="first-refresh")
    first.start()
    assert held.wait(30)
    more = {"question": ["another question?"] * 4, "answer": ["another answer"] * 4}
    second = threading.Thread(target=lambda: session.add_dataset("train", "more", dict_spec(more)))
    second.start()  # adds and loads a dataset: its refreshes read it
    second.join(1.0)  # with refreshes one at a time, its refresh waits for the first one
    go_on.set()
    first.join(30)
    second.join(30)
    assert not first.is_alive() and not second.is_alive()
    assert [v for _, v in box.dataset.options] == ["train/faq", "train/more"]


def test_mine_pressed_while_an_upload_replaces_the_demo_mines_the_upload(tmp_path, monkeypatch, tiny_model):
    """The Data tab says the upload is ready as soon as it is added, before the demo it replaces is taken out:
    Mine pressed in that moment used to mine the demo (seen in CI: 'demo-hard-negatives' from 397 demo rows)."""
    from workbench.errors import WorkbenchError
    from workbench.ui.panels import mining

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = Session.default(
        background=False, output_dir=str(tmp_path / "run"), auto_output=False, model_name=tiny_model
    )
    session.load_all()
    box = DatasetPanel(session).mining
    assert box.dataset.value == "train/demo"
    asked, half_way, go_on = [], threading.Event(), threading.Event()

    def record(session, key, *args):
        asked.append(key)
        raise WorkbenchError("recorded")  # nothing is mined: the dataset Mine took is all this test needs

    monkeypatch.setattr(mining, "output_format_for", record)

    def pause_half_way(change):  # the upload is in the list, the demo not yet taken out
        keys = [e.key for e in change["new"]]
        if "train/faq" in keys and "train/demo" in keys and not half_way.is_set():
            half_way.set()
            go_on.wait(30)

    session.observe(pause_half_way, "datasets")
    csv = "question,answer\n" + "".join(f"question {i}?,answer {i}\n" for i in range(12))
    upload = threading.Thread(
        target=lambda: session.add_upload("train", "faq.csv", csv.encode(), background=False)
    )
    upload.start()
    assert half_way.wait(60)
    press = threading.Thread(target=box._mine)
    press.start()
    press.join(0.5)  # pressed half-way through the upload's edit
    go_on.set()
    upload.join(60)
    press.join(60)
    assert not upload.is_alive() and not press.is_alive()
    assert session.entry("train/demo") is None and asked == ["train/faq"], asked
