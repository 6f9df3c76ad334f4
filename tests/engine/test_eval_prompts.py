"""The evaluators that measure a prompted model measure it with its prompts (issue 14 §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wb_data import binary_pairs, inline, positive_pairs, scored_pairs

from workbench import rules
from workbench.engine import build, train
from workbench.spec import RunSpec

PROMPTS = {"anchor": "query: ", "positive": "passage: "}


def _dense(make_config, evaluators, eval_sets, **args) -> dict:
    return make_config(
        {"pairs": inline(positive_pairs(12))},
        loss="MultipleNegativesRankingLoss",
        eval=eval_sets,
        evaluators=evaluators,
        args={"max_steps": 2, "prompts": PROMPTS, "eval_strategy": "steps", "eval_steps": 1, **args},
        early_stopping=False,
    )


def test_the_rule_passes_prompts_as_arguments_or_puts_them_before_the_columns():
    saved = {"anchor": "q: ", "positive": "p: ", "query": "q: ", "document": "p: "}
    ir = rules.evaluator_prompts(saved, ["queries", "query_prompt", "corpus_prompt"], [])
    assert ir == ({"query_prompt": "q: ", "corpus_prompt": "p: "}, {})
    nano = rules.evaluator_prompts(saved, ["query_prompts", "corpus_prompts"], [])
    assert nano == ({"query_prompts": "q: ", "corpus_prompts": "p: "}, {})
    assert rules.evaluator_prompts(saved, ["prompt_name"], ["a", "b"]) == ({"prompt_name": "query"}, {})
    # by the column's own name first, else query for the first column and document for the others
    pairs = rules.evaluator_prompts(saved, ["sentences1"], ["positive", "other", "third"])
    assert pairs == ({}, {"positive": "p: ", "other": "p: ", "third": "p: "})
    assert rules.evaluator_prompts(saved, ["sentences1"], ["s1", "s2"]) == ({}, {"s1": "q: ", "s2": "p: "})
    only_query = rules.evaluator_prompts({"anchor": "q: ", "query": "q: "}, ["x"], ["s1", "s2"])
    assert only_query == ({}, {"s1": "q: "})
    assert rules.evaluator_prompts({}, ["query_prompt", "corpus_prompt"], ["a"]) == ({}, {})


def test_pair_and_ir_evaluators_measure_with_the_prompts(make_config):
    cfg = _dense(
        make_config,
        [
            {"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/sts"},
            {"name": "InformationRetrievalEvaluator", "dataset": "eval/qa"},
        ],
        {"sts": inline(scored_pairs(8)), "qa": inline(positive_pairs(8))},
    )
    plan = build(RunSpec.from_dict(cfg))
    sts, ir = (ev.instance for ev in plan.evaluators)
    plain = scored_pairs(8)
    assert sts.sentences1 == ["query: " + t for t in plain["sentence1"]]
    assert sts.sentences2 == ["passage: " + t for t in plain["sentence2"]]
    assert (ir.query_prompt, ir.corpus_prompt) == ("query: ", "passage: ")
    assert not any(q.startswith("query: ") for q in ir.queries)  # the evaluator adds the prompt itself
    assert any(n.startswith("evaluator sts measures with the prompts") for n in plan.notes)
    # the prompts of a run do not leak into the evaluators of a run without them
    cfg["args"].pop("prompts")
    bare = build(RunSpec.from_dict(cfg))
    assert bare.evaluators[0].instance.sentences1 == plain["sentence1"]
    assert bare.evaluators[1].instance.query_prompt is None


def test_a_run_measures_during_training_what_the_prompted_model_scores(make_config):
    cfg = _dense(
        make_config,
        [
            {"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/sts"},
            {"name": "InformationRetrievalEvaluator", "dataset": "eval/qa"},
        ],
        {"sts": inline(scored_pairs(8)), "qa": inline(positive_pairs(8))},
    )
    summary = train(cfg)
    assert summary["status"] == "finished"
    evals = [r["metrics"] for r in _rows(cfg) if r["type"] == "eval"]
    assert evals and "eval_sts_pearson_cosine" in evals[-1]  # measured during training
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

    model = SentenceTransformer(summary["model_path"])
    again = build(RunSpec.from_dict({**cfg, "output_dir": cfg["output_dir"] + "-again"}))
    sts, ir = (ev.instance for ev in again.evaluators)
    plain = scored_pairs(8)
    unprompted = EmbeddingSimilarityEvaluator(
        plain["sentence1"], plain["sentence2"], plain["score"], name="sts"
    )
    key = "sts_pearson_cosine"
    assert summary["final"][key] == pytest.approx(sts(model)[key], abs=1e-6)
    assert abs(unprompted(model)[key] - summary["final"][key]) > 1e-4  # the prompts change what is measured
    assert summary["final"]["qa_cosine_ndcg@10"] == pytest.approx(ir(model)["qa_cosine_ndcg@10"], abs=1e-6)


def _rows(cfg: dict) -> list[dict]:
    return [json.loads(r) for r in (Path(cfg["output_dir"]) / "metrics.jsonl").read_text().splitlines()]


def test_a_cross_encoder_evaluator_predicts_with_the_saved_prompt(make_config):
    cfg = make_config(
        {"pairs": inline(binary_pairs(8))},
        model_type="cross-encoder",
        loss="BinaryCrossEntropyLoss",
        eval={"dev": inline(binary_pairs(8))},
        evaluators=[{"name": "CrossEncoderClassificationEvaluator", "dataset": "eval/dev"}],
        args={"max_steps": 1, "prompts": {"pairs": "relevance: "}},
        early_stopping=False,
    )
    plan = build(RunSpec.from_dict(cfg))
    assert plan.evaluators[0].instance.prompt_name == "query"
    assert plan.setup.prompts["query"] == "relevance: "
    summary = train(cfg)
    assert summary["status"] == "finished" and summary["final"]
