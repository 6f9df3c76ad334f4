"""Guardrails: one case per rule of the rule tuple (it fires, and it stays quiet), and the tuple applied in order."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from test_verdicts import shape_for
from wb_catalog import TABLE

from workbench import catalog as C
from workbench import rules as R
from workbench.errors import WorkbenchError

CPU = {"device": "cpu", "name": "CPU", "fp16": False, "bf16": False}
T4 = {"device": "cuda", "name": "Tesla T4", "fp16": True, "bf16": False}


def guard(loss: str = "CoSENTLoss", model_type: str = C.DENSE, shape=None, device=CPU) -> R.Guard:
    return R.Guard(C.get_loss(loss, model_type), model_type, shape, device)


@dataclass(frozen=True)
class Case:
    """A rule firing (it raises with ``where``, or sets ``changes`` and says ``note``) and staying quiet."""

    fires: tuple[R.Guard, dict]
    quiet: tuple[R.Guard, dict]
    changes: dict | None = None
    note: str | None = None
    where: str | None = None  # the rule refuses: the WorkbenchError's where


BEST = {"load_best_model_at_end": True, "eval_strategy": "steps", "eval_steps": 10}
SINGLE_ROW_CLASS = replace(shape_for("D1"), min_rows_per_class=1)
THREE_ROWS = replace(shape_for("D6"), n_rows=3)

CASES = {
    "batch_sampler": Case(
        (guard("MultipleNegativesRankingLoss"), {}),
        (guard("MultipleNegativesRankingLoss"), {"batch_sampler": "no_duplicates_hashed"}),
        changes={"batch_sampler": "no_duplicates"},
        note="uses in-batch negatives: batch_sampler set to",
    ),
    "two_rows_per_class": Case(
        (guard("BatchHardTripletLoss", shape=SINGLE_ROW_CLASS), {}),
        (guard("BatchHardTripletLoss", shape=shape_for("D1")), {}),
        where="loss",
    ),
    "cached_loss_without_checkpointing": Case(
        (guard("CachedMultipleNegativesRankingLoss"), {"activation_checkpointing": True}),
        (guard("MultipleNegativesRankingLoss"), {"activation_checkpointing": True}),
        where="args.activation_checkpointing",
    ),
    "half_precision_supported": Case(
        (guard(device=T4), {"bf16": True}), (guard(device=T4), {"fp16": True}), where="args.bf16"
    ),
    "no_pinned_memory_on_cpu": Case(
        (guard(), {}), (guard(), {"dataloader_pin_memory": True}), changes={"dataloader_pin_memory": False}
    ),
    "best_model_needs_evaluation": Case(
        (guard(), {"load_best_model_at_end": True, "eval_strategy": "no"}),
        (guard(), BEST),
        where="args.load_best_model_at_end",
    ),
    "best_model_saves_with_evaluation": Case(
        (guard(), {**BEST, "save_strategy": "epoch", "save_steps": 15}),
        (guard(), {**BEST, "save_strategy": "steps", "save_steps": 20}),
        changes={"save_strategy": "steps", "save_steps": 10},
        note="load_best_model_at_end requires a multiple",
    ),
    "batch_within_the_data": Case(
        (guard(shape=THREE_ROWS), {"per_device_train_batch_size": 32}),
        (guard(shape=shape_for("D6")), {"per_device_train_batch_size": 8}),
        changes={"per_device_train_batch_size": 3},
        note="batch size lowered to 3",
    ),
    "in_batch_negatives_need_a_batch": Case(
        (guard("MultipleNegativesRankingLoss"), {"per_device_train_batch_size": 2}),
        (guard("MultipleNegativesRankingLoss"), {"per_device_train_batch_size": 4}),
        changes={},
        note="learn little from batches smaller than 4",
    ),
    "splade_wrapper": Case(
        (guard("SparseMultipleNegativesRankingLoss", C.SPARSE), {}),
        (guard("MultipleNegativesRankingLoss"), {}),
        changes={},
        note="is wrapped in SpladeLoss",
    ),
}


def test_every_rule_has_a_case_and_a_name():
    names = [rule.__name__ for rule in R.RULES]
    assert len(set(names)) == len(names)
    assert set(CASES) == set(names)
    assert all(rule.__doc__ for rule in R.RULES)


@pytest.mark.parametrize("rule", R.RULES, ids=lambda rule: rule.__name__)
def test_rule_fires(rule):
    case = CASES[rule.__name__]
    g, args = case.fires
    if case.where is not None:
        with pytest.raises(WorkbenchError) as err:
            rule(g, dict(args))
        assert err.value.where == case.where
        return
    changes, notes = rule(g, dict(args))
    assert changes == case.changes
    assert any(case.note in n for n in notes) if case.note else notes == []


@pytest.mark.parametrize("rule", R.RULES, ids=lambda rule: rule.__name__)
def test_rule_stays_quiet(rule):
    g, args = CASES[rule.__name__].quiet
    assert rule(g, dict(args)) == ({}, [])


def test_rules_do_not_change_the_args_they_are_given():
    for rule in R.RULES:
        case = CASES[rule.__name__]
        for g, args in (case.fires, case.quiet):
            given = dict(args)
            try:
                rule(g, given)
            except WorkbenchError:
                pass
            assert given == args, rule.__name__


# ---- guardrails() as a whole (moved from test_verdicts.py) -----------------------------------------------


def test_guardrails_switch_on_no_duplicates_for_mnrl():
    loss = C.get_loss("MultipleNegativesRankingLoss")
    args, notes = R.guardrails(loss, {"per_device_train_batch_size": 8}, C.DENSE)
    assert args["batch_sampler"] == "no_duplicates"
    assert any("batch_sampler set to 'no_duplicates'" in n for n in notes)
    assert args["dataloader_pin_memory"] is False


def test_guardrails_group_by_label_for_batch_triplet_losses():
    for name in TABLE["D1"][3]:
        args, notes = R.guardrails(C.get_loss(name), {}, C.DENSE, shape_for("D1"))
        assert args["batch_sampler"] == "group_by_label", name
        assert any("builds batches by label" in n for n in notes)


def test_guardrails_refuse_batch_triplet_with_single_row_classes():
    shape = replace(shape_for("D1"), min_rows_per_class=1)
    with pytest.raises(WorkbenchError, match="needs at least 2 rows per class"):
        R.guardrails(C.get_loss("BatchHardTripletLoss"), {}, C.DENSE, shape)


def test_guardrails_keep_the_users_sampler_with_a_warning():
    loss = C.get_loss("MultipleNegativesRankingLoss")
    args, notes = R.guardrails(loss, {"batch_sampler": "batch_sampler"}, C.DENSE)
    assert args["batch_sampler"] == "batch_sampler"
    assert any(n.startswith("warning:") and "'no_duplicates'" in n for n in notes)
    args, notes = R.guardrails(loss, {"batch_sampler": "no_duplicates_hashed"}, C.DENSE)
    assert args["batch_sampler"] == "no_duplicates_hashed" and not any("warning" in n for n in notes)


def test_guardrails_leave_the_sampler_alone_for_losses_without_one():
    args, notes = R.guardrails(C.get_loss("CoSENTLoss"), {}, C.DENSE)
    assert "batch_sampler" not in args and not notes


@pytest.mark.parametrize(
    "name,model_type",
    [
        ("CachedMultipleNegativesRankingLoss", C.DENSE),
        ("CachedGISTEmbedLoss", C.DENSE),
        ("CachedMultipleNegativesRankingLoss", C.CROSS),
    ],
)
@pytest.mark.parametrize(
    "arg", ["activation_checkpointing", "gradient_checkpointing"]
)  # the second: its old alias
def test_guardrails_refuse_cached_loss_with_checkpointing(name: str, model_type: str, arg: str):
    with pytest.raises(WorkbenchError) as info:
        R.guardrails(C.get_loss(name, model_type), {arg: True}, model_type)
    assert info.value.where == f"args.{arg}"
    R.guardrails(C.get_loss(name, model_type), {arg: False}, model_type)
    R.guardrails(C.get_loss("MultipleNegativesRankingLoss"), {arg: True}, C.DENSE)


@pytest.mark.parametrize("flag", ["fp16", "bf16"])
def test_guardrails_refuse_half_precision_on_cpu(flag: str):
    loss = C.get_loss("CoSENTLoss")
    with pytest.raises(WorkbenchError) as info:
        R.guardrails(loss, {flag: True}, C.DENSE, device="cpu")
    assert info.value.where == f"args.{flag}"
    args, _ = R.guardrails(loss, {flag: True}, C.DENSE, device="cuda")
    assert args[flag] is True and "dataloader_pin_memory" not in args


def test_guardrails_best_model_needs_evaluation():
    loss = C.get_loss("CoSENTLoss")
    with pytest.raises(WorkbenchError) as info:
        R.guardrails(loss, {"load_best_model_at_end": True}, C.DENSE)
    assert info.value.where == "args.load_best_model_at_end"
    args, notes = R.guardrails(
        loss,
        {
            "load_best_model_at_end": True,
            "eval_strategy": "steps",
            "eval_steps": 10,
            "save_strategy": "epoch",
            "save_steps": 15,
        },
        C.DENSE,
    )
    assert args["save_strategy"] == "steps" and args["save_steps"] == 10
    assert len(notes) == 2


def test_guardrails_lower_a_batch_larger_than_the_data():
    loss = C.get_loss("MultipleNegativesRankingLoss")
    small = replace(shape_for("D6"), n_rows=3)
    args, notes = R.guardrails(loss, {"per_device_train_batch_size": 32}, C.DENSE, small)
    assert args["per_device_train_batch_size"] == 3
    assert any("batch size lowered to 3" in n for n in notes)
    assert any("learn little from batches smaller than 4" in n for n in notes)
    args, _ = R.guardrails(loss, {"per_device_train_batch_size": 8}, C.DENSE, shape_for("D6"))
    assert args["per_device_train_batch_size"] == 8


def test_guardrails_do_not_mutate_the_callers_args():
    given = {"per_device_train_batch_size": 32}
    R.guardrails(
        C.get_loss("MultipleNegativesRankingLoss"), given, C.DENSE, replace(shape_for("D6"), n_rows=3)
    )
    assert given == {"per_device_train_batch_size": 32}
