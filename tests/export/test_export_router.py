"""The exported script of a run with separate query/document sides builds the same Router, passes the same
router_mapping and learning_rate_mapping, and runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_export import _exec, _lint
from wb_data import inline, triplets

from workbench.engine import Runner, build
from workbench.export import export_script
from workbench.spec import RunSpec


def _spec(make_config, asymmetric, model_type):
    cfg = make_config({"qa": inline(triplets(8))}, model_type=model_type, args={"max_steps": 2})
    cfg["model"]["asymmetric"] = asymmetric
    return RunSpec.from_dict(cfg)


@pytest.mark.parametrize(
    "asymmetric, model_type",
    [
        ({"kind": "separate", "document_learning_rate": 1e-4}, "sentence-transformer"),
        ("inference-free", "sparse-encoder"),
    ],
)
def test_script_builds_the_router_the_run_builds(asymmetric, model_type, make_config, tmp_path):
    spec = _spec(make_config, asymmetric, model_type)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "Router.for_query_document(query_modules=query, document_modules=document)" in script
    assert (
        "router_mapping={'anchor': 'query', 'positive': 'document', 'negative': 'document'},  "
        "# model.asymmetric: the columns' query/document roles" in script
    )
    assert f"learning_rate_mapping={plan.args['learning_rate_mapping']!r},  # model.asymmetric" in script
    theirs = _exec(script)["build_model"]()
    ours = Runner(plan)._build_model(plan)
    assert type(theirs) is type(ours) and type(theirs[0]).__name__ == "Router"
    shape = {n: tuple(p.shape) for n, p in ours.named_parameters()}
    assert {n: tuple(p.shape) for n, p in theirs.named_parameters()} == shape
    assert theirs.similarity_fn_name == ours.similarity_fn_name


def test_exported_router_script_runs_and_saves_a_router_model(make_config, tmp_path):
    """Justified (20-60 s, by load): the script runs in a subprocess, as a person would run it."""
    from sentence_transformers import SentenceTransformer

    spec = _spec(make_config, "separate", "sentence-transformer")
    script = tmp_path / "train.py"
    script.write_text(export_script(spec))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    final = tmp_path / f"{Path(spec.output_dir).name}-script-output" / "final"
    model = SentenceTransformer(str(final), device="cpu")
    assert type(model[0]).__name__ == "Router" and set(model[0].sub_modules) == {"query", "document"}
    q, d = model.encode_query(["a cat"]), model.encode_document(["a cat"])
    assert abs(q - d).max() > 1e-5


def test_exported_script_starts_the_query_weights_at_the_same_idf(make_config, tmp_path):
    """The script carries the run's IDF code verbatim and gives it the same documents: the same weights."""
    import torch

    spec = _spec(make_config, "inference-free", "sparse-encoder")
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "def init_query_idf(model, datasets, columns, path):" in script
    assert (
        "idf = init_query_idf(model, train, {'qa': ['positive', 'negative']}, OUTPUT_DIR / 'idf.json')"
        in script
    )
    ours = Runner(plan)._build_model(plan)  # the run's: the IDF set as it builds
    names = _exec(script)
    theirs = names["build_model"]()
    names["OUTPUT_DIR"] = tmp_path / "script-out"
    train, _, _ = names["load_datasets"]()
    got = names["init_query_idf"](
        theirs, train, {"qa": ["positive", "negative"]}, tmp_path / "script-out" / "idf.json"
    )
    assert got["documents"] == len(set(triplets(8)["positive"] + triplets(8)["negative"]))
    weight = theirs[0].sub_modules["query"][0].weight
    assert torch.equal(weight, ours[0].sub_modules["query"][0].weight) and not torch.equal(
        weight, torch.ones_like(weight)
    )
    ones = export_script(
        _spec(make_config, {"kind": "inference-free", "query_init": "ones"}, "sparse-encoder")
    )
    assert "init_query_idf" not in ones and "starting at 1." in ones


def test_exported_script_passes_the_per_dataset_router_mapping(make_config, tmp_path):
    from wb_data import positive_pairs

    pairs, trips = positive_pairs(8), triplets(8)
    cfg = make_config(
        {
            "pairs": inline({"q": pairs["anchor"], "d": pairs["positive"]}, columns=["q", "d"]),
            "trip": inline(
                {"d": trips["anchor"], "q": trips["positive"], "n": trips["negative"]},
                columns=["d", "q", "n"],
            ),
        },
        args={"max_steps": 2},
    )
    cfg["model"]["asymmetric"] = "separate"
    spec = RunSpec.from_dict(cfg)
    script = export_script(spec, build(spec))
    _lint(script, tmp_path)
    mapping = {
        "pairs": {"q": "query", "d": "document"},
        "trip": {"d": "query", "q": "document", "n": "document"},
    }
    assert f"router_mapping={mapping!r},  # model.asymmetric" in script
    assert "train_dataset=train," in script  # by name, as the per-dataset mapping is looked up
