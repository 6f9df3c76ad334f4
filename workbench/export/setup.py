"""The exported script's lines for what `workbench.engine.run_setup` sets on the model and the trainer: a
cross-encoder's prediction activation, the prompts saved with the model, and the early-stopping callback."""

from __future__ import annotations

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
