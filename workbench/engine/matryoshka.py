"""Matryoshka, measured: the run's evaluators at each embedding size the Matryoshka modifiers train, and the
chosen size saved with the model.

The library's evaluators take ``truncate_dim`` (the embeddings are cut to that many dimensions before scoring);
each size runs a copy of the run's evaluator with it set. A multi-vector model's sizes are those of its token
vectors (MultiVectorMatryoshkaLoss; its evaluators truncate and re-normalize each token vector). The summary
records, per evaluator, its primary metric at each size with the bytes one vector takes (float32: 4 bytes per
dimension).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError
from .losses import MATRYOSHKA, model_value

FLOAT32_BYTES = 4
CONFIG_FILE = "config_sentence_transformers.json"


def trained_dims(plan, model) -> list[int]:
    """The embedding sizes the run's Matryoshka modifiers train, largest first ([] without one): the config's
    ``matryoshka_dims``, else the run's default from the model's own size (`losses.model_value`)."""
    if plan.model_type not in (C.DENSE, C.MULTI):
        return []
    dims: set[int] = set()
    for choice in plan.loss_choices.values():
        modifier = choice.modifier or {}
        if modifier.get("name") not in MATRYOSHKA:
            continue
        given = (modifier.get("params") or {}).get("matryoshka_dims")
        dims.update(int(d) for d in (given or model_value("matryoshka_dims", model)))
    return sorted(dims, reverse=True)


def evaluate_by_dim(
    plan, model, dims: list[int], primary: dict[str, str], measured: dict | None = None
) -> dict[str, dict[str, float]]:
    """Each eval/test evaluator's primary metric at each size: ``{evaluator name: {str(dim): value}}``.

    Args:
        plan: The run's Plan (its evaluators).
        model: The model to measure (not changed: each size runs a copy of the evaluator).
        dims: The sizes (`trained_dims`).
        primary: The evaluators' primary metric keys, by name (the run's ``primary_metrics``).
        measured: The run's own metrics of this model at its full size: that size is not measured again.
    """
    from .models import embedding_dimension

    full = embedding_dimension(model)
    out: dict[str, dict[str, float]] = {}
    for ev in plan.evaluators:
        key = primary.get(ev.name)
        if key is None or not hasattr(ev.instance, "truncate_dim"):
            continue
        for dim in dims:
            if dim == full and isinstance((measured or {}).get(key), (int, float)):
                out.setdefault(ev.name, {})[str(dim)] = float(measured[key])
                continue
            scaled = copy.copy(ev.instance)
            scaled.truncate_dim = int(dim)
            result = scaled(model)
            value = result.get(key) if isinstance(result, dict) else result
            if isinstance(value, (int, float)):
                out.setdefault(ev.name, {})[str(dim)] = float(value)
    return out


def dims_summary(dims: list[int], baseline: dict, final: dict, primary: dict[str, str]) -> dict:
    """The summary's ``matryoshka`` entry: the sizes, each size's bytes per float32 vector, the primary metric
    keys, and the metric at each size before and after training (:func:`evaluate_by_dim`)."""
    return {
        "dims": [int(d) for d in dims],
        "bytes_per_vector": {str(d): FLOAT32_BYTES * int(d) for d in dims},
        "primary_metrics": {name: primary[name] for name in {*baseline, *final} if name in primary},
        "baseline": baseline,
        "final": final,
    }


def save_truncate_dim(model_dir: str | Path, dim: int | None) -> Path:
    """Save ``truncate_dim`` with a saved model: SentenceTransformer(model_dir) (or MultiVectorEncoder, per
    token) then encodes to ``dim`` dimensions (None: the full size again). The library reads it from the model's
    config file.

    Raises:
        WorkbenchError: the folder holds no sentence-transformers model, or ``dim`` is not a size it can give.
    """
    path = Path(model_dir).expanduser() / CONFIG_FILE
    if not path.is_file():
        raise WorkbenchError(
            f"'{model_dir}' holds no sentence-transformers model ({CONFIG_FILE} is missing).",
            fix="give the run's final/ folder (or another saved SentenceTransformer).",
        )
    config = json.loads(path.read_text(encoding="utf8"))
    if dim is None:
        config.pop("truncate_dim", None)
    else:
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise WorkbenchError(
                f"truncate_dim must be a whole number of dimensions, got {dim!r}.", fix="use e.g. 128."
            )
        config["truncate_dim"] = dim
    path.write_text(json.dumps(config, indent=2), encoding="utf8")
    return path
