"""The exported script's lines for what `workbench.engine.run_setup` sets on the model and the trainer: a
cross-encoder's prediction activation, the prompts saved with the model (and the evaluators' prompts), and the
early-stopping callback."""

from __future__ import annotations

import inspect

from .. import catalog as C
from .. import rules
from .writer import Writer


def model_setup_code(plan, w: Writer) -> list[str]:
    """Lines of ``build_model()`` (indented) after the model is built, as `engine.run_setup.configure_model`."""
    setup = plan.setup
    lines: list[str] = []
    if setup.activation:
        w.plain("torch")
        lines += [
            f"    # Predictions: {setup.activation_why}.",
            f"    model.activation_fn = torch.nn.{setup.activation}()  # saved in config_sentence_transformers.json",
        ]
    if setup.prompts:
        lines += [
            "    # The trainer prepends the prompts (args.prompts) but never saves them: set them on the model so",
            "    # that encode(x, prompt_name=...) uses them after loading.",
            f"    model.prompts = {{**model.prompts, **{setup.prompts!r}}}",
        ]
        if setup.default_prompt_name:
            lines.append(
                f"    model.default_prompt_name = {setup.default_prompt_name!r}  # every text was prompted"
            )
    return lines


def callbacks_code(plan, w: Writer) -> str:
    """The trainer's ``callbacks`` argument: early stopping as the run decided it (``[]`` when off), with its comma."""
    es = plan.setup.early_stopping
    if not es:
        return "[],"
    w.need("transformers", "EarlyStoppingCallback")
    why = "from the run's length" if es["auto_patience"] else "from your config"
    return (
        f"[EarlyStoppingCallback(early_stopping_patience={es['patience']}, "
        f"early_stopping_threshold={es['threshold']})],  # patience {why}; watches {es['metric']}"
    )


PROMPT_HELPER = '''def with_prompts(ds, prompts):
    """Each prompt put before its column's texts (a list of texts: before each), as the trainer does."""

    def prompted(row):
        return {c: [p + t for t in row[c]] if isinstance(row[c], list) else p + row[c] for c, p in prompts.items()}

    return ds.map(prompted)
'''


def evaluator_prompts_code(ev, plan, texts: list[str], w: Writer) -> tuple[list[str], list[str]]:
    """Lines that prompt an evaluator's dataset and its prompt arguments, as `engine.run_setup` builds it: a
    prompted model is measured with its prompts (none when a default prompt already reaches every encode)."""
    setup = plan.setup
    if not setup.prompts or setup.default_prompt_name:
        return [], []
    cls = C.resolve_evaluator(ev.spec)
    given = set(ev.choice.params or {})  # a prompt the config gives the evaluator wins
    args, prefixes = rules.evaluator_prompts(setup.prompts, inspect.signature(cls.__init__).parameters, texts)
    kwargs = [f"{k}={v!r}" for k, v in args.items() if k not in given]
    lines = []
    if prefixes:
        w.helper(PROMPT_HELPER)
        lines = [
            "# The model trains with prompts: measure it with them, before each column's texts.",
            f"ds = with_prompts(ds, {prefixes!r})",
        ]
    return lines, kwargs
