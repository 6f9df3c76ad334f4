"""Every cross-encoder loss has the activation its trained model predicts with (catalog.SCORE_ACTIVATIONS)."""

from __future__ import annotations

import inspect

import pytest

from workbench import catalog as C


@pytest.mark.parametrize("loss", C.losses_for(C.CROSS), ids=lambda loss: loss.name)
def test_each_cross_encoder_loss_names_its_prediction_activation(loss):
    entry = C.score_activation(loss.name)
    assert entry is not None and entry.why
    assert entry.activation in (*C.MODEL_ACTIVATIONS, C.FOLLOWS_LOSS)
    if entry.activation == C.FOLLOWS_LOSS:  # the loss must take the activation the model then follows
        assert "activation_fn" in inspect.signature(C.resolve_loss(loss).__init__).parameters
        assert loss.param("activation_fn").default in C.MODEL_ACTIVATIONS


def test_only_bce_predicts_probabilities():
    sigmoid = [name for name, e in C.SCORE_ACTIVATIONS.items() if e.activation == C.SIGMOID]
    assert sigmoid == ["BinaryCrossEntropyLoss"]
