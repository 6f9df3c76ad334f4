"""Is the workbench's automatic bf16 on a CPU as good as fp32? STSb auto trained both ways, judged side by side.

Runs quality.py's ``stsb-auto`` case twice through the workbench's engine, one after the other on the same data
and seed: once with ``bf16: false`` in the config (fp32, the library's default), once with nothing said (the
workbench's automatic precision: bf16 on a CPU with avx512_bf16 / AMX). Both final models are scored on the same
STSb test pairs, and a paired bootstrap over those pairs gives the interval of ``final(auto) - final(fp32)``: the
automatic precision keeps its place as the default only when that interval contains 0 (or lies above it).
Writes the comparison under ``precision`` in bench/quality.json.

    python bench/quality_precision.py                  # all 5,749 training pairs (about 8 min on 2 quiet cores)
    python bench/quality_precision.py --limit-train 500
    python bench/quality_precision.py --sides auto &  python bench/quality_precision.py --sides fp32  # side by side
    python bench/quality_precision.py --sides none     # pair the two sides kept in bench/_work
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import quality as Q

KEPT = (
    "baseline",
    "final",
    "ci95",
    "verdict",
    "train_time_s",
    "wall_time_s",
    "side_wall_s",
    "load",
    "date",
    "steps",
)


def side_file(side: str, what: str) -> Path:
    return Q.WORK / f"precision_{side}_{what}.json"


def run_side(side: str, limit: int | None, n_boot: int, tag: str = "") -> None:
    """Train one side and keep its entry and its final model's per-item scores in bench/_work (so that the sides
    can run in separate processes, and the pairing be redone without training again)."""
    kept: list = []
    started = time.monotonic()
    entry = Q.run_case(
        "stsb-auto", limit, n_boot, args={"bf16": False} if side == "fp32" else None, items=kept, tag=tag
    )
    entry["side_wall_s"] = round(time.monotonic() - started, 1)
    Q.WORK.mkdir(parents=True, exist_ok=True)
    record = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in kept[0].items()}
    side_file(side, "items").write_text(json.dumps(record, default=str), encoding="utf8")
    side_file(side, "entry").write_text(json.dumps(entry, default=str), encoding="utf8")


def entry_from_folder(folder: Path) -> dict:
    """A side's entry rebuilt from its run folder (summary.json, config.json, metrics.jsonl), for a side trained by
    an earlier version of this script that kept only the per-item scores."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf8"))
    config = json.loads((folder / "config.json").read_text(encoding="utf8"))
    key = next(iter(summary["primary_metrics"].values()))
    train = {}
    for line in (folder / "metrics.jsonl").read_text(encoding="utf8").splitlines():
        row = json.loads(line)
        if "train_runtime" in row:
            train = row
    status = json.loads((folder / "status.json").read_text(encoding="utf8"))
    return {
        "baseline": summary["baseline"][key],
        "final": summary["final"][key],
        "ci95": None,
        "verdict": summary.get("verdict", {}).get("verdict")
        if isinstance(summary.get("verdict"), dict)
        else None,
        "train_time_s": round(train.get("train_runtime", float("nan")), 1),
        "wall_time_s": summary.get("wall_time_s"),
        "side_wall_s": None,
        "load": None,
        "date": status.get("ended") or status.get("started"),
        "steps": summary.get("steps"),
        "args": {**config.get("args", {})},
        "machine": Q.machine(),
        "train_limit": None,
        "rebuilt_from": str(folder),
    }


def pair(n_boot: int, order: tuple[str, ...] = ("fp32", "auto")) -> dict:
    """The paired bootstrap between the two sides' final models, from the files :func:`run_side` kept."""
    from workbench.engine import detect_device
    from workbench.rules.bootstrap import bootstrap_delta

    items = {side: json.loads(side_file(side, "items").read_text(encoding="utf8")) for side in order}
    entries = {
        side: json.loads(side_file(side, "entry").read_text(encoding="utf8"))
        if side_file(side, "entry").is_file()
        else entry_from_folder(Q.WORK / "runs" / "stsb-auto")
        for side in order
    }
    fp32, auto = items["fp32"], items["auto"]
    boot = bootstrap_delta(fp32["kind"], fp32["scores"], auto["scores"], fp32["gold"], n_boot=n_boot)
    low, high = boot["ci95"]
    # Equal quality: the interval of auto - fp32 reaches 0 or lies above it (auto is not measurably worse).
    equal = high >= 0.0
    return {
        "device": detect_device(),
        "auto_args": {k: entries["auto"]["args"].get(k) for k in ("bf16", "fp16", "use_cpu")},
        "fp32_args": {k: entries["fp32"]["args"].get(k) for k in ("bf16", "fp16", "use_cpu")},
        **{side: {k: entries[side].get(k) for k in KEPT} for side in order},
        "auto_minus_fp32": boot["delta"],
        "auto_minus_fp32_ci95": boot["ci95"],
        "n_items": boot["n_items"],
        "equal_quality": bool(equal),
        "judged": "better" if low > 0 else "tie" if equal else "worse",
        "train_speedup": round(entries["fp32"]["train_time_s"] / entries["auto"]["train_time_s"], 2)
        if entries["fp32"].get("train_time_s") and entries["auto"].get("train_time_s")
        else None,
        "order": list(order),
        "train_limit": entries["auto"].get("train_limit"),
        "machine": entries["auto"].get("machine"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit-train", type=int, default=0, help="at most N training rows (0: all)")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--out", default=str(Q.OUT_JSON))
    parser.add_argument(
        "--sides",
        default="fp32,auto",
        help="the sides to train in this process, in order (e.g. 'auto' in one process and 'fp32' in another; "
        "'none' only pairs the sides kept in bench/_work)",
    )
    args = parser.parse_args(argv)
    sides = [s for s in args.sides.split(",") if s and s != "none"]
    for side in sides:
        run_side(side, args.limit_train or None, args.n_boot, tag="" if len(sides) > 1 else f"-{side}")
    if not all(side_file(s, "items").is_file() for s in ("fp32", "auto")):
        print("one side is not measured yet: pair later with --sides none", flush=True)
        return 0
    result = pair(args.n_boot)
    out = Path(args.out)
    results = json.loads(out.read_text(encoding="utf8")) if out.is_file() else {}
    results["precision"] = result
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf8")
    low, high = result["auto_minus_fp32_ci95"]
    print(
        f"STSb test: fp32 {result['fp32']['final']:.4f}, auto {result['auto_args']} {result['auto']['final']:.4f}; "
        f"auto - fp32 {result['auto_minus_fp32']:+.4f} [{low:+.4f}, {high:+.4f}] -> "
        f"{'equal quality' if result['equal_quality'] else 'NOT equal'}; train speed-up {result['train_speedup']}x",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
