"""What every ``workbench`` command shares: exit codes, the accepted sources, and the ``error:``/``fix:`` lines
(the accepted model types are the catalog's).

Kept apart from :mod:`workbench.cli` so the command modules (:mod:`workbench.cli_train`,
:mod:`workbench.cli_check`) can use them without importing the parser that imports them.
"""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
SOURCES = ("csv", "json", "parquet", "arrow", "sql", "hub")


def report_error(message: str, fix: str | None = None, where: str | None = None) -> None:
    """Print a problem as ``error: ...`` and ``fix: ...`` lines on stderr."""
    print(f"error: {f'[{where}] ' if where else ''}{message}", file=sys.stderr)
    if fix:
        print(f"fix: {fix}", file=sys.stderr)
