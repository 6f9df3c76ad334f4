"""The playground: a run's base model and its trained model side by side on a corpus of the user's texts.

A query gets the top-k texts of a corpus from both models, each hit with its score, its rank and its rank change
(how many places the trained model moved it up). Dense and sparse models search with the library's
``util.semantic_search`` over corpus embeddings that are computed once per model and cached in the run folder
(``<run>/playground/<model-key>-<corpus-hash>.npy``, ``.npz`` for sparse ones, beside ``corpus-<hash>.json``);
cross-encoders rerank the corpus with ``CrossEncoder.rank``; multi-vector models score it with their own MaxSim
(``MultiVectorEncoder.similarity``) over token embeddings cached the same way (:mod:`.late_interaction`). Two texts get both models' similarity. Sparse models
also show their top weighted tokens (``SparseEncoder.decode``).

Reading a run and its corpus needs no torch; the models load on the first query.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError
from ..spec import RunSpec, load_config
from . import late_interaction as late
from .corpus import corpus_hash
from .models import build_model, quiet_loading, resolve_model_path
from .run_index import read_run

BASE, TRAINED = "base", "trained"
ROLES = (BASE, TRAINED)
FOLDER = "playground"  # inside the run folder
MAX_RERANK = 1000  # a cross-encoder scores every (query, text) pair: the first this many texts are reranked
ENCODE_CHUNK = 64  # texts encoded between two progress reports
SPARSE_TOKENS = 8  # top weighted tokens shown for a sparse query (5 for each hit)
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json", "modules.json")

Progress = Callable[[str, int, int], None]  # (role, texts done, texts in all)


@dataclass
class Hit:
    """One text a model ranks for the query.

    Attributes:
        text: The corpus text. corpus_id: its position in the corpus.
        score: The model's score. rank: its place in this model's ranking (1 = best).
        change: How many places the trained model ranks it higher than the base model (negative: lower).
        tokens: A sparse model's top weighted tokens of the text, as (token, weight).
    """

    text: str
    score: float
    rank: int
    corpus_id: int
    change: int = 0
    tokens: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Comparison:
    """Base and trained top-k for one query (``tokens``: a sparse model's query tokens by role)."""

    query: str
    base: list[Hit]
    trained: list[Hit]
    model_type: str = C.DENSE
    corpus_size: int = 0
    tokens: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict:
        """``{"query", "base": [{"text", "score", "rank", ...}], "trained": [...], ...}`` (the CLI's --json)."""
        return asdict(self)


def run_spec(run_dir: str | Path) -> RunSpec:
    """The RunSpec of a run folder (its ``config.json``).

    Raises:
        WorkbenchError: the folder is not a workbench run folder.
    """
    folder = Path(run_dir).expanduser()
    if not folder.is_dir() or read_run(folder) is None or not (folder / "config.json").is_file():
        raise WorkbenchError(
            f"'{run_dir}' is not a workbench run folder (it has no config.json).",
            fix="give a run's folder, as `workbench runs` lists it (e.g. runs/20260101-120000).",
        )
    return load_config(folder / "config.json")


def trained_model_path(run_dir: str | Path) -> Path:
    """The folder of the model a run saved: its ``final/`` (the runner always saves there; the summary's absolute
    ``model_path`` would still name the old place of a moved folder).

    Raises:
        WorkbenchError: the run saved no model (yet).
    """
    folder = Path(run_dir).expanduser()
    path = folder / "final"
    if path.is_dir() and any((path / f).is_file() for f in ("modules.json", "config.json")):
        return path
    info = read_run(folder)
    state = f" (it is {info.status})" if info else ""
    raise WorkbenchError(
        f"run '{folder.name}' has no trained model{state}: there is no final/ folder with a model in it.",
        fix="pick a finished run (`workbench runs` lists them), or wait for this one to finish.",
    )


def _fingerprint(path: str | Path) -> str:
    """Changes when a local model's weights change (a run overwritten in its folder gets new embeddings)."""
    parts = [str(path)]
    folder = Path(path)
    for name in _WEIGHT_FILES:
        if (folder / name).is_file():
            stat = (folder / name).stat()
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:10]


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    write(tmp)
    os.replace(tmp, path)


class Playground:
    """A run's base and trained models, ready to compare on a corpus.

    Args:
        run_dir: The run folder (its ``config.json`` names the base model; ``final/`` holds the trained one).
        device: ``cuda`` / ``cpu`` / ...; None lets the library choose.

    Raises:
        WorkbenchError: the folder is not a run folder, or the run saved no trained model.
    """

    def __init__(self, run_dir: str | Path, device: str | None = None):
        self.run_dir = Path(run_dir).expanduser()
        self.spec = run_spec(self.run_dir)
        self.trained_path = trained_model_path(self.run_dir)
        self.model_type = self.spec.model.type
        self.device = device
        self.folder = self.run_dir / FOLDER
        self.encoded = 0  # texts encoded so far (not read back from a cache)
        self._models: dict = {}
        self._cache: dict = {}
        self._lock = threading.RLock()

    @property
    def sparse(self) -> bool:
        return self.model_type == C.SPARSE

    @property
    def cross(self) -> bool:
        return self.model_type == C.CROSS

    @property
    def multi(self) -> bool:
        return self.model_type == C.MULTI

    # ---- models ----

    def model_key(self, role: str) -> str:
        """The cache name of a model: its role and a fingerprint of its weights."""
        path = self.trained_path if role == TRAINED else resolve_model_path(self.spec.model.name_or_path)
        return f"{role}-{_fingerprint(path)}"

    def model(self, role: str):
        """The base or trained model, loaded once."""
        with self._lock:
            if role not in self._models:
                self._models[role] = self._load(role)
            return self._models[role]

    def _load(self, role: str):
        if role == TRAINED:
            kind = C.kind(self.model_type)
            model_cls = C.import_attr((kind.package,), kind.class_name)
            try:
                with quiet_loading():
                    return model_cls(str(self.trained_path), device=self.device)
            except Exception as exc:  # noqa: BLE001 - a damaged final/ folder is the user's run, said plainly
                raise WorkbenchError(
                    f"the trained model in '{self.trained_path}' could not be loaded: {exc}",
                    fix="pick another run, or train this one again.",
                ) from exc
        import torch

        # A cross-encoder built from a plain checkpoint starts with a random head: the same one on every load.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            labels = self.model(TRAINED).num_labels if self.cross else None
            return build_model(self.spec.model, num_labels=labels, device=self.device)

    # ---- corpus embeddings ----

    def _cache_file(self, role: str, digest: str) -> Path:
        return (
            self.folder / f"{self.model_key(role)}-{digest}.{'npz' if self.sparse or self.multi else 'npy'}"
        )

    def embeddings(self, role: str, texts: list[str], progress: Progress | None = None):
        """The corpus embeddings of one model: from memory, else from the run folder's cache, else encoded (with
        ``progress(role, done, total)``) and cached. Dense: a numpy array; sparse: a torch sparse COO tensor."""
        digest = corpus_hash(texts)
        with self._lock:
            key = (self.model_key(role), digest)
            if key not in self._cache:
                path = self._cache_file(role, digest)
                loaded = self._read(path) if path.is_file() else None
                self._cache[key] = loaded if loaded is not None else self._encode(role, texts, path, progress)
            return self._cache[key]

    def _read(self, path: Path):
        import numpy as np

        if self.multi:
            return late.unpack(path)
        try:
            if not self.sparse:
                return np.load(path)
            import torch

            with np.load(path) as data:
                return torch.sparse_coo_tensor(
                    torch.from_numpy(data["indices"]),
                    torch.from_numpy(data["values"]),
                    tuple(data["shape"]),
                    check_invariants=True,
                ).coalesce()
        except (OSError, ValueError, KeyError, RuntimeError):
            return None  # a torn cache file: encode again

    def _encode(self, role: str, texts: list[str], path: Path, progress: Progress | None):
        import numpy as np

        model = self.model(role)
        encode = getattr(model, "encode_document", model.encode)
        parts = []
        if progress:
            progress(role, 0, len(texts))
        for start in range(0, len(texts), ENCODE_CHUNK):
            chunk = texts[start : start + ENCODE_CHUNK]
            if self.sparse:
                parts.append(encode(chunk, convert_to_sparse_tensor=True, show_progress_bar=False).cpu())
            elif self.multi:
                parts.extend(late.encode_documents(model, chunk))
            else:
                parts.append(encode(chunk, convert_to_numpy=True, show_progress_bar=False))
            self.encoded += len(chunk)
            if progress:
                progress(role, min(start + ENCODE_CHUNK, len(texts)), len(texts))
        self.folder.mkdir(parents=True, exist_ok=True)
        texts_file = self.folder / f"corpus-{corpus_hash(texts)}.json"
        if not texts_file.is_file():
            _write_atomic(texts_file, lambda p: p.write_text(json.dumps(texts), encoding="utf-8"))
        if self.multi:
            _write_atomic(path, lambda p: np.savez(p.open("wb"), **late.pack(parts)))
            return parts
        if not self.sparse:
            matrix = np.concatenate(parts).astype(np.float32)
            _write_atomic(path, lambda p: np.save(p.open("wb"), matrix))
            return matrix
        import torch

        matrix = torch.cat(parts).coalesce()
        arrays = {
            "indices": matrix.indices().numpy(),
            "values": matrix.values().float().numpy(),
            "shape": np.array(matrix.shape),
        }
        _write_atomic(path, lambda p: np.savez(p.open("wb"), **arrays))
        return matrix

    # ---- comparing ----

    def search(
        self, query: str, texts: list[str], k: int = 10, progress: Progress | None = None
    ) -> Comparison:
        """Both models' top ``k`` of ``texts`` for ``query``, each hit with its rank change.

        Raises:
            WorkbenchError: an empty query or corpus, or ``k`` below 1.
        """
        query = _checked_query(query)
        if not texts:
            raise WorkbenchError("the corpus holds no texts.", fix="pick a corpus or column with text in it.")
        if k < 1:
            raise WorkbenchError(f"k must be at least 1, got {k}.", fix="ask for e.g. the top 10.")
        note = ""
        if self.cross and len(texts) > MAX_RERANK:
            note = f"The cross-encoders reranked the first {MAX_RERANK} of {len(texts)} texts."
            texts = texts[:MAX_RERANK]
        ranked, tokens = {}, {}
        for role in ROLES:
            ranked[role], query_emb = self._ranking(role, query, texts, progress)
            if self.sparse:
                tokens[role] = _tokens(self.model(role), query_emb, SPARSE_TOKENS)
        places = {role: {cid: i + 1 for i, (cid, _) in enumerate(ranked[role])} for role in ROLES}
        hits = {}
        for role in ROLES:
            hits[role] = [
                Hit(
                    text=texts[cid],
                    score=round(float(score), 6),
                    rank=i + 1,
                    corpus_id=int(cid),
                    change=places[BASE][cid] - places[TRAINED][cid],
                )
                for i, (cid, score) in enumerate(ranked[role][:k])
            ]
            if self.sparse:
                self._hit_tokens(role, texts, hits[role])
        return Comparison(query, hits[BASE], hits[TRAINED], self.model_type, len(texts), tokens, note)

    def _ranking(self, role: str, query: str, texts: list[str], progress: Progress | None):
        """Every corpus text as (corpus_id, score), best first, and the query's embedding (None: cross)."""
        model = self.model(role)
        if self.cross:
            with quiet_loading():
                ranked = model.rank(query, texts, show_progress_bar=False)
            return [(r["corpus_id"], r["score"]) for r in ranked], None
        if self.multi:
            return late.maxsim_ranking(model, query, self.embeddings(role, texts, progress))
        import torch
        from sentence_transformers.util import semantic_search

        corpus = self.embeddings(role, texts, progress)
        encode = getattr(model, "encode_query", model.encode)
        if self.sparse:
            q = encode([query], convert_to_sparse_tensor=True, show_progress_bar=False).cpu()
        else:
            q = encode([query], convert_to_tensor=True, show_progress_bar=False).cpu()
            corpus = torch.from_numpy(corpus)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Sparse CSR tensor support is in beta", UserWarning)
            found = semantic_search(q, corpus, top_k=len(texts), score_function=model.similarity)[0]
        return [(h["corpus_id"], h["score"]) for h in found], q

    def _hit_tokens(self, role: str, texts: list[str], hits: list[Hit]) -> None:
        import torch

        if not hits:
            return
        corpus = self.embeddings(role, texts)
        rows = corpus.index_select(0, torch.tensor([h.corpus_id for h in hits]))
        for hit, decoded in zip(hits, self.model(role).decode(rows.to_dense(), top_k=5), strict=True):
            hit.tokens = [(str(t), round(float(w), 4)) for t, w in decoded]

    def pair(self, text_a: str, text_b: str) -> dict[str, float]:
        """Both models' similarity of two texts (a cross-encoder's score of the pair): ``{"base", "trained"}``."""
        text_a, text_b = _checked_query(text_a, "first text"), _checked_query(text_b, "second text")
        scores = {}
        for role in ROLES:
            model = self.model(role)
            if self.cross:
                scores[role] = float(model.predict([(text_a, text_b)], show_progress_bar=False)[0])
                continue
            if self.multi:
                scores[role] = late.maxsim_pair(model, text_a, text_b)
                continue
            kwargs = {"convert_to_sparse_tensor": True} if self.sparse else {"convert_to_tensor": True}
            a = model.encode([text_a], show_progress_bar=False, **kwargs).cpu()
            b = model.encode([text_b], show_progress_bar=False, **kwargs).cpu()
            scores[role] = float(model.similarity(a, b)[0][0])
        return {role: round(score, 6) for role, score in scores.items()}


def _checked_query(text: str, what: str = "query") -> str:
    text = str(text or "").strip()
    if not text:
        raise WorkbenchError(f"the {what} is empty.", fix=f"type a {what} to compare the models on.")
    return text


def _tokens(model, embedding, k: int) -> list[tuple[str, float]]:
    decoded = model.decode(embedding.to_dense()[0], top_k=k)
    return [(str(t), round(float(w), 4)) for t, w in decoded]
