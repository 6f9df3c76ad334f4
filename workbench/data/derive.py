"""Build an unsupervised loss's inputs from a plain corpus: the `catalog.DERIVATIONS` entry a dataset's
``derive`` names, applied to its prepared rows (the exported script writes the same entry's code)."""

from __future__ import annotations

from .. import catalog as C
from ..errors import WorkbenchError
from .sources import quiet_progress


def derive_inputs(ds, derive: str, seed: int = 42):
    """The prepared rows ``ds`` with the loss's inputs built by the derivation ``derive``.

    Args:
        ds: Prepared rows whose first two columns are the inputs (the text column mapped twice for a plain
            corpus: the first is damaged, the second kept).
        derive: A `catalog.DERIVATIONS` name (``"tsdae"``).
        seed: Seeds the noise, so a rerun and the exported script damage the same words.

    Raises:
        WorkbenchError: An unknown name, or rows with fewer than two inputs.
    """
    try:
        entry = C.derivation(derive)
    except KeyError:
        raise WorkbenchError(
            f"unknown derive {derive!r}.", fix=f"use one of: {', '.join(C.DERIVE_NAMES)}, or leave it out."
        ) from None
    inputs = [c for c in ds.column_names if c != "label"]
    if len(inputs) < 2:
        col = inputs[0] if inputs else "?"
        raise WorkbenchError(
            f"derive '{derive}' builds ({', '.join(entry.inputs)}) pairs and needs two input columns; the "
            f"mapping has one ('{col}').",
            fix=f"map the text column twice as the inputs (columns: ['{col}', '{col}']).",
        )
    with quiet_progress():
        return entry.apply(ds, seed)
