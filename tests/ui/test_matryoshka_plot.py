"""The quality-vs-size plot of a Matryoshka run: one line per evaluator before and after training over the
measured sizes, bytes per vector on the top axis and in the table, and "Save this size" calls the app's action."""

from __future__ import annotations

import html

import pytest

from workbench.ui.matryoshka_plot import DimensionPlot, dim_rows, dims_table, draw_dims

SUMMARY = {
    "dims": [384, 192, 96, 48],
    "bytes_per_vector": {"384": 1536, "192": 768, "96": 384, "48": 192},
    "primary_metrics": {"sts-dev": "sts-dev_spearman_cosine"},
    "baseline": {"sts-dev": {"384": 0.80, "192": 0.78, "96": 0.70, "48": 0.55}},
    "final": {"sts-dev": {"384": 0.85, "192": 0.84, "96": 0.82, "48": 0.79}},
}


def test_each_size_has_its_before_and_after():
    ((name, key, points),) = dim_rows(SUMMARY)
    assert (name, key) == ("sts-dev", "sts-dev_spearman_cosine")
    assert points == [(384, 0.80, 0.85), (192, 0.78, 0.84), (96, 0.70, 0.82), (48, 0.55, 0.79)]


def test_the_plot_draws_quality_against_size_with_bytes_on_top():
    fig = draw_dims(SUMMARY)
    (ax,) = [a for a in fig.axes if a.get_xlabel().startswith("embedding size")]
    lines = {line.get_label(): line for line in ax.get_lines()}
    after = lines["sts-dev_spearman_cosine (after)"]
    assert list(after.get_xdata()) == [48, 96, 192, 384] and list(after.get_ydata()) == [
        0.79,
        0.82,
        0.84,
        0.85,
    ]
    assert lines["sts-dev_spearman_cosine (before)"].get_linestyle() == "--"
    top = [a for a in ax.child_axes if a.get_xlabel() == "bytes per vector (float32)"]
    assert top and [t.get_text() for t in top[0].get_xticklabels()] == ["192 B", "384 B", "768 B", "1.5 KiB"]


def test_the_table_lists_size_bytes_and_the_change():
    table = html.unescape(dims_table(SUMMARY))
    assert "<tr data-dim='48'><td>48</td><td>192 B</td><td>0.5500 → 0.7900</td></tr>" in table


def test_the_widget_shows_a_matryoshka_run_and_saves_the_chosen_size():
    saved = []
    plot = DimensionPlot(on_save=saved.append)
    plot.show(None)
    assert plot.layout.display == "none"
    plot.show(SUMMARY)
    assert plot.layout.display == "" and plot.image.value[:4] == b"\x89PNG"
    assert [v for _, v in plot.size.options] == [384, 192, 96, 48]
    plot.size.value = 96
    plot.save.click()
    assert saved == [96] and "encodes to 96 dimensions" in plot.status.value


def test_a_failed_save_says_why():
    def refuse(dim):
        raise ValueError("the model folder is gone")

    plot = DimensionPlot(on_save=refuse)
    plot.show(SUMMARY)
    plot.save.click()
    assert "could not be saved: the model folder is gone" in plot.status.value


@pytest.mark.parametrize("on_save", [None])
def test_without_a_save_action_there_is_no_button(on_save):
    plot = DimensionPlot(on_save=on_save)
    assert plot.children[3].layout.display == "none"
