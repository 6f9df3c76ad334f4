"""The exporter: a RunSpec and its Plan written out as a standalone sentence-transformers script."""

from __future__ import annotations

from .script import export_script, script_output_dir

__all__ = ["export_script", "script_output_dir"]
