"""What a train set's loss choice becomes on its mapped data: the loss ``auto`` picks (with the fix it applies),
a guessed label dropped for a loss that takes none, or a refusal that names the losses that fit."""

from __future__ import annotations

from dataclasses import replace

from .. import catalog as C
from ..data import DataShape
from ..errors import WorkbenchError
from ..spec import LossChoice
from .losses import Verdict, recommend_with_fix, verdict, verdicts, without_guessed_label


def resolve_choice(
    choice: LossChoice, shape: DataShape, name: str, model_type: str, label_guessed: bool
) -> tuple[C.LossSpec, DataShape, bool, list[str]]:
    """The loss for one train dataset, its shape once the loss's fix is applied, and what was decided.

    Args:
        choice: The dataset's loss choice (``auto`` or a loss name).
        shape: The mapped data.
        name: The train dataset's name (for the notes and errors).
        model_type: The run's model type.
        label_guessed: The label was guessed from the data (a loss that takes no label then trains without it).

    Returns:
        (loss, shape, label_dropped, notes): ``auto``'s rescale fix is applied to the shape; ``label_dropped``
        says the guessed label is not used.

    Raises:
        WorkbenchError: no loss fits (``auto``), or the named loss does not fit and no fix is applied here.
    """
    if choice.name == "auto":
        found = recommend_with_fix(shape, model_type)
        if found is None:
            raise WorkbenchError(
                f"no {model_type} loss fits train dataset '{name}' as mapped "
                f"(inputs {', '.join(shape.inputs) or 'none'}; label {shape.label or 'none'}).",
                fix="set 'columns' and 'label' for the dataset, or name a loss to see what it needs.",
                where=f"datasets.train.{name}",
            )
        loss, fix = found
        notes = [f"loss 'auto' for '{name}': {loss.name}"]
        if fix is not None:
            notes.append(f"'{name}': {fix.text}")
            return loss, replace(shape, label_range=fix.label_range), False, notes
        return loss, shape, False, notes
    loss = C.get_loss(choice.name, model_type)
    judged = verdict(loss, shape)
    if judged.compatible:
        return loss, shape, False, []
    if without_guessed_label(judged, shape, label_guessed) is not None:
        note = f"'{name}': the guessed label '{shape.label}' is not used ({loss.name} takes no label)"
        return loss, replace(shape, label=None, label_role=None), True, [note]
    raise refusal(loss, judged, f"train/{name}", shape, model_type)


def refusal(
    loss: C.LossSpec, judged: Verdict, where: str, shape: DataShape, model_type: str
) -> WorkbenchError:
    """The error for a loss that does not fit: its reason, its fixes, and the losses that do fit."""
    fixes = [f.text for f in judged.fixes]
    fitting = [v.name for v in verdicts(shape, model_type) if v.compatible]
    fix = "; or ".join(fixes) if fixes else ""
    if fitting:
        fix = (fix + "; or " if fix else "") + f"choose a loss that fits: {', '.join(fitting[:6])}"
    return WorkbenchError(
        f"{loss.name} does not fit train dataset '{where}': {judged.reason}.",
        fix=(fix or "change the column mapping (columns / label) or the loss") + ".",
        where="loss",
    )
