"""A child process of the page's kernel running the workbench's own CLI (`python -m workbench.cli ...`): the
export, the time probe. Its torch (and its memory) never enter the kernel; its output is read from its pipes."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
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


def follow_cli(proc: subprocess.Popen, on_line: Callable[[str], None]) -> tuple[int, str, list[str]]:
    """Read a started child to its end: each line of its stderr (progress, errors) goes to ``on_line`` as it comes,
    its stdout (the JSON report) is read whole on a thread of its own so that neither pipe fills up.

    Returns:
        (exit code, stdout, stderr lines without their line ends).
    """
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    lines: list[str] = []
    for line in proc.stderr:
        line = line.rstrip()
        lines.append(line)
        on_line(line)
    code = proc.wait()
    reader.join()
    return code, "".join(out), lines
