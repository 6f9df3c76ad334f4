"""Matryoshka, measured: the default sizes come from the model's own size, a run with a Matryoshka modifier
measures its evaluators at each trained size (truncate_dim) into the summary, and a chosen size is saved with the
model (tiny model)."""

from __future__ import annotations

import json
import types

import pytest
from wb_data import inline, positive_pairs, scored_pairs

from workbench.engine import Runner, build, save_truncate_dim, trained_dims
from workbench.engine.losses import model_value
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec


def _model_of(size: int):
    return types.SimpleNamespace(get_embedding_dimension=lambda: size)


@pytest.mark.parametrize(
    ("size", "dims"),
    [(64, [64, 32]), (384, [384, 192, 96, 48]), (1024, [1024, 512, 256, 128, 64, 32]), (16, [16])],
)
def test_default_sizes_halve_the_models_own_size_down_to_32(size, dims):
    assert model_value("matryoshka_dims", _model_of(size)) == dims


def _matryoshka_config(make_config, modifier: dict) -> RunSpec:
    cfg = make_config(
        {"pairs": inline(positive_pairs(12))},
        eval={"dev": inline(scored_pairs(16))},
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        loss={"name": "MultipleNegativesRankingLoss", "modifier": modifier},
    )
    return RunSpec.from_dict(cfg)


def test_trained_sizes_are_the_configs_else_the_models(make_config):
    model = _model_of(64)
    plan = build(_matryoshka_config(make_config, {"name": "Matryoshka2dLoss"}))
    assert trained_dims(plan, model) == [64, 32]
    given = {"name": "MatryoshkaLoss", "params": {"matryoshka_dims": [16, 64, 32]}}
    assert trained_dims(build(_matryoshka_config(make_config, given)), model) == [64, 32, 16]


def test_a_matryoshka_run_measures_each_trained_size(make_config):
    spec = _matryoshka_config(make_config, {"name": "MatryoshkaLoss"})
    summary = Runner(build(spec)).run_blocking()
    assert summary["status"] == "finished"
    sizes = summary["matryoshka"]
    assert sizes["dims"] == [64, 32] and sizes["bytes_per_vector"] == {"64": 256, "32": 128}
    (name,) = sizes["final"]
    key = sizes["primary_metrics"][name]
    assert key == summary["primary_metrics"][name]
    for when in ("baseline", "final"):
        by_dim = sizes[when][name]
        assert set(by_dim) == {"64", "32"}
        # The full size is the run's own measurement.
        assert by_dim["64"] == pytest.approx(summary[when][key])
    # The truncated size is measured on fewer dimensions (the tiny base model is the same every time).
    assert sizes["baseline"][name]["32"] != pytest.approx(sizes["baseline"][name]["64"])


def test_each_size_is_measured_with_the_librarys_truncate_dim(make_config, tiny_model):
    from sentence_transformers import SentenceTransformer

    from workbench.engine import evaluate_by_dim

    plan = build(_matryoshka_config(make_config, {"name": "MatryoshkaLoss"}))
    model = SentenceTransformer(tiny_model, device="cpu")
    (ev,) = plan.evaluators
    key = f"{ev.name}_spearman_cosine"
    got = evaluate_by_dim(plan, model, [64, 32, 16], {ev.name: key})[ev.name]
    for dim in (64, 32, 16):
        with model.truncate_sentence_embeddings(dim):  # the library's own way to cut the embeddings
            assert got[str(dim)] == pytest.approx(ev.instance(model)[key])
    assert ev.instance.truncate_dim is None  # the run's evaluator is left as it was
    # The full size is the run's own measurement, not measured again.
    assert evaluate_by_dim(plan, model, [64], {ev.name: key}, {key: 0.5})[ev.name] == {"64": 0.5}


def test_a_run_without_matryoshka_has_no_sizes(make_config):
    cfg = make_config({"pairs": inline(positive_pairs(12))}, loss="MultipleNegativesRankingLoss")
    assert "matryoshka" not in Runner(build(RunSpec.from_dict(cfg))).run_blocking()


def test_the_chosen_size_is_saved_with_the_model(tiny_model, tmp_path):
    from sentence_transformers import SentenceTransformer

    folder = tmp_path / "model"
    SentenceTransformer(tiny_model, device="cpu").save_pretrained(str(folder))
    save_truncate_dim(folder, 32)
    loaded = SentenceTransformer(str(folder), device="cpu")
    assert loaded.truncate_dim == 32 and loaded.encode(["a cat"]).shape == (1, 32)
    save_truncate_dim(folder, None)
    assert "truncate_dim" not in json.loads((folder / "config_sentence_transformers.json").read_text())
    with pytest.raises(WorkbenchError, match="holds no sentence-transformers model"):
        save_truncate_dim(tmp_path, 32)
    with pytest.raises(WorkbenchError, match="whole number"):
        save_truncate_dim(folder, 0)
