"""Warnings about a run that name their fix: eval rows that are also train rows (a leak), and many passes over few
rows while the eval loss rises (overfitting). Pure functions over rows and the run's eval-loss history; the run
writes their output into summary.json's ``warnings`` (``[{"kind", "text"}]``) and the verdict shows them. An eval
set already at the ceiling is a hint of the verdict itself (`workbench.rules.run_outcome.CEILING_HINT`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

LEAK, OVERFIT = "leak", "overfit"
# The eval loss counts as rising when its last value is this share above its lowest one.
RISE = 0.05
MIN_RISE = 1e-3  # ... and by at least this much
# "Many passes over few rows": at least this many epochs, over at most this many train rows.
MANY_PASSES = 2.0
FEW_ROWS = 10_000
_SPACE = re.compile(r"\s+")


def normalize(text) -> str:
    """A text as compared for a leak: case folded, whitespace collapsed, ends stripped."""
    return _SPACE.sub(" ", str(text)).strip().casefold()


def _key(row: Sequence, width: int) -> tuple[str, ...]:
    # Sorted: a pair (a, b) in the eval data leaks when the train data has (b, a).
    return tuple(sorted(normalize(t) for t in list(row)[:width]))


def leaked_rows(train_rows: Iterable[Sequence], eval_rows: Iterable[Sequence]) -> list[int]:
    """The indices of the eval rows whose input texts are also a train row's (after :func:`normalize`).

    Args:
        train_rows: Each train row's input texts, in the order of its columns (labels left out).
        eval_rows: Each eval row's input texts.

    Returns:
        The eval row indices found in the train data, compared on the inputs both have (the first
        ``min(widths)``), in either order.
    """
    train_rows, eval_rows = [list(r) for r in train_rows], [list(r) for r in eval_rows]
    if not train_rows or not eval_rows:
        return []
    width = min(min(len(r) for r in train_rows), min(len(r) for r in eval_rows))
    if width < 1:
        return []
    seen = {_key(r, width) for r in train_rows}
    return [i for i, r in enumerate(eval_rows) if _key(r, width) in seen]


def leak_warning(eval_name: str, leaked: int, total: int) -> dict | None:
    """The leak warning for one eval set (None when no row leaked)."""
    if leaked <= 0 or total <= 0:
        return None
    share = 100.0 * leaked / total
    return {
        "kind": LEAK,
        "text": (
            f"Leak: {leaked} of {total} rows of the eval set '{eval_name}' ({share:.0f} %) are also in the train "
            "data, so its score overstates how the model does on new text. Fix: remove those rows from the eval "
            "data (or from the train data), or evaluate on a file the model never trains on."
        ),
    }


def overfit_warning(
    eval_losses: Sequence[tuple[float, float]], epochs: float | None, rows: int | None
) -> dict | None:
    """The overfitting warning: the eval loss rose while the run made many passes over few rows.

    Args:
        eval_losses: ``(epoch, eval loss)`` at each evaluation during training, in order.
        epochs: The passes over the train data the run made.
        rows: The train rows.

    Returns:
        ``{"kind": "overfit", "text"}`` when at least three evaluations show the loss ending :data:`RISE` above
        its lowest point, after at least :data:`MANY_PASSES` passes over at most :data:`FEW_ROWS` rows; else None.
    """
    points = [(float(e), float(v)) for e, v in eval_losses if v is not None and not math.isnan(float(v))]
    if len(points) < 3 or not epochs or epochs < MANY_PASSES or rows is None or rows > FEW_ROWS:
        return None
    best = min(range(len(points)), key=lambda i: points[i][1])
    low, last = points[best][1], points[-1][1]
    # a rise of less than MIN_RISE is noise, whatever its share: a loss near 0 "rose" from 0.0000 to 0.0000
    if best == len(points) - 1 or last - low <= max(RISE * abs(low), MIN_RISE):
        return None
    suggest = max(1, math.ceil(points[best][0]))
    return {
        "kind": OVERFIT,
        "text": (
            f"Overfitting: the eval loss rose from {low:.4g} (after {points[best][0]:.3g} passes) to {last:.4g} "
            f"while training made {epochs:g} passes over {rows} rows: the model learns the train rows by heart. "
            f"Fix: fewer epochs (about {suggest}), more train data, or a lower learning rate."
        ),
    }
