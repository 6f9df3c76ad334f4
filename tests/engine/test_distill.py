"""Distillation on the tiny model: the teacher's targets (embeddings, cross-encoder scores and margins), NaN targets
refused with a clear message, a student of the teacher's first k layers that saves and loads with k layers, and a
run that brings the student closer to the teacher, with its run folder and events."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from wb_distill import cross_teacher, texts, texts_file, triplet_rows, triplets_file

from workbench import engine
from workbench.errors import WorkbenchError


@pytest.fixture(scope="module")
def teacher(tiny_model):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(tiny_model)


def test_teacher_embeddings_are_one_row_per_text_with_progress(teacher):
    seen = []
    emb = engine.teacher_embeddings(teacher, texts(300), progress=lambda d, n: seen.append((d, n)))
    assert emb.shape == (300, teacher.get_embedding_dimension()) and emb.dtype == np.float32
    assert seen == [(256, 300), (300, 300)]
    np.testing.assert_allclose(emb[:3], teacher.encode(texts(3)), atol=1e-5)


def test_nan_teacher_targets_are_refused_naming_the_rows():
    values = np.ones((5, 4), dtype=np.float32)
    values[2, 1], values[4, 0] = np.nan, np.inf
    with pytest.raises(WorkbenchError) as err:
        engine.check_targets(values, "embeddings")
    assert "NaN or infinite for 2 of 5 rows" in err.value.message and "row 2" in err.value.message
    assert err.value.fix and err.value.where == "teacher"
    engine.check_targets(np.ones((3, 2)), "scores")  # finite: no error


def test_a_teacher_that_gives_nan_is_caught_before_training(teacher, monkeypatch):
    real = teacher.encode

    def broken(texts, **kwargs):
        out = real(texts, **kwargs)
        out[0, 0] = np.nan
        return out

    monkeypatch.setattr(teacher, "encode", broken)
    with pytest.raises(WorkbenchError, match="NaN or infinite"):
        engine.teacher_embeddings(teacher, texts(10))


def test_keeping_the_first_layers_gives_a_student_that_loads_with_k_layers(tiny_model, tmp_path):
    from sentence_transformers import SentenceTransformer

    student = SentenceTransformer(tiny_model)
    full = engine.parameter_count(student)
    engine.keep_first_layers(student, 1)
    assert engine.layer_count(student) == 1 and engine.parameter_count(student) < full
    student.save(str(tmp_path / "student"))
    again = SentenceTransformer(str(tmp_path / "student"))
    assert engine.layer_count(again) == 1 and again[0].auto_model.config.num_hidden_layers == 1
    np.testing.assert_allclose(again.encode(texts(4)), student.encode(texts(4)), atol=1e-5)


@pytest.mark.parametrize("keep", [0, 2, 5])
def test_keeping_too_many_or_no_layers_is_refused(tiny_model, keep):
    from sentence_transformers import SentenceTransformer

    with pytest.raises(WorkbenchError, match=f"cannot keep {keep} of the teacher's 2 layers"):
        engine.keep_first_layers(SentenceTransformer(tiny_model), keep)


def test_cross_encoder_teacher_scores_and_margins_of_triplets(tiny_model, tmp_path):
    from sentence_transformers.cross_encoder import CrossEncoder

    cross = CrossEncoder(cross_teacher(tmp_path / "ce", tiny_model))
    rows = triplet_rows(10)
    scores = engine.teacher_scores(cross, rows)
    assert scores.shape == (10, 2)
    expected = cross.predict([(rows[3][0], rows[3][1]), (rows[3][0], rows[3][2])])
    np.testing.assert_allclose(scores[3], expected, atol=1e-5)
    np.testing.assert_allclose(engine.margins(scores)[:, 0], scores[:, 0] - scores[:, 1])
    with pytest.raises(WorkbenchError, match="at least three columns"):
        engine.teacher_scores(cross, [r[:2] for r in rows])


def test_a_distillation_run_brings_a_student_closer_to_the_teacher(tiny_model, tmp_path, monkeypatch):
    """A clear case: a student with other random weights starts far from the teacher; MSELoss brings it close."""
    from wb_data import TEXTS

    from workbench.engine.models import tiny_bert

    monkeypatch.setenv("WORKBENCH_CPU_BF16", "0")
    other = tiny_bert(tmp_path / "other", TEXTS, seed=1)
    req = engine.DistillRequest(
        teacher=tiny_model, data=str(texts_file(tmp_path)), columns=("sentence",), student=other,
        epochs=4, batch_size=8, learning_rate=1e-3,
    )  # fmt: skip
    seen = []
    report = engine.distill(req, tmp_path / "run", progress=lambda w, d, n: seen.append(w))
    mse = report["mse_to_teacher"]
    assert mse["after"] < mse["before"] / 4
    assert report["student_after"]["metric"] > report["student_before"]["metric"] + 0.3
    assert report["train_loss"][-1] < report["train_loss"][0]
    assert "teacher encoding" in seen and "training" in seen
    assert report["loss"] == "MSELoss" and report["metric_name"] == "mean cosine to the teacher"
    events = [json.loads(line) for line in (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    statuses = [e["status"] for e in events if e["type"] == "status"]
    assert statuses == ["loading", "baseline", "training", "saving", "finished"]
    assert any(e["type"] == "progress" for e in events)
    assert engine.read_report(tmp_path / "run")["verdict"] == report["verdict"]
    assert (tmp_path / "run" / "final" / "modules.json").is_file()
    assert np.load(tmp_path / "run" / "teacher_targets.npy").shape[0] == report["rows"]
    info = engine.read_run(tmp_path / "run")
    assert info.status == "finished" and info.saved.endswith("final")


def test_a_truncated_student_is_smaller_and_the_report_compares_it_with_the_teacher(tiny_model, tmp_path):
    req = engine.DistillRequest(
        teacher=tiny_model,
        data=str(texts_file(tmp_path)),
        columns=("sentence",),
        keep_layers=1,
        batch_size=16,
    )
    report = engine.distill(req, tmp_path / "run")
    teacher, after = report["teacher"], report["student_after"]
    assert teacher["layers"] == 2 and after["layers"] == 1
    assert after["parameters"] < teacher["parameters"] and after["size_mb"] <= teacher["size_mb"]
    assert teacher["sps"] > 0 and after["sps"] > 0
    assert "of the teacher's quality" in report["verdict"] and "of its parameters" in report["verdict"]
    # the runs list says what the folder holds (it has no config.json, only the distillation's request)
    listed = engine.read_run(tmp_path / "run")
    teacher_name = Path(tiny_model).name
    assert listed.status == "finished"
    assert listed.model == f"{teacher_name}, first 1 layer (student of {teacher_name})"
    assert listed.data == f"distillation of {Path(req.data).name}"


def test_a_cross_encoder_teacher_trains_a_bi_encoder_on_its_margins(tiny_model, tmp_path):
    teacher = cross_teacher(tmp_path / "ce", tiny_model)
    req = engine.DistillRequest(
        teacher=teacher, data=str(triplets_file(tmp_path)), columns=("query", "positive", "negative"),
        student=tiny_model, batch_size=8,
    )  # fmt: skip
    report = engine.distill(req, tmp_path / "run")
    assert report["teacher_type"] == "cross-encoder" and report["loss"] == "MarginMSELoss"
    assert report["metric_name"] == "ranking accuracy"
    assert 0 <= report["teacher"]["metric"] <= 1 and report["student_after"]["metric"] is not None
    targets = np.load(tmp_path / "run" / "teacher_targets.npy")
    assert targets.shape == (report["rows"], 2)  # score(q, positive), score(q, negative)


def test_bad_requests_are_refused_before_any_model_loads(tiny_model, tmp_path):
    data = str(texts_file(tmp_path))
    cases = [
        (dict(columns=("text",), keep_layers=1), "the text column 'text' is not in the data"),
        (dict(columns=("sentence",), keep_layers=3), "cannot keep 3 of the teacher's 2 layers"),
        (dict(columns=("sentence",)), "the student would be the teacher itself"),
        (dict(columns=("sentence",), keep_layers=1, loss="MarginMSELoss"), "does not train on what"),
        (dict(columns=("sentence", "x", "y"), keep_layers=1), "one text column"),
    ]
    for kwargs, words in cases:
        with pytest.raises(WorkbenchError, match=words):
            engine.check_distill(engine.DistillRequest(teacher=tiny_model, data=data, **kwargs))


@pytest.mark.parametrize(
    ("teacher_kind", "loss"), [("dense", "EmbedDistillLoss"), ("cross", "DistillKLDivLoss")]
)
def test_the_other_library_losses_train_on_their_targets(tiny_model, tmp_path, teacher_kind, loss):
    cross = teacher_kind == "cross"
    req = engine.DistillRequest(
        teacher=cross_teacher(tmp_path / "ce", tiny_model) if cross else tiny_model,
        data=str(triplets_file(tmp_path) if cross else texts_file(tmp_path)),
        columns=("query", "positive", "negative") if cross else ("sentence",),
        student=tiny_model if cross else "", keep_layers=None if cross else 1, loss=loss, batch_size=8,
    )  # fmt: skip
    report = engine.distill(req, tmp_path / "run")
    assert report["loss"] == loss and report["train_loss"] and np.isfinite(report["train_loss"]).all()
    targets = np.load(tmp_path / "run" / "teacher_targets.npy")
    assert targets.shape[0] == report["rows"] and targets.shape[1] == (2 if cross else 64)
