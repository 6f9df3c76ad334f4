"""What a metric key means (kind, better direction) and the run verdict, on the keys the installed evaluators
return."""

from __future__ import annotations

import math

import pytest
import wb_metrics as W

from workbench import catalog as C
from workbench.rules import at_ceiling, direction, judge, metric_kind, run_verdict, shows_direction
from workbench.rules.metrics import METRIC_KINDS
from workbench.rules.run_outcome import CEILING_HINT

KINDS = {
    "threshold": ("dev_dot_accuracy_threshold", "eval_dev_f1_threshold", "dev_cosine_f1_threshold"),
    "sparsity": (
        "dev_active_dims",
        "eval_dev_query_active_dims",
        "dev_corpus_sparsity_ratio",
        "dev_avg_flops",
    ),
    "timing": ("eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "epoch"),
    "loss": ("eval_loss", "eval_dev_loss", "loss", "teacher_mse"),
    "quality": (
        "dev_dot_ndcg@10",
        "eval_dev_cosine_accuracy@1",
        "dev_spearman_cosine",
        "dev_pearson_dot",
        "dev_average_precision",
        "dev_f1_macro",
        "dev_cosine_mcc",
        "dev_map",
        "dev_mean_accuracy",
        "sts_spearman",
    ),
    "other": ("dev_negative_mse", "dev", "eval_dev_something_new"),
}


@pytest.mark.parametrize(("kind", "key"), [(kind, key) for kind, keys in KINDS.items() for key in keys])
def test_metric_kind_reads_the_keys_ending(kind, key):
    assert kind in METRIC_KINDS
    assert metric_kind(key) == kind


@pytest.mark.parametrize("name", sorted(W.BY_NAME))
def test_every_key_of_the_real_evaluators_has_its_kind(name):
    for key in W.BY_NAME[name]:
        expected = (
            "threshold"
            if key.endswith("_threshold")
            else "sparsity"
            if key.endswith(("active_dims", "sparsity_ratio", "avg_flops"))
            else "quality"
        )
        assert metric_kind(key) == expected, key


@pytest.mark.parametrize("spec", C.EVALUATORS, ids=lambda s: f"{s.model_type}-{s.name}")
def test_every_catalog_evaluators_primary_metric_is_a_quality_in_its_direction(spec):
    key = f"dev_{spec.primary}"
    assert metric_kind(key) == "quality" and shows_direction(key)
    assert direction(key) == (1 if spec.higher_is_better else -1)


def test_direction_is_known_only_where_better_is_clear():
    assert direction("eval_loss") == -1 and shows_direction("eval_loss")
    assert direction("dev_negative_mse") == 1 and not shows_direction("dev_negative_mse")
    for key in (
        "dev_dot_accuracy_threshold",
        "dev_active_dims",
        "dev_sparsity_ratio",
        "dev_avg_flops",
        "epoch",
    ):
        assert direction(key) == 0 and not shows_direction(key), key
    assert not shows_direction("eval_runtime")  # lower is better, but a timing is not the model's quality


def test_at_ceiling_only_for_a_quality_at_one():
    assert at_ceiling("dev_cosine_accuracy", 1.0) and at_ceiling("dev_spearman", 0.99999)
    assert not at_ceiling("dev_cosine_accuracy", 0.98)
    assert not at_ceiling("eval_loss", 1.0) and not at_ceiling("dev_dot_f1_threshold", 20000.0)
    assert not at_ceiling("dev_cosine_accuracy", float("nan"))


@pytest.mark.parametrize(
    ("baseline", "final", "ci", "higher", "expected"),
    [
        (0.8203, 0.8516, None, True, "win"),
        (0.8203, 0.8127, None, True, "regression"),
        (0.8203, 0.8220, None, True, "marginal"),
        (0.50, 0.40, None, False, "win"),
        (0.80, 0.82, (0.01, 0.03), True, "win"),
        (0.80, 0.82, (-0.01, 0.03), True, "marginal"),
        (0.40, 0.50, (0.08, 0.12), False, "regression"),
        (0.5, math.nan, None, True, "marginal"),
    ],
)
def test_judge_uses_the_interval_or_the_margin(baseline, final, ci, higher, expected):
    assert judge(baseline, final, ci, higher) == expected


PRIMARY = {"dev": "dev_cosine_ap"}


@pytest.mark.parametrize(
    ("before", "after", "outcome", "headline"),
    [
        (0.747, 0.80, "win", "Better on your eval data: dev_cosine_ap 0.7470 → 0.8000 (+0.0530; no per-item"),
        (0.747, 0.749, "marginal", "About the same on your eval data: dev_cosine_ap 0.7470 → 0.7490"),
        (
            0.747,
            0.747,
            "no change",
            "About the same on your eval data: dev_cosine_ap 0.7470 before and after.",
        ),
        (0.747, 0.70, "regression", "Worse on your eval data: dev_cosine_ap 0.7470 → 0.7000"),
    ],
)
def test_run_verdict_in_plain_words(before, after, outcome, headline):
    verdict = run_verdict(
        {**W.DENSE_PAIRS, "dev_cosine_ap": before}, {**W.DENSE_PAIRS, "dev_cosine_ap": after}, PRIMARY
    )
    assert verdict.outcome == outcome and verdict.headline.startswith(headline)
    (one,) = verdict.metrics
    assert (one.evaluator, one.metric, one.outcome) == ("dev", "dev_cosine_ap", outcome)
    assert one.sentence[0].isupper() and "dev_cosine_ap" in one.sentence
    assert any("learning rate" in h for h in verdict.hints) == (outcome == "regression")


def test_an_eval_set_at_the_ceiling_says_it_cannot_show_an_improvement():
    perfect = {key: 1.0 for key in W.DENSE_PAIRS if metric_kind(key) == "quality"}
    verdict = run_verdict(perfect, perfect, PRIMARY)
    assert verdict.outcome == "no change"
    assert verdict.hints == (CEILING_HINT.format(metrics="dev_cosine_ap = 1.0"),)
    assert (
        verdict.hints[0].startswith("Already perfect before training")
        and "use a harder one" in verdict.hints[0]
    )
    assert run_verdict({"dev_cosine_ap": 0.9}, {"dev_cosine_ap": 0.9}, PRIMARY).hints == ()


def test_a_regression_on_one_evaluator_outweighs_a_win_on_another():
    baseline = {"a_spearman_cosine": 0.80, "b_cosine_accuracy": 0.70}
    final = {"a_spearman_cosine": 0.85, "b_cosine_accuracy": 0.60}
    verdict = run_verdict(baseline, final, {"a": "a_spearman_cosine", "b": "b_cosine_accuracy"})
    assert verdict.outcome == "regression"
    assert [m.outcome for m in verdict.metrics] == ["win", "regression"]
    # A loss as the primary metric: lower is better.
    assert run_verdict({"eval_loss": 0.5}, {"eval_loss": 0.4}, ["eval_loss"]).outcome == "win"


def test_no_verdict_without_a_primary_metric_on_both_sides():
    assert run_verdict({"dev_cosine_ap": 0.7}, {}, PRIMARY) is None
    assert run_verdict({}, {}, {}) is None


def test_the_installed_evaluators_return_the_keys_the_tests_use(tiny_model):
    """wb_metrics' key sets are the library's: a renamed key would otherwise go unnoticed."""
    from sentence_transformers import CrossEncoder, SparseEncoder
    from sentence_transformers.base.modules import Transformer
    from sentence_transformers.cross_encoder import evaluation as ce
    from sentence_transformers.sparse_encoder import evaluation as se
    from sentence_transformers.sparse_encoder.modules import SpladePooling
    from wb_data import TEXTS

    first, second, labels = TEXTS[:8], TEXTS[8:16], [0, 1] * 4
    mlm = Transformer(tiny_model, transformer_task="fill-mask")
    sparse = SparseEncoder(
        modules=[mlm, SpladePooling("max", embedding_dimension=mlm.auto_model.config.vocab_size)]
    )
    got = sparse.evaluate(se.SparseBinaryClassificationEvaluator(first, second, labels, name="dev"))
    assert set(got) == set(W.SPARSE_PAIRS)
    queries = {str(i): first[i] for i in range(4)}
    corpus = {str(i): second[i] for i in range(8)}
    relevant = {str(i): {str(i)} for i in range(4)}
    got = sparse.evaluate(se.SparseInformationRetrievalEvaluator(queries, corpus, relevant, name="dev"))
    assert set(got) == set(W.SPARSE_IR)
    cross = CrossEncoder(tiny_model, num_labels=1)
    pairs = [list(p) for p in zip(first, second, strict=True)]
    assert set(cross.evaluate(ce.CrossEncoderClassificationEvaluator(pairs, labels, name="dev"))) == set(
        W.CE_CLASSIFICATION
    )
    scores = [i / 8 for i in range(8)]
    assert set(cross.evaluate(ce.CrossEncoderCorrelationEvaluator(pairs, scores, name="dev"))) == set(
        W.CE_CORRELATION
    )
