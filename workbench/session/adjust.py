"""What the run will change of the training settings a person chose, said before Start.

The guardrails (`workbench.rules.guardrails`) adjust settings that cannot work with the data, the loss or the
device: a batch larger than the train set is lowered to its size, a save interval is aligned with the evaluation
interval. The run notes each change in its log, but a person who typed the value is still looking at the form;
:func:`adjustments` runs the same rules on the session's current state, so the Training settings tab can say
which of *their* values will change (and the rules' warnings) as they type, instead of the value being replaced
without a word.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .. import rules
from ..errors import WorkbenchError
from ..rules.guardrails import RULES, Guard, device_answer
from .datasets import held_out_rows

if TYPE_CHECKING:
    from .state import Session


def adjustments(session: Session, device: dict | None) -> list[str]:
    """The guardrails' notes that change a setting the person set, and their warnings, for the current state.

    Args:
        session: The page's Session (its train datasets, losses, model type and ``args``).
        device: The device answer the form shows (None: taken to be the CPU).

    Returns:
        The notes in the rules' order, without repeats; empty while a train set or its loss is not known yet, and
        when a rule refuses the combination (Start says that, naming the field).
    """
    chosen = dict(session.args)
    if not chosen:
        return []
    args = rules.merge_args(session.run_defaults(device), chosen)
    notes: list[str] = []
    try:
        for entry in session.entries("train"):
            loss, shape = session.resolved_loss(entry.name), session.shape(entry.key)
            if loss is None or shape is None:
                return []
            held = held_out_rows(session.datasets, entry.name, shape.n_rows)
            guard = Guard(
                loss,
                session.model_type,
                replace(shape, n_rows=shape.n_rows - held),
                device_answer(device or "cpu"),
            )
            for rule in RULES:
                changes, more = rule(guard, args)
                mine = any(name in chosen and chosen[name] != value for name, value in changes.items())
                notes.extend(n for n in more if (mine or n.startswith("warning:")) and n not in notes)
                args.update(changes)
    except WorkbenchError:
        return []
    return notes
