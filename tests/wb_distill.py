"""Files for the distillation tests: a few hundred texts over the tiny model's vocabulary, triplets, a second
random student, and a saved cross-encoder teacher (a plain module shared by tests/engine, cli, session, ui)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from wb_data import TEXTS


def texts(n: int = 120, seed: int = 0) -> list[str]:
    """The test texts, then random word mixes of them (every word is in the tiny model's vocabulary)."""
    rng = random.Random(seed)
    words = [w for t in TEXTS for w in t.split()]
    return list(dict.fromkeys(TEXTS + [" ".join(rng.sample(words, 6)) for _ in range(n)]))[:n]


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="", encoding="utf8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def texts_file(folder: Path, n: int = 120) -> Path:
    return write_csv(Path(folder) / "texts.csv", ["sentence"], [[t] for t in texts(n)])


def triplet_rows(n: int = 40) -> list[tuple[str, str, str]]:
    ts = texts(n * 2)
    return [(TEXTS[2 * (i % 12)], TEXTS[2 * (i % 12) + 1], ts[(i * 7 + 3) % len(ts)]) for i in range(n)]


def triplets_file(folder: Path, n: int = 40) -> Path:
    return write_csv(Path(folder) / "triplets.csv", ["query", "positive", "negative"], triplet_rows(n))


def cross_teacher(folder: Path, tiny_model: str) -> str:
    """The tiny BERT as a saved CrossEncoder (one output, an untrained head: scores are random but finite)."""
    from workbench.catalog import CROSS
    from workbench.engine import build_model
    from workbench.spec import ModelSpec

    model = build_model(ModelSpec(type=CROSS, name_or_path=tiny_model), num_labels=1)
    model.save(str(folder))
    return str(folder)
