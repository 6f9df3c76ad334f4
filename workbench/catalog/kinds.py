"""The model types as data: one `ModelKind` record per family of sentence-transformers, and name lookup in the
installed library.

Every other place that needs a family's classes derives them from its record here (the trainer the runner
starts, the arguments class the form is generated from, the losses and evaluators modules the catalog resolves
names in, the imports the exported script writes, the modules the app warms up), so a new family is one record
plus its catalog rows. No heavy imports at module load: the library is only imported when a class is resolved.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..errors import WorkbenchError

DENSE, SPARSE, CROSS = "sentence-transformer", "sparse-encoder", "cross-encoder"
MULTI = "multi-vector"


@dataclass(frozen=True)
class ModelKind:
    """One family of models of the library and where its classes live.

    Attributes:
        name: The config's ``model.type`` (``sentence-transformer``).
        label: How the app names it to a person.
        use: What it is for, in one line for the app.
        package: The family's module: the exported script imports the model, trainer, arguments and model-card
            classes and the ``losses`` module from it.
        model_class: The model class, as (module, name).
        trainer: The trainer class, as (module, name).
        training_args: The training-arguments dataclass, as (module, name).
        card: The model-card data class, as (module, name).
        losses: The modules its losses are resolved in, the v6 home first, then older aliases.
        evaluation: The modules its evaluators are resolved in, the v6 home first (the exported script imports
            from the first).
    """

    name: str
    label: str
    use: str
    package: str
    model_class: tuple[str, str]
    trainer: tuple[str, str]
    training_args: tuple[str, str]
    card: tuple[str, str]
    losses: tuple[str, ...]
    evaluation: tuple[str, ...]

    @property
    def class_name(self) -> str:
        """The model class's name (``SentenceTransformer``)."""
        return self.model_class[1]

    @classmethod
    def laid_out(
        cls, name: str, label: str, use: str, package: str, class_name: str, old_home: str | None = None
    ) -> ModelKind:
        """The record of a family laid out as the library lays its families out: ``<package>.trainer`` holds
        ``<Class>Trainer``, ``<package>.losses`` its losses, and so on.

        Args:
            name, label, use, package: As the attributes.
            class_name: The model class (``SentenceTransformer``), importable from ``sentence_transformers``.
            old_home: A pre-v6 package that still aliases the losses and evaluation modules.
        """
        old = (old_home,) if old_home else ()
        return cls(
            name=name,
            label=label,
            use=use,
            package=package,
            model_class=("sentence_transformers", class_name),
            trainer=(f"{package}.trainer", f"{class_name}Trainer"),
            training_args=(f"{package}.training_args", f"{class_name}TrainingArguments"),
            card=(f"{package}.model_card", f"{class_name}ModelCardData"),
            losses=(f"{package}.losses", *(f"{o}.losses" for o in old)),
            evaluation=(f"{package}.evaluation", *(f"{o}.evaluation" for o in old)),
        )


KINDS: tuple[ModelKind, ...] = (
    ModelKind.laid_out(
        DENSE,
        "Dense embeddings (SentenceTransformer)",
        "one vector per text: semantic search, clustering, similarity.",
        "sentence_transformers.sentence_transformer",
        "SentenceTransformer",
        old_home="sentence_transformers",
    ),
    ModelKind.laid_out(
        SPARSE,
        "Sparse / SPLADE (SparseEncoder)",
        "SPLADE: sparse, interpretable vectors for search engines.",
        "sentence_transformers.sparse_encoder",
        "SparseEncoder",
    ),
    ModelKind.laid_out(
        CROSS,
        "Reranker (CrossEncoder)",
        "scores a (query, text) pair directly: reranking search results.",
        "sentence_transformers.cross_encoder",
        "CrossEncoder",
    ),
    ModelKind.laid_out(
        MULTI,
        "Multi-vector / late interaction (MultiVectorEncoder)",
        "one vector per token, scored with MaxSim: ColBERT-style search.",
        "sentence_transformers.multi_vector_encoder",
        "MultiVectorEncoder",
    ),
)
MODEL_TYPES = tuple(k.name for k in KINDS)
MODEL_TYPE_LABELS = {k.name: k.label for k in KINDS}


def kind(name: str) -> ModelKind:
    """The record of a model type.

    Raises:
        WorkbenchError: ``name`` is not a model type (the message lists the known ones).
    """
    for k in KINDS:
        if k.name == name:
            return k
    raise WorkbenchError(
        f"model type '{name}' is not known.",
        fix=f"use one of: {', '.join(MODEL_TYPES)}.",
        where="model.type",
    )


def warm_modules() -> tuple[str, ...]:
    """The heavy modules the app imports ahead of a run: the library, every family's arguments and trainer."""
    return (
        "sentence_transformers",
        *(k.training_args[0] for k in KINDS),
        *(k.trainer[0] for k in KINDS),
        "datasets",
    )


def import_attr(modules: tuple[str, ...], name: str):
    """The attribute ``name`` of the first of ``modules`` that has it.

    Args:
        modules: Module paths to try in order (the v6 home first, then older aliases).
        name: Class name to look up.

    Returns:
        The attribute (usually a class) from the installed library.

    Raises:
        WorkbenchError: No module defines ``name``; the message lists why each module failed.
    """
    import warnings

    errors = []
    for module_name in modules:
        try:
            # The pre-v6 alias modules warn on import; the user did nothing wrong, so keep the notebook quiet.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                module = importlib.import_module(module_name)
        except ImportError as exc:
            errors.append(f"{module_name}: {exc}")
            continue
        if hasattr(module, name):
            return getattr(module, name)
        errors.append(f"{module_name} has no {name}")
    raise WorkbenchError(
        f"the installed sentence-transformers has no '{name}' ({'; '.join(errors)}).",
        fix="install a sentence-transformers version in the range pyproject.toml gives (>= 6.0, < 7).",
    )
