"""The exported script sets what the run sets on its model and trainer: a cross-encoder's activation, the prompts
saved with the model, and early stopping (issue 14 §4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from test_export import _exec, _lint
from wb_data import binary_pairs, inline, positive_pairs, scored_pairs

from workbench.engine import build
from workbench.export import export_script
from workbench.spec import RunSpec


def test_script_writes_the_prompts_and_early_stopping_and_its_run_stops_early(make_config, tmp_path):
    cfg = make_config(
        {"sts": inline(scored_pairs(16))},
        loss="CosineSimilarityLoss",
        eval={"dev": inline(scored_pairs(8))},
        evaluators=[{"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev"}],
        args={
            "max_steps": 12,
            "learning_rate": 1e-30,  # no weight changes in fp32, nothing improves: early stopping ends the run at its patience
            "eval_strategy": "steps",
            "eval_steps": 1,
            "prompts": {"sentence1": "query: ", "sentence2": "passage: "},
        },
        early_stopping={"patience": 2},
    )
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "EarlyStoppingCallback(early_stopping_patience=2, early_stopping_threshold=0.0)" in script
    assert "model.prompts = {**model.prompts, **{'sentence1': 'query: '," in script
    names = _exec(script)
    model = names["build_model"]()
    assert model.prompts["query"] == "query: " and model.prompts["document"] == "passage: "
    # the evaluator measures the prompted model as the run's does: the prompts before its columns' texts
    assert "ds = with_prompts(ds, {'sentence1': 'query: ', 'sentence2': 'passage: '})" in script
    _train, evals, tests = names["load_datasets"]()
    (_split, scripted), run = names["build_evaluators"](evals, tests)[0], plan.evaluators[0].instance
    assert scripted.sentences1 == run.sentences1 and scripted.sentences1[0].startswith("query: ")
    assert scripted.sentences2 == run.sentences2 and scripted.sentences2[0].startswith("passage: ")
    path = tmp_path / "train.py"
    path.write_text(script)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = next(tmp_path.glob("*-script-output"))
    assert json.loads((out / "summary.json").read_text())["steps"] == 3
    saved = json.loads((out / "final" / "config_sentence_transformers.json").read_text())
    assert saved["prompts"]["query"] == "query: " and saved["prompts"]["sentence2"] == "passage: "


def test_cross_encoder_script_sets_the_activation_and_no_callback_when_early_stopping_is_off(
    make_config, tmp_path
):
    cfg = make_config(
        {"pairs": inline(binary_pairs(8))},
        model_type="cross-encoder",
        loss="BinaryCrossEntropyLoss",
        eval={"dev": inline(binary_pairs(8))},
        early_stopping=False,
    )
    spec = RunSpec.from_dict(cfg)
    script = export_script(spec, build(spec))
    _lint(script, tmp_path)
    assert "model.activation_fn = torch.nn.Sigmoid()" in script and "callbacks=[]," in script
    assert "EarlyStoppingCallback" not in script
    cfg["args"]["prompts"] = {
        "pairs": "relevance: "
    }  # the cross-encoder's evaluator predicts with the prompt
    cfg["evaluators"] = [{"name": "CrossEncoderClassificationEvaluator", "dataset": "eval/dev"}]
    script = export_script(RunSpec.from_dict(cfg), build(RunSpec.from_dict(cfg)))
    assert "prompt_name='query'" in script and "with_prompts" not in script
    assert type(_exec(script)["build_model"]().activation_fn).__name__ == "Sigmoid"
    cfg["loss"], cfg["datasets"]["train"] = (
        "MultipleNegativesRankingLoss",
        {"pairs": inline(positive_pairs(8))},
    )
    cfg["datasets"]["eval"], cfg["evaluators"] = {}, []
    spec = RunSpec.from_dict(cfg)
    script = export_script(spec, build(spec))
    assert "model.activation_fn = torch.nn.Sigmoid()" in script  # the in-batch loss's own activation_fn
