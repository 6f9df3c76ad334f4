"""Hard-negative mining, as facts and choices: the presets over ``sentence_transformers.util.mine_hard_negatives``'s
parameters, the output format a chosen loss takes, and the checks on a person's parameters (pure functions)."""

from __future__ import annotations

from .. import catalog as C
from ..errors import WorkbenchError

MINING_FORMATS = ("triplet", "n-tuple", "labeled-pair", "labeled-list")
# The presets: what each does in words, and the library's parameters it sets.
MINING_PRESETS: dict[str, tuple[str, dict]] = {
    "safe": (
        "skip the 10 most similar texts (often unmarked positives) and any text scored within 5 % of the "
        "positive (NV-Retriever's TopK-PercPos recipe)",
        {"range_min": 10, "relative_margin": 0.05, "sampling_strategy": "top"},
    ),
    "hardest": (
        "the most similar texts that still score below the positive (hard, but may hold unmarked positives)",
        {"range_min": 0, "absolute_margin": 0.0, "sampling_strategy": "top"},
    ),
    "varied": (
        "a random pick among ranks 10-100 scored within 5 % of the positive or lower (less hard, more varied)",
        {"range_min": 10, "range_max": 100, "relative_margin": 0.05, "sampling_strategy": "random"},
    ),
}
# The library's parameters a person may set directly (one click away from the presets).
MINING_PARAMETERS = ("range_min", "range_max", "max_score", "min_score", "absolute_margin", "relative_margin",
              "sampling_strategy", "num_negatives")  # fmt: skip


def mining_format(loss_name: str | None, model_type: str = C.DENSE, num_negatives: int = 1) -> str:
    """The output format the chosen loss trains on: labeled lists for listwise cross-encoder losses, labeled pairs
    for losses over (text, text, 0/1), n-tuples (several negatives) or triplets for in-batch-negatives losses."""
    if not loss_name or loss_name == "auto":
        return "n-tuple" if num_negatives > 1 else "triplet"
    formats = C.get_loss(loss_name, model_type).formats
    takes_tuples = any(
        f.n_max is None and f.label == C.L_NONE for f in formats
    )  # (anchor, positive, neg_1...)
    takes_triplets = any(f.n_min <= 3 <= (f.n_max or 99) and f.label == C.L_NONE for f in formats)
    if any(f.list_docs for f in formats):
        return "labeled-list"
    if takes_tuples and num_negatives > 1:
        return "n-tuple"
    if takes_triplets:
        return "triplet"
    if any(f.label == C.L_BINARY for f in formats):
        return "labeled-pair"
    raise WorkbenchError(
        f"{loss_name} does not train on mined negatives (it takes {formats[0].describe() if formats else 'no rows'}).",
        fix="choose a loss over (anchor, positive, negative) triplets, labeled pairs or lists, e.g. "
        "MultipleNegativesRankingLoss.",
        where="loss",
    )


def mining_parameters(preset: str = "safe", pool_size: int | None = None, **overrides) -> dict:
    """The library's parameters for a preset with a person's overrides; ``range_min`` is lowered for a small pool
    (it must leave ``num_negatives`` candidates).

    Raises:
        WorkbenchError: an unknown preset or parameter, or a value out of range (naming it and the fix).
    """
    if preset not in MINING_PRESETS:
        raise WorkbenchError(
            f"unknown mining preset '{preset}'.",
            fix=f"use one of: {', '.join(MINING_PRESETS)}.",
            where="preset",
        )
    unknown = sorted(set(overrides) - set(MINING_PARAMETERS))
    if unknown:
        raise WorkbenchError(
            f"unknown mining parameter {', '.join(map(repr, unknown))}.",
            fix=f"use one of: {', '.join(MINING_PARAMETERS)}.",
            where=unknown[0],
        )
    params = {
        "num_negatives": 3,
        **MINING_PRESETS[preset][1],
        **{k: v for k, v in overrides.items() if v is not None},
    }
    n = params["num_negatives"]
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise WorkbenchError(
            f"the number of negatives must be a whole number of at least 1, got {n!r}.",
            fix="use e.g. 3 (10 or fewer is recommended).",
            where="num_negatives",
        )
    if params.get("sampling_strategy") not in ("top", "random"):
        raise WorkbenchError(
            f"the sampling strategy (sampling_strategy) must be 'top' or 'random', got {params.get('sampling_strategy')!r}.",
            fix="'top' takes the most similar candidates; 'random' picks among them.",
            where="sampling_strategy",
        )
    for key in ("range_min", "range_max"):
        value = params.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise WorkbenchError(
                f"the value of {key} must be a whole number of at least 0, got {value!r}.",
                fix="e.g. 10.",
                where=key,
            )
    if pool_size is not None:
        # The candidates left after skipping range_min must hold num_negatives (and the positive itself).
        room = max(0, pool_size - n - 1)
        if params.get("range_min", 0) > room:
            params["range_min"] = room
        if params.get("range_max") is not None and params["range_max"] < params.get("range_min", 0) + n:
            params["range_max"] = params.get("range_min", 0) + n
    return params
