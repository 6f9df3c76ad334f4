"""The planner before Start, for a page: the run's estimated time (and on a GPU its memory and largest batch),
probed on demand in a subprocess and cached per configuration.

The probe (:mod:`workbench.engine.planner`) loads the model and trains a few steps; it runs as
``python -m workbench.cli plan CONFIG --json`` in a child process, so the page never waits for it and a page
kernel that only configures runs (process backend) never imports torch for it. Results come back as trait
assignments (``estimate``, ``state``, ``message``) from the waiting thread, the one kind of widget update that is
safe from a thread.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from traitlets import Dict, HasTraits, Unicode

from .. import rules
from ..errors import WorkbenchError
from .child import start_cli
from .validity import check_fields

if TYPE_CHECKING:
    from ..spec import RunSpec
    from .state import Session

IDLE, PROBING, DONE, FAILED = "", "probing", "done", "failed"
PROBE_TIMEOUT_S = 900


def estimate_key(spec: RunSpec) -> str:
    """What an estimate depends on: the run's configuration, less where it is saved and whether it resumes."""
    data = json.loads(spec.to_json())
    for name in ("output_dir", "overwrite", "resume_from_checkpoint"):
        data.pop(name, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def plan_command(config: str | Path) -> list[str]:
    """The child process that probes a run (our own interpreter and CLI)."""
    return [sys.executable, "-m", "workbench.cli", "plan", str(config), "--json"]


def parse_answer(returncode: int, stdout: str, stderr: str) -> tuple[dict | None, str]:
    """(the estimate, "") from ``workbench plan --json``'s output, or (None, why it failed, with its fix)."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if returncode == 0 and lines:
        return json.loads(lines[-1]), ""
    said = [line for line in stderr.splitlines() if line.startswith(("error:", "fix:"))]
    tail = stderr.strip().splitlines()[-1:] if stderr.strip() else [f"exit {returncode}"]
    return None, " ".join(said) or tail[0]


class RunPlanner(HasTraits):
    """Estimates the configured run on request; one probe at a time, answers cached per configuration.

    Attributes:
        estimate: The last estimate for the current configuration (``workbench plan --json``), or {}.
        state: ``""`` (none yet), ``"probing"``, ``"done"`` or ``"failed"``.
        message: What to show: "about 6 min", "estimating…", or why it failed.
    """

    estimate = Dict()
    state = Unicode(IDLE)
    message = Unicode("")

    def __init__(self, session: Session, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self.cache: dict[str, dict] = {}
        self.thread: threading.Thread | None = None
        self.proc: subprocess.Popen | None = None
        self._key: str | None = None

    def current_key(self) -> str | None:
        """The current configuration's key (None while it cannot run: a field is invalid, no train set)."""
        try:
            check_fields(self.session)
            spec = self.session.to_spec()
        except Exception:  # noqa: BLE001 - any configuration that cannot run has no estimate (observers call this)
            return None
        return estimate_key(spec) if spec.train else None

    def refresh(self) -> None:
        """Show the cached estimate of the current configuration, or nothing (the configuration changed)."""
        if self.state == PROBING:
            return
        key = self.current_key()
        found = self.cache.get(key) if key else None
        self._key = key
        self.estimate = found or {}
        self.state = DONE if found else IDLE
        self.message = rules.about(found["seconds"]) if found else ""

    def request(self, wait: bool = False) -> str:
        """Estimate the current configuration: at once from the cache, else in a background probe.

        Returns:
            ``"cached"``, ``"started"`` or ``"busy"`` (a probe is under way).

        Raises:
            WorkbenchError: the configuration cannot run (as Start would say).
        """
        if self.state == PROBING:
            return "busy"
        check_fields(self.session)
        spec = self.session.to_spec()
        if not spec.train:
            raise WorkbenchError(
                "there is no train dataset.", fix="add one in the Data tab.", where="datasets.train"
            )
        key = estimate_key(spec)
        self._key = key
        if key in self.cache:
            self.estimate, self.state = self.cache[key], DONE
            self.message = rules.about(self.estimate["seconds"])
            return "cached"
        self.state, self.message, self.estimate = PROBING, "estimating… (a probe of a few training steps)", {}
        self.thread = threading.Thread(
            target=self._probe, args=(spec, key), name="workbench-plan", daemon=True
        )
        self.thread.start()
        if wait:
            self.thread.join(PROBE_TIMEOUT_S)
        return "started"

    def _probe(self, spec: RunSpec, key: str) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="wb-plan-") as tmp:
                config = Path(tmp) / "config.json"
                config.write_text(spec.to_json(), encoding="utf8")
                self.proc = start_cli(plan_command(config))
                out, err = self.proc.communicate(timeout=PROBE_TIMEOUT_S)
                est, why = parse_answer(self.proc.returncode, out, err)
        except Exception as exc:  # noqa: BLE001 - said in the run bar, never raised into a thread
            est, why = None, f"{type(exc).__name__}: {exc}"
        finally:
            self.proc = None
        if est is not None:
            self.cache[key] = est
        current = self._key == key
        self.state = DONE if est is not None else FAILED
        self.estimate = est if est is not None and current else {}
        self.message = rules.about(est["seconds"]) if est is not None else f"could not estimate: {why}"
        if est is not None and not current:  # the configuration changed meanwhile: show what it has
            self.refresh()

    def cancel(self) -> None:
        """End a probe under way (its process, by its id)."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()
