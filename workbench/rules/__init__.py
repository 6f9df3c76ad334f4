"""Rules: facts derived from the catalog and a dataset's shape (loss verdicts and fixes, the evaluators that fit,
recommended arguments, guardrails). Pure functions; no widgets and no torch at import."""

from __future__ import annotations

from .args import (
    auto_precision,
    check_best_metric,
    check_evaluation,
    merge_args,
    precision_notes,
    recommended_args,
)
from .choices import (
    refusal,
    resolve_loss,
)
from .evaluators import (
    evaluator_fits,
    evaluator_name,
    evaluator_source,
    suggest_evaluators,
)
from .guardrails import (
    RULES,
    Guard,
    guardrails,
)
from .losses import (
    NUMERIC_LABEL_ROLES,
    SCALE_FREE,
    Fix,
    Verdict,
    ce_num_labels,
    recommend,
    recommend_with_fix,
    shape_with,
    verdict,
    verdicts,
)

__all__ = [
    "Fix",
    "Guard",
    "NUMERIC_LABEL_ROLES",
    "RULES",
    "SCALE_FREE",
    "Verdict",
    "auto_precision",
    "ce_num_labels",
    "check_best_metric",
    "check_evaluation",
    "evaluator_fits",
    "evaluator_name",
    "evaluator_source",
    "guardrails",
    "merge_args",
    "precision_notes",
    "recommend",
    "recommend_with_fix",
    "recommended_args",
    "refusal",
    "resolve_loss",
    "shape_with",
    "suggest_evaluators",
    "verdict",
    "verdicts",
]
