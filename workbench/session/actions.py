"""What the app's buttons do besides configuring a run: copy the saved model, push it to the Hugging Face Hub,
export the run as a script, and the model facts the panels show (its tokenizer, its length limit, the device).

Plain functions of explicit values, so they are tested without widgets and shared by the app and the CLI; a
Session offers each over its own state as ``session.actions`` (:class:`SessionActions`). Heavy libraries are imported inside the functions, under
:data:`~.heavy.HEAVY_LOCK`. None of them raises a traceback at a person: what they can get wrong is a
WorkbenchError in words.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import catalog as C
from ..data.confine import confined
from ..errors import WorkbenchError
from ..spec import RunSpec
from .heavy import HEAVY_LOCK

if TYPE_CHECKING:
    from .state import Session

SCRIPT_NAME = "train_script.py"
_NO_MODEL = "There is no saved model yet: train first."


# ---- keeping the trained model ---------------------------------------------------------------------------------


def copy_destination(saved_path: str, dest: str) -> Path:
    """Where :func:`copy_model` would copy the saved model: a new or empty folder.

    Raises:
        WorkbenchError: nothing is saved yet, no folder was given, or the folder holds files.
    """
    if not saved_path:
        raise WorkbenchError(_NO_MODEL)
    if not str(dest).strip():
        raise WorkbenchError("Type the folder to copy the model to.")
    path = confined(dest, "the folder to copy the model to")
    if path.exists() and any(path.iterdir()):
        raise WorkbenchError(f"'{path}' already exists and is not empty; choose a new folder name.")
    return path


def copy_model(saved_path: str, dest: str) -> Path:
    """Copy the saved model folder to ``dest`` (a new or empty folder); returns the folder."""
    path = copy_destination(saved_path, dest)
    shutil.copytree(saved_path, path, dirs_exist_ok=True)
    return path


def check_push(saved_path: str, repo: str) -> str:
    """The Hub repository to push to (``owner/name``).

    Raises:
        WorkbenchError: nothing is saved yet, or the repository is not written as ``owner/name``.
    """
    if not saved_path:
        raise WorkbenchError(_NO_MODEL)
    repo = repo.strip()
    if not repo or "/" not in repo:
        raise WorkbenchError("Type the repository as your-name/model-name.")
    return repo


def push_model(
    saved_path: str, model_type: str, repo: str, *, token: str | None = None, private: bool = True
) -> str:
    """Load the saved model and push it to a Hub repository (created when missing); returns the commit URL.

    The token is used for this call only: nothing keeps it.
    """
    import importlib

    repo = check_push(saved_path, repo)
    module, cls = C.kind(model_type).model_class  # the class a saved model of this type loads with
    with HEAVY_LOCK:
        model_cls = getattr(importlib.import_module(module), cls)
    model = model_cls(saved_path)
    return model.push_to_hub(repo, token=token or None, private=private, exist_ok=True)


# ---- adapter runs ----------------------------------------------------------------------------------------------


def is_adapter_model(saved_path: str) -> bool:
    """Whether a saved model is an adapter (LoRA) over its base model rather than full weights (no torch)."""
    return bool(saved_path) and (Path(saved_path) / "adapter_config.json").is_file()


def merge_model(saved_path: str, out: str | None = None) -> Path:
    """Merge an adapter run's adapter into its base model and save the plain model (default: RUN/merged)."""
    from ..engine.merge import merge

    if not saved_path:
        raise WorkbenchError(_NO_MODEL)
    with HEAVY_LOCK:
        return merge(Path(saved_path).parent, out)


def download_folder(saved_path: str) -> Path:
    """The model folder a download offers: the saved model, or for an adapter run its merged model (merged now
    when missing or older than the adapter): a downloaded model should load anywhere, without peft."""
    from ..engine.merge import MERGED

    if not is_adapter_model(saved_path):
        return Path(saved_path)
    merged = Path(saved_path).parent / MERGED
    newest = max(p.stat().st_mtime for p in Path(saved_path).iterdir())
    if not (merged / "modules.json").is_file() or (merged / "modules.json").stat().st_mtime < newest:
        merge_model(saved_path)
    return merged


def adapter_counts(model_name: str, model_type: str, adapter: dict) -> tuple[int, int]:
    """(trainable, total) parameters of the model's transformer with the adapter on, read from its config
    without loading its weights (imports torch)."""
    from ..engine import resolve_model_path
    from ..engine.adapters import planned_counts

    with HEAVY_LOCK:
        return planned_counts(resolve_model_path(model_name), model_type, adapter)


# ---- the run as code -------------------------------------------------------------------------------------------


def write_script(spec: RunSpec) -> tuple[Path, str]:
    """Export the run as a standalone script into its output folder; returns (path, script)."""
    from ..export import export_script

    with HEAVY_LOCK:
        script = export_script(spec)
    out = Path(spec.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / SCRIPT_NAME
    path.write_text(script, encoding="utf-8")
    return path, script


# ---- model facts -----------------------------------------------------------------------------------------------


def load_tokenizer(model_name: str) -> Any:
    """The model's tokenizer (reads the model folder, or the Hub for a Hub id)."""
    from ..engine import resolve_model_path

    with HEAVY_LOCK:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(resolve_model_path(model_name))


def check_model(model_name: str) -> str:
    """The local path of a model name (``default``, a folder or a Hub id); raises when it cannot be found."""
    from ..engine import resolve_model_path

    return resolve_model_path(model_name)


def model_max_length(model_name: str) -> int | None:
    """The longest input the model reads, in tokens, from its folder (None when not known without loading)."""
    from ..engine import model_max_length as own_length

    return own_length(model_name)


def check_max_seq_length(model_name: str, max_seq_length: int | None) -> None:
    """Refuse a max sequence length the model cannot read (WorkbenchError)."""
    from ..engine import check_max_seq_length as check

    check(model_name, max_seq_length)


def detect_device() -> dict:
    """The accelerator training would use: ``{"device", "name", "fp16", "bf16"}`` (imports torch)."""
    from ..engine import detect_device as detect

    with HEAVY_LOCK:
        return detect()


class SessionActions:
    """The actions over a Session's state: its saved model, its model and its configuration.

    Args:
        session: The Session whose ``saved_path``, ``model_type``, ``model_name`` and configuration they use.
    """

    def __init__(self, session: Session):
        self.session = session
        self.tokenizers: dict[str, Any] = {}  # model name -> tokenizer, loaded on request

    def copy_destination(self, dest: str) -> Path:
        """Where :meth:`copy_model` would copy the saved model (WorkbenchError: not possible, and why)."""
        return copy_destination(self.session.saved_path, dest)

    def copy_model(self, dest: str) -> Path:
        """Copy the saved model to a new or empty folder; returns the folder."""
        return copy_model(self.session.saved_path, dest)

    def check_push(self, repo: str) -> str:
        """The Hub repository :meth:`push_model` would push to (WorkbenchError: not possible, and why)."""
        return check_push(self.session.saved_path, repo)

    def push_model(self, repo: str, token: str | None = None, private: bool = True) -> str:
        """Push the saved model to a Hub repository; the token serves this call only and is never kept."""
        s = self.session
        return push_model(s.saved_path, s.model_type, repo, token=token, private=private)

    def is_adapter_model(self) -> bool:
        """Whether the saved model is an adapter over its base model (merge it for a plain model)."""
        return is_adapter_model(self.session.saved_path)

    def merge_model(self, out: str | None = None) -> Path:
        """Merge the saved adapter into its base model; returns the plain model's folder."""
        return merge_model(self.session.saved_path, out)

    def download_folder(self) -> Path:
        """The folder a download offers: the saved model, or an adapter run's merged model."""
        return download_folder(self.session.saved_path)

    def adapter_counts(self) -> tuple[int, int]:
        """(trainable, total) parameters with the configured adapter on the current model (WorkbenchError: none
        is configured, or its settings do not fit the model)."""
        s = self.session
        if not s.adapter:
            raise WorkbenchError("No adapter is chosen: every weight trains.")
        return adapter_counts(s.model_name, s.model_type, s.adapter)

    def export_script(self, spec: RunSpec | None = None) -> tuple[Path, str]:
        """Write the run (``spec``, else the current configuration) as a script into its output folder."""
        return write_script(spec if spec is not None else self.session.to_spec())

    def load_tokenizer(self, model_name: str | None = None) -> Any:
        """Load a model's tokenizer (default: the current model's) and keep it for :meth:`tokenizer`."""
        name = model_name or self.session.model_name
        tokenizer = load_tokenizer(name)
        self.tokenizers = {**self.tokenizers, name: tokenizer}
        return tokenizer

    def tokenizer(self, model_name: str | None = None) -> Any:
        """The tokenizer :meth:`load_tokenizer` loaded for a model (default: the current one), or None."""
        return self.tokenizers.get(model_name or self.session.model_name)

    def check_model(self, model_name: str | None = None) -> str:
        """The local path of a model name (default: the current one); raises when it cannot be found."""
        return check_model(model_name or self.session.model_name)

    def model_max_length(self, model_name: str | None = None) -> int | None:
        """The longest input a model (default: the current one) reads, from its folder; None when not known."""
        return model_max_length(model_name or self.session.model_name)

    def check_max_seq_length(self, value: int | None) -> None:
        """Refuse a max sequence length the current model cannot read (WorkbenchError)."""
        check_max_seq_length(self.session.model_name, value)

    def detect_device(self) -> dict:
        """The accelerator training would use (imports torch)."""
        return detect_device()

    def training_facts(self, model_type: str) -> tuple[dict, dict]:
        """The TrainingArguments fields of a model type and the device: in this kernel with the thread backend
        (it imports the library for its runs anyway), else from a child process and a cache file (a page that
        only configures runs never imports torch for them)."""
        if self.session.control.backend == "thread" or "torch" in sys.modules:
            with HEAVY_LOCK:
                return C.arg_fields(model_type), self.detect_device()
        from .facts import facts_in_child

        return facts_in_child(model_type)

    def prefetch_training_facts(self):
        """Read :meth:`training_facts` for the current model type in the background (a child process)."""
        from .facts import prefetch

        return prefetch(self.session.model_type)
