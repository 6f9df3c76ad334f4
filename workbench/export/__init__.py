"""The exporter: a RunSpec and its Plan written out as a standalone sentence-transformers script."""

from __future__ import annotations

from .script import export_script

__all__ = ["export_script"]
