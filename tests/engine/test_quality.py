"""Verdicts and the paired bootstrap (fast, synthetic data), and real-data quality checks (slow).

The slow tests read ../shared/data (the ``shared/`` folder beside the repository) and skip with the reason when it
is absent. They run the workbench's own engine: a RunSpec, ``build``, the Runner.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.engine import (
    AP,
    MEAN,
    SPEARMAN,
    ItemRecorder,
    bootstrap_delta,
    higher_is_better,
    metric_value,
    ndcg_at_k,
    recorded_delta,
    summary_verdicts,
    verdict,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (SHARED / "stsb" / "test.csv").is_file(),
    reason=f"real-data quality checks need the shared data folder: {SHARED} is absent",
)
MTEB_STSB_MINILM = (
    0.8203  # embeddings-benchmark/results, all-MiniLM-L6-v2 STSBenchmark cosine_spearman 0.8203247
)


# ---- verdict -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ci", "expected"),
    [
        ((0.01, 0.03), "win"),
        ((-0.03, -0.01), "regression"),
        ((-0.01, 0.02), "marginal"),
        ((-0.02, 0.0), "marginal"),
    ],
)
def test_verdict_follows_the_confidence_interval(ci, expected):
    result = verdict(0.80, 0.80 + sum(ci) / 2, ci)
    assert result["verdict"] == expected
    assert result["ci95"] == list(ci)
    assert result["delta"] == pytest.approx(sum(ci) / 2)


@pytest.mark.parametrize(
    ("final", "expected"), [(0.8516, "win"), (0.8127, "regression"), (0.8220, "marginal")]
)
def test_verdict_without_interval_uses_the_margin(final, expected):
    # The lead's measurements: CosineSimilarityLoss 0.8516 (win), CoSENTLoss at batch 32 0.8127 (regression).
    result = verdict(0.8203, final)
    assert result["verdict"] == expected
    assert result["ci95"] is None


def test_regression_message_warns():
    result = verdict(0.8203, 0.8127, metric="stsb_spearman_cosine")
    assert result["message"].startswith("warning:")
    assert "0.8203 → 0.8127" in result["message"]
    assert "worse" in result["message"]
    assert not verdict(0.8203, 0.8516)["message"].startswith("warning")


def test_lower_is_better_flips_the_verdict():
    assert verdict(0.50, 0.40, higher_is_better=False)["verdict"] == "win"
    assert verdict(0.50, 0.40, (-0.12, -0.08), higher_is_better=False)["verdict"] == "win"
    assert verdict(0.40, 0.50, (0.08, 0.12), higher_is_better=False)["verdict"] == "regression"
    assert higher_is_better("stsb_spearman_cosine") and higher_is_better("quora_cosine_ap")
    assert not higher_is_better("eval_loss") and not higher_is_better("teacher_mse")


def test_nan_is_marginal_not_a_crash():
    assert verdict(0.5, float("nan"))["verdict"] == "marginal"


def test_summary_verdicts_judge_each_evaluators_primary_metric():
    baseline = {"stsb_spearman_cosine": 0.8203, "stsb_pearson_cosine": 0.827, "nli_cosine_accuracy": 0.90}
    final = {"stsb_spearman_cosine": 0.8127, "stsb_pearson_cosine": 0.83, "nli_cosine_accuracy": 0.95}
    out = summary_verdicts(
        baseline, final, {"stsb": "stsb_spearman_cosine", "nli": "nli_cosine_accuracy", "gone": "gone_ap"}
    )
    assert out["stsb"]["verdict"] == "regression" and out["stsb"]["metric"] == "stsb_spearman_cosine"
    assert out["nli"]["verdict"] == "win"
    assert "gone" not in out
    assert summary_verdicts(baseline, {}, {"stsb": "stsb_spearman_cosine"}) == {}


# ---- paired bootstrap on synthetic data ----------------------------------------------------------------------


def _sts(n=800, seed=0, base_noise=1.0, final_noise=1.0):
    rng = np.random.default_rng(seed)
    gold = rng.uniform(0, 5, n)
    return gold, gold + rng.normal(0, base_noise, n), gold + rng.normal(0, final_noise, n)


@pytest.mark.parametrize(
    ("base_noise", "final_noise", "expected"),
    [
        (1.5, 0.8, "win"),
        (0.8, 1.5, "regression"),
    ],
)
def test_spearman_bootstrap_finds_a_real_change(base_noise, final_noise, expected):
    gold, base, final = _sts(base_noise=base_noise, final_noise=final_noise)
    boot = bootstrap_delta(SPEARMAN, base, final, gold, n_boot=500)
    assert boot["baseline"] == pytest.approx(metric_value(SPEARMAN, base, gold))
    assert boot["ci95"][0] < boot["delta"] < boot["ci95"][1]
    assert verdict(boot["baseline"], boot["final"], boot["ci95"])["verdict"] == expected


def test_spearman_bootstrap_is_marginal_for_the_same_quality():
    gold, base, _ = _sts(seed=1)
    # Same noise level, a different draw: no real difference between the two "models".
    final = gold + np.random.default_rng(2).normal(0, 1.0, len(gold))
    boot = bootstrap_delta(SPEARMAN, base, final, gold, n_boot=500)
    assert boot["ci95"][0] < 0 < boot["ci95"][1]
    assert verdict(boot["baseline"], boot["final"], boot["ci95"])["verdict"] == "marginal"


def test_identical_models_give_a_zero_interval():
    gold, base, _ = _sts(n=100)
    boot = bootstrap_delta(SPEARMAN, base, base.copy(), gold, n_boot=200)
    assert boot["delta"] == 0 and boot["ci95"] == [0.0, 0.0]
    assert verdict(boot["baseline"], boot["final"], boot["ci95"])["verdict"] == "marginal"


def test_ap_bootstrap():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 600)
    good = labels + rng.normal(0, 0.5, 600)
    poor = labels + rng.normal(0, 1.5, 600)
    win = bootstrap_delta(AP, poor, good, labels, n_boot=300)
    assert win["final"] > win["baseline"]
    assert verdict(win["baseline"], win["final"], win["ci95"])["verdict"] == "win"
    loss = bootstrap_delta(AP, good, poor, labels, n_boot=300)
    assert verdict(loss["baseline"], loss["final"], loss["ci95"])["verdict"] == "regression"


def test_mean_bootstrap_for_triplet_accuracy_and_per_query_ndcg():
    rng = np.random.default_rng(4)
    base = (rng.random(1000) < 0.80).astype(float)
    final = np.where(rng.random(1000) < 0.5, 1.0, base)  # fixes about half of the misses
    boot = bootstrap_delta(MEAN, base, final, n_boot=500)
    assert boot["delta"] == pytest.approx(final.mean() - base.mean())
    assert verdict(boot["baseline"], boot["final"], boot["ci95"])["verdict"] == "win"
    same = bootstrap_delta(MEAN, base, np.roll(base, 1), n_boot=500)
    assert verdict(same["baseline"], same["final"], same["ci95"])["verdict"] == "marginal"


def test_bootstrap_is_deterministic_and_checks_its_input():
    gold, base, final = _sts(n=200)
    assert bootstrap_delta(SPEARMAN, base, final, gold, n_boot=100, seed=7) == bootstrap_delta(
        SPEARMAN, base, final, gold, n_boot=100, seed=7
    )
    with pytest.raises(ValueError, match="(?i)equal length"):
        bootstrap_delta(SPEARMAN, base, final[:-1], gold)
    with pytest.raises(ValueError, match="(?i)gold"):
        bootstrap_delta(SPEARMAN, base, final, gold[:-1])
    with pytest.raises(ValueError, match="(?i)unknown kind"):
        bootstrap_delta("median", base, final)


def test_ndcg_at_k_matches_the_definition():
    assert ndcg_at_k(["a", "b"], {"a"}) == 1.0
    assert ndcg_at_k(["x", "a"], {"a"}) == pytest.approx(1 / np.log2(3))
    assert ndcg_at_k(["x"] * 10 + ["a"], {"a"}) == 0.0
    assert ndcg_at_k(["a", "x", "b"], {"a", "b"}) == pytest.approx((1 + 0.5) / (1 + 1 / np.log2(3)))


def test_item_recorder_records_each_call_and_forwards_attributes():
    class EmbeddingSimilarityEvaluator:  # dispatch is by class name, as for the library's evaluator
        """A stand-in: the recorder reads sentences1/2 and scores."""

        def __init__(self):
            self.sentences1, self.sentences2 = ["a", "b", "c", "d"], ["a", "c", "b", "x"]
            self.scores = [5.0, 3.0, 2.0, 0.0]
            self.name, self.primary_metric = "fake", None

        def __call__(self, model):
            self.primary_metric = "spearman_cosine"
            return {"fake_spearman_cosine": 1.0}

    class Model:
        def __init__(self, table):
            self.table = table

        def encode(self, texts, **kwargs):
            import torch

            return torch.tensor([self.table[t] for t in texts], dtype=torch.float32)

    class EmbeddingSimilarityEvaluatorWithEmbeddings(EmbeddingSimilarityEvaluator):
        def embed_inputs(self, model, sentences, **kwargs):
            return model.encode(sentences).numpy()

        def __call__(self, model):
            self.embed_inputs(model, self.sentences1)
            self.embed_inputs(model, self.sentences2)
            return super().__call__(model)

    class CountingModel(Model):
        calls = 0

        def encode(self, texts, **kwargs):
            CountingModel.calls += 1
            return super().encode(texts, **kwargs)

    table = {"a": [1, 0], "b": [0.9, 0.1], "c": [0.6, 0.4], "d": [0.2, 0.8], "x": [0, 1]}
    cached = ItemRecorder(EmbeddingSimilarityEvaluatorWithEmbeddings())
    EmbeddingSimilarityEvaluatorWithEmbeddings.__name__ = "EmbeddingSimilarityEvaluator"
    cached(CountingModel(table))
    assert CountingModel.calls == 2  # the evaluator's own two encodes; the per-item scores reuse them
    assert "embed_inputs" not in vars(cached._inner)  # the patch is undone after the call

    recorder = ItemRecorder(EmbeddingSimilarityEvaluator())
    assert recorder(Model(table)) == {"fake_spearman_cosine": 1.0}
    assert recorder.primary_metric == "spearman_cosine" and recorder.name == "fake"
    recorder(Model({**table, "d": [1, 0]}))
    assert [r["kind"] for r in recorder.records] == [SPEARMAN, SPEARMAN]
    np.testing.assert_allclose(cached.records[0]["scores"], recorder.records[0]["scores"], rtol=1e-6)
    assert recorder.records[0]["scores"][0] == pytest.approx(1.0)
    boot = recorded_delta(recorder, n_boot=50)
    first, last = recorder.records
    assert boot["baseline"] == pytest.approx(metric_value(SPEARMAN, first["scores"], first["gold"]))
    assert last["scores"][3] == pytest.approx(0.0) and first["scores"][3] > 0.9  # d moved away from x
    assert boot["final"] > boot["baseline"]


# ---- real data (slow) ----------------------------------------------------------------------------------------


def _stsb_config(tmp_path, *, train_limit: int) -> dict:
    d = SHARED / "stsb"
    pair = {"columns": ["sentence1", "sentence2"], "label": "score", "label_range": [0, 5]}
    return {
        "model": {"type": "sentence-transformer", "name_or_path": "default"},
        "datasets": {
            "train": {"stsb": {"source": "csv", "path": str(d / "train.csv"), "limit": train_limit, **pair}},
            "test": {"stsb": {"source": "csv", "path": str(d / "test.csv"), **pair}},
        },
        "loss": {"name": "auto"},
        "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "test/stsb"}],
        "output_dir": str(tmp_path / "run"),
    }


@pytest.mark.slow
@needs_data
def test_evaluator_fidelity_stsb_matches_mteb(tmp_path):
    """The packaged all-MiniLM-L6-v2 scored by the Runner's own baseline gives MTEB's 0.8203 on STSb test."""
    from workbench.engine import Runner

    runner = None

    def stop_after_baseline(event):
        if event["type"] == "baseline":
            runner.stop()  # the Runner checks Stop right after the baseline: nothing is trained

    runner = Runner(_stsb_config(tmp_path, train_limit=16), on_event=stop_after_baseline)
    summary = runner.run_blocking()
    assert summary["status"] == "stopped"
    key = summary["primary_metrics"]["stsb"]
    assert key == "stsb_spearman_cosine"
    assert round(summary["baseline"][key], 4) == MTEB_STSB_MINILM
    assert summary["final"] == {}


@pytest.mark.slow
@needs_data
def test_short_stsb_finetune_with_defaults_does_not_regress(tmp_path):
    """1,000 STSb train rows with the workbench's defaults (loss auto, no args) must improve STSb test."""
    from workbench.engine import Runner, build
    from workbench.spec import RunSpec

    plan = build(RunSpec.from_dict(_stsb_config(tmp_path, train_limit=1000)))
    recorder = plan.evaluators[0].instance = ItemRecorder(plan.evaluators[0].instance)
    summary = Runner(plan).run_blocking()
    assert summary["status"] == "finished", summary.get("error")
    key = summary["primary_metrics"]["stsb"]
    baseline, final = summary["baseline"][key], summary["final"][key]
    assert round(baseline, 4) == MTEB_STSB_MINILM
    assert final > baseline, f"fine-tuning made STSb test worse: {baseline:.4f} -> {final:.4f}"
    boot = recorded_delta(recorder, n_boot=500)
    assert boot["final"] == pytest.approx(final, abs=1e-4)
    assert verdict(baseline, final, boot["ci95"])["verdict"] != "regression"
