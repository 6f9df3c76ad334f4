"""The engine end to end on a tiny model: build a Plan, train, stop, resume, save, refuse what cannot work."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from wb_data import PAIRS, TEXTS, binary_pairs, inline, listwise, positive_pairs, scored_pairs, triplets

from workbench.engine import CallbackListener, Runner, build, make_losses, train
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _spec(cfg: dict) -> RunSpec:
    return RunSpec.from_dict(cfg)


def test_dense_pairs_score_end_to_end(make_config, tmp_path):
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        eval={"dev": inline(scored_pairs(8))},
        loss="CosineSimilarityLoss",
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        args={"eval_strategy": "steps", "eval_steps": 2},
    )
    events = []
    summary = train(cfg, on_event=events.append)
    out = Path(cfg["output_dir"])
    assert summary["status"] == "finished"
    assert (out / "final" / "modules.json").is_file()
    assert (out / "final" / "README.md").is_file()
    assert set(summary["baseline"]) == set(summary["final"]) and "dev_spearman_cosine" in summary["final"]
    assert summary["steps"] == 4 and summary["train_rows"] == 16
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["final"] == summary["final"] and on_disk["config"] == _spec(cfg).to_dict()
    assert RunSpec.from_dict(json.loads((out / "config.json").read_text())) == _spec(cfg)
    rows = _rows(out / "metrics.jsonl")
    kinds = [r["type"] for r in rows]
    assert kinds[0] == "baseline" and kinds[-1] == "final"
    assert [r["step"] for r in rows if r["type"] == "log" and "loss" in r] == [1, 2, 3, 4]
    evals = [r for r in rows if r["type"] == "eval"]
    assert [r["step"] for r in evals] == [2, 4] and "eval_dev_spearman_cosine" in evals[0]["metrics"]
    statuses = [e["status"] for e in events if e["type"] == "status"]
    assert statuses == ["loading", "baseline", "training", "saving", "finished"]
    assert any(e["type"] == "saved" for e in events)
    # The saved model loads and encodes.
    from sentence_transformers import SentenceTransformer

    assert SentenceTransformer(str(out / "final")).encode(["a cat"]).shape == (1, 64)


def test_auto_loss_rescales_scores_and_picks_an_evaluator(make_config):
    data = scored_pairs(16)
    data["score"] = [s * 5 for s in data["score"]]
    plan = build(_spec(make_config({"sts": inline(data)}, eval={"dev": inline(scored_pairs(8))})))
    assert plan.loss_specs["sts"].name == "CosineSimilarityLoss"
    assert max(plan.train["sts"]["label"]) <= 1.0 and plan.train["sts"].column_names[-1] == "label"
    assert [(e.spec.name, e.split) for e in plan.evaluators] == [("EmbeddingSimilarityEvaluator", "eval")]
    assert any("rescale" in n for n in plan.notes)


def test_mnrl_pairs_get_the_no_duplicates_sampler(make_config):
    cfg = make_config({"pairs": inline(positive_pairs(12))}, loss="MultipleNegativesRankingLoss")
    plan = build(_spec(cfg))
    assert plan.args["batch_sampler"] == "no_duplicates"
    assert any("no_duplicates" in n for n in plan.notes)
    summary = Runner(plan).run_blocking()
    assert summary["status"] == "finished" and summary["steps"] == 4


def test_triplets_with_triplet_evaluator(make_config):
    cfg = make_config(
        {"tri": inline(triplets(12))},
        test={"tri": inline(triplets(8))},
        loss="TripletLoss",
        evaluators=[{"name": "TripletEvaluator", "dataset": "test/tri"}],
    )
    summary = train(cfg)
    assert summary["status"] == "finished"
    assert "tri_cosine_accuracy" in summary["baseline"] and "tri_cosine_accuracy" in summary["final"]


def test_sparse_mnrl_is_wrapped_in_splade_loss(make_config):
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))},
        model_type="sparse-encoder",
        loss="SparseMultipleNegativesRankingLoss",
        eval={"dev": inline(positive_pairs(8))},
        evaluators=[{"name": "SparseInformationRetrievalEvaluator", "dataset": "eval/dev"}],
    )
    plan = build(_spec(cfg))
    runner = Runner(plan)
    model = runner._build_model(plan)
    loss = make_losses(plan, model)
    assert (
        type(loss).__name__ == "SpladeLoss"
        and type(loss.loss).__name__ == "SparseMultipleNegativesRankingLoss"
    )
    summary = runner.run_blocking()
    assert summary["status"] == "finished"
    assert "dev_dot_ndcg@10" in summary["final"]


def test_cross_encoder_bce_with_classification_evaluator(make_config):
    cfg = make_config(
        {"pairs": inline(binary_pairs(16))},
        model_type="cross-encoder",
        loss="BinaryCrossEntropyLoss",
        eval={"dev": inline(binary_pairs(8))},
        evaluators=[{"name": "CrossEncoderClassificationEvaluator", "dataset": "eval/dev"}],
    )
    summary = train(cfg)
    assert summary["status"] == "finished"
    assert "dev_average_precision" in summary["final"]
    from sentence_transformers.cross_encoder import CrossEncoder

    assert CrossEncoder(summary["model_path"]).num_labels == 1


def test_cross_encoder_listwise_lambda_loss(make_config):
    cfg = make_config(
        {"lists": inline(listwise(8))},
        model_type="cross-encoder",
        loss="LambdaLoss",
        test={"lists": inline(listwise(4))},
        evaluators=[{"name": "CrossEncoderRerankingEvaluator", "dataset": "test/lists"}],
    )
    summary = train(cfg)
    assert summary["status"] == "finished"
    assert "lists_ndcg@10" in summary["final"]


def test_multi_dataset_training_with_two_losses(make_config):
    cfg = make_config(
        {"sts": inline(scored_pairs(12)), "pairs": inline(positive_pairs(12))},
        loss={"sts": "CoSENTLoss", "pairs": "MultipleNegativesRankingLoss"},
        args={"multi_dataset_batch_sampler": "round_robin", "max_steps": 4},
    )
    plan = build(_spec(cfg))
    assert plan.args["multi_dataset_batch_sampler"] == "round_robin"
    runner = Runner(plan)
    losses = make_losses(plan, runner._build_model(plan))
    assert {k: type(v).__name__ for k, v in losses.items()} == {
        "sts": "CoSENTLoss",
        "pairs": "MultipleNegativesRankingLoss",
    }
    summary = runner.run_blocking()
    assert summary["status"] == "finished" and summary["train_rows"] == 24 and summary["steps"] == 4


def test_matryoshka_modifier_halves_the_dimension(make_config):
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))},
        loss={"name": "MultipleNegativesRankingLoss", "modifier": {"name": "MatryoshkaLoss"}},
    )
    plan = build(_spec(cfg))
    runner = Runner(plan)
    loss = make_losses(plan, runner._build_model(plan))
    assert type(loss).__name__ == "MatryoshkaLoss" and list(loss.matryoshka_dims) == [64, 32]
    assert runner.run_blocking()["status"] == "finished"


def test_stop_from_a_listener_saves_the_model(make_config):
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        loss="CosineSimilarityLoss",
        args={"max_steps": 2000, "per_device_train_batch_size": 2},
    )
    runner = Runner(_spec(cfg))
    runner.add_listener(CallbackListener(lambda e: runner.stop() if e["type"] == "progress" else None))
    runner.start()
    deadline = time.monotonic() + 60
    while runner.status not in ("stopped", "finished", "error") and time.monotonic() < deadline:
        runner.wait(0.05)
    assert runner.wait(30)
    assert runner.status == "stopped", runner.error
    out = Path(cfg["output_dir"])
    assert (out / "final" / "model.safetensors").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "stopped" and 1 <= summary["steps"] < 2000


def test_resume_from_the_latest_checkpoint(make_config):
    first = make_config(
        {"sts": inline(scored_pairs(16))},
        loss="CosineSimilarityLoss",
        args={"max_steps": 4, "save_strategy": "steps", "save_steps": 2},
    )
    assert train(first)["steps"] == 4
    out = Path(first["output_dir"])
    assert (out / "checkpoints" / "checkpoint-4").is_dir()
    second = {**first, "args": {**first["args"], "max_steps": 6}, "resume_from_checkpoint": True}
    plan = build(_spec(second))
    assert plan.resume.endswith("checkpoint-4")
    events = []
    summary = Runner(plan, on_event=events.append).run_blocking()
    assert summary["status"] == "finished" and summary["steps"] == 6
    assert [e["step"] for e in events if e["type"] == "log" and "loss" in e] == [5, 6]


def test_refuses_an_output_folder_that_holds_a_trained_model(make_config):
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    out = Path(cfg["output_dir"])
    (out / "final").mkdir(parents=True)
    (out / "summary.json").write_text("{}")
    with pytest.raises(WorkbenchError, match="already holds a trained model") as err:
        train(cfg)
    assert "overwrite" in err.value.fix
    assert sorted(p.name for p in out.iterdir()) == ["final", "summary.json"]  # untouched
    assert train({**cfg, "overwrite": True})["status"] == "finished"


def test_a_run_that_trained_nothing_does_not_block_a_retry_in_its_folder(make_config, tmp_path):
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    out = Path(cfg["output_dir"])
    broken = {**cfg, "model": {**cfg["model"], "name_or_path": str(tmp_path / "no-such-model")}}
    first = Runner(build(_spec(broken))).run_blocking()
    assert first["status"] == "error" and first["model_path"] is None
    assert not (out / "final").exists() and (out / "summary.json").is_file()
    second = train(cfg)  # the same folder, no overwrite: nothing was trained there
    assert second["status"] == "finished"
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["type"] for r in rows].count(
        "baseline"
    ) == 1  # the failed run's log was replaced, not appended to
    assert not (out / "error.log").exists()
    # Now it holds a model: refused, naming what is there.
    with pytest.raises(WorkbenchError, match=r"already holds a trained model \(final\)"):
        train(cfg)
    # Checkpoints of an interrupted run are a model too; files the workbench did not write are left alone.
    other = tmp_path / "other"
    (other / "checkpoints" / "checkpoint-4").mkdir(parents=True)
    with pytest.raises(WorkbenchError, match=r"\(checkpoints\)"):
        train({**cfg, "output_dir": str(other)})
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.json").write_text('{"mine": true}')
    with pytest.raises(WorkbenchError, match="a config.json the workbench did not write"):
        train({**cfg, "output_dir": str(mine)})
    assert json.loads((mine / "config.json").read_text()) == {"mine": True}
    (mine / "config.json").unlink()
    (mine / "summary.json").write_text('{"not": "a workbench summary"}')
    (mine / "notes.txt").write_text("kept")
    train({**cfg, "output_dir": str(mine)})
    assert (mine / "final").is_dir() and (mine / "notes.txt").read_text() == "kept"


def test_a_run_failing_at_its_first_step_saves_no_untrained_model(make_config, monkeypatch):
    from sentence_transformers import SentenceTransformerTrainer

    def boom(self, *args, **kwargs):
        raise RuntimeError("boom at the first step")

    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    out = Path(cfg["output_dir"])
    with monkeypatch.context() as patch:
        patch.setattr(SentenceTransformerTrainer, "training_step", boom)
        events = []
        summary = Runner(build(_spec(cfg)), on_event=events.append).run_blocking()
    assert summary["status"] == "error" and "boom at the first step" in summary["error"]
    assert summary["model_path"] is None and not (out / "final").exists()
    assert any("no model was saved" in e.get("text", "") for e in events if e["type"] == "note")
    assert train(cfg)["status"] == "finished"  # the corrected rerun in the same folder


def test_an_output_folder_that_cannot_be_one_is_refused_before_loading(make_config, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for out, words in ((a_file, "is a file"), (a_file / "run", "cannot be written here")):
        cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
        with pytest.raises(WorkbenchError, match=words) as err:
            build(_spec({**cfg, "output_dir": str(out)}))
        assert err.value.where == "output_dir"


def test_refuses_an_incompatible_loss_naming_the_dataset(make_config):
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="TripletLoss")
    with pytest.raises(WorkbenchError) as err:
        build(_spec(cfg))
    text = err.value.text
    assert "TripletLoss does not fit train dataset 'train/sts'" in text
    assert "CosineSimilarityLoss" in err.value.fix  # a loss that fits is suggested


def test_unknown_training_argument_names_the_nearest(make_config):
    cfg = make_config({"sts": inline(scored_pairs(8))}, args={"learning_rat": 1e-4})
    with pytest.raises(WorkbenchError, match="learning_rat") as err:
        build(_spec(cfg))
    assert "learning_rate" in err.value.fix


def test_unknown_loss_parameter_names_the_nearest(make_config):
    cfg = make_config(
        {"pairs": inline(positive_pairs(8))},
        loss={"name": "MultipleNegativesRankingLoss", "params": {"scal": 10}},
    )
    with pytest.raises(WorkbenchError, match="no parameter 'scal'") as err:
        build(_spec(cfg))  # before any model is loaded
    assert "scale" in err.value.fix
    bad_modifier = {"name": "MultipleNegativesRankingLoss", "modifier": {"name": "CoSENTLoss"}}
    with pytest.raises(WorkbenchError, match="'CoSENTLoss' is not a loss modifier"):
        build(_spec(make_config({"pairs": inline(positive_pairs(8))}, loss=bad_modifier)))
    sparse_wrapper = {"name": "MultipleNegativesRankingLoss", "wrapper": {"name": "SpladeLoss"}}
    with pytest.raises(WorkbenchError, match="only for sparse-encoder models"):
        build(_spec(make_config({"pairs": inline(positive_pairs(8))}, loss=sparse_wrapper)))


def test_a_failing_listener_does_not_kill_training(make_config, caplog):
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    seen = []

    def broken(event):
        seen.append(event["type"])
        raise RuntimeError("subscriber bug")

    summary = train(cfg, on_event=broken)
    assert summary["status"] == "finished" and "final" in seen
    assert "subscriber" in caplog.text


def test_progress_printers_are_removed(make_config, monkeypatch):
    import transformers.trainer as hf_trainer
    from transformers.utils.notebook import NotebookProgressCallback

    # Pretend to run inside a notebook: transformers would add its NotebookProgressCallback.
    monkeypatch.setattr(hf_trainer, "DEFAULT_PROGRESS_CALLBACK", NotebookProgressCallback)
    plan = build(_spec(make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")))
    runner = Runner(plan)
    trainer = runner._trainer(plan, runner._build_model(plan))
    names = {type(cb).__name__ for cb in trainer.callback_handler.callbacks}
    assert "StreamingCallback" in names
    assert not names & {"NotebookProgressCallback", "PrinterCallback", "ProgressCallback"}


def test_holdout_eval_is_split_off_the_train_set(make_config):
    data = {"sentence1": TEXTS[:16], "sentence2": TEXTS[1:17], "score": [i / 16 for i in range(16)]}
    cfg = make_config(
        {"sts": inline(data)}, eval={"dev": {"source": "holdout", "of": "sts", "fraction": 0.25}}
    )
    plan = build(_spec(cfg))
    train_rows = set(zip(plan.train["sts"]["sentence1"], plan.train["sts"]["sentence2"], strict=True))
    held = set(zip(plan.eval["dev"]["sentence1"], plan.eval["dev"]["sentence2"], strict=True))
    assert plan.train["sts"].num_rows == 12 and plan.eval["dev"].num_rows == 4
    assert not train_rows & held and len(train_rows | held) == 16
    assert plan.eval["dev"].column_names == plan.train["sts"].column_names
    assert plan.evaluators[0].name == "dev" and plan.args["eval_strategy"] == "steps"


def test_training_exception_still_saves_the_model(make_config, fails_at_the_third_step):
    """A run that fails after some steps keeps what it trained (one failing before its first step: see above)."""
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    runner = Runner(_spec(cfg))
    summary = runner.run_blocking()
    out = Path(cfg["output_dir"])
    assert runner.status == "error" and runner.error.startswith("RuntimeError: boom")
    assert "Traceback" in (out / "error.log").read_text()
    assert (out / "final" / "model.safetensors").is_file() and summary["status"] == "error"


def test_user_errors_are_reported_without_traceback(make_config, tmp_path):
    cfg = make_config({"sts": {"source": "csv", "path": str(tmp_path / "missing.csv")}})
    runner = Runner(_spec(cfg))
    runner.run_blocking()
    assert runner.status == "error" and "does not exist" in runner.error and "Traceback" not in runner.error
    assert not Path(cfg["output_dir"]).exists()


def test_train_accepts_a_config_file(make_config, tmp_path):
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CoSENTLoss")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    assert train(str(path))["status"] == "finished"


def _loss(make_config, data: dict, loss, model_type: str = "sentence-transformer"):
    plan = build(_spec(make_config({"d": inline(data)}, loss=loss, model_type=model_type)))
    return make_losses(plan, Runner(plan)._build_model(plan))


def test_loss_parameters_given_by_name_become_library_objects(make_config, tiny_model):
    from sentence_transformers import util
    from sentence_transformers.sentence_transformer.losses import (
        BatchHardTripletLossDistanceFunction,
        SiameseDistanceMetric,
        TripletDistanceMetric,
    )

    loss = _loss(make_config, triplets(8), {"name": "TripletLoss", "params": {"distance_metric": "COSINE"}})
    assert loss.distance_metric is TripletDistanceMetric.COSINE
    loss = _loss(
        make_config, binary_pairs(8), {"name": "ContrastiveLoss", "params": {"distance_metric": "EUCLIDEAN"}}
    )
    assert loss.distance_metric is SiameseDistanceMetric.EUCLIDEAN
    classes = {"sentence": [t for t, _ in PAIRS[:4] for _ in range(2)], "label": [0, 0, 1, 1, 2, 2, 3, 3]}
    loss = _loss(
        make_config,
        classes,
        {"name": "BatchAllTripletLoss", "params": {"distance_metric": "cosine_distance"}},
    )
    assert loss.distance_metric is BatchHardTripletLossDistanceFunction.cosine_distance
    loss = _loss(
        make_config,
        positive_pairs(8),
        {"name": "MultipleNegativesRankingLoss", "params": {"similarity_fct": "dot_score"}},
    )
    assert loss.similarity_fct is util.dot_score
    loss = _loss(make_config, positive_pairs(8), {"name": "GISTEmbedLoss", "params": {"guide": tiny_model}})
    assert type(loss.guide).__name__ == "SentenceTransformer"
    loss = _loss(
        make_config,
        binary_pairs(8),
        {"name": "BinaryCrossEntropyLoss", "params": {"activation_fn": "Sigmoid", "pos_weight": 2.0}},
        model_type="cross-encoder",
    )
    assert type(loss.activation_fn).__name__ == "Sigmoid" and float(loss.pos_weight) == 2.0


def test_softmax_loss_sizes_its_classifier_from_data_and_model(make_config):
    data = {**scored_pairs(9)}
    data["label"] = [i % 3 for i in range(9)]
    del data["score"]
    loss = _loss(make_config, data, "SoftmaxLoss")
    assert loss.classifier.out_features == 3 and loss.classifier.in_features == 3 * 64


def test_stop_before_training_saves_nothing(make_config):
    cfg = make_config({"sts": inline(scored_pairs(8))}, loss="CosineSimilarityLoss")
    runner = Runner(_spec(cfg))
    runner.add_listener(CallbackListener(lambda e: runner.stop() if e["type"] == "baseline" else None))
    summary = runner.run_blocking()
    assert runner.status == "stopped" and summary["steps"] == 0 and summary["model_path"] is None
    assert not (Path(cfg["output_dir"]) / "final").exists()
