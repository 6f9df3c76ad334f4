"""The Loss tab after the person's own data arrives: what it recommends is what its table marks as fitting, and a
loss that does not fit is explained once, with one fix (issue 10, findings 1 and 16)."""

from __future__ import annotations

import html
import re

import pytest
from panel_fixtures import dict_spec, make_session
from wb_data import scored_pairs

from workbench.errors import WorkbenchError
from workbench.session import Session
from workbench.spec import LossChoice
from workbench.ui.panels import ColumnsPanel, LossPanel

QA = {
    "question": ["how do I reset it", "where is the manual", "what does it cost", "who made it"] * 3,
    "answer": ["hold the button", "in the box", "ten euros", "a small company"] * 3,
}


@pytest.fixture
def demo_and_qa(tmp_path, monkeypatch):
    """The demo (scored pairs 0-5, rescaled) plus an own (question, answer) dataset added to it."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = Session.default(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.load_all(background=False)
    session.add_dataset("train", "qa", dict_spec(QA))
    session.replace_demo(False)  # "add to it": the demo stays beside the own data
    return session


def _fits(table: str) -> dict[str, bool]:
    rows = re.findall(r"<tr class='(wb-\w+)[^']*' data-loss='(\w+)'>", table)
    return {name: cls == "wb-fits" for cls, name in rows}


def _chosen(table: str) -> set[str]:
    return set(re.findall(r"<tr class='[^']*wb-chosen[^']*' data-loss='(\w+)'>", table))


def test_every_loss_auto_recommends_is_marked_as_fitting_in_the_same_table(demo_and_qa):
    panel = LossPanel(demo_and_qa)
    assert panel.choose.value == "auto"
    label = panel.choose.options[0][0]
    recommended = set(re.findall(r"(\w+Loss)", label))
    assert recommended == {"CosineSimilarityLoss", "MultipleNegativesRankingLoss"}, label
    fits = _fits(panel.table.value)
    assert all(fits[name] for name in recommended), label
    assert _chosen(panel.table.value) == recommended
    # Each fits the dataset auto picks it for, and the table says which.
    table, about = html.unescape(panel.table.value), html.unescape(panel.about.value)
    assert "fits 'demo' (auto picks it)" in table and "fits 'qa' (auto picks it)" in table
    assert "for 'demo'" in about and "for 'qa'" in about
    # Neither can be chosen for both datasets at once: the selector still offers only what fits both.
    assert not recommended & {v for _, v in panel.choose.options}


def test_auto_with_its_own_fix_is_shown_as_fitting_once_fixed(tmp_path):
    session = make_session(tmp_path)  # scores 0-5, no range set: auto rescales them
    panel = LossPanel(session)
    (name,) = re.findall(r"recommended: (\w+)", panel.choose.options[0][0])
    assert _fits(panel.table.value)[name] and _chosen(panel.table.value) == {name}
    assert "from 0–5 (the range of its values) to 0–1" in html.unescape(panel.table.value)


def test_an_incompatible_loss_shows_its_reason_once_with_one_fix(tmp_path):
    session = make_session(tmp_path)
    panel = LossPanel(session)
    session.set_loss(LossChoice("MultipleNegativesRankingLoss"))  # the guessed label 'score' binds
    about = html.unescape(panel.about.value)
    assert about.count("takes no label") == 1 and about.count("Fix:") == 1
    assert "rain without the label 'score'" in about and "choose a loss that fits" in about
    with pytest.raises(WorkbenchError) as err:  # Start refuses it, with the same words
        session.check()
    session.report(err.value, "train")  # reported where Start reports it: the Loss panel
    assert "loss" in session.errors and html.unescape(panel.error_box.value) == ""
    shown = html.unescape(panel.about.value + panel.error_box.value)
    assert shown.count("takes no label") == 1 and shown.count("Fix:") == 1
    # The one fix is a button in the Columns tab; once clicked, the loss fits and nothing is refused.
    columns = ColumnsPanel(session)
    (button,) = [b for b in columns.fix_buttons if b.description.startswith("train without the label")]
    button.click()
    assert session.mapping("train/sts").label is None and "does not fit" not in panel.about.value


def test_another_error_of_the_loss_panel_is_still_shown(tmp_path):
    session = make_session(tmp_path)
    panel = LossPanel(session)
    session.set_loss(LossChoice("MultipleNegativesRankingLoss"))
    session.report("Something else is wrong.", "loss")
    assert "Something else is wrong." in panel.error_box.value


def test_a_whole_number_score_offers_treating_it_as_classes(tmp_path):
    """Finding 8: a 0-5 'rating' of whole numbers is trained as a score; the Columns tab offers the classes
    reading as a one-click fix that chooses a loss that takes classes."""
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    data = scored_pairs(12)
    session.add_dataset(
        "train",
        "stars",
        dict_spec(
            {
                "sentence1": data["sentence1"],
                "sentence2": data["sentence2"],
                "rating": [i % 6 for i in range(12)],
            }
        ),
    )
    session.selected = "train/stars"
    panel, columns = LossPanel(session), ColumnsPanel(session)
    assert "SoftmaxLoss" not in panel.choose.options[0][0]
    texts = [f.text for f in columns._fixes]
    assert texts[0].startswith("rescale 'rating' from 0–5") and texts[1].startswith(
        "treat 'rating' as 6 classes"
    )
    columns.fix_buttons[1].click()
    assert session.loss_for("stars").name == "SoftmaxLoss"
    assert "used as 6 classes" in html.unescape(panel.about.value)
