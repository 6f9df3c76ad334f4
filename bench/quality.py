"""`make quality`: real-data runs through the workbench's own engine, judged with a paired bootstrap.

Each case writes a RunSpec config into bench/_work/, builds it with the workbench (``build``), runs it with the
workbench's Runner, and records baseline, final, the change with its 95 % confidence interval (paired bootstrap
over the test items) and a verdict in bench/quality.json. The data is read from ../shared/data (the ``shared/``
folder beside the repository); nothing from it is copied into the repository. Files derived from it (SciFact
training pairs, a corpus sample) go to a temporary folder outside the repository.

    python bench/quality.py                     # every case, one after the other (about an hour on 2 CPU cores)
    python bench/quality.py --only stsb-auto    # one case (repeatable; also --case stsb-auto)
    python bench/quality.py --limit-train 500   # quick mode: at most 500 training rows per case
    python bench/quality.py --list              # the cases
    python bench/quality.py --case scifact-dense --case scifact-mined --versus scifact-dense,scifact-mined
                                                # ...and the two trained models against each other

Run it alone on the machine: two trainings at once on 2 cores slow each other down about 5x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WORK = ROOT / "bench" / "_work"
OUT_JSON = ROOT / "bench" / "quality.json"
# Derived data (SciFact pairs, corpus sample) stays outside the repository.
DERIVED = Path(os.environ.get("WORKBENCH_QUALITY_TMP", tempfile.gettempdir())) / "workbench-quality-data"
# SciFact: the 300 test queries are scored against their relevant documents plus a random sample of the others,
# SCIFACT_CORPUS documents in all. Encoding all 5,183 abstracts (256 tokens) takes about 8 minutes per model on 2
# CPU cores, and the Runner encodes the corpus twice (baseline, final).
SCIFACT_CORPUS = 600


def rel(path: Path) -> str:
    """A path as the config file (in bench/_work) should name it: relative to the config's folder."""
    return os.path.relpath(path, WORK)


def csv_set(path: Path, columns, label=None, label_range=None, limit=None) -> dict:
    out = {"source": "csv", "path": rel(path), "columns": list(columns)}
    if label:
        out["label"] = label
    if label_range:
        out["label_range"] = list(label_range)
    if limit:
        out["limit"] = int(limit)
    return out


# ---- derived SciFact files ----------------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _read_qrels(path: Path) -> list[tuple[str, str]]:
    rows = []
    with open(path, encoding="utf8") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and (len(parts) < 3 or float(parts[2]) > 0):
                rows.append((parts[0].strip(), parts[1].strip()))
    return rows


def scifact_files(corpus_size: int = SCIFACT_CORPUS, seed: int = 0) -> dict[str, Path]:
    """SciFact (query, positive) training pairs from the train qrels, and a corpus sample for the test queries.

    The corpus sample keeps every document relevant to a test query and fills up with a seeded random sample of
    the other documents. Documents are ``title + " " + text`` (the BEIR convention) in the pairs; the sample keeps
    BEIR's corpus.jsonl format, which the workbench's BEIR loader joins the same way.
    """
    import csv

    src = SHARED / "scifact"
    DERIVED.mkdir(parents=True, exist_ok=True)
    corpus = _read_jsonl(src / "corpus.jsonl")
    queries = {str(q["_id"]): q["text"] for q in _read_jsonl(src / "queries.jsonl")}
    docs = {str(d["_id"]): d for d in corpus}
    pairs_path = DERIVED / "scifact_train_pairs.csv"
    with open(pairs_path, "w", encoding="utf8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["query", "document"])
        for qid, cid in _read_qrels(src / "qrels" / "train.tsv"):
            doc = docs[cid]
            writer.writerow([queries[qid], f"{doc.get('title') or ''} {doc.get('text') or ''}".strip()])
    relevant = {cid for _, cid in _read_qrels(src / "qrels" / "test.tsv")}
    others = sorted(set(docs) - relevant)
    random.Random(seed).shuffle(others)
    keep = relevant | set(others[: max(0, corpus_size - len(relevant))])
    sample_path = DERIVED / f"scifact_corpus_{corpus_size}.jsonl"
    with open(sample_path, "w", encoding="utf8") as fh:
        for d in corpus:
            if str(d["_id"]) in keep:
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    return {
        "pairs": pairs_path,
        "corpus": sample_path,
        "queries": src / "queries.jsonl",
        "qrels": src / "qrels" / "test.tsv",
        "n_corpus": len(keep),
    }


# ---- the cases ----------------------------------------------------------------------------------------------------


def _stsb(loss, limit):
    d = SHARED / "stsb"
    return {
        "model": {"type": "sentence-transformer", "name_or_path": "default"},
        "datasets": {
            "train": {"stsb": csv_set(d / "train.csv", ["sentence1", "sentence2"], "score", (0, 5), limit)},
            "test": {"stsb": csv_set(d / "test.csv", ["sentence1", "sentence2"], "score", (0, 5))},
        },
        "loss": loss,
        "evaluators": [{"name": "EmbeddingSimilarityEvaluator", "dataset": "test/stsb"}],
    }, "STSb train (5,749 pairs, scores 0-5) -> STSb test (1,379 pairs)"


def case_stsb_auto(limit):
    return _stsb({"name": "auto"}, limit)


def case_stsb_cosent(limit):
    return _stsb({"name": "CoSENTLoss"}, limit)


def case_quora(limit):
    d = SHARED / "quora"
    cols = ["question1", "question2"]
    return {
        "model": {"type": "sentence-transformer", "name_or_path": "default"},
        "datasets": {
            "train": {"quora": csv_set(d / "train.csv", cols, "is_duplicate", None, limit)},
            "test": {"quora": csv_set(d / "test.csv", cols, "is_duplicate")},
        },
        "loss": {"name": "auto"},
        "evaluators": [{"name": "BinaryClassificationEvaluator", "dataset": "test/quora"}],
    }, "Quora train.csv (10,000 question pairs, is_duplicate 0/1) -> Quora test.csv (3,000 pairs)"


def case_snli(limit):
    d = SHARED / "nli"
    cols = ["anchor", "positive", "negative"]
    return {
        "model": {"type": "sentence-transformer", "name_or_path": "default"},
        "datasets": {
            "train": {"snli": csv_set(d / "snli_dev_triplets.csv", cols, limit=limit)},
            "test": {"snli": csv_set(d / "snli_test_triplets.csv", cols)},
        },
        "loss": {"name": "auto"},
        "evaluators": [{"name": "TripletEvaluator", "dataset": "test/snli"}],
    }, "SNLI dev triplets (3,172) -> SNLI test triplets (3,167)"


def _scifact(model_type, evaluator, limit):
    files = scifact_files()
    return {
        "model": {"type": model_type, "name_or_path": "default"},
        "datasets": {"train": {"scifact": csv_set(files["pairs"], ["query", "document"], limit=limit)}},
        "loss": {"name": "auto"},
        "evaluators": [
            {
                "name": evaluator,
                "queries": rel(files["queries"]),
                "corpus": rel(files["corpus"]),
                "qrels": rel(files["qrels"]),
            }
        ],
        # BEIR-file evaluators always run as eval evaluators, i.e. also during training, every eval_steps; on 2
        # CPU cores each pass over the corpus takes minutes, so evaluation during training is switched off here.
        "args": {"eval_strategy": "no"},
    }, (
        f"SciFact train qrels (919 query-abstract pairs) -> 300 SciFact test queries against {files['n_corpus']} "
        f"documents (the relevant ones + a seeded random sample of the 5,183; NOT the full BEIR corpus)"
    )


def case_scifact_dense(limit):
    return _scifact("sentence-transformer", "InformationRetrievalEvaluator", limit)


def case_scifact_router(limit):
    """As scifact-dense, with separate query and document encoders (model.asymmetric: a Router of two MiniLMs)."""
    config, dataset = _scifact("sentence-transformer", "InformationRetrievalEvaluator", limit)
    config["model"]["asymmetric"] = {"kind": "separate"}
    return config, dataset + "; separate query and document encoders (Router, model.asymmetric)"


def case_scifact_prompts(limit):
    """As scifact-dense, with instruction prompts per column (args.prompts: "query: " / "passage: "), measured with
    them (the evaluator's query and corpus prompts) and saved with the model."""
    config, dataset = _scifact("sentence-transformer", "InformationRetrievalEvaluator", limit)
    config["args"]["prompts"] = {"query": "query: ", "document": "passage: "}
    return config, dataset + "; prompts 'query: ' / 'passage: ' per column (args.prompts)"


def case_scifact_splade(limit):
    return _scifact("sparse-encoder", "SparseInformationRetrievalEvaluator", limit)


def case_scifact_multi_vector(limit):
    """scifact-dense's data for a multi-vector (ColBERT-style) model built from the packaged MiniLM: its token
    embeddings through a new 128-d projection, scored with MaxSim."""
    return _scifact("multi-vector", "MultiVectorInformationRetrievalEvaluator", limit)


def scifact_abstracts(limit: int | None) -> Path:
    """SciFact's abstracts as a plain corpus: one text column (``title + " " + text``), no labels; the first
    ``limit`` documents of corpus.jsonl (all without a limit)."""
    import csv

    DERIVED.mkdir(parents=True, exist_ok=True)
    docs = _read_jsonl(SHARED / "scifact" / "corpus.jsonl")[: limit or None]
    path = DERIVED / f"scifact_abstracts_{len(docs)}.csv"
    with open(path, "w", encoding="utf8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text"])
        for d in docs:
            writer.writerow([f"{d.get('title') or ''} {d.get('text') or ''}".strip()])
    return path


def case_scifact_tsdae(limit):
    """TSDAE on SciFact abstracts (a plain corpus, no labels) -> SciFact nDCG@10 vs the base model."""
    files = scifact_files()
    abstracts = scifact_abstracts(limit)
    config, _ = _scifact("sentence-transformer", "InformationRetrievalEvaluator", None)
    # The workbench's one-click fix for a plain text column: the column twice, the first damaged with TSDAE's
    # deletion noise (derive "tsdae"), trained with DenoisingAutoEncoderLoss.
    config["datasets"] = {"train": {"abstracts": {**csv_set(abstracts, ["text", "text"]), "derive": "tsdae"}}}
    config["loss"] = {"name": "DenoisingAutoEncoderLoss"}
    n = sum(1 for _ in open(abstracts, encoding="utf8")) - 1
    return config, (
        f"SciFact abstracts as a plain corpus ({n} of the 5,183, no labels; TSDAE deletion noise) -> 300 SciFact "
        f"test queries against {files['n_corpus']} documents (as scifact-dense)"
    )


def scifact_mined_pairs(limit=None) -> Path:
    """The SciFact train pairs with one mined hard negative each (the workbench's 'safe' preset over
    mine_hard_negatives, the packaged model, the pairs' own documents plus the corpus sample as candidates); made
    once and kept in DERIVED."""
    import datasets

    from workbench.engine import build_model, mine
    from workbench.spec import ModelSpec

    files = scifact_files()
    out = DERIVED / f"scifact_train_mined_{limit or 'all'}.csv"
    if out.is_file():
        return out
    pairs = datasets.load_dataset("csv", data_files=str(files["pairs"]), split="train")
    if limit:
        pairs = pairs.select(range(min(limit, pairs.num_rows)))
    corpus = [f"{d.get('title') or ''} {d.get('text') or ''}".strip() for d in _read_jsonl(files["corpus"])]
    result = mine(pairs, build_model(ModelSpec(name_or_path="default")), "query", "document", corpus=corpus,
                  preset="safe", output_format="triplet", num_negatives=1)  # fmt: skip
    print(f"  mined: {result.summary()}", flush=True)
    result.dataset.to_csv(str(out), index=False)
    return out


def case_scifact_mined(limit):
    """scifact-dense with one mined hard negative per pair (triplets, MultipleNegativesRankingLoss), to compare
    side by side with in-batch negatives only."""
    config, _ = _scifact("sentence-transformer", "InformationRetrievalEvaluator", None)
    mined = scifact_mined_pairs(limit)
    config["datasets"] = {"train": {"scifact": csv_set(mined, ["query", "document", "negative"])}}
    n = sum(1 for _ in open(mined, encoding="utf8")) - 1
    return config, (
        f"as scifact-dense, each train pair with one hard negative mined by the packaged model ('safe' preset: "
        f"ranks 10+ and 5 % below the positive; {n} triplets)"
    )


def case_quora_cross(limit):
    d = SHARED / "quora"
    cols = ["question1", "question2"]
    return {
        "model": {"type": "cross-encoder", "name_or_path": "default"},
        "datasets": {
            "train": {"quora": csv_set(d / "train.csv", cols, "is_duplicate", None, limit)},
            "test": {"quora": csv_set(d / "test.csv", cols, "is_duplicate")},
        },
        "loss": {"name": "auto"},
        "evaluators": [{"name": "CrossEncoderClassificationEvaluator", "dataset": "test/quora"}],
    }, "Quora train.csv (question pairs, is_duplicate) -> Quora test.csv (3,000 pairs), cross-encoder"


def quora_dev_pairs(n: int = 600) -> Path:
    """The last ``n`` rows of Quora's train.csv (ids 9,400-9,999 for 600; 231 duplicates) as a labelled eval set:
    the training pairs of the MNRL cases are the first 1,000 duplicates (ids up to 2,619), so no row is shared."""
    import csv

    DERIVED.mkdir(parents=True, exist_ok=True)
    with open(SHARED / "quora" / "train.csv", encoding="utf8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    path = DERIVED / f"quora_dev_pairs_{n}.csv"
    with open(path, "w", encoding="utf8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows[-n:])
    return path


def case_quora_cross_mnrl(limit):
    """Cross-encoder MultipleNegativesRankingLoss on Quora duplicate pairs, 2 epochs, evaluated ~5 times per epoch
    on 600 held-out labelled pairs: the automatic activation (Identity) and early stopping on the packaged model."""
    d = SHARED / "quora"
    cols = ["question1", "question2"]
    ev = "CrossEncoderClassificationEvaluator"
    return {
        "model": {"type": "cross-encoder", "name_or_path": "default"},
        "datasets": {
            "train": {"quora": csv_set(d / "train_duplicates.csv", ["anchor", "positive"], limit=limit)},
            "eval": {"quora-dev": csv_set(quora_dev_pairs(), cols, "is_duplicate")},
            "test": {"quora": csv_set(d / "test.csv", cols, "is_duplicate")},
        },
        "loss": {"name": "MultipleNegativesRankingLoss"},
        # The test evaluator first: the bench judges a case by its first evaluator; early stopping watches the
        # first one that runs during training (the eval set's).
        "evaluators": [{"name": ev, "dataset": "test/quora"}, {"name": ev, "dataset": "eval/quora-dev"}],
        "args": {"num_train_epochs": 2},
    }, (
        "Quora train_duplicates.csv ((anchor, positive) duplicate questions, no labels; 2 epochs) -> Quora "
        "test.csv (3,000 pairs), cross-encoder; evaluated during training on 600 held-out labelled pairs "
        "(train.csv ids 9,400-9,999)"
    )


def case_quora_cross_mnrl_sigmoid(limit):
    """quora-cross-mnrl with the prediction activation forced to Sigmoid (model.activation_fn), against the
    automatic choice (Identity for MultipleNegativesRankingLoss)."""
    config, dataset = case_quora_cross_mnrl(limit)
    config["model"]["activation_fn"] = "Sigmoid"
    return config, dataset + "; activation_fn forced to Sigmoid"


def case_quora_cross_mnrl_long(limit):
    """quora-cross-mnrl for 5 epochs: long enough for early stopping (on by default, patience from the run's length)
    to end the run before its last step once the held-out AP stops improving (2 epochs peaked at step 54 of 64)."""
    config, dataset = case_quora_cross_mnrl(limit)
    config["args"] = {"num_train_epochs": 5}
    return config, dataset.replace("2 epochs", "5 epochs")


# In the order they should be measured: the headline goal first.
CASES = {
    "stsb-auto": case_stsb_auto,
    "stsb-cosent": case_stsb_cosent,
    "quora": case_quora,
    "snli": case_snli,
    "scifact-dense": case_scifact_dense,
    "scifact-splade": case_scifact_splade,
    "scifact-router": case_scifact_router,
    "scifact-prompts": case_scifact_prompts,
    "quora-cross": case_quora_cross,
    "scifact-tsdae": case_scifact_tsdae,
    "scifact-mined": case_scifact_mined,
    "scifact-multi-vector": case_scifact_multi_vector,
    "quora-cross-mnrl": case_quora_cross_mnrl,
    "quora-cross-mnrl-sigmoid": case_quora_cross_mnrl_sigmoid,
    "quora-cross-mnrl-long": case_quora_cross_mnrl_long,
}
# Training subsets (the first N rows) used by default, so that each case stays around 10 minutes on 2 quiet CPU
# cores (measured 2026-11-23, each case alone: every other case trains on all its rows in 1-6 min). SPLADE's masked-LM
# head makes a step ~20x dearer (~45 s per batch of 32 SciFact abstracts); the cross-encoder case keeps 1,000 pairs.
# TSDAE adds a decoder over every abstract (~40 s per step on busy cores): its case trains on the first 320 abstracts.
# The multi-vector case keeps 320 pairs, as the SPLADE one: a small first measurement on a loaded machine.
# The cross-encoder MNRL cases keep 1,000 duplicate pairs (2 epochs: 64 steps, ~5 evaluations per epoch).
# `--limit-train 0` trains on everything.
DEFAULT_LIMITS: dict[str, int] = {
    "scifact-splade": 320,
    "quora-cross": 1000,
    "scifact-tsdae": 320,
    "scifact-multi-vector": 320,
    "scifact-prompts": 320,
    "quora-cross-mnrl": 1000,
    "quora-cross-mnrl-sigmoid": 1000,
    "quora-cross-mnrl-long": 1000,
}


# ---- running --------------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    try:
        import sentence_transformers
        import torch
        import transformers

        info.update(
            torch=torch.__version__,
            torch_threads=torch.get_num_threads(),
            sentence_transformers=sentence_transformers.__version__,
            transformers=transformers.__version__,
        )
    except ImportError:
        pass
    return info


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def run_case(
    name: str,
    limit: int | None = None,
    n_boot: int = 2000,
    *,
    args: dict | None = None,
    items: list | None = None,
    tag: str = "",
) -> dict:
    """Run one case through the workbench's engine and judge it; returns the quality.json entry.

    Args:
        args: Training arguments added to the case's config (e.g. ``{"bf16": False}`` to force fp32).
        items: When given, the final model's per-item record of the first evaluator is appended to it (to pair
            two runs' final models on the same test items).
    """
    from workbench.engine import (
        ItemRecorder,
        RunListener,
        Runner,
        build,
        higher_is_better,
        recorded_delta,
        verdict,
    )
    from workbench.spec import load_config

    limit = DEFAULT_LIMITS.get(name) if limit is None else (limit or None)
    config, dataset = CASES[name](limit)
    if args:
        config["args"] = {**config.get("args", {}), **args}
    config["output_dir"] = rel(WORK / "runs" / f"{name}{tag}")  # tag: two runs of one case at once
    config["overwrite"] = True
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"{name}{tag}.json"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf8")

    load_before = _load()
    started = time.monotonic()
    plan = build(load_config(path))
    recorders = []
    for ev in plan.evaluators:
        ev.instance = ItemRecorder(ev.instance)
        recorders.append((ev.name, ev.instance))
    train_runtime = {}

    class Progress(RunListener):
        """Keeps the trainer's own runtime figures and prints the run's notes and statuses as they come."""

        def on_log(self, event):
            train_runtime.update(
                {
                    k: event.values[k]
                    for k in ("train_runtime", "train_samples_per_second")
                    if k in event.values
                }
            )

        def on_note(self, event):
            print(f"  note: {event.text}", flush=True)

        def on_status(self, event):
            print(f"  [{time.monotonic() - started:7.1f}s] {event.status.value}", flush=True)

    print(f"== {name}: {dataset}", flush=True)
    runner = Runner(plan, listeners=[Progress()])
    summary = runner.run_blocking()
    total_s = time.monotonic() - started
    if summary.get("status") != "finished":
        raise RuntimeError(f"{name}: run ended with status {summary.get('status')}: {summary.get('error')}")
    ev_name, recorder = recorders[0]
    key = summary["primary_metrics"][ev_name]
    boot = recorded_delta(recorder, n_boot=n_boot)
    if items is not None:
        items.append(recorder.records[-1])
    baseline, final = summary["baseline"][key], summary["final"][key]
    judged = verdict(baseline, final, boot["ci95"], higher_is_better(key), metric=key)
    extra_s = sum(r["extra_s"] for r in recorder.records)
    entry = {
        "case": name,
        "dataset": dataset,
        "model_type": plan.model_type,
        "loss": {n: s.name for n, s in plan.loss_specs.items()},
        "loss_config": config["loss"],
        "args": plan.args,
        "args_given": config.get("args", {}),
        "max_seq_length": getattr(runner.model, "max_seq_length", None),
        "baseline": baseline,
        "final": final,
        "primary_metric": key,
        "delta": final - baseline,
        "ci95": judged["ci95"],
        "verdict": judged["verdict"],
        "message": judged["message"],
        # The bootstrap recomputes the metric from the recorded per-item scores; it must agree with the evaluator.
        "bootstrap_check": {
            "baseline": boot["baseline"],
            "final": boot["final"],
            "n_items": boot["n_items"],
            "n_boot": boot["n_boot"],
        },
        # The Runner's wall time (load, baseline, training, save, final), less the per-item scoring added here.
        "wall_time_s": round(summary["wall_time_s"] - extra_s, 1),
        "train_time_s": round(train_runtime.get("train_runtime", float("nan")), 1),
        "eval_time_s": [round(r["eval_s"], 1) for r in recorder.records],
        "scoring_overhead_s": round(extra_s, 1),
        "total_time_s": round(total_s, 1),
        "train_rows": plan.train_rows,
        "train_limit": limit,
        "steps": summary.get("steps"),
        "notes": summary.get("notes", []),
        "all_baseline": summary["baseline"],
        "all_final": summary["final"],
        "machine": machine(),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "load": {"before": load_before, "after": _load()},
        "config": rel(path),
    }
    # The final model's per-item scores, so two cases on the same test items can be compared (--versus).
    last = recorder.records[-1]
    items_path = WORK / f"{name}.items.json"
    items_path.write_text(
        json.dumps(
            {
                "kind": last["kind"],
                "metric": key,
                "scores": [float(v) for v in last["scores"]],
                "gold": None if last.get("gold") is None else [float(v) for v in last["gold"]],
            }
        ),
        encoding="utf8",
    )
    entry["final_items"] = rel(items_path)
    entry.update(run_record(plan, summary, last["scores"]))
    mismatch = max(abs(boot["baseline"] - baseline), abs(boot["final"] - final))
    if mismatch > 1e-3:
        entry["warning"] = f"per-item scores disagree with the evaluator by {mismatch:.4f}"
    print(
        f"   {key}: {baseline:.4f} -> {final:.4f} ({final - baseline:+.4f}, CI {judged['ci95'][0]:+.4f}.."
        f"{judged['ci95'][1]:+.4f}) {judged['verdict']}; wall {entry['wall_time_s']} s",
        flush=True,
    )
    return entry


def _saved_activation(model_path) -> str | None:
    """The activation a saved cross-encoder predicts with, as written in its folder (None: not found)."""
    for name in ("config_sentence_transformers.json", "config.json"):
        path = Path(model_path or "-") / name
        if path.is_file():
            found = json.loads(path.read_text(encoding="utf8"))
            act = found.get("activation_fn") or (found.get("sentence_transformers") or {}).get(
                "activation_fn"
            )
            if act:
                return str(act)
    return None


def _trainer_state(out: Path) -> dict:
    """The last checkpoint's trainer_state.json (the latest one the run wrote), or {}."""
    states = sorted(
        (out / "checkpoints").glob("checkpoint-*/trainer_state.json"),
        key=lambda p: int(p.parent.name.rpartition("-")[2]),
    )
    return json.loads(states[-1].read_text(encoding="utf8")) if states else {}


def _watched(out: Path, metric: str) -> list:
    """[step, value] of every evaluation of ``metric`` the run made, from its metrics.jsonl (a checkpoint's
    trainer_state.json stops at that checkpoint, and the best one kept may not be the last)."""
    rows = []
    path = out / "metrics.jsonl"
    for line in path.read_text(encoding="utf8").splitlines() if path.is_file() else []:
        row = json.loads(line)
        if row.get("type") == "eval" and metric in row.get("metrics", {}):
            rows.append([row["step"], row["metrics"][metric]])
    return rows


def run_record(plan, summary: dict, final_scores) -> dict:
    """What a run decided beyond the metrics: a cross-encoder's activation (planned and as saved in ``final/``),
    early stopping (the plan, whether and when it stopped, the evaluations it watched, the checkpoint kept) and
    the spread of the final model's test scores (what a person reading ``predict`` sees)."""
    import numpy as np

    record: dict = {}
    if plan.setup.activation:
        record["activation"] = {
            "planned": plan.setup.activation,
            "why": plan.setup.activation_why,
            "saved": _saved_activation(summary.get("model_path")),
        }
        scores = np.asarray(final_scores, dtype=float)
        record["final_scores"] = {
            "min": float(scores.min()),
            "max": float(scores.max()),
            "mean": float(scores.mean()),
            "distinct": int(np.unique(scores).size),
            "n": int(scores.size),
            "share_above_0.5": float((scores > 0.5).mean()),
        }
    es = plan.setup.early_stopping
    if es:
        state = _trainer_state(plan.output_dir)
        watched = es["metric"]
        record["early_stopping"] = {
            **es,
            "stopped": next(
                (n for n in summary.get("notes", []) if n.startswith("early stopping: stopped")), None
            ),
            "steps_done": summary.get("steps"),
            "stopped_early": (summary.get("steps") or 0) < (state.get("max_steps") or 0),
            "max_steps": state.get("max_steps"),
            "best_metric": state.get("best_metric"),
            "best_checkpoint": Path(state["best_model_checkpoint"]).name
            if state.get("best_model_checkpoint")
            else None,
            "evaluations_seen": _watched(plan.output_dir, watched),
        }
    return record


def versus(cases: dict, a: str, b: str, n_boot: int = 2000) -> dict:
    """The paired bootstrap of two trained models on the same test items: ``metric(b) - metric(a)``.

    Both cases must have been run (their final per-item scores recorded) on the same items in the same order.
    """
    from workbench.engine import higher_is_better, verdict
    from workbench.rules.bootstrap import bootstrap_delta

    items = {}
    for name in (a, b):
        entry = cases.get(name) or {}
        path = WORK / entry.get("final_items", "-")
        if not path.is_file():
            raise ValueError(f"{name}: no per-item final scores recorded; run it first (--case {name})")
        items[name] = json.loads(path.read_text(encoding="utf8"))
    ia, ib = items[a], items[b]
    if ia["metric"] != ib["metric"] or len(ia["scores"]) != len(ib["scores"]) or ia["gold"] != ib["gold"]:
        raise ValueError(f"{a} and {b} were not measured on the same test items with the same metric")
    boot = bootstrap_delta(ia["kind"], ia["scores"], ib["scores"], ia["gold"], n_boot=n_boot)
    judged = verdict(
        boot["baseline"], boot["final"], boot["ci95"], higher_is_better(ia["metric"]), metric=ia["metric"]
    )
    return {
        "a": a,
        "b": b,
        "metric": ia["metric"],
        "a_final": boot["baseline"],
        "b_final": boot["final"],
        "delta": boot["delta"],
        "ci95": boot["ci95"],
        "n_items": boot["n_items"],
        "verdict": judged["verdict"],
        "dates": [cases[a]["date"], cases[b]["date"]],
    }


def table_row(entry: dict) -> str:
    """One row of bench/README.md's results table for a recorded case."""
    losses = ", ".join(sorted(set(entry["loss"].values())))
    loss = f"auto → {losses}" if entry["loss_config"].get("name") == "auto" else losses
    low, high = entry["ci95"]
    load = entry.get("load") or {}
    # The 1-minute load average before and after: about 2 is the run alone on 2 cores, more means it shared them.
    busy = (
        "load " + "→".join(f"{load[k][0]:.1f}" for k in ("before", "after") if load.get(k))
        if load
        else "load ?"
    )
    data = entry["dataset"] + (f" — first {entry['train_rows']} rows" if entry.get("train_limit") else "")
    return (
        f"| {entry['date'][:10]} | {entry['machine']['cpus']} CPU, {busy} | {entry['case']} | {data} | {loss} | "
        f"{entry['baseline']:.4f} | {entry['final']:.4f} | {entry['delta']:+.4f} [{low:+.4f}, {high:+.4f}] | "
        f"{entry['verdict']} | {entry['wall_time_s'] / 60:.1f} min ({entry['steps']} steps) |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", "--case", action="append", choices=sorted(CASES), help="run only this case (repeatable)"
    )
    parser.add_argument(
        "--limit-train",
        type=int,
        default=None,
        help="at most N training rows per case (quick mode); 0 = all rows, no default subsets",
    )
    parser.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument("--out", default=str(OUT_JSON), help="where to write the results")
    parser.add_argument(
        "--versus",
        action="append",
        metavar="A,B",
        help="after the runs, compare two cases' trained models on their shared test items (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument(
        "--table",
        action="store_true",
        help="print the recorded cases as rows of bench/README.md's results table and exit",
    )
    args = parser.parse_args(argv)
    if args.table:
        out = Path(args.out)
        cases = json.loads(out.read_text(encoding="utf8")).get("cases", {}) if out.is_file() else {}
        for entry in sorted(cases.values(), key=lambda e: e["date"]):
            print(table_row(entry))
        return 0
    if args.list:
        for name, fn in CASES.items():
            print(f"{name:16s} {(fn.__doc__ or fn.__name__).strip()}")
        return 0
    if not SHARED.is_dir():
        print(
            f"quality: {SHARED} is absent; the real-data checks need the shared data folder beside the repo.",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    results = json.loads(out.read_text(encoding="utf8")) if out.is_file() else {}
    cases = results.setdefault("cases", {})
    failed = []
    # --versus alone compares cases already run; with --case it runs them first.
    for name in args.only or ([] if args.versus else list(CASES)):
        try:
            entry = run_case(name, args.limit_train, args.n_boot)
        except Exception as exc:  # noqa: BLE001 - one failing case must not lose the others
            print(f"!! {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            failed.append(name)
            continue
        if args.limit_train:
            entry["quick_mode"] = True
        if entry["train_limit"]:
            entry["subset"] = (
                f"trained on the first {entry['train_rows']} rows only (--limit-train 0 for all)"
            )
        cases[name] = entry
        results["updated"] = entry["date"]
        out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf8")
    for pair in args.versus or []:
        a, _, b = pair.partition(",")
        try:
            result = versus(cases, a.strip(), b.strip(), args.n_boot)
        except (ValueError, KeyError) as exc:
            print(f"!! versus {pair}: {exc}", file=sys.stderr, flush=True)
            failed.append(f"versus {pair}")
            continue
        results.setdefault("versus", {})[f"{result['a']} vs {result['b']}"] = result
        out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf8")
        print(
            f"   {result['b']} vs {result['a']} ({result['metric']}): {result['a_final']:.4f} -> "
            f"{result['b_final']:.4f} ({result['delta']:+.4f}, CI {result['ci95'][0]:+.4f}..{result['ci95'][1]:+.4f})"
            f" {result['verdict']}",
            flush=True,
        )
    regressions = [n for n in (args.only or CASES) if cases.get(n, {}).get("verdict") == "regression"]
    if regressions:
        print(f"regression: {', '.join(regressions)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
