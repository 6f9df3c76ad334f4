"""Load a shipped cross-encoder (``workbench ship`` of a cross-encoder run) and score pairs with it — numpy,
``tokenizers`` and the runtime (onnxruntime or OpenVINO), no torch.

The folder is laid out as a shipped dense model's (:mod:`workbench.engine.shipped`); its graph maps the tokenized
pair (``input_ids``, ``attention_mask``, ``token_type_ids``) to the classifier's ``logits``, and ``shipped.json``
names the model's activation (``activation``: sigmoid, identity, tanh or softmax, as the trained CrossEncoder's
``activation_fn``) and its ``num_labels``. :meth:`ShippedCrossEncoder.predict` does what ``CrossEncoder.predict``
does: each pair tokenized together (the model's default prompt before the first text, if it has one), the logits,
the activation, one score per pair for a one-label model.

Example::

    from workbench import load_shipped

    model = load_shipped("runs/20261202-101500/shipped/onnx-none")
    scores = model.predict([("how do I reset it?", "Hold the button for 5 s."), ("a query", "a document")])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import WorkbenchError
from .shipped import ShippedModel

# The activations of a trained CrossEncoder (its activation_fn's class) the loader reproduces in numpy.
ACTIVATIONS = {"Sigmoid": "sigmoid", "Identity": "identity", "Tanh": "tanh", "Softmax": "softmax"}


def activate(logits: np.ndarray, name: str) -> np.ndarray:
    """``logits`` through the activation called ``name`` (:data:`ACTIVATIONS`' values), as torch computes it."""
    x = np.asarray(logits, dtype=np.float32)
    if name == "sigmoid":
        return (1.0 / (1.0 + np.exp(-x))).astype(np.float32)
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    if name == "identity":
        return x
    raise WorkbenchError(
        f"activation '{name}' is not reproduced by the shipped-model loader.",
        fix=f"the loader knows {', '.join(ACTIVATIONS.values())}.",
    )


class ShippedCrossEncoder(ShippedModel):
    """A shipped cross-encoder: its tokenizer, its runtime session, its activation.

    Args:
        path: The shipped folder (it holds ``shipped.json``).
        threads: CPU threads for the runtime (default: ``OMP_NUM_THREADS``, else every CPU).

    Attributes:
        activation: The activation applied to the logits. num_labels: Scores per pair.
    """

    def __init__(self, path, threads: int | None = None):
        super().__init__(path, threads=threads)
        self.activation = str(self.manifest.get("activation") or "identity")
        self.num_labels = int(self.manifest.get("num_labels") or 1)

    def tokenize_pairs(self, pairs: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
        """The model's inputs for ``pairs``: each pair as one sequence (padded to the longest, the longer text
        cut first down to ``max_seq_length``, as the library's tokenizer call does)."""
        encoded = self._tokenizer.encode_batch([(self.prompt + str(a), str(b)) for a, b in pairs])
        return {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }

    def logits(self, features: dict) -> np.ndarray:
        """The classifier's logits ``(batch, num_labels)`` for tokenized pairs."""
        feeds = {name: np.asarray(features[name], dtype=np.int64) for name in self.inputs}
        if "token_type_ids" in self.inputs and "token_type_ids" not in features:
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        return np.asarray(self._run(feeds), dtype=np.float32)

    def predict(self, pairs: Sequence[Sequence[str]], batch_size: int = 32) -> np.ndarray:
        """Score pairs as the trained CrossEncoder's ``predict`` does.

        Args:
            pairs: ``(text, text)`` pairs (a query and a document, two sentences, ...); one pair alone is accepted.
            batch_size: Pairs per runtime call (sorted by length first, as the library does).

        Returns:
            float32 scores: ``(len(pairs),)`` for a one-label model, else ``(len(pairs), num_labels)``; one pair
            given alone gives its score alone.
        """
        single = len(pairs) == 2 and all(isinstance(t, str) for t in pairs)
        items = [tuple(pairs)] if single else [tuple(p) for p in pairs]
        bad = next((p for p in items if len(p) != 2), None)
        if bad is not None:
            raise WorkbenchError(
                f"a cross-encoder scores pairs of two texts; got {len(bad)} item(s): {bad!r:.80}.",
                fix="give a list of (text, text) pairs, e.g. [('a query', 'a document')].",
            )
        if not items:
            return np.zeros((0,) if self.num_labels == 1 else (0, self.num_labels), dtype=np.float32)
        order = np.argsort([-(len(a) + len(b)) for a, b in items], kind="stable")
        chunks = []
        for start in range(0, len(items), max(1, int(batch_size))):
            batch = [items[i] for i in order[start : start + batch_size]]
            chunks.append(activate(self.logits(self.tokenize_pairs(batch)), self.activation))
        sorted_out = np.concatenate(chunks)
        out = np.empty_like(sorted_out)
        out[order] = sorted_out
        if self.num_labels == 1:
            out = out[:, 0]
        return out[0] if single else out

    def encode(self, texts, batch_size: int = 32):
        raise WorkbenchError(
            "a shipped cross-encoder scores pairs; it has no embeddings to encode.",
            fix="call .predict([(text_a, text_b), ...]).",
        )

    def __repr__(self) -> str:
        return f"ShippedCrossEncoder({str(self.path)!r}, format={self.format!r}, quantize={self.quantize!r})"
