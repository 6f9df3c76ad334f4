"""What a train set's loss choice becomes on its mapped data: the loss ``auto`` picks (with the fix it applies),
or a refusal that names the losses that fit. A guessed label binds like a chosen one: a loss that takes no label
is refused on labelled data until the mapping says "no label"."""

from __future__ import annotations

from dataclasses import replace

from .. import catalog as C
from ..data import DataShape
from ..errors import WorkbenchError
from ..spec import LossChoice
from .losses import Verdict, verdicts
from .recommend import mapped_verdicts, recommend_with_fix


def resolve_choice(
    choice: LossChoice, shape: DataShape, name: str, model_type: str, label_guessed: bool
) -> tuple[C.LossSpec, DataShape, list[str]]:
    """The loss for one train dataset, its shape once the loss's fix is applied, and what was decided.

    Args:
        choice: The dataset's loss choice (``auto`` or a loss name).
        shape: The mapped data.
        name: The train dataset's name (for the notes and errors).
        model_type: The run's model type.
        label_guessed: The label was guessed from the data (it binds all the same; a refusal says it was guessed).

    Returns:
        (loss, shape, notes): ``auto``'s rescale fix is applied to the shape.

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
            return loss, replace(shape, label_range=fix.label_range), notes
        return loss, shape, notes
    loss = C.get_loss(choice.name, model_type)
    judged = next(v for v in mapped_verdicts(shape, model_type, label_guessed) if v.name == loss.name)
    if judged.compatible:
        return loss, shape, []
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
