"""``model.asymmetric``: good and bad settings, read without torch."""

from __future__ import annotations

import pytest

from workbench.errors import WorkbenchError
from workbench.spec import (
    INFERENCE_FREE,
    SEPARATE,
    ModelSpec,
    RunSpec,
    check_asymmetric,
    describe_asymmetric,
    route_learning_rates,
)


@pytest.mark.parametrize("off", [None, False, "none", "", "shared"])
def test_nothing_means_one_shared_model(off):
    assert check_asymmetric(off) is None
    assert describe_asymmetric(None) == "one model for queries and documents"


def test_a_kind_alone_gets_its_defaults():
    assert check_asymmetric("separate", "sentence-transformer") == {
        "kind": SEPARATE,
        "query_learning_rate": None,
        "document_learning_rate": None,
    }
    # The library's inference-free SPLADE example trains the static query weights at 1e-3.
    free = check_asymmetric({"kind": INFERENCE_FREE}, "sparse-encoder")
    assert free["query_learning_rate"] == 1e-3 and free["document_learning_rate"] is None
    assert route_learning_rates(free) == {"query": 1e-3}
    # Its static query weights start at the IDF of the training documents unless 'ones' is asked for.
    assert free["query_init"] == "idf" and "starting at the training documents' IDF" in describe_asymmetric(
        free
    )
    ones = check_asymmetric({"kind": INFERENCE_FREE, "query_init": "ones"}, "sparse-encoder")
    assert ones["query_init"] == "ones" and "starting at 1" in describe_asymmetric(ones)


def test_each_side_may_have_its_own_rate():
    got = check_asymmetric({"kind": "separate", "query_learning_rate": 1e-4, "document_learning_rate": 2e-5})
    assert route_learning_rates(got) == {"query": 1e-4, "document": 2e-5}
    assert "query learning rate 0.0001" in describe_asymmetric(got)
    # null keeps the run's learning rate, also for the inference-free query side.
    free = check_asymmetric({"kind": "inference-free", "query_learning_rate": None}, "sparse-encoder")
    assert route_learning_rates(free) == {}


@pytest.mark.parametrize(
    "data, model_type, where, words",
    [
        ({"kind": "seperate"}, "sentence-transformer", "model.asymmetric.kind", "not known"),
        ({"kind": "separate", "query_lr": 1e-4}, None, "model.asymmetric.query_lr", "query_learning_rate"),
        (
            {"kind": "separate", "query_learning_rate": 0},
            None,
            "model.asymmetric.query_learning_rate",
            "positive",
        ),
        (
            {"kind": "separate", "document_learning_rate": "fast"},
            None,
            "model.asymmetric.document_learning_rate",
            "positive",
        ),
        (
            {"kind": "separate", "query_learning_rate": True},
            None,
            "model.asymmetric.query_learning_rate",
            "positive",
        ),
        ({"kind": "inference-free"}, "sentence-transformer", "model.asymmetric.kind", "sparse-encoder"),
        ({"kind": "separate"}, "cross-encoder", "model.asymmetric", "cross-encoder"),
        (["separate"], None, "model.asymmetric", "mapping"),
        ({"kind": "inference-free", "query_init": "idff"}, None, "model.asymmetric.query_init", "'idf'"),
        ({"kind": "inference-free", "query_init": 1}, None, "model.asymmetric.query_init", "'ones'"),
        ({"kind": "separate", "query_init": "idf"}, None, "model.asymmetric.query_init", "inference-free"),
    ],
)
def test_bad_settings_name_the_field_and_the_fix(data, model_type, where, words):
    with pytest.raises(WorkbenchError) as info:
        check_asymmetric(data, model_type)
    assert info.value.where == where
    assert words in info.value.message + " " + (info.value.fix or "")
    assert info.value.fix


def test_the_model_spec_reads_checks_and_writes_it_back():
    spec = ModelSpec.from_dict({"type": "sparse-encoder", "asymmetric": "inference-free"})
    assert spec.asymmetric["kind"] == INFERENCE_FREE
    run = RunSpec.from_dict(
        {"model": {"type": "sparse-encoder", "asymmetric": "inference-free"}, "datasets": {"train": {}}}
    )
    again = RunSpec.from_dict(run.to_dict())
    assert again.model.asymmetric == spec.asymmetric
    with pytest.raises(WorkbenchError, match="inference-free") as info:
        ModelSpec.from_dict({"type": "sentence-transformer", "asymmetric": "inference-free"})
    assert info.value.where == "model.asymmetric.kind"


def test_an_adapter_and_separate_sides_are_refused_together():
    with pytest.raises(WorkbenchError, match="cannot be combined") as info:
        ModelSpec.from_dict({"asymmetric": "separate", "adapter": "lora"})
    assert info.value.where == "model.asymmetric"
