"""Worker for the speed benchmarks of the workbench's defaults: one trial per process, printed as one JSON line.

    python bench/bench_speed.py ttq --out-dir DIR [--target 0.85] [--limit N]

``ttq`` (time to quality): the workbench's own defaults on STSb train (``loss: auto``, nothing else chosen, so on
a CPU with native bfloat16 it trains in bf16; with ``WORKBENCH_CPU_BF16=0`` in the environment in fp32), with
STSb test as the eval set measured during training at the workbench's default ``eval_steps``. The clock starts
before the run is built (as pressing Start) and stops at the first evaluation whose Spearman reaches the target;
the run is then stopped. When it never does, the answer says so (``reached`` false) with the best value and the
time of the whole run; a run still short of the target after ``--budget-s`` (default 900 s, five times the 180 s
goal) is stopped and reported as given up then.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import SHARED_DATA, emit, load  # noqa: E402


def stsb_config(out_dir: str, limit: int | None) -> dict:
    def csv(name, lim=None):
        spec = {
            "source": "csv",
            "path": str(SHARED_DATA / "stsb" / f"{name}.csv"),
            "columns": ["sentence1", "sentence2"],
            "label": "score",
            "label_range": [0, 5],
        }
        return {**spec, "limit": lim} if lim else spec

    return {
        "model": {"type": "sentence-transformer", "name_or_path": "default"},
        "datasets": {"train": {"stsb": csv("train", limit)}, "eval": {"stsb_test": csv("test")}, "test": {}},
        "loss": {"name": "auto"},
        "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/stsb_test"}],
        "args": {},
        "output_dir": out_dir,
        "overwrite": True,
    }


def cmd_ttq(opts) -> dict:
    from workbench.engine import RunListener, Runner, build
    from workbench.spec import RunSpec

    load_before = load()
    t0 = time.monotonic()
    plan = build(RunSpec.from_dict(stsb_config(opts.out_dir, opts.limit)))
    evals: list[dict] = []
    reached: dict = {}
    budget: list = []
    runner_box: list = []

    class Watch(RunListener):
        def _seen(self, step, metrics):
            value = next((v for k, v in metrics.items() if k.endswith("spearman_cosine")), None)
            if value is None:
                return
            at = round(time.monotonic() - t0, 2)
            evals.append({"step": step, "spearman_cosine": round(float(value), 4), "t_s": at, "load": load()})
            if value >= opts.target and not reached:
                reached.update(t_s=at, step=step, value=round(float(value), 4))
                runner_box[0].stop()  # the goal is met: the rest of the epoch is not part of the figure

        def on_progress(self, event):
            if not reached and not budget and time.monotonic() - t0 > opts.budget_s:
                budget.append(round(time.monotonic() - t0, 2))  # given up: the goal is far behind
                runner_box[0].stop()

        def on_baseline(self, event):
            self._seen(0, event.metrics)

        def on_eval(self, event):
            self._seen(event.step, event.metrics)

    runner = Runner(plan, listeners=[Watch()])
    runner_box.append(runner)
    summary = runner.run_blocking()
    total = round(time.monotonic() - t0, 2)
    return {
        "reached": bool(reached),
        "time_to_quality_s": reached.get("t_s"),
        "reached_at": reached or None,
        "gave_up_after_s": budget[0] if budget else None,
        "budget_s": opts.budget_s,
        "best": max((e["spearman_cosine"] for e in evals), default=None),
        "evals": evals,
        "total_s": total,
        "status": summary.get("status"),
        "steps": summary.get("steps"),
        "args": {k: plan.args.get(k) for k in ("bf16", "fp16", "per_device_train_batch_size", "eval_steps")},
        "train_rows": plan.train_rows,
        "device": plan.device_info,
        "torch_threads": __import__("torch").get_num_threads(),
        "load_before": load_before,
        "load_after": load(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    ttq = sub.add_parser("ttq", help="time until STSb test Spearman reaches the target")
    ttq.add_argument("--out-dir", required=True)
    ttq.add_argument("--target", type=float, default=0.85)
    ttq.add_argument(
        "--budget-s",
        type=float,
        default=900.0,
        help="stop the run when the target is not reached after this many seconds (default 900: 5x the goal)",
    )
    ttq.add_argument("--limit", type=int, default=None, help="at most N training rows (quick checks)")
    opts = parser.parse_args(argv)
    emit(cmd_ttq(opts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
