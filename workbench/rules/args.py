"""The workbench's recommended training arguments, automatic mixed precision, and the checks on the settled
arguments that need the run's evaluators: pure functions of the loss, the data size, the device and the plan."""

from __future__ import annotations

from .. import catalog as C
from ..errors import WorkbenchError

# Why each default of recommended_args / auto_precision is what it is (the exported script's comments).
DEFAULT_REASONS = {
    "num_train_epochs": "one pass: measured to help without overfitting",
    "learning_rate": "measured per model type (bench/README.md): 5e-5 dense, 2e-5 the others",
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
    "bf16": "mixed precision: the device this was planned on has bf16 (set False for fp32, or on a machine without it)",
    "fp16": "mixed precision: the GPU this was planned on has no bf16 (set False to run on a CPU)",
}


# The dense default (the library's own): see recommended_args and bench/README.md "Defaults".
DENSE_LEARNING_RATE = 5e-5


def recommended_args(
    loss: C.LossSpec, n_rows: int, model_type: str, *, has_eval: bool = False, device: dict | None = None
) -> dict:
    """The workbench's defaults for omitted training arguments (what a newcomer gets by pressing Start).

    Measured with the packaged model (bench/README.md): 1 epoch, batch 16 and 10 % warm-up give a clear win for
    pair-score losses; in-batch-negative losses want larger batches (more negatives). Dense models train at 5e-5
    (the library's own default): STSb reaches 0.85 after 108 steps instead of 360 at 2e-5, and SNLI, SciFact,
    Quora end at least as good; sparse, cross-encoder and multi-vector models keep 2e-5 (measured there).

    Args:
        device: :func:`workbench.engine.models.detect_device`'s answer; on a CUDA GPU or a CPU with native bf16 the
            defaults add mixed precision (see :func:`auto_precision`). None: no precision choice (fp32).
    """
    batch = 32 if loss.sampler == C.ND else 16
    batch = max(2, min(batch, n_rows)) if n_rows else batch
    steps_per_epoch = max(1, -(-n_rows // batch)) if n_rows else 100
    args: dict = {
        "num_train_epochs": 1,
        "learning_rate": DENSE_LEARNING_RATE if model_type == C.DENSE else 2e-5,
        "per_device_train_batch_size": batch,
        "per_device_eval_batch_size": 64,
        "warmup_steps": 0.1,
        "logging_steps": max(1, min(50, steps_per_epoch // 20)),
        "report_to": "none",
        "save_strategy": "steps",
        "save_steps": max(10, steps_per_epoch // 2),
        "save_total_limit": 1,
    }
    if has_eval:
        args["eval_strategy"] = "steps"
        args["eval_steps"] = max(5, steps_per_epoch // 5)
    args.update(auto_precision(device))
    return args


def run_defaults(
    train_sets: list[tuple[C.LossSpec, int]], model_type: str, *, has_eval: bool, device: dict | None = None
) -> dict:
    """The defaults a run's omitted arguments take: :func:`recommended_args` for the loss of its biggest train
    set, over the rows of all of them (the plan settles the run with it; the app shows it as placeholders).

    Args:
        train_sets: (loss, number of rows) per train dataset, in order (the first of equally big ones wins).
    """
    loss = max(train_sets, key=lambda pair: pair[1])[0]
    total = sum(rows for _, rows in train_sets)
    return recommended_args(loss, total, model_type, has_eval=has_eval, device=device)


# CPU instruction sets that run bfloat16 matrix products natively (/proc/cpuinfo flags), fastest first.
CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")
# Measured on this project's 2-core Zen 4 machine (bench/README.md): the plain trainer, bf16=True vs fp32.
CPU_BF16_GAIN = "~1.6–3.3× faster, same loss"


def cpu_bf16_flag(flags) -> str | None:
    """The instruction set that makes bf16 training fast on this CPU (None: none of them).

    Args:
        flags: The CPU's flags, e.g. the ``flags`` line of /proc/cpuinfo (a string or an iterable of names).
    """
    have = set(flags.split()) if isinstance(flags, str) else set(flags or ())
    return next((flag for flag in CPU_BF16_FLAGS if flag in have), None)


def auto_precision(device: dict | None) -> dict:
    """The mixed precision the workbench picks for a device: bf16 where the device has it, else fp16 on CUDA.

    bf16 keeps fp32's exponent range (no loss scaling, no overflow in similarity logits); fp16 is the fallback on
    GPUs without bf16 (the trainer adds a gradient scaler). On a CPU with native bf16 (avx512_bf16 / AMX:
    ``device["bf16"]``) the trainer's CPU autocast trains in bf16 (measured 1.6–3.3× the samples/s of fp32, same
    STSb quality within the paired-bootstrap interval: bench/README.md); other CPUs and Apple GPUs (MPS) keep fp32,
    where mixed precision is unsupported or slower. A config that sets fp16 or bf16 itself wins (the caller drops
    these defaults then).
    """
    if not device:
        return {}
    if device.get("device") == "cpu":
        return {"bf16": True} if device.get("bf16") else {}
    if device.get("device") != "cuda":
        return {}
    return {"bf16": True} if device.get("bf16") else {"fp16": True}


def precision_reason(device: dict | None) -> str:
    """Why the workbench trains in the precision it picked for a device, in one line ("bf16: on — ...")."""
    chosen = auto_precision(device)
    if not device:
        return "fp32: no device detected yet"
    name = device.get("name", device.get("device", "?"))
    if device.get("device") == "cpu":
        if chosen:
            flag = device.get("cpu_flag") or "bf16 instructions"
            return f"bf16: on — this CPU supports bfloat16 ({flag}); {CPU_BF16_GAIN}"
        return "bf16: off — this CPU has no native bfloat16 (avx512_bf16 / amx_bf16): fp32"
    if not chosen:
        return f"fp32 — {name} gains nothing from the trainer's mixed precision"
    flag = next(iter(chosen))
    return f"{flag}: on — {name} supports it (faster and lighter than fp32)"


def merge_args(recommended: dict, chosen: dict) -> dict:
    """The user's arguments over the workbench's defaults; a user's precision choice replaces the automatic one."""
    if "fp16" in chosen or "bf16" in chosen:
        recommended = {k: v for k, v in recommended.items() if k not in ("fp16", "bf16")}
    return {**recommended, **chosen}


def precision_notes(recommended: dict, args: dict, chosen: dict, device: dict) -> list[str]:
    """Say so when the run trains in the mixed precision the workbench picked (not one the config chose)."""
    where = "this CPU" if device.get("device") == "cpu" else device.get("name", device["device"])
    why = (
        f" ({device['cpu_flag']}; {CPU_BF16_GAIN})"
        if device.get("cpu_flag")
        else " (faster and lighter than fp32)"
    )
    return [
        f"{flag} mixed precision: {where} supports it{why}; set {flag} to false in the training arguments to "
        f"train in fp32"
        for flag in ("bf16", "fp16")
        if recommended.get(flag) and args.get(flag) and flag not in chosen
    ]


def check_evaluation(args: dict, has_eval: bool) -> dict:
    """Evaluation during training needs something to evaluate; without it, ``eval_strategy`` is ``"no"``.

    Args:
        args: The training arguments (not changed: a copy is returned).
        has_eval: Something is measured during training (an evaluator on an eval set, or the loss on one).

    Raises:
        WorkbenchError: an ``eval_strategy`` other than ``"no"`` with nothing to evaluate.
    """
    if has_eval:
        return args
    if args.get("eval_strategy", "no") not in ("no", None):
        raise WorkbenchError(
            f"eval_strategy '{args['eval_strategy']}' needs something to evaluate during training.",
            fix="add an eval dataset with an evaluator, or set eval_strategy to 'no'.",
            where="args.eval_strategy",
        )
    return {**args, "eval_strategy": "no"}


def check_best_metric(metric: str | None, during: dict[str, str], loss_sets: list[str]) -> None:
    """metric_for_best_model must name something the run measures during training (else a KeyError at the end).

    Args:
        metric: The configured metric_for_best_model (None: nothing to check).
        during: The evaluators that run during training: their name (the metric-key prefix) -> primary metric.
        loss_sets: The eval datasets the loss is computed on (``eval_loss``, or ``eval_NAME_loss`` for several).

    Raises:
        WorkbenchError: the metric is not measured during training (the fix names those that are).
    """
    if not metric:
        return
    key = metric if metric.startswith("eval_") else f"eval_{metric}"
    losses = ["eval_loss"] if len(loss_sets) == 1 else [f"eval_{n}_loss" for n in loss_sets]
    if key in losses or any(key.startswith(f"eval_{name}_") for name in during):
        return
    known = [f"eval_{name}_{primary}" for name, primary in during.items()] + losses
    raise WorkbenchError(
        f"metric_for_best_model '{metric}' is not measured during training.",
        fix=("use " + ", ".join(known) if known else "add an eval dataset with an evaluator first") + ".",
        where="args.metric_for_best_model",
    )


# Eval rows the loss is computed on when an evaluator measures the same set during training.
EVAL_LOSS_ROWS = 256


def eval_loss_rows(rows: int, measured: bool, name: str, cap: int = EVAL_LOSS_ROWS) -> tuple[int | None, str]:
    """How many rows of an eval set the training loss is computed on during training, and the note saying so.

    The trainer's eval loss is a second pass over the eval set, apart from the evaluators' own: measured on
    STSb test (1,379 pairs, packaged MiniLM, 2 CPU cores), it took 10 s of each 17 s evaluation. When an evaluator
    measures the set anyway (the run's primary figure), the loss needs only a curve: it is computed on a fixed
    sample of ``cap`` rows (the same rows at every evaluation, and in the exported script).

    Returns:
        ``(None, "")`` for every row (nothing else measures the set, or it is small), else ``(cap, note)``.
    """
    if not measured or rows <= cap:
        return None, ""
    return cap, (
        f"eval loss on '{name}': computed on a fixed sample of {cap} of its {rows:,} rows (the evaluators use "
        f"every row; the loss is a second pass over the set, ~60 % of each evaluation's time)"
    )
