"""Worker for the mapping benchmark: a large Parquet file through load -> roles -> remap -> verdict for every loss.

    python bench/bench_mapping.py make  --rows 1000000 --path bench/_work/pairs-1000000.parquet
    python bench/bench_mapping.py measure --path bench/_work/pairs-1000000.parquet

``measure`` runs in a fresh process so that its peak RSS belongs to this one measurement: after the imports the
kernel's high-water mark is reset (``/proc/self/clear_refs``), so peak RSS delta = ``VmHWM`` at the end minus
``VmRSS`` after the imports is what the rows cost (``ru_maxrss`` cannot be reset, and the imports' own peak would
hide a smaller one). A sampler thread also records the peak
of anonymous memory (``RssAnon``) and of file-backed resident pages (``RssFile``): `datasets` memory-maps its
Arrow cache, and a full scan of a memory-mapped file makes its pages resident (counted in RSS, reclaimable page
cache, not memory the process holds on to) -- the anonymous peak is the figure that says "flat in the rows".
Each measurement gets a fresh `datasets` cache, so the Parquet -> Arrow conversion is always part of the time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import WORK, emit, load  # noqa: E402

WORDS = (
    "a man woman child dog cat bird horse car train plane boat ball guitar piano book table chair street park "
    "beach river mountain city house kitchen garden field road bridge is are was plays playing rides riding "
    "runs running walks walking eats eating cuts cutting reads reading sits sitting jumps jumping holds "
    "holding looks looking on in at with under over near the big small young old red blue green white black "
    "two three several some people group of near during morning evening night slowly quickly happily"
).split()
BATCH = 100_000


def make(rows: int, path: Path, seed: int = 0) -> dict:
    """Write ``rows`` rows (id int64, sentence1, sentence2 text, score float 0-5) in row groups of 100k."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    words = np.array(WORDS, dtype=object)
    schema = pa.schema(
        [("id", pa.int64()), ("sentence1", pa.string()), ("sentence2", pa.string()), ("score", pa.float64())]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    t0 = time.monotonic()
    with pq.ParquetWriter(str(tmp), schema) as writer:
        for start in range(0, rows, BATCH):
            n = min(BATCH, rows - start)
            columns = []
            for _ in range(2):
                picks = words[rng.integers(0, len(words), size=(n, 10))]
                columns.append([" ".join(row) + "." for row in picks])
            score = np.round(rng.uniform(0, 5, size=n), 2)
            writer.write_table(
                pa.table(
                    {
                        "id": np.arange(start, start + n, dtype=np.int64),
                        "sentence1": columns[0],
                        "sentence2": columns[1],
                        "score": score,
                    },
                    schema=schema,
                )
            )
    tmp.replace(path)
    return {
        "rows": rows,
        "path": str(path),
        "bytes": path.stat().st_size,
        "seconds": round(time.monotonic() - t0, 2),
    }


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class PeakSampler:
    """Samples RssAnon / RssFile every 20 ms in a thread and keeps the peaks."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.peak_anon = self.peak_file = 0
        self.stage = "start"
        self.stage_anon: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        anon = _status_kb("RssAnon")
        self.peak_anon = max(self.peak_anon, anon)
        self.peak_file = max(self.peak_file, _status_kb("RssFile"))
        self.stage_anon[self.stage] = max(self.stage_anon.get(self.stage, 0), anon)

    def mark(self, stage: str) -> None:
        """Attribute the following samples to ``stage`` (after one last sample of the previous stage)."""
        self.sample()
        self.stage = stage

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()


def measure(path: Path) -> dict:
    # Imports first: the baseline is the process with every library loaded and no rows.
    import datasets  # noqa: F401
    import pyarrow  # noqa: F401

    from workbench import catalog as C
    from workbench import data, rules
    from workbench.spec import DatasetSpec

    cache = Path(tempfile.mkdtemp(prefix="hf-cache-", dir=str(WORK)))
    os.environ["HF_DATASETS_CACHE"] = str(cache)
    datasets.config.HF_DATASETS_CACHE = cache
    # The imports' own peak must not hide the rows' peak: reset the high-water mark (Linux >= 4.0), so that
    # VmHWM at the end is the peak of this measurement alone.
    hwm_reset = _reset_peak()
    base_rss, base_max = _status_kb("VmRSS"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base_anon, base_file = _status_kb("RssAnon"), _status_kb("RssFile")
    load_before = load()
    stages = {}
    inputs, label, rng = ["sentence1", "sentence2"], "score", (0.0, 5.0)
    try:
        with PeakSampler() as peaks:
            t0 = t = time.perf_counter()
            peaks.mark("load")
            ds = data.load_raw(DatasetSpec(source="parquet", path=str(path)), where="bench")
            stages["load_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            peaks.mark("profile")
            prof = data.profile(ds)
            stages["profile_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            peaks.mark("prepare")
            prepared = data.prepare(ds, inputs, label, rng)
            stages["prepare_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            peaks.mark("verdicts")
            shape = data.shape_of(prof, inputs, label, rng, ds=ds)
            verdicts = {mt: rules.verdicts(shape, mt) for mt in C.MODEL_TYPES}
            stages["verdicts_s"] = round(time.perf_counter() - t, 3)
            total = time.perf_counter() - t0
        peak_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_hwm = _status_kb("VmHWM")
        roles = {c.name: c.role for c in prof.columns}
        label_values = prepared.with_format("arrow")[:1000].column("label")
        fitting = {mt: sum(v.compatible for v in vs) for mt, vs in verdicts.items()}
        result = {
            "rows": ds.num_rows,
            "prepared_rows": prepared.num_rows,
            "prepared_columns": prepared.column_names,
            "roles": roles,
            "guessed_inputs": list(prof.guessed_inputs),
            "guessed_label": prof.guessed_label,
            "label_max_first_1000": max(label_values.to_pylist()),
            "losses_judged": {mt: len(vs) for mt, vs in verdicts.items()},
            "losses_fitting": fitting,
            "seconds": round(total, 3),
            "stages": stages,
            "peak_rss_delta_mb": round(((peak_hwm if hwm_reset else peak_max) - base_rss) / 1024, 1),
            "peak_rss_method": "VmHWM (reset after the imports) - VmRSS after the imports"
            if hwm_reset
            else "ru_maxrss - ru_maxrss after the imports (VmHWM reset unavailable)",
            "ru_maxrss_delta_mb": round((peak_max - base_max) / 1024, 1),
            "peak_rss_anon_delta_mb": round((peaks.peak_anon - base_anon) / 1024, 1),
            "peak_rss_file_delta_mb": round((peaks.peak_file - base_file) / 1024, 1),
            "peak_rss_anon_delta_mb_by_stage": {
                k: round((v - base_anon) / 1024, 1) for k, v in peaks.stage_anon.items() if k != "start"
            },
            "baseline_rss_mb": round(base_rss / 1024, 1),
            "load_before": load_before,
            "load_after": load(),
        }
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("make", "measure"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--path", required=True)
    opts = parser.parse_args(argv)
    path = Path(opts.path)
    emit(make(opts.rows, path) if opts.command == "make" else measure(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
