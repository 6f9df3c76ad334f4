"""Fields that hold a value that cannot run: their messages, the output-folder check, and the check that blocks
Start while any field is invalid.

A panel that parses what a person typed records a bad value in ``Session.invalid`` (field key -> message, e.g.
``"args.learning_rate"``) instead of silently keeping the last good value; :func:`check_fields` turns the first
of them into a WorkbenchError whose ``where`` is that key, so the run is refused and the tab holding the field
is marked. Nothing here imports torch.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

from ..data.confine import confined
from ..errors import WorkbenchError
from .wording import PANELS, TAB_NAMES, panel_for, sentence

if TYPE_CHECKING:
    from .state import Session

OUTPUT_KEY = "output_dir"


def mark_invalid(session: Session, key: str, message: str | None) -> None:
    """Mark a field as holding a value that cannot run (``message``: why, naming the field), or as fixed (None).

    Start is refused while any field is marked (:func:`check_fields`); ``session.invalid`` is replaced, never
    mutated.
    """
    if message:
        if session.invalid.get(key) != message:
            session.invalid = {**session.invalid, key: message}
    elif key in session.invalid:
        session.invalid = {k: v for k, v in session.invalid.items() if k != key}


def clear_invalid(session: Session, prefix: str) -> None:
    """Forget the marks of every field whose key starts with ``prefix`` (its form was rebuilt from valid values)."""
    if any(k.startswith(prefix) for k in session.invalid):
        session.invalid = {k: v for k, v in session.invalid.items() if not k.startswith(prefix)}


def field_message(
    name: str, problem: str, text: str, label: str = "", what: str = "", example: str = ""
) -> str:
    """One sentence saying which field is wrong, what it holds, and what it needs.

    Args:
        name: The field's raw name (``learning_rate``).
        problem: What is wrong ("needs a number, e.g. 2e-5 or 0.1", "cannot be negative").
        text: What the field holds, as typed.
        label: Its plain name ("Learning rate"); empty: the raw name is all there is.
        what: What it takes ("a number"), said with ``example`` when the problem does not say it already.
        example: A valid value ("2e-5").

    Returns:
        E.g. ``"Learning rate (learning_rate) cannot be negative (got '-1'): enter a number such as 2e-5."``.
    """
    who = f"{label} ({name})" if label and label != name else f"The setting '{name}'"
    out = f"{who} {problem.rstrip('.')} (got '{text.strip()}')"
    if example and "e.g." not in problem and example not in problem:
        out += f": enter {what or 'a value'} such as {example}"
    return sentence(out) + "."


def output_problem(path: str) -> str | None:
    """What stops a run from writing its output folder, in words (None: nothing). Light: no torch.

    The nearest folder that exists must let this process create a folder in it; that is tried (and undone),
    because permission bits do not tell (``/proc`` looks writable to root and refuses every new folder).
    """
    if not str(path).strip():
        return "The output folder is empty: enter a folder such as runs/my-run, or tick 'New folder for every run'."
    try:
        out = confined(path, "The output folder")
    except WorkbenchError as exc:
        return f"{sentence(exc.message)} Fix: {sentence(exc.fix)}"
    if out.exists() and not out.is_dir():
        return f"The output folder '{out}' is a file: choose a folder path."
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    fix = "choose a folder you can write to, e.g. under your home folder."
    if not existing.is_dir():
        return f"The output folder '{out}' cannot be made ('{existing}' is not a folder): {fix}"
    try:
        probe = tempfile.mkdtemp(prefix=".wb-check-", dir=existing)
        os.rmdir(probe)
    except OSError as exc:
        return f"The output folder '{out}' cannot be made in '{existing}' ({exc.strerror or exc}): {fix}"
    return None


def check_fields(session: Session) -> None:
    """Refuse to run while any field is invalid: the fields panels marked (``session.invalid``) and the output
    folder (checked here, as it may come from a loaded config).

    Raises:
        WorkbenchError: naming the first invalid field (in tab order); ``where`` is its key, so the message goes
            to the tab holding it and marks that tab.
    """
    problems = dict(session.invalid)
    if OUTPUT_KEY not in problems:
        found = output_problem(session.output_dir)
        if found:
            problems[OUTPUT_KEY] = found
    if not problems:
        return
    order = {name: i for i, name in enumerate(PANELS)}
    key = min(problems, key=lambda k: (order.get(panel_for(k, "train"), len(order)), k))
    panel = panel_for(key, "train")
    more = len(problems) - 1
    others = (
        f" {more} other field{'s' if more > 1 else ''} also need{'' if more > 1 else 's'} fixing."
        if more
        else ""
    )
    raise WorkbenchError(
        f"Start is blocked: {problems[key]}{others}",
        fix=f"correct it in the {TAB_NAMES[panel]} tab (an empty box uses the default).",
        where=key,
    )
