"""The benchmark runner runs and writes a well-formed results file. Benchmarks are never timed tests: these check
structure and sanity (positive figures, the expected keys, the README table), never speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_BENCH = ROOT / "bench" / "run_bench.py"
sys.path.insert(0, str(ROOT / "bench"))

import run_bench  # noqa: E402
from bench_common import percentile  # noqa: E402

FIGURE_KEYS = {"value", "unit", "date", "machine", "load", "cpu_ref_s", "method", "notes", "quick"}


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(RUN_BENCH), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(ROOT),
    )


@pytest.mark.timeout(600)
def test_quick_mapping_benchmark_writes_valid_results(tmp_path):
    out = tmp_path / "results.json"
    proc = _run("--quick", "--only", "mapping_1m", "--rows", "2000", "--out", str(out), "--readme", "no")
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert {"updated", "machine", "figures", "history"} <= set(data)
    assert data["machine"]["nproc"] >= 1 and data["machine"]["cpu"]
    figures = data["figures"]
    assert set(figures) == {"mapping_2000_s", "mapping_2000_rss_mb", "mapping_200_s", "mapping_200_rss_mb"}
    for name, fig in figures.items():
        assert FIGURE_KEYS <= set(fig), name
        assert fig["quick"] is True
        assert len(fig["load"]) == 3
        assert fig["cpu_ref_s"] > 0, name
        assert fig["value"] is not None and fig["value"] >= 0, name
    big = figures["mapping_2000_s"]
    assert big["value"] > 0
    details = big["details"]
    # The pipeline really ran: roles inferred, columns remapped, the label rescaled to 0-1, every loss judged.
    assert details["rows"] == details["prepared_rows"] == 2000
    assert details["roles"] == {"id": "id", "sentence1": "text", "sentence2": "text", "score": "score"}
    assert details["prepared_columns"] == ["sentence1", "sentence2", "label"]
    assert 0 < details["label_max_first_1000"] <= 1.0
    assert all(n > 0 for n in details["losses_judged"].values())
    assert details["losses_fitting"]["sentence-transformer"] >= 1
    assert set(details["stages"]) == {"load_s", "profile_s", "prepare_s", "verdicts_s"}
    assert all(v >= 0 for v in details["stages"].values())
    assert {h["figure"] for h in data["history"]} == set(figures)

    # A second run merges into the same file: figures replaced, history appended.
    proc = _run("--quick", "--only", "gpu", "--out", str(out), "--readme", "no")
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads(out.read_text())
    assert set(figures) < set(again["figures"])
    assert len(again["history"]) == len(data["history"]) + 2
    gpu = again["figures"]["gpu_overhead_ratio"]
    if not again["machine"].get("gpu"):
        assert gpu["value"] is None and gpu["reason"]


@pytest.mark.timeout(900)
def test_gpu_benchmark_code_path_runs_without_a_gpu(tmp_path):
    """The GPU benchmark forced onto the CPU (quick sizes): both comparisons run and record their figures."""
    out = tmp_path / "results.json"
    proc = _run(
        "--quick", "--only", "gpu", "--force-gpu-path", "--out", str(out), "--readme", "no", timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(out.read_text())["figures"]
    assert set(figures) == {
        "gpu_overhead_ratio",
        "gpu_overhead_workbench_samples_per_s",
        "gpu_overhead_plain_samples_per_s",
        "gpu_auto_vs_library_ratio",
        "gpu_auto_samples_per_s",
        "gpu_library_samples_per_s",
    }
    for name, fig in figures.items():
        assert fig["value"] is not None and fig["value"] > 0, name
        if not json.loads(out.read_text())["machine"].get("gpu"):
            assert fig["notes"].startswith("FORCED WITHOUT A GPU"), name
    auto = figures["gpu_auto_vs_library_ratio"]["details"]
    # Both sides really ran with their own arguments: the workbench's batch 16 vs the library's default 8.
    assert auto["auto_args"]["per_device_train_batch_size"] == 16
    assert "per_device_train_batch_size" not in auto["library_args"]
    trial = auto["trials"][0]
    assert trial["auto"]["steps"] == 10 and trial["library"]["steps"] == 20  # 160 rows, one epoch
    overhead = figures["gpu_overhead_ratio"]["details"]
    assert overhead["trials"][0]["workbench"]["steps"] == overhead["trials"][0]["plain"]["steps"] == 8


def test_unknown_benchmark_is_refused(tmp_path):
    proc = _run("--only", "nope", "--out", str(tmp_path / "r.json"), timeout=120)
    assert proc.returncode == 2 and "unknown benchmark" in proc.stderr
    assert not (tmp_path / "r.json").exists()


def test_readme_table_grows_in_the_benchmarks_section_only(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# bench\n\n## Quality\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## Benchmarks\n\nIntro.\n\n"
        "| date | machine | figure | value | notes |\n|---|---|---|---|---|\n| old | m | f | 1 | n |\n\n"
        "How they are measured.\n"
    )
    rec = run_bench.Recorder(quick=False)
    rec.add("overhead_ratio", 0.98, "ratio", load_at=[1.0, 1.0, 1.0], notes="a | b")
    rec.add("ui_roundtrip_ms_during_training", {"p50": 40.0, "p95": 90.0}, "ms", load_at=[1.0, 1.0, 1.0])
    rec.add("gpu_overhead_ratio", None, "ratio", reason="no GPU lent to this session")
    assert run_bench.update_readme(rec, readme)
    text = readme.read_text()
    quality, bench = text.split("## Benchmarks")
    assert quality.count("|") == 9  # untouched
    lines = [line for line in bench.splitlines() if line.startswith("| ")]
    assert lines[1].startswith("| old ")
    assert "| overhead_ratio | 0.98 ratio | a / b |" in lines[2]
    assert ", load 1.0, yardstick " in lines[2]
    assert "p50 40.0 / p95 90.0 ms" in lines[3]
    assert "| gpu_overhead_ratio | null " in lines[4]
    assert text.rstrip().endswith("How they are measured.")


def test_the_yardstick_is_read_again_once_it_is_old(monkeypatch):
    readings = iter([0.5, 0.7])
    monkeypatch.setattr(run_bench, "cpu_ref_s", lambda: next(readings))
    rec = run_bench.Recorder(quick=True)
    rec.add("a", 1, "s", load_at=[0, 0, 0])
    rec.add("b", 1, "s", load_at=[0, 0, 0])
    assert rec.figures["a"]["cpu_ref_s"] == rec.figures["b"]["cpu_ref_s"] == 0.5
    rec._ref = (rec._ref[0] - run_bench.REF_EVERY_S - 1, rec._ref[1])
    rec.add("c", 1, "s", load_at=[0, 0, 0])
    assert rec.figures["c"]["cpu_ref_s"] == 0.7


def test_percentile():
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(101)), 95) == 95
    assert percentile([], 50) is None


def test_quality_versus_pairs_two_trained_models_on_the_same_items(tmp_path, monkeypatch):
    import quality

    monkeypatch.setattr(quality, "WORK", tmp_path)
    rng = __import__("numpy").random.default_rng(0)
    a = rng.uniform(0.5, 0.9, 200)
    cases = {}
    for name, scores in (("a", a), ("b", a + 0.05), ("c", a[:150])):
        path = tmp_path / f"{name}.items.json"
        path.write_text(
            json.dumps({"kind": "mean", "metric": "ndcg@10", "scores": list(scores), "gold": None})
        )
        cases[name] = {"final_items": path.name, "date": "2026-12-02"}
    better = quality.versus(cases, "a", "b", n_boot=200)
    assert better["delta"] == pytest.approx(0.05)
    assert better["ci95"][0] > 0 and better["verdict"] == "win"
    same = quality.versus(cases, "a", "a", n_boot=200)
    assert same["delta"] == 0 and same["verdict"] != "win"
    with pytest.raises(ValueError, match="same test items"):
        quality.versus(cases, "a", "c")
    with pytest.raises(ValueError, match="run it first"):
        quality.versus(cases, "a", "missing")


def _ttq_answer(reached: bool, t: float | None) -> dict:
    return {
        "reached": reached,
        "time_to_quality_s": t,
        "reached_at": {"t_s": t, "step": 288, "value": 0.8503} if reached else None,
        "best": 0.8503 if reached else 0.8421,
        "evals": [],
        "total_s": 400.0,
        "gave_up_after_s": None if reached else 900.5,
        "args": {"bf16": True},
        "train_rows": 5749,
        "load_before": [1.0, 1.0, 1.0],
    }


def test_time_to_quality_records_both_sides_and_says_when_it_was_never_reached(monkeypatch, tmp_path):
    monkeypatch.setattr(
        run_bench, "WORK", tmp_path
    )  # never the real bench/_work (a benchmark may be running)
    calls = []

    def fake_worker(module, args, env=None, timeout=None):
        calls.append((module, args[0], (env or {}).get("WORKBENCH_CPU_BF16")))
        fp32 = (env or {}).get("WORKBENCH_CPU_BF16") == "0"
        return _ttq_answer(not fp32, None if fp32 else 150.0)

    monkeypatch.setattr(run_bench, "run_worker", fake_worker)
    rec = run_bench.Recorder(quick=False)
    run_bench.bench_ttq(rec, False, 0)
    assert calls == [("bench_speed", "ttq", None), ("bench_speed", "ttq", "0")]  # auto first, then fp32
    fig = rec.figures["time_to_quality_stsb_s"]
    assert fig["value"] == 150.0 and "reason" not in fig
    assert fig["notes"] == "auto: 150 s (step 288); fp32: not within 900 s (0.8421 best; stopped then)"
    rec = run_bench.Recorder(quick=False)
    monkeypatch.setattr(run_bench, "run_worker", lambda *a, **k: _ttq_answer(False, None))
    run_bench.bench_ttq(rec, False, 0, sides=("auto",))
    fig = rec.figures["time_to_quality_stsb_s"]
    assert fig["value"] is None and fig["reason"] == "never reached 0.85 (best 0.8421)"
    assert "fp32: not measured" in fig["notes"]


def test_quality_run_record_reads_the_saved_activation_every_evaluation_and_the_kept_checkpoint(tmp_path):
    from types import SimpleNamespace

    import quality

    metric = "eval_dev_average_precision"
    values = [(6, 0.40), (12, 0.55), (18, 0.54), (20, 0.549)]
    (tmp_path / "metrics.jsonl").write_text(
        "".join(json.dumps({"type": "eval", "step": s, "metrics": {metric: v}}) + "\n" for s, v in values)
        + json.dumps({"type": "log", "step": 20, "metrics": {"loss": 0.1}})
        + "\n"
    )
    best = tmp_path / "checkpoints" / "checkpoint-12"
    best.mkdir(parents=True)
    # The kept (best) checkpoint's state stops at step 12; the record must still list the later evaluations.
    (best / "trainer_state.json").write_text(
        json.dumps(
            {"max_steps": 20, "best_metric": 0.55, "best_model_checkpoint": str(best), "log_history": []}
        )
    )
    final = tmp_path / "final"
    final.mkdir()
    (final / "config_sentence_transformers.json").write_text(
        json.dumps({"activation_fn": "torch.nn.modules.linear.Identity"})
    )
    es = {"patience": 2, "threshold": 0.0, "metric": metric, "evaluations": 4, "auto_patience": True}
    plan = SimpleNamespace(
        output_dir=tmp_path,
        setup=SimpleNamespace(activation="Identity", activation_why="ranking", early_stopping=es),
    )
    summary = {"model_path": str(final), "steps": 20, "notes": []}
    record = quality.run_record(plan, summary, [-2.0, 0.25, 3.0, 3.0])
    assert record["activation"] == {
        "planned": "Identity",
        "why": "ranking",
        "saved": "torch.nn.modules.linear.Identity",
    }
    assert record["final_scores"]["distinct"] == 3 and record["final_scores"]["share_above_0.5"] == 0.5
    es_rec = record["early_stopping"]
    assert es_rec["evaluations_seen"] == [list(v) for v in values]
    assert es_rec["best_checkpoint"] == "checkpoint-12" and es_rec["best_metric"] == 0.55
    assert es_rec["stopped_early"] is False and es_rec["stopped"] is None
    summary = {**summary, "steps": 18, "notes": ["early stopping: stopped at step 18 of 20: ..."]}
    stopped = quality.run_record(plan, summary, [0.1])["early_stopping"]
    assert stopped["stopped_early"] is True and stopped["stopped"].startswith(
        "early stopping: stopped at step 18"
    )
