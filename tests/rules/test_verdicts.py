"""Verdicts, fixes, recommendations and evaluator fits on crafted DataShapes (no data, no model); the guardrails
are tested in test_guardrails.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from wb_catalog import TABLE, expected_losses

from workbench import catalog as C
from workbench import rules as K
from workbench.data import shapes as S
from workbench.errors import WorkbenchError

N_ROWS = 16
TEACHER_DIM = 32
SCALE_FREE = {"CoSENTLoss", "AnglELoss", "SparseCoSENTLoss", "SparseAnglELoss"}
# Compatible by format, but refused: it needs its own data loader outside the Trainer.
BLOCKED = {"ContrastiveTensionLoss"}


# ---- shapes ----------------------------------------------------------------------------------------------------


def shape_for(ref: str) -> S.DataShape:
    """A mapped dataset matching one LOSS_OVERVIEW row, built from the test's own copy of the table."""
    _, (n, _), kind, _ = TABLE[ref]
    if kind == C.L_LIST_DOCS:
        inputs, roles = ("query", "docs"), (S.TEXT, S.TEXT_LIST)
    else:
        inputs, roles = tuple(f"text{i}" for i in range(n)), (S.TEXT,) * n
    base = S.DataShape(inputs, roles, n_rows=N_ROWS)
    if kind == C.L_NONE:
        return base
    if kind == C.L_CLASS:
        return replace(
            base,
            label="label",
            label_role=S.CLASS,
            label_min=0,
            label_max=2,
            n_classes=3,
            min_rows_per_class=4,
        )
    if kind == C.L_BINARY:
        return replace(
            base,
            label="label",
            label_role=S.BINARY,
            label_min=0,
            label_max=1,
            n_classes=2,
            min_rows_per_class=8,
        )
    if kind == C.L_SCORE01:
        return replace(base, label="score", label_role=S.SCORE, label_min=0.0, label_max=1.0)
    if kind == C.L_FLOAT:
        return replace(base, label="score", label_role=S.SCORE, label_min=-2.0, label_max=3.0)
    length = {C.L_LIST_N: n - 2, C.L_LIST_N1: n - 1, C.L_LIST_DOCS: 4, C.L_VECTOR: TEACHER_DIM}[kind]
    return replace(base, label="label", label_role=S.NUMBER_LIST, label_list_len=length)


def row_accepts(ref: str, shape: S.DataShape, loss_name: str) -> bool:
    """Whether a table row takes a shape: the rules of LOSS_OVERVIEW 2.0, written out independently of workbench.rules."""
    _, (n_min, n_max), kind, _ = TABLE[ref]
    n = shape.n_inputs
    if n < n_min or (n_max is not None and n > n_max):
        return False
    if (S.TEXT_LIST in shape.input_roles) != (kind == C.L_LIST_DOCS):
        return False
    role = shape.label_role
    if kind == C.L_NONE:
        return shape.label is None
    if kind == C.L_CLASS:
        return role in (S.CLASS, S.BINARY, S.CATEGORY)
    if kind == C.L_BINARY:
        return role == S.BINARY
    if kind == C.L_SCORE01:
        in_range = shape.effective_label_range is None or (
            shape.effective_label_range[0] >= 0 and shape.effective_label_range[1] <= 1
        )
        return role in (S.SCORE, S.BINARY, S.CLASS) and (in_range or loss_name in SCALE_FREE)
    if kind == C.L_FLOAT:
        return role in (S.SCORE, S.BINARY, S.CLASS)
    if role != S.NUMBER_LIST:
        return False
    if kind == C.L_LIST_N:
        return shape.label_list_len == n - 2
    if kind == C.L_LIST_N1:
        return shape.label_list_len == n - 1
    # Teacher embeddings / per-document scores: any length (the shape does not know the model's dimension).
    return True


def expected_compatible(shape: S.DataShape, model_type: str) -> set[str]:
    out = set()
    for ref, (mt, *_rest) in TABLE.items():
        if mt != model_type:
            continue
        out |= {name for name in expected_losses(ref) if row_accepts(ref, shape, name)}
    return out - BLOCKED


def compatible(shape: S.DataShape, model_type: str) -> set[str]:
    return {v.name for v in K.verdicts(shape, model_type) if v.compatible}


def judge(name: str, shape: S.DataShape, model_type: str = C.DENSE) -> K.Verdict:
    return K.verdict(C.get_loss(name, model_type), shape)


# ---- one case per table row ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", list(TABLE))
def test_every_loss_of_a_row_fits_its_shape(ref: str):
    model_type = TABLE[ref][0]
    shape = shape_for(ref)
    for name in expected_losses(ref):
        v = judge(name, shape, model_type)
        if name in BLOCKED:
            assert not v.compatible
            continue
        assert v.compatible, f"{name} on {ref}: {v.reason}"
        assert v.format_ref == ref, (name, v.format_ref)
        assert v.reason.startswith("fits: ")


@pytest.mark.parametrize("ref", list(TABLE))
def test_exactly_the_losses_of_matching_rows_fit(ref: str):
    model_type = TABLE[ref][0]
    shape = shape_for(ref)
    got = compatible(shape, model_type)
    want = expected_compatible(shape, model_type)
    assert got == want, f"{ref}: unexpected {sorted(got - want)}, missing {sorted(want - got)}"
    # Every loss of the model type gets a verdict, incompatible ones with a reason.
    verdicts = K.verdicts(shape, model_type)
    assert {v.name for v in verdicts} == {loss.name for loss in C.losses_for(model_type)}
    assert all(v.reason for v in verdicts)


@pytest.mark.parametrize(
    "ref,other",
    [
        ("D1", "MultipleNegativesRankingLoss"),
        ("D5", "ContrastiveLoss"),
        ("D6", "CoSENTLoss"),
        ("D7", "MSELoss"),
        ("D8", "MultipleNegativesRankingLoss"),
        ("D9", "CoSENTLoss"),
        ("D10", "TripletLoss"),
        ("DD1", "SoftmaxLoss"),
        ("DD3", "DistillKLDivLoss"),
        ("DD5", "CosineSimilarityLoss"),
        ("S1", "SparseCoSENTLoss"),
        ("S2", "SparseTripletLoss"),
        ("SD1", "SparseMarginMSELoss"),
        ("C1", "BinaryCrossEntropyLoss"),
        ("C3", "LambdaLoss"),
        ("C7", "BinaryCrossEntropyLoss"),
        ("CD2", "LambdaLoss"),
        ("CD4", "MultipleNegativesRankingLoss"),
    ],
)
def test_a_loss_of_another_row_does_not_fit(ref: str, other: str):
    model_type = TABLE[ref][0]
    v = judge(other, shape_for(ref), model_type)
    assert not v.compatible, v
    assert v.reason and not v.reason.startswith("fits")


def test_contrastive_tension_is_blocked_with_the_alternative():
    v = judge("ContrastiveTensionLoss", shape_for("D2"))
    assert not v.compatible
    assert v.format_ref == "D2"
    assert "ContrastiveTensionDataLoader" in v.reason
    assert "ContrastiveTensionLossInBatchNegatives" in v.reason


def test_denoising_auto_encoder_needs_damaged_and_original():
    v = judge("DenoisingAutoEncoderLoss", shape_for("D2"))
    assert not v.compatible
    assert v.reason.startswith("needs 2 text columns (damaged_sentence, original_sentence)")


def test_modifiers_and_wrappers_are_not_judged_as_main_losses():
    v = judge("MatryoshkaLoss", shape_for("D6"))
    assert not v.compatible and "modifier" in v.reason
    v = judge("SpladeLoss", shape_for("S1"), C.SPARSE)
    assert not v.compatible and "wrapper" in v.reason


# ---- human reasons ---------------------------------------------------------------------------------------------


def test_wrong_number_of_inputs_reason():
    v = judge("TripletLoss", shape_for("D6"))
    assert not v.compatible
    assert v.reason == (
        "needs 3 text columns (anchor, positive, negative) + no label; you mapped 2 input column(s) "
        "('text0', 'text1')"
    )


def test_multi_format_reason_lists_every_accepted_format():
    v = judge("MultipleNegativesRankingLoss", shape_for("D1"))
    assert "Accepted: 2 text columns (anchor, positive) + no label; or 3 text columns" in v.reason


def test_label_reasons_name_the_column_and_what_it_holds():
    v = judge("ContrastiveLoss", shape_for("D8"))
    assert v.reason == "needs a 0/1 label (1 = positive, 0 = negative); 'score' holds score values"
    v = judge("SoftmaxLoss", shape_for("D6"))
    assert v.reason == "needs an integer class label; no label column is mapped"
    v = judge("SoftmaxLoss", shape_for("D8"))
    assert "'score' holds decimal scores" in v.reason
    text_label = replace(shape_for("D8"), label_role=S.TEXT, label_min=None, label_max=None)
    assert "label column 'score' holds text values" in judge("CoSENTLoss", text_label).reason


def test_list_label_of_the_wrong_length():
    shape = replace(shape_for("DD5"), label_list_len=3)
    v = judge("DistillKLDivLoss", shape)
    assert not v.compatible
    assert "lists of length 2 for 3 inputs; 'label' holds lists of length 3" in v.reason


def test_batch_triplet_losses_blocked_when_a_class_has_one_row():
    shape = replace(shape_for("D1"), min_rows_per_class=1)
    for name in TABLE["D1"][3]:
        v = judge(name, shape)
        assert not v.compatible, name
        assert "at least 2 rows per class in 'label'" in v.reason
    assert judge("BatchAllTripletLoss", shape_for("D1")).compatible


# ---- fixes: apply to the mapping and judge again --------------------------------------------------------------

# The columns of a made-up dataset with everything a fix may reach for: role and label facts per column.
COLUMNS = {
    "id": {"role": S.ID},
    "s1": {"role": S.TEXT},
    "s2": {"role": S.TEXT},
    "s3": {"role": S.TEXT},
    "score": {"role": S.SCORE, "label_min": 0.0, "label_max": 5.0},
    "label": {"role": S.BINARY, "label_min": 0, "label_max": 1, "n_classes": 2, "min_rows_per_class": 8},
}


def mapping(inputs, label=None, label_range=None) -> S.DataShape:
    facts = COLUMNS[label] if label else {}
    return S.DataShape(
        tuple(inputs),
        tuple(COLUMNS[c]["role"] for c in inputs),
        label,
        facts.get("role"),
        facts.get("label_min"),
        facts.get("label_max"),
        n_classes=facts.get("n_classes"),
        n_rows=N_ROWS,
        label_range=label_range,
        min_rows_per_class=facts.get("min_rows_per_class"),
        unmapped=tuple(c for c in COLUMNS if c not in inputs and c != label),
        unmapped_roles=tuple(COLUMNS[c]["role"] for c in COLUMNS if c not in inputs and c != label),
    )


def apply(fix: K.Fix, shape: S.DataShape) -> S.DataShape:
    inputs, label, label_range = fix.apply(shape.inputs, shape.label, shape.label_range)
    return mapping(inputs, label, label_range)


def only_fix(v: K.Verdict, kind: str) -> K.Fix:
    fixes = [f for f in v.fixes if f.kind == kind]
    assert fixes, f"no {kind} fix in {v.fixes} ({v.reason})"
    return fixes[0]


def test_rescale_fix_for_cosine_similarity_on_0_to_5():
    shape = mapping(["s1", "s2"], "score")
    v = judge("CosineSimilarityLoss", shape)
    assert not v.compatible
    assert v.reason == "needs scores between 0 and 1; 'score' runs from 0 to 5"
    fix = only_fix(v, "rescale")
    assert (
        fix.label_range == (0.0, 5.0)
        and fix.text == "rescale 'score' from 0–5 (the range of its values) to 0–1"
    )
    assert judge("CosineSimilarityLoss", apply(fix, shape)).compatible


def test_cosent_is_scale_free():
    v = judge("CoSENTLoss", mapping(["s1", "s2"], "score"))
    assert v.compatible and not v.fixes
    assert any("only uses the order of the scores" in note for note in v.notes)
    v = judge("SparseAnglELoss", mapping(["s1", "s2"], "score"), C.SPARSE)
    assert v.compatible


def test_drop_an_id_like_input():
    shape = mapping(["id", "s1", "s2"], "score")
    v = judge("CoSENTLoss", shape)
    assert not v.compatible
    fix = only_fix(v, "drop_inputs")
    assert fix.inputs == ("s1", "s2") and "'id'" in fix.text
    assert judge("CoSENTLoss", apply(fix, shape)).compatible
    # Within the accepted number of inputs the id is named as the culprit.
    shape = mapping(["id", "s1", "s2"])
    v = judge("MultipleNegativesRankingLoss", shape)
    assert v.reason.startswith("input column 'id' holds ids")
    assert judge("MultipleNegativesRankingLoss", apply(only_fix(v, "drop_inputs"), shape)).compatible


def test_unset_label_for_mnrl():
    shape = mapping(["s1", "s2"], "score")
    v = judge("MultipleNegativesRankingLoss", shape)
    assert not v.compatible and "takes no label, but 'score' is mapped as the label" in v.reason
    fixed = apply(only_fix(v, "unset_label"), shape)
    assert fixed.label is None
    assert judge("MultipleNegativesRankingLoss", fixed).compatible


def test_set_label_for_a_label_mapped_as_input():
    shape = mapping(["s1", "s2", "label"])
    v = judge("MultipleNegativesRankingLoss", shape)
    assert v.reason.startswith("input column 'label' holds binary values, not text")
    fix = v.fixes[0]
    assert fix.kind == "set_label" and fix.label == "label" and fix.inputs == ("s1", "s2")
    fixed = apply(fix, shape)
    assert judge("OnlineContrastiveLoss", fixed).compatible


def test_fix_for_a_score_mapped_as_input_reaches_a_compatible_mapping():
    shape = mapping(["s1", "s2", "score"])
    v = judge("CoSENTLoss", shape)
    assert not v.compatible
    assert any(judge("CoSENTLoss", apply(fix, shape)).compatible for fix in v.fixes), v.fixes


def test_add_input_fix_uses_an_unmapped_text_column():
    shape = mapping(["s1", "s2"])
    v = judge("TripletLoss", shape)
    fix = only_fix(v, "add_input")
    assert fix.inputs == ("s1", "s2", "s3")
    assert judge("TripletLoss", apply(fix, shape)).compatible


def test_add_input_fix_with_a_spare_text_column():
    shape = S.DataShape(("s1", "s2"), (S.TEXT, S.TEXT), n_rows=N_ROWS, unmapped=("s3",))
    fix = only_fix(judge("TripletLoss", shape), "add_input")
    assert fix.inputs == ("s1", "s2", "s3") and fix.text == "add 's3' as input"
    assert judge("TripletLoss", mapping(fix.inputs)).compatible


# ---- list columns ----------------------------------------------------------------------------------------------


def test_list_columns_rejected_for_dense_and_sparse():
    listwise = shape_for("C7")
    for model_type in (C.DENSE, C.SPARSE):
        assert not compatible(listwise, model_type), model_type
    v = judge(
        "MultipleNegativesRankingLoss", replace(listwise, label=None, label_role=None, label_list_len=None)
    )
    assert v.reason.startswith("input 'docs' holds lists of texts; sentence-transformer models take one text")
    v = judge("SparseMultipleNegativesRankingLoss", replace(listwise, label=None, label_role=None), C.SPARSE)
    assert "sparse-encoder models take one text per column" in v.reason


def test_list_columns_accepted_for_cross_encoder_listwise():
    assert compatible(shape_for("C7"), C.CROSS) == {
        "LambdaLoss",
        "PListMLELoss",
        "ListNetLoss",
        "RankNetLoss",
        "ListMLELoss",
        "ADRMSELoss",
    }
    v = judge("LambdaLoss", shape_for("C3"), C.CROSS)
    assert v.reason.startswith(
        "needs the documents as a list column in position 2; 'text1' holds text values"
    )


# ---- recommendations -------------------------------------------------------------------------------------------


def recommended(shape: S.DataShape, model_type: str) -> tuple[str, K.Fix | None]:
    choice = K.recommend_with_fix(shape, model_type)
    assert choice is not None
    assert K.recommend(shape, model_type) is choice[0]
    return choice[0].name, choice[1]


def test_recommend_sts_like_dense_is_cosine_similarity_with_rescale():
    name, fix = recommended(mapping(["s1", "s2"], "score"), C.DENSE)
    assert name == "CosineSimilarityLoss"
    assert fix is not None and fix.kind == "rescale" and fix.label_range == (0.0, 5.0)
    name, fix = recommended(shape_for("D8"), C.DENSE)
    assert (name, fix) == ("CosineSimilarityLoss", None)


@pytest.mark.parametrize("ref", ["D6", "D9", "D10"])
def test_recommend_mnrl_for_pairs_and_triplets(ref: str):
    assert recommended(shape_for(ref), C.DENSE) == ("MultipleNegativesRankingLoss", None)


def test_recommend_online_contrastive_for_binary_pairs():
    assert recommended(shape_for("D7"), C.DENSE) == ("OnlineContrastiveLoss", None)


def test_recommend_softmax_for_dense_pairs_with_classes():
    assert recommended(shape_for("D5"), C.DENSE) == ("SoftmaxLoss", None)


def test_recommend_batch_triplet_for_single_sentences_with_classes():
    assert recommended(shape_for("D1"), C.DENSE) == ("BatchAllTripletLoss", None)


def test_recommend_distillation():
    assert recommended(shape_for("DD3"), C.DENSE)[0] == "MarginMSELoss"
    assert recommended(shape_for("DD1"), C.DENSE)[0] == "MSELoss"
    assert recommended(shape_for("SD5"), C.SPARSE)[0] == "SparseMarginMSELoss"


@pytest.mark.parametrize("ref", ["S1", "S3", "S4"])
def test_recommend_sparse_mnrl_for_sparse_pairs(ref: str):
    assert recommended(shape_for(ref), C.SPARSE) == ("SparseMultipleNegativesRankingLoss", None)


def test_recommend_sparse_cosent_for_scored_pairs():
    assert recommended(shape_for("S2"), C.SPARSE) == ("SparseCoSENTLoss", None)


def test_recommend_cross_encoder():
    assert recommended(shape_for("C3"), C.CROSS) == ("BinaryCrossEntropyLoss", None)
    assert recommended(shape_for("C4"), C.CROSS) == ("BinaryCrossEntropyLoss", None)
    assert recommended(shape_for("C7"), C.CROSS) == ("LambdaLoss", None)
    assert recommended(shape_for("C2"), C.CROSS) == ("MultipleNegativesRankingLoss", None)


def test_recommend_cross_entropy_for_cross_encoder_classes():
    assert recommended(shape_for("C1"), C.CROSS) == ("CrossEntropyLoss", None)


def test_recommend_nothing_for_unusable_data():
    only_ids = S.DataShape(("id",), (S.ID,), n_rows=N_ROWS)
    for model_type in C.MODEL_TYPES:
        assert K.recommend_with_fix(only_ids, model_type) is None
        assert K.recommend(only_ids, model_type) is None


def test_ce_num_labels():
    assert K.ce_num_labels(C.get_loss("CrossEntropyLoss", C.CROSS), shape_for("C1")) == 3
    assert K.ce_num_labels(C.get_loss("BinaryCrossEntropyLoss", C.CROSS), shape_for("C3")) == 1
    assert K.ce_num_labels(C.get_loss("LambdaLoss", C.CROSS), None) == 1
    with pytest.raises(WorkbenchError, match="needs class labels"):
        K.ce_num_labels(C.get_loss("CrossEntropyLoss", C.CROSS), shape_for("C2"))
    v = judge("CrossEntropyLoss", shape_for("C1"), C.CROSS)
    assert "the cross-encoder gets 3 outputs (one per class)" in v.notes


def test_recommended_args_follow_the_sampler_and_the_data():
    mnrl = K.recommended_args(C.get_loss("MultipleNegativesRankingLoss"), 1000, C.DENSE)
    cosine = K.recommended_args(C.get_loss("CosineSimilarityLoss"), 1000, C.DENSE)
    assert mnrl["per_device_train_batch_size"] > cosine["per_device_train_batch_size"]
    assert (
        K.recommended_args(C.get_loss("CosineSimilarityLoss"), 5, C.DENSE)["per_device_train_batch_size"] == 5
    )
    assert "eval_strategy" not in cosine
    assert (
        K.recommended_args(C.get_loss("CosineSimilarityLoss"), 1000, C.DENSE, has_eval=True)["eval_strategy"]
        == "steps"
    )
    C.check_args(mnrl, C.DENSE)


H100 = {"device": "cuda", "name": "NVIDIA H100 80GB HBM3", "fp16": True, "bf16": True}
T4 = {"device": "cuda", "name": "Tesla T4", "fp16": True, "bf16": False}
MPS = {"device": "mps", "name": "Apple GPU", "fp16": True, "bf16": False}
CPU = {"device": "cpu", "name": "CPU", "fp16": False, "bf16": False}


@pytest.mark.parametrize(
    "device, expected", [(H100, {"bf16": True}), (T4, {"fp16": True}), (MPS, {}), (CPU, {}), (None, {})]
)
def test_precision_follows_the_device(device, expected):
    assert K.auto_precision(device) == expected
    args = K.recommended_args(C.get_loss("CosineSimilarityLoss"), 1000, C.DENSE, device=device)
    assert {k: args[k] for k in ("fp16", "bf16") if k in args} == expected
    # Precision is the only thing the device changes: the batch stays the one measured for the loss.
    assert {k: v for k, v in args.items() if k not in ("fp16", "bf16")} == K.recommended_args(
        C.get_loss("CosineSimilarityLoss"), 1000, C.DENSE
    )
    C.check_args(args, C.DENSE)


def test_a_chosen_precision_replaces_the_automatic_one():
    rec = K.recommended_args(C.get_loss("CosineSimilarityLoss"), 1000, C.DENSE, device=H100)
    assert K.merge_args(rec, {"fp16": True})["fp16"] is True and "bf16" not in K.merge_args(
        rec, {"fp16": True}
    )
    assert K.merge_args(rec, {"bf16": False})["bf16"] is False
    assert K.merge_args(rec, {"learning_rate": 1e-4}) == {**rec, "learning_rate": 1e-4}


# ---- evaluators ------------------------------------------------------------------------------------------------


def names(evaluators) -> list[str]:
    return [e.name for e in evaluators]


def test_evaluators_for_pairs_with_scores():
    shape = mapping(["s1", "s2"], "score")
    assert names(K.suggest_evaluators(shape, C.DENSE)) == ["EmbeddingSimilarityEvaluator"]
    assert names(K.suggest_evaluators(shape, C.SPARSE)) == ["SparseEmbeddingSimilarityEvaluator"]
    assert names(K.suggest_evaluators(shape, C.CROSS)) == ["CrossEncoderCorrelationEvaluator"]
    ok, why = K.evaluator_fits(C.get_evaluator("BinaryClassificationEvaluator"), shape)
    assert not ok and why.startswith("needs 2 text columns + a 0/1 label; the eval data has 2 input(s)")


def test_evaluators_for_binary_pairs():
    shape = shape_for("D7")
    for model_type, name in [
        (C.DENSE, "BinaryClassificationEvaluator"),
        (C.SPARSE, "SparseBinaryClassificationEvaluator"),
        (C.CROSS, "CrossEncoderClassificationEvaluator"),
    ]:
        assert name in names(K.suggest_evaluators(shape, model_type))
        assert K.evaluator_fits(C.get_evaluator(name, model_type), shape)[0]


def test_binary_classification_is_the_first_suggestion_for_binary_pairs():
    assert names(K.suggest_evaluators(shape_for("D7"), C.DENSE))[0] == "BinaryClassificationEvaluator"


def test_evaluators_for_triplets():
    shape = shape_for("D9")
    assert names(K.suggest_evaluators(shape, C.DENSE)) == [
        "TripletEvaluator",
        "InformationRetrievalEvaluator",
        "RerankingEvaluator",
    ]
    assert names(K.suggest_evaluators(shape, C.CROSS)) == ["CrossEncoderRerankingEvaluator"]
    assert not K.evaluator_fits(C.get_evaluator("TripletEvaluator"), shape_for("D6"))[0]


def test_evaluators_for_query_positive_pairs():
    shape = shape_for("D6")
    suggested = names(K.suggest_evaluators(shape, C.DENSE))
    assert suggested[0] == "InformationRetrievalEvaluator"
    assert "TripletEvaluator" not in suggested and "EmbeddingSimilarityEvaluator" not in suggested
    assert names(K.suggest_evaluators(shape, C.SPARSE))[0] == "SparseInformationRetrievalEvaluator"


def test_evaluators_for_cross_encoder_lists():
    assert names(K.suggest_evaluators(shape_for("C7"), C.CROSS)) == ["CrossEncoderRerankingEvaluator"]
    assert not K.suggest_evaluators(shape_for("C7"), C.DENSE)


def test_nanobeir_is_excluded_offline():
    for ev in C.EVALUATORS:
        if "NanoBEIR" in ev.name:
            assert not ev.offline
            ok, why = K.evaluator_fits(ev, None)
            assert not ok and "downloads its benchmark data from the Hub" in why
    for model_type in C.MODEL_TYPES:
        for ref in ("D6", "D7", "D8", "D9"):
            assert not [e for e in K.suggest_evaluators(shape_for(ref), model_type) if "NanoBEIR" in e.name]


def test_evaluator_needs_an_eval_dataset():
    ok, why = K.evaluator_fits(C.get_evaluator("TripletEvaluator"), None)
    assert not ok and why == "needs an eval dataset"
    assert K.suggest_evaluators(None, C.DENSE) == []
    with_id = S.DataShape(("id", "s1", "s2"), (S.ID, S.TEXT, S.TEXT), n_rows=N_ROWS)
    ok, why = K.evaluator_fits(C.get_evaluator("TripletEvaluator"), with_id)
    assert not ok and why == "every input column must hold text"
