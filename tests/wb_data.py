"""Small in-memory datasets shared by the tests (a plain module: `conftest` names clash across folders)."""

from __future__ import annotations

import random

TEXTS = [
    "a man is playing a guitar",
    "a man plays the guitar on stage",
    "the cat sits on the mat",
    "a cat is sleeping on a rug",
    "a woman slices an onion",
    "a woman is cutting vegetables",
    "kids play football in the park",
    "children are playing soccer outside",
    "a dog runs in the snow",
    "a puppy is running through snow",
    "the chef cooks pasta",
    "a cook is making spaghetti",
    "two men ride horses",
    "two people are riding horses on a beach",
    "a girl reads a book",
    "a young woman is reading a novel",
    "the train arrives at the station",
    "a plane lands at the airport",
    "a boy swims in the lake",
    "a child is swimming in a pool",
    "the sun sets over the sea",
    "people watch the sunset at the beach",
    "a bird sits on a branch",
    "a parrot perches in a tree",
]
# Paraphrase pairs: (TEXTS[2i], TEXTS[2i+1]).
PAIRS = [(TEXTS[i], TEXTS[i + 1]) for i in range(0, len(TEXTS), 2)]


def _rng() -> random.Random:
    return random.Random(0)


def scored_pairs(n: int = 16) -> dict:
    """(s1, s2, score 0-1): paraphrases score high, random pairs low."""
    rng = _rng()
    s1, s2, score = [], [], []
    for i in range(n):
        a, b = PAIRS[i % len(PAIRS)]
        if i % 2:
            b = PAIRS[(i + 3) % len(PAIRS)][1]
        s1.append(a)
        s2.append(b)
        score.append(round(0.8 + rng.random() * 0.2 if i % 2 == 0 else rng.random() * 0.3, 3))
    return {"sentence1": s1, "sentence2": s2, "score": score}


def unseen_pairs(n: int = 8) -> dict:
    """Scored pairs none of which is a row of :func:`scored_pairs` (an eval set that does not leak)."""
    s1 = [f"{a} today" for a, _ in PAIRS][:n]
    s2 = [f"{b} now" for _, b in PAIRS][:n]
    return {"sentence1": s1, "sentence2": s2, "score": [float(i % 2) for i in range(n)]}


def binary_pairs(n: int = 16) -> dict:
    data = scored_pairs(n)
    return {
        "sentence1": data["sentence1"],
        "sentence2": data["sentence2"],
        "label": [int(i % 2 == 0) for i in range(n)],
    }


def positive_pairs(n: int = 12) -> dict:
    """(anchor, positive) with unique anchors."""
    anchors, positives = [], []
    for i in range(n):
        a, b = PAIRS[i % len(PAIRS)]
        anchors.append(a if i < len(PAIRS) else f"{a} again")
        positives.append(b)
    return {"anchor": anchors, "positive": positives}


def triplets(n: int = 12) -> dict:
    pairs = positive_pairs(n)
    negatives = [PAIRS[(i + 5) % len(PAIRS)][1] for i in range(n)]
    return {**pairs, "negative": negatives}


def teacher_scored(n: int = 12, shift: float = 0.0) -> dict:
    """(anchor, positive, negative) + "scores": the teacher's score of each document (positive above negative,
    varied per row): the MD3 shape multi-vector distillation trains and is measured on."""
    data = triplets(n)
    return {**data, "scores": [[9.0 - (i % 4) + shift, 2.0 + (i % 3)] for i in range(n)]}


def listwise(n: int = 8) -> dict:
    """(query, [docs], [labels]) for cross-encoder listwise losses."""
    queries, docs, labels = [], [], []
    for i in range(n):
        a, b = PAIRS[i % len(PAIRS)]
        others = [PAIRS[(i + k) % len(PAIRS)][1] for k in (2, 4, 7)]
        queries.append(a)
        docs.append([b, *others])
        labels.append([1.0, 0.0, 0.0, 0.0])
    return {"query": queries, "docs": docs, "labels": labels}


def inline(data: dict, **extra) -> dict:
    """A 'dict' dataset entry."""
    return {"source": "dict", "data": data, **extra}
