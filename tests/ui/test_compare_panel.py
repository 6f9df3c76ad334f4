"""The Compare runs tab: a row per run (hook wb-compare-row with data-run), ticking two draws their curves
(wb-compare-plot) and lists the settings that differ (wb-config-diff); Load these settings makes a run's config the
Session's, with a fresh folder; the app shows it as a tab."""

from __future__ import annotations

import re

import pytest
from panel_fixtures import make_session, wait_for
from wb_files import sts_csv
from wb_runs import METRIC, make_run, run_config

from workbench.spec import RunSpec, load_config
from workbench.ui.compare_plot import draw, run_curves
from workbench.ui.panels import ComparePanel

PNG = b"\x89PNG"


@pytest.fixture
def runs(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    monkeypatch.setenv("WORKBENCH_RUNS", str(root))
    data = sts_csv(tmp_path / "data")
    make_run(root, "a", config=run_config(data, args={"learning_rate": 2e-5}), final=0.7)
    make_run(
        root, "b", config=run_config(data, args={"learning_rate": 5e-5, "num_train_epochs": 2}), final=0.4
    )
    make_run(root, "c", config=run_config(data, loss="AnglELoss"), final=0.5)
    return root


def _row(panel, name: str) -> int:
    for i, html in enumerate(panel.row_html):
        if panel.rows[i].layout.display != "none" and f"data-run='{name}'" in html.value:
            return i
    raise AssertionError(f"no row for run {name}")


def test_each_run_is_a_row_of_the_table(tmp_path, runs):
    panel = ComparePanel(make_session(tmp_path))
    shown = [re.search(r"data-run='([^']+)'", panel.row_html[i].value).group(1) for i in range(3)]
    assert sorted(shown) == ["a", "b", "c"] and panel.rows[3].layout.display == "none"
    a, b = panel.row_html[_row(panel, "a")].value, panel.row_html[_row(panel, "b")].value
    assert "wb-compare-row" in a and "Better" in a and "0.500 → 0.700" in a and METRIC in a
    assert "CoSENTLoss" in a and "sts (sts.csv)" in a and "lr 2e-05 · batch default" in a and "42 s" in a
    assert "Worse" in b and "2 passes" in b and "lr 5e-05" in b
    assert "Tick two or more" in panel.diff.value and panel.plot.layout.display == "none"


def test_ticking_two_runs_draws_their_curves_and_lists_the_settings_that_differ(tmp_path, runs):
    panel = ComparePanel(make_session(tmp_path))
    panel.checks[_row(panel, "a")].value = True
    assert panel.plot.layout.display == "none"  # one run is not a comparison
    panel.checks[_row(panel, "b")].value = True
    wait_for(lambda: bytes(panel.plot.value).startswith(PNG), 60, what="the plot")
    assert panel.plot.layout.display == ""
    diff = panel.diff.value
    assert "wb-config-diff" in diff and "<th>a</th><th>b</th>" in diff
    assert "args.learning_rate" in diff and "5e-05" in diff and "args.num_train_epochs" in diff
    assert "(default)" in diff and "output_dir" not in diff and "loss.name" not in diff
    # the plain names a person knows from the Training settings tab, the config key below in small type
    assert "<td>Learning rate<br><code class='wb-hint'" in diff and "<td>Passes over the data<br>" in diff
    assert [label for label, _ in panel.load_from.options] == ["a", "b"]
    assert panel.load_from.value == str(runs / "a")  # the choice stays while its run is ticked

    panel.checks[_row(panel, "c")].value = True  # a third run: a third column
    assert "<th>a</th><th>b</th><th>c</th>" in panel.diff.value and "loss.name" in panel.diff.value
    panel.checks[_row(panel, "a")].value = False
    assert panel.load_from.value == str(runs / "c")  # then the run ticked last
    panel.checks[_row(panel, "b")].value = False
    assert panel.plot.layout.display == "none" and "Tick two or more" in panel.diff.value


def test_ticked_runs_stay_ticked_when_a_new_run_moves_the_rows(tmp_path, runs):
    panel = ComparePanel(make_session(tmp_path))
    panel.checks[_row(panel, "a")].value = True
    panel.checks[_row(panel, "c")].value = True
    make_run(runs, "d")  # newest: listed first, every row moves down
    panel.refresh()
    ticked = {
        re.search(r"data-run='([^']+)'", panel.row_html[i].value).group(1)
        for i in range(4)
        if panel.checks[i].value
    }
    assert ticked == {"a", "c"} and panel.selected == [str(runs / "a"), str(runs / "c")]


def test_load_these_settings_makes_a_runs_config_the_sessions_with_a_fresh_folder(tmp_path, runs):
    session = make_session(tmp_path)
    panel = ComparePanel(session)
    panel.checks[_row(panel, "b")].value = True
    assert panel.load_from.value == str(runs / "b") and not panel.load.disabled
    before = (runs / "b" / "config.json").read_text()
    panel.load.click()
    assert "Loaded the settings of run b" in panel.load_msg.value and "compare" not in session.errors
    run_spec = load_config(runs / "b" / "config.json")
    now = RunSpec.from_dict(session.to_config())
    assert now.replace(output_dir="x") == run_spec.replace(output_dir="x")
    assert session.args == {"learning_rate": 5e-5, "num_train_epochs": 2}
    assert session.auto_output and session.output_dir != str(runs / "b")
    assert (runs / "b" / "config.json").read_text() == before  # the run it came from is untouched
    assert session.control.check().output_dir != str(runs / "b")


def test_load_is_refused_in_words_for_a_run_without_config(tmp_path, runs):
    session = make_session(tmp_path)
    panel = ComparePanel(session)
    (runs / "a" / "config.json").unlink()
    panel.guard(panel.load_settings)(str(runs / "a"))
    assert "Run a has no config.json" in session.errors["compare"]
    assert "Run a has no config.json" in panel.error_box.value


def test_the_curves_are_each_runs_loss_and_primary_metric_from_its_baseline(tmp_path, runs):
    from workbench.session import Session

    info = {i.name: i for i in Session(background=False).control.runs()}["a"]
    curves = run_curves("a", info.history(), info.metric, info.baseline)
    assert curves.loss == [(1, 0.9), (2, 0.6), (3, 0.4)]
    assert curves.points == [(0, 0.5), (2, 0.6), (4, 0.68)]
    fig = draw([curves, run_curves("b", [], METRIC, None)])
    loss_ax, metric_ax = fig.axes
    assert len(loss_ax.lines) == 1 and len(metric_ax.lines) == 1  # b has no points: nothing drawn for it
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "b"]
    assert METRIC in metric_ax.get_title()


def test_the_app_has_a_compare_runs_tab(tmp_path, runs, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    from workbench.ui import Workbench

    app = Workbench(make_session(tmp_path), autosave=False, load=False)
    assert app.tabs.titles[-1] == "Compare runs" and app.tab_index("compare") == len(app.tabs.children) - 1
    make_run(runs, "new")
    app.tabs.selected_index = len(app.tabs.children) - 1  # opening it reads the runs folder again
    assert any("data-run='new'" in h.value for h in app.compare.row_html)


def test_a_settings_row_is_named_as_the_tabs_name_it():
    import html

    from workbench.ui.panels.compare import setting_name

    assert setting_name("args.max_steps").startswith("Stop after this many steps<br>")
    assert setting_name("loss.params.scale").startswith("Loss settings<br>")
    assert html.unescape(setting_name("datasets.train.faq.path")).startswith("Train data 'faq'<br>")
    assert setting_name("args.dataloader_num_workers") == "<code>args.dataloader_num_workers</code>"
    assert "&lt;" in setting_name("args.<b>")  # escaped


def test_a_dataset_or_the_evaluators_that_differ_are_one_row_each_in_words():
    # the walk: 23 rows such as "datasets.train.faq_train.source csv csv (not set)" and full server paths
    import html

    from workbench.ui.panels.compare import diff_rows

    def config(train: dict, evaluators=None, **args) -> dict:
        return {"datasets": {"train": train}, "evaluators": evaluators or [], "args": args}

    faq = {"faq": {"source": "csv", "path": "/srv/home/u/uploads/faq.csv", "columns": ["q", "a"]}}
    demo = {"demo": {"source": "csv", "path": "/opt/wb/demo/pairs.csv"}}
    evs = [{"name": "InformationRetrievalEvaluator", "dataset": "eval/heldout"}]
    rows = diff_rows([config(faq, evs, max_steps=40), config(demo)])
    texts = {html.unescape(name).split("<br>")[0]: values for name, values in rows}
    assert texts == {
        "Train data 'faq'": ["faq.csv", "—"],
        "Train data 'demo'": ["—", "pairs.csv"],
        "Evaluators": ["InformationRetrievalEvaluator on eval/heldout", "(default)"],
        "Stop after this many steps": ["40", "(default)"],
    }, texts
    held = {"eval": {"heldout": {"source": "holdout", "of": "faq", "fraction": 0.1}}}
    assert dataset_text_of(held) == "10% held out of faq"


def dataset_text_of(datasets: dict) -> str:
    from workbench.ui.panels.compare import dataset_text

    return dataset_text({"datasets": datasets}, "eval", "heldout")
