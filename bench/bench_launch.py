"""The ``multi_process`` benchmark: samples/s of a run in 2 processes (``workbench train --launcher accelerate --cpu
--num-processes 2``: DDP over gloo) against the same run in 1 process, on the same data, side by side.

Both sides train the packaged default model on the same STSb rows (the demo pairs without ../shared/data) with
the same per-device batch and the same number of samples (the 2-process side makes half the steps with twice the
global batch); each process gets the same torch threads (default 1). samples/s = samples / the trainer's own
``train_runtime`` (start-up, model loading and the baseline are not in it). Each side runs in fresh processes,
interleaved (1 2, 2 1, ...), so the load others put on the machine hits both alike.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from bench_common import PYTHON, ROOT, WORK, load, median
from bench_overhead import base_args, config


def run_side(processes: int, rows: int, samples: int, batch: int, out: Path, env: dict) -> dict:
    """One run of ``processes`` processes; its samples/s from the trainer's train_runtime."""
    steps = samples // (batch * processes)
    cfg = config(rows, str(out), {**base_args(steps, batch), "logging_steps": max(1, steps)})
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.with_suffix(".json")
    path.write_text(json.dumps(cfg, indent=1))
    cmd = [PYTHON, "-m", "workbench.cli", "train", str(path), "--quiet"]
    if processes > 1:
        cmd += ["--launcher", "accelerate", "--cpu", "--num-processes", str(processes)]
    before, started = load(), time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600, cwd=str(ROOT))
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    rows_logged = [
        json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()
    ]
    runtime = next(r["train_runtime"] for r in rows_logged if "train_runtime" in r)
    done = summary["steps"] * batch * summary["world_size"]
    return {
        "processes": processes,
        "world_size": summary["world_size"],
        "steps": summary["steps"],
        "samples": done,
        "train_runtime_s": round(runtime, 3),
        "samples_per_s": round(done / runtime, 3),
        "wall_s": round(time.monotonic() - started, 1),
        "load_before": before,
        "load_after": load(),
    }


def bench_multi_process(rec, quick: bool, pairs: int, env: dict, threads: int) -> None:
    """Record ``multi_process_speedup``: the median over interleaved pairs of (2-process / 1-process) samples/s."""
    work = WORK / "multi_process"
    rows, batch = (64, 8) if quick else (640, 16)
    samples = rows if quick else 640
    pairs = 1 if quick else pairs
    trials = []
    for i in range(pairs):
        pair = {}
        for n in (1, 2) if i % 2 == 0 else (2, 1):
            print(f"  multi_process pair {i + 1}/{pairs}: {n} process(es) (load {load()})", flush=True)
            pair[n] = run_side(n, rows, samples, batch, work / f"p{i}-{n}", env)
        trials.append(
            {
                "one": pair[1],
                "two": pair[2],
                "ratio": round(pair[2]["samples_per_s"] / pair[1]["samples_per_s"], 3),
            }
        )
    assert all(t["two"]["world_size"] == 2 and t["one"]["world_size"] == 1 for t in trials)
    ratios = [t["ratio"] for t in trials]
    rec.add(
        "multi_process_speedup",
        round(median(ratios), 3),
        "x",
        load_at=trials[0]["one"]["load_before"],
        method=(
            f"packaged MiniLM, {rows} STSb rows, CoSENTLoss, {samples} samples per side, per-device batch {batch}; "
            f"1 process vs `--launcher accelerate --cpu --num-processes 2` (DDP over gloo), torch threads "
            f"{threads or 'default'} per process; samples / train_runtime; {len(trials)} interleaved pair(s)"
        ),
        notes=f"ratios {ratios}; samples/s 1 proc {[t['one']['samples_per_s'] for t in trials]}, "
        f"2 procs {[t['two']['samples_per_s'] for t in trials]}",
        details={"trials": trials},
    )
