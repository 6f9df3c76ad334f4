"""Which int8 setting to ship: onnxruntime's ``quantize_dynamic`` variants of the packaged all-MiniLM-L6-v2 on STSb
test (``../shared/data/stsb/test.csv``), against the fp32 ONNX graph (identical to torch): Spearman, the mean and
min cosine of each sentence's embedding to fp32, sentences/s (batch 32) and the graph's size.

    python bench/ship_int8.py            # prints one row per variant (run it alone: speed figures need a quiet machine)

The variants are written beside a shipped fp32 folder (``workbench.engine.ship.export``) and loaded with
``workbench.load_shipped``, the loader users get. The chosen setting is ``workbench.engine.INT8_SETTINGS``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STSB = ROOT.parent / "shared" / "data" / "stsb" / "test.csv"
VARIANTS = {
    "per-tensor QInt8 (library default)": {},
    "per-channel QInt8 (chosen)": {"per_channel": True},
    "MatMul only (embeddings fp32)": {"op_types_to_quantize": ["MatMul"]},
    "MatMul only, per-channel": {"op_types_to_quantize": ["MatMul"], "per_channel": True},
    "MatMul only, per-channel, reduce_range": {
        "op_types_to_quantize": ["MatMul"],
        "per_channel": True,
        "reduce_range": True,
    },
    "per-tensor QUInt8 weights": {"weight_type": "QUInt8"},
}


def main() -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer

    from workbench import load_shipped
    from workbench.engine.models import default_model_path
    from workbench.engine.ship import _pooling, export

    rows = list(csv.DictReader(STSB.open(encoding="utf-8")))
    texts = list(dict.fromkeys([r["sentence1"] for r in rows] + [r["sentence2"] for r in rows]))
    index = {t: i for i, t in enumerate(texts)}
    gold = [float(r["score"]) for r in rows]

    def spearman(emb) -> float:
        a, b = emb[[index[r["sentence1"]] for r in rows]], emb[[index[r["sentence2"]] for r in rows]]
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        return float(spearmanr(cos, gold).correlation)

    path = Path(default_model_path())
    model = SentenceTransformer(str(path), device="cpu")
    work = Path(tempfile.mkdtemp(prefix="ship-int8-"))
    try:
        fp32 = work / "fp32"
        fp32.mkdir()
        export(model, path, fp32, "onnx", "none", _pooling(path), lambda line: None)
        print(f"STSb test, {len(texts)} sentences; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        reference = None
        for name, settings in {"fp32": None, **VARIANTS}.items():
            folder = fp32
            if settings is not None:
                folder = work / f"v{len(list(work.iterdir()))}"
                shutil.copytree(fp32, folder)
                options = dict(settings)
                if "weight_type" in options:
                    options["weight_type"] = getattr(QuantType, options["weight_type"])
                quantize_dynamic(str(fp32 / "onnx/model.onnx"), str(folder / "onnx/model.onnx"), **options)
                manifest = json.loads((folder / "shipped.json").read_text())
                (folder / "shipped.json").write_text(json.dumps({**manifest, "quantize": "int8"}))
            shipped = load_shipped(folder)
            shipped.encode(texts[:64])
            started = time.perf_counter()
            emb = shipped.encode(texts)
            rate = len(texts) / (time.perf_counter() - started)
            reference = emb if reference is None else reference
            cos = (emb * reference).sum(1) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(reference, axis=1))
            size = (folder / "onnx/model.onnx").stat().st_size / 1e6
            print(
                f"{name:42s} spearman {spearman(emb):.4f}  cosine to fp32 mean {cos.mean():.4f} min {cos.min():.4f}"
                f"  {rate:6.0f} sentences/s  {size:5.1f} MB"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
