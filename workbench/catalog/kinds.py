"""Model types and name lookup in the installed library.

The leaf of the catalog modules: the others all build on the model types defined here, so it imports none of
them (no import cycle). No heavy imports at module load: the library is only imported when a class is resolved.
"""

from __future__ import annotations

import importlib

from ..errors import WorkbenchError

DENSE, SPARSE, CROSS = "sentence-transformer", "sparse-encoder", "cross-encoder"
MODEL_TYPES = (DENSE, SPARSE, CROSS)
MODEL_TYPE_LABELS = {
    DENSE: "Dense embeddings (SentenceTransformer)",
    SPARSE: "Sparse / SPLADE (SparseEncoder)",
    CROSS: "Reranker (CrossEncoder)",
}


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
