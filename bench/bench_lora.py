"""LoRA vs full fine-tuning of the packaged all-MiniLM-L6-v2 on the built-in demo data (400 scored pairs -> 100),
then merge and save: trainable parameters, wall time, the dev metric before and after, and how closely the merged
model encodes like the adapter model. Writes ``bench/_work/lora.json`` and prints one Markdown row per run.

    python bench/bench_lora.py            # both runs, one after the other (run it alone: 2 cores)
    python bench/bench_lora.py --lr 5e-4  # one more LoRA run at another learning rate, added to lora.json
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import WORK, load, machine, machine_text  # noqa: E402

LORA = {"type": "lora", "r": 16, "alpha": 32, "dropout": 0.1, "target_modules": "auto"}


def config(adapter: dict | None, out: Path, lr: float | None = None) -> dict:
    from workbench.data.demo import demo_path

    mapping = {"columns": ["sentence1", "sentence2"], "label": "score", "label_range": [0, 5]}
    model = {"name_or_path": "default", **({"adapter": adapter} if adapter else {})}
    return {
        "model": model,
        "datasets": {
            "train": {"demo": {"source": "csv", "path": demo_path("pairs_scored_train"), **mapping}},
            "eval": {"dev": {"source": "csv", "path": demo_path("pairs_scored_dev"), **mapping}},
        },
        "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        "args": {"save_strategy": "no", **({"learning_rate": lr} if lr else {})},
        "output_dir": str(out),
        "overwrite": True,
    }


def one(name: str, adapter: dict | None, lr: float | None = None) -> dict:
    from workbench.engine import train

    out = WORK / f"lora-{name}"
    shutil.rmtree(out, ignore_errors=True)
    notes: list[str] = []
    before = load()
    started = time.monotonic()
    summary = train(
        config(adapter, out, lr), on_event=lambda e: e["type"] == "note" and notes.append(e["text"])
    )
    wall = time.monotonic() - started
    key = "dev_spearman_cosine"
    row = {
        "run": name,
        "baseline": summary["baseline"][key],
        "final": summary["final"][key],
        "wall_s": round(wall, 1),
        "steps": summary["steps"],
        "learning_rate": json.loads((out / "config.json").read_text())["args"].get(
            "learning_rate", "default"
        ),
        "load_before": before,
    }
    found = next(
        (re.search(r"([\d,]+) of ([\d,]+) parameters", n) for n in notes if "parameters train" in n), None
    )
    if found:
        row["trainable"], row["total"] = (int(g.replace(",", "")) for g in found.groups())
    if adapter:
        row.update(merged(out))
    row["load_after"] = load()
    return row


def merged(run: Path) -> dict:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from workbench.data.demo import demo_path
    from workbench.engine.merge import load_adapter_model, merge

    with open(demo_path("pairs_scored_dev"), encoding="utf8", newline="") as fh:
        texts = [row["sentence1"] for row in csv.DictReader(fh)][:64]
    started = time.monotonic()
    out = merge(run)
    merge_s = time.monotonic() - started
    a = load_adapter_model(run / "final", "sentence-transformer").encode(texts, normalize_embeddings=True)
    b = SentenceTransformer(str(out), device="cpu").encode(texts, normalize_embeddings=True)
    sizes = {
        f.name: f.stat().st_size for f in (run / "final").iterdir() if f.name.startswith("adapter_model")
    }
    return {
        "merge_s": round(merge_s, 1),
        "merged_vs_adapter_max_abs": float(np.abs(a - b).max()),
        "merged_vs_adapter_min_cosine": float((a * b).sum(axis=1).min()),
        "adapter_file_mb": round(sum(sizes.values()) / 2**20, 2),
    }


def main() -> None:
    """Both runs; ``--lr X`` runs only LoRA at learning rate X and adds its row to lora.json."""
    info = machine()
    if "--lr" in sys.argv:
        lr = float(sys.argv[sys.argv.index("--lr") + 1])
        found = (
            json.loads((WORK / "lora.json").read_text()) if (WORK / "lora.json").is_file() else {"rows": []}
        )
        rows = [*found["rows"], one(f"lora-r16-lr{lr:g}", LORA, lr)]
    else:
        rows = [one("full", None), one("lora-r16", LORA)]
    (WORK / "lora.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=2))
    print(f"machine: {machine_text(info)}")
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
