"""Which evaluators fit an eval dataset's shape, and why (not); the one naming rule for a run's evaluators.

Pure functions of (DataShape, model type); the run plan and the Evaluators panel share them.
"""

from __future__ import annotations

from pathlib import Path

from .. import catalog as C
from ..data import shapes as S
from ..spec import EvaluatorChoice
from .losses import NUMERIC_LABEL_ROLES


def evaluator_fits(ev: C.EvaluatorSpec, shape: S.DataShape | None) -> tuple[bool, str]:
    """Whether an evaluator can be built from a mapped eval dataset, and why (not)."""
    if ev.needs == C.E_NONE:
        if not ev.offline:
            return False, f"{ev.name} downloads its benchmark data from the Hub (not available offline)"
        return True, "needs no dataset"
    if shape is None:
        return False, "needs an eval dataset"
    texts = [r for r in shape.input_roles if r == S.TEXT]
    n = shape.n_inputs
    if (
        ev.needs == C.E_RERANK
        and ev.model_type == C.CROSS
        and shape.input_roles == (S.TEXT, S.TEXT_LIST)
        and shape.label_role == S.NUMBER_LIST
    ):
        return True, "fits: (query, [documents]) + a list of relevance labels"
    if len(texts) != n:
        return False, "every input column must hold text"
    if ev.needs == C.E_PAIRS_SCORE:
        ok = n == 2 and shape.label_role in NUMERIC_LABEL_ROLES
        if ev.model_type == C.CROSS and shape.label_role == S.CLASS and (shape.n_classes or 0) > 2:
            ok = False  # a multi-class reranker has one output per class: no single score to correlate
    elif ev.needs == C.E_PAIRS_CLASS:
        ok = n == 2 and (
            shape.label_role == S.BINARY
            or (ev.model_type == C.CROSS and shape.label_role in (S.CLASS, S.CATEGORY))
        )
    elif ev.needs == C.E_TRIPLETS:
        ok = n == 3 and shape.label is None
    elif ev.needs == C.E_IR:
        ok = n >= 2 and shape.label is None
    elif ev.needs == C.E_RERANK:
        ok = n >= 3 and shape.label is None
    elif ev.needs == C.E_PARALLEL:
        ok = n == 2 and shape.label is None
    elif ev.needs == C.E_DISTILL:  # one teacher score per document: a number, or a list of n - 1 numbers
        if n == 2:
            ok = shape.label_role in NUMERIC_LABEL_ROLES
        else:
            ok = n > 2 and shape.label_role == S.NUMBER_LIST and shape.label_list_len in (None, n - 1)
    else:
        ok = False
    wording = C.EVAL_DATA[ev.needs].wording  # the words the run's error uses too
    if ok:
        return True, f"fits: {wording}"
    return False, f"needs {wording}; the eval data has {n} input(s)" + (
        f" and label '{shape.label}' ({shape.label_role})" if shape.label else " and no label"
    )


# For each kind of eval data, the evaluator a person most likely wants first.
_EVAL_PREFERENCE = (C.E_PAIRS_SCORE, C.E_PAIRS_CLASS, C.E_TRIPLETS, C.E_IR, C.E_RERANK, C.E_DISTILL)


def suggest_evaluators(shape: S.DataShape | None, model_type: str) -> list[C.EvaluatorSpec]:
    """Evaluators that fit an eval dataset, most useful first (offline ones only)."""
    fitting = [
        ev
        for ev in C.evaluators_for(model_type)
        if ev.offline and ev.needs != C.E_NONE and evaluator_fits(ev, shape)[0]
    ]
    order = list(_EVAL_PREFERENCE)
    if (
        shape is not None
        and shape.label_role in (S.BINARY, S.CATEGORY)
        or (shape is not None and shape.label_role == S.CLASS and (shape.n_classes or 0) <= 2)
    ):
        order.remove(C.E_PAIRS_CLASS)
        order.insert(0, C.E_PAIRS_CLASS)  # 0/1 labels: classification metrics say more than a correlation
    return sorted(fitting, key=lambda ev: order.index(ev.needs) if ev.needs in order else 99)


def evaluator_source(choice: EvaluatorChoice, ev_spec) -> tuple[str, str]:
    """(split, dataset name) an evaluator is named after: its dataset, or the folder of its BEIR files (eval)."""
    if choice.dataset:
        split, _, ds_name = choice.dataset.partition("/")
        return split, ds_name
    return "eval", Path(choice.queries).parent.name if choice.queries else ev_spec.name.replace(
        "Evaluator", ""
    )


def evaluator_name(ds_name: str, split: str, ev_spec, taken: set) -> str:
    """A unique evaluator name (the metric-key prefix) for a dataset; records it in ``taken``.

    The app's metric_for_best_model choices use the same rule, so the names they offer are the run's names.
    """
    name = ds_name if ds_name not in taken else f"{ds_name}-{split}"
    if name in taken:
        name = f"{name}-{ev_spec.name.replace('Evaluator', '').lower()}"
    k = 2
    while name in taken:
        name, k = f"{name}-{k}", k + 1
    taken.add(name)
    return name
