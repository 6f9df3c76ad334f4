"""Training arguments as data: the curated fields the app shows up front, and every field of the installed
*TrainingArguments dataclasses with its type, default, help and choices.

The field list is generated from the installed library rather than written out, so a new transformers version
adds its arguments to the "advanced" section without a code change. Importing this module stays light: the
TrainingArguments classes are imported only when a function here is called. Exported by `workbench.catalog`.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass

from ..errors import WorkbenchError
from .kinds import DENSE
from .kinds import kind as model_kind
from .params import coerce_value

# The key arguments the app shows up front, in order, grouped. Everything else goes to "advanced".
# A test asserts each name is still a field of the installed TrainingArguments classes.
# fmt: off
CURATED_ARGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Schedule", ("num_train_epochs", "max_steps", "learning_rate", "lr_scheduler_type", "warmup_ratio",
                  "warmup_steps", "weight_decay", "seed")),
    ("Batches", ("per_device_train_batch_size", "per_device_eval_batch_size", "auto_find_batch_size",
                 "gradient_accumulation_steps", "activation_checkpointing", "eval_accumulation_steps",
                 "batch_sampler", "multi_dataset_batch_sampler")),
    ("Precision and optimizer", ("fp16", "bf16", "optim")),
    ("Evaluation and saving", ("eval_strategy", "eval_steps", "save_strategy", "save_steps", "save_total_limit",
                               "load_best_model_at_end", "metric_for_best_model", "logging_steps")),
    ("Tracking and Hub", ("report_to", "run_name", "log_level", "push_to_hub", "hub_model_id", "hub_strategy",
                          "hub_private_repo")),
)
# fmt: on
CURATED_ARG_NAMES = tuple(name for _, names in CURATED_ARGS for name in names)


@dataclass(frozen=True)
class ArgLabel:
    """How the app names a curated training argument for people who do not code (the raw name is the tooltip
    and the Advanced view).

    Attributes:
        label: The plain name ("Learning rate").
        example: A valid value, said in messages ("enter a number such as 2e-5"); empty when the field is a list
            of choices.
        basic: Shown in the plain view; the others only in Advanced (or when they hold a value).
    """

    label: str
    example: str = ""
    basic: bool = False


# One entry per curated argument (a test asserts they agree with CURATED_ARGS).
# fmt: off
ARG_LABELS: dict[str, ArgLabel] = {
    "num_train_epochs": ArgLabel("Passes over the data", "1", basic=True),
    "max_steps": ArgLabel("Stop after this many steps", "500", basic=True),
    "learning_rate": ArgLabel("Learning rate", "2e-5", basic=True),
    "lr_scheduler_type": ArgLabel("How the learning rate changes"),
    "warmup_ratio": ArgLabel("Warm-up (share of the run, deprecated)", "0.1"),
    "warmup_steps": ArgLabel("Warm-up (steps, or a share of the run below 1)", "0.1", basic=True),
    "weight_decay": ArgLabel("Weight decay", "0.01"),
    "seed": ArgLabel("Random seed", "42", basic=True),
    "per_device_train_batch_size": ArgLabel("Examples per step", "16", basic=True),
    "per_device_eval_batch_size": ArgLabel("Examples per step when measuring", "32"),
    "auto_find_batch_size": ArgLabel("Smaller steps if memory runs out"),
    "gradient_accumulation_steps": ArgLabel("Steps added up per update", "1"),
    "activation_checkpointing": ArgLabel("Save memory (slower)"),
    "eval_accumulation_steps": ArgLabel("Measuring steps held at once", "1"),
    "batch_sampler": ArgLabel("How examples are grouped into steps", basic=True),
    "multi_dataset_batch_sampler": ArgLabel("How several datasets take turns"),
    "fp16": ArgLabel("Half precision (fp16)", basic=True),
    "bf16": ArgLabel("Half precision (bf16)", basic=True),
    "optim": ArgLabel("Optimizer"),
    "eval_strategy": ArgLabel("When to measure during training", basic=True),
    "eval_steps": ArgLabel("Measure every … steps", "100"),
    "save_strategy": ArgLabel("When to save checkpoints"),
    "save_steps": ArgLabel("Save every … steps", "500"),
    "save_total_limit": ArgLabel("Checkpoints to keep", "2"),
    "load_best_model_at_end": ArgLabel("Keep the best checkpoint at the end"),
    "metric_for_best_model": ArgLabel("Best checkpoint by (metric)"),
    "logging_steps": ArgLabel("Log the loss every … steps", "10"),
    "report_to": ArgLabel("Send the logs to", "none"),
    "run_name": ArgLabel("Run name", "my-run"),
    "log_level": ArgLabel("How much the trainer logs"),
    "push_to_hub": ArgLabel("Upload to the Hub after training"),
    "hub_model_id": ArgLabel("Hub repository", "your-name/my-model"),
    "hub_strategy": ArgLabel("When to upload to the Hub"),
    "hub_private_repo": ArgLabel("Private Hub repository"),
}
# fmt: on


# What the basic settings do, in plain words: shown under the field instead of the library's help, which is written
# for programmers ("Overrides `num_train_epochs` ... does not implement `__len__`") and stays the name's tooltip.
PLAIN_HELP: dict[str, str] = {
    "num_train_epochs": "How many times training goes through all your train rows. More passes help small data; "
    "watch the eval curve for overfitting.",
    "max_steps": "One step trains on one batch of examples. A number here ends the run at that step, whatever the "
    "passes say; empty: train for the passes.",
    "learning_rate": "How big each update is. Too high and the model forgets what it knew; too low and it learns "
    "little. The recommended value suits this model type.",
    "warmup_steps": "The learning rate rises from 0 over the first steps: a number of steps (100), or a share of the "
    "run below 1 (0.1: the first tenth).",
    "seed": "Any whole number: the same seed and settings train the same model again.",
    "per_device_train_batch_size": "How many train rows one step learns from. Losses that compare a row with the "
    "others of its step learn more from larger steps, which need more memory.",
    "batch_sampler": "'No duplicates' keeps a text from appearing twice in one step (what losses with in-batch "
    "negatives need); the recommended choice follows the loss.",
    "fp16": "16-bit arithmetic on a GPU: faster, less memory. Not available on a CPU.",
    "bf16": "bfloat16 arithmetic, on GPUs and on CPUs that support it: faster at the same quality; the saved model "
    "stays in full precision.",
    "eval_strategy": "Every N steps, once per pass, or not during training (the model is still measured before and "
    "after it).",
}


def arg_label(name: str) -> ArgLabel:
    """The plain name of a training argument (its raw name when it is not curated)."""
    return ARG_LABELS.get(name) or ArgLabel(name)


# Arguments the workbench manages itself (never shown as a form field).
MANAGED_ARGS = (
    "output_dir",
    "overwrite_output_dir",
    "hub_token",
    "push_to_hub_token",
    "resume_from_checkpoint",
)


# Arguments with their own editor in the app (the Training settings' prompt editor), not a raw field.
EDITED_ARGS = ("prompts",)


@dataclass(frozen=True)
class ArgField:
    """One training-argument field as the installed library defines it."""

    name: str
    type: str  # bool | int | float | str | choice | list | dict | other
    default: object
    help: str = ""  # as written for people: the library's argparse escape "%%" read as "%"
    choices: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "help", self.help.replace("%%", "%"))


def training_args_class(model_type: str):
    """The installed *TrainingArguments class of a model type (imports the library on first call)."""
    module, name = model_kind(model_type).training_args
    return getattr(importlib.import_module(module), name)


# Field lists read elsewhere (a child process, a cache file) for a kernel that should not import the library:
# model type -> fields (see :func:`remember_arg_fields`).
_KNOWN_FIELDS: dict[str, dict[str, ArgField]] = {}


def remember_arg_fields(model_type: str, fields_: dict[str, ArgField]) -> None:
    """Use ``fields_`` (read from the installed library by another process) as :func:`arg_fields`' answer."""
    _KNOWN_FIELDS[model_type] = dict(fields_)


def arg_fields(model_type: str = DENSE) -> dict[str, ArgField]:
    """Every field of the installed *TrainingArguments dataclass, with type, default, help and choices."""
    if model_type in _KNOWN_FIELDS:
        return _KNOWN_FIELDS[model_type]
    import dataclasses
    import enum
    import typing

    cls = training_args_class(model_type)
    hints = typing.get_type_hints(cls) if hasattr(cls, "__dataclass_fields__") else {}
    out: dict[str, ArgField] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_"):
            continue
        hint = hints.get(f.name, f.type)
        choices: tuple = ()
        kind = "other"
        members = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        for member in members:
            if isinstance(member, type) and issubclass(member, enum.Enum):
                kind, choices = "choice", tuple(m.value for m in member)
                break
        if kind == "other":
            base = members[0]
            origin = typing.get_origin(base) or base
            kind = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}.get(
                origin, "other"
            )
            if kind == "other" and any(m is str for m in members):
                kind = "str"
            if kind == "str" and any((typing.get_origin(m) or m) is dict for m in members):
                kind = "other"  # text or a JSON mapping (prompts: one prompt, or one per column / dataset)
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = None
        if isinstance(default, enum.Enum):
            default = default.value
        out[f.name] = ArgField(f.name, kind, default, (f.metadata or {}).get("help", ""), choices)
    return out


def _check_report_to(value) -> None:
    """A tracker that is not installed fails only when training starts: say so now."""
    wanted = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    wanted = [w for w in wanted if w not in ("none", "all")]
    if not wanted:
        return
    from transformers.integrations import get_available_reporting_integrations

    available = get_available_reporting_integrations()
    missing = [w for w in wanted if w not in available]
    if missing:
        raise WorkbenchError(
            f"report_to names {', '.join(repr(m) for m in missing)}, which is not installed here.",
            fix=f'use "none"{", or one that is: " + ", ".join(available) if available else ""}; or install '
            f"it (pip install {missing[0]}).",
            where="args.report_to",
        )


AT_LEAST_ONE = ("per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps")
MORE_THAN_ZERO = ("logging_steps", "eval_steps", "save_steps")
NOT_NEGATIVE = (
    "learning_rate",
    "num_train_epochs",
    "weight_decay",
    "warmup_ratio",
    "warmup_steps",
    "save_total_limit",
    "eval_accumulation_steps",
)


# A learning rate from here on makes any of the optimizers diverge (static embeddings train well at 0.2).
LEARNING_RATE_CEILING = 1.0

# A sensible value of each argument whose range is checked, for the message that refuses another.
ARG_EXAMPLES = {
    "learning_rate": "2e-5",
    "num_train_epochs": "1",
    "weight_decay": "0.01",
    "warmup_ratio": "0.1",
    "warmup_steps": "0.1 (a tenth of the run) or 100",
    "save_total_limit": "2",
    "eval_accumulation_steps": "1",
    "per_device_train_batch_size": "16",
    "per_device_eval_batch_size": "16",
    "gradient_accumulation_steps": "1",
    "logging_steps": "50",
    "eval_steps": "100",
    "save_steps": "500",
    "max_steps": "1000 (or -1 to train for num_train_epochs)",
}


def range_problem(name: str, value) -> str | None:
    """What is wrong with a training argument's number, in words (None: nothing): the one set of rules the app's
    form (as you type) and configs (:func:`coerce_args`) share."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value < 0 and name in (*NOT_NEGATIVE, *AT_LEAST_ONE, *MORE_THAN_ZERO):
        return "cannot be negative"
    if name == "max_steps" and (value < -1 or value == 0 or value != int(value)):
        # 0 would not stop at once: the trainer reads any max_steps under 1 as "use the epochs"
        return "needs a whole, positive number of steps (or -1: use the epochs)"
    if name == "learning_rate" and value == 0:
        return "must be more than 0: with 0 the model does not change"
    if name == "learning_rate" and value >= LEARNING_RATE_CEILING:
        return "is far too high: training diverges (usual values lie between 1e-6 and 1e-3)"
    if name in (*MORE_THAN_ZERO, "warmup_steps") and value >= 1 and value != int(value):
        # the trainer would cut a warm-up of 1.5 steps to 1 (and refuses the others at the start)
        return "must be a whole number when it is 1 or more (below 1 it is a share of the run)"
    if name == "warmup_ratio" and value > 1:
        return "must lie between 0 and 1 (a share of the run)"
    if name == "num_train_epochs" and value == 0:
        return "must be more than 0 (a number of passes over the data; max_steps, when set, wins)"
    if name in AT_LEAST_ONE and value < 1:
        return "must be at least 1"
    if name in MORE_THAN_ZERO and value <= 0:
        return "must be more than 0: a number of steps, or a fraction of the run below 1"
    return None


def coerce_args(args: dict, model_type: str = DENSE) -> dict:
    """``args`` checked (names, choices, types, ranges) with numbers/flags written as text turned into values.

    Raises:
        WorkbenchError: naming the argument and what it needs.
    """
    check_args(args, model_type)
    fields_ = arg_fields(model_type)
    out = {}
    for name, value in args.items():
        where = f"args.{name}"
        # The ``int`` fields that also take a ratio (a float below 1) are typed float here.
        kind = "float" if name in (*MORE_THAN_ZERO, "warmup_steps") else fields_[name].type
        value = coerce_value(kind, name, value, where)
        problem = range_problem(name, value)
        if problem:
            raise WorkbenchError(
                f"{name} {problem} (got {value}).",
                fix=f"use e.g. {ARG_EXAMPLES.get(name, '1')}.",
                where=where,
            )
        out[name] = value
    return out


def nearest_names(name: str, candidates, n: int = 3) -> list[str]:
    """Up to ``n`` valid names closest to ``name`` (best first), for "did you mean" messages."""
    import difflib

    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=0.5)


def check_args(args: dict, model_type: str = DENSE) -> None:
    """Reject unknown training-argument names, naming the nearest valid ones."""
    fields_ = arg_fields(model_type)
    for name in args:
        if name in MANAGED_ARGS:
            raise WorkbenchError(
                f"'{name}' is managed by the workbench and cannot be set in 'args'.",
                fix="use the config's top-level 'output_dir' / 'overwrite' / 'resume_from_checkpoint' instead; "
                "tokens go in the HF_TOKEN environment variable.",
                where=f"args.{name}",
            )
        if name not in fields_:
            guesses = nearest_names(name, fields_)
            raise WorkbenchError(
                f"'{name}' is not a training argument of {model_kind(model_type).training_args[1]}.",
                fix=f"did you mean '{guesses[0]}'?"
                + (f" Other close names: {', '.join(repr(g) for g in guesses[1:])}." if guesses[1:] else "")
                if guesses
                else "see the TrainingArguments documentation for valid names.",
                where=f"args.{name}",
            )
        choices = fields_[name].choices
        value = args[name]
        if isinstance(value, float) and not math.isfinite(value):
            raise WorkbenchError(f"{name} must be a finite number, got {value}.", where=f"args.{name}")
        if name == "report_to" and value is not None:
            _check_report_to(value)
        if choices and value is not None and value not in choices and not isinstance(value, (dict, list)):
            raise WorkbenchError(
                f"'{value}' is not a valid value for {name}.",
                fix=f"use one of: {', '.join(map(str, choices))}.",
                where=f"args.{name}",
            )
