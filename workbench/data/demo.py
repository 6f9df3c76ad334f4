"""The built-in demo dataset: English sentence pairs with 0-5 similarity scores, and paraphrase pairs.

The sentences are generated from a small hand-written vocabulary: ten everyday topics, each with people (or
animals), actions and settings, and three wordings of each. Two sentences are as similar as the meaning they
share: same action, subject and setting in other words scores 4.4-5, a shared action about 3-4, the same topic
about 1-2, different topics near 0. The generated CSV files are packaged in ``demo_data/`` so nothing is generated
at run time; `generate_demo` rebuilds them deterministically (``python -m workbench.data.demo``).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

DEMO_DATASETS = {
    "pairs_scored_train": "pairs_scored_train.csv",  # sentence1, sentence2, score (0-5): ~400 rows
    "pairs_scored_dev": "pairs_scored_dev.csv",  # the same, ~100 other rows, for evaluation
    "pairs_train": "pairs_train.csv",  # anchor, positive paraphrase pairs: ~300 rows
}
N_SCORED_TRAIN, N_SCORED_DEV, N_PAIRS = 400, 100, 300
SEED = 20240611

# topic -> (subjects, actions, settings); each entry lists three wordings of one meaning.
TOPICS: dict[str, tuple[list[tuple[str, ...]], ...]] = {
    "cooking": (
        [
            ("a chef", "a cook", "the chef"),
            ("my grandmother", "my grandma", "grandma"),
            ("a young man", "a young guy", "a young fellow"),
            ("a student", "a college student", "the student"),
        ],
        [
            ("is chopping onions", "is slicing some onions", "is cutting up onions"),
            ("is baking bread", "is making a loaf of bread", "is baking a fresh loaf"),
            ("is frying eggs", "is cooking eggs in a pan", "is frying a couple of eggs"),
            ("is stirring a pot of soup", "is mixing the soup in a large pot", "is stirring the soup"),
            ("is washing the dishes", "is cleaning the dishes", "is doing the dishes"),
        ],
        [
            ("in the kitchen", "in a kitchen", "inside the kitchen"),
            ("at a small restaurant", "in a little restaurant", "at a tiny restaurant"),
            ("early in the morning", "in the early morning", "at dawn"),
            ("for a family dinner", "for dinner with the family", "for the family's evening meal"),
        ],
    ),
    "sports": (
        [
            ("a soccer player", "a football player", "the soccer player"),
            ("a young girl", "a little girl", "a small girl"),
            ("an athlete", "a sportsman", "the athlete"),
            ("a tennis coach", "a tennis trainer", "the coach"),
        ],
        [
            ("is kicking a ball", "is kicking the ball", "is booting a ball"),
            ("is running around the track", "is jogging around the track", "is running laps on the track"),
            ("is swimming in the pool", "is doing laps in the pool", "is swimming laps in a pool"),
            ("is hitting a tennis ball", "is striking a tennis ball", "is hitting the ball with a racket"),
            ("is lifting heavy weights", "is lifting weights", "is training with heavy weights"),
        ],
        [
            ("at the stadium", "in the stadium", "inside a stadium"),
            ("after school", "once school is over", "after classes"),
            ("on a sunny afternoon", "on a bright afternoon", "during a sunny afternoon"),
            ("before the big match", "ahead of the big game", "before the important match"),
        ],
    ),
    "weather": (
        [
            ("a farmer", "the farmer", "an old farmer"),
            ("a tourist", "a visitor", "the tourist"),
            ("a little boy", "a small boy", "a young boy"),
            ("an old woman", "an elderly woman", "an elderly lady"),
        ],
        [
            ("is watching the snow fall", "is watching snowflakes fall", "is looking at the falling snow"),
            (
                "is hiding from the heavy rain",
                "is sheltering from the pouring rain",
                "is taking cover from the heavy rain",
            ),
            ("is enjoying the warm sunshine", "is enjoying the sunny weather", "is soaking up the warm sun"),
            (
                "is walking against a strong wind",
                "is struggling against strong winds",
                "is walking into a strong wind",
            ),
            (
                "is waiting for the thunderstorm to pass",
                "is waiting out the thunderstorm",
                "is waiting for the storm to end",
            ),
        ],
        [
            ("near the old barn", "next to the old barn", "by the old barn"),
            ("in the village square", "in the town square", "on the village square"),
            ("on a cold winter day", "on a freezing winter day", "during a cold winter day"),
            ("at the bus stop", "by the bus stop", "at a bus stop"),
        ],
    ),
    "travel": (
        [
            ("a backpacker", "a young traveler", "the backpacker"),
            ("a businessman", "a business traveler", "the businessman"),
            ("a tourist", "a visitor", "the tourist"),
            ("a woman", "a lady", "the woman"),
        ],
        [
            ("is boarding a plane", "is getting on a plane", "is boarding the flight"),
            ("is checking into a hotel", "is checking in at the hotel", "is getting a room at a hotel"),
            ("is reading a map of the city", "is studying a city map", "is looking at a map of the town"),
            ("is packing a suitcase", "is filling a suitcase", "is packing the luggage"),
            ("is buying a train ticket", "is purchasing a ticket for the train", "is getting a train ticket"),
        ],
        [
            ("at the airport", "in the airport", "inside the airport"),
            ("in Paris", "in the French capital", "in the city of Paris"),
            ("late at night", "late in the night", "at a late hour"),
            ("before a long trip", "ahead of a long journey", "before a long journey"),
        ],
    ),
    "programming": (
        [
            ("a software engineer", "a software developer", "the engineer"),
            ("a student", "a university student", "the student"),
            ("a data scientist", "a data analyst", "the data scientist"),
            ("a programmer", "a coder", "the programmer"),
        ],
        [
            ("is fixing a bug in the code", "is debugging the code", "is repairing a bug in the program"),
            (
                "is writing a Python script",
                "is coding a small Python script",
                "is writing a script in Python",
            ),
            ("is reviewing a pull request", "is reviewing some code changes", "is checking a pull request"),
            ("is installing a new library", "is adding a new package", "is setting up a new library"),
            ("is running the unit tests", "is executing the test suite", "is running the tests"),
        ],
        [
            ("at the office", "in the office", "at work"),
            ("on a laptop", "using a laptop", "with a laptop"),
            ("late in the evening", "in the late evening", "late at night"),
            ("before the deadline", "ahead of the deadline", "before the deadline arrives"),
        ],
    ),
    "music": (
        [
            ("a guitarist", "a guitar player", "the guitarist"),
            ("a young girl", "a little girl", "a small girl"),
            ("a street musician", "a busker", "the street musician"),
            ("a pianist", "a piano player", "the pianist"),
        ],
        [
            ("is playing a song", "is performing a song", "is playing a tune"),
            (
                "is tuning the instrument",
                "is tuning an instrument",
                "is adjusting the tuning of the instrument",
            ),
            ("is singing a slow ballad", "is singing a gentle ballad", "is singing a quiet ballad"),
            ("is practicing scales", "is rehearsing scales", "is practising musical scales"),
            ("is recording a new album", "is recording new songs for an album", "is working on a new album"),
        ],
        [
            ("on a small stage", "on a little stage", "on stage at a small venue"),
            ("in the living room", "in the lounge", "in a living room"),
            ("at a wedding", "during a wedding", "at a wedding party"),
            ("in a recording studio", "at the recording studio", "inside a studio"),
        ],
    ),
    "animals": (
        [
            ("a dog", "a puppy", "the dog"),
            ("a cat", "a kitten", "the cat"),
            ("a horse", "a pony", "the horse"),
            ("a goat", "a young goat", "the goat"),
        ],
        [
            ("is sleeping", "is taking a nap", "is napping"),
            ("is eating its food", "is having its meal", "is eating some food"),
            ("is drinking water", "is drinking some water", "is lapping up water"),
            ("is running across the field", "is racing across the field", "is running through the field"),
            ("is playing with a child", "is playing with a kid", "is playing with a young child"),
        ],
        [
            ("in the garden", "in the backyard", "in a garden"),
            ("near the river", "by the river", "next to the river"),
            ("on a farm", "at a farm", "on the farm"),
            ("under a tree", "beneath a tree", "below a tree"),
        ],
    ),
    "finance": (
        [
            ("an investor", "a private investor", "the investor"),
            ("a bank manager", "a manager at the bank", "the bank manager"),
            ("a young couple", "a newly married couple", "the young couple"),
            ("a shop owner", "a store owner", "the shop owner"),
        ],
        [
            ("is buying shares", "is purchasing stock", "is buying some shares"),
            ("is paying off a loan", "is repaying a loan", "is paying back a loan"),
            (
                "is saving money for a house",
                "is putting money aside for a home",
                "is saving up to buy a house",
            ),
            ("is checking the stock prices", "is looking at share prices", "is watching the stock market"),
            (
                "is opening a bank account",
                "is setting up a bank account",
                "is opening a new account at the bank",
            ),
        ],
        [
            ("after the market crash", "following the market crash", "after the stock market fell"),
            ("at the end of the month", "by the end of the month", "as the month ends"),
            ("online", "over the internet", "on the internet"),
            ("during a recession", "in a recession", "during an economic downturn"),
        ],
    ),
    "health": (
        [
            ("a doctor", "a physician", "the doctor"),
            ("a nurse", "the nurse", "a hospital nurse"),
            ("a patient", "the patient", "a sick patient"),
            ("an old man", "an elderly man", "the old man"),
        ],
        [
            ("is taking medicine", "is taking some medication", "is swallowing a pill"),
            (
                "is checking blood pressure",
                "is measuring blood pressure",
                "is taking a blood pressure reading",
            ),
            ("is doing yoga", "is practicing yoga", "is doing some yoga"),
            ("is eating a healthy salad", "is having a healthy salad", "is eating a fresh salad"),
            ("is getting a flu shot", "is receiving a flu vaccine", "is getting vaccinated against the flu"),
        ],
        [
            ("at the hospital", "in the hospital", "inside a hospital"),
            ("at the clinic", "in a clinic", "at a local clinic"),
            ("every morning", "each morning", "every single morning"),
            ("after a long illness", "following a long illness", "after being sick for a long time"),
        ],
    ),
    "gardening": (
        [
            ("a gardener", "the gardener", "a keen gardener"),
            ("a retired teacher", "a former teacher", "the retired teacher"),
            ("a little boy", "a small boy", "a young boy"),
            ("a neighbor", "my neighbor", "the neighbor"),
        ],
        [
            ("is planting tomatoes", "is putting in tomato plants", "is planting some tomatoes"),
            ("is watering the flowers", "is giving water to the flowers", "is watering the plants"),
            ("is mowing the lawn", "is cutting the grass", "is mowing the grass"),
            ("is pulling weeds", "is removing weeds", "is pulling out the weeds"),
            ("is trimming the hedge", "is cutting back the hedge", "is pruning the hedge"),
        ],
        [
            ("in the backyard", "in the back garden", "behind the house"),
            ("on a warm spring day", "on a mild spring day", "during a warm spring day"),
            ("in a community garden", "at the community garden", "in a shared garden"),
            ("before it rains", "ahead of the rain", "before the rain comes"),
        ],
    ),
}


def demo_path(name: str) -> str:
    """The packaged file of a demo dataset.

    Args:
        name: A key of DEMO_DATASETS (``pairs_scored_train``, ``pairs_scored_dev``, ``pairs_train``) or its
            file name.

    Returns:
        The absolute path of the CSV file.
    """
    filename = DEMO_DATASETS.get(name, name)
    if filename not in DEMO_DATASETS.values():
        from ..errors import WorkbenchError

        raise WorkbenchError(
            f"there is no demo dataset '{name}'.", fix=f"use one of: {', '.join(DEMO_DATASETS)}."
        )
    return str(Path(__file__).parent / "demo_data" / filename)


def _sentence(rng: random.Random, topic: str, slots: tuple[int, int, int], avoid: str | None = None) -> str:
    """One wording of (subject, action, setting); different from ``avoid`` when possible."""
    subjects, actions, settings = TOPICS[topic]
    for _ in range(20):
        subj = rng.choice(subjects[slots[0]])
        act = rng.choice(actions[slots[1]])
        place = rng.choice(settings[slots[2]])
        if rng.random() < 0.6:
            text = f"{subj} {act} {place}."
        else:
            text = f"{place}, {subj} {act}."
        text = text[0].upper() + text[1:]
        if text != avoid:
            return text
    return text


def _score_pair(rng: random.Random, same_topic: bool, same: tuple[bool, bool, bool]) -> float:
    """Similarity 0-5 from shared meaning: the action weighs most, then the subject, then the setting."""
    if not same_topic:
        base = 0.2
    elif all(same):
        base = 4.7
    else:
        base = 0.8 + 2.0 * same[1] + 1.0 * same[0] + 0.6 * same[2]
    return round(min(5.0, max(0.0, base + rng.uniform(-0.3, 0.3))), 1)


def _scored_pairs(rng: random.Random, n: int, seen: set) -> list[tuple[str, str, float]]:
    names = list(TOPICS)
    rows = []
    while len(rows) < n:
        topic = rng.choice(names)
        a = (rng.randrange(4), rng.randrange(5), rng.randrange(4))
        kind = rng.random()
        if kind < 0.22:  # paraphrase: same meaning in other words
            b_topic, b = topic, a
        elif kind < 0.75:  # same topic, some slots shared
            b_topic = topic
            keep = [rng.random() < 0.5 for _ in range(3)]
            if all(keep):
                keep[rng.randrange(3)] = False
            b = tuple(
                x if k else rng.choice([y for y in range(5 if i == 1 else 4) if y != x])
                for i, (x, k) in enumerate(zip(a, keep, strict=True))
            )
        else:  # another topic
            b_topic = rng.choice([t for t in names if t != topic])
            b = (rng.randrange(4), rng.randrange(5), rng.randrange(4))
        s1 = _sentence(rng, topic, a)
        s2 = _sentence(rng, b_topic, b, avoid=s1)
        if (s1, s2) in seen or (s2, s1) in seen or s1 == s2:
            continue
        seen.add((s1, s2))
        same = tuple(x == y for x, y in zip(a, b, strict=True))
        rows.append((s1, s2, _score_pair(rng, b_topic == topic, same)))
    return rows


def _paraphrase_pairs(rng: random.Random, n: int) -> list[tuple[str, str]]:
    combos = [(t, (s, a, p)) for t in TOPICS for s in range(4) for a in range(5) for p in range(4)]
    rng.shuffle(combos)
    rows, anchors = [], set()
    for topic, slots in combos:
        anchor = _sentence(rng, topic, slots)
        if anchor in anchors:
            continue
        anchors.add(anchor)
        rows.append((anchor, _sentence(rng, topic, slots, avoid=anchor)))
        if len(rows) == n:
            break
    return rows


def generate_demo(path: str | Path) -> dict[str, str]:
    """Write the demo CSV files into the folder ``path`` (deterministic: same files every time).

    Returns:
        DEMO_DATASETS name -> written file path.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    seen: set = set()
    tables = {
        "pairs_scored_train": (("sentence1", "sentence2", "score"), _scored_pairs(rng, N_SCORED_TRAIN, seen)),
        "pairs_scored_dev": (("sentence1", "sentence2", "score"), _scored_pairs(rng, N_SCORED_DEV, seen)),
        "pairs_train": (("anchor", "positive"), _paraphrase_pairs(rng, N_PAIRS)),
    }
    written = {}
    for name, (header, rows) in tables.items():
        target = folder / DEMO_DATASETS[name]
        with open(target, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written[name] = str(target)
    return written


if __name__ == "__main__":
    for name, file in generate_demo(Path(__file__).parent / "demo_data").items():
        print(f"{name}: {file}")
