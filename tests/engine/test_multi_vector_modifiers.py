"""The multi-vector loss modifiers on the tiny model: MultiVectorMatryoshkaLoss (token-embedding sizes) and
MultiVectorTokenPoolingLoss (pool factors) wrap the main loss in the trainer, train, are measured (Matryoshka: each
size with the library's truncate_dim), and bad values are refused before any model is loaded."""

from __future__ import annotations

import pytest
from wb_data import inline, triplets

from workbench import catalog as C
from workbench.engine import Runner, build, make_losses
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec


def _config(make_config, modifier: dict | None, loss="MultiVectorMultipleNegativesRankingLoss", **extra):
    return make_config(
        {"triplets": inline(triplets(12))},
        model_type=C.MULTI,
        loss={"name": loss, **({"modifier": modifier} if modifier else {})},
        eval={"dev": inline(triplets(8))},
        evaluators=[{"name": "MultiVectorInformationRetrievalEvaluator", "dataset": "eval/dev"}],
        **extra,
    )


def _run(cfg: dict):
    """Train, keeping the trainer the runner built (its loss is what trained)."""
    runner = Runner(build(RunSpec.from_dict(cfg)))
    built = []
    make = runner._trainer

    def keep(plan, model):
        built.append(make(plan, model))
        return built[-1]

    runner._trainer = keep
    summary = runner.run_blocking()
    assert summary["status"] == "finished", summary
    return summary, built[0], runner


def _inner_sizes(loss) -> list:
    """Wrap the modifier's inner loss: record the token size the modifier truncates to at each call."""
    seen = []
    forward = loss.loss.forward

    def recording(*args, **kwargs):
        seen.append(
            getattr(loss.model.forward, "dim", None)
        )  # the modifier's decorated forward, while it runs
        return forward(*args, **kwargs)

    loss.loss.forward = recording
    return seen


def test_matryoshka_wraps_the_loss_trains_each_size_and_measures_it(make_config):
    modifier = {"name": "MultiVectorMatryoshkaLoss", "params": {"matryoshka_dims": [128, 32]}}
    summary, trainer, runner = _run(_config(make_config, modifier, args={"max_steps": 2}))
    loss = trainer.loss
    assert type(loss).__name__ == "MultiVectorMatryoshkaLoss"
    assert type(loss.loss).__name__ == "MultiVectorMultipleNegativesRankingLoss"
    assert loss.matryoshka_dims == (128, 32)
    sizes = summary["matryoshka"]
    assert sizes["dims"] == [128, 32] and sizes["bytes_per_vector"] == {"128": 512, "32": 128}
    (name,) = sizes["final"]
    key = sizes["primary_metrics"][name]
    assert key.endswith("maxsim_ndcg@10")
    assert sizes["final"][name]["128"] == pytest.approx(summary["final"][key])
    # The 32 size is the library's own truncation: the run's evaluator with truncate_dim=32 on the trained model.
    (ev,) = runner.plan.evaluators
    ev.instance.truncate_dim = 32
    try:
        assert sizes["final"][name]["32"] == pytest.approx(ev.instance(runner.model)[key])
    finally:
        ev.instance.truncate_dim = None
    from sentence_transformers import MultiVectorEncoder

    model = MultiVectorEncoder(summary["model_path"], device="cpu")
    (full,) = model.encode_query(["a cat sat"])
    (small,) = model.encode_query(["a cat sat"], truncate_dim=32)
    assert full.shape[1] == 128 and small.shape == (full.shape[0], 32)
    # Truncated, then L2-normalized per token, as the library documents.
    assert small.norm(dim=-1).tolist() == pytest.approx([1.0] * small.shape[0], abs=1e-4)
    assert (small - full[:, :32] / full[:, :32].norm(dim=-1, keepdim=True)).abs().max() < 1e-4


def test_matryoshka_calls_the_inner_loss_once_per_size_largest_first(make_config):
    modifier = {"name": "MultiVectorMatryoshkaLoss"}  # default sizes: the token size halved down to 32
    plan = build(RunSpec.from_dict(_config(make_config, modifier)))
    model = Runner(plan)._build_model(plan)
    loss = make_losses(plan, model)
    assert loss.matryoshka_dims == (128, 64, 32)
    seen = _inner_sizes(loss)
    features = [model.preprocess(texts) for texts in (["a cat", "a dog"], ["cats purr", "dogs bark"])]
    value = loss(features, None)
    assert seen == [128, 64, 32] and value.requires_grad


def test_token_pooling_wraps_the_loss_and_the_trained_model_pools_documents(make_config):
    modifier = {"name": "MultiVectorTokenPoolingLoss", "params": {"token_poolings": [1, 2]}}
    summary, trainer, _ = _run(_config(make_config, modifier, args={"max_steps": 2}))
    loss = trainer.loss
    assert type(loss).__name__ == "MultiVectorTokenPoolingLoss"
    assert type(loss.loss).__name__ == "MultiVectorMultipleNegativesRankingLoss"
    poolings = list(loss.token_poolings)
    assert poolings[0] is None  # factor 1: the unpooled variant is trained too
    assert type(poolings[1]).__name__ == "HierarchicalTokenPooling" and poolings[1].pool_factor == 2
    assert "matryoshka" not in summary
    from sentence_transformers import MultiVectorEncoder
    from sentence_transformers.multi_vector_encoder.modules import HierarchicalTokenPooling

    model = MultiVectorEncoder(summary["model_path"], device="cpu")
    text = "the quick brown fox jumps over the lazy dog near the river bank today"
    (full,) = model.encode_document([text])
    (pooled,) = model.encode_document([text], token_pooling=HierarchicalTokenPooling(pool_factor=2))
    assert pooled.shape[1] == full.shape[1] == 128
    assert pooled.shape[0] < full.shape[0]  # about half the token vectors (the [CLS] is kept apart)


def test_token_pooling_wraps_a_cached_loss(make_config):
    modifier = {"name": "MultiVectorTokenPoolingLoss"}  # default factors 1, 2, 4
    cfg = _config(make_config, modifier, loss="CachedMultiVectorMultipleNegativesRankingLoss")
    plan = build(RunSpec.from_dict(cfg))
    loss = make_losses(plan, Runner(plan)._build_model(plan))
    assert loss.uses_gradient_cache and [getattr(p, "pool_factor", 1) for p in loss.token_poolings] == [
        1,
        2,
        4,
    ]


@pytest.mark.parametrize(
    ("modifier", "where", "words"),
    [
        (
            {"name": "MultiVectorMatryoshkaLoss", "params": {"matryoshka_dims": [128, 0]}},
            "loss.modifier.params.matryoshka_dims",
            "at least 1, got 0",
        ),
        (
            {"name": "MultiVectorMatryoshkaLoss", "params": {"matryoshka_dims": "big"}},
            "loss.modifier.params.matryoshka_dims",
            "must be a list of whole numbers",
        ),
        (
            {
                "name": "MultiVectorMatryoshkaLoss",
                "params": {"matryoshka_dims": [128, 64], "matryoshka_weights": [1, 1, 1]},
            },
            "loss.modifier.params.matryoshka_weights",
            "3 value(s) for 2 matryoshka_dims",
        ),
        (
            {"name": "MultiVectorTokenPoolingLoss", "params": {"token_poolings": [1, 0.5]}},
            "loss.modifier.params.token_poolings",
            "at least 1, got 0.5",
        ),
        (
            {"name": "MultiVectorTokenPoolingLoss", "params": {"token_poolings": [1, 2], "weights": [1]}},
            "loss.modifier.params.weights",
            "1 value(s) for 2 token_poolings",
        ),
        (
            {"name": "MultiVectorTokenPoolingLoss", "params": {"pool_factors": [2]}},
            "loss.modifier.params.pool_factors",
            "no parameter 'pool_factors'",
        ),
        ({"name": "MatryoshkaLoss"}, "loss.modifier", "it is a sentence-transformer modifier"),
    ],
)
def test_bad_modifier_values_are_refused_before_the_model_loads(make_config, modifier, where, words):
    with pytest.raises(WorkbenchError) as err:
        build(RunSpec.from_dict(_config(make_config, modifier)))
    assert words in err.value.message and err.value.where == where, err.value
    assert err.value.fix


def test_a_size_above_the_token_size_is_refused_with_the_models_size(make_config):
    modifier = {"name": "MultiVectorMatryoshkaLoss", "params": {"matryoshka_dims": [256, 128]}}
    plan = build(RunSpec.from_dict(_config(make_config, modifier)))
    with pytest.raises(WorkbenchError, match="embedding dimension of 128"):
        make_losses(plan, Runner(plan)._build_model(plan))


def test_a_multi_vector_modifier_on_a_dense_model_names_the_dense_modifiers(make_config):
    cfg = _config(make_config, {"name": "MultiVectorMatryoshkaLoss"}, loss="MultipleNegativesRankingLoss")
    cfg["model"]["type"] = C.DENSE
    cfg["evaluators"] = []
    with pytest.raises(WorkbenchError) as err:
        build(RunSpec.from_dict(cfg))
    assert "it is a multi-vector modifier" in err.value.message
    assert "MatryoshkaLoss" in err.value.fix and "AdaptiveLayerLoss" in err.value.fix
