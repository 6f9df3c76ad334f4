"""A plain corpus (one text column, no label): the run's derivation of TSDAE's (damaged, original) pairs and the
exported script's are the same rows, word for word; contrastive tension's pairs are the column mapped twice."""

from __future__ import annotations

import sys
from pathlib import Path

from wb_data import TEXTS, inline

from workbench.engine import build
from workbench.export import export_script
from workbench.spec import RunSpec

sys.path.insert(0, str(Path(__file__).parent))
from test_export import _exec, _lint  # noqa: E402


def _corpus_spec(make_config, **dataset) -> RunSpec:
    train = {"corpus": inline({"text": TEXTS}, **dataset)}
    loss = "DenoisingAutoEncoderLoss" if dataset.get("derive") else "ContrastiveTensionLossInBatchNegatives"
    return RunSpec.from_dict(make_config(train, loss=loss))


def test_tsdae_pairs_are_damaged_originals_and_the_script_makes_the_same(make_config, tmp_path):
    spec = _corpus_spec(make_config, columns=["text", "text"], derive="tsdae")
    plan = build(spec)
    rows = plan.train["corpus"].to_list()
    damaged, original = zip(*[tuple(r.values()) for r in rows], strict=True)
    assert list(original) == TEXTS
    assert sum(d != o for d, o in zip(damaged, original, strict=True)) >= len(TEXTS) // 2
    for d, o in zip(damaged, original, strict=True):  # deletion only: the words kept are the original's
        assert d and set(d.split()) <= set(o.split())
    assert any("TSDAE's deletion noise" in note for note in plan.notes)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "def tsdae_noise(" in script and "ds = damage_first_input(ds, tsdae_noise, seed=42)" in script
    got_train, _, _ = _exec(script)["load_datasets"]()
    assert got_train["corpus"].to_list() == rows


def test_a_new_seed_damages_other_words(make_config):
    a = build(_corpus_spec(make_config, columns=["text", "text"], derive="tsdae")).train["corpus"]
    b = build(_corpus_spec(make_config, columns=["text", "text"], derive="tsdae", seed=7)).train["corpus"]
    assert a[a.column_names[1]] == b[b.column_names[1]] and a[a.column_names[0]] != b[b.column_names[0]]


def test_contrastive_tension_pairs_are_the_column_twice(make_config, tmp_path):
    spec = _corpus_spec(make_config, columns=["text", "text"])
    plan = build(spec)
    assert [tuple(r.values()) for r in plan.train["corpus"].to_list()] == [(t, t) for t in TEXTS]
    got_train, _, _ = _exec(export_script(spec, plan))["load_datasets"]()
    assert got_train["corpus"].to_list() == plan.train["corpus"].to_list()
