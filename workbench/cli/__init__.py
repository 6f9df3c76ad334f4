"""The ``workbench`` command line: ``train``, ``check``, ``export`` and ``app`` (``main`` is the console entry)."""

from __future__ import annotations

from .check import cmd_check
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, SOURCES, report_error
from .main import cmd_app, cmd_export, main
from .train import TrainView, cmd_train, summary_table

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "SOURCES",
    "TrainView",
    "cmd_app",
    "cmd_check",
    "cmd_export",
    "cmd_train",
    "main",
    "report_error",
    "summary_table",
]
