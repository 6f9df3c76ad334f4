"""Session: config <-> RunSpec, data loading and mapping, derived verdicts, error routing, the run bridge."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from panel_fixtures import dict_spec, make_session, pairs_session, wait_for
from wb_data import positive_pairs

from workbench.errors import WorkbenchError
from workbench.session import Session, data_key, panel_for
from workbench.spec import LossChoice, RunSpec

CONFIG_TRAITS = (
    "model_type",
    "model_name",
    "max_seq_length",
    "datasets",
    "loss",
    "evaluators",
    "args",
    "output_dir",
)


def test_default_session_is_the_demo_and_round_trips(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    session = Session.default()
    spec = session.to_spec()
    assert spec.model.type == "sentence-transformer" and spec.model.name_or_path == "default"
    assert set(spec.train) == {"demo"} and set(spec.eval) == {"dev"}
    demo = spec.train["demo"]
    assert demo.source == "csv" and demo.path.endswith("pairs_scored_train.csv")
    assert demo.columns == ("sentence1", "sentence2") and demo.label == "score" and demo.label_range == (0, 5)
    assert [(e.name, e.dataset) for e in spec.evaluators] == [("EmbeddingSimilarityEvaluator", "eval/dev")]
    assert spec.loss == LossChoice() and Path(spec.output_dir).parent == tmp_path / "runs"
    again = Session.from_spec(spec).to_spec()
    assert again == spec
    assert RunSpec.from_dict(json.loads(spec.to_json())) == spec


def test_config_traits_become_the_spec(tmp_path):
    session = make_session(tmp_path)
    session.max_seq_length = 64
    session.from_scratch, session.pooling = True, "cls"
    session.model_card = {"language": "en"}
    session.args = {"learning_rate": 3e-5}
    session.set_loss(LossChoice("CoSENTLoss", {"scale": 10.0}))
    spec = session.to_spec()
    assert spec.model.max_seq_length == 64 and spec.model.from_scratch == {"pooling": "cls"}
    assert spec.model.model_card == {"language": "en"} and spec.args == {"learning_rate": 3e-5}
    assert spec.loss == LossChoice("CoSENTLoss", {"scale": 10.0})
    assert spec.train["sts"].source == "dict"


def test_autosave_writes_every_change(tmp_path):
    path = tmp_path / "autosave.json"
    session = Session(autosave=path, background=False, output_dir=str(tmp_path / "o"))
    session.model_name = "/some/model"
    saved = json.loads(path.read_text())
    assert saved["model"]["name_or_path"] == "/some/model"
    session.args = {"max_steps": 3}
    assert json.loads(path.read_text())["args"] == {"max_steps": 3}


def test_loading_caches_rows_and_profiles_by_source(tmp_path):
    session = make_session(tmp_path)
    assert session.dataset("train/sts").num_rows == 16
    assert session.profile("train/sts").guessed_label == "score"
    assert session.data_version >= 2 and not session.loading and not session.data_errors
    # The mapping is not part of the cache key: remapping does not reload.
    before = dict(session.raw)
    session.set_mapping("train/sts", columns=("sentence2", "sentence1"))
    assert session.raw == before and data_key(session.entry("train/sts").spec) in session.raw


def test_mapping_guesses_like_the_engine_and_explicit_values_win(tmp_path):
    session = make_session(tmp_path)
    assert session.mapping("train/sts") == (("sentence1", "sentence2"), "score", None, True)
    session.set_mapping("train/sts", label="")
    assert session.mapping("train/sts")[1] is None
    session.set_mapping("train/sts", label="score", label_range=(0.0, 5.0))
    assert session.mapping("train/sts") == (("sentence1", "sentence2"), "score", (0.0, 5.0), False)
    assert session.shape("train/sts").label_range == (0.0, 5.0)


def test_verdicts_and_auto_are_computed_from_compat(tmp_path):
    session = make_session(tmp_path)
    by_name = {v.name: v for v in session.verdicts("sts")}
    assert (
        not by_name["CosineSimilarityLoss"].compatible and "0 and 1" in by_name["CosineSimilarityLoss"].reason
    )
    assert by_name["CoSENTLoss"].compatible
    # A guessed label binds like a chosen one: MNRL does not fit, and the reason says the label was guessed.
    assert not by_name["MultipleNegativesRankingLoss"].compatible
    assert "guessed it from the data" in by_name["MultipleNegativesRankingLoss"].reason
    loss, fix = session.recommended("sts")
    assert loss.name == "CosineSimilarityLoss" and fix.kind == "rescale"
    session.set_mapping("train/sts", label="")  # "no label", said: now MNRL fits
    assert {v.name: v for v in session.verdicts("sts")}["MultipleNegativesRankingLoss"].compatible


def test_check_blocks_an_incompatible_loss_with_its_reason(tmp_path):
    session = make_session(tmp_path)
    session.set_mapping("train/sts", label="score", label_range=(0.0, 5.0))
    session.set_loss(LossChoice("TripletLoss"))
    with pytest.raises(WorkbenchError) as err:
        session.check()
    assert err.value.where == "loss" and "TripletLoss does not fit" in err.value.message
    with pytest.raises(WorkbenchError) as err:
        session.start()
    assert session.status == "idle" and session.runner is None


def test_set_model_type_resets_loss_and_suggests_evaluators(tmp_path):
    session = make_session(tmp_path)
    session.set_loss(LossChoice("CoSENTLoss"))
    session.set_model_type("cross-encoder")
    assert session.loss == LossChoice()
    assert [e.name for e in session.evaluators] == ["CrossEncoderCorrelationEvaluator"]


def test_per_dataset_losses_and_removal(tmp_path):
    session = make_session(tmp_path)
    session.add_dataset("train", "pairs", dict_spec(positive_pairs(12)))
    session.set_loss(LossChoice("MultipleNegativesRankingLoss"), dataset="pairs")
    assert isinstance(session.loss, dict) and session.loss_for("pairs").name == "MultipleNegativesRankingLoss"
    assert session.loss_for("sts").name == "auto"
    assert set(session.to_spec().loss) == {"sts", "pairs"}
    session.remove_dataset("train/pairs")
    assert set(session.loss) == {"sts"} and session.entry("train/pairs") is None
    session.remove_dataset("eval/dev")
    assert session.evaluators == ()


def test_holdout_eval_set_uses_the_train_mapping(tmp_path):
    session = make_session(tmp_path, eval_set=False)
    session.set_mapping("train/sts", label="score", label_range=(0.0, 5.0))
    from workbench.spec import DatasetSpec

    session.add_dataset("eval", "held", DatasetSpec(source="holdout", of="sts", fraction=0.25))
    assert session.dataset("eval/held").num_rows == 4
    assert session.mapping("eval/held")[:3] == (("sentence1", "sentence2"), "score", (0.0, 5.0))
    assert [e.name for e in session.suggested_evaluators()] == ["EmbeddingSimilarityEvaluator"]
    # A newly added eval set gets its most useful fitting evaluator ticked once it has loaded.
    assert [(e.name, e.dataset) for e in session.evaluators] == [
        ("EmbeddingSimilarityEvaluator", "eval/held")
    ]


def test_load_errors_and_bad_uploads_are_plain_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    session = pairs_session(tmp_path)
    from workbench.spec import DatasetSpec

    session.add_dataset("train", "missing", DatasetSpec(source="csv", path=str(tmp_path / "nope.csv")))
    text = session.data_errors[data_key(session.entry("train/missing").spec)]
    assert "does not exist" in text and "Traceback" not in text
    session.add_upload("train", "notes.docx", b"hello")
    assert "unknown file type" in session.errors["dataset"]
    session.add_upload("train", "broken.csv", b"a,b\n")
    assert "no rows" in session.errors["dataset"]
    session.add_upload("train", "good.csv", b"question,answer\nwhat is up,the sky\nhow are you,fine thanks\n")
    assert "dataset" not in session.errors
    assert session.entry("train/good").spec.path.startswith(str(tmp_path / "uploads"))
    assert session.dataset("train/good").num_rows == 2 and session.selected == "train/good"


def test_errors_are_routed_to_the_panel_they_belong_to(tmp_path):
    assert panel_for("loss") == "loss" and panel_for("args.learning_rate") == "args"
    assert panel_for("datasets.train.x") == "dataset" and panel_for("datasets.train.x.columns") == "columns"
    assert panel_for("model.name_or_path") == "model" and panel_for("evaluators[0].dataset") == "evaluators"
    assert panel_for(None) == "train" and panel_for("output_dir") == "train"
    session = make_session(tmp_path)
    assert session.report(WorkbenchError("bad rate", fix="use 2e-5", where="args.learning_rate")) == "args"
    assert session.errors["args"] == "Bad rate Fix: Use 2e-5"  # shown as sentences
    session.report(KeyError("x\ny"), "columns")
    assert (
        session.errors["columns"].startswith("Something went wrong (KeyError")
        and "\n" not in session.errors["columns"]
    )
    session.clear_error("args")
    assert "args" not in session.errors


def test_worker_events_replace_run_traits_and_never_touch_config(tmp_path):
    session = make_session(tmp_path)
    config = {name: getattr(session, name) for name in CONFIG_TRAITS}
    seen = []
    session.observe(lambda c: seen.append(c["old"]), "history")
    events = [
        {"type": "status", "status": "training"},
        {"type": "log", "step": 1, "loss": 0.5},
        {"type": "progress", "step": 1, "max_steps": 4, "eta_s": 3.0},
        {"type": "eval", "step": 2, "metrics": {"eval_dev_spearman_cosine": 0.7}},
        {
            "type": "baseline",
            "metrics": {"dev_spearman_cosine": 0.6},
            "primary": {"dev": "dev_spearman_cosine"},
        },
        {"type": "saved", "path": "/x/final"},
        {"type": "note", "text": "hello"},
    ]
    worker = threading.Thread(target=lambda: [session._on_event(e) for e in events])
    worker.start()
    worker.join(10)
    assert session.status == "training" and session.progress["step"] == 1
    assert [e["type"] for e in session.history] == ["log", "eval"]
    assert seen[0] == () and seen[1] == (events[1],)  # the old tuples were replaced, not mutated
    assert session.baseline == {"dev_spearman_cosine": 0.6} and session.primary == {
        "dev": "dev_spearman_cosine"
    }
    assert session.saved_path == "/x/final" and any("hello" in line for line in session.log)
    assert {name: getattr(session, name) for name in CONFIG_TRAITS} == config


def test_threaded_run_and_stop_with_a_tiny_model(tmp_path, tiny_model):
    session = make_session(tmp_path, model=tiny_model)
    session.args = {"max_steps": 4, "eval_steps": 2, "logging_steps": 1, "per_device_train_batch_size": 4}
    config = {name: getattr(session, name) for name in CONFIG_TRAITS}
    session.start()
    wait_for(lambda: session.status in ("finished", "stopped", "error"), 180, what="the run to end")
    assert session.wait(30)
    assert session.status == "finished", session.error
    assert Path(session.saved_path, "modules.json").is_file()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["config"] == session.to_spec().to_dict()
    assert [e["step"] for e in session.history if e["type"] == "log" and "loss" in e] == [1, 2, 3, 4]
    assert set(session.baseline) == set(session.final) and session.primary
    assert {name: getattr(session, name) for name in CONFIG_TRAITS} == config

    # A second, long run stopped mid-way saves the model trained so far.
    session.output_dir = str(tmp_path / "run2")
    session.args = {
        "max_steps": 5000,
        "logging_steps": 1,
        "per_device_train_batch_size": 4,
        "eval_strategy": "no",
    }
    session.start()
    wait_for(
        lambda: session.status == "training" and session.progress.get("step", 0) >= 2,
        180,
        what="training to make progress",
    )
    session.stop()
    wait_for(lambda: session.status in ("stopped", "finished", "error"), 120, what="the run to stop")
    assert session.status == "stopped", session.error
    assert Path(session.saved_path, "modules.json").is_file()
    assert 2 <= json.loads((tmp_path / "run2" / "summary.json").read_text())["steps"] < 5000


def test_stop_before_training_says_nothing_was_saved_and_a_retry_uses_the_same_folder(tmp_path, tiny_model):
    from workbench.ui.panels.train import TrainPanel

    session = make_session(tmp_path, model=tiny_model)
    panel = TrainPanel(session, plot_interval=0.2)
    session.args = {"max_steps": 2, "logging_steps": 1, "per_device_train_batch_size": 4}
    session.start()
    session.stop()  # while the model and data load
    wait_for(lambda: session.status in ("finished", "stopped", "error"), 120, what="the run to stop")
    assert session.wait(30)
    assert session.status == "stopped" and session.saved_path == ""
    assert "nothing was trained, so no model was saved" in panel.status.value
    assert (
        "Stopped before training began" in session.log[-1]
        and "trained so far was saved" not in session.log[-1]
    )
    session.start()  # the same output folder: it holds no model, so the retry is not refused
    wait_for(lambda: session.status in ("finished", "stopped", "error"), 180, what="the retry to end")
    assert session.wait(30)
    assert session.status == "finished", session.error
    assert Path(session.saved_path, "modules.json").is_file()


def test_run_errors_land_in_their_panel(tmp_path, tiny_model):
    session = make_session(tmp_path, model=tiny_model)
    session.args = {"max_steps": 2, "fp16": True}
    session.start()
    wait_for(lambda: session.status == "error", 120, what="the run to fail")
    assert "fp16" in session.error and "Traceback" not in session.error
    assert "fp16" in session.errors["args"]


def test_workbench_paints_without_heavy_imports(tmp_path):
    code = (
        "import sys; from workbench import Workbench; Workbench(load=False, autosave=False); "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'datasets') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"WORKBENCH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_start_saves_the_run_in_the_folder_where_the_model_goes_showed(tmp_path, monkeypatch):
    # the walk: the box showed runs/…-041042, the model went to runs/…-041224 (a folder named at Start)
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    session = pairs_session(tmp_path)
    session.auto_output = True
    shown = session.output_dir
    launched = []
    monkeypatch.setattr(
        session.control, "_launch", lambda spec, resume=False: launched.append(spec.output_dir)
    )
    session.control.start()
    assert launched == [shown] and Path(shown).is_dir()
    session.status = "finished"
    session.control.start()  # that folder holds a run now: the next Start takes a new one, and shows it
    assert launched[1] != shown and session.output_dir == launched[1]
