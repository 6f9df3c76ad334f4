"""Distillation's figures: the report's metric of a model (:class:`Measure`), its distance to the teacher's
embeddings, encode speed measured here (interleaved), and size on disk."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import catalog as C
from .. import rules
from ..errors import WorkbenchError
from . import distill as D

if TYPE_CHECKING:
    from .distill_run import DistillRequest

SPEED_TEXTS = 256


def read_rows(path: str, where: str):
    from .. import data

    spec = data.file_spec(Path(path).expanduser(), f"{where} file", where=where)
    return data.load_raw(spec, where=where)


def size_on_disk(folder: str | Path) -> int:
    return sum(
        f.stat().st_size
        for f in Path(folder).rglob("*")
        if f.is_file() and f.suffix in (".safetensors", ".bin", ".pt")
    )


def speed(models: list, texts: list[str]) -> list[float]:
    """Encode sentences/s of each model on the same texts: best of two interleaved rounds."""
    sample = (texts * (SPEED_TEXTS // max(1, len(texts)) + 1))[:SPEED_TEXTS] if texts else ["a sentence"] * 64
    for m in models:
        m.encode(sample[:8], show_progress_bar=False)
    best = [float("inf")] * len(models)
    for _ in range(2):
        for i, m in enumerate(models):
            started = time.perf_counter()
            m.encode(sample, batch_size=32, show_progress_bar=False)
            best[i] = min(best[i], time.perf_counter() - started)
    return [round(len(sample) / b, 1) for b in best]


class Measure:
    """The report's metric of a model. With an eval file: (sentence1, sentence2, score) rows -> Spearman of the
    cosine similarity (an embedding teacher), (query, positive, negative) rows -> the share ranking the positive
    first (a cross-encoder teacher). Without: on the held-out rows, the mean cosine to the teacher's embeddings,
    or the ranking accuracy."""

    def __init__(self, req: DistillRequest, kind: str, teacher, held_out: list):
        self.kind, self.teacher, self.rows, self.targets = kind, teacher, held_out, None
        if req.eval_file:
            ds = read_rows(req.eval_file, "eval")
            columns = list(req.eval_columns or ds.column_names[:3])
            rules.check_columns(ds.column_names, columns, "eval")
            if len(columns) != 3:
                raise WorkbenchError(
                    "the eval file needs three columns: sentence1, sentence2, score (an embedding teacher) or "
                    "query, positive, negative (a cross-encoder teacher).",
                    where="eval_columns",
                )
            self.rows = [tuple(row[c] for c in columns) for row in ds]
        if kind == C.CROSS:
            self.name = "ranking accuracy"
        elif req.eval_file:
            self.name = "Spearman (cosine)"
        else:
            self.name = "mean cosine to the teacher"
            self.targets = D.teacher_embeddings(teacher, held_out) if held_out else None

    def of_teacher(self) -> float | None:
        if not self.rows:
            return None
        if self.kind == C.CROSS:
            scores = D.teacher_scores(self.teacher, [[str(t) for t in r] for r in self.rows])
            return float((scores[:, 0] > scores[:, 1]).mean())
        return 1.0 if self.targets is not None else self.of(self.teacher)

    def of(self, model) -> float | None:
        import numpy as np
        from sentence_transformers.sentence_transformer.evaluation import (
            EmbeddingSimilarityEvaluator,
            TripletEvaluator,
        )

        if not self.rows:
            return None
        if self.kind == C.CROSS:
            ev = TripletEvaluator(
                *([str(r[i]) for r in self.rows] for i in range(3)), show_progress_bar=False
            )
            return float(ev(model)[ev.primary_metric])
        if self.targets is None:
            s1, s2, score = ([r[i] for r in self.rows] for i in range(3))
            ev = EmbeddingSimilarityEvaluator(list(map(str, s1)), list(map(str, s2)), list(map(float, score)))
            return float(ev(model)[ev.primary_metric])
        emb = model.encode(self.rows, convert_to_numpy=True, show_progress_bar=False)
        if emb.shape[1] != self.targets.shape[1]:
            return None  # a student of another width: no cosine to the teacher's embeddings
        num = (emb * self.targets).sum(1)
        den = np.linalg.norm(emb, axis=1) * np.linalg.norm(self.targets, axis=1) + 1e-12
        return float((num / den).mean())


def mse_to_teacher(student, rows: list[str], targets) -> float | None:
    """Mean squared error of the student's embeddings to the teacher's on (up to 256 of) the training texts."""
    import numpy as np

    n = min(len(rows), SPEED_TEXTS)
    emb = student.encode(rows[:n], convert_to_numpy=True, show_progress_bar=False)
    if emb.shape[1] != targets.shape[1]:
        return None
    return float(np.mean((emb - targets[:n]) ** 2))
