"""The run's verdict from its per-item scores: the numpy bootstrap agrees with scipy / scikit-learn, a Better /
About the same / Worse case each with its interval, the items that gained and lost most, what a metric means, and
the leak and overfitting warnings."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import rules
from workbench.rules.bootstrap import (
    AP,
    MEAN,
    SPEARMAN,
    average_precision,
    bootstrap_delta,
    metric_value,
    row_ranks,
)
from workbench.rules.run_outcome import interval, item_gains, measures, movers


def _sts_record(final_noise: float, n: int = 300, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    gold = rng.uniform(0, 5, n)
    base = gold + rng.normal(0, 1.0, n)
    final = gold + rng.normal(0, final_noise, n)
    return {
        "metric": "dev_spearman_cosine",
        "kind": SPEARMAN,
        "texts": [f"pair {i}" for i in range(n)],
        "gold": list(gold),
        "baseline": list(base),
        "final": list(final),
    }


def test_numpy_ranks_and_metrics_agree_with_scipy_and_sklearn():
    from scipy.stats import rankdata, spearmanr
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=(7, 40)).astype(float)  # many ties, as in a bootstrap resample
    assert np.allclose(row_ranks(x), rankdata(x, axis=1))
    gold, scores = rng.uniform(0, 5, 60), rng.integers(0, 8, 60).astype(float)
    assert metric_value(SPEARMAN, scores, gold) == pytest.approx(spearmanr(gold, scores)[0])
    labels = (rng.random(60) < 0.4).astype(int)
    assert average_precision(labels, scores) == pytest.approx(average_precision_score(labels, scores))


@pytest.mark.parametrize(
    ("final_noise", "outcome", "word"),
    [(0.3, "win", "Better"), (1.0, "marginal", "About the same"), (3.0, "regression", "Worse")],
)
def test_the_verdict_follows_the_interval_of_the_per_item_scores(final_noise, outcome, word):
    record = _sts_record(final_noise)
    boot = interval(record)
    b, f = boot["baseline"], boot["final"]
    verdict = rules.run_verdict(
        {"dev_spearman_cosine": b},
        {"dev_spearman_cosine": f},
        {"dev": "dev_spearman_cosine"},
        {"dev": record},
    )
    (metric,) = verdict.metrics
    lo, hi = metric.ci
    assert (verdict.outcome, verdict.word) == (outcome, word)
    assert lo <= f - b <= hi and metric.n_items == 300
    assert (lo > 0) == (outcome == "win") and (hi < 0) == (outcome == "regression")
    assert verdict.headline == (
        f"{word} on your eval data: dev_spearman_cosine {b:.4f} → {f:.4f} "
        f"({f - b:+.4f}; 95 % interval {lo:+.4f} to {hi:+.4f}, 300 items)."
    )
    assert verdict.meaning.startswith(
        "Spearman correlation: how well the model's similarity orders your pairs"
    )


def test_the_same_change_is_better_by_the_margin_but_about_the_same_by_its_interval():
    """Few items: a +0.02 change is over the margin, but the interval says it could be noise."""
    rng = np.random.default_rng(3)
    base = (rng.random(12) < 0.5).astype(float)
    final = base.copy()
    final[0] = 1.0 - final[0]
    record = {"metric": "dev_cosine_accuracy", "kind": MEAN, "baseline": list(base), "final": list(final)}
    before, after = {"dev_cosine_accuracy": base.mean()}, {"dev_cosine_accuracy": final.mean()}
    primary = {"dev": "dev_cosine_accuracy"}
    assert rules.run_verdict(before, after, primary).outcome != "marginal"
    assert rules.run_verdict(before, after, primary, {"dev": record}).outcome == "marginal"


def test_per_item_scores_of_another_metric_give_no_interval():
    record = {**_sts_record(0.3), "metric": "dev_pearson_cosine"}
    assert not measures(SPEARMAN, "dev_pearson_cosine") and measures(SPEARMAN, "dev_spearman_cosine")
    assert measures(AP, "dev_cosine_ap") and measures(AP, "dev_average_precision")
    assert measures(MEAN, "dev_cosine_ndcg@10") and not measures(MEAN, "dev_cosine_map@100")
    verdict = rules.run_verdict({"k": 0.5}, {"k": 0.6}, {"dev": "k"}, {"dev": record})
    assert verdict.metrics[0].ci is None and "no per-item scores" in verdict.headline


def test_movers_are_the_items_that_gained_and_lost_most():
    record = {
        "kind": MEAN,
        "texts": ["a", "b", "c", "d"],
        "baseline": [0.5, 0.5, 0.5, 0.5],
        "final": [0.9, 0.5, 0.2, 0.6],
        "rank_baseline": [3, 1, 1, None],
        "rank_final": [1, 1, 4, 2],
    }
    gained, lost = movers(record, k=5)
    assert [m.text for m in gained] == ["a", "d"] and [m.text for m in lost] == ["c"]
    assert (gained[0].rank_before, gained[0].rank_after) == (3, 1)
    assert [m.text for m in movers(record, k=1)[0]] == ["a"]


def test_a_pair_gains_when_its_similarity_moves_towards_its_label_or_score():
    ap = {"kind": AP, "gold": [1, 0], "baseline": [0.5, 0.5], "final": [0.7, 0.7]}
    assert item_gains(ap) == pytest.approx([0.2, -0.2])  # a match went up (good), a non-match went up (bad)
    sts = {"kind": SPEARMAN, "gold": [0, 1, 2], "baseline": [0.2, 0.1, 0.9], "final": [0.1, 0.2, 0.9]}
    gains = item_gains(sts)
    assert gains[0] > 0 and gains[1] > 0 and gains[2] == 0  # the first two now rank like their scores


def test_what_a_metric_means():
    assert rules.meaning("eval_dev_cosine_ndcg@10").startswith("nDCG:")
    assert rules.meaning("dev_cosine_accuracy").startswith("Accuracy:")
    assert rules.meaning("dev_cosine_ap").startswith("Average precision:")
    assert rules.meaning("dev_average_precision") == rules.meaning("dev_cosine_ap")
    assert rules.meaning("dev_cosine_precision").startswith("Precision:")
    assert rules.meaning("dev_something_odd") == ""


def test_the_verdict_reads_a_summary_and_shows_its_warnings_first():
    summary = {
        "baseline": {"dev_cosine_ap": 1.0},
        "final": {"dev_cosine_ap": 1.0},
        "primary_metrics": {"dev": "dev_cosine_ap"},
        "warnings": [{"kind": "leak", "text": "Leak: ..."}],
    }
    verdict = rules.verdict_of(summary)
    assert verdict.hints[0] == "Leak: ..." and verdict.hints[1].startswith("Already perfect before training")
    assert verdict.to_dict()["verdict"] == "About the same"


# ---- warnings -------------------------------------------------------------------------------------------------


def test_leaked_rows_compare_normalized_inputs_in_either_order():
    train = [("A cat sits.", "A cat is sitting."), ("Rain falls", "It rains")]
    evals = [("a  CAT sits.", "A cat is sitting."), ("It rains", "Rain falls"), ("New text", "Other text")]
    assert rules.leaked_rows(train, evals) == [0, 1]
    assert rules.leaked_rows(train, [("New text",)]) == []
    assert rules.leaked_rows([], evals) == []
    warning = rules.leak_warning("dev", 2, 3)
    assert warning["kind"] == "leak" and warning["text"].startswith(
        "Leak: 2 of 3 rows of the eval set 'dev' (67 %)"
    )
    assert "Fix: remove those rows" in warning["text"]
    assert rules.leak_warning("dev", 0, 3) is None


RISING = [(1.0, 0.50), (2.0, 0.40), (3.0, 0.45), (4.0, 0.55)]


def test_overfitting_is_a_rising_eval_loss_over_many_passes_on_few_rows():
    warning = rules.overfit_warning(RISING, 4.0, 200)
    assert warning["kind"] == "overfit"
    assert "rose from 0.4 (after 2 passes) to 0.55" in warning["text"]
    assert (
        "4 passes over 200 rows" in warning["text"]
        and "Fix: fewer epochs (about 2), more train data" in warning["text"]
    )


@pytest.mark.parametrize(
    ("losses", "epochs", "rows"),
    [
        ([(1.0, 0.5), (2.0, 0.4), (3.0, 0.3)], 3.0, 200),  # falling
        (RISING[:2], 4.0, 200),  # too few evaluations to tell
        (RISING, 1.0, 200),  # one pass: fewer epochs is no fix
        (RISING, 4.0, 50_000),  # many rows
        ([(1.0, 0.40), (2.0, 0.39), (3.0, 0.40)], 3.0, 200),  # within 5 % of its lowest
        ([(1.0, 2e-5), (2.0, 1e-5), (3.0, 4e-5)], 15.0, 54),  # 4x, but noise: "rose from 0.0000 to 0.0000"
    ],
)
def test_no_overfitting_warning_otherwise(losses, epochs, rows):
    assert rules.overfit_warning(losses, epochs, rows) is None


def test_bootstrap_intervals_are_deterministic():
    record = _sts_record(0.5)
    assert interval(record) == interval(record)
    assert (
        bootstrap_delta(SPEARMAN, record["baseline"], record["final"], record["gold"], n_boot=50)["n_boot"]
        == 50
    )


def test_an_unchanged_metric_still_shows_its_interval():
    scores = [0.1, 0.4, 0.3, 0.9, 0.5, 0.2]
    record = {"metric": "dev_cosine_accuracy", "kind": MEAN, "baseline": scores, "final": scores}
    mean = sum(scores) / len(scores)
    verdict = rules.run_verdict(
        {"dev_cosine_accuracy": mean},
        {"dev_cosine_accuracy": mean},
        {"dev": "dev_cosine_accuracy"},
        {"dev": record},
    )
    assert verdict.outcome == "no change" and verdict.headline == (
        f"About the same on your eval data: dev_cosine_accuracy {mean:.4f} before and after "
        "(95 % interval +0.0000 to +0.0000, 6 items)."
    )
    assert verdict.metrics[0].gained == () and verdict.metrics[0].lost == ()
