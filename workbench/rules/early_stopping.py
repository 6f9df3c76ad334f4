"""Early stopping: on by default when something is measured during training, with a patience that follows the
run's length; the training arguments it needs (load_best_model_at_end, metric_for_best_model, saving on the
evaluation steps) and the note that says what was decided. Pure functions; the callback is the engine's."""

from __future__ import annotations

from ..errors import WorkbenchError
from .estimate import n_evaluations
from .guardrails import best_model_saves_with_evaluation

OFF_FIX = 'set "early_stopping": false to train to the end'


def auto_patience(evaluations: int) -> int:
    """Evaluations without improvement before a run stops: about a quarter of the run's evaluations, at least 2
    (one noisy evaluation never stops a run) and at most 10."""
    return max(2, min(10, round(evaluations / 4)))


def best_metric(during: list[tuple[str, str, bool]], loss_sets: list[str]) -> tuple[str, bool]:
    """The metric early stopping watches when the config names none: the first evaluator that runs during
    training (its primary metric), else the eval loss.

    Args:
        during: (evaluator name, primary metric, higher is better) of the evaluators that run during training.
        loss_sets: The eval datasets the loss is computed on.

    Returns:
        (the trainer's metric key, greater is better).
    """
    if during:
        name, primary, higher = during[0]
        return f"eval_{name}_{primary}", higher
    return ("eval_loss" if len(loss_sets) == 1 else f"eval_{loss_sets[0]}_loss"), False


def early_stopping_args(
    setting, args: dict, *, steps: int, metric: tuple[str, bool] | None, given: dict | None = None
) -> tuple[dict, dict | None, list[str]]:
    """Decide early stopping for a run and the training arguments it needs.

    Args:
        setting: The config's ``early_stopping``: None (automatic: on when something is evaluated during
            training), False (off), True (on) or ``{"patience": N, "threshold": X}`` (on, checked by `spec`).
        args: The settled training arguments (not changed: a copy is returned).
        steps: The optimizer steps the run will make.
        metric: :func:`best_metric`'s answer (None: nothing is measured during training).
        given: The arguments the config sets itself: ``save_strategy: "no"`` or ``load_best_model_at_end: false``
            there keep the run from saving on the evaluation steps (it then ends with its last model, not its
            best); otherwise the best checkpoint is kept, and the latest: ``save_total_limit`` 1 (the default
            without early stopping) becomes 2, as with 1 the trainer deletes a Stop's checkpoint when the run ends.

    Returns:
        (the arguments, ``{"patience", "threshold", "metric", "evaluations", "auto_patience"}`` or None when off,
        notes).

    Raises:
        WorkbenchError: early stopping asked for where nothing is evaluated during training.
    """
    evaluating = args.get("eval_strategy", "no") not in ("no", None) and metric is not None
    if setting is False:
        return args, None, ["early stopping: off (early_stopping is false): the run trains to the end"]
    if not evaluating:
        if setting is None:
            return args, None, []
        raise WorkbenchError(
            "early stopping needs something measured during training.",
            fix="add an eval dataset with an evaluator (or one the loss can score), or set early_stopping to "
            "false.",
            where="early_stopping",
        )
    asked = setting if isinstance(setting, dict) else {}
    evaluations = n_evaluations(steps, args)
    patience = int(asked.get("patience") or auto_patience(evaluations))
    threshold = float(asked.get("threshold") or 0.0)
    args = dict(args)
    key, higher = metric
    if not args.get("metric_for_best_model"):
        args["metric_for_best_model"] = key
        args.setdefault("greater_is_better", higher)
    given = given or {}
    no_saves = given.get("save_strategy") == "no" or given.get("load_best_model_at_end") is False
    notes: list[str] = []
    if no_saves:
        args["load_best_model_at_end"] = False
        why = (
            "save_strategy is 'no'"
            if given.get("save_strategy") == "no"
            else "load_best_model_at_end is false"
        )
        kept = (
            f"the run ends with its last model, not its best ({why} in your config: no checkpoints to keep)"
        )
    else:
        args.setdefault("load_best_model_at_end", True)
        if args.get("eval_strategy") == "steps" and args.get("eval_steps") and "save_steps" not in given:
            # Every evaluation may be the best: save at each one, or the best is lost between two saves.
            args["save_steps"] = args["eval_steps"]
        changes, notes = best_model_saves_with_evaluation(None, args)
        args.update(changes)
        kept = "it saves at every evaluation and keeps the best checkpoint"
        if args.get("save_total_limit") == 1:
            # The trainer deletes every checkpoint but the best when a run with save_total_limit 1 ends, a Stop's
            # own included: Resume then went back to the best evaluation, and the steps since were lost.
            if "save_total_limit" in given:
                notes.append(
                    "warning: with save_total_limit 1 the trainer keeps only the best checkpoint when the run ends: "
                    "Resume after a Stop starts again from the best evaluation, not where it stopped; set "
                    "save_total_limit to 2 to resume where it stopped"
                )
            else:
                args["save_total_limit"] = 2
                kept += " and the latest (save_total_limit 2, so that a stopped run resumes where it stopped)"
    watched = args["metric_for_best_model"]
    why = "your config" if "patience" in asked else f"about a quarter of the run's ~{evaluations} evaluations"
    notes.insert(
        0,
        f"early stopping: on — the run stops after {patience} evaluations in a row without a better {watched} "
        f"(patience from {why}); {kept}; {OFF_FIX}",
    )
    if evaluations <= patience:
        notes.append(
            f"warning: early stopping cannot stop this run: it evaluates only ~{evaluations} times (patience "
            f"{patience}); evaluate more often (eval_steps) or lower the patience"
        )
    plan = {
        "patience": patience,
        "threshold": threshold,
        "metric": watched,
        "evaluations": evaluations,
        "auto_patience": "patience" not in asked,
    }
    return args, plan, notes
