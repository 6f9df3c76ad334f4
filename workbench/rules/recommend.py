"""The loss ``auto`` picks, the verdicts of a mapped dataset and of several train datasets, and the one-click fixes
the app offers. Pure functions of verdicts and shapes; the app (Columns and Loss tabs), the CLI and the run plan
read the same ones."""

from __future__ import annotations

from dataclasses import replace

from .. import catalog as C
from ..data import shapes as S
from .losses import Fix, Verdict, takes_classes, verdict, verdicts

# The fixes that build an unsupervised loss's inputs from a plain corpus (they also choose that loss).
CORPUS_FIXES = ("derive", "pair_copy")
# What auto resolves to for one train dataset: (loss, the fix it applies or None), or None when nothing fits.
Pick = tuple[C.LossSpec, Fix | None] | None


def recommend(shape: S.DataShape, model_type: str) -> C.LossSpec | None:
    """The loss "auto" means: the first of the catalog's recommended losses that fits (a rescale fix allowed)."""
    choice = recommend_with_fix(shape, model_type)
    return choice[0] if choice else None


def recommend_with_fix(shape: S.DataShape, model_type: str) -> Pick:
    """Like :func:`recommend`, also returning the rescale fix "auto" applies (ratings 1–5 → 0–1) or None.

    Inputs built for one loss (``derive``: TSDAE's damaged sentences) pick that loss. A score label is read as
    scores: a loss that takes classes is never picked for it (whole-number scores are
    classes only when the person chooses such a loss: :func:`mapping_fixes` offers it).
    """
    made = next((d for d in C.DERIVATIONS if d.name == shape.derive), None)
    if made is not None and model_type == C.DENSE:  # pairs built for one loss: that loss
        loss = C.get_loss(made.loss, model_type)
        if verdict(loss, shape).compatible:
            return loss, None
    judged = [C.get_loss(name, model_type) for name in C.RECOMMENDED[model_type]]
    if shape.label_role == S.SCORE:
        judged = [loss for loss in judged if not takes_classes(loss)]
    judged = [(loss, verdict(loss, shape)) for loss in judged]
    for loss, v in judged:  # a loss that fits as the data is beats one that needs the data changed
        if v.compatible:
            return loss, None
    if shape.label_role in (S.SCORE, S.BINARY):  # class ids are not scores: never rescale them
        for loss, v in judged:
            rescale = [f for f in v.fixes if f.kind == "rescale"]
            if rescale:
                return loss, rescale[0]
    return None


def mapped_verdicts(shape: S.DataShape, model_type: str, label_guessed: bool) -> list[Verdict]:
    """:func:`verdicts` for a mapped dataset. A guessed label binds like a chosen one: a loss that takes no label
    does not fit until the person says "no label" (its fix); its reason says the label was guessed."""
    out = verdicts(shape, model_type)
    if not label_guessed or shape.label is None:
        return out
    mapped = f"'{shape.label}' is mapped as the label"
    guessed = f"{mapped} (the workbench guessed it from the data)"
    return [replace(v, reason=v.reason.replace(mapped, guessed)) if mapped in v.reason else v for v in out]


def combined_verdicts(by_dataset: dict[str, list[Verdict]]) -> dict[str, Verdict]:
    """One verdict per loss over several train datasets: it fits only if it fits every one of them.

    Args:
        by_dataset: Train dataset name -> its verdicts (empty while it loads or when its mapping is broken).

    Returns:
        Loss name -> verdict; with several datasets, a reason that does not fit names the dataset it is about.
    """
    out: dict[str, Verdict] = {}
    single = len(by_dataset) == 1
    for name, found in by_dataset.items():
        for v in found:
            prev = out.get(v.name)
            if prev is None:
                reason = v.reason if v.compatible else f"'{name}': {v.reason}"
                out[v.name] = v if single else replace(v, reason=reason)
            elif prev.compatible and not v.compatible:
                out[v.name] = replace(v, reason=f"'{name}': {v.reason}")
    return out


def auto_verdicts(combined: dict[str, Verdict], picks: dict[str, Pick]) -> dict[str, Verdict]:
    """The verdicts the loss table shows while the loss is ``auto``: each loss auto picks fits the train datasets
    it is picked for (after the fix auto applies there), and its reason says so.

    Args:
        combined: :func:`combined_verdicts` of the train datasets.
        picks: Train dataset name -> what auto resolves to there (:func:`recommend_with_fix`).
    """
    out = dict(combined)
    several = len(picks) > 1
    for loss in {p[0].name: p[0] for p in picks.values() if p is not None}.values():
        names = [n for n, p in picks.items() if p is not None and p[0].name == loss.name]
        fixes = [picks[n][1].text for n in names if picks[n][1] is not None]
        base = out.get(loss.name) or Verdict(loss.name, True, "fits", loss=loss)
        if base.compatible and not fixes:
            continue
        where = f" {', '.join(repr(n) for n in names)}" if several else ""
        how = f" once auto applies its fix: {'; '.join(dict.fromkeys(fixes))}" if fixes else ""
        out[loss.name] = replace(base, compatible=True, reason=f"fits{where}{how} (auto picks it)", fixes=())
    return out


def auto_summary(picks: dict[str, Pick]) -> str | None:
    """What auto trains with, in words ("CoSENTLoss", or one loss per dataset); None while a dataset has none."""
    if not picks or any(p is None for p in picks.values()):
        return None
    names = {n: p[0].name for n, p in picks.items()}
    if len(set(names.values())) == 1:
        return next(iter(names.values()))
    return ", ".join(f"{loss} for '{n}'" for n, loss in names.items())


def mapping_fixes(
    choice: str,
    found: list[Verdict],
    recommended: Pick,
    model_type: str,
    limit: int | None = None,
) -> list[Fix]:
    """The one-click fixes to offer for a train dataset's mapping.

    Args:
        choice: The chosen loss name, or ``"auto"``.
        found: The dataset's verdicts (:func:`mapped_verdicts`).
        recommended: What ``auto`` resolves to (:func:`recommend_with_fix`), or None when nothing fits.
        model_type: The model type (its recommended losses are searched for fixes when ``auto`` finds none).
        limit: At most this many fixes for ``auto`` with nothing that fits (None: all).

    Returns:
        A chosen loss that does not fit: its fixes. ``auto``: the fix it applies itself, and for whole-number
        scores read as scores the fix that treats them as classes; when no loss fits, the distinct fixes of the
        recommended losses in the catalog's order, then those that build the unsupervised losses' pairs from a
        plain text column (TSDAE's damaged sentences, contrastive tension's sentence pairs).
    """
    if choice != "auto":
        v = next((v for v in found if v.name == choice), None)
        return list(v.fixes) if v is not None and not v.compatible else []
    if recommended is not None:
        out = [recommended[1]] if recommended[1] is not None else []
        classes = _as_classes(found, model_type)
        return out + ([classes] if classes is not None else [])
    seen, out = set(), []
    for name in C.RECOMMENDED[model_type]:
        for v in found:
            if v.name != name:
                continue
            for f in v.fixes:
                if f.text not in seen:
                    seen.add(f.text)
                    out.append(f)
    # A plain corpus fits no recommended loss: offer the fixes that build the unsupervised losses' pairs.
    out += [f for v in found for f in v.fixes if f.kind in CORPUS_FIXES and f.text not in seen]
    return out if limit is None else out[:limit]


def _as_classes(found: list[Verdict], model_type: str) -> Fix | None:
    """For a whole-number score label (which auto reads as scores): the fix that trains with the first recommended
    loss that takes classes and fits (its verdict carries it), else None."""
    by_name = {v.name: v for v in found}
    for name in C.RECOMMENDED[model_type]:
        v = by_name.get(name)
        if v is not None and v.compatible:
            fix = next((f for f in v.fixes if f.kind == "use_loss"), None)
            if fix is not None:
                return fix
    return None
