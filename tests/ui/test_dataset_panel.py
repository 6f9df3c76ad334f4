"""The Data tab with a person's own data (issue 10): replacing the demo (finding 1), Hold out and the split
(finding 9), a Hub id that cannot load (finding 11), Excel sheets, the rows that train (finding 18), and one
empty-cell count (finding 12)."""

from __future__ import annotations

import html

import openpyxl
from panel_fixtures import dict_spec
from wb_data import scored_pairs

from workbench.session import Session
from workbench.ui.app import Workbench
from workbench.ui.panels import ColumnsPanel, DatasetPanel


def faq_csv(n: int = 40) -> bytes:
    lines = ["question,answer"] + [f"how do I do task {i},press button {i}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def upload(panel: DatasetPanel, name: str, content: bytes) -> None:
    panel._uploaded({"new": [{"name": name, "content": memoryview(content)}]})


def test_the_first_upload_offers_replace_or_add_and_the_header_follows(demo):
    app = Workbench(demo, autosave=False, load=False)
    panel = app.dataset
    assert (
        panel.demo_box.layout.display == "none" and "demo" in app.header.value and "ready" in app.header.value
    )
    upload(panel, "faq.csv", faq_csv(240))
    assert "wb-replace-demo" in panel.demo_choice._dom_classes
    assert panel.demo_box.layout.display == "" and panel.demo_choice.value == "replace"
    assert [e.key for e in demo.datasets] == ["train/faq", "eval/heldout"]
    assert "Your data: faq.csv (240 rows, 24 held out to measure)" in html.unescape(app.header.value)
    assert "is ready" not in app.header.value
    # The rows that train: the list and the preview say how many rows of the upload train.
    assert "216 train + 24 held out" in panel.table.value and "216 train + 24 held out" in panel.preview.value
    panel.demo_choice.value = "add"
    assert demo.demo_choice == "add" and demo.entry("train/demo") is not None
    assert [ev.dataset for ev in demo.evaluators][0] == "eval/dev"
    assert "The demo data is used too." in app.header.value
    demo.replace_demo(True)  # the session's choice shows in the widget
    assert panel.demo_choice.value == "replace" and demo.entry("eval/dev") is None


def test_hold_out_says_why_it_cannot_be_train_and_gives_train_back(demo):
    panel = DatasetPanel(demo)
    assert panel.split.value == "train"
    panel.source.value = "holdout"
    assert panel.split.value == "eval" and "never train" in panel.split_msg.value
    panel.split_msg.value = ""
    panel.split.value = "train"  # a click on "train": refused, with the reason
    assert panel.split.value == "eval" and "never train" in panel.split_msg.value
    panel.source.value = "upload"
    assert panel.split.value == "train" and panel.split_msg.value == ""
    assert "<b>train</b>" in panel.upload_hint.value
    upload(panel, "faq.csv", faq_csv(20))
    assert demo.entry("train/faq") is not None and demo.entry("eval/faq") is None


def test_an_unknown_hub_id_is_explained_marked_and_removable(demo, monkeypatch):
    import datasets
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    app = Workbench(demo, autosave=False, load=False)
    panel = app.dataset
    assert "⚠" not in app.tabs.titles[1]
    panel.source.value = "hub"
    panel.path.value = "someone/no-such-dataset"
    panel.add_btn.click()
    preview = html.unescape(panel.preview.value)
    assert "Loading" not in preview and "offline" in preview and "someone/no-such-dataset" in preview
    assert "Remove dataset" in preview and "wb-nofit" in panel.table.value
    assert app.tabs.titles[1].endswith("⚠")  # the Data tab is marked
    assert "could not be loaded" in html.unescape(app.header.value)
    demo.selected = "train/no-such-dataset"
    assert panel.remove_pick.value == "train/no-such-dataset"  # Remove offers the dataset shown
    panel.remove_btn.click()  # its held-out part goes with it
    assert not demo.datasets and not app.tabs.titles[1].endswith("⚠")


def test_an_uploaded_workbook_offers_its_sheets(demo, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["note"])
    book.active.append(["the pairs are on the next sheet"])
    sheet = book.create_sheet("pairs")
    scored = scored_pairs(6)
    sheet.append(["sentence1", "sentence2", "score"])
    for row in zip(scored["sentence1"], scored["sentence2"], scored["score"], strict=True):
        sheet.append(list(row))
    book.save(tmp_path / "book.xlsx")
    panel = DatasetPanel(demo)
    upload(panel, "book.xlsx", (tmp_path / "book.xlsx").read_bytes())
    assert demo.entry("train/book").spec.source == "excel"
    assert panel.sheet_pick.layout.display == "" and list(panel.sheet_pick.options) == ["notes", "pairs"]
    assert panel.sheet_pick.value == "notes" and "note<br>" in panel.preview.value
    panel.sheet_pick.value = "pairs"
    assert demo.entry("train/book").spec.sheet == "pairs" and "sentence1<br>" in panel.preview.value
    assert demo.to_spec().train["book"].sheet == "pairs"
    # A typed path with a sheet that is not there: the message lists the sheets.
    panel.source.value = "excel"
    panel.path.value = str(tmp_path / "book.xlsx")
    panel.sheet.value = "Pairs"
    panel.split.value = "test"
    panel.add_btn.click()
    assert "its sheets are: notes, pairs" in html.unescape(panel.preview.value)


def test_empty_cells_are_counted_once_over_every_row(tmp_path):
    n = 80
    scored = scored_pairs(n)
    scored["sentence1"][10] = ""  # in the first 50 rows the trainer preview prepares
    scored["sentence1"][60] = None  # and one beyond them
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    session.add_dataset("train", "sts", dict_spec(scored))
    panel = ColumnsPanel(session)
    assert "'sentence1' in 2 rows" in panel.empty_note.value
    view = html.unescape(panel.trainer_view.value)
    assert "missing or empty in 2 rows (row indexes 10, 60" in view


def test_a_leak_shows_at_the_top_before_start_not_only_in_the_verdict(demo):
    # the walk found it: an eval file holding train rows was said only after the run
    app = Workbench(demo, autosave=False, load=False)
    panel = app.dataset
    assert "wb-leak" not in app.header.value  # the demo's eval set is not its train set
    upload(panel, "faq.csv", faq_csv(40))
    assert "wb-leak" not in app.header.value  # a held-out part of a file without repeated rows
    rows = [f"how do I do task {i},press button {i}" for i in range(10)]
    eval_csv = (
        "question,answer\n" + "\n".join([*rows[:4], "another question,another answer"]) + "\n"
    ).encode()
    panel.split.value = "eval"
    upload(panel, "faq-eval.csv", eval_csv)
    shown = html.unescape(app.header.value)
    assert "Leak: 4 of 5 rows of the eval set 'faq-eval' (80 %) are also in the train data" in shown, shown
    assert (
        "For example: 'how do I do task 0 | press button 0'; 'how do I do task 1 | press button 1'." in shown
    )
    demo.set_mapping("eval/faq-eval", columns=["answer", "question"])  # either order is the same pair
    assert "4 of 5 rows" in html.unescape(app.header.value)
    demo.remove_dataset("eval/faq-eval")
    assert "wb-leak" not in app.header.value


def test_a_held_out_part_of_a_file_with_repeated_rows_is_a_leak_risk(demo):
    app = Workbench(demo, autosave=False, load=False)
    content = faq_csv(30) + b"how do I do task 1,press button 1\nHOW DO I  do task 2,press button 2\n"
    upload(app.dataset, "faq.csv", content)
    shown = html.unescape(app.header.value)
    assert "Leak risk: 2 rows of faq.csv repeat another row's texts" in shown and "'heldout'" in shown, shown


def test_an_eval_file_of_their_own_takes_the_place_of_the_proposed_held_out_part(demo):
    # the walk: the proposed 6 held-out rows, already perfect, chose what early stopping watched and ended the run
    app = Workbench(demo, autosave=False, load=False)
    panel = app.dataset
    upload(panel, "faq.csv", faq_csv(60))
    assert [e.key for e in demo.datasets] == ["train/faq", "eval/heldout"]
    panel.split.value = "eval"
    upload(panel, "faq-eval.csv", faq_csv(12).replace(b"task", b"job"))
    assert [e.key for e in demo.datasets] == ["train/faq", "eval/faq-eval"]
    assert [ev.dataset for ev in demo.evaluators] == ["eval/faq-eval"]  # their file measures the run
    assert "Your data: faq.csv (60 rows). Measured on faq-eval.csv." in html.unescape(app.header.value)


def test_a_held_out_part_the_person_changed_stays_beside_their_eval_file(demo):
    app = Workbench(demo, autosave=False, load=False)
    panel = app.dataset
    upload(panel, "faq.csv", faq_csv(60))
    demo.set_mapping("eval/heldout", fraction=0.2)  # theirs now, not the proposal
    panel.split.value = "eval"
    upload(panel, "faq-eval.csv", faq_csv(12).replace(b"task", b"job"))
    assert [e.key for e in demo.datasets] == ["train/faq", "eval/heldout", "eval/faq-eval"]


def test_a_name_typed_before_the_file_is_chosen_names_the_upload(demo):
    # the walk: "faq" typed in Name, the dataset came out as "faq_train" (the file's name)
    panel = DatasetPanel(demo)
    panel.ds_name.value = "faq"
    upload(panel, "faq_train.csv", faq_csv(20))
    assert demo.entry("train/faq") is not None and panel.ds_name.value == ""
    upload(panel, "faq_train.csv", faq_csv(20))  # no name typed: the file's own
    assert demo.entry("train/faq_train") is not None
    panel.ds_name.value = "a/b"
    panel.guard(panel._uploaded)({"new": [{"name": "x.csv", "content": memoryview(faq_csv(5))}]})
    assert "'a/b' cannot be a dataset name" in demo.errors["dataset"] and demo.entry("train/x") is None
