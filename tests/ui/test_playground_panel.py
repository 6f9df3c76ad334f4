"""The "Try it" tab binds to the PlaygroundSession: the run and corpus pickers, Search showing both models' top-k
with rank changes, errors under the controls, pair similarity, and its place in the Workbench tabs."""

from __future__ import annotations

import re
import shutil

import pytest
from panel_fixtures import make_session
from wb_runs import finished_run

from workbench.session import PlaygroundSession
from workbench.ui import Workbench
from workbench.ui.panels import PlaygroundPanel
from workbench.ui.panels.playground import change_html


@pytest.fixture(scope="module")
def root(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    finished_run(tiny_model, root / "20260101-000000")
    shutil.copytree(root / "20260101-000000", root / "20260102-000000")
    return root


@pytest.fixture
def panel(root, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(root))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    session = make_session(tmp_path)
    return PlaygroundPanel(session, PlaygroundSession(session, background=False))


def _rows(html: str, role: str) -> list[str]:
    side = html.split(f"data-role='{role}'")[1].split("</table>")[0]
    return re.findall(r"<tr class='wb-try-hit'>(.*?)</tr>", side)


def test_search_shows_both_models_top_k_with_scores_and_rank_changes(panel):
    panel.query.value = "a cat on a mat"
    panel.k.value = 3
    panel.search.click()
    result = panel.play.result
    assert panel.status.value and "wb-error" not in panel.status.value
    for role in ("base", "trained"):
        rows = _rows(panel.results.value, role)
        assert len(rows) == 3
        for row, hit in zip(rows, result[role], strict=True):
            assert hit["text"] in row and f"{hit['score']:.4f}" in row and change_html(hit["change"]) in row


def test_the_base_models_rank_column_says_it_is_where_training_moved_the_text():
    from workbench.ui.panels.playground import side_html

    hit = {"rank": 1, "text": "a", "score": 0.5, "change": -3}
    assert ">After training</th>" in side_html("base", [hit]) and ">Change</th>" in side_html(
        "trained", [hit]
    )


def test_rank_changes_read_as_arrows():
    assert ">▲3<" in change_html(3) and "3 places higher" in change_html(3)
    assert ">▼2<" in change_html(-2) and ">=<" in change_html(0)


def test_picking_another_run_binds_the_session(panel, root):
    assert panel.run.value == str(root / "20260102-000000")
    panel.run.value = str(root / "20260101-000000")
    assert panel.play.run_dir == str(root / "20260101-000000")
    assert (
        panel.corpus.options == ("train/pairs · all texts",)
        and panel.corpus.value == "train/pairs · all texts"
    )


def test_an_empty_query_is_said_under_the_controls(panel):
    panel.query.value = " "
    panel.search.click()
    assert "wb-error" in panel.status.value and "The query is empty" in panel.status.value
    assert panel.results.value == ""


def test_compare_shows_both_similarities(panel):
    panel.text_a.value, panel.text_b.value = "a cat", "a kitten"
    panel.compare.click()
    scores = panel.play.pair_result
    assert f"{scores['base']:.4f}" in panel.pair.value and f"{scores['trained']:.4f}" in panel.pair.value


def test_the_workbench_has_a_try_it_tab_after_the_settings(panel, tmp_path):
    app = Workbench(make_session(tmp_path), autosave=False, load=False)
    at = app.tab_index("playground")
    assert at == len(app.config_panels) and app.tabs.titles[at] == "Try it"  # right after the six steps
    app.tabs.selected_index = at  # opening it is not opening a settings tab
    assert app.playground.run.value == panel.play.run_dir


def test_a_new_run_in_the_list_does_not_change_the_run_picked(root, tmp_path, monkeypatch):
    runs = shutil.copytree(root, tmp_path / "runs")
    monkeypatch.setenv("WORKBENCH_RUNS", str(runs))
    session = make_session(tmp_path)
    panel = PlaygroundPanel(session, PlaygroundSession(session, background=False))
    older = str(runs / "20260101-000000")
    panel.run.value = older
    shutil.copytree(runs / "20260102-000000", runs / "20260103-000000")
    panel.refresh.click()
    assert panel.run.options[0][1] == str(runs / "20260103-000000")
    assert panel.play.run_dir == older and panel.run.value == older


def test_another_run_with_other_corpora_switches_without_an_error(panel, root, tmp_path):
    import json

    other = root / "20260103-000000"
    if not other.exists():
        shutil.copytree(root / "20260101-000000", other)
        config = json.loads((other / "config.json").read_text())
        config["datasets"]["train"] = {"faq": config["datasets"]["train"]["pairs"]}
        (other / "config.json").write_text(json.dumps(config))
    panel.play.refresh_runs()
    panel.run.value = str(root / "20260101-000000")
    assert panel.corpus.value == "train/pairs · all texts"
    panel.run.value = str(other)  # its corpora are not the first run's: the picked label goes with them
    assert panel.play.error == "" and "wb-error" not in panel.status.value
    assert (
        panel.corpus.options == ("train/faq · all texts",) and panel.corpus.value == "train/faq · all texts"
    )
