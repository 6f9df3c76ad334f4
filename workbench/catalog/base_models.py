"""The suggested base models per model type, with their published scores (for the model picker)."""

from __future__ import annotations

from dataclasses import dataclass

from .kinds import CROSS, DENSE, MULTI, SPARSE


@dataclass(frozen=True)
class BaseModel:
    """A suggested base model with its published score (for the model picker)."""

    name: str
    model_type: str
    size: str
    score: str
    note: str = ""
    packaged: bool = False


# fmt: off
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
    BaseModel("default", MULTI, "22M", "-", "128-d token projection on the packaged MiniLM weights (projection "
              "untrained)", packaged=True),
    BaseModel("lightonai/GTE-ModernColBERT-v1", MULTI, "149M", "-", "finished ColBERT model"),
    BaseModel("answerdotai/answerai-colbert-small-v1", MULTI, "33M", "-", "small finished ColBERT model"),
)
# fmt: on


def base_models_for(model_type: str) -> tuple[BaseModel, ...]:
    """The suggested base models of one model type, in the picker's order."""
    return tuple(m for m in BASE_MODELS if m.model_type == model_type)
