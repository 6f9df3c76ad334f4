"""Merge and save: an adapter run's trained model as a plain model (the adapter folded into the base weights), which
loads with ``SentenceTransformer(path)`` without peft (`workbench merge RUN_DIR`, ``workbench.merge``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError
from .adapters import ADAPTER_CONFIG, ADAPTER_WEIGHTS, is_adapter_folder
from .models import quiet_loading

MERGED = "merged"  # the run folder's subfolder a merge writes by default


def adapter_folder(run_dir) -> tuple[Path, str]:
    """The adapter model of a run folder (its ``final/``) and the run's model type.

    Args:
        run_dir: A run folder (holding ``config.json`` and ``final/``), or a saved adapter model folder.

    Raises:
        WorkbenchError: not a run folder, no trained model yet, or a model with full weights (no adapter).
    """
    run = Path(run_dir).expanduser()
    config = run / "config.json"
    if is_adapter_folder(run) and not config.is_file():  # a saved adapter model itself
        return run, _folder_type(run)
    if not config.is_file():
        raise WorkbenchError(
            f"'{run}' is not a run folder (it has no config.json).",
            fix="give the folder a run wrote (its output_dir), e.g. runs/my-run; `workbench runs` lists them.",
            where="RUN_DIR",
        )
    final = run / "final"
    if not final.is_dir():
        raise WorkbenchError(
            f"run '{run}' has no trained model yet (no final/ folder).",
            fix="wait for the run to end, or resume it; a run saves final/ when it ends or is stopped.",
            where="RUN_DIR",
        )
    if not is_adapter_folder(final):
        raise WorkbenchError(
            f"run '{run}' is not an adapter run: its final/ holds full weights, nothing to merge.",
            fix=f"load it as it is with SentenceTransformer('{final}'); merge is for runs with model.adapter.",
            where="RUN_DIR",
        )
    try:
        model_type = json.loads(config.read_text(encoding="utf8"))["model"]["type"]
    except (ValueError, KeyError, TypeError):
        model_type = _folder_type(final)
    return final, model_type


def _folder_type(folder: Path) -> str:
    from .models import checkpoint_type

    found = checkpoint_type(str(folder))
    return next((k.name for k in C.KINDS if k.class_name == found), C.DENSE)


def load_adapter_model(folder, model_type: str):
    """Load a saved adapter model (base model + adapter) with its family's class."""
    kind = C.kind(model_type)
    cls = C.import_attr((kind.package,), kind.class_name)
    with quiet_loading():
        return cls(str(folder), device="cpu")


def fold_adapters(model) -> int:
    """Merge every LoRA layer into its base layer and put the base layer back in its place (in place), whether
    the adapter came from ``peft.get_peft_model`` or from loading a saved adapter; returns how many were merged.
    A layer trained in full beside the adapter (peft's ``modules_to_save``) is put back as its trained copy."""
    from peft.tuners.tuners_utils import BaseTunerLayer
    from peft.utils import ModulesToSaveWrapper

    from .adapters import transformer_module

    module = transformer_module(model)
    if hasattr(module.model, "merge_and_unload"):  # a PeftModel: peft does it itself
        module.model = _plain_copy(module.model.merge_and_unload())
        return -1
    merged, done = 0, []
    for name, sub in list(module.model.named_modules()):
        if any(name.startswith(prefix + ".") for prefix in done):  # inside a layer already put back
            continue
        parent_name, _, child = name.rpartition(".")
        parent = module.model.get_submodule(parent_name) if parent_name else module.model
        if isinstance(sub, ModulesToSaveWrapper):
            active = sub.active_adapters[0] if sub.active_adapters else "default"
            setattr(parent, child, sub.modules_to_save[active])
            done.append(name)
        elif isinstance(sub, BaseTunerLayer):
            sub.merge()
            setattr(parent, child, sub.get_base_layer())
            done.append(name)
            merged += 1
    module.model = _plain_copy(module.model)
    return merged


def _plain_copy(task_model):
    """The same weights in a freshly made model of the same class: a model that loaded an adapter keeps
    transformers' adapter state (it would save only an adapter, under peft's key names)."""
    fresh = type(task_model)(task_model.config)
    fresh.load_state_dict(task_model.state_dict())
    return fresh.to(next(task_model.parameters()).dtype)


def merge(run_dir, out=None, *, overwrite: bool = False) -> Path:
    """Merge an adapter run's trained model into a plain model and save it.

    Args:
        run_dir: The run folder (or a saved adapter model folder).
        out: Where to write the merged model (default: RUN_DIR/merged).
        overwrite: Replace ``out`` if it already holds files (a merged model there is always replaced).

    Returns:
        The folder written: it loads with ``SentenceTransformer(path)`` (or the run's model class) without peft.

    Raises:
        WorkbenchError: not an adapter run (see :func:`adapter_folder`), or ``out`` holds other files.
    """
    folder, model_type = adapter_folder(run_dir)
    target = Path(out).expanduser() if out else (folder.parent / MERGED)
    if target.resolve() == folder.resolve():
        raise WorkbenchError(
            "the merged model cannot replace the adapter it is made from.",
            fix="give another folder with --out.",
            where="--out",
        )
    if target.exists() and any(target.iterdir()):
        if not (overwrite or (target / "modules.json").is_file()):
            raise WorkbenchError(
                f"'{target}' already holds files that are not a merged model.",
                fix="give an empty or new folder with --out, or pass --overwrite.",
                where="--out",
            )
        shutil.rmtree(target)
    model = load_adapter_model(folder, model_type)
    fold_adapters(model)
    with quiet_loading():
        model.save_pretrained(str(target))
    left = [n for n in (ADAPTER_CONFIG, *ADAPTER_WEIGHTS) if (target / n).exists()]
    if left:  # never hand out a "plain" model that still needs peft
        raise WorkbenchError(f"merging left adapter files in {target}: {', '.join(left)}.")
    return target
