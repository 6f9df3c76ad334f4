"""Load a shipped model (``workbench ship``'s folder) and encode with it — numpy, ``tokenizers`` and the runtime
(onnxruntime or OpenVINO), no torch.

A shipped folder holds the trained model's configuration and tokenizer files (no torch weights), the graph of its
transformer (``onnx/model.onnx`` or ``openvino/openvino_model.xml``, where sentence-transformers' own
``backend="onnx"`` / ``"openvino"`` looks for them) and ``shipped.json``: what the loader needs (the graph file,
its inputs, the maximum sequence length, the padding token, the pooling modes and whether embeddings are
normalized). The pooling and normalization that the model's ``1_Pooling`` and ``Normalize`` modules do in torch
are done here in numpy, the same way. ``ship.json`` beside it is the export's report (quality and speed).

Example::

    from workbench import load_shipped

    model = load_shipped("runs/20261202-101500/shipped/onnx-int8")
    embeddings = model.encode(["a first sentence", "another one"])   # numpy, (2, dim)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import catalog as C
from ..errors import WorkbenchError

MANIFEST = "shipped.json"
REPORT = "ship.json"
ONNX_FILE = "onnx/model.onnx"
OPENVINO_FILE = "openvino/openvino_model.xml"
FORMATS = ("onnx", "openvino")
# The pooling modes of sentence-transformers' Pooling module that the loader reproduces in numpy.
POOLING_MODES = ("mean", "cls", "max", "mean_sqrt_len_tokens", "lasttoken")


def _threads() -> int:
    """The threads a runtime may use: OMP_NUM_THREADS when set (as torch reads it), else every CPU."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return os.cpu_count() or 1


def pool(hidden: np.ndarray, mask: np.ndarray, modes: Sequence[str]) -> np.ndarray:
    """Sentence embeddings from token embeddings as sentence-transformers' Pooling does (modes concatenated).

    Args:
        hidden: ``(batch, tokens, dim)`` token embeddings.
        mask: ``(batch, tokens)`` attention mask (1 = a real token).
        modes: Pooling modes (:data:`POOLING_MODES`), in the module's order.
    """
    m = mask.astype(hidden.dtype)[..., None]
    parts = []
    for mode in modes:
        if mode == "cls":
            parts.append(hidden[:, 0])
        elif mode == "max":
            parts.append(np.where(m > 0, hidden, np.finfo(hidden.dtype).min).max(axis=1))
        elif mode in ("mean", "mean_sqrt_len_tokens"):
            total = (hidden * m).sum(axis=1)
            count = np.clip(m.sum(axis=1), 1e-9, None)
            parts.append(total / (count if mode == "mean" else np.sqrt(count)))
        elif mode == "lasttoken":
            last = np.clip(mask.sum(axis=1).astype(int) - 1, 0, None)
            parts.append(hidden[np.arange(hidden.shape[0]), last])
        else:
            raise WorkbenchError(f"pooling mode '{mode}' is not supported by the shipped-model loader.")
    return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]


class ShippedModel:
    """A shipped model: its tokenizer, its runtime session and its pooling.

    Args:
        path: The shipped folder (it holds ``shipped.json``).
        threads: CPU threads for the runtime (default: ``OMP_NUM_THREADS``, else every CPU).

    Attributes:
        path: The folder. manifest: ``shipped.json``'s content. format: ``onnx`` / ``openvino``.
        quantize: ``none`` / ``int8``. max_seq_length: inputs are cut to this many tokens.
    """

    def __init__(self, path: str | Path, threads: int | None = None):
        self.path = Path(path).expanduser()
        try:
            self.manifest = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkbenchError(
                f"'{self.path}' is not a shipped model: its {MANIFEST} is missing or unreadable.",
                fix="give the folder `workbench ship` wrote (it prints it), e.g. runs/<id>/shipped/onnx-none.",
            ) from exc
        self.format = self.manifest.get("format")
        self.quantize = self.manifest.get("quantize", "none")
        self.max_seq_length = int(self.manifest.get("max_seq_length") or 512)
        self.modes = tuple(self.manifest.get("pooling") or ("mean",))
        self.normalize = bool(self.manifest.get("normalize"))
        self.inputs = tuple(self.manifest.get("inputs") or ("input_ids", "attention_mask"))
        self.truncate_dim = self.manifest.get("truncate_dim")
        self.prompt = self.manifest.get("prompt") or ""
        self.threads = threads or _threads()
        self._tokenizer = self._load_tokenizer()
        self._run = self._load_runtime()

    def _load_tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_seq_length)
        tokenizer.enable_padding(
            pad_id=int(self.manifest.get("pad_id", 0)), pad_token=self.manifest.get("pad_token", "[PAD]")
        )
        return tokenizer

    def _load_runtime(self):
        graph = self.path / self.manifest.get("file", "")
        if not graph.is_file():
            raise WorkbenchError(
                f"the shipped model's graph '{graph}' is missing.", fix="ship the run again (workbench ship)."
            )
        if self.format == "onnx":
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.log_severity_level = 3
            session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            return lambda feeds: session.run(None, feeds)[0]
        if self.format == "openvino":
            import openvino as ov

            compiled = ov.Core().compile_model(
                str(graph), "CPU", {"INFERENCE_NUM_THREADS": self.threads, "INFERENCE_PRECISION_HINT": "f32"}
            )
            request = compiled.create_infer_request()
            return lambda feeds: next(iter(request.infer(feeds).values())).copy()
        raise WorkbenchError(
            f"unknown shipped format '{self.format}' in {MANIFEST}.",
            fix=f"expected one of {', '.join(FORMATS)}.",
        )

    def tokenize(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The model's inputs for ``texts`` (padded to the longest, cut to ``max_seq_length``)."""
        encoded = self._tokenizer.encode_batch(list(texts))
        features = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return features

    def embed_features(self, features: dict) -> np.ndarray:
        """Sentence embeddings from tokenized inputs (numpy arrays or anything ``np.asarray`` takes)."""
        feeds = {name: np.asarray(features[name], dtype=np.int64) for name in self.inputs}
        if "token_type_ids" in self.inputs and "token_type_ids" not in features:
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        hidden = np.asarray(self._run(feeds), dtype=np.float32)
        pooled = pool(hidden, np.asarray(features["attention_mask"]), self.modes)
        if self.normalize:
            pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.astype(np.float32)

    def encode(self, texts: str | Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed texts as the trained SentenceTransformer's ``encode`` does (its default prompt, if it has one,
        before each text; its saved ``truncate_dim``, if any, applied).

        Args:
            texts: One text or a list of texts.
            batch_size: Texts per runtime call (they are sorted by length first, as the library does).

        Returns:
            A float32 array ``(len(texts), dim)`` (``(dim,)`` for one text given as a string).
        """
        single = isinstance(texts, str)
        items = [self.prompt + t for t in ([texts] if single else [str(t) for t in texts])]
        if not items:
            return np.zeros((0, int(self.manifest.get("dimension") or 0)), dtype=np.float32)
        order = np.argsort([-len(t) for t in items], kind="stable")
        chunks = []
        for start in range(0, len(items), max(1, int(batch_size))):
            batch = [items[i] for i in order[start : start + batch_size]]
            chunks.append(self.embed_features(self.tokenize(batch)))
        sorted_out = np.concatenate(chunks)
        out = np.empty_like(sorted_out)
        out[order] = sorted_out
        if self.truncate_dim:
            out = out[:, : int(self.truncate_dim)]
        return out[0] if single else out

    def __repr__(self) -> str:
        return f"ShippedModel({str(self.path)!r}, format={self.format!r}, quantize={self.quantize!r})"


def load_shipped(path: str | Path, threads: int | None = None) -> ShippedModel:
    """Load a folder written by ``workbench ship`` (or the app's Ship step); see :class:`ShippedModel` (``encode``),
    and for a cross-encoder :class:`~workbench.engine.shipped_cross.ShippedCrossEncoder` (``predict`` of pairs).

    Raises:
        WorkbenchError: the folder is not a shipped model, or its graph is missing.
    """
    folder = Path(path).expanduser()
    try:
        kind = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        kind = None  # ShippedModel says what is wrong with the folder
    if kind == C.CROSS:
        from .shipped_cross import ShippedCrossEncoder

        return ShippedCrossEncoder(folder, threads=threads)
    return ShippedModel(folder, threads=threads)
