"""The activation a trained cross-encoder predicts with: chosen from its losses (`catalog.SCORE_ACTIVATIONS`) or
the config's ``model.activation_fn``, with the reason the notes, the app and the exported script show."""

from __future__ import annotations

from .. import catalog as C


def model_activation(
    losses: list[tuple[str, C.LossSpec, dict]], configured: str | None = None
) -> tuple[str, str]:
    """The cross-encoder's prediction activation and why.

    Args:
        losses: (train dataset name, catalog loss, the loss parameters the config gives) per train dataset.
        configured: ``model.activation_fn`` from the config (None: automatic).

    Returns:
        (``"Identity"`` / ``"Sigmoid"``, the reason in one clause).
    """
    if configured:
        return configured, "set in the config (model.activation_fn)"
    chosen: list[tuple[str, str, str]] = []
    for name, loss, params in losses:
        entry = C.score_activation(loss.name)
        if entry is None:
            continue
        act = entry.activation
        if act == C.FOLLOWS_LOSS:
            act = str(params.get("activation_fn") or loss.default_params().get("activation_fn") or C.IDENTITY)
        chosen.append((name, loss.name, act))
    if not chosen:
        return C.IDENTITY, "no loss of this run asks for another"
    first_set, first_loss, act = chosen[0]
    why = f"{first_loss}: {C.score_activation(first_loss).why}"
    others = [f"{loss} on train/{n} wants {a}" for n, loss, a in chosen[1:] if a != act]
    if others:
        why += f" (taken from train/{first_set}; {', '.join(others)}: set model.activation_fn to choose)"
    return act, why


def activation_note(activation: str, why: str) -> str:
    """The plan's note on the chosen activation."""
    return (
        f"cross-encoder predictions use activation_fn={activation} ({why}); it is saved with the model in "
        "config_sentence_transformers.json; set model.activation_fn to Identity or Sigmoid to change it"
    )
