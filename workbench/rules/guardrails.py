"""Guardrails: the settings a loss couples to, applied; combinations that cannot train, refused."""

from __future__ import annotations

from .. import catalog as C
from ..data import shapes as S
from ..errors import WorkbenchError


def guardrails(
    loss: C.LossSpec,
    args: dict,
    model_type: str,
    shape: S.DataShape | None = None,
    *,
    device: str | dict = "cpu",
) -> tuple[dict, list[str]]:
    """Apply the settings a loss couples to, refuse combinations that cannot work.

    Args:
        device: :func:`workbench.engine.models.detect_device`'s answer (what the hardware supports), or just the device
            name (``cuda`` / ``mps`` are then taken to support fp16 and bf16).

    Returns:
        (adjusted args, human-readable notes about what was changed).

    Raises:
        WorkbenchError: a combination that cannot train (cached loss with gradient checkpointing, fp16 on CPU,
            best-model selection without evaluation, ...).
    """
    args = dict(args)
    notes: list[str] = []
    sampler = args.get("batch_sampler")
    if loss.sampler and sampler is None:
        args["batch_sampler"] = loss.sampler
        notes.append(
            f"{loss.name} {'uses in-batch negatives' if loss.sampler == C.ND else 'builds batches by label'}"
            f": batch_sampler set to '{loss.sampler}'"
        )
    elif (
        loss.sampler
        and sampler != loss.sampler
        and not (loss.sampler == C.ND and sampler == "no_duplicates_hashed")
    ):
        notes.append(
            f"warning: {loss.name} works best with batch_sampler '{loss.sampler}', you chose '{sampler}'"
        )
    if (
        loss.sampler == C.GBL
        and shape is not None
        and shape.min_rows_per_class is not None
        and shape.min_rows_per_class < 2
    ):
        raise WorkbenchError(
            f"{loss.name} needs at least 2 rows per class in '{shape.label}'.",
            fix="remove classes with a single row, or choose another loss.",
            where="loss",
        )
    if loss.cached and args.get("gradient_checkpointing"):
        raise WorkbenchError(
            f"{loss.name} (a cached loss) cannot be combined with gradient_checkpointing.",
            fix="turn gradient_checkpointing off — the cached loss already saves the memory — or pick the "
            "non-cached loss.",
            where="args.gradient_checkpointing",
        )
    info = (
        device
        if isinstance(device, dict)
        else {"device": device, "fp16": device != "cpu", "bf16": device != "cpu"}
    )
    for flag in ("fp16", "bf16"):
        if args.get(flag) and not info.get(flag):
            if info["device"] == "cpu":
                raise WorkbenchError(
                    f"{flag} needs a GPU, and this machine trains on the CPU.",
                    fix=f"turn {flag} off.",
                    where=f"args.{flag}",
                )
            raise WorkbenchError(
                f"{flag} needs a GPU that supports it, and {info.get('name', info['device'])} does not.",
                fix=f"turn {flag} off" + (" and fp16 on." if info.get("fp16") else "."),
                where=f"args.{flag}",
            )
    if info["device"] == "cpu":
        args.setdefault("dataloader_pin_memory", False)
    if args.get("load_best_model_at_end"):
        if args.get("eval_strategy", "no") == "no":
            raise WorkbenchError(
                "load_best_model_at_end needs evaluation during training.",
                fix="set eval_strategy to 'steps' or 'epoch' and add an eval dataset, or turn it off.",
                where="args.load_best_model_at_end",
            )
        if args.get("save_strategy") != args.get("eval_strategy"):
            args["save_strategy"] = args["eval_strategy"]
            notes.append("save_strategy set to match eval_strategy (load_best_model_at_end requires it)")
        if (
            args.get("eval_strategy") == "steps"
            and args.get("save_steps")
            and args.get("eval_steps")
            and args["save_steps"] % args["eval_steps"]
        ):
            args["save_steps"] = args["eval_steps"]
            notes.append("save_steps set to eval_steps (load_best_model_at_end requires a multiple)")
    bs = args.get("per_device_train_batch_size")
    if shape is not None and shape.n_rows and bs and bs > shape.n_rows:
        args["per_device_train_batch_size"] = shape.n_rows
        notes.append(f"batch size lowered to {shape.n_rows}: the dataset has only {shape.n_rows} rows")
    if loss.sampler == C.ND and args.get("per_device_train_batch_size", 8) < 4:
        notes.append("warning: in-batch-negative losses learn little from batches smaller than 4")
    if model_type == C.SPARSE and "splade_wrapper" in loss.needs:
        notes.append(f"{loss.name} is wrapped in SpladeLoss")
    return args, notes
