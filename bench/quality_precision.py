"""Is the workbench's automatic bf16 on a CPU as good as fp32? STSb auto trained both ways, judged side by side.

Runs quality.py's ``stsb-auto`` case twice through the workbench's engine, one after the other on the same data
and seed: once with ``bf16: false`` in the config (fp32, the library's default), once with nothing said (the
workbench's automatic precision: bf16 on a CPU with avx512_bf16 / AMX). Both final models are scored on the same
STSb test pairs, and a paired bootstrap over those pairs gives the interval of ``final(auto) - final(fp32)``: the
automatic precision keeps its place as the default only when that interval contains 0 (or lies above it).
Writes the comparison under ``precision`` in bench/quality.json.

    python bench/quality_precision.py                  # all 5,749 training pairs (about 8 min on 2 quiet cores)
    python bench/quality_precision.py --limit-train 500
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


def compare(limit: int | None, n_boot: int, order: tuple[str, ...] = ("fp32", "auto")) -> dict:
    from workbench.engine import detect_device
    from workbench.rules.bootstrap import bootstrap_delta

    device = detect_device()
    entries, items = {}, {}
    for side in order:
        kept: list = []
        started = time.monotonic()
        entries[side] = Q.run_case(
            "stsb-auto", limit, n_boot, args={"bf16": False} if side == "fp32" else None, items=kept
        )
        entries[side]["side_wall_s"] = round(time.monotonic() - started, 1)
        items[side] = kept[0]
        # Kept beside the work files, so that the pairing can be redone without training again.
        Q.WORK.mkdir(parents=True, exist_ok=True)
        record = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in kept[0].items()}
        (Q.WORK / f"precision_{side}_items.json").write_text(json.dumps(record, default=str), encoding="utf8")
    fp32, auto = items["fp32"], items["auto"]
    boot = bootstrap_delta(fp32["kind"], fp32["scores"], auto["scores"], fp32["gold"], n_boot=n_boot)
    low, high = boot["ci95"]
    # Equal quality: the interval of auto - fp32 reaches 0 or lies above it (auto is not measurably worse).
    equal = high >= 0.0
    return {
        "device": device,
        "auto_args": {k: entries["auto"]["args"].get(k) for k in ("bf16", "fp16")},
        "fp32_args": {k: entries["fp32"]["args"].get(k) for k in ("bf16", "fp16")},
        **{side: {k: entries[side][k] for k in KEPT} for side in order},
        "auto_minus_fp32": boot["delta"],
        "auto_minus_fp32_ci95": boot["ci95"],
        "n_items": boot["n_items"],
        "equal_quality": bool(equal),
        "judged": "better" if low > 0 else "tie" if equal else "worse",
        "train_speedup": round(entries["fp32"]["train_time_s"] / entries["auto"]["train_time_s"], 2),
        "order": list(order),
        "train_limit": limit,
        "machine": entries["auto"]["machine"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit-train", type=int, default=0, help="at most N training rows (0: all)")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--out", default=str(Q.OUT_JSON))
    args = parser.parse_args(argv)
    result = compare(args.limit_train or None, args.n_boot)
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
