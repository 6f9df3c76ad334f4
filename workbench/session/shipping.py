"""The Ship step as the app sees it: ship the run the page shows as ONNX / OpenVINO (optionally int8), follow the
export, then its report (trained vs shipped: metric, change, sentences/s, latency) and the verdict, and the shipped
folder as a zip to download.

The export runs ``python -m workbench.cli ship RUN_DIR --format F --quantize Q --json`` in a child process, for
both backends: a page kernel that only configures runs (the served app's process backend) never imports torch,
an export (a minute or more of torch, onnxruntime and OpenVINO on the CPU) never blocks the kernel or holds its
memory afterwards, and the app's figures are exactly the command line's. Its progress lines (stderr) become
:attr:`ShipSession.progress`; its JSON report (stdout) becomes :attr:`ShipSession.report`. Traits are assigned
from the thread that reads the process, as every run trait is.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import traitlets as T

from ..engine.ship_report import EXIT_GATE_FAILED, table_rows
from ..errors import WorkbenchError
from .archive import model_archive
from .child import follow_cli, start_cli
from .wording import ENDED

if TYPE_CHECKING:
    from .state import Session

SHIP_FORMATS = (("ONNX (onnxruntime)", "onnx"), ("OpenVINO IR", "openvino"))
SHIP_QUANTIZATIONS = (("none (fp32 weights)", "none"), ("int8 (dynamic, per-channel)", "int8"))
IDLE, SHIPPING, DONE, FAILED = "", "shipping", "done", "failed"


def ship_command(run_dir: str | Path, fmt: str, quantize: str) -> list[str]:
    """The child process's command line."""
    return [
        sys.executable,
        "-m",
        "workbench.cli",
        "ship",
        str(run_dir),
        "--format",
        fmt,
        "--quantize",
        quantize,
        "--json",
    ]


def _problem(stderr_lines: list[str], code: int) -> str:
    """The CLI's ``error:`` / ``fix:`` lines as one message (else its last line)."""
    said = [line.split(":", 1)[1].strip() for line in stderr_lines if line.startswith(("error:", "fix:"))]
    if said:
        return " Fix: ".join(said[:2])
    last = next((line for line in reversed(stderr_lines) if line.strip()), "")
    return f"The export stopped (exit code {code}){': ' + last if last else ''}."


class ShipSession(T.HasTraits):
    """Ship the run the Session shows.

    Args:
        session: The app's Session (its ``run_dir`` and ``status`` say which run and whether it has ended).

    Attributes (traits): ``fmt`` / ``quantize`` (the choices), ``state`` (``""`` / ``shipping`` / ``done`` /
    ``failed``), ``progress`` (the step under way), ``report`` (the export's ship.json), ``error``.
    """

    fmt = T.Unicode("onnx")
    quantize = T.Unicode("none")
    state = T.Unicode(IDLE)
    progress = T.Unicode("")
    report = T.Dict()
    error = T.Unicode("")

    def __init__(self, session: Session, **traits):
        super().__init__(**traits)
        self.session = session
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        session.observe(self._run_changed, names=["run_dir", "status"])

    @property
    def run_dir(self) -> str:
        return self.session.run_dir

    @property
    def available(self) -> bool:
        """Whether the run shown can be shipped now (it has ended and saved a model)."""
        s = self.session
        return bool(s.run_dir and s.saved_path and s.status in ENDED)

    def _run_changed(self, change=None) -> None:
        if self.state != SHIPPING:
            self.report, self.error, self.progress, self.state = {}, "", "", IDLE

    # ---- ship ----

    def ship(self, wait: bool = False) -> threading.Thread | None:
        """Start the export of the shown run with the chosen format and quantization.

        Args:
            wait: Block until it ends (tests and notebooks); the app does not.
        """
        with self._lock:
            if self.state == SHIPPING:
                return None
            if not self.available:
                self.state, self.error = (
                    FAILED,
                    "There is no finished run with a model to ship: run or open one first.",
                )
                return None
            self.report, self.error, self.state = {}, "", SHIPPING
            self.progress = "starting the export (its own process: torch, onnxruntime, OpenVINO)…"
            command = ship_command(self.run_dir, self.fmt, self.quantize)
        thread = threading.Thread(target=self._follow, args=(command,), name="workbench-ship", daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    def _follow(self, command: list[str]) -> None:
        try:
            proc = start_cli(command)
        except OSError as exc:
            self.error, self.state = f"Could not start the export: {exc}", FAILED
            return
        self._proc = proc

        def seen(line: str) -> None:
            if line.endswith("…"):
                self.progress = line

        code, out, lines = follow_cli(proc, seen)
        self._proc = None
        self._finish(code, out, lines)

    def _finish(self, code: int, stdout: str, stderr_lines: list[str]) -> None:
        if code in (0, EXIT_GATE_FAILED):
            try:
                self.report = json.loads(stdout)
            except ValueError:
                self.error, self.state = "The export ended without a readable report.", FAILED
                return
            self.progress, self.state = "", DONE
            return
        self.progress, self.error, self.state = "", _problem(stderr_lines, code), FAILED

    # ---- what the page shows ----

    def rows(self) -> list[list[str]]:
        """The report as table rows (header first); empty before a report."""
        return table_rows(self.report) if self.report else []

    @property
    def verdict(self) -> str:
        return (self.report.get("gate") or {}).get("message", "") if self.report else ""

    @property
    def passed(self) -> bool:
        return bool((self.report.get("gate") or {}).get("passed")) if self.report else False

    def archive(self) -> Path:
        """A zip of the shipped folder (``<run>-<format>-<quantize>.zip`` beside it), made when out of date.

        Raises:
            WorkbenchError: nothing has been shipped yet.
        """
        folder = self.report.get("folder") if self.report else None
        if not folder:
            raise WorkbenchError("Nothing has been shipped yet.", fix="press Ship first.")
        run = Path(self.report.get("run") or folder).name
        return model_archive(folder, name=f"{run}-{self.report.get('name', 'shipped')}.zip")
