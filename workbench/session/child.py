"""A child process of the page's kernel running the workbench's own CLI (`python -m workbench.cli ...`): the
export, the time probe. Its torch (and its memory) never enter the kernel; its output is read from its pipes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def start_cli(command: list[str]) -> subprocess.Popen:
    """Start ``command`` (our own interpreter and module) with text pipes for its output, no stdin, in the
    folder the app was started from."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
        cwd=str(Path.cwd()),
    )
