"""Rules: facts derived from the catalog and a dataset's shape (loss verdicts and fixes, the evaluators that fit,
recommended arguments, guardrails). Pure functions; no widgets and no torch at import."""

from __future__ import annotations

from .args import (
    auto_precision,
    merge_args,
    recommended_args,
)
from .evaluators import (
    evaluator_fits,
    evaluator_name,
    evaluator_source,
    suggest_evaluators,
)
from .guardrails import (
    guardrails,
)
from .losses import (
    NUMERIC_LABEL_ROLES,
    SCALE_FREE,
    Fix,
    Verdict,
    ce_num_labels,
    combined_verdicts,
    mapped_verdicts,
    mapping_fixes,
    recommend,
    recommend_with_fix,
    shape_with,
    verdict,
    verdicts,
)

__all__ = [
    "Fix",
    "NUMERIC_LABEL_ROLES",
    "SCALE_FREE",
    "Verdict",
    "auto_precision",
    "ce_num_labels",
    "combined_verdicts",
    "evaluator_fits",
    "evaluator_name",
    "evaluator_source",
    "guardrails",
    "mapped_verdicts",
    "mapping_fixes",
    "merge_args",
    "recommend",
    "recommend_with_fix",
    "recommended_args",
    "shape_with",
    "suggest_evaluators",
    "verdict",
    "verdicts",
]
