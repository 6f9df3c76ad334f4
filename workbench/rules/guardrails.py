"""Guardrails: the training settings a loss couples to, and the combinations that cannot train.

Each rule is a small named function of a :class:`Guard` (the loss, the model type, the mapped data, the device)
and the arguments so far. It answers ``(changes, notes)``: the arguments it sets and what it says about them
(both empty when it has nothing to do), or raises a WorkbenchError for a combination that cannot work.
:func:`guardrails` applies :data:`RULES` in order, each rule seeing the arguments the earlier ones left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import catalog as C
from ..data import DataShape
from ..errors import WorkbenchError

__all__ = ["RULES", "Guard", "device_answer", "guardrails"]


@dataclass(frozen=True)
class Guard:
    """What the rules read besides the arguments.

    Attributes:
        loss: The catalog loss of one train dataset.
        model_type: The run's model type.
        shape: That dataset's DataShape (None: not known, e.g. before data is loaded).
        device: :func:`workbench.engine.models.detect_device`'s answer: ``device``, ``name``, ``fp16``, ``bf16``.
    """

    loss: C.LossSpec
    model_type: str
    shape: DataShape | None
    device: dict


Outcome = tuple[dict, list[str]]
Rule = Callable[[Guard, dict], Outcome]


def batch_sampler(g: Guard, args: dict) -> Outcome:
    """A loss that needs a batch sampler gets it; another one the user chose is kept, with a warning."""
    want, chosen = g.loss.sampler, args.get("batch_sampler")
    if not want:
        return {}, []
    if chosen is None:
        what = "uses in-batch negatives" if want == C.ND else "builds batches by label"
        return {"batch_sampler": want}, [f"{g.loss.name} {what}: batch_sampler set to '{want}'"]
    if chosen != want and not (want == C.ND and chosen == "no_duplicates_hashed"):
        return {}, [f"warning: {g.loss.name} works best with batch_sampler '{want}', you chose '{chosen}'"]
    return {}, []


def two_rows_per_class(g: Guard, args: dict) -> Outcome:
    """Batches grouped by label need at least two rows of every class."""
    rows = g.shape.min_rows_per_class if g.shape is not None else None
    if g.loss.sampler == C.GBL and rows is not None and rows < 2:
        raise WorkbenchError(
            f"{g.loss.name} needs at least 2 rows per class in '{g.shape.label}'.",
            fix="remove classes with a single row, or choose another loss.",
            where="loss",
        )
    return {}, []


def cached_loss_without_checkpointing(g: Guard, args: dict) -> Outcome:
    """A cached loss cannot be combined with activation checkpointing (``gradient_checkpointing``: its deprecated
    alias, which older configs hold)."""
    for name in ("activation_checkpointing", "gradient_checkpointing"):
        if g.loss.cached and args.get(name):
            raise WorkbenchError(
                f"{g.loss.name} (a cached loss) cannot be combined with {name}.",
                fix=f"turn {name} off — the cached loss already saves the memory — or pick the non-cached loss.",
                where=f"args.{name}",
            )
    return {}, []


def half_precision_supported(g: Guard, args: dict) -> Outcome:
    """fp16 / bf16 only where the device supports them."""
    info = g.device
    for flag in ("fp16", "bf16"):
        if args.get(flag) and not info.get(flag):
            if info["device"] == "cpu":
                also = " or a CPU with native bfloat16 (avx512_bf16 / amx_bf16)" if flag == "bf16" else ""
                raise WorkbenchError(
                    f"{flag} needs a GPU{also}, and this machine trains on a CPU without it.",
                    fix=f"turn {flag} off.",
                    where=f"args.{flag}",
                )
            raise WorkbenchError(
                f"{flag} needs a GPU that supports it, and {info.get('name', info['device'])} does not.",
                fix=f"turn {flag} off" + (" and fp16 on." if info.get("fp16") else "."),
                where=f"args.{flag}",
            )
    if info["device"] == "cpu" and args.get("bf16") and "use_cpu" not in args:
        # The trainer refuses bf16 without a GPU unless told it trains on the CPU.
        return {"use_cpu": True}, ["bf16 on the CPU: use_cpu set (the trainer's CPU autocast needs it)"]
    return {}, []


def no_pinned_memory_on_cpu(g: Guard, args: dict) -> Outcome:
    """On the CPU, pinned memory only brings a warning per run (unless the user set it)."""
    if g.device["device"] == "cpu" and "dataloader_pin_memory" not in args:
        return {"dataloader_pin_memory": False}, []
    return {}, []


def best_model_needs_evaluation(g: Guard, args: dict) -> Outcome:
    """load_best_model_at_end needs evaluation during training."""
    if args.get("load_best_model_at_end") and args.get("eval_strategy", "no") == "no":
        raise WorkbenchError(
            "load_best_model_at_end needs evaluation during training.",
            fix="set eval_strategy to 'steps' or 'epoch' and add an eval dataset, or turn it off.",
            where="args.load_best_model_at_end",
        )
    return {}, []


def best_model_saves_with_evaluation(g: Guard, args: dict) -> Outcome:
    """load_best_model_at_end saves when it evaluates: the same strategy, save_steps a multiple of eval_steps."""
    changes: dict = {}
    notes: list[str] = []
    if not args.get("load_best_model_at_end"):
        return changes, notes
    if args.get("save_strategy") != args.get("eval_strategy"):
        changes["save_strategy"] = args["eval_strategy"]
        notes.append("save_strategy set to match eval_strategy (load_best_model_at_end requires it)")
    save, every = args.get("save_steps"), args.get("eval_steps")
    if args.get("eval_strategy") == "steps" and save and every and save % every:
        changes["save_steps"] = every
        notes.append("save_steps set to eval_steps (load_best_model_at_end requires a multiple)")
    return changes, notes


def batch_within_the_data(g: Guard, args: dict) -> Outcome:
    """A batch larger than the dataset is lowered to its size."""
    rows, batch = (g.shape.n_rows if g.shape is not None else 0), args.get("per_device_train_batch_size")
    if rows and batch and batch > rows:
        return {"per_device_train_batch_size": rows}, [
            f"batch size lowered to {rows}: the dataset has only {rows} rows"
        ]
    return {}, []


def in_batch_negatives_need_a_batch(g: Guard, args: dict) -> Outcome:
    """In-batch-negative losses learn little from tiny batches (a warning)."""
    if g.loss.sampler == C.ND and args.get("per_device_train_batch_size", 8) < 4:
        return {}, ["warning: in-batch-negative losses learn little from batches smaller than 4"]
    return {}, []


def splade_wrapper(g: Guard, args: dict) -> Outcome:
    """A sparse loss that SPLADE training wraps says so."""
    if g.model_type == C.SPARSE and "splade_wrapper" in g.loss.needs:
        return {}, [f"{g.loss.name} is wrapped in SpladeLoss"]
    return {}, []


RULES: tuple[Rule, ...] = (
    batch_sampler,
    two_rows_per_class,
    cached_loss_without_checkpointing,
    half_precision_supported,
    no_pinned_memory_on_cpu,
    best_model_needs_evaluation,
    best_model_saves_with_evaluation,
    batch_within_the_data,
    in_batch_negatives_need_a_batch,  # after batch_within_the_data: it judges the lowered batch
    splade_wrapper,
)


def device_answer(device: str | dict) -> dict:
    """A device answer from a bare name: ``cuda`` / ``mps`` are then taken to support fp16 and bf16."""
    if isinstance(device, dict):
        return device
    return {"device": device, "fp16": device != "cpu", "bf16": device != "cpu"}


def guardrails(
    loss: C.LossSpec,
    args: dict,
    model_type: str,
    shape: DataShape | None = None,
    *,
    device: str | dict = "cpu",
) -> tuple[dict, list[str]]:
    """Apply the settings a loss couples to, refuse combinations that cannot work.

    Args:
        loss: The catalog loss of one train dataset.
        args: The training arguments so far (not changed: a copy is returned).
        model_type: The run's model type.
        shape: The train dataset's DataShape, when known.
        device: :func:`workbench.engine.models.detect_device`'s answer (what the hardware supports), or just the
            device name (``cuda`` / ``mps`` are then taken to support fp16 and bf16).

    Returns:
        (adjusted args, human-readable notes about what was changed).

    Raises:
        WorkbenchError: a combination that cannot train (cached loss with gradient checkpointing, fp16 on CPU,
            best-model selection without evaluation, ...).
    """
    guard = Guard(loss, model_type, shape, device_answer(device))
    args = dict(args)
    notes: list[str] = []
    for rule in RULES:
        changes, more = rule(guard, args)
        args.update(changes)
        notes.extend(more)
    return args, notes
