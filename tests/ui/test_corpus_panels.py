"""A plain corpus in the app: the Columns tab offers the fixes that build TSDAE's and contrastive tension's pairs,
one click maps them and chooses their loss, and the Loss tab's table names the fix."""

from __future__ import annotations

import html

from panel_fixtures import dict_spec
from wb_data import TEXTS

from workbench.session import Session
from workbench.ui.panels import ColumnsPanel, LossPanel


def _corpus_session(tmp_path) -> Session:
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.add_dataset("train", "corpus", dict_spec({"text": TEXTS}))
    session.selected = "train/corpus"
    return session


def test_one_click_builds_tsdae_pairs_and_chooses_its_loss(tmp_path):
    session = _corpus_session(tmp_path)
    panel, loss = ColumnsPanel(session), LossPanel(session)
    kinds = [f.kind for f in panel._fixes]
    assert kinds[:2] == ["derive", "pair_copy"]
    assert "deletion noise" in panel.fix_buttons[0].description and panel.fix_buttons[0].layout.display == ""
    table = html.unescape(loss.table.value)
    assert "Fix in the Columns tab: build (damaged, original) pairs from 'text'" in table
    panel.fix_buttons[0].click()
    spec = session.entry("train/corpus").spec
    assert (spec.columns, spec.derive) == (("text", "text"), "tsdae")
    assert session.loss_for("corpus").name == "DenoisingAutoEncoderLoss"
    assert next(v for v in session.verdicts("corpus") if v.name == "DenoisingAutoEncoderLoss").compatible
    assert "deletion noise" in html.unescape(loss.about.value)
    # The Columns tab shows the derivation; unticking it uses the rows as mapped.
    assert panel.derive.value and panel.derive.layout.display == ""
    panel.derive.value = False
    assert session.entry("train/corpus").spec.derive is None and panel.derive.layout.display == "none"


def test_one_click_maps_the_column_twice_for_contrastive_tension(tmp_path):
    session = _corpus_session(tmp_path)
    panel = ColumnsPanel(session)
    panel.fix_buttons[1].click()
    spec = session.entry("train/corpus").spec
    assert (spec.columns, spec.derive) == (("text", "text"), None)
    assert session.loss_for("corpus").name == "ContrastiveTensionLossInBatchNegatives"
