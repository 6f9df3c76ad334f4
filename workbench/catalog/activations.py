"""The activation a trained cross-encoder applies to its logits when it predicts, per cross-encoder loss.

Two activations meet in a cross-encoder run and are easily confused: the loss's own ``activation_fn`` (a loss
parameter, applied to the logits before the loss is computed; each loss's docstring says its default) and the
model's ``activation_fn`` (applied by ``CrossEncoder.predict`` and saved in ``config_sentence_transformers.json``).
This table is the second one: what the scores of a model trained with each loss mean. The library's default for a
one-output model is Sigmoid whatever the loss; that is right for BinaryCrossEntropyLoss (its loss is
``BCEWithLogitsLoss``: sigmoid of the logit is the probability it trained) and hides the raw scores that ranking
and distillation losses train. Pure data: no torch at import.
"""

from __future__ import annotations

from dataclasses import dataclass

IDENTITY = "Identity"
SIGMOID = "Sigmoid"
# The activations a run may save (torch.nn module names; a config may choose one as model.activation_fn).
MODEL_ACTIVATIONS = (IDENTITY, SIGMOID)
# The model follows the loss's own activation_fn parameter (the scores were trained through it).
FOLLOWS_LOSS = "loss"


@dataclass(frozen=True)
class ScoreActivation:
    """What a cross-encoder trained with one loss should apply to its logits when it predicts.

    Attributes:
        activation: :data:`IDENTITY`, :data:`SIGMOID`, or :data:`FOLLOWS_LOSS` (the loss's ``activation_fn``).
        why: Why, in one clause (shown in the notes, the Loss panel and the exported script).
    """

    activation: str
    why: str


# The library's cross-encoder MNRL scores each pair as activation_fn(logit) * scale (Sigmoid by default) before the
# softmax over the candidates: measured on Quora (bench/README.md), Identity and Sigmoid rank the same, but only the
# loss's own activation gives back the scores the model was trained on.
_IN_BATCH = (
    "the in-batch softmax was trained over the loss's activation_fn of each logit (Sigmoid by default)"
)
_LISTWISE = "a listwise loss trains raw scores over each list (the library's loss default is Identity too)"

# fmt: off
SCORE_ACTIVATIONS: dict[str, ScoreActivation] = {
    "BinaryCrossEntropyLoss": ScoreActivation(
        SIGMOID, "BCEWithLogits trains sigmoid(logit) as the probability that the pair is relevant"),
    "CrossEntropyLoss": ScoreActivation(IDENTITY, "one logit per class (softmax them for probabilities)"),
    "MultipleNegativesRankingLoss": ScoreActivation(FOLLOWS_LOSS, _IN_BATCH),
    "CachedMultipleNegativesRankingLoss": ScoreActivation(FOLLOWS_LOSS, _IN_BATCH),
    "LambdaLoss": ScoreActivation(IDENTITY, _LISTWISE),
    "PListMLELoss": ScoreActivation(IDENTITY, _LISTWISE),
    "ListNetLoss": ScoreActivation(IDENTITY, _LISTWISE),
    "ListMLELoss": ScoreActivation(IDENTITY, _LISTWISE),
    "RankNetLoss": ScoreActivation(IDENTITY, "a pairwise loss trains raw score differences"),
    "ADRMSELoss": ScoreActivation(IDENTITY, _LISTWISE),
    "MSELoss": ScoreActivation(
        FOLLOWS_LOSS, "the scores were trained through the loss's activation_fn to match the teacher's"),
    "MarginMSELoss": ScoreActivation(
        FOLLOWS_LOSS, "the score margins were trained through the loss's activation_fn to match the teacher's"),
}
# fmt: on


def score_activation(loss_name: str) -> ScoreActivation | None:
    """The activation a cross-encoder trained with ``loss_name`` predicts with (None: not a cross-encoder loss
    this table knows)."""
    return SCORE_ACTIVATIONS.get(loss_name)
