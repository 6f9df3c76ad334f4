"""LoRA adapters with peft on the model's transformer: attach for training, count, save, resume, merge.

sentence-transformers' own ``model.add_adapter`` goes through transformers' adapter integration, which (in
transformers 5.24) refuses peft < 0.22, the newest the package index serves being 0.21.2. So the adapter is put on
the Transformer module's model with ``peft.get_peft_model`` directly; saving that model writes peft's adapter files
(``adapter_config.json`` + ``adapter_model.safetensors``) beside the library's own, and the library loads such a
folder back (transformers' ``load_adapter`` has no version gate). A checkpoint then holds only the adapter's
weights, which the library's resume cannot load into a peft-wrapped model: :func:`resume_adapters` loads them.
Heavy imports (torch, peft) happen inside the functions.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError, nearest
from ..spec.adapter import AUTO, describe_adapter

ADAPTER_CONFIG = "adapter_config.json"
PROJECTION_DIMS = (
    128  # the token size of the projection the library adds to a plain checkpoint (multi-vector)
)
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
# "auto" targets: the first of these groups whose every name is a Linear layer of the model (the attention's query
# and value projections, as the LoRA paper trains them), in the spelling of each architecture family.
AUTO_TARGETS = (
    ("query", "value"),  # BERT, RoBERTa, XLM-R, ELECTRA, MiniLM
    ("q_proj", "v_proj"),  # Llama, Qwen, Mistral, Gemma, BART, ModernBERT-less decoders
    ("query_proj", "value_proj"),  # DeBERTa-v2/v3
    ("q_lin", "v_lin"),  # DistilBERT
    ("q", "v"),  # MPNet, T5
    ("Wqkv",),  # ModernBERT, NomicBERT (fused query/key/value)
    ("qkv_proj",),  # Phi-3
    ("c_attn",),  # GPT-2
)


def transformer_module(model):
    """The model's Transformer module (the one whose ``model`` a LoRA adapter wraps).

    Raises:
        WorkbenchError: the model has none (e.g. static embeddings): an adapter needs a transformer.
    """
    for module in model.modules():
        if type(module).__name__ == "Transformer" and hasattr(module, "model"):
            return module
    raise WorkbenchError(
        f"this {type(model).__name__} has no transformer module for an adapter to wrap.",
        fix="leave 'model.adapter' out to train all its weights, or choose a transformer model.",
        where="model.adapter",
    )


def linear_names(module) -> list[str]:
    """The full names of the Linear layers of a torch module (what LoRA can wrap)."""
    import torch

    return [name for name, sub in module.named_modules() if isinstance(sub, torch.nn.Linear) and name]


def resolve_targets(adapter: dict, names: list[str]) -> list[str]:
    """The module names the adapter wraps: the configured ones (each must name a Linear layer), or "auto"'s.

    Args:
        adapter: Checked adapter settings (`spec.adapter.check_adapter`).
        names: :func:`linear_names` of the model.

    Raises:
        WorkbenchError: a configured name matches no Linear layer, or "auto" knows no layer of this model.
    """
    leaves = sorted({n.rsplit(".", 1)[-1] for n in names})
    targets = adapter["target_modules"]
    if targets == AUTO:
        for group in AUTO_TARGETS:
            if all(t in leaves for t in group):
                return list(group)
        raise WorkbenchError(
            "target_modules 'auto' knows no attention projection of this model.",
            fix=f"name the Linear layers to adapt in model.adapter.target_modules, from: {', '.join(leaves)}.",
            where="model.adapter.target_modules",
        )
    for target in targets:
        if not any(n == target or n.endswith("." + target) for n in names):
            guess = nearest(target, leaves)
            raise WorkbenchError(
                f"target module '{target}' is not a Linear layer of this model.",
                fix=(f"did you mean '{guess}'? " if guess else "")
                + f"Linear layers of this model: {', '.join(leaves)}; or use 'auto'.",
                where="model.adapter.target_modules",
            )
    return list(targets)


def head_modules(task_model, model_type: str) -> list[str]:
    """The layers that train in full beside the adapter: a cross-encoder's classifier head and its body's pooler
    (both new, randomly initialised, when it is built from an embedding model, which has neither: saving them
    with the adapter is also what makes the adapter load back to the same scores). None for dense and sparse."""
    if model_type != C.CROSS:
        return []
    body_name = getattr(task_model, "base_model_prefix", "")
    heads = [
        name
        for name, child in task_model.named_children()
        if name != body_name and any(True for _ in child.parameters())
    ]
    body = getattr(task_model, body_name, None)
    if getattr(body, "pooler", None) is not None:
        heads.append("pooler")
    return heads


def new_modules(model, model_type: str, own: bool) -> list[str]:
    """The pipeline modules outside the transformer that train in full beside the adapter: a multi-vector model's
    token projection when it is built from a checkpoint of another family (new, random: frozen it would stay
    noise). A multi-vector checkpoint's own projection stays frozen. Names as in ``model.named_children()``."""
    if model_type != C.MULTI or own:
        return []
    return [name for name, module in model.named_children() if type(module).__name__ == "Dense"]


def lora_config(adapter: dict, targets: list[str], modules_to_save: list[str]):
    """peft's LoraConfig for the settings (the exported script writes the same call)."""
    from peft import LoraConfig

    return LoraConfig(
        r=adapter["r"],
        lora_alpha=adapter["alpha"],
        lora_dropout=adapter["dropout"],
        target_modules=targets,
        modules_to_save=modules_to_save or None,
    )


def attach(model, adapter: dict, model_type: str, own: bool = True) -> dict:
    """Wrap the model's transformer in a LoRA adapter; every other weight is frozen (a cross-encoder's head and a
    new multi-vector token projection train in full).

    Args:
        own: The checkpoint is of the model's own family (no new layers outside the transformer).

    Returns:
        ``{"targets": [...], "heads": [...], "trainable": n, "total": n}``.

    Raises:
        WorkbenchError: no transformer module, or target modules that name no Linear layer of it.
    """
    from peft import get_peft_model

    module = transformer_module(model)
    targets = resolve_targets(adapter, linear_names(module.model))
    heads = head_modules(module.model, model_type)
    for param in model.parameters():
        param.requires_grad_(False)
    with warnings.catch_warnings():  # peft 0.21 calls a transformers method deprecated in 5.x
        warnings.simplefilter("ignore", FutureWarning)
        module.model = get_peft_model(module.model, lora_config(adapter, targets, heads))
    for name in new_modules(model, model_type, own):
        model.get_submodule(name).requires_grad_(True)
        heads = [*heads, f"{type(model.get_submodule(name)).__name__} (token projection)"]
    trainable, total = parameter_counts(model)
    return {"targets": targets, "heads": heads, "trainable": trainable, "total": total}


def parameter_counts(model) -> tuple[int, int]:
    """(trainable, total) parameters of a torch module."""
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def attach_note(adapter: dict, found: dict) -> str:
    """The run's note: what was attached and how much of the model trains."""
    share = 100 * found["trainable"] / max(1, found["total"])
    heads = f", and the new layers {', '.join(found['heads'])} in full" if found["heads"] else ""
    return (
        f"{describe_adapter({**adapter, 'target_modules': found['targets']})}{heads}: "
        f"{found['trainable']:,} of {found['total']:,} parameters train ({share:.2f} %)"
    )


def is_adapter_folder(path) -> bool:
    """Whether a model folder holds an adapter (peft's adapter_config.json) rather than full weights."""
    return (Path(path) / ADAPTER_CONFIG).is_file()


def check_base(model_spec) -> None:
    """Refuse a base model that is itself an adapter (an adapter run's final/): training on top of it would mix
    two adapters (or train a loaded adapter's layers in full). The merged model is the base to start from."""
    from .models import resolve_model_path

    try:
        path = resolve_model_path(model_spec.name_or_path)
    except WorkbenchError:
        return  # reported where the model is checked
    if is_adapter_folder(path):
        run = Path(path).parent
        raise WorkbenchError(
            f"the base model '{model_spec.name_or_path}' is an adapter (LoRA), not a full model.",
            fix=f"merge it first (`workbench merge {run}`, or Merge and save in the app) and train from the "
            f"merged folder ({run / 'merged'}).",
            where="model.name_or_path",
        )


def save_adapter_model(model, path: Path, adapter: dict | None) -> None:
    """Save the trained model; for an adapter run its card says so (tags, and a section on how to use it)."""
    if adapter and getattr(model, "model_card_data", None) is not None:
        model.model_card_data.add_tags(["peft", "lora", "adapter"])
    model.save_pretrained(str(path))
    if adapter and is_adapter_folder(path):
        _card_section(Path(path), adapter)


def _card_section(path: Path, adapter: dict) -> None:
    config = json.loads((path / ADAPTER_CONFIG).read_text(encoding="utf8"))
    targets = sorted(config.get("target_modules") or [])
    text = (
        "\n\n## Adapter\n\n"
        f"This folder holds a LoRA adapter (peft), not full weights: r={adapter['r']}, "
        f"alpha={adapter['alpha']}, dropout {adapter['dropout']}, on {', '.join(targets)}, over the base model "
        f"`{config.get('base_model_name_or_path')}`.\n\n"
        "It loads with `SentenceTransformer(path)` (or the CrossEncoder / SparseEncoder / MultiVectorEncoder class) "
        "when peft is "
        "installed and the base model is available. `workbench merge RUN_DIR` writes a plain model with the "
        "adapter merged into the base weights, which loads without peft.\n"
    )
    readme = path / "README.md"
    readme.write_text((readme.read_text(encoding="utf8") if readme.is_file() else "") + text, encoding="utf8")


def resume_adapters(trainer) -> None:
    """Make the trainer resume (and load a best checkpoint) from checkpoints that hold only adapter weights.

    The library's ``_load_from_checkpoint`` loads the checkpoint as a whole model and copies its state dict, whose
    names do not match a peft-wrapped transformer's; here the adapter's weights are set into the wrapped model.
    """
    from peft import set_peft_model_state_dict

    def load(checkpoint_path: str, *_ignored) -> None:
        _load_trained_modules(trainer.model, Path(checkpoint_path))
        weights = _adapter_weights(Path(checkpoint_path))
        peft_model = transformer_module(trainer.model).model
        result = set_peft_model_state_dict(peft_model, weights)
        missing = [k for k in getattr(result, "unexpected_keys", []) or [] if "lora_" in k]
        if missing:
            raise WorkbenchError(
                f"checkpoint {checkpoint_path} holds adapter weights this model has no place for "
                f"({missing[0]}, ...).",
                fix="resume with the adapter settings the run was started with, or start a new run.",
                where="model.adapter",
            )

    trainer._load_from_checkpoint = load


def _load_trained_modules(model, folder: Path) -> None:
    """Load the checkpoint's weights of the pipeline modules that train in full beside the adapter (a new
    multi-vector projection, saved in its own module folder)."""
    from safetensors.torch import load_file

    entries = json.loads((folder / "modules.json").read_text()) if (folder / "modules.json").is_file() else []
    for entry in entries:
        module = model._modules.get(str(entry.get("idx", entry.get("name"))))
        weights = folder / entry.get("path", "") / "model.safetensors"
        if module is None or not entry.get("path") or not weights.is_file():
            continue
        if any(p.requires_grad for p in module.parameters()):
            module.load_state_dict(load_file(str(weights)))


def _adapter_weights(folder: Path) -> dict:
    for name in ADAPTER_WEIGHTS:
        file = folder / name
        if file.is_file():
            if name.endswith(".safetensors"):
                from safetensors.torch import load_file

                return load_file(str(file))
            import torch

            return torch.load(str(file), map_location="cpu", weights_only=True)
    raise WorkbenchError(
        f"checkpoint {folder} holds no adapter weights ({' or '.join(ADAPTER_WEIGHTS)}).",
        fix="resume from a checkpoint of this adapter run, or start a new run.",
        where="resume_from_checkpoint",
    )


def _skeleton(path: str, model_type: str):
    """The model's transformer architecture built on torch's meta device from its config: its layers and their
    sizes without reading (or allocating) any weights."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoModelForSequenceClassification

    from .models import quiet_loading

    auto = {C.CROSS: AutoModelForSequenceClassification, C.SPARSE: AutoModelForMaskedLM}.get(
        model_type, AutoModel
    )
    try:
        with quiet_loading(), torch.device("meta"):
            return auto.from_config(AutoConfig.from_pretrained(_transformer_folder(path)))
    except Exception as exc:  # noqa: BLE001 - any failure: the person can name the layers instead
        raise WorkbenchError(
            f"the model's layers could not be read for the adapter ({str(exc).splitlines()[0][:200]}).",
            fix='name the layers in model.adapter.target_modules, e.g. ["query", "value"].',
            where="model.adapter.target_modules",
        ) from exc


def planned_layers(path: str, model_type: str, adapter: dict) -> tuple[list[str], list[str]]:
    """(targets, full-trained layers) the run will use, found without loading weights (for the exported script,
    which writes them out).

    Raises:
        WorkbenchError: the config cannot be read (e.g. a Hub id offline), or targets that name no layer.
    """
    skeleton = _skeleton(path, model_type)
    return resolve_targets(adapter, linear_names(skeleton)), head_modules(skeleton, model_type)


def planned_counts(path: str, model_type: str, adapter: dict) -> tuple[int, int]:
    """(trainable, total) parameters of the transformer with the adapter on, without loading weights (the Model
    panel shows it before a run)."""
    from peft import get_peft_model

    skeleton = _skeleton(path, model_type)
    targets = resolve_targets(adapter, linear_names(skeleton))
    for param in skeleton.parameters():
        param.requires_grad_(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        wrapped = get_peft_model(skeleton, lora_config(adapter, targets, head_modules(skeleton, model_type)))
    trainable, total = parameter_counts(wrapped)
    from .models import checkpoint_type

    if model_type == C.MULTI and checkpoint_type(path) != C.kind(C.MULTI).class_name:
        # The library's conversion adds a token projection (hidden -> 128, no bias) that trains in full.
        projection = skeleton.config.hidden_size * PROJECTION_DIMS
        trainable, total = trainable + projection, total + projection
    return trainable, total


def _transformer_folder(path: str) -> str:
    """The folder of a sentence-transformers model's Transformer module (the model's own folder, or a subfolder
    that modules.json names)."""
    modules = Path(path) / "modules.json"
    if modules.is_file():
        for entry in json.loads(modules.read_text(encoding="utf8")):
            if entry.get("type", "").endswith("Transformer") and entry.get("path"):
                return str(Path(path) / entry["path"])
    return path
