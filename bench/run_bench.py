"""The benchmarks (``make bench``): ratios against the raw sentence-transformers script, side by side.

    .venv/bin/python bench/run_bench.py                      # everything; writes bench/results.json
    .venv/bin/python bench/run_bench.py --only overhead      # one benchmark (several: --only stop,mapping_1m)
    .venv/bin/python bench/run_bench.py --quick              # small sizes: checks that the benchmarks run

Benchmarks: ``overhead`` (overhead_ratio), ``cpu_auto`` (cpu_auto_precision_speedup: the workbench's defaults,
bf16 on a CPU with native bfloat16, against the library's default arguments), ``ttq`` (time_to_quality_stsb_s:
the workbench's defaults on STSb train until STSb test reaches 0.85, beside the same run in fp32), ``stop`` (stop_latency_s), ``mapping_1m`` (mapping_1m_s,
mapping_1m_rss_mb, and the 100k figures beside them), ``app`` (app_first_paint_s, app_ready_s), ``ui_roundtrip``
(ui_roundtrip_ms_during_training), ``multi_process`` (multi_process_speedup: 2 CPU processes vs 1, bench_launch.py),
``gpu`` (gpu_overhead_ratio and gpu_auto_vs_library_ratio: the workbench's
automatic precision/batch choice against the library's default arguments; null without a GPU).

Every measurement runs in its own fresh process; comparisons run interleaved (workbench, plain, plain, workbench,
...) in one invocation so that the load other jobs put on the machine hits both sides alike. Every figure is
stored with its date, the machine and the load average while it was measured; ``history`` in results.json and
the table in bench/README.md ("Benchmarks") grow with every full run. A benchmark is never a timed test: the
test of this file (tests/test_bench.py) checks structure, not speed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (  # noqa: E402
    BENCH,
    NO_GPU,
    WORK,
    bench_env,
    cpu_ref_s,
    load,
    machine,
    machine_text,
    median,
    now_iso,
    run_worker,
)

NAMES = ("overhead", "cpu_auto", "ttq", "stop", "mapping_1m", "app", "ui_roundtrip", "gpu", "multi_process")
RESULTS = BENCH / "results.json"
README = BENCH / "README.md"
README_HEADING = "## Benchmarks"
REF_EVERY_S = 120  # a figure's yardstick is at most this old


class Recorder:
    """Collects figures, each stamped with the date, the machine, the load while it was measured and the machine's
    speed then (``cpu_ref_s``, measured again when the last reading is older than :data:`REF_EVERY_S`)."""

    def __init__(self, quick: bool):
        self.quick = quick
        self.machine = machine()
        self.figures: dict[str, dict] = {}
        self._ref: tuple[float, float] | None = None  # (monotonic time read, cpu_ref_s)

    def cpu_ref(self) -> float:
        if self._ref is None or time.monotonic() - self._ref[0] > REF_EVERY_S:
            self._ref = (time.monotonic(), cpu_ref_s())
        return self._ref[1]

    def add(
        self,
        name: str,
        value,
        unit: str,
        *,
        load_at=None,
        method: str = "",
        notes: str = "",
        details: dict | None = None,
        reason: str | None = None,
    ) -> None:
        entry = {
            "value": value,
            "unit": unit,
            "date": now_iso(),
            "machine": machine_text(self.machine),
            "load": load_at if load_at is not None else load(),
            "cpu_ref_s": self.cpu_ref(),
            "method": method,
            "notes": notes,
            "quick": self.quick,
        }
        if reason is not None:
            entry["reason"] = reason
        if details:
            entry["details"] = details
        self.figures[name] = entry
        shown = json.dumps(value) if not isinstance(value, float) else f"{value:.4g}"
        print(
            f"  {name} = {shown} {unit}  (load {entry['load']}, yardstick {entry['cpu_ref_s']} s)"
            f"{'  ' + notes if notes else ''}",
            flush=True,
        )


# ---- overhead -----------------------------------------------------------------------------------------------------


def train_env(threads: int) -> dict:
    """One torch thread by default: on a shared 2-core machine a 2-thread OpenMP team collapses whenever another
    job takes a core (measured: 1.35 samples/s with 2 threads vs 5.5-9.4 with 1, same minute), which would turn
    the comparison into noise. Both sides always get the same setting; 0 keeps torch's default."""
    extra = {"HF_DATASETS_CACHE": WORK / "hf_datasets"}
    if threads:
        extra.update(OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    return bench_env(**extra)


def interleaved(pairs: int, sides: tuple[str, str], label: str, env: dict, argv) -> list[dict]:
    """Each side once per pair in fresh processes, the order flipping every pair (A B, B A, A B) so that a trend
    in the load other jobs put on the machine hits both sides alike. ``argv(side, i)``: the worker's arguments."""
    trials: list[dict] = []
    for i in range(pairs):
        pair = {}
        for side in sides if i % 2 == 0 else sides[::-1]:
            print(f"  {label} pair {i + 1}/{pairs}: {side} (load {load()})", flush=True)
            pair[side] = run_worker("bench_overhead", argv(side, i), env=env, timeout=3600)
        trials.append(pair)
    return trials


def bench_overhead(
    rec: Recorder,
    quick: bool,
    pairs: int,
    threads: int,
    *,
    prefix: str = "",
    sizes: tuple[int, int] | None = None,
    where: str = "",
) -> None:
    """``overhead_ratio`` (and with ``prefix="gpu_"`` its GPU twin): workbench vs plain, the same Plan args."""
    rows, steps = sizes or ((160, 8) if quick else (640, 40))
    pairs = 1 if quick else pairs
    work = WORK / f"{prefix}overhead"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = train_env(threads)
    planned = run_worker(
        "bench_overhead",
        [
            "args",
            "--rows",
            str(rows),
            "--steps",
            str(steps),
            "--batch",
            "16",
            "--out-dir",
            str(work / "plan"),
        ],
        env=env,
    )
    args_file = work / "args.json"
    args_file.write_text(json.dumps(planned, indent=2))
    trials = interleaved(
        pairs,
        ("workbench", "plain"),
        "overhead",
        env,
        lambda side, i: [
            "trial",
            "--side",
            side,
            "--args-file",
            str(args_file),
            "--out-dir",
            str(work / f"{side}-{i}"),
        ],
    )
    ratios = [
        p["workbench"]["train_samples_per_second"] / p["plain"]["train_samples_per_second"] for p in trials
    ]
    wall_ratios = [p["plain"]["wall_s"] / p["workbench"]["wall_s"] for p in trials]
    cpu_ratios = [p["plain"]["cpu_s"] / p["workbench"]["cpu_s"] for p in trials]
    # What the dashboard costs the training thread: the Session's event handler during training (log and
    # progress events; the plot redraws happen inside it), as a share of the training wall time.
    shares = []
    for p in trials:
        w = p["workbench"]
        spent = sum(w["callback_by_type"].get(k, [0, 0.0])[1] for k in ("log", "progress", "eval"))
        shares.append(spent / w["wall_s"])
    w_sps = [p["workbench"]["train_samples_per_second"] for p in trials]
    p_sps = [p["plain"]["train_samples_per_second"] for p in trials]
    loads = [p[s]["load_before"] for p in trials for s in ("workbench", "plain")]
    draws = [p["workbench"]["plot_draws"] for p in trials]
    render = [p["workbench"]["render_s"] / max(1, p["workbench"]["plot_draws"]) for p in trials]
    devices = sorted({str(p["plain"].get("device")) for p in trials})
    rec.add(
        f"{prefix}overhead_ratio",
        round(median(ratios), 4),
        "ratio",
        load_at=loads[0],
        method=(
            f"{rows} STSb train rows, packaged all-MiniLM-L6-v2, CoSENTLoss, batch 16, max_steps {steps}, "
            "no eval, no checkpoints, seed 42, the same TrainingArguments on both sides (the workbench "
            "Plan's); workbench = Session.start() with the whole Workbench widget (train dashboard + live "
            "plot) in the same process; plain = SentenceTransformerTrainer script; samples/s = the "
            f"trainer's train_samples_per_second; torch threads {threads or 'default'} on both sides; "
            f"{pairs} interleaved pair(s) (order flipped every pair), median of per-pair ratios; "
            f"device {', '.join(devices)}"
        ),
        notes=(
            f"{where}workbench {median(w_sps):.3g} vs plain {median(p_sps):.3g} samples/s (medians); wall ratio "
            f"{median(wall_ratios):.4f}; CPU-time ratio {median(cpu_ratios):.4f}; dashboard handler = "
            f"{100 * median(shares):.1f} % of training wall ({median(draws)} plot redraws, "
            f"{median(render):.3f} s each)"
        ),
        details={
            "ratios": [round(r, 4) for r in ratios],
            "wall_ratios": [round(r, 4) for r in wall_ratios],
            "cpu_ratios": [round(r, 4) for r in cpu_ratios],
            "torch_threads": threads or "default",
            "ratio_of_medians": round(median(w_sps) / median(p_sps), 4),
            "dashboard_share_of_training_wall": [round(s, 4) for s in shares],
            "predicted_ratio_from_dashboard_share": round(1 / (1 + median(shares)), 4),
            "trials": trials,
            "loads": loads,
            "args": planned["args"],
            "data": planned["data"],
            "devices": devices,
        },
    )
    if prefix:  # CPU seconds say nothing about work done on a GPU
        rec.add(
            f"{prefix}overhead_workbench_samples_per_s",
            round(median(w_sps), 3),
            "samples/s",
            load_at=loads[0],
            notes=f"{where}beside {prefix}overhead_ratio (median of the workbench side)",
        )
        rec.add(
            f"{prefix}overhead_plain_samples_per_s",
            round(median(p_sps), 3),
            "samples/s",
            load_at=loads[1],
            notes=f"{where}beside {prefix}overhead_ratio (median of the plain side)",
        )
        return
    rec.add(
        "overhead_ratio_cpu",
        round(median(cpu_ratios), 4),
        "ratio",
        load_at=loads[0],
        method="CPU seconds of the plain process / of the workbench process over trainer.train() (the same "
        "samples on both sides; with one torch thread this is the samples/s ratio on an idle machine, "
        "and it does not move with the load other jobs put on the machine)",
        notes=f"per pair: {', '.join(f'{r:.4f}' for r in cpu_ratios)}",
    )
    rec.add(
        "overhead_workbench_samples_per_s",
        round(median(w_sps), 3),
        "samples/s",
        load_at=loads[0],
        notes="beside overhead_ratio (median of the workbench side)",
    )
    rec.add(
        "overhead_plain_samples_per_s",
        round(median(p_sps), 3),
        "samples/s",
        load_at=loads[1],
        notes="beside overhead_ratio (median of the plain side)",
    )


# ---- stop -------------------------------------------------------------------------------------------------------


def bench_stop(rec: Recorder, quick: bool, threads: int) -> None:
    work = WORK / "stop"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = train_env(threads)
    rows = 160 if quick else 640
    planned = run_worker(
        "bench_overhead",
        ["args", "--rows", str(rows), "--steps", "40", "--batch", "16", "--out-dir", str(work / "plan")],
        env=env,
    )
    args_file = work / "args.json"
    args_file.write_text(json.dumps(planned, indent=2))
    repeats = 1 if quick else 3
    out = run_worker(
        "bench_overhead",
        [
            "stop",
            "--args-file",
            str(args_file),
            "--out-dir",
            str(work),
            "--repeats",
            str(repeats),
            "--warm-steps",
            "2" if quick else "4",
        ],
        env=env,
        timeout=3600,
    )
    trials = out["trials"]
    stopped = [t["stop_to_training_stopped_s"] for t in trials]
    saved = [t["stop_to_model_saved_s"] for t in trials]
    steps = [t["step_s"] for t in trials]
    method = (
        "Session with the whole Workbench widget, the same run as overhead_ratio with max_steps 100000 "
        f"(torch threads {threads or 'default'}); "
        "Stop pressed (Session.stop) 0, 1/3 and 2/3 of a step after a step boundary; 'training stopped' = "
        "the worker's status 'saving' (trainer.train() returned); 'saved' = Session.saved_path set"
    )
    rec.add(
        "stop_latency_s",
        round(median(stopped), 3),
        "s",
        load_at=trials[0]["load"],
        method=method,
        notes=f"median of {len(trials)}; a step takes {median(steps):.2f} s here (Stop is honoured at the next "
        "step end)",
        details={"trials": trials, "dashboard": out.get("dashboard")},
    )
    rec.add(
        "stop_to_model_saved_s",
        round(median(saved), 3),
        "s",
        load_at=trials[0]["load"],
        method=method,
        notes="Stop -> the model saved (OUTPUT_DIR/final)",
    )


# ---- mapping ----------------------------------------------------------------------------------------------------


def bench_mapping(rec: Recorder, quick: bool, rows: int | None) -> None:
    big = rows or (20_000 if quick else 1_000_000)
    small = max(1, big // 10)
    env = bench_env()
    results = {}
    for n in (small, big):
        path = WORK / f"pairs-{n}.parquet"
        if not path.is_file():
            print(f"  writing {path.name}", flush=True)
            run_worker(
                "bench_mapping", ["make", "--rows", str(n), "--path", str(path)], env=env, timeout=3600
            )
    for n in (small, big):  # in fresh processes, one after the other
        print(f"  mapping {n} rows (load {load()})", flush=True)
        results[n] = run_worker(
            "bench_mapping", ["measure", "--path", str(WORK / f"pairs-{n}.parquet")], env=env, timeout=3600
        )
    label = "1m" if big == 1_000_000 else f"{big}"
    small_label = "100k" if small == 100_000 else f"{small}"
    method = (
        "generated Parquet (id int, sentence1/sentence2 text, score float 0-5) -> data.load_raw (fresh datasets "
        "cache) -> data.profile (roles) -> data.prepare(inputs sentence1,sentence2; label score; label_range "
        "0-5) -> data.shape_of + rules.verdicts for every loss of every model type; in a fresh process; RSS "
        "delta = peak ru_maxrss minus the peak after the imports"
    )
    b, s = results[big], results[small]
    flat = (
        f"peak RSS delta {s['peak_rss_delta_mb']} MB at {small:,} rows vs {b['peak_rss_delta_mb']} MB at "
        f"{big:,}; anonymous memory {s['peak_rss_anon_delta_mb']} vs {b['peak_rss_anon_delta_mb']} MB; "
        f"file-backed (mmapped Arrow cache) {s['peak_rss_file_delta_mb']} vs {b['peak_rss_file_delta_mb']} MB"
    )
    rec.add(
        f"mapping_{label}_s",
        b["seconds"],
        "s",
        load_at=b["load_before"],
        method=method,
        notes=f"stages {b['stages']}",
        details=b,
    )
    rec.add(
        f"mapping_{label}_rss_mb",
        b["peak_rss_delta_mb"],
        "MB",
        load_at=b["load_before"],
        method=method,
        notes=flat,
        details={"anon_mb": b["peak_rss_anon_delta_mb"], "file_mb": b["peak_rss_file_delta_mb"]},
    )
    rec.add(
        f"mapping_{small_label}_s",
        s["seconds"],
        "s",
        load_at=s["load_before"],
        method=method,
        notes=f"stages {s['stages']}",
        details=s,
    )
    rec.add(
        f"mapping_{small_label}_rss_mb",
        s["peak_rss_delta_mb"],
        "MB",
        load_at=s["load_before"],
        method=method,
        notes="beside the large-file figure",
        details={"anon_mb": s["peak_rss_anon_delta_mb"], "file_mb": s["peak_rss_file_delta_mb"]},
    )


# ---- browser ----------------------------------------------------------------------------------------------------


def _median_of(trials: list[dict], key: str) -> str:
    values = [t[key] for t in trials if t.get(key) is not None]
    return f"{median(values):.2f}" if values else "n/a"


def bench_browser(rec: Recorder, quick: bool, paint: bool, roundtrip: bool) -> None:
    args = [
        "--trials",
        "1" if quick else "3",
        "--samples",
        "10" if quick else "40",
        "--idle-samples",
        "5" if quick else "10",
    ]
    if not paint:
        args.append("--no-paint")
    if not roundtrip:
        args.append("--no-roundtrip")
    out = run_worker("bench_browser", args, env=bench_env(), timeout=3600)
    if paint:
        trials = out["first_paint"]
        method = (
            "spawn `.venv/bin/workbench app --port P` (fresh WORKBENCH_HOME), Chromium via Playwright (flags "
            "--headless --no-sandbox --disable-gpu ...) requests the page once the port accepts and the server's "
            f"pre-heated kernel is built (a server that is up); median of {len(trials)} server starts"
        )
        rec.add(
            "app_first_paint_s",
            round(median([t["first_paint_s"] for t in trials]), 3),
            "s",
            load_at=trials[0]["load"],
            method=method + "; from navigation (the page requested) until `.wb-panel-model` is visible",
            notes=f"server listening after {median([t['listen_s'] for t in trials]):.2f} s, its pre-heated kernel "
            f"built after {_median_of(trials, 'pool_ready_s')} s; from the spawn of `workbench app`: "
            f"{median([t['first_paint_from_spawn_s'] for t in trials]):.2f} s; a second page asked for right "
            f"after the first (the pool refilling): {_median_of(trials, 'next_page_first_paint_s')} s",
            details={"trials": trials},
        )
        rec.add(
            "app_ready_s",
            round(median([t["ready_s"] for t in trials]), 3),
            "s",
            load_at=trials[0]["load"],
            method=method + "; from navigation until `button.wb-start` is enabled",
            notes=(
                f"Start is enabled as soon as the panels paint; the datasets are loaded after "
                f"{median([t['datasets_loaded_s'] for t in trials]):.2f} s"
            ),
        )
        kernels = [t["kernel"] for t in trials if t.get("kernel", {}).get("rss_mb") is not None]
        if kernels:
            torch_in = sum(any(k["torch_loaded"] for k in t["kernels"]) for t in kernels)
            rec.add(
                "app_kernel_rss_mb",
                round(median([t["rss_mb"] for t in kernels]), 1),
                "MB",
                load_at=trials[0]["load"],
                method=method
                + "; the served app's page kernel (process backend), RSS once the page is ready "
                "and its datasets are loaded (a page that only configures runs)",
                notes=f"torch loaded in {torch_in} of {len(kernels)} kernels; goal <= 400 MB; after opening the "
                f"Training settings tab: {trials[0].get('kernel_after_args_tab', {}).get('rss_mb')} MB",
                details={"kernels": kernels},
            )
    if roundtrip:
        rt = out["roundtrip"]
        tr, idle = rt["training"], rt["idle"]
        rec.add(
            "ui_roundtrip_ms_during_training",
            {"p50": tr["p50_ms"], "p95": tr["p95_ms"]},
            "ms",
            load_at=rt["load_start"],
            method=rt["method"],
            notes=(
                f"{tr['n']} samples while training (max {tr['max_ms']} ms, {tr['timeouts']} timeouts); idle: "
                f"p50 {idle['p50_ms']} / p95 {idle['p95_ms']} ms ({idle['n']} samples)"
            ),
            details=rt,
        )


GPU_FIGURES = ("gpu_overhead_ratio", "gpu_auto_vs_library_ratio")
# SentenceTransformerTrainingArguments as documented: batch 8, fp32, no sampler. One epoch instead of the default
# three (samples/s does not depend on it); no checkpoints, the same seed and no tracker on both sides.
LIBRARY_ARGS = {"num_train_epochs": 1, "save_strategy": "no", "seed": 42, "report_to": "none"}


def bench_gpu(rec: Recorder, quick: bool, pairs: int, *, force: bool = False) -> None:
    """On a GPU: the overhead ratio there, and the workbench's automatic choice vs the library's default arguments.

    ``force`` runs the same code on a machine without a GPU (the tests do, to check the code path); its figures are
    marked as such and are no GPU figures.
    """
    gpu = rec.machine.get("gpu")
    if not gpu and not force:
        for name in GPU_FIGURES:
            rec.add(name, None, "ratio", reason=NO_GPU, notes=NO_GPU)
        return
    where = "" if gpu else "FORCED WITHOUT A GPU (code-path check, not a GPU figure): "
    print("  gpu overhead: workbench vs plain on the GPU", flush=True)
    bench_overhead(rec, quick, pairs, 0, prefix="gpu_", sizes=(160, 8) if quick else (5749, 600), where=where)
    print("  gpu throughput: the workbench's automatic choice vs the library's default arguments", flush=True)
    bench_auto_vs_library(rec, quick, pairs, where)


def bench_auto_vs_library(
    rec: Recorder,
    quick: bool,
    pairs: int,
    where: str = "",
    *,
    prefix: str = "gpu_",
    figure: str = "gpu_auto_vs_library_ratio",
    rows: int | None = None,
    threads: int = 0,
) -> None:
    """The plain trainer script, once with the workbench's automatic arguments, once with the library's defaults."""
    rows = 160 if quick else rows or 5749
    pairs = 1 if quick else pairs
    work = WORK / f"{prefix}auto_vs_library"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = train_env(threads)
    planned = run_worker(
        "bench_overhead", ["args", "--rows", str(rows), "--auto", "--out-dir", str(work / "plan")], env=env
    )
    files = {"auto": work / "auto.json", "library": work / "library.json"}
    files["auto"].write_text(json.dumps(planned, indent=2))
    files["library"].write_text(json.dumps({**planned, "args": LIBRARY_ARGS}, indent=2))
    trials = interleaved(
        pairs,
        ("auto", "library"),
        "auto-vs-library",
        env,
        lambda side, i: [
            "trial",
            "--side",
            "plain",
            "--args-file",
            str(files[side]),
            "--out-dir",
            str(work / f"{side}-{i}"),
        ],
    )
    a_sps = [p["auto"]["train_samples_per_second"] for p in trials]
    l_sps = [p["library"]["train_samples_per_second"] for p in trials]
    ratios = [a / b for a, b in zip(a_sps, l_sps, strict=True)]
    chosen = {k: planned["args"].get(k) for k in ("per_device_train_batch_size", "fp16", "bf16")}
    devices = sorted({str(p[s].get("device")) for p in trials for s in p})
    loads = [p[s]["load_before"] for p in trials for s in ("auto", "library")]
    rec.add(
        figure,
        round(median(ratios), 4),
        "ratio",
        load_at=loads[0],
        method=(
            f"{rows} STSb train rows, 1 epoch, packaged all-MiniLM-L6-v2, CoSENTLoss, the plain "
            "SentenceTransformerTrainer script on both sides; auto = the Plan's arguments for a config that "
            f"sets only save_strategy=no, eval_strategy=no, seed=42 ({', '.join(f'{k}={v}' for k, v in chosen.items() if v is not None)}); "
            f"library = {LIBRARY_ARGS} and the library's defaults otherwise (batch 8, fp32); "
            f"{pairs} interleaved pair(s), median of per-pair samples/s ratios; device {', '.join(devices)}; "
            f"torch threads {threads or 'default'}"
        ),
        notes=f"{where}auto {median(a_sps):.4g} vs library defaults {median(l_sps):.4g} samples/s (medians)",
        details={
            "ratios": [round(r, 4) for r in ratios],
            "trials": trials,
            "auto_args": planned["args"],
            "library_args": LIBRARY_ARGS,
            "device": planned.get("device"),
            "devices": devices,
        },
    )
    rec.add(
        f"{prefix}auto_samples_per_s",
        round(median(a_sps), 3),
        "samples/s",
        load_at=loads[0],
        notes=f"{where}beside {figure} (the workbench's automatic arguments)",
    )
    rec.add(
        f"{prefix}library_samples_per_s",
        round(median(l_sps), 3),
        "samples/s",
        load_at=loads[1],
        notes=f"{where}beside {figure} (the library's default arguments)",
    )


def bench_ttq(
    rec: Recorder, quick: bool, threads: int, target: float = 0.85, sides: tuple[str, ...] = ("auto", "fp32")
) -> None:
    """``time_to_quality_stsb_s``: the workbench's defaults (bf16 where the CPU has it) vs the same in fp32, in
    fresh processes one after the other (auto first, then fp32, so the headline side is not the one measured
    later in a longer run)."""
    limit = ["--limit", "160"] if quick else []
    out = {}
    for side in sides:
        work = WORK / f"ttq-{side}"
        shutil.rmtree(work, ignore_errors=True)
        env = train_env(threads)
        if side == "fp32":
            env["WORKBENCH_CPU_BF16"] = "0"
        print(f"  time to quality: {side} (load {load()})", flush=True)
        out[side] = run_worker(
            "bench_speed",
            ["ttq", "--out-dir", str(work), "--target", str(target), *limit],
            env=env,
            timeout=3600,
        )
    a, f = out["auto"], out.get("fp32")

    def said(r):
        if r is None:
            return "not measured in this run (--ttq-sides auto)"
        if r["reached"]:
            return f"{r['time_to_quality_s']:.0f} s (step {r['reached_at']['step']})"
        if r.get("gave_up_after_s"):
            return f"not within {r['gave_up_after_s']:.0f} s ({r['best']} best; stopped then)"
        return f"never ({r['best']} best, whole run {r['total_s']:.0f} s)"

    rec.add(
        "time_to_quality_stsb_s",
        a["time_to_quality_s"],
        "s",
        load_at=a["load_before"],
        method=(
            f"workbench defaults (loss auto, nothing else chosen: {a['args']}) on STSb train ({a['train_rows']} "
            f"rows) with STSb test as the eval set at the default eval_steps; clock from before build() (as "
            f"Start) to the first evaluation with Spearman >= {target}, then the run is stopped; torch threads "
            f"{threads or 'default'}; beside it the same run with WORKBENCH_CPU_BF16=0 (fp32)"
        ),
        notes=f"auto: {said(a)}; fp32: {said(f)}",
        reason=None if a["reached"] else f"never reached {target} (best {a['best']})",
        details={"auto": a, "fp32": f},
    )


# ---- results ----------------------------------------------------------------------------------------------------


def write_results(rec: Recorder, path: Path) -> dict:
    old = {}
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except ValueError:
            old = {}
    figures = {**old.get("figures", {}), **rec.figures}
    history = list(old.get("history", []))
    for name, f in rec.figures.items():
        history.append(
            {
                "date": f["date"],
                "machine": f["machine"],
                "figure": name,
                "value": f["value"],
                "unit": f["unit"],
                "load": f["load"],
                "cpu_ref_s": f.get("cpu_ref_s"),
                "notes": f.get("notes", ""),
                "quick": f["quick"],
            }
        )
    data = {"updated": now_iso(), "machine": rec.machine, "figures": figures, "history": history}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return data


def _cell(value) -> str:
    if isinstance(value, dict):
        return " / ".join(f"{k} {v}" for k, v in value.items())
    return "null" if value is None else str(value)


def readme_rows(rec: Recorder) -> list[str]:
    rows = []
    for name, f in rec.figures.items():
        notes = (f.get("notes") or "").replace("|", "/")
        rows.append(
            f"| {f['date'][:10]} | {f['machine']}, load {f['load'][0] if f['load'] else '?'}, "
            f"yardstick {f.get('cpu_ref_s', '?')} s | {name} | "
            f"{_cell(f['value'])} {f['unit'] if f['value'] is not None else ''} | {notes} |"
        )
    return rows


def update_readme(rec: Recorder, path: Path = README) -> bool:
    """Append this run's rows to the table of the README's "Benchmarks" section (the last table in it)."""
    if not path.is_file():
        return False
    text = path.read_text()
    start = text.find(README_HEADING)
    if start < 0:
        return False
    nxt = re.search(r"^## ", text[start + len(README_HEADING) :], flags=re.M)
    end = start + len(README_HEADING) + nxt.start() if nxt else len(text)
    section = text[start:end]
    lines = section.rstrip("\n").split("\n")
    last_row = max((i for i, line in enumerate(lines) if line.startswith("|")), default=None)
    if last_row is None:
        return False
    lines[last_row + 1 : last_row + 1] = readme_rows(rec)
    new_section = "\n".join(lines) + "\n" + ("\n" if nxt else "")
    path.write_text(
        text[:start] + new_section + text[end:].lstrip("\n") if nxt else text[:start] + new_section
    )
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated benchmarks: {', '.join(NAMES)}")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks that the benchmarks run")
    parser.add_argument(
        "--rows", type=int, help="mapping benchmark: the large file's rows (the small one has 1/10)"
    )
    parser.add_argument(
        "--pairs", type=int, default=3, help="overhead benchmark: interleaved pairs (default 3)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch/OpenMP threads of the training benchmarks, the same on both sides (default 1; "
        "0: torch's default)",
    )
    parser.add_argument(
        "--ttq-sides",
        default="auto,fp32",
        help="time-to-quality sides, in order (default auto,fp32; 'auto' alone when time is short)",
    )
    parser.add_argument(
        "--force-gpu-path",
        action="store_true",
        help="run the GPU benchmark's code even without a GPU (a check for tests, not a figure)",
    )
    parser.add_argument("--out", default=str(RESULTS), help="results file (default bench/results.json)")
    parser.add_argument(
        "--readme",
        choices=("auto", "yes", "no"),
        default="auto",
        help="append the figures to bench/README.md's Benchmarks table (auto: full runs into the "
        "default results file)",
    )
    opts = parser.parse_args(argv)
    only = [n.strip() for n in (opts.only or ",".join(NAMES)).split(",") if n.strip()]
    unknown = [n for n in only if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    WORK.mkdir(parents=True, exist_ok=True)
    rec = Recorder(opts.quick)
    print(f"bench on {machine_text(rec.machine)}, load {load()}", flush=True)
    started = time.monotonic()
    if "overhead" in only:
        print("overhead: workbench with the live dashboard vs the plain trainer script", flush=True)
        bench_overhead(rec, opts.quick, opts.pairs, opts.threads)
    if "cpu_auto" in only:
        print("cpu_auto: the workbench's default arguments vs the library's, the plain trainer", flush=True)
        bench_auto_vs_library(
            rec, opts.quick, opts.pairs, prefix="cpu_", figure="cpu_auto_precision_speedup", rows=640,
            threads=opts.threads,
        )  # fmt: skip
    if "ttq" in only:
        print("ttq: time until STSb test reaches 0.85 with the workbench's defaults", flush=True)
        # The goal is stated for the machine's 2 cores: torch's own thread count, not the one-thread setting.
        bench_ttq(rec, opts.quick, 0, sides=tuple(opts.ttq_sides.split(",")))
    if "stop" in only:
        print("stop: Stop -> training stopped -> model saved", flush=True)
        bench_stop(rec, opts.quick, opts.threads)
    if "mapping_1m" in only:
        print("mapping: load, roles, remap, verdicts on a large Parquet file", flush=True)
        bench_mapping(rec, opts.quick, opts.rows)
    if "app" in only or "ui_roundtrip" in only:
        print("browser: `workbench app` cold start, widget round trips during training", flush=True)
        bench_browser(rec, opts.quick, "app" in only, "ui_roundtrip" in only)
    if "multi_process" in only:
        from bench_launch import bench_multi_process

        print("multi_process: samples/s of 2 processes (DDP over gloo) vs 1, same data", flush=True)
        bench_multi_process(rec, opts.quick, opts.pairs, train_env(opts.threads), opts.threads)
    if "gpu" in only:
        print("gpu: overhead on the GPU; automatic precision/batch vs the library's defaults", flush=True)
        bench_gpu(rec, opts.quick, opts.pairs, force=opts.force_gpu_path)
    out = Path(opts.out)
    write_results(rec, out)
    print(f"wrote {out} in {time.monotonic() - started:.0f} s", flush=True)
    full = not opts.quick and not opts.force_gpu_path and out.resolve() == RESULTS.resolve()
    if opts.readme == "yes" or (opts.readme == "auto" and full):
        print(
            "README table updated" if update_readme(rec) else "README: no Benchmarks table to append to",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
