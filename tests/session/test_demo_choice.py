"""A person's first own dataset beside the demo (finding 1 of issue 10): it replaces the demo by default (train
and eval sets and the demo's evaluator go), a held-out part of it measures the run when they have no eval set,
"add" brings the demo back, and the top line and the row counts say what will run."""

from __future__ import annotations

import csv
import io

import datasets
import pytest
from panel_fixtures import dict_spec, make_session
from wb_data import positive_pairs, scored_pairs

from workbench import data
from workbench.session import PROPOSED_FRACTION, Session, demo_keys, held_out_rows, is_demo
from workbench.spec import DatasetSpec


def faq_csv(n: int = 40) -> bytes:
    pairs = positive_pairs(n)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["question", "answer"])
    writer.writerows(zip(pairs["anchor"], pairs["positive"], strict=True))
    return buf.getvalue().encode()


def test_the_demo_alone_offers_nothing_and_says_it_is_ready(demo):
    assert demo.demo_choice == "" and set(demo_keys(demo.datasets)) == {"train/demo", "eval/dev"}
    assert demo.data_summary().startswith("The demo") and "ready" in demo.data_summary()


def test_a_first_upload_replaces_the_demo_and_a_held_out_part_measures_the_run(demo):
    demo.add_upload("train", "faq.csv", faq_csv(40))
    assert demo.demo_choice == "replace"
    assert [e.key for e in demo.datasets] == ["train/faq", "eval/heldout"]
    held = demo.entry("eval/heldout").spec
    assert held.source == "holdout" and held.of == "faq" and held.fraction == PROPOSED_FRACTION
    # What the run's config.json will hold: the upload only, measured on a part held out of it.
    spec = demo.to_spec()
    assert list(spec.train) == ["faq"] and spec.train["faq"].path.endswith("faq.csv")
    assert list(spec.eval) == ["heldout"] and not spec.test
    assert [ev.dataset for ev in spec.evaluators] == ["eval/heldout"]  # a fitting one, ticked once loaded
    assert spec.evaluators[0].name == "InformationRetrievalEvaluator"
    assert demo.selected == "train/faq"
    assert demo.data_summary() == (
        "Your data: faq.csv (40 rows, 4 held out to measure). Press Start training to train on it."
    )


def test_add_brings_the_demo_and_its_evaluator_back_and_replace_takes_them_out_again(demo):
    demo.add_upload("train", "faq.csv", faq_csv(40))
    demo.replace_demo(False)
    assert demo.demo_choice == "add"
    assert {e.key for e in demo.datasets} == {"train/demo", "eval/dev", "train/faq", "eval/heldout"}
    assert {ev.dataset for ev in demo.evaluators} == {"eval/dev", "eval/heldout"}
    assert set(demo.to_spec().train) == {"demo", "faq"}
    assert "The demo data is used too." in demo.data_summary()
    demo.replace_demo(True)
    assert [e.key for e in demo.datasets] == ["train/faq", "eval/heldout"]
    assert [ev.dataset for ev in demo.evaluators] == ["eval/heldout"]


def test_an_own_eval_set_first_waits_for_the_train_set_and_means_no_held_out_part(demo):
    demo.add_dataset("eval", "mine", dict_spec(scored_pairs(8)))
    assert (
        demo.demo_choice == "" and demo.entry("train/demo") is not None
    )  # nothing to train on would be left
    demo.add_dataset("train", "sts", dict_spec(scored_pairs(16)))
    assert demo.demo_choice == "replace" and [e.key for e in demo.datasets] == ["eval/mine", "train/sts"]
    assert [ev.dataset for ev in demo.evaluators] == ["eval/mine"]
    assert "Measured on in-memory data." in demo.data_summary()
    demo.add_dataset("train", "more", dict_spec(scored_pairs(8)))  # asked once: no second proposal
    assert [e.key for e in demo.datasets] == ["eval/mine", "train/sts", "train/more"]


def test_a_demo_dataset_or_a_part_held_out_of_the_demo_is_not_own_data(demo):
    demo.add_dataset("test", "pairs", DatasetSpec(source="csv", path=data.demo_path("pairs_train")))
    demo.add_dataset("eval", "part", DatasetSpec(source="holdout", of="demo", fraction=0.2))
    assert demo.demo_choice == "" and is_demo(demo.entry("eval/part"), demo.datasets)
    assert len(demo_keys(demo.datasets)) == 4


def test_own_data_already_there_is_never_replaced_by_a_later_demo_choice(tmp_path):
    session = make_session(tmp_path)  # own data only
    session.add_dataset("train", "pairs_train", DatasetSpec(source="csv", path=data.demo_path("pairs_train")))
    session.add_dataset("eval", "heldout", DatasetSpec(source="holdout", of="sts", fraction=0.25))
    assert session.demo_choice == "" and session.entry("train/pairs_train") is not None


def test_a_new_configuration_forgets_the_choice(demo):
    demo.add_upload("train", "faq.csv", faq_csv(20))
    demo.apply_spec(Session.default().to_spec())
    assert demo.demo_choice == ""
    demo.load_all()
    demo.add_upload("train", "faq.csv", faq_csv(20))
    assert demo.demo_choice == "replace" and demo.entry("train/demo") is None


@pytest.mark.parametrize("fractions", [(0.1,), (0.1, 0.25), (0.5, 0.3)])
def test_held_out_rows_match_the_rows_the_run_splits_off(tmp_path, fractions):
    session = make_session(tmp_path, eval_set=False)
    for i, fraction in enumerate(fractions):
        split = "eval" if i == 0 else "test"
        session.add_dataset(split, f"part{i}", DatasetSpec(source="holdout", of="sts", fraction=fraction))
    rows = datasets.Dataset.from_dict({"x": list(range(240))})
    held = 0
    for fraction in fractions:  # as engine.plan.load_datasets splits them, one after another
        rows, part = data.split_holdout(rows, fraction, 42)
        held += part.num_rows
    assert held_out_rows(session.datasets, "sts", 240) == held and rows.num_rows == 240 - held


def test_the_summary_says_when_own_data_is_loading_or_failed(tmp_path):
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    assert "no train dataset" in session.data_summary()
    session.add_dataset("train", "gone", DatasetSpec(source="csv", path=str(tmp_path / "gone.csv")))
    assert session.data_summary().startswith("Your data: gone.csv (could not be loaded")
    session.add_dataset("train", "later", dict_spec(scored_pairs(8)), load=False)
    assert "in-memory data (loading…)" in session.data_summary()


def test_the_run_plan_trains_on_the_upload_only_and_measures_on_its_held_out_part(demo, tiny_model):
    from workbench.engine import build

    demo.add_upload("train", "faq.csv", faq_csv(40))
    demo.model_name = tiny_model
    plan = build(demo.to_spec())
    assert list(plan.train) == ["faq"] and list(plan.eval) == ["heldout"]
    assert plan.train["faq"].num_rows == 36 and plan.eval["heldout"].num_rows == 4
    assert held_out_rows(demo.datasets, "faq", 40) == plan.eval["heldout"].num_rows
