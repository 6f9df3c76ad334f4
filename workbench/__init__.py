"""sentence-workbench: fine-tune embedding models (dense, sparse, cross-encoder) without writing a training script.

Public API (imported lazily so that ``import workbench`` stays cheap and the app paints before torch loads):

- ``Workbench``: the app widget (all panels around one Session).
- ``Session``: the observable state the panels bind to.
- ``RunSpec`` / ``load_config``: the run configuration (JSON/YAML file).
- ``train``: run a config to the end, blocking; returns the summary.
- ``merge``: an adapter (LoRA) run's model merged into a plain model folder (``merge(run_dir, out=None)``).
- ``verdict``: a finished run's verdict from its folder (Better / About the same / Worse, with its interval).
- ``load_shipped``: load a model shipped as ONNX / OpenVINO (``workbench ship``) and ``.encode(texts)`` (a
  cross-encoder: ``.predict(pairs)``), no torch.
- ``WorkbenchError``: every problem a person can fix, with the fix.
"""

from __future__ import annotations

from .errors import WorkbenchError
from .spec import RunSpec, load_config

__version__ = "0.1.0"
__all__ = [
    "Workbench",
    "Session",
    "RunSpec",
    "load_config",
    "train",
    "verdict",
    "merge",
    "load_shipped",
    "WorkbenchError",
    "__version__",
]


def __getattr__(name: str):
    if name == "Workbench":
        from .ui import Workbench

        return Workbench
    if name == "Session":
        from .session import Session

        return Session
    if name == "train":
        from .engine import train

        return train
    if name == "verdict":  # the verdict of a finished run, from its folder
        from .engine import run_verdict_of

        return run_verdict_of
    if name == "merge":  # an adapter run's model as a plain model
        from .engine.merge import merge

        return merge
    if name == "load_shipped":  # a shipped (ONNX / OpenVINO) model, without torch
        from .engine.shipped import load_shipped

        return load_shipped
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
