"""One ModelKind record per model type: every record resolves in the installed library, every table that maps a
model type to something derives from the records, and a fourth family is one record."""

from __future__ import annotations

import importlib
import inspect
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import workbench
from workbench import catalog as C
from workbench.catalog import ModelKind
from workbench.errors import WorkbenchError

# sentence-transformers 6's fourth family: a record laid out like the other three.
MULTI_VECTOR = C.kind(C.MULTI)


def _attr(module: str, name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("kind", C.KINDS, ids=lambda k: k.name)
def test_every_kind_resolves_in_the_installed_library(kind: ModelKind):
    from transformers import Trainer, TrainingArguments

    model_cls = _attr(*kind.model_class)
    assert model_cls.__name__ == kind.class_name
    assert issubclass(_attr(*kind.trainer), Trainer)
    assert issubclass(_attr(*kind.training_args), TrainingArguments)
    assert inspect.isclass(_attr(*kind.card))
    # The exported script imports all four classes and the losses module from the family's package.
    package = importlib.import_module(kind.package)
    for module, name in (kind.model_class, kind.trainer, kind.training_args, kind.card):
        assert getattr(package, name) is _attr(module, name), name
    assert importlib.import_module(f"{kind.package}.losses") is importlib.import_module(kind.losses[0])
    for module in (*kind.losses, *kind.evaluation):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert importlib.import_module(module).__all__, module


def test_the_fourth_family_has_losses_and_evaluators_to_resolve():
    assert (
        "MultiVectorMultipleNegativesRankingLoss" in importlib.import_module(MULTI_VECTOR.losses[0]).__all__
    )
    assert (
        C.import_attr(MULTI_VECTOR.evaluation, "MultiVectorTripletEvaluator").__name__
        == "MultiVectorTripletEvaluator"
    )


def test_unknown_model_type_is_refused_with_the_known_ones():
    with pytest.raises(WorkbenchError) as caught:
        C.kind("dense")
    assert caught.value.message == "model type 'dense' is not known."
    assert (
        caught.value.fix == "use one of: sentence-transformer, sparse-encoder, cross-encoder, multi-vector."
    )
    assert caught.value.where == "model.type"


def test_model_types_and_labels_come_from_the_records():
    assert C.MODEL_TYPES == (C.DENSE, C.SPARSE, C.CROSS, C.MULTI) == tuple(k.name for k in C.KINDS)
    assert C.MODEL_TYPE_LABELS == {k.name: k.label for k in C.KINDS}
    assert all(C.kind(k.name) is k for k in C.KINDS)


def test_losses_evaluators_and_args_resolve_through_the_records():
    for kind in C.KINDS:
        assert C.training_args_class(kind.name).__name__ == kind.training_args[1]
        for loss in C.losses_for(kind.name)[:1]:
            assert C.resolve_loss(loss).__module__.startswith(kind.losses[0])
        for ev in C.evaluators_for(kind.name)[:1]:
            assert C.resolve_evaluator(ev).__module__.startswith(kind.evaluation[0])


# Run in a copy of the package whose kinds.py holds one more record (a second record on the multi-vector package,
# under a new name, stands in for a family still to come): every table that maps a model type must
# list it, with nothing else changed.
_FOURTH_CHECKS = """
import contextlib, io
from workbench import catalog as C
from workbench.cli import main
from workbench.engine.runner import TRAINERS
from workbench.session import Session
from workbench.spec import ModelSpec

MV = "late-interaction-next"
assert C.MODEL_TYPES[-1] == MV and "MultiVectorEncoder" in C.MODEL_TYPE_LABELS[MV]
assert ModelSpec.from_dict({"type": MV}).type == MV
assert TRAINERS[MV] == ("sentence_transformers.multi_vector_encoder.trainer", "MultiVectorEncoderTrainer")
assert C.kind(MV).model_class == ("sentence_transformers", "MultiVectorEncoder")  # what a push loads
assert "sentence_transformers.multi_vector_encoder.training_args" in C.warm_modules()
assert MV in Session.class_traits()["model_type"].values
assert C.kind(MV).evaluation == ("sentence_transformers.multi_vector_encoder.evaluation",)
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    main(["check", "--help"])
assert MV in out.getvalue(), out.getvalue()
print("ok")
"""


def test_a_fifth_family_is_one_record(tmp_path):
    source = Path(workbench.__file__).parent
    copy = tmp_path / "workbench"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    kinds = copy / "catalog" / "kinds.py"
    text = kinds.read_text()
    start = text.index("KINDS: tuple[ModelKind, ...] = (")
    end = text.index("\n)\n", start)
    record = (
        '    ModelKind.laid_out("late-interaction-next", "Multi-vector (MultiVectorEncoder)", '
        '"one vector per token.", "sentence_transformers.multi_vector_encoder", "MultiVectorEncoder"),'
    )
    kinds.write_text(text[:end] + "\n" + record + text[end:])
    done = subprocess.run(
        [sys.executable, "-c", _FOURTH_CHECKS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr
