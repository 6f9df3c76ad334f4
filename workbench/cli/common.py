"""What every ``workbench`` command shares: exit codes, the accepted sources, and the ``error:``/``fix:`` lines
(the accepted model types are the catalog's).

Kept apart from :mod:`.main` so the command modules (:mod:`.train`, :mod:`.check`) can use them without
importing the parser that imports them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import spec
from ..errors import WorkbenchError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
# What `workbench check` can read: the config's sources that are files, then Hub ids.
SOURCES = (*(s for s in spec.SOURCES if s not in ("hub", "dict", "holdout")), "hub")


def report_error(message: str, fix: str | None = None, where: str | None = None) -> None:
    """Print a problem as ``error: ...`` and ``fix: ...`` lines on stderr."""
    print(f"error: {f'[{where}] ' if where else ''}{message}", file=sys.stderr)
    if fix:
        print(f"fix: {fix}", file=sys.stderr)


DATA_ROOT_HELP = (
    "read and write only files under this folder (and the runs folder): any other path is refused, as the hosted "
    "app does"
)


def read_config(path: str | Path):
    """The RunSpec in the config file ``path`` (JSON or YAML). With a data root in force (``--data-root``, or a
    hosted app's runs) the file itself must lie under it, as every file it names must.

    Raises:
        WorkbenchError: the file is outside the data root (``..`` and symlinks followed), or cannot be read.
    """
    from ..data import confined
    from ..spec import load_config

    return load_config(confined(path, "the config file", where="CONFIG"))


def apply_data_root(folder: str | None, create: bool = False) -> Path | None:
    """Confine every path this process (and the runs it starts) uses to ``folder`` (``--data-root``): sets
    ``$WORKBENCH_DATA_ROOT``, which :func:`workbench.data.confined` reads. None leaves things as they are.

    Raises:
        WorkbenchError: the folder does not exist (``create``: it is made) or is a file.
    """
    from ..data import DATA_ROOT_ENV

    if folder is None:
        return None
    root = Path(folder).expanduser().resolve()
    if create:
        root.mkdir(parents=True, exist_ok=True)
    if not root.is_dir():
        raise WorkbenchError(
            f"--data-root '{folder}' is not a folder.",
            fix="give an existing folder that holds the data files, e.g. --data-root ./data.",
            where="--data-root",
        )
    os.environ[DATA_ROOT_ENV] = str(root)
    return root
