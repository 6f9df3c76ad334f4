"""Inference-free query weights start at the training documents' IDF (``model.asymmetric.query_init``), and the
``router_mapping`` is per dataset when several train sets of different formats go to the trainer by name."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from wb_data import inline, positive_pairs, triplets

from workbench.engine import Runner, build, train
from workbench.errors import WorkbenchError
from workbench.spec import RunSpec


def _sparse_config(make_config, asymmetric="inference-free", **kw):
    cfg = make_config(
        {"qa": inline(triplets(12), columns=["anchor", "positive", "negative"])},
        model_type="sparse-encoder",
        **kw,
    )
    cfg["model"]["asymmetric"] = asymmetric
    return cfg


def _idf(tokenizer, documents: list[str], token: str) -> float:
    """BM25's IDF of one token over distinct documents, counted here without the workbench's code."""
    docs = list(dict.fromkeys(documents))
    token_id = tokenizer.convert_tokens_to_ids(token)
    df = sum(token_id in tokenizer(d, add_special_tokens=False)["input_ids"] for d in docs)
    assert 0 < df < len(docs), f"pick a token in some but not all documents: {token} is in {df}"
    return math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))


def test_query_weights_start_at_the_documents_idf(make_config):
    cfg = _sparse_config(make_config)
    plan = build(RunSpec.from_dict(cfg))
    assert plan.spec.model.asymmetric["query_init"] == "idf"  # the default
    model = Runner(plan)._build_model(plan)
    static = model[0].sub_modules["query"][0]
    tok = static.tokenizer
    data = triplets(12)
    documents = data["positive"] + data["negative"]  # the document-side columns; anchors are queries
    for token in ("cat", "guitar", "snow", "a"):
        assert static.weight[tok.convert_tokens_to_ids(token)].item() == pytest.approx(
            _idf(tok, documents, token), rel=1e-6
        ), token
    # A token only the queries hold (no document has it) gets from_json's default for a token idf.json lacks: 0.
    doc_ids = {i for d in documents for i in tok(d, add_special_tokens=False)["input_ids"]}
    query_only = {i for q in data["anchor"] for i in tok(q, add_special_tokens=False)["input_ids"]} - doc_ids
    assert query_only and all(static.weight[i].item() == 0 for i in query_only)
    table = json.loads((Path(cfg["output_dir"]) / "idf.json").read_text(encoding="utf8"))
    assert len(table) == len(doc_ids) and table["cat"] == pytest.approx(_idf(tok, documents, "cat"))


def test_the_run_says_what_it_did_and_trains(make_config):
    cfg = _sparse_config(make_config, args={"max_steps": 2})
    assert train(cfg)["status"] == "finished"
    run = Path(cfg["output_dir"])
    notes = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    (note,) = [e["text"] for e in notes if e.get("type") == "note" and "IDF of" in e.get("text", "")]
    distinct = len(set(triplets(12)["positive"] + triplets(12)["negative"]))
    assert f"IDF of {distinct} distinct training documents (qa: positive, negative)" in note
    assert "vocabulary tokens occur in them" in note and "start at 0" in note
    assert (run / "final" / "query_0_SparseStaticEmbedding").is_dir()


@pytest.mark.parametrize("as_json", [False, True])
def test_the_documents_are_the_columns_the_router_mapping_routes_there(make_config, as_json):
    """A router_mapping of the user's own (a dict, or the JSON text the library also takes) says which columns are
    documents: here the positives only."""
    mapping = {"anchor": "query", "positive": "document", "negative": "query"}
    cfg = _sparse_config(make_config, args={"router_mapping": json.dumps(mapping) if as_json else mapping})
    plan = build(RunSpec.from_dict(cfg))
    static = Runner(plan)._build_model(plan)[0].sub_modules["query"][0]
    positives = triplets(12)["positive"]
    for token in ("cat", "guitar"):
        expected = _idf(static.tokenizer, positives, token)
        assert static.weight[static.tokenizer.convert_tokens_to_ids(token)].item() == pytest.approx(expected)


def test_ones_keeps_the_librarys_start(make_config):
    cfg = _sparse_config(make_config, {"kind": "inference-free", "query_init": "ones"})
    plan = build(RunSpec.from_dict(cfg))
    model = Runner(plan)._build_model(plan)
    assert torch.equal(
        model[0].sub_modules["query"][0].weight, torch.ones_like(model[0].sub_modules["query"][0].weight)
    )
    assert not (Path(cfg["output_dir"]) / "idf.json").exists()
    assert any("starting at 1" in n for n in plan.notes)


@pytest.mark.parametrize(
    "value, words", [("idff", "did you mean 'idf'"), (1, "is not known"), ("bm25", "'idf'")]
)
def test_a_bad_query_init_is_refused_with_the_field(make_config, value, words):
    cfg = _sparse_config(make_config, {"kind": "inference-free", "query_init": value})
    with pytest.raises(WorkbenchError) as info:
        build(RunSpec.from_dict(cfg))
    assert info.value.where == "model.asymmetric.query_init" and words in str(info.value)


def _two_formats(make_config, model_type="sentence-transformer", **kw):
    """Train set 'pairs' (q, d) and train set 'trip' whose query column is named 'd' (d, q, n): one mapping for
    both cannot say what 'd' is."""
    pairs, trips = positive_pairs(12), triplets(12)
    return make_config(
        {
            "pairs": inline({"q": pairs["anchor"], "d": pairs["positive"]}, columns=["q", "d"]),
            "trip": inline(
                {"d": trips["anchor"], "q": trips["positive"], "n": trips["negative"]},
                columns=["d", "q", "n"],
            ),
        },
        model_type=model_type,
        **kw,
    )


def test_router_mapping_is_per_dataset_for_several_train_sets(make_config, monkeypatch):
    cfg = _two_formats(make_config, args={"max_steps": 2})
    cfg["model"]["asymmetric"] = "separate"
    plan = build(RunSpec.from_dict(cfg))
    expected = {
        "pairs": {"q": "query", "d": "document"},
        "trip": {"d": "query", "q": "document", "n": "document"},
    }
    assert plan.args["router_mapping"] == expected
    assert any("pairs: 'q' -> query, 'd' -> document; trip: 'd' -> query" in n for n in plan.notes)

    seen = {}
    real = Runner._trainer

    def spy(self, plan, model):
        seen["trainer"] = real(self, plan, model)
        return seen["trainer"]

    monkeypatch.setattr(Runner, "_trainer", spy)
    assert train(cfg)["status"] == "finished"
    collator = seen["trainer"].data_collator
    # Each batch names its dataset; the collator routes its columns by that dataset's mapping.
    assert collator._resolve_router_mapping({"dataset_name": "trip"}) == expected["trip"]
    assert seen["trainer"].train_dataset["trip"][0]["dataset_name"] == "trip"


def test_one_train_set_keeps_one_mapping_for_it_and_its_eval_sets(make_config):
    """One train set goes to the trainer on its own (no dataset name for a per-dataset lookup): one mapping serves
    it and the eval sets the loss is scored on, and a column with both roles there is refused, with the field."""
    pairs, trips = positive_pairs(12), triplets(12)
    cfg = make_config(
        {
            "trip": inline(
                {"d": trips["anchor"], "q": trips["positive"], "n": trips["negative"]},
                columns=["d", "q", "n"],
            )
        },
        eval={"dev": inline({"q": pairs["anchor"], "d": pairs["positive"]}, columns=["q", "d"])},
        loss="MultipleNegativesRankingLoss",
    )
    cfg["model"]["asymmetric"] = "separate"
    with pytest.raises(
        WorkbenchError, match="column 'q' is the document in train/trip but a query in eval/dev"
    ) as info:
        build(RunSpec.from_dict(cfg))
    assert info.value.where == "datasets.eval.dev.columns"
    cfg["datasets"]["eval"]["dev"] = inline(
        {"d": pairs["anchor"], "q": pairs["positive"]}, columns=["d", "q"]
    )
    plan = build(RunSpec.from_dict(cfg))
    assert plan.args["router_mapping"] == {"d": "query", "q": "document", "n": "document"}
