"""One distillation run, teacher -> student, into a run folder: ``distill.json`` (the request, then the report),
``events.jsonl`` / ``status.json`` (the same typed events and status as a training run: loading -> baseline ->
training -> saving -> finished), ``teacher_targets.npy`` (what the student learnt from), ``final/`` (the student)
and ``summary.json`` (so ``workbench runs`` lists it).

Steps: load the teacher and build the student (:mod:`.distill`); compute the teacher's targets with progress;
measure teacher and student before; train with the library's ``SentenceTransformerTrainer`` and loss (MSELoss,
EmbedDistillLoss, MarginMSELoss or DistillKLDivLoss); measure the student after. The figures: the eval metric
(STSb-style pairs: Spearman of cosine similarity by the library's EmbeddingSimilarityEvaluator; triplets: the share
of rows ranking the positive first), else the mean cosine to the teacher's embeddings on held-out texts; parameters,
size on disk and encode sentences/s measured here, interleaved.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import catalog as C
from .. import rules
from ..errors import WorkbenchError
from . import distill as D
from .distill_measure import SPEED_TEXTS, Measure, mse_to_teacher, read_rows, size_on_disk, speed
from .events import ErrorEvent, LogEvent, NoteEvent, ProgressEvent, RunStatus, StatusEvent
from .run_folder import RunFolder, read_json, save_final, stop_requested, write_json_atomic
from .runner import _PRINTERS, _fp32_forward

DISTILL_REPORT = "distill.json"
HELD_OUT = 200  # held-out texts for the agreement figure when there is no eval file
Progress = Callable[[str, int, int], None]


@dataclass
class DistillRequest:
    """What to distil. ``columns``: the text column (an embedding teacher) or the (query, positive, negative...)
    columns (a cross-encoder teacher). The student starts from ``student`` (default: the teacher itself for an
    embedding teacher, the packaged MiniLM for a cross-encoder teacher), cut to its first ``keep_layers``."""

    teacher: str = "default"
    data: str = ""
    columns: tuple[str, ...] = ()
    student: str = ""
    keep_layers: int | None = None
    loss: str = ""
    eval_file: str = ""
    eval_columns: tuple[str, ...] = ()
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 1e-4
    max_rows: int | None = None
    extra: dict = field(default_factory=dict)


def teacher_path(name: str) -> str:
    """A teacher's folder: ``default`` (the packaged model), a finished run's folder (its ``final/``), or a model
    folder."""
    from .models import resolve_model_path

    run_model = Path(str(name)).expanduser() / "final"
    if run_model.is_dir():
        return str(run_model)
    return resolve_model_path(name)


def teacher_type(path: str) -> str:
    """``sentence-transformer`` or ``cross-encoder`` (a plain transformers checkpoint loads as an embedding model)."""
    from .models import checkpoint_type

    kind = checkpoint_type(path)
    for model_type in (C.DENSE, C.CROSS, C.SPARSE):
        if kind == C.kind(model_type).class_name:
            return model_type
    return C.DENSE


def config_layers(path: str) -> int | None:
    """The layer count a model folder's transformers ``config.json`` says (None: unknown), read without torch."""
    config = read_json(Path(path) / "config.json")
    return next((int(config[k]) for k in D.LAYER_COUNT_KEYS if isinstance(config.get(k), int)), None)


def check_distill(req: DistillRequest) -> tuple[str, str, str]:
    """What needs no model loaded: the files, columns and loss. Returns (teacher folder, its type, the loss).

    Raises:
        WorkbenchError: a missing file or column, a loss that does not fit the teacher, no way to build a student.
    """
    path = teacher_path(req.teacher)
    kind = teacher_type(path)
    loss = rules.distill_loss(kind, req.loss or None)
    want = 1 if kind == C.DENSE else 3
    if len(req.columns) < want or (kind == C.DENSE and len(req.columns) != 1):
        raise WorkbenchError(
            "an embedding teacher needs one text column."
            if kind == C.DENSE
            else "a cross-encoder teacher needs the query, positive and negative columns.",
            fix="e.g. --column sentence" if kind == C.DENSE else "e.g. --columns anchor,positive,negative",
            where="columns",
        )
    if kind == C.DENSE and not req.student and req.keep_layers is None:
        raise WorkbenchError(
            "the student would be the teacher itself.",
            fix="give a smaller student model, or keep the teacher's first k layers (--keep-layers K).",
            where="student",
        )
    base = req.student or (path if kind == C.DENSE else "default")
    layers = config_layers(teacher_path(base))
    if req.keep_layers is not None and layers is not None:
        rules.check_keep_layers(req.keep_layers, layers)
    if not req.data:
        raise WorkbenchError("no data file to distil on.", fix="give the texts' file.", where="data")
    rules.check_columns(read_rows(req.data, "data").column_names, req.columns)
    if req.eval_file and req.eval_columns:
        rules.check_columns(read_rows(req.eval_file, "eval").column_names, req.eval_columns, "eval")
    if req.epochs <= 0 or req.batch_size < 1:
        raise WorkbenchError("epochs and batch size must be positive.", fix="e.g. 1 epoch, batch 32.")
    return path, kind, loss


def _rows(req: DistillRequest, kind: str) -> tuple[list, list]:
    """(train rows, held-out rows): texts (embedding teacher) or (query, positive, negative...) tuples."""
    ds = read_rows(req.data, "data")
    if kind == C.DENSE:
        items = [str(t) for t in ds[req.columns[0]] if t is not None and str(t).strip()]
        items = list(dict.fromkeys(items))  # a text repeated in the data is one target
    else:
        items = [tuple(str(row[c]) for c in req.columns) for row in ds]
        items = [r for r in items if all(t.strip() and t != "None" for t in r)]
    if req.max_rows:
        items = items[: req.max_rows]
    hold = 0 if req.eval_file else min(HELD_OUT, len(items) // 10)
    if len(items) - hold < 2:
        raise WorkbenchError(
            f"only {len(items)} usable rows in the data: too few to distil on.",
            fix="give more texts (hundreds at least).",
            where="data",
        )
    return items[hold:], items[:hold]


def _figures(model, folder, metric, sps) -> dict:
    return {
        "metric": None if metric is None else round(metric, 4),
        "parameters": D.parameter_count(model),
        "layers": D.layer_count(model),
        "size_mb": round(size_on_disk(folder) / 1e6, 1) if folder else None,
        "sps": sps,
    }


def distill(req: DistillRequest, out_dir: str | Path, *, progress: Progress | None = None) -> dict:
    """Run a distillation into ``out_dir`` and return its report (also written to ``out_dir/distill.json``).

    Args:
        progress: Called with (what, done, in all) while the teacher encodes and the student trains.

    Raises:
        WorkbenchError: bad input (checked before any model loads) or NaN teacher targets.
    """
    out = Path(out_dir)
    path, kind, loss_name = check_distill(req)
    folder = RunFolder(out, backend="process")
    write_json_atomic(out / DISTILL_REPORT, {"request": asdict(req)})
    started = time.time()
    try:
        report = _distill(req, out, folder, path, kind, loss_name, progress or (lambda *a: None))
    except BaseException as exc:
        wb = exc if isinstance(exc, WorkbenchError) else None
        message = wb.message if wb else f"{type(exc).__name__}: {exc}"
        folder.handle(
            ErrorEvent(message, wb.fix if wb else None, wb.where if wb else None, type(exc).__name__)
        )
        folder.handle(StatusEvent(RunStatus.ERROR))
        write_json_atomic(out / "summary.json", {"status": "error", "error": message, "kind": "distill"})
        folder.close()
        raise
    report["seconds"] = round(time.time() - started, 1)
    write_json_atomic(out / DISTILL_REPORT, report)
    status = RunStatus.STOPPED if report.get("stopped") else RunStatus.FINISHED
    summary = {"status": status.value, "kind": "distill", "model_path": report["student_path"]}
    write_json_atomic(out / "summary.json", summary | {"verdict": report["verdict"]})
    folder.handle(StatusEvent(status))
    folder.close()
    return report


def _build_student(req: DistillRequest, kind: str, path: str, folder: RunFolder):
    from ..spec import ModelSpec
    from .models import build_model

    base = req.student or (path if kind == C.DENSE else "default")
    student = build_model(ModelSpec(name_or_path=teacher_path(base) if req.student else base))
    if req.keep_layers is not None:
        before = D.layer_count(student)
        D.keep_first_layers(student, req.keep_layers)
        folder.handle(
            NoteEvent(f"the student keeps the first {req.keep_layers} of {before} layers of {base}")
        )
    return student, base


def _targets(req, kind, teacher, rows, loss_name, progress):
    from datasets import Dataset

    if kind == C.DENSE:
        emb = D.teacher_embeddings(teacher, rows, progress=lambda d, n: progress("teacher encoding", d, n))
        return Dataset.from_dict({"text": rows, "label": emb.tolist()}), emb
    scores = D.teacher_scores(teacher, rows, progress=lambda d, n: progress("teacher scoring", d, n))
    labels = D.margins(scores) if loss_name == "MarginMSELoss" else scores
    cols = {"query": [r[0] for r in rows], "positive": [r[1] for r in rows]}
    for i in range(2, len(rows[0])):
        cols[f"negative_{i - 1}"] = [r[i] for r in rows]
    return Dataset.from_dict(cols | {"label": labels.tolist()}), scores


def _loss(loss_name: str, student, teacher_dim: int | None):
    from .models import embedding_dimension

    cls = C.import_attr(("sentence_transformers.sentence_transformer.losses",), loss_name)
    if loss_name in rules.EMBEDDING_LOSSES:
        dim = embedding_dimension(student)
        return cls(student, projection_dim=teacher_dim if dim != teacher_dim else None)
    return cls(student)


def _distill(
    req, out: Path, folder: RunFolder, path: str, kind: str, loss_name: str, progress: Progress
) -> dict:
    import numpy as np

    from ..spec import ModelSpec
    from .models import build_model, embedding_dimension, quiet_loading

    teacher = build_model(ModelSpec(type=kind, name_or_path=path))
    student, base = _build_student(req, kind, path, folder)
    rows, held_out = _rows(req, kind)
    folder.handle(NoteEvent(f"the teacher ({path}) computes the targets of {len(rows)} rows"))
    train_ds, targets = _targets(req, kind, teacher, rows, loss_name, progress)
    np.save(out / "teacher_targets.npy", targets)
    folder.handle(StatusEvent(RunStatus.BASELINE))
    measure = Measure(req, kind, teacher, held_out)
    texts = list(rows if kind == C.DENSE else [t for r in rows for t in r])[:SPEED_TEXTS]
    t_metric, s_before = measure.of_teacher(), measure.of(student)
    mse_before = mse_to_teacher(student, rows, targets) if kind == C.DENSE else None
    shape_before = {"parameters": D.parameter_count(student), "layers": D.layer_count(student)}
    teacher_dim = embedding_dimension(teacher) if kind == C.DENSE else None
    loss = _loss(loss_name, student, teacher_dim)
    folder.handle(StatusEvent(RunStatus.TRAINING))
    stopped, losses = _train(req, out, folder, student, train_ds, loss, progress)
    folder.handle(StatusEvent(RunStatus.SAVING))
    with quiet_loading():
        final = save_final(student.save, out)
    s_after = measure.of(student)
    mse_after = mse_to_teacher(student, rows, targets) if kind == C.DENSE else None
    speeds = speed([teacher, student] if kind == C.DENSE else [student], texts)
    teacher_sps = speeds[0] if kind == C.DENSE else None
    report = {
        "request": asdict(req),
        "teacher_path": path,
        "teacher_type": kind,
        "student_base": base,
        "loss": loss_name,
        "rows": len(rows),
        "metric_name": measure.name,
        "teacher": _figures(teacher, path, t_metric, teacher_sps) if kind == C.DENSE else
        {"metric": None if t_metric is None else round(t_metric, 4), "parameters": D.parameter_count(teacher)},
        "student_before": {"metric": None if s_before is None else round(s_before, 4)} | shape_before,
        "student_after": _figures(student, final, s_after, speeds[-1]),
        "train_loss": losses,
        "mse_to_teacher": {"before": mse_before, "after": mse_after},
        "stopped": stopped,
        "student_path": str(final),
        "cpus": os.cpu_count(),
        "load": round(os.getloadavg()[0], 2),
    }  # fmt: skip
    report["verdict"] = rules.distill_verdict(report)
    folder.handle(NoteEvent(report["verdict"]))
    return report


def _train(req, out: Path, folder: RunFolder, student, train_ds, loss, progress) -> tuple[bool, list[float]]:
    """Train with the library's trainer; returns (stopped early, the logged training losses)."""
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from transformers import TrainerCallback

    from .models import detect_device, quiet_loading

    losses: list[float] = []
    stopped = [False]
    since = time.time()

    class Events(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if stop_requested(out, since):
                control.should_training_stop, stopped[0] = True, True
            folder.handle(ProgressEvent(step=state.global_step, max_steps=state.max_steps, epoch=state.epoch))
            progress("training", state.global_step, state.max_steps)

        def on_log(self, args, state, control, logs=None, **kwargs):
            values = {k: v for k, v in (logs or {}).items() if k not in ("epoch", "total_flos")}
            if "loss" in values:
                losses.append(round(float(values["loss"]), 6))
            folder.handle(LogEvent(step=state.global_step, epoch=state.epoch, values=values))

    steps = max(1, -(-train_ds.num_rows // req.batch_size))
    device = detect_device()
    precision = rules.auto_precision(device)
    if device["device"] == "cpu" and precision.get("bf16"):
        precision["use_cpu"] = True  # the trainer's CPU autocast needs it (rules.guardrails)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=req.epochs,
        per_device_train_batch_size=req.batch_size,
        learning_rate=req.learning_rate,
        warmup_steps=0.1,
        logging_steps=max(1, min(50, steps // 10)),
        save_strategy="no",
        report_to=[],
        dataloader_pin_memory=False,
        disable_tqdm=True,
        **precision,
    )
    with quiet_loading():
        trainer = SentenceTransformerTrainer(
            model=student, args=args, train_dataset=train_ds, loss=loss, callbacks=[Events()]
        )
        for cb in list(trainer.callback_handler.callbacks):
            if type(cb).__name__ in _PRINTERS:  # stdout holds the report only
                trainer.remove_callback(cb)
        trainer.train()
    _fp32_forward(student)  # measured and saved as it will be used: fp32
    return stopped[0], losses


def read_report(run_dir: str | Path) -> dict:
    """A distillation run's report (empty when the folder holds none)."""
    return read_json(Path(run_dir) / DISTILL_REPORT)
