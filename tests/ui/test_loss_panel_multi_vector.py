"""The Loss tab of a multi-vector model offers its own modifiers (MultiVectorMatryoshkaLoss, MultiVectorTokenPoolingLoss)
with their parameter forms; a dense model offers the dense ones; a bad value is marked and blocks Start."""

from __future__ import annotations

import pytest
from panel_fixtures import pairs_session

from workbench import catalog as C
from workbench.spec import LossChoice
from workbench.ui.panels import LossPanel


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return pairs_session(tmp_path)


def _offered(panel) -> list[str]:
    return [v for _, v in panel.modifier.options]


def test_the_modifiers_follow_the_model_type(session):
    panel = LossPanel(session)
    assert _offered(panel) == ["", "MatryoshkaLoss", "Matryoshka2dLoss", "AdaptiveLayerLoss"]
    session.set_model_type(C.MULTI)  # the loss stays "auto": only the model type changes
    assert _offered(panel) == ["", "MultiVectorMatryoshkaLoss", "MultiVectorTokenPoolingLoss"]
    assert panel.extras.layout.display == "" and panel.modifier.value == ""
    session.set_model_type(C.CROSS)
    assert panel.extras.layout.display == "none"


def test_a_multi_vector_modifier_and_its_parameters_reach_the_session(session):
    session.set_model_type(C.MULTI)
    panel = LossPanel(session)
    panel.modifier.value = "MultiVectorMatryoshkaLoss"
    assert session.loss.modifier == {"name": "MultiVectorMatryoshkaLoss", "params": {}}
    assert [p.name for p in panel.modifier_form.params] == [
        "matryoshka_dims",
        "matryoshka_weights",
        "n_dims_per_step",
    ]
    panel.modifier_form.inputs["matryoshka_dims"].value = "128, 64"
    assert session.loss.modifier["params"] == {"matryoshka_dims": [128, 64]}
    panel.modifier.value = "MultiVectorTokenPoolingLoss"
    assert session.loss.modifier == {"name": "MultiVectorTokenPoolingLoss", "params": {}}
    pools = panel.modifier_form.inputs["token_poolings"]
    assert pools.placeholder == "default: 1, 2, 4"
    pools.value = "1, 3"
    assert session.loss.modifier["params"] == {"token_poolings": [1, 3]}
    # Session -> widgets: a loaded config shows its modifier.
    session.loss = LossChoice("auto", modifier={"name": "MultiVectorMatryoshkaLoss", "params": {}})
    assert panel.modifier.value == "MultiVectorMatryoshkaLoss"


def test_a_pool_factor_below_one_is_marked_and_blocks_start(session):
    session.set_model_type(C.MULTI)
    panel = LossPanel(session)
    panel.modifier.value = "MultiVectorTokenPoolingLoss"
    panel.modifier_form.inputs["token_poolings"].value = "1, 0.5"
    message = panel.modifier_form.msgs["token_poolings"].value
    assert "needs pool factors of at least 1" in message
    assert "loss.modifier.params.token_poolings" in session.invalid
    assert session.loss.modifier["params"] == {}  # the bad value never reached the config
    panel.modifier_form.inputs["token_poolings"].value = "1, 2"
    assert "loss.modifier.params.token_poolings" not in session.invalid
