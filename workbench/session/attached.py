"""A page that attaches to a run under way (after a reload, from a second page, after a server restart) shows that
run's settings in its tabs, as Resume does: its ``config.json`` becomes the page's configuration and the top line
says whose settings they are. Without this the page showed the demo's model and data beside a run training on a
person's own file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WorkbenchError
from .paths import runs_dir

if TYPE_CHECKING:
    from .state import Session

PRESS_START = " Press Start training to train on it."


def show_settings_of(session: Session, run_dir: str | Path) -> bool:
    """Make the run's ``config.json`` the page's configuration and load its datasets; whether it could.

    The page's autosave is left as it was (the person's own last settings stay restorable); a run folder with a
    damaged config leaves the tabs as they were (the run is still followed: its folder is the truth).
    """
    from ..spec import load_config

    folder = Path(run_dir)
    try:
        spec = load_config(folder / "config.json")
    except (WorkbenchError, ValueError, OSError):
        return False
    autosave, session.autosave = session.autosave, None
    try:
        session.apply_spec(spec.replace(resume_from_checkpoint=None, overwrite=False))
        show_folder(session, folder)
    finally:
        session.autosave = autosave
    session.load_all()
    return True


def show_folder(session: Session, folder: Path) -> None:
    """ "Where the model goes" shows the followed run's folder (it showed the next run's, the run under way saving
    elsewhere); Start training then makes a new run in a new folder, unless the run's folder was typed."""
    session.auto_output = folder.parent == runs_dir()  # ticking it picks a fresh folder: the run's comes back
    session.output_dir = str(folder)


def settings_line(session: Session, data_text: str) -> str:
    """The app's top line while its tabs show a run's settings (``session.settings_of``): which run, its model,
    and the data it trains on (``data_text``: the usual sentence on the data)."""
    run = Path(session.settings_of).name
    model = session.model_name
    model = "the packaged all-MiniLM-L6-v2" if model == "default" else model
    if data_text.startswith("Your data: "):
        data = data_text.removeprefix("Your data: ").removesuffix(PRESS_START)
    elif data_text.startswith("The demo"):
        data = "the demo data (scored sentence pairs)."
    else:
        data = data_text
    if session.running:
        return (
            f"These are the settings of the run under way ({run}), not a new run's: it trains {model} on "
            f"{data} Stop is above; the run goes on if you close this page."
        )
    return (
        f"These are the settings of the run {run} (it has ended): {model} on {data} Start training runs them "
        "again in a new folder."
    )
