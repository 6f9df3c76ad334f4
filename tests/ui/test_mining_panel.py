"""The Data tab's hard-negative wizard: mine for an own (question, answer) dataset with the tiny model, see what it
did (summary, histogram, preview), the mined rows added as a new train dataset and the person's data unchanged; a
loss that takes no negatives is refused with the way out."""

from __future__ import annotations

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
