"""`make quality`'s distillation case: the packaged all-MiniLM-L6-v2 (6 layers) distilled into its first 3 layers.

Teacher: the packaged MiniLM. Student: its first 3 transformer layers (embeddings, pooling and normalisation kept).
Targets: the teacher's embeddings (MSELoss) of distinct STSb train sentences and SNLI dev sentences (the first
``--texts`` of them, STSb first), 1 epoch. Figures: STSb test Spearman (cosine) of the teacher and of the student
before and after, parameters, size on disk, encode sentences/s of both measured here, interleaved. Everything goes
through the workbench's own ``engine.distill`` (the same code as ``workbench distill`` and the app).
Writes the result under ``distill`` in bench/quality.json.

    python bench/quality_distill.py                # 5,000 texts (about 5-15 min on 2 CPU cores, load-dependent)
    python bench/quality_distill.py --texts 1000   # quicker
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from pathlib import Path

import quality as Q

CASE = "distill-minilm-3"


def texts_file(limit: int) -> Path:
    """Distinct STSb train sentences then SNLI dev sentences, one column ``text`` (outside the repository)."""
    seen: dict[str, None] = {}
    for path, columns in (
        (Q.SHARED / "stsb" / "train.csv", ("sentence1", "sentence2")),
        (Q.SHARED / "nli" / "snli_dev_pairs.csv", ("premise", "hypothesis")),
    ):
        with open(path, encoding="utf8", newline="") as fh:
            for row in csv.DictReader(fh):
                for c in columns:
                    text = (row.get(c) or "").strip()
                    if text:
                        seen.setdefault(text, None)
    Q.DERIVED.mkdir(parents=True, exist_ok=True)
    out = Q.DERIVED / f"distill_texts_{limit}.csv"
    with open(out, "w", encoding="utf8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text"])
        for text in list(seen)[:limit]:
            writer.writerow([text])
    return out


def run(limit: int, keep: int = 3, epochs: float = 1.0) -> dict:
    from workbench import engine

    request = engine.DistillRequest(
        teacher="default",
        data=str(texts_file(limit)),
        columns=("text",),
        keep_layers=keep,
        eval_file=str(Q.SHARED / "stsb" / "test.csv"),
        eval_columns=("sentence1", "sentence2", "score"),
        epochs=epochs,
        batch_size=32,
        learning_rate=1e-4,
    )
    out = Q.WORK / CASE
    load_before = Q._load()
    started = time.monotonic()
    report = engine.distill(
        request, out, progress=lambda what, d, n: print(f"   {what}: {d}/{n}", file=sys.stderr, flush=True)
    )
    report["wall_time_s"] = round(time.monotonic() - started, 1)
    report["load"] = {"before": load_before, "after": Q._load()}
    report["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    report["machine"] = Q.machine()
    report["texts"] = limit
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=5000, help="texts the teacher labels (default 5,000)")
    parser.add_argument("--keep", type=int, default=3, help="the teacher's first layers the student keeps")
    parser.add_argument("--out", default=str(Q.OUT_JSON))
    args = parser.parse_args(argv)
    if not Q.SHARED.is_dir():
        print(f"quality: {Q.SHARED} is absent.", file=sys.stderr)
        return 2
    report = run(args.texts, args.keep)
    out = Path(args.out)
    results = json.loads(out.read_text(encoding="utf8")) if out.is_file() else {}
    results.setdefault("distill", {})[CASE] = report
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf8")
    print(report["verdict"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
