"""What every ``workbench`` command shares: exit codes, the accepted sources, and the ``error:``/``fix:`` lines
(the accepted model types are the catalog's).

Kept apart from :mod:`.main` so the command modules (:mod:`.train`, :mod:`.check`) can use them without
importing the parser that imports them.
"""

from __future__ import annotations

import sys

from .. import spec

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
# What `workbench check` can read: the config's sources that are files, then Hub ids.
SOURCES = (*(s for s in spec.SOURCES if s not in ("hub", "dict", "holdout")), "hub")


def report_error(message: str, fix: str | None = None, where: str | None = None) -> None:
    """Print a problem as ``error: ...`` and ``fix: ...`` lines on stderr."""
    print(f"error: {f'[{where}] ' if where else ''}{message}", file=sys.stderr)
    if fix:
        print(f"fix: {fix}", file=sys.stderr)
