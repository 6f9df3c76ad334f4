"""What a run sets on its model and trainer beyond the loss and the arguments: a cross-encoder's prediction
activation, the prompts the model is saved with, and early stopping.

:func:`settle_setup` is a build step (`workbench.engine.plan.STEPS`): it decides all three before any model is
loaded and says so in the plan's notes. :func:`configure_model` puts the decisions on the built model (so the
baseline, the training's evaluations, ``final/`` and its ``config_sentence_transformers.json`` agree) and
:func:`early_stopping_callbacks` gives the trainer its callback. The exported script writes the same
(`workbench.export.setup`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import catalog as C
from .. import rules

if TYPE_CHECKING:
    from .plan import Plan


@dataclass
class Setup:
    """The plan's decisions on the model and trainer (see the module docstring).

    Attributes:
        activation: A cross-encoder's prediction activation (``Identity`` / ``Sigmoid``); None for other models.
        activation_why: Why that activation.
        prompts: The prompts the trained model is saved with (prompt name -> text); empty: none.
        default_prompt_name: The saved default prompt (one prompt for every text), or None.
        early_stopping: ``{"patience", "threshold", "metric", "evaluations", "auto_patience"}``, or None (off).
    """

    activation: str | None = None
    activation_why: str = ""
    prompts: dict[str, str] = field(default_factory=dict)
    default_prompt_name: str | None = None
    early_stopping: dict | None = None


def train_columns(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Each train dataset's input columns as the trainer sees them (the prepared columns but the label)."""
    return {dp.name: tuple(c for c in dp.prep.columns if c != "label") for dp in plan.of_split("train")}


def _prompts(plan: Plan) -> None:
    prompts = plan.args.get("prompts")
    columns = train_columns(plan)
    per_set = rules.check_prompts(prompts, columns, plan.model_type)
    if not per_set:
        plan.args.pop("prompts", None)
        return
    single = prompts if isinstance(prompts, str) else None
    setup = plan.setup
    setup.prompts, setup.default_prompt_name, notes = rules.model_prompts(per_set, columns, single)
    plan.notes.extend(notes)
    _prompt_evaluators(plan)
    if len(columns) == 1 and single is None:
        # One train set reaches the trainer as a plain Dataset, whose collator would read a per-dataset
        # mapping's keys as column names (no prompt at all): it gets the set's own prompts by column.
        plan.args["prompts"] = next(iter(per_set.values()))


def _prompt_evaluators(plan: Plan) -> None:
    """Rebuild the evaluators with the prompts, so that a prompted model is measured as it trains (a default
    prompt, saved for one prompt for every text, already reaches every encode)."""
    from .evaluators import build_evaluator, prompt_plan

    if plan.setup.default_prompt_name:
        return
    saved = plan.setup.prompts
    for ev in plan.evaluators:
        split, _, name = (ev.choice.dataset or "").partition("/")
        dataset = plan.dataset(split, name).dataset if name else None
        note = rules.evaluator_prompts_note(ev.name, *prompt_plan(ev.spec, dataset, saved))
        if note:  # only an evaluator the prompts change is built again
            ev.instance = build_evaluator(
                ev.choice, ev.spec, dataset, ev.name, plan.model_type, prompts=saved
            )
            plan.notes.append(note)


def _steps(plan: Plan) -> int:
    batch = int(plan.args.get("per_device_train_batch_size") or 8)
    per_epoch = sum(max(1, math.ceil(ds.num_rows / batch)) for ds in plan.train.values())
    return rules.total_steps(per_epoch, plan.args)


def _early_stopping(plan: Plan) -> None:
    during = [
        (ev.name, ev.spec.primary, ev.spec.higher_is_better) for ev in plan.evaluators if ev.split == "eval"
    ]
    scored = list(plan.eval_loss_rows)
    metric = rules.best_metric(during, scored) if during or scored else None
    plan.args, plan.setup.early_stopping, notes = rules.early_stopping_args(
        plan.spec.early_stopping, plan.args, steps=_steps(plan), metric=metric, given=plan.spec.args
    )
    plan.notes.extend(notes)


def settle_setup(plan: Plan) -> None:
    """Build step: the cross-encoder's activation, the prompts to save, early stopping (after the arguments)."""
    if plan.model_type == C.CROSS:
        losses = [
            (name, spec, dict(plan.loss_choices[name].params)) for name, spec in plan.loss_specs.items()
        ]
        act, why = rules.model_activation(losses, plan.spec.model.activation_fn)
        plan.setup.activation, plan.setup.activation_why = act, why
        plan.notes.append(rules.activation_note(act, why))
    _prompts(plan)
    _early_stopping(plan)


def configure_model(plan: Plan, model) -> list[str]:
    """Put the plan's activation and prompts on the built model (saved with it in final/), and start an
    inference-free query side at the training documents' IDF (`engine.router.start_query_weights`). Returns the
    notes to show for the run."""
    from .router import start_query_weights

    setup = plan.setup
    if setup.activation:
        import torch

        model.activation_fn = getattr(torch.nn, setup.activation)()
    if setup.prompts:
        model.prompts = {**(getattr(model, "prompts", None) or {}), **setup.prompts}
        model.default_prompt_name = setup.default_prompt_name
    note = start_query_weights(plan, model)
    return [note] if note else []


def early_stopping_callbacks(plan: Plan, on_note: Callable[[str], None]) -> list:
    """The trainer's early-stopping callback (none when it is off); what it has to say (the watched metric is at
    its best already; it stopped the run) goes to the plan's notes and to ``on_note(note)``."""
    es = plan.setup.early_stopping
    if not es:
        return []
    from transformers import EarlyStoppingCallback

    class _Stopper(EarlyStoppingCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            # Without load_best_model_at_end (the config keeps no checkpoints) the library warns once per run;
            # the plan's note already says the run ends with its last model.
            if args.load_best_model_at_end:
                super().on_train_begin(args, state, control, **kwargs)

        def on_evaluate(self, args, state, control, metrics, **kwargs):
            super().on_evaluate(args, state, control, metrics, **kwargs)
            value = (metrics or {}).get(es["metric"])
            if not getattr(self, "told", False) and rules.at_ceiling(
                es["metric"].removeprefix("eval_"), value
            ):
                self.told = True  # the run will end at its patience, and the person should know why now
                note = (
                    f"early stopping watches {es['metric']}, already {value:.4f} (its best): it cannot get better, "
                    f"so the run ends after {es['patience']} more evaluations; measure on a harder eval set, or "
                    "turn early stopping off to train to the end"
                )
                plan.notes.append(note)
                on_note(note)
            # should_training_stop alone is no proof: the trainer sets it at the last step too, before the run's
            # final evaluation. The run stopped early only when the patience ran out before the last step.
            ours = self.early_stopping_patience_counter >= self.early_stopping_patience
            if ours and state.global_step < state.max_steps and not getattr(self, "said", False):
                self.said = True
                best = f" (best {state.best_metric:.4f})" if state.best_metric is not None else ""
                note = (
                    f"early stopping: stopped at step {state.global_step} of {state.max_steps}: "
                    f"{es['metric']} did not improve for {self.early_stopping_patience} evaluations{best}"
                )
                plan.notes.append(note)  # the summary's notes
                on_note(note)

    return [_Stopper(early_stopping_patience=es["patience"], early_stopping_threshold=es["threshold"])]


def sample_eval_loss(plan) -> None:
    """Build step: an eval set that an evaluator measures during training gets the loss on a fixed sample of
    its rows (``rules.eval_loss_rows``: the loss is only its curve there, and a second pass over the set)."""
    if "loss" in str(plan.spec.args.get("metric_for_best_model") or ""):
        return  # the config watches an eval loss (best model, early stopping): it is measured on every row
    measured = {ev.choice.dataset for ev in plan.evaluators if ev.split == "eval"}
    for dp in plan.of_split("eval"):
        if dp.loss_scored:
            dp.loss_rows, note = rules.eval_loss_rows(dp.dataset.num_rows, dp.key in measured, dp.key)
            plan.notes.extend(filter(None, [note]))


def sampled_eval_sets(plan) -> dict:
    """The eval sets the loss scores, each cut to its fixed sample (``Plan.eval_loss_rows``): ``eval_dataset``."""
    seed = int((plan.args or {}).get("seed", plan.spec.seed))
    return {
        name: plan.eval[name].shuffle(seed=seed).select(range(rows)) if rows else plan.eval[name]
        for name, rows in plan.eval_loss_rows.items()
    }
