"""Which losses fit a dataset's shape, why not, and how to fix it; the loss "auto" picks.

Everything here is a pure function of (DataShape, model type): derived facts are computed, never stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .. import catalog as C
from ..data import shapes as S
from ..errors import WorkbenchError

# Losses that do not care about the scale of a float score (they rank pairs by their scores).
SCALE_FREE = ("CoSENTLoss", "AnglELoss", "SparseCoSENTLoss", "SparseAnglELoss")
NUMERIC_LABEL_ROLES = (S.SCORE, S.BINARY, S.CLASS)


@dataclass(frozen=True)
class Fix:
    """A one-click change to the column mapping (or, for ``use_loss``, to the loss) that makes the data train.

    Attributes:
        kind: reorder | drop_inputs | set_label | unset_label | rescale | add_input | use_loss | derive |
            pair_copy (a plain corpus: the text column mapped twice, as (sentence, sentence) pairs).
        text: What the fix does, in plain words.
        inputs: The new input columns (None: unchanged).
        label: The new label column ("" = no label; None: unchanged).
        label_range: The new label range (None: unchanged).
        loss: The loss to choose for the dataset (``use_loss``: the mapping stays as it is; ``derive`` and
            ``pair_copy``: the loss the new mapping is for).
        derive: The dataset's new ``derive`` (a `catalog.DERIVATIONS` name; "" = none; None: unchanged).
    """

    kind: str
    text: str
    inputs: tuple[str, ...] | None = None
    label: str | None = None
    label_range: tuple[float, float] | None = None
    loss: str | None = None
    derive: str | None = None

    def apply(self, inputs, label, label_range):
        """The mapping (inputs, label, label_range) after this fix."""
        new_inputs = tuple(self.inputs) if self.inputs is not None else tuple(inputs)
        new_label = (self.label or None) if self.label is not None else label
        new_range = self.label_range if self.label_range is not None else label_range
        if self.kind == "unset_label":
            new_range = None
        return new_inputs, new_label, new_range


@dataclass(frozen=True)
class Verdict:
    """Whether one loss fits the mapped data, and why (not)."""

    name: str
    compatible: bool
    reason: str
    fixes: tuple[Fix, ...] = ()
    notes: tuple[str, ...] = ()
    format_ref: str | None = None
    loss: C.LossSpec | None = field(default=None, repr=False, compare=False)


def _names(cols) -> str:
    return ", ".join(f"'{c}'" for c in cols) if cols else "none"


def guess_range(shape: S.DataShape) -> tuple[float, float]:
    """The scale a score label is rescaled from: its lowest and highest values, widened to whole numbers (ratings
    1–5 give 1–5, so 1 becomes 0; STS scores 0.2–4.8 give 0–5)."""
    lo = math.floor(shape.label_min) if shape.label_min is not None else 0
    hi = math.ceil(shape.label_max) if shape.label_max is not None else 1
    return float(lo), float(hi if hi > lo else lo + 1)


def rescale_fix(shape: S.DataShape) -> Fix:
    """The fix that rescales a score label to 0–1 from the range guessed from its values, naming that range."""
    lo, hi = guess_range(shape)
    text = f"rescale '{shape.label}' from {lo:g}–{hi:g} (the range of its values) to 0–1"
    return Fix("rescale", text, label_range=(lo, hi))


def _check_inputs(fmt: C.DataFormat, shape: S.DataShape, model_type: str):
    """Problems with the input columns: (reason, fixes) or None."""
    n = shape.n_inputs
    roles = shape.input_roles
    if len(shape.unmapped_roles) == len(shape.unmapped):
        spare_text = [c for c, r in zip(shape.unmapped, shape.unmapped_roles, strict=True) if r == S.TEXT]
    else:
        spare_text = [c for c in shape.unmapped if c not in shape.inputs]
    if n < fmt.n_min or (fmt.n_max is not None and n > fmt.n_max):
        fixes = []
        if fmt.n_max is not None and n > fmt.n_max:
            # Keep the text columns first: id-like or numeric inputs are the usual culprits.
            ranked = sorted(range(n), key=lambda i: roles[i] != S.TEXT)
            keep = tuple(shape.inputs[i] for i in sorted(ranked[: fmt.n_max]))
            dropped = [c for c in shape.inputs if c not in keep]
            label_like = [
                c for c, r in zip(shape.inputs, roles, strict=True) if r in S.LABEL_ROLES and c in dropped
            ]
            if fmt.label != C.L_NONE and shape.label is None and len(label_like) == 1:
                rest = tuple(c for c in keep if c != label_like[0])
                fixes.append(
                    Fix("set_label", f"use '{label_like[0]}' as the label", inputs=rest, label=label_like[0])
                )
            fixes.append(Fix("drop_inputs", f"drop input column(s) {_names(dropped)}", inputs=keep))
        elif n < fmt.n_min and spare_text and len(spare_text) >= fmt.n_min - n:
            add = tuple(spare_text[: fmt.n_min - n])
            fixes.append(Fix("add_input", f"add {_names(add)} as input", inputs=tuple(shape.inputs) + add))
        return f"needs {fmt.describe()}; you mapped {n} input column(s) ({_names(shape.inputs)})", tuple(
            fixes
        )
    for i, (col, role) in enumerate(zip(shape.inputs, roles, strict=True)):
        want_list = fmt.list_docs and i == 1
        if want_list and role != S.TEXT_LIST:
            return (f"needs the documents as a list column in position 2; '{col}' holds {role} values", ())
        if not want_list and role == S.TEXT_LIST:
            if model_type != C.CROSS:
                return (
                    f"input '{col}' holds lists of texts; {model_type} models take one text per column",
                    (),
                )
            return f"input '{col}' holds lists of texts; this loss takes one text per column", ()
        if not want_list and role not in (S.TEXT, S.CATEGORY):  # short repeated strings are text too
            others = tuple(c for c in shape.inputs if c != col)
            fixes = [Fix("drop_inputs", f"drop '{col}' from the inputs", inputs=others)]
            if role in S.LABEL_ROLES and shape.label is None:
                fixes.insert(0, Fix("set_label", f"use '{col}' as the label", inputs=others, label=col))
            what = {S.ID: "ids", S.EMPTY: "no values"}.get(role, f"{role} values, not text")
            return f"input column '{col}' holds {what}", tuple(fixes)
    return None


def _check_label(loss: C.LossSpec, fmt: C.DataFormat, shape: S.DataShape):
    """Problems with the label: (reason, fixes, notes) where reason is None when it fits."""
    want, role, label = fmt.label, shape.label_role, shape.label
    if want == C.L_NONE:
        if label is None:
            return None, (), ()
        return (
            f"takes no label, but '{label}' is mapped as the label",
            (
                Fix(
                    "unset_label",
                    f"train without the label '{label}' (every row counts as a positive pair)",
                    label="",
                ),
            ),
            (),
        )
    if label is None:
        return f"needs {C.LABEL_TEXT[want]}; no label column is mapped", (), ()
    if role in (S.TEXT, S.TEXT_LIST, S.ID, S.EMPTY, S.OTHER):
        return f"needs {C.LABEL_TEXT[want]}; label column '{label}' holds {role} values", (), ()
    return _LABEL_CHECKS.get(want, _list_label)(loss, want, shape)


def _class_label(loss: C.LossSpec, want: str, shape: S.DataShape):
    role, label, n_cls = shape.label_role, shape.label, shape.n_classes
    if role in (S.CLASS, S.BINARY, S.CATEGORY):
        if n_cls is not None and n_cls < 2:
            return f"needs at least 2 classes; '{label}' has only {n_cls}", (), ()
        notes = (f"the text classes in '{label}' are turned into class ids",) if role == S.CATEGORY else ()
        return None, (), notes
    if role == S.SCORE and n_cls:  # whole-number scores ("rating" 1-5): classes when a class loss is chosen
        note = f"the whole numbers in '{label}' are used as {n_cls} classes, not as scores"
        return None, (as_classes_fix(loss, shape),), (note,)
    return f"needs {C.LABEL_TEXT[want]}; '{label}' holds decimal scores", (), ()


def takes_classes(loss: C.LossSpec) -> bool:
    """Whether a loss reads its label as classes (``auto`` never picks one for a score label)."""
    return any(fmt.label == C.L_CLASS for fmt in loss.formats)


def as_classes_fix(loss: C.LossSpec, shape: S.DataShape) -> Fix:
    """The fix that treats a whole-number score label as classes: choosing a loss that takes classes."""
    return Fix(
        "use_loss",
        f"treat '{shape.label}' as {shape.n_classes} classes (train with {loss.name})",
        loss=loss.name,
    )


def _binary_label(loss: C.LossSpec, want: str, shape: S.DataShape):
    role, label = shape.label_role, shape.label
    if role == S.BINARY:
        return None, (), ()
    if role == S.CATEGORY and shape.n_classes == 2:
        return (f"needs 0/1 labels; '{label}' holds two text values — map them to 0/1 first", (), ())
    return f"needs {C.LABEL_TEXT[want]}; '{label}' holds {role} values", (), ()


def _score01_label(loss: C.LossSpec, want: str, shape: S.DataShape):
    role, label = shape.label_role, shape.label
    if role not in NUMERIC_LABEL_ROLES:
        return f"needs {C.LABEL_TEXT[want]}; '{label}' holds {role} values", (), ()
    rng = shape.effective_label_range
    if rng is not None and (rng[0] < 0 or rng[1] > 1):
        if loss.name in SCALE_FREE:
            note = (
                f"'{label}' runs from {rng[0]:g} to {rng[1]:g}; {loss.name} only uses the order "
                "of the scores, so no rescaling is needed"
            )
            return None, (), (note,)
        return (
            f"needs scores between 0 and 1; '{label}' runs from {rng[0]:g} to {rng[1]:g}",
            (rescale_fix(shape),),
            (),
        )
    return None, (), ((f"the integers in '{label}' are used as scores",) if role == S.CLASS else ())


def _float_label(loss: C.LossSpec, want: str, shape: S.DataShape):
    if shape.label_role in NUMERIC_LABEL_ROLES:
        return None, (), ()
    return f"needs {C.LABEL_TEXT[want]}; '{shape.label}' holds {shape.label_role} values", (), ()


def _list_label(loss: C.LossSpec, want: str, shape: S.DataShape):
    label = shape.label
    if shape.label_role != S.NUMBER_LIST:
        return f"needs {C.LABEL_TEXT[want]}; '{label}' holds {shape.label_role} values", (), ()
    n = shape.n_inputs
    expected = {C.L_LIST_N: n - 2, C.L_LIST_N1: n - 1}.get(want)
    if expected is not None and shape.label_list_len is not None and shape.label_list_len != expected:
        return (
            f"needs {C.LABEL_TEXT[want]}: lists of length {expected} for {n} inputs; "
            f"'{label}' holds lists of length {shape.label_list_len}",
            (),
            (),
        )
    return None, (), ()


# The label a format wants -> its check (list labels and teacher vectors: `_list_label`).
_LABEL_CHECKS = {
    C.L_CLASS: _class_label,
    C.L_BINARY: _binary_label,
    C.L_SCORE01: _score01_label,
    C.L_FLOAT: _float_label,
}


# The loss a derivation builds inputs for -> the derivation (TSDAE: DenoisingAutoEncoderLoss).
DERIVED = {d.loss: d for d in C.DERIVATIONS}
# The loss that trains on a plain corpus's text column mapped twice: (sentence, sentence) pairs.
PAIR_COPY_LOSS = "ContrastiveTensionLossInBatchNegatives"


def _corpus_check(loss: C.LossSpec, shape: S.DataShape):
    """For the unsupervised losses: a plain corpus (one text column, no label) and the fix that builds the pairs
    they read, as (reason, fixes, notes); None when the general checks apply."""
    derivation = DERIVED.get(loss.name)
    if loss.name != PAIR_COPY_LOSS and derivation is None:
        return None
    if shape.label is not None or not shape.inputs or shape.input_roles[0] not in (S.TEXT, S.CATEGORY):
        return None
    col, n = shape.inputs[0], shape.n_inputs
    if derivation is None:  # (sentence, sentence): the column mapped twice
        if n != 1:
            return None
        text = f"use '{col}' twice: (sentence, sentence) pairs for contrastive tension"
        fix = Fix("pair_copy", text, inputs=(col, col), loss=loss.name)
        return f"needs {loss.formats[0].describe()}; you mapped 1 text column ('{col}')", (fix,), ()
    if shape.derive == derivation.name:
        if n == 2:
            note = f"{derivation.text.format(col=repr(col))}: {derivation.detail}"
            return None, (), (f"{note} (derive: '{derivation.name}')",)
        return None
    fix = Fix(
        "derive", derivation.text.format(col=f"'{col}'"), (col, col), loss=loss.name, derive=derivation.name
    )
    if n == 1:
        return f"needs {loss.formats[0].describe()}; you mapped 1 text column ('{col}')", (fix,), ()
    if n == 2 and shape.inputs[1] == col:
        return (
            f"the damaged and the original sentence are both '{col}': there is nothing to repair",
            (fix,),
            (),
        )
    return None


def _check_format(loss: C.LossSpec, fmt: C.DataFormat, shape: S.DataShape, model_type: str):
    corpus = _corpus_check(loss, shape)
    if corpus is not None:
        return corpus
    problem = _check_inputs(fmt, shape, model_type)
    if problem:
        return problem[0], problem[1], ()
    return _check_label(loss, fmt, shape)


def verdict(loss: C.LossSpec, shape: S.DataShape) -> Verdict:
    """Judge one loss against the mapped data."""
    model_type = loss.model_type
    if loss.group in ("modifier", "wrapper"):
        what = (
            "a modifier that wraps a main loss"
            if loss.group == "modifier"
            else "a wrapper around a sparse main loss"
        )
        return Verdict(loss.name, False, f"{loss.name} is {what}; choose it next to a main loss", loss=loss)
    best = None
    for fmt in loss.formats:
        reason, fixes, notes = _check_format(loss, fmt, shape, model_type)
        if reason is None:
            notes = list(notes) + _extra_notes(loss, shape)
            blocker = _blocker(loss, shape)
            if blocker:
                return Verdict(loss.name, False, blocker, (), tuple(notes), fmt.ref, loss)
            text = f"fits: {fmt.describe()}"  # a fix that fits already is another reading (use_loss)
            return Verdict(loss.name, True, text, tuple(fixes), tuple(notes), fmt.ref, loss)
        # Prefer the explanation from the format closest to the mapped number of inputs.
        distance = (
            0
            if fmt.n_min <= shape.n_inputs <= (fmt.n_max or 99)
            else min(abs(fmt.n_min - shape.n_inputs), abs((fmt.n_max or fmt.n_min) - shape.n_inputs))
        )
        rank = (distance, 0 if fixes else 1)
        if best is None or rank < best[0]:
            best = (rank, reason, fixes, fmt.ref)
    if best is None:
        return Verdict(loss.name, False, "takes no dataset directly", loss=loss)
    _, reason, fixes, ref = best
    if len(loss.formats) > 1:
        accepted = "; or ".join(f.describe() for f in loss.formats)
        reason = f"{reason}. Accepted: {accepted}"
    return Verdict(loss.name, False, reason, tuple(fixes), (), ref, loss)


def _blocker(loss: C.LossSpec, shape: S.DataShape) -> str | None:
    if loss.sampler == C.GBL and shape.min_rows_per_class is not None and shape.min_rows_per_class < 2:
        return (
            f"needs at least 2 rows per class in '{shape.label}' (batches are built from same-class rows); "
            "some classes have only 1 row"
        )
    if "contrastive_tension" in loss.needs:
        return (
            "trains with its own ContrastiveTensionDataLoader outside the Trainer; use "
            "ContrastiveTensionLossInBatchNegatives with (sentence, sentence) pairs instead"
        )
    return None


def _extra_notes(loss: C.LossSpec, shape: S.DataShape) -> list[str]:
    notes = []
    if shape.derive and shape.derive in C.DERIVE_NAMES and loss.name not in DERIVED:
        made = C.derivation(shape.derive)
        notes.append(f"the first input is damaged for {made.loss} (derive: '{made.name}'), not read as it is")
    if loss.sampler == C.ND:
        notes.append("uses in-batch negatives: the no-duplicates batch sampler is switched on")
    if loss.sampler == C.GBL:
        notes.append("batches are grouped by label (group-by-label sampler)")
    if "splade_wrapper" in loss.needs:
        notes.append("wrapped in SpladeLoss with FLOPS regularizers, as SPLADE training requires")
    if "guide_model" in loss.needs:
        notes.append("needs a guide model (default: the packaged all-MiniLM-L6-v2)")
    if loss.cached:
        notes.append("cached loss: gradient checkpointing must stay off")
    if loss.deprecated:
        notes.append(loss.deprecated)
    if loss.group == "regularizer":
        notes.append("a regularizer: it only spreads embeddings apart; best combined with a main loss")
    if loss.model_type == C.CROSS and loss.num_labels == "classes" and shape.n_classes:
        notes.append(f"the cross-encoder gets {shape.n_classes} outputs (one per class)")
    return notes


def verdicts(shape: S.DataShape, model_type: str) -> list[Verdict]:
    """A verdict for EVERY loss of the model type that trains on data (main, distillation, regularizer)."""
    return [verdict(loss, shape) for loss in C.losses_for(model_type)]


def ce_num_labels(loss: C.LossSpec, shape: S.DataShape | None) -> int:
    """The cross-encoder output size a loss needs."""
    if loss.num_labels == "classes":
        if shape is None or not shape.n_classes:
            raise WorkbenchError(f"{loss.name} needs class labels to size the classifier.", where="loss")
        return int(shape.n_classes)
    return 1


def shape_with(shape: S.DataShape, **changes) -> S.DataShape:
    return replace(shape, **changes)
