"""Separate query/document sides (``model.asymmetric``) on the tiny model: the trainer's router_mapping and
learning rates, the trained sides, the saved model loading back, and data that does not fit."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from wb_data import inline, scored_pairs, triplets

from workbench.engine import Runner, build, train
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec

TEXTS = ["a cat sits on the mat", "children are playing soccer outside"]


@pytest.fixture
def spy_trainer(monkeypatch):
    """The trainer each run built (its args, collator and optimizer are read after training)."""
    seen = {}
    real = Runner._trainer

    def spy(self, plan, model):
        seen["trainer"] = real(self, plan, model)
        return seen["trainer"]

    monkeypatch.setattr(Runner, "_trainer", spy)
    return seen


def _config(make_config, asymmetric, model_type="sentence-transformer", data=None, **kw):
    cfg = make_config(
        {"qa": inline(data or triplets(12), columns=["anchor", "positive", "negative"])},
        model_type=model_type,
        args={"learning_rate": 1e-2, **kw.pop("args", {})},
        **kw,
    )
    cfg["model"]["asymmetric"] = asymmetric
    return cfg


def _side(state: dict, route: str) -> dict:
    prefix = f"sub_modules.{route}."
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def test_dense_separate_sides_start_equal_and_train_apart(make_config, spy_trainer):
    from sentence_transformers import SentenceTransformer

    cfg = _config(make_config, {"kind": "separate", "query_learning_rate": 5e-2})
    plan = build(RunSpec.from_dict(cfg))
    assert plan.args["router_mapping"] == {"anchor": "query", "positive": "document", "negative": "document"}
    assert plan.args["learning_rate_mapping"] == {r"sub_modules\.query\.": 5e-2}
    model = Runner(plan)._build_model(plan)
    state = model[0].state_dict()
    query, document = _side(state, "query"), _side(state, "document")
    assert query.keys() == document.keys() and all(torch.equal(query[k], document[k]) for k in query)

    summary = train(cfg)
    assert summary["status"] == "finished"
    trainer = spy_trainer["trainer"]
    # What the trainer got: the mapping in its arguments and its collator, and the query side's own rate.
    assert trainer.args.router_mapping == plan.args["router_mapping"]
    assert trainer.data_collator.router_mapping == plan.args["router_mapping"]
    query_ids = {id(p) for n, p in trainer.model.named_parameters() if ".sub_modules.query." in f".{n}"}
    groups = trainer.optimizer.param_groups
    own = [g for g in groups if g.get("initial_lr") == pytest.approx(5e-2)]
    assert own and {id(p) for g in own for p in g["params"]} == query_ids
    others = [g for g in groups if g.get("initial_lr") != pytest.approx(5e-2)]
    rest = {id(p) for g in others for p in g["params"]}
    assert rest and not rest & query_ids and all(g["initial_lr"] == pytest.approx(1e-2) for g in others)

    final = Path(cfg["output_dir"]) / "final"
    loaded = SentenceTransformer(str(final), device="cpu")
    state = loaded[0].state_dict()
    query, document = _side(state, "query"), _side(state, "document")
    moved = [k for k in query if not torch.allclose(query[k].float(), document[k].float())]
    assert len(moved) > len(query) // 2
    q, d = loaded.encode_query(TEXTS), loaded.encode_document(TEXTS)
    assert q.shape == d.shape and not torch.allclose(torch.as_tensor(q), torch.as_tensor(d), atol=1e-4)


def test_sparse_inference_free_query_side(make_config, spy_trainer):
    from sentence_transformers import SparseEncoder

    cfg = _config(make_config, "inference-free", model_type="sparse-encoder")
    summary = train(cfg)
    assert summary["status"] == "finished"
    trainer = spy_trainer["trainer"]
    assert trainer.args.router_mapping == {"anchor": "query", "positive": "document", "negative": "document"}
    static = trainer.model[0].sub_modules["query"][0]
    assert type(static).__name__ == "SparseStaticEmbedding" and static.weight.requires_grad
    own = [g for g in trainer.optimizer.param_groups if g.get("initial_lr") == pytest.approx(1e-3)]
    assert [p for g in own for p in g["params"]] == [static.weight]

    final = Path(cfg["output_dir"]) / "final"
    assert (final / "query_0_SparseStaticEmbedding").is_dir()
    loaded = SparseEncoder(str(final), device="cpu")
    assert not torch.allclose(loaded[0].sub_modules["query"][0].weight, torch.ones_like(static.weight))
    q, d = loaded.encode_query(TEXTS).to_dense(), loaded.encode_document(TEXTS).to_dense()
    assert q.shape == d.shape and not torch.allclose(q, d)
    # A query's vector has weight only on its own tokens: no network runs for it.
    tokens = set(loaded.tokenizer(TEXTS[0], add_special_tokens=False)["input_ids"])
    assert set(torch.nonzero(q[0]).flatten().tolist()) <= tokens


def test_the_router_mapping_follows_the_mapped_columns(make_config):
    data = triplets(12)
    renamed = {"question": data["anchor"], "answer": data["positive"], "wrong": data["negative"]}
    cfg = _config(make_config, "separate", data=renamed)
    cfg["datasets"]["train"]["qa"]["columns"] = ["question", "answer", "wrong"]
    plan = build(RunSpec.from_dict(cfg))
    assert plan.args["router_mapping"] == {"question": "query", "answer": "document", "wrong": "document"}
    assert "learning_rate_mapping" not in plan.args  # both sides at the run's rate
    assert any("'question' -> query" in n for n in plan.notes)


def test_sts_pairs_are_refused_before_the_model_loads(make_config):
    cfg = make_config({"sts": inline(scored_pairs(12))}, loss="CoSENTLoss")
    cfg["model"]["asymmetric"] = "separate"
    with pytest.raises(WorkbenchError) as info:
        build(RunSpec.from_dict(cfg))
    assert info.value.where == "model.asymmetric"
    assert "interchangeable" in info.value.message and "CoSENTLoss on train/sts" in info.value.message


def test_per_item_triplet_scores_encode_anchors_as_queries(make_config):
    """The paired bootstrap's per-item scores agree with the evaluator on a model whose sides differ, also when a
    text is an anchor in one triplet and a positive in another."""
    from sentence_transformers.sentence_transformer.evaluation import TripletEvaluator

    from workbench.engine.items import ItemRecorder

    cfg = _config(make_config, "separate")
    plan = build(RunSpec.from_dict(cfg))
    model = Runner(plan)._build_model(plan)
    with torch.no_grad():  # a query side unlike the document side
        for p in model[0].sub_modules["query"].parameters():
            p.add_(torch.randn_like(p) * 0.5, alpha=1.0)
    data = triplets(12)
    anchors = data["anchor"][:6] + data["positive"][:6]
    positives = data["positive"][:6] + data["anchor"][:6]
    negatives = data["negative"][:6] * 2
    recorder = ItemRecorder(TripletEvaluator(anchors, positives, negatives, name="t"))
    metrics = recorder(model)
    scores = recorder.records[0]["scores"]
    assert scores.mean() == pytest.approx(metrics["t_cosine_accuracy"])


def test_a_saved_two_sided_model_trains_on_with_its_own_sides(make_config):
    cfg = _config(make_config, "separate", args={"max_steps": 2})
    train(cfg)
    final = str(Path(cfg["output_dir"]) / "final")
    again = _config(make_config, None, output="again", args={"max_steps": 2})
    again["model"]["name_or_path"] = final
    plan = build(RunSpec.from_dict(again))
    assert plan.args["router_mapping"] == {"anchor": "query", "positive": "document", "negative": "document"}
    assert "model: its own query and document sides" in plan.notes
    assert train(again)["status"] == "finished"
    again.update(overwrite=True)
    again["model"]["asymmetric"] = "separate"  # sides on a model that has them: refused before it loads
    with pytest.raises(WorkbenchError, match="already has query and document sides") as info:
        build(RunSpec.from_dict(again))
    assert info.value.where == "model.asymmetric"
