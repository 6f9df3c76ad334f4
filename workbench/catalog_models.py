"""Model types, the suggested base models per type, and name lookup in the installed library.

The leaf of the catalog modules: `catalog`, `catalog_evaluators` and `catalog_args` all build on the model
types defined here, so it imports none of them (no import cycle). No heavy imports at module load: the library
is only imported when a class is resolved.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .errors import WorkbenchError

DENSE, SPARSE, CROSS = "sentence-transformer", "sparse-encoder", "cross-encoder"
MODEL_TYPES = (DENSE, SPARSE, CROSS)
MODEL_TYPE_LABELS = {DENSE: "Dense embeddings (SentenceTransformer)", SPARSE: "Sparse / SPLADE (SparseEncoder)",
                     CROSS: "Reranker (CrossEncoder)"}


def import_attr(modules: tuple[str, ...], name: str):
    """The attribute ``name`` of the first of ``modules`` that has it.

    Args:
        modules: Module paths to try in order (the v6 home first, then older aliases).
        name: Class name to look up.

    Returns:
        The attribute (usually a class) from the installed library.

    Raises:
        WorkbenchError: No module defines ``name``; the message lists why each module failed.
    """
    import warnings

    errors = []
    for module_name in modules:
        try:
            # The pre-v6 alias modules warn on import; the user did nothing wrong, so keep the notebook quiet.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                module = importlib.import_module(module_name)
        except ImportError as exc:
            errors.append(f"{module_name}: {exc}")
            continue
        if hasattr(module, name):
            return getattr(module, name)
        errors.append(f"{module_name} has no {name}")
    raise WorkbenchError(
        f"the installed sentence-transformers has no '{name}' ({'; '.join(errors)}).",
        fix="install a sentence-transformers version in the range pyproject.toml gives (>= 6.0, < 7).",
    )


# ---- base models ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseModel:
    """A suggested base model with its published score (for the model picker)."""

    name: str
    model_type: str
    size: str
    score: str
    note: str = ""
    packaged: bool = False


BASE_MODELS: tuple[BaseModel, ...] = (
    BaseModel("default", DENSE, "22M", "STSb 82.03", "all-MiniLM-L6-v2, packaged: works offline", packaged=True),
    BaseModel("sentence-transformers/all-mpnet-base-v2", DENSE, "110M", "STSb 83.42", "best general-purpose classic"),
    BaseModel("sentence-transformers/paraphrase-MiniLM-L6-v2", DENSE, "22M", "STSb 84.12", "small, paraphrase-tuned"),
    BaseModel("BAAI/bge-small-en-v1.5", DENSE, "33M", "MTEB retrieval 51.7", "strong small retrieval model"),
    BaseModel("microsoft/mpnet-base", DENSE, "110M", "-", "plain encoder: train from scratch"),
    BaseModel("distilbert/distilbert-base-uncased", DENSE, "66M", "-", "plain encoder: train from scratch"),
    BaseModel("default", SPARSE, "22M", "-", "SPLADE head on the packaged MiniLM weights (MLM head untrained)",
              packaged=True),
    BaseModel("naver/splade-cocondenser-ensembledistil", SPARSE, "110M", "MS MARCO MRR@10 38.0", "finished SPLADE"),
    BaseModel("google-bert/bert-base-uncased", SPARSE, "110M", "-", "plain MLM encoder for SPLADE from scratch"),
    BaseModel("default", CROSS, "22M", "-", "classifier head on the packaged MiniLM weights (head untrained)",
              packaged=True),
    BaseModel("cross-encoder/ms-marco-MiniLM-L6-v2", CROSS, "22M", "MS MARCO MRR@10 39.0", "finished reranker"),
    BaseModel("answerdotai/ModernBERT-base", CROSS, "150M", "-", "plain encoder for a reranker from scratch"),
)


def base_models_for(model_type: str) -> tuple[BaseModel, ...]:
    """The suggested base models of one model type, in the picker's order."""
    return tuple(m for m in BASE_MODELS if m.model_type == model_type)
