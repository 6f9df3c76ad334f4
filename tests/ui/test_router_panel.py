"""The Model panel's query/document fields bind to session.asymmetric both ways, offer inference-free queries only
for a sparse model, take each side's learning rate, and mark (and block Start on) data without query/document
roles."""

from __future__ import annotations

import pytest
from panel_fixtures import make_session, pairs_session

from workbench.ui.panels import ModelPanel, TrainPanel


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))


def test_choosing_separate_sides_sets_the_session_and_the_config(tmp_path):
    session = pairs_session(tmp_path)
    fields = ModelPanel(session).router
    assert session.asymmetric is None and fields.settings.layout.display == "none"
    assert [v for _, v in fields.kind.options] == ["shared", "separate"]  # dense: no inference-free
    fields.kind.value = "separate"
    assert session.asymmetric == {
        "kind": "separate",
        "query_learning_rate": None,
        "document_learning_rate": None,
    }
    assert fields.settings.layout.display == "" and "model.asymmetric" not in session.invalid
    fields.query_lr.value = "1e-4"
    assert session.asymmetric["query_learning_rate"] == 1e-4
    assert session.to_spec().model.asymmetric == session.asymmetric
    fields.kind.value = "shared"
    assert session.asymmetric is None and "asymmetric" not in session.to_spec().to_dict()["model"]


def test_inference_free_is_offered_for_sparse_models_with_its_query_rate(tmp_path):
    session = pairs_session(tmp_path)
    panel = ModelPanel(session)
    session.set_model_type("sparse-encoder")
    fields = panel.router
    assert "inference-free" in [v for _, v in fields.kind.options]
    fields.kind.value = "inference-free"
    assert session.asymmetric["query_learning_rate"] == 1e-3 and fields.query_lr.value == "0.001"
    session.set_model_type("sentence-transformer")  # inference-free queries are a sparse model's
    assert session.asymmetric is None and fields.kind.value == "shared"
    assert "inference-free" not in [v for _, v in fields.kind.options]


def test_inference_free_query_weights_start_at_idf_or_ones(tmp_path):
    session = pairs_session(tmp_path)
    panel = ModelPanel(session)
    session.set_model_type("sparse-encoder")
    fields = panel.router
    fields.kind.value = "separate"
    assert fields.query_init.layout.display == "none" and "query_init" not in session.asymmetric
    fields.kind.value = "inference-free"
    assert fields.query_init.layout.display == "" and fields.query_init.value == "idf"
    assert session.asymmetric["query_init"] == "idf"
    fields.query_init.value = "ones"
    assert session.asymmetric["query_init"] == "ones"
    assert session.to_spec().model.asymmetric["query_init"] == "ones"
    fields.query_lr.value = "1e-4"  # another field's change keeps it
    assert session.asymmetric == {
        "kind": "inference-free",
        "query_learning_rate": 1e-4,
        "document_learning_rate": None,
        "query_init": "ones",
    }
    session.asymmetric = {**session.asymmetric, "query_init": "idf"}  # a loaded config shows
    assert fields.query_init.value == "idf"


def test_a_bad_rate_is_marked_and_never_reaches_the_session(tmp_path):
    session = pairs_session(tmp_path)
    fields = ModelPanel(session).router
    fields.kind.value = "separate"
    fields.document_lr.value = "fast"
    assert "model.asymmetric" in session.invalid and "document_learning_rate" in fields.msg.value
    assert session.asymmetric["document_learning_rate"] is None
    fields.document_lr.value = "2e-5"
    assert "model.asymmetric" not in session.invalid and session.asymmetric["document_learning_rate"] == 2e-5


def test_sts_data_has_no_query_column_and_start_is_blocked(tmp_path):
    session = make_session(tmp_path)  # scored sentence pairs: CoSENT-like losses, no query/document roles
    panel = ModelPanel(session)
    panel.router.kind.value = "separate"
    message = session.invalid.get("model.asymmetric", "")
    assert "interchangeable" in message and "train/sts" in message and "Fix:" in message
    assert "interchangeable" in panel.router.msg.value
    TrainPanel(session).start.click()
    assert not session.running
    panel.router.kind.value = "shared"
    assert "model.asymmetric" not in session.invalid


def test_a_loaded_config_shows_in_the_fields(tmp_path):
    session = pairs_session(tmp_path)
    fields = ModelPanel(session).router
    session.asymmetric = {"kind": "separate", "query_learning_rate": 5e-5, "document_learning_rate": None}
    assert (
        fields.kind.value == "separate"
        and fields.query_lr.value == "5e-05"
        and fields.document_lr.value == ""
    )
    assert fields.settings.layout.display == ""
