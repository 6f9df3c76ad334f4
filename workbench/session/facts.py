"""What the installed library and this machine offer the Training settings tab — every TrainingArguments field and
the device training would use — read in a child process and kept in a cache file, so that a page kernel that only
configures runs (the served app's process backend) never imports torch for them (measured: the tab took the
served page's kernel from ~190 MB to ~560 MB by importing sentence-transformers).

The cache is keyed by the library versions, the host and the environment that changes the device answer
(``CUDA_VISIBLE_DEVICES``, ``WORKBENCH_CPU_BF16``). ``python -m workbench.session.facts MODEL_TYPE`` prints the
facts as JSON (what the child process runs).

The facts belong to the environment, not to a workbench home: ``python -m workbench.session.facts --seed`` (``make
setup`` runs it; the first child process of an environment does it too) writes them beside the installed packages
(:func:`seed_dir`), where every home finds them. So even the first start of a new home runs no child (it imports
torch: ~8 s of CPU on this project's 2 cores, beside a freshly started app's first page).
``WORKBENCH_FACTS_SEED`` names another folder, ``off`` none.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError
from .paths import workbench_home

FORMAT = 1
_LOCK = threading.Lock()  # one child at a time: a second caller waits, then reads the cache file
PACKAGES = ("sentence-transformers", "transformers", "torch")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def cache_path(model_type: str) -> Path:
    """The cache file of a model type's facts on this host, for the installed versions."""
    parts = [str(FORMAT), model_type, socket.gethostname(), *(_version(p) for p in PACKAGES)]
    parts += [os.environ.get(k, "") for k in ("CUDA_VISIBLE_DEVICES", "WORKBENCH_CPU_BF16")]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return workbench_home() / "cache" / f"training-args-{model_type}-{key}.json"


SEED_ENV = "WORKBENCH_FACTS_SEED"


def seed_dir() -> Path | None:
    """Where the environment's seeded facts are (``$WORKBENCH_FACTS_SEED``, default ``<sys.prefix>/share/workbench/
    facts``); None when turned off (``off``)."""
    chosen = os.environ.get(SEED_ENV, "")
    if chosen.lower() == "off":
        return None
    return Path(chosen) if chosen else Path(sys.prefix) / "share" / "workbench" / "facts"


def seed_path(model_type: str) -> Path | None:
    """The seeded facts of a model type for this environment (named as the home's cache file); None: no seed."""
    folder = seed_dir()
    return None if folder is None else folder / cache_path(model_type).name


def seed(model_types: list[str]) -> list[Path]:
    """Read each model type's facts in this process and write them into :func:`seed_dir`; returns the files."""
    written = []
    for model_type in model_types:
        target = seed_path(model_type)
        if target is not None:
            _write(target, read_facts(model_type))
            written.append(target)
    return written


def _read(path: Path | None) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf8"))
    except (OSError, ValueError):
        return None


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, default=str), encoding="utf8")
    tmp.replace(path)


def _keep(path: Path, data: dict) -> None:
    """:func:`_write`, where a folder that cannot be written (a system-wide Python) only means no cache."""
    try:
        _write(path, data)
    except OSError:
        pass  # the next page asks the child process again


def read_facts(model_type: str) -> dict:
    """``{"fields": [...], "device": {...}}`` from the installed library and this machine (imports torch)."""
    from ..engine import detect_device

    fields = C.arg_fields(model_type)
    return {"fields": [asdict(f) for f in fields.values()], "device": detect_device()}


def _from_json(data: dict) -> tuple[dict[str, C.ArgField], dict]:
    fields = {
        f["name"]: C.ArgField(
            f["name"], f["type"], f["default"], f.get("help", ""), tuple(f.get("choices") or ())
        )
        for f in data["fields"]
    }
    return fields, dict(data["device"])


def facts_in_child(model_type: str) -> tuple[dict[str, C.ArgField], dict]:
    """The facts from the cache file, else from a child process (then cached); the answer also becomes
    :func:`workbench.catalog.arg_fields`' for this kernel.

    Raises:
        WorkbenchError: the child process failed (its last line says why).
    """
    with _LOCK:
        return _facts(model_type)


def _facts(model_type: str) -> tuple[dict[str, C.ArgField], dict]:
    path, seeded = cache_path(model_type), seed_path(model_type)
    data = _read(path) or _read(seeded)
    if data is None:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "workbench.session.facts", model_type],
            capture_output=True,
            text=True,
            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
            timeout=600,
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            raise WorkbenchError(
                f"could not read the training settings of the installed library: {last}",
                fix="check that sentence-transformers imports in this environment (python -c 'import "
                "sentence_transformers').",
            )
        data = json.loads(lines[-1])
        # The home's cache, and the environment's seed when there is none yet (every later new home reads it).
        _keep(path, data)
        if seeded is not None and not seeded.is_file():
            _keep(seeded, data)
    fields, device = _from_json(data)
    C.remember_arg_fields(model_type, fields)
    return fields, device


def prefetch(model_type: str) -> threading.Thread:
    """Read the facts in a background thread (the served app does at start, so the tab opens at once)."""

    def work():
        try:
            facts_in_child(model_type)
        except Exception:  # noqa: BLE001 - the tab asks again when it opens, and says why then
            pass

    thread = threading.Thread(target=work, name="workbench-facts", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--seed"]:
        for path in seed(args[1:] or [C.DENSE]):
            print(f"training settings facts seeded: {path}")
        return 0
    model_type = (args or [C.DENSE])[0]
    if hasattr(os, "nice"):
        # A background read (the app prefetches it while the page paints): the page and its kernel go first on a
        # machine with few cores; alone, the child runs as fast as before.
        os.nice(10)
    print(json.dumps(read_facts(model_type), default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
