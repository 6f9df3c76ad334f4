"""Crafted data files and configs the tests share (CSV files like STSb, Quora and SNLI; a config beside them)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from wb_data import PAIRS, TEXTS, binary_pairs, inline, positive_pairs, scored_pairs, triplets


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def sts_csv(folder: Path, n: int = 24) -> Path:
    """STS-like: two sentences and a 0-5 similarity score."""
    data = scored_pairs(n)
    rows = [
        [a, b, round(s * 5, 3)]
        for a, b, s in zip(data["sentence1"], data["sentence2"], data["score"], strict=True)
    ]
    return write_csv(folder / "sts.csv", ["sentence1", "sentence2", "score"], rows)


def quora_csv(folder: Path, n: int = 20, blank_row: int | None = None) -> Path:
    """Quora-like duplicate questions with id columns and a 0/1 is_duplicate label."""
    rows = []
    for i in range(n):
        a, b = PAIRS[i % len(PAIRS)]
        if i % 2:
            b = PAIRS[(i + 3) % len(PAIRS)][1]
        rows.append([i, 2 * i + 1, 2 * i + 2, "" if i == blank_row else a, b, int(i % 2 == 0)])
    return write_csv(
        folder / "quora.csv", ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"], rows
    )


def triplets_csv(folder: Path) -> Path:
    data = triplets(12)
    rows = list(zip(data["anchor"], data["positive"], data["negative"], strict=True))
    return write_csv(folder / "triplets.csv", ["anchor", "positive", "negative"], rows)


def snli_csv(folder: Path, n: int = 18) -> Path:
    """SNLI-like: premise, hypothesis and a text label."""
    words = ("entailment", "neutral", "contradiction")
    rows = [[TEXTS[i % len(TEXTS)], TEXTS[(i * 5 + 1) % len(TEXTS)], words[i % 3]] for i in range(n)]
    return write_csv(folder / "snli.csv", ["premise", "hypothesis", "label"], rows)


def write_config(folder: Path, model: str, **changes) -> Path:
    """A config next to data/sts.csv (relative paths resolve against the config's folder)."""
    sts_csv(folder / "data")
    cfg = {
        "model": {"name_or_path": model},
        "datasets": {
            "train": {"sts": {"source": "csv", "path": "data/sts.csv"}},
            "eval": {"dev": {"source": "holdout", "of": "sts", "fraction": 0.25}},
        },
        "loss": "auto",
        "args": {"per_device_train_batch_size": 4, "logging_steps": 1, "save_strategy": "no"},
        "output_dir": "runs/sts",
    }
    cfg.update(changes)
    path = folder / "config.json"
    path.write_text(json.dumps(cfg, indent=2))
    return path


def label_sources(folder) -> tuple[dict, dict]:
    """Train datasets whose labels need each kind of cast, and the loss for each."""
    folder.mkdir(parents=True, exist_ok=True)
    scored = scored_pairs(12)
    bools = binary_pairs(12)
    train = {
        "sts": {"source": "csv", "path": str(sts_csv(folder))},  # 0-5 floats: rescaled by loss auto's fix
        "nli": {"source": "csv", "path": str(snli_csv(folder))},  # text classes
        "scored": inline({**scored, "score": [str(s) for s in scored["score"]]}),  # floats written as text
        "topics": inline({"sentence": TEXTS[:12], "topic": [str(i % 3) for i in range(12)]}, label="topic"),
        "bools": inline({**bools, "label": [bool(v) for v in bools["label"]]}),
        "pairs": inline(positive_pairs(8)),
        # A label the person said "no label" to is left out; a repeated input is copied.
        "unused": inline(scored_pairs(8), columns=["sentence1", "sentence2", "sentence1"], label=""),
        # Ratings 1-5 (whole numbers named like a score): auto rescales them from 1-5, so 1 becomes 0.
        "ratings": inline(
            {**{k: v for k, v in scored.items() if k != "score"}, "rating": [1 + i % 5 for i in range(12)]}
        ),
    }
    losses = {
        "sts": "auto",
        "nli": "auto",
        "scored": "CoSENTLoss",
        "topics": "BatchAllTripletLoss",
        "bools": "ContrastiveLoss",
        "pairs": "MultipleNegativesRankingLoss",
        "unused": "MultipleNegativesRankingLoss",
        "ratings": "auto",
    }
    return train, losses


def with_empty_cells(folder):
    """A CSV of scored pairs with an empty text (row 2), a blank text (row 5) and a missing score (row 7)."""
    rows = scored_pairs(16)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "holes.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["sentence1", "sentence2", "score"])
        for i, (a, b, s) in enumerate(zip(rows["sentence1"], rows["sentence2"], rows["score"], strict=True)):
            out.writerow(["" if i == 2 else a, "   " if i == 5 else b, "" if i == 7 else round(5 * s, 2)])
    return path
