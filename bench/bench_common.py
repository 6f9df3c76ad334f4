"""Shared pieces of the benchmarks: paths, the machine's description, load, and running a worker subprocess.

Every figure is recorded with the date, the machine (nproc, CPU model), the load average at the time it was
taken and the machine's speed then (:func:`cpu_ref_s`): the benchmark machine is shared, and a figure means little
without the load it was measured under. Nor does the CPU model say how fast the machine is that day: on
2026-12-04 the same "2×AMD EPYC" took 4.5× as long for the 100,000-row mapping figure as on 2026-11-23 (0.93 vs
0.21 s), and a page of the app painted in ~5 s instead of ~2 s, at a load average under 1.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "_work"  # gitignored: generated data, run folders, app homes
PYTHON = sys.executable
SHARED_DATA = ROOT.parent / "shared" / "data"
NO_GPU = "no GPU lent to this session"


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def load() -> list[float]:
    """1, 5 and 15 minute load averages, rounded."""
    return [round(x, 2) for x in os.getloadavg()]


REF_WORK = 3_000_000  # the yardstick's loop length (0.67 s on 2026-12-04, the test suite running beside)


def _yardstick() -> float:
    t0 = time.perf_counter()
    total = 0
    for i in range(REF_WORK):
        total += (i * i) % 7
    if total < 0:  # never: keeps the loop's result alive
        raise AssertionError
    return time.perf_counter() - t0


def cpu_ref_s(repeats: int = 3) -> float:
    """Seconds this machine takes now for a fixed piece of single-threaded Python work (the median of
    ``repeats``): the yardstick a figure is read against. Two figures are comparable as they stand only where
    their yardsticks are close; the load average does not show a slower host."""
    return round(statistics.median(_yardstick() for _ in range(max(1, repeats))), 3)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    """The machine a figure was measured on."""
    info = {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except Exception:  # noqa: BLE001 - a description, never a failure
        info["gpu"] = None
    return info


def machine_text(info: dict) -> str:
    return f"{info.get('nproc')}×{info.get('cpu')}" + (f", {info['gpu']}" if info.get("gpu") else ", no GPU")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, q: float):
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    k = (len(values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def bench_env(**extra) -> dict:
    """The environment of a worker: offline, no tokenizer thread pool warnings, repository on the path."""
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_worker(module: str, args: list[str], *, env: dict | None = None, timeout: float = 900) -> dict:
    """Run ``python bench/<module>.py ARGS`` in a fresh process; it prints one JSON object as its last line.

    Raises:
        RuntimeError: the worker failed (its stderr tail is in the message).
    """
    cmd = [PYTHON, str(BENCH / f"{module}.py"), *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env or bench_env(), timeout=timeout, cwd=str(ROOT)
    )
    lines = [line for line in re.split(r"[\r\n]", proc.stdout) if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout)[-3000:]
        raise RuntimeError(f"{module} {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1])


def emit(result: dict) -> None:
    """A worker's answer: one JSON line on stdout."""
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
