"""Every panel without a browser: set a widget, the Session changes; set the Session, the widget follows;
buttons are driven with .click(). The Train panel is also driven by worker-thread events (the dashboard
callback) and by a real threaded run with the tiny model."""

from __future__ import annotations

import html
import json
import threading
from pathlib import Path

import ipywidgets as widgets
import pytest
from panel_fixtures import dict_spec, make_session, wait_for
from wb_data import positive_pairs, triplets

from workbench.errors import WorkbenchError
from workbench.session import Session
from workbench.spec import DatasetSpec, EvaluatorChoice, LossChoice
from workbench.ui.app import Workbench
from workbench.ui.panels import (
    ArgsPanel,
    ColumnsPanel,
    DatasetPanel,
    EvaluatorsPanel,
    LossPanel,
    ModelPanel,
    TrainPanel,
)


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return make_session(tmp_path)


def _classes(widget) -> list[str]:
    return list(widget._dom_classes)


# ---- model ----------------------------------------------------------------------------------------------------


def test_model_panel_binds_both_ways(session, tmp_path):
    panel = ModelPanel(session)
    assert "wb-panel-model" in _classes(panel)
    panel.type.value = "sparse-encoder"
    assert session.model_type == "sparse-encoder" and session.loss == LossChoice()
    assert "naver/splade-cocondenser-ensembledistil" in panel.base.options
    panel.base.value = str(tmp_path / "no-such-model")
    assert "does not exist" in panel.base_msg.value and session.model_name.endswith("no-such-model")
    session.model_name = "default"
    assert panel.base.value == "default" and panel.base_msg.value == ""
    panel.max_len.value = "abc"
    assert "whole number" in panel.max_len_msg.value and session.max_seq_length is None
    panel.max_len.value = "1024"  # the packaged model reads at most 512 tokens
    assert (
        "more than this model can read (512 tokens)" in panel.max_len_msg.value
        and session.max_seq_length is None
    )
    panel.max_len.value = "64"
    assert session.max_seq_length == 64 and panel.max_len_msg.value == ""
    session.max_seq_length = None
    # An error from Start about the model goes once the model is fixed.
    session.report(WorkbenchError("model folder '/x' does not exist.", where="model.name_or_path"))
    assert "model" in session.errors
    panel.base.value = "default"
    panel.base.value = str(tmp_path)  # an existing folder
    assert "model" not in session.errors
    session.model_name = "default"
    assert panel.max_len.value == "" and "model's own (256)" == panel.max_len.placeholder
    panel.type.value = "sentence-transformer"
    panel.scratch.value = True
    panel.pooling.value = "cls"
    assert session.from_scratch and session.pooling == "cls" and panel.pooling.layout.display == ""
    panel.language.value = "en"
    panel.model_title.value = "my model"
    assert session.model_card == {"language": "en", "model_name": "my model"}


def test_model_panel_pooling_and_scratch_follow_the_session(session):
    panel = ModelPanel(session)
    session.from_scratch, session.pooling = True, "max"
    assert panel.scratch.value and panel.pooling.value == "max" and panel.pooling.layout.display == ""
    session.from_scratch = False
    assert not panel.scratch.value and panel.pooling.layout.display == "none"


# ---- dataset --------------------------------------------------------------------------------------------------


def test_dataset_panel_adds_previews_and_removes(session):
    panel = DatasetPanel(session)
    assert "wb-panel-dataset" in _classes(panel)
    assert "sts" in panel.table.value and "ready" in panel.table.value
    assert "score<br>" in panel.preview.value and "sentence1" in panel.preview.value
    panel.split.value = "train"
    panel.source.value = "demo"
    panel.demo.value = "pairs_train"
    panel.add_btn.click()
    assert session.entry("train/pairs_train") is not None and session.selected == "train/pairs_train"
    assert session.dataset("train/pairs_train").num_rows == 300
    assert "anchor" in panel.preview.value
    panel.source.value = "holdout"
    assert (
        panel.split.value == "eval" and panel.of.layout.display == "" and panel.path.layout.display == "none"
    )
    assert panel.source.layout.display != "none" and panel.add_btn.layout.display != "none"
    assert panel.of.value == "sts"  # the first train set is preselected: Add works without touching it
    panel.fraction.value = 0.25
    panel.add_btn.click()
    assert session.entry("eval/heldout").spec.fraction == 0.25
    # A name that is taken, or that cannot name result files, is refused in the panel.
    panel.fraction.value = 0.5
    panel.ds_name.value = "heldout"
    panel.add_btn.click()
    assert "already an eval dataset named 'heldout'" in html.unescape(panel.error_box.value)
    assert session.entry("eval/heldout").spec.fraction == 0.25
    panel.ds_name.value = "my dev/v1.2"
    panel.add_btn.click()
    assert "cannot be a dataset name (it contains '/')" in html.unescape(panel.error_box.value)
    assert session.entry("eval/my dev/v1.2") is None
    panel.ds_name.value = ""
    panel.demo.value = "pairs_train"
    panel.source.value = "demo"
    panel.split.value = "test"
    panel.limit.value = "10"
    panel.add_btn.click()
    assert session.entry("test/pairs_train").spec.limit == 10 and panel.limit.value == ""  # not carried over
    session.remove_dataset("test/pairs_train")
    panel.source.value = "csv"
    panel.path.value = ""
    panel.add_btn.click()
    assert "No path" in session.errors["dataset"] and "No path" in panel.error_box.value
    panel.remove_pick.value = "train/pairs_train"
    panel.remove_btn.click()
    assert session.entry("train/pairs_train") is None and "dataset" not in session.errors


def test_dataset_panel_upload_bad_and_good_files(session):
    panel = DatasetPanel(session)
    panel.split.value = "train"
    panel._uploaded({"new": [{"name": "notes.docx", "content": memoryview(b"PK..")}]})
    assert "unknown file type" in panel.error_box.value and "Traceback" not in panel.error_box.value
    panel._uploaded(
        {"new": [{"name": "mine.csv", "content": memoryview(b"q,a\nhi there,hello\nbye now,see you\n")}]}
    )
    assert panel.error_box.value == "" and session.entry("train/mine") is not None
    assert "mine" in panel.table.value


# ---- columns --------------------------------------------------------------------------------------------------


def test_columns_panel_reorders_labels_and_fixes(session):
    panel = ColumnsPanel(session)
    assert "wb-panel-columns" in _classes(panel)
    assert [v for _, v in panel.inputs.options] == ["sentence1", "sentence2"]
    assert "sentence_A" in panel.inputs.options[0][0] and panel.label.value == "score"
    assert (
        "sentence1 → sentence_A" in panel.trainer_view.value and "label (float64)" in panel.trainer_view.value
    )
    assert "Not used (dropped): id" in panel.dropped.value
    assert "words × 1.3" in panel.lengths.value
    # auto recommends CosineSimilarityLoss with a rescale fix: one click applies it.
    assert panel.fix_buttons[0].layout.display == "" and "rescale" in panel.fix_buttons[0].description
    panel.fix_buttons[0].click()
    assert session.entry("train/sts").spec.label_range == (0.0, 5.0) and panel.rescale.value
    assert "rescaled from 0–5" in panel.trainer_view.value
    panel.inputs.value = "sentence2"
    panel.up.click()
    assert session.entry("train/sts").spec.columns == ("sentence2", "sentence1")
    panel.down.click()
    assert session.entry("train/sts").spec.columns == ("sentence1", "sentence2")
    panel.label.value = ""
    assert session.entry("train/sts").spec.label == "" and session.entry("train/sts").spec.label_range is None
    # An id column mapped as an input is refused with a one-click fix to drop it.
    session.set_loss(LossChoice("MultipleNegativesRankingLoss"))
    panel.add_pick.value = "id"
    panel.add_btn.click()
    assert session.entry("train/sts").spec.columns == ("sentence1", "sentence2", "id")
    assert any("drop" in b.description and b.layout.display == "" for b in panel.fix_buttons)
    panel.fix_buttons[[i for i, f in enumerate(panel._fixes) if f.kind == "drop_inputs"][0]].click()
    assert session.entry("train/sts").spec.columns == ("sentence1", "sentence2")
    panel.rescale.value = True
    panel.low.value, panel.high.value = 5.0, 5.0
    assert "low < high" in session.errors["columns"]


def test_columns_panel_warns_of_empty_cells_and_drops_their_rows_on_request(tmp_path):
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    rows = {
        "question": ["how do I reset it", "", "where is the manual", "what does it cost"],
        "answer": ["hold the button", "press reset", None, "ten euros"],
    }
    session.add_dataset("train", "faq", dict_spec(rows))
    session.selected = "train/faq"
    panel = ColumnsPanel(session)
    assert not panel.drop_empty.value and "wb-drop-empty" in panel.drop_empty._dom_classes
    assert "'question' in 1 row, 'answer' in 1 row" in panel.empty_note.value
    assert "Training would stop on them" in panel.empty_note.value
    assert (
        "is missing or empty" in panel.trainer_view.value
        and "Drop rows with an empty input" in panel.trainer_view.value
    )
    panel.drop_empty.value = True
    assert session.entry("train/faq").spec.drop_empty is True
    assert "left out of training" in panel.empty_note.value
    assert (
        "how do I reset it" in panel.trainer_view.value
        and "where is the manual" not in panel.trainer_view.value
    )
    assert session.to_spec().train["faq"].drop_empty


def test_columns_panel_says_when_a_dataset_failed_to_load_and_holdouts_go_with_their_train_set(
    session, tmp_path
):
    panel = ColumnsPanel(session)
    session.add_dataset("train", "gone", DatasetSpec(source="csv", path=str(tmp_path / "missing.csv")))
    session.selected = "train/gone"
    assert "could not be loaded" in panel.trainer_view.value and "Loading" not in panel.trainer_view.value
    session.add_dataset("eval", "part", DatasetSpec(source="holdout", of="sts", fraction=0.25))
    session.evaluators = (
        *session.evaluators,
        EvaluatorChoice("EmbeddingSimilarityEvaluator", dataset="eval/part"),
    )
    session.remove_dataset("train/sts")
    assert session.entry("eval/part") is None and session.entry("eval/dev") is not None
    assert all(ev.dataset != "eval/part" for ev in session.evaluators)


def test_columns_panel_shows_loss_roles_and_follows_the_selected_dataset(session):
    session.add_dataset("train", "tri", dict_spec(triplets(12)))
    panel = ColumnsPanel(session)
    session.selected = "train/tri"
    assert panel.which.value == "train/tri"
    assert [lab.split("→ ")[1] for lab, _ in panel.inputs.options] == ["anchor", "positive", "negative"]
    panel.which.value = "eval/dev"
    assert session.selected == "eval/dev" and "input 1" in panel.inputs.options[0][0]


# ---- loss -----------------------------------------------------------------------------------------------------


def test_loss_panel_offers_only_fitting_losses_and_explains_the_rest(session):
    panel = LossPanel(session)
    assert "wb-panel-loss" in _classes(panel) and "wb-loss-table" in _classes(panel.table)
    values = [v for _, v in panel.choose.options]
    assert values[0] == "auto" and "recommended: CosineSimilarityLoss" in panel.choose.options[0][0]
    assert "CoSENTLoss" in values and "TripletLoss" not in values and "SoftmaxLoss" not in values
    assert "class='wb-table wb-loss-table'" in panel.table.value
    assert "data-loss='TripletLoss'" in panel.table.value and "needs 3 text columns" in panel.table.value
    panel.choose.value = "CoSENTLoss"
    assert session.loss == LossChoice("CoSENTLoss")
    assert [p.name for p in panel.param_form.params] == ["scale", "similarity_fct"]
    panel.param_form.inputs["scale"].value = "oops"
    assert "needs a number" in panel.param_form.msgs["scale"].value and session.loss.params == {}
    panel.param_form.inputs["scale"].value = "10"
    assert session.loss == LossChoice("CoSENTLoss", {"scale": 10.0})
    panel.modifier.value = "MatryoshkaLoss"
    assert session.loss.modifier == {"name": "MatryoshkaLoss", "params": {}}
    panel.modifier_form.inputs["matryoshka_dims"].value = "64, 32"
    assert session.loss.modifier["params"] == {"matryoshka_dims": [64, 32]}
    # The mapping changes: CoSENT no longer fits; it stays visible, marked, with the reason.
    session.set_mapping("train/sts", label="")
    assert ("CoSENTLoss (does not fit)", "CoSENTLoss") in panel.choose.options
    assert (
        "does not fit train dataset" in panel.about.value and "no label column is mapped" in panel.about.value
    )
    assert "CosineSimilarityLoss" not in [v for _, v in panel.choose.options]


def test_loss_panel_per_dataset_and_sparse_wrapper(session):
    session.add_dataset("train", "pairs", dict_spec(positive_pairs(12)))
    panel = LossPanel(session)
    assert panel.target.layout.display == ""
    panel.target.value = "pairs"
    assert "MultipleNegativesRankingLoss" in [v for _, v in panel.choose.options]
    panel.choose.value = "MultipleNegativesRankingLoss"
    assert (
        session.loss_for("pairs").name == "MultipleNegativesRankingLoss"
        and session.loss_for("sts").name == "auto"
    )
    # The "all" view of different per-dataset losses shows that, and never collapses them into one.
    panel.target.value = ""
    assert panel.choose.value == "__mixed__" and panel.extras.layout.display == "none"
    assert (
        "'pairs': <b>MultipleNegativesRankingLoss</b>" in panel.about.value
        and "does not fit" not in panel.about.value
    )
    panel.modifier.value = "MatryoshkaLoss"
    assert (
        session.loss_for("pairs").name == "MultipleNegativesRankingLoss"
        and session.loss_for("sts").name == "auto"
    )
    assert session.loss_for("pairs").modifier is None
    panel.choose.value = "auto"  # chosen here on purpose: one loss for all
    assert session.loss == LossChoice() and panel.choose.value == "auto"
    panel.target.value = "pairs"
    panel.choose.value = "MultipleNegativesRankingLoss"
    session.set_model_type("sparse-encoder")
    panel.target.value = "pairs"
    assert panel.sparse_extras.layout.display == "" and panel.extras.layout.display == "none"
    panel.wrapper_form.inputs["document_regularizer_weight"].value = "1e-4"
    assert session.loss_for("pairs").wrapper == {
        "name": "SpladeLoss",
        "params": {"document_regularizer_weight": 1e-4},
    }


# ---- training arguments ---------------------------------------------------------------------------------------


def test_args_panel_generated_validated_and_bound(session):
    panel = ArgsPanel(session)
    assert "wb-panel-args" in _classes(panel) and not panel.inputs  # built on first use
    panel.ensure_form()
    from workbench import catalog as C

    assert set(panel.inputs) == set(C.CURATED_ARG_NAMES) & set(C.arg_fields(session.model_type))
    lr = panel.inputs["learning_rate"]
    assert lr.placeholder == "recommended: 5e-05" and "learning rate" in lr.tooltip
    lr.value = "fast"
    assert "needs a number" in panel.msgs["learning_rate"].value and "learning_rate" not in session.args
    lr.value = "3e-5"
    assert session.args["learning_rate"] == 3e-5
    lr.value = ""
    assert "learning_rate" not in session.args
    panel.inputs["per_device_train_batch_size"].value = "-4"
    assert "negative" in panel.msgs["per_device_train_batch_size"].value
    panel.inputs["lr_scheduler_type"].value = "cosine"
    assert session.args["lr_scheduler_type"] == "cosine"
    fp16 = panel.inputs["fp16"]
    assert fp16.options[0][0].startswith("off (needs a GPU)")
    fp16.value = True  # refused as you choose it, and put back
    assert "fp16 cannot train on CPU: choose off" in panel.msgs["fp16"].value
    assert fp16.value == "__default__" and "fp16" not in session.args
    session.args = {"fp16": True}  # a loaded config that turns it on: shown, and switchable off
    assert fp16.value is True and not fp16.disabled and "cannot train here" in fp16.label
    fp16.value = "__default__"
    assert "fp16" not in session.args
    panel.adv_name.value = "bf16"
    panel.adv_value.value = "true"
    panel.adv_set.click()
    assert "in the form above" in panel.adv_msg.value and "bf16" not in session.args
    for name, typed, why in (
        ("learning_rate", "inf", "finite"),
        ("logging_steps", "0", "more than 0"),
        ("report_to", "wandb", "not installed"),
    ):
        panel.inputs[name].value = typed
        assert why in html.unescape(panel.msgs[name].value) and name not in session.args, name
        panel.inputs[name].value = ""
    assert "prompts" not in panel.inputs and "prompts" not in panel.adv_name.options  # the prompt editor's
    panel.adv_name.value, panel.adv_value.value = "prompts", "query: "
    panel.adv_set.click()
    assert "Prompts editor" in panel.adv_msg.value and "prompts" not in session.args
    session.args = {"max_steps": 7, "seed": 1}
    assert panel.inputs["max_steps"].value == "7" and panel.inputs["lr_scheduler_type"].value == "__default__"
    panel.adv_name.value = "dataloader_num_wrkers"
    panel.adv_value.value = "2"
    panel.adv_set.click()
    assert "Did you mean 'dataloader_num_workers'" in html.unescape(panel.adv_msg.value)
    panel.adv_name.value = "dataloader_num_workers"
    panel.adv_set.click()
    assert session.args["dataloader_num_workers"] == 2 and "dataloader_num_workers" in panel.adv_list.value
    panel.adv_remove_pick.value = "dataloader_num_workers"
    panel.adv_remove.click()
    assert "dataloader_num_workers" not in session.args


# ---- evaluators -----------------------------------------------------------------------------------------------


def test_evaluators_panel_names_beir_file_evaluators_as_the_run_does(session):
    from workbench.engine.plan import _plan_evaluators

    beir = EvaluatorChoice(
        "InformationRetrievalEvaluator",
        queries="/data/scifact/queries.jsonl",
        corpus="/data/scifact/corpus.jsonl",
        qrels="/data/scifact/qrels.tsv",
    )
    session.evaluators = (*session.evaluators, beir)
    panel = EvaluatorsPanel(session)
    run_names = [
        f"eval_{ev.name}_{ev.spec.primary}"
        for ev in _plan_evaluators(session.to_spec(), {}, session.model_type, [])
        if ev.split == "eval"
    ]
    offered = [v for _, v in panel.best.options][1:]
    assert offered == run_names and "eval_scifact_cosine_ndcg@10" in offered
    assert "InformationRetrievalEvaluator</b> on BEIR files" in panel.from_files.value
    assert "/data/scifact/qrels.tsv" in panel.from_files.value


def test_evaluators_panel_ticks_fitting_evaluators_and_offers_real_metric_names(session):
    panel = EvaluatorsPanel(session)
    assert "wb-panel-evaluators" in _classes(panel)
    sim = panel.boxes[("EmbeddingSimilarityEvaluator", "eval/dev")]
    tri = panel.boxes[("TripletEvaluator", "eval/dev")]
    assert (
        sim.value
        and not sim.disabled
        and tri.disabled
        and "Needs 3 text columns" in panel.reasons[("TripletEvaluator", "eval/dev")].value
    )
    assert [v for _, v in panel.best.options] == ["__default__", "eval_dev_spearman_cosine"]
    panel.best.value = "eval_dev_spearman_cosine"
    panel.keep_best.value = True
    assert session.args == {
        "metric_for_best_model": "eval_dev_spearman_cosine",
        "load_best_model_at_end": True,
    }
    sim.value = False
    assert session.evaluators == ()
    session.add_dataset("test", "tri", dict_spec(triplets(8)))
    box = panel.boxes[("TripletEvaluator", "test/tri")]
    assert not box.disabled
    box.value = True
    assert session.evaluators == (EvaluatorChoice("TripletEvaluator", dataset="test/tri"),)
    session.evaluators = (EvaluatorChoice("EmbeddingSimilarityEvaluator", dataset="eval/dev"),)
    assert panel.boxes[("EmbeddingSimilarityEvaluator", "eval/dev")].value and not box.value


# ---- train ----------------------------------------------------------------------------------------------------


def test_train_panel_dashboard_callback_from_a_worker_thread(session):
    panel = TrainPanel(session, plot_interval=0.0)
    for name in ("wb-start", "wb-stop", "wb-status", "wb-progress", "wb-export"):
        assert any(
            name in _classes(w) for w in (panel.start, panel.stop, panel.status, panel.progress, panel.export)
        )
    assert "wb-plot" in _classes(panel.plot.widget) and "idle" in panel.status.value
    config = session.to_config()
    events = [
        {"type": "status", "status": "loading"},
        {
            "type": "baseline",
            "metrics": {"dev_spearman_cosine": 0.5},
            "primary": {"dev": "dev_spearman_cosine"},
        },
        {"type": "status", "status": "training"},
        {"type": "progress", "step": 5, "max_steps": 10, "elapsed_s": 5.0, "eta_s": 5.0},
        {"type": "log", "step": 5, "loss": 0.4},
        {"type": "eval", "step": 10, "metrics": {"eval_dev_spearman_cosine": 0.7, "eval_loss": 0.2}},
        {"type": "saved", "path": "/tmp/x/final"},
        {"type": "final", "metrics": {"dev_spearman_cosine": 0.7}},
    ]
    mid = {}

    def work():
        for e in events:
            session._on_event(e)
            if e["type"] == "progress":
                mid.update(
                    stop=panel.stop.disabled,
                    start=panel.start.disabled,
                    value=panel.progress.value,
                    eta="about 5 s left" in panel.progress_text.value,
                )
        session._on_event({"type": "status", "status": "finished"})

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)
    assert mid == {"stop": False, "start": True, "value": 0.5, "eta": True}
    assert "finished" in panel.status.value and "/tmp/x/final" in panel.status.value
    assert panel.progress.value == 1.0 and panel.progress.bar_style == "success"
    assert "5 of 10 steps in 5 s" in panel.progress_text.value
    assert panel.plot.widget.value[:8] == b"\x89PNG\r\n\x1a\n" and panel.plot.draws >= 2
    assert (
        "0.5000" in panel.results.value
        and "0.7000" in panel.results.value
        and "▲ +0.2000" in panel.results.value
    )
    assert panel.after.layout.display == "" and "training loss 0.4" in panel.log_view.value
    assert session.to_config() == config and not panel.start.disabled and panel.stop.disabled


def test_train_panel_says_a_resumed_runs_steps_and_time_from_its_folder(session, tmp_path):
    from workbench.engine import ProgressEvent, RunFolder, RunStatus, StatusEvent

    run = tmp_path / "resumed"
    for attempt, steps in enumerate([[(1, 40, 0.5), (23, 40, 80.2)], [(24, 40, 0.1), (40, 40, 1.2)]]):
        folder = RunFolder(run, resume=attempt > 0)
        for step, total, elapsed in steps:
            folder.handle(ProgressEvent(step=step, max_steps=total, elapsed_s=elapsed))
        folder.handle(StatusEvent(RunStatus.STOPPED if attempt == 0 else RunStatus.FINISHED))
        folder.close()
    panel = TrainPanel(session)
    session.run_dir = str(run)
    # While it runs, the live line says whose time it counts (the progress events' time is this part's).
    session._on_event({"type": "progress", "step": 30, "max_steps": 40, "elapsed_s": 0.5, "first_step": 23})
    text = html.unescape(panel.progress_text.value)
    assert "Step 30 of 40 · 0 s since it resumed at step 23" in text, text
    # The page saw only the resumed part's events: its last progress says 40 steps in 1.2 s.
    session._on_event({"type": "progress", "step": 40, "max_steps": 40, "elapsed_s": 1.2, "first_step": 23})
    session._on_event({"type": "status", "status": "finished"})
    text = html.unescape(panel.progress_text.value)
    assert "40 of 40 steps in 1 min 21 s of training (resumed at step 23; this part took 1 s)" in text, text


def test_train_panel_runs_stops_and_exports_with_a_tiny_model(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = make_session(tmp_path, model=tiny_model)
    session.args = {"max_steps": 5000, "per_device_train_batch_size": 4, "logging_steps": 1, "eval_steps": 3}
    config_panel = LossPanel(session)
    panel = TrainPanel(session, plot_interval=0.2)
    panel.start.click()
    assert session.running and config_panel.choose.disabled and not panel.stop.disabled
    wait_for(lambda: session.progress.get("step", 0) >= 3, 180, what="training to make progress")
    assert panel.progress.value > 0 and "Step" in panel.progress_text.value
    panel.stop.click()
    wait_for(lambda: session.status in ("stopped", "finished", "error"), 120, what="the run to stop")
    # The status trait is set first; the panel's line follows in the same (run) thread, a moment later.
    wait_for(lambda: "data-status='stopped'" in panel.status.value, 30, what="the status line")
    assert session.status == "stopped"
    assert Path(session.saved_path, "modules.json").is_file() and not config_panel.choose.disabled
    wait_for(lambda: panel.after.layout.display == "", 10, what="the results")
    panel.copy_dest.value = str(tmp_path / "copy")
    panel.copy_btn.click()
    wait_for(
        lambda: "Copied" in panel.copy_msg.value or "Could not" in panel.copy_msg.value, 60, what="the copy"
    )
    assert (tmp_path / "copy" / "modules.json").is_file()
    panel.repo.value = "someone/model"
    panel.token.value = "hf_not_a_real_token"
    panel.push_btn.click()
    assert panel.token.value == ""
    wait_for(
        lambda: "Could not push" in panel.push_msg.value or "Pushed" in panel.push_msg.value,
        120,
        what="the push to fail offline",
    )
    assert "Could not push to the Hugging Face Hub" in panel.push_msg.value
    session.args = {"max_steps": 2, "per_device_train_batch_size": 4}
    panel.export.click()
    wait_for(lambda: panel.script.value or session.errors.get("train"), 120, what="the export")
    assert (
        "SentenceTransformerTrainer" in panel.script.value
        and "download='train_script.py'" in panel.export_msg.value
    )
    assert Path(session.output_dir, "train_script.py").read_text() == panel.script.value
    # The Hub token was used for that push only: not in any file of the home, the run, the script, nor the message.
    assert "hf_not_a_real_token" not in panel.push_msg.value
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and b"hf_not_a_real_token" in p.read_bytes()]
    assert not leaked, leaked


def test_train_panel_output_folder_binds_both_ways(session, tmp_path):
    panel = TrainPanel(session)
    session.auto_output = True
    assert panel.auto_output.value
    panel.output.value = f"  {tmp_path / 'mine'}  "
    assert session.output_dir == str(tmp_path / "mine") and not session.auto_output
    assert panel.output.value == str(tmp_path / "mine") and not panel.auto_output.value
    panel.auto_output.value = True
    assert session.auto_output
    session.output_dir = str(tmp_path / "other")
    assert panel.output.value == str(tmp_path / "other")


def test_train_panel_copy_and_push_say_why_not_before_a_model_is_saved(session, tmp_path):
    panel = TrainPanel(session)
    panel.copy_dest.value = str(tmp_path / "copy")
    panel.copy_btn.click()
    assert "There is no saved model yet: train first." in panel.copy_msg.value
    panel.repo.value, panel.token.value = "someone/model", "hf_not_a_real_token"
    panel.push_btn.click()
    assert "There is no saved model yet" in panel.push_msg.value and panel.token.value == ""
    session.saved_path = str(tmp_path)
    panel.repo.value = "no-owner"
    panel.push_btn.click()
    assert "your-name/model-name" in panel.push_msg.value
    assert not (tmp_path / "copy").exists()


def test_train_panel_start_errors_stay_in_the_page(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    session = Session(background=False, output_dir=str(tmp_path / "run"), auto_output=False)
    panel = TrainPanel(session)
    panel.start.click()
    assert session.status == "idle" and "no train dataset" in session.errors["dataset"]
    session.add_dataset(
        "train",
        "sts",
        DatasetSpec(source="dict", data={"a": ["x", "y"], "b": ["p", "q"], "score": [0.5, 0.2]}),
    )
    session.set_loss(LossChoice("TripletLoss"))
    panel.start.click()
    assert "TripletLoss does not fit" in session.errors["loss"] and "idle" in panel.status.value


# ---- the app ----------------------------------------------------------------------------------------------------


def test_workbench_composes_panels_and_saves_restores_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    first = Workbench(load=False)
    assert isinstance(first, widgets.VBox) and "wb-app" in _classes(first)
    assert first.restore_btn.disabled  # nothing to restore on a fresh home
    assert "Compare runs" in first.tabs.titles  # after the numbered steps
    assert [t.split(" · ")[1] for t in first.tabs.titles[:6]] == [
        "Model",
        "Data",
        "Columns",
        "Loss",
        "Training settings",
        "Evaluators",
    ]
    first.session.model_name = "/my/model"
    first.session.args = {"max_steps": 9}
    first.config_path.value = str(tmp_path / "cfg.json")
    first.save_btn.click()
    assert json.loads((tmp_path / "cfg.json").read_text())["args"] == {"max_steps": 9}
    assert "download=" in first.toolbar_msg.value
    first.session.report("broken", "loss")
    assert first.tabs.titles[3].endswith("⚠")
    again = Workbench(
        load=False
    )  # a second tab / kernel that changes nothing must not replace what was saved
    assert again.session.model_name == "default"
    first.config_path.value = str(tmp_path)  # a folder, not a file
    first.save_btn.click()
    assert "is a folder" in first.toolbar_msg.value and "settings.json" in first.toolbar_msg.value
    broken = tmp_path / "broken.json"
    broken.write_text('{"model": 5}')
    first.config_path.value = str(broken)
    first.load_btn.click()
    assert "'model' must be a mapping" in html.unescape(first.toolbar_msg.value)
    assert "Something went wrong" not in first.toolbar_msg.value
    assert "wb-restore-hint" not in first.toolbar_msg.value  # the last session held the demo's data only
    first.session.add_dataset("train", "faq", DatasetSpec(source="dict", data=positive_pairs(12)))
    first.session.add_dataset("eval", "mine", DatasetSpec(source="csv", path=str(tmp_path / "mine.csv")))
    second = Workbench(load=False)  # a restarted kernel: the demo, with the last session offered
    assert second.session.model_name == "default" and not second.restore_btn.disabled
    # a reload seemed to throw the upload away: the page says where it is
    assert (
        "Your last session's data (in-memory data, mine.csv) and settings are kept: Restore last session"
        in (html.unescape(second.toolbar_msg.value))
    )
    second.restore_btn.click()
    assert second.session.model_name == "/my/model" and second.session.args == {"max_steps": 9}
    second.session.model_name = "default"
    second.config_path.value = str(tmp_path / "cfg.json")
    second.load_btn.click()  # the saved file
    assert second.session.model_name == "/my/model"
    second.config_path.value = str(tmp_path / "nope.json")
    second.load_btn.click()
    assert "does not exist" in second.toolbar_msg.value
    second.reset_btn.click()  # asks first
    assert second.session.model_name == "/my/model" and second.reset_ask.layout.display == ""
    second.reset_yes.click()
    assert second.session.model_name == "default" and "demo" in second.session.to_spec().train
    # `workbench app --config FILE` starts the app from that file (serve() passes it as WORKBENCH_CONFIG).
    monkeypatch.setenv("WORKBENCH_CONFIG", str(tmp_path / "cfg.json"))
    third = Workbench(load=False, autosave=False)
    assert third.session.model_name == "/my/model" and third.session.args == {"max_steps": 9}
    monkeypatch.setenv("WORKBENCH_CONFIG", str(tmp_path / "missing.json"))
    fourth = Workbench(load=False, autosave=False)
    assert fourth.session.model_name == "default" and "could not be used" in fourth.session.errors["train"]


def test_columns_panel_counts_long_texts_with_the_real_tokenizer(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = make_session(tmp_path, model=tiny_model, max_seq_length=6)
    panel = ColumnsPanel(session)
    assert "estimated as words × 1.3" in panel.lengths.value and "longer than 6 tokens" in panel.lengths.value
    panel.exact_btn.click()
    wait_for(lambda: "counted with the model's tokenizer" in panel.lengths.value, 120, what="the tokenizer")
    assert "sentence1: " in panel.lengths.value


def test_a_run_ended_by_early_stopping_says_so_in_its_status_line(session, tmp_path):
    # the walk: "finished — done" beside "35 of 40 steps" read as a run cut short for no reason
    panel = TrainPanel(session)
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    note = (
        "early stopping: stopped at step 35 of 40: eval_dev_spearman_cosine did not improve for 2 evaluations "
        "(best 0.9294)"
    )
    (run / "summary.json").write_text(json.dumps({"notes": ["loss 'auto' for 'demo': CoSENTLoss", note]}))
    session.run_dir, session.saved_path = str(run), str(run / "final")
    session.status = "finished"
    shown = html.unescape(panel.status.value)
    assert (
        "done. Early stopping ended it at step 35 of 40: eval_dev_spearman_cosine did not improve for 2 evaluations (best 0.9294)."
        f" The model is in {run / 'final'}." in shown
    ), shown
    (run / "summary.json").write_text(json.dumps({"notes": []}))  # a run that trained to its end
    session.status = "stopped"
    session.status = "finished"
    assert f"done. The model is in {run / 'final'}." in html.unescape(panel.status.value)


def test_the_status_line_follows_the_status_at_each_step_but_keeps_a_stops_stopping(session):
    # two browser tests saw a page that attached to a run keep "loading" beside the run's steps
    panel = TrainPanel(session)
    session.status = "training"
    panel.status.value = panel._status_html("loading", "loading the model and the data…")  # a stale line
    session.progress = {"step": 3, "max_steps": 10, "elapsed_s": 1.0}
    assert "data-status='training'" in panel.status.value
    panel.status.value = panel._status_html("stopping", "stopping…")  # Stop pressed: the run ends soon
    session.progress = {"step": 4, "max_steps": 10, "elapsed_s": 1.5}
    assert "data-status='stopping'" in panel.status.value
