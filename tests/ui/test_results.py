"""The results after a run: arrows only where better / worse is known, sparsity for information, thresholds left
out, a hint for an eval set at the ceiling, and the verdict in plain words (``wb-verdict``)."""

from __future__ import annotations

import json
import re

import wb_metrics as W
from panel_fixtures import make_session

from workbench.ui.panels.train import TrainPanel
from workbench.ui.results import results_html, results_table, verdict_html


def _rows(html: str, table_class: str) -> dict[str, str]:
    """metric -> its change cell's text (tags stripped), for one table of the HTML."""
    match = re.search(rf'<table class="wb-table {table_class}">(.*?)</table>', html, re.S)
    if match is None:
        return {}
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        if cells:
            rows[cells[0]] = cells[-1]
    return rows


def test_thresholds_are_left_out_and_sparsity_gets_no_arrow():
    html = results_table(W.SPARSE_PAIRS, W.trained(W.SPARSE_PAIRS), ["dev_dot_ap"])
    main, info = _rows(html, "wb-results"), _rows(html, "wb-results-info")
    assert "threshold" not in html
    assert list(main)[0] == "dev_dot_ap" and main["dev_dot_ap"] == "▲ +0.1000"
    assert set(info) == {"dev_active_dims", "dev_sparsity_ratio"}
    assert info["dev_active_dims"] == "-4,002.4" and not re.search("[▲▼]", "".join(info.values()))
    assert "20,012.0" in html  # large figures are readable, not 20012.0000


def test_the_arrow_is_coloured_by_the_metrics_better_direction():
    html = results_table(
        {"eval_loss": 0.5, "dev_cosine_ap": 0.8, "eval_runtime": 3.0},
        {"eval_loss": 0.4, "dev_cosine_ap": 0.7, "eval_runtime": 2.0},
    )
    assert "<span style='color:#0b6b2c' title='better'>▼ -0.1000</span>" in html  # the loss went down: better
    assert "<span style='color:#a4000f' title='worse'>▼ -0.1000</span>" in html  # the score went down: worse
    assert "runtime" not in html


def test_an_eval_set_at_the_ceiling_gets_a_hint_not_fifteen_rows_of_no_change():
    perfect = {k: 1.0 for k in W.SPARSE_IR if "dot_" in k}
    perfect |= {k: v for k, v in W.SPARSE_IR.items() if "dot_" not in k}
    html = results_html(perfect, perfect, {"dev": "dev_dot_ndcg@10"})
    main = _rows(html, "wb-results")
    assert len(main) == 2 and main["dev_dot_ndcg@10"] == "= no change"
    assert main["14 more metrics"] == "= no change (already perfect)"
    assert "data-verdict='no change'" in html
    assert (
        "Already perfect before training (dev_dot_ndcg@10 = 1.0): this eval set cannot show an improvement; use a harder one."
        in html
    )


def test_the_verdict_says_better_about_the_same_or_worse():
    primary = {"dev": "dev_average_precision"}
    base = W.CE_CLASSIFICATION
    for after, word in (
        (0.95, "Better"),
        (0.852, "About the same"),
        (0.85, "About the same"),
        (0.70, "Worse"),
    ):
        html = verdict_html(base, {**base, "dev_average_precision": after}, primary)
        assert html.startswith("<div class='wb-verdict' data-verdict=")
        assert (
            f"data-word='{word}'" in html and f">{word}</b> on your eval data: dev_average_precision" in html
        )
        assert "Average precision: how well" in html  # what the metric means
    assert "lower learning rate" in verdict_html(base, {**base, "dev_average_precision": 0.70}, primary)
    assert verdict_html(base, {}, primary) == ""  # the run ended before the final evaluation


def test_the_train_panel_shows_the_verdict_after_a_run(tmp_path):
    session = make_session(tmp_path)
    panel = TrainPanel(session, plot_interval=0.0)
    for event in (
        {
            "type": "baseline",
            "metrics": {"dev_spearman_cosine": 0.5},
            "primary": {"dev": "dev_spearman_cosine"},
        },
        {"type": "saved", "path": "/tmp/x/final"},
        {"type": "final", "metrics": {"dev_spearman_cosine": 0.7}},
        {"type": "status", "status": "finished"},
    ):
        session._on_event(event)
    assert "class='wb-verdict' data-verdict='win'" in panel.results.value
    assert ">Better</b> on your eval data: dev_spearman_cosine 0.5000 → 0.7000 (+0.2000; no per-item" in (
        panel.results.value
    )


RECORD = {
    "metric": "dev_spearman_cosine",
    "kind": "spearman",
    "texts": [f"pair {i} | other {i}" for i in range(8)],
    "gold": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.1, 0.9],
    "baseline": [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.6, 0.4],
    "final": [0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 0.15, 0.9],
}


def test_the_train_panel_shows_the_interval_the_items_that_moved_and_the_warnings(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "items.json").write_text(json.dumps({"dev": RECORD}))
    warning = {
        "kind": "leak",
        "text": "Leak: 8 of 8 rows of the eval set 'dev' (100 %) are also in the train data.",
    }
    (run / "summary.json").write_text(json.dumps({"warnings": [warning]}))
    session = make_session(tmp_path)
    panel = TrainPanel(session, plot_interval=0.0)
    session.run_dir = str(run)
    for event in (
        {
            "type": "baseline",
            "metrics": {"dev_spearman_cosine": 0.0952},
            "primary": {"dev": "dev_spearman_cosine"},
        },
        {"type": "saved", "path": str(run / "final")},
        {"type": "final", "metrics": {"dev_spearman_cosine": 1.0}},
        {"type": "status", "status": "finished"},
    ):
        session._on_event(event)
    html = panel.results.value
    line = re.search(r"<div class='wb-verdict-line'>(.*?)</div>", html).group(1)
    assert re.fullmatch(
        r"<b style='color:#\w+'>(Better|About the same)</b> on your eval data: dev_spearman_cosine 0\.0952 → "
        r"1\.0000 \(\+0\.9048; 95 % interval [+-]\d\.\d{4} to \+\d\.\d{4}, 8 items\)\.",
        line,
    ), line
    assert warning["text"].replace("'", "&#x27;") in html
    gained = _cells(html, "wb-items")
    assert gained[0][0] == "pair 0 | other 0" and gained[0][1:] == ["0.0000", "0.9000", "0.1000"]


def _cells(html: str, table_class: str) -> list[list[str]]:
    match = re.search(rf'<table class="wb-table {table_class}">(.*?)</table>', html, re.S)
    rows = [
        re.findall(r"<td>(.*?)</td>", row, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    ]
    return [[re.sub(r"<[^>]+>", "", c) for c in r] for r in rows if r]


def test_a_half_precision_run_says_why_its_curve_ends_off_the_after_training_score(tmp_path):
    before, after = {"dev_spearman_cosine": 0.80}, {"dev_spearman_cosine": 0.8512}
    for precision, said in (("bf16", True), ("fp16", True), ("fp32", False), (None, False)):
        (tmp_path / "summary.json").write_text(json.dumps({"precision": precision} if precision else {}))
        html = results_html(before, after, ["dev_spearman_cosine"], run_dir=tmp_path)
        assert ("wb-precision-note" in html) is said, precision
        if said:
            assert f"during training (the curves) in {precision}, the run's precision" in html
    assert "wb-precision-note" not in results_html({}, {}, [], run_dir=tmp_path)  # nothing measured: no note


def test_with_two_evaluators_the_deciding_figures_are_said_once():
    # the walk: "About the same on your eval data: faq_cosine_ndcg@10 0.9846 → 1.0000 ..." then the same figures
    # again two lines below
    primary = {"faq": "faq_cosine_ndcg@10", "heldout": "heldout_cosine_ndcg@10"}
    before = {"faq_cosine_ndcg@10": 0.9846, "heldout_cosine_ndcg@10": 0.90}
    after = {"faq_cosine_ndcg@10": 0.9850, "heldout_cosine_ndcg@10": 0.80}
    html = verdict_html(before, after, primary)
    assert html.count("0.9846 → 0.9850") == 1 and html.count("0.9000 → 0.8000") == 1, html
