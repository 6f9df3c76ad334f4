"""Every `workbench.…` name the README, the bench notes and the notebooks mention exists: a module moved or a
name renamed must not leave a reader (or a Colab cell) pointing at nothing."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "notebooks").glob("*.ipynb"))]
DOTTED = re.compile(r"\bworkbench(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"from (workbench(?:\.\w+)*) import ([\w, ]+)")


def mentioned() -> list[str]:
    names: set[str] = set()
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        names |= set(DOTTED.findall(text))
        for module, imported in FROM_IMPORT.findall(text.replace("\\n", "\n")):
            names |= {f"{module}.{n.strip()}" for n in imported.split(",") if n.strip()}
    return sorted(names)


def resolve(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr)
        return found
    raise ImportError(dotted)


def test_the_docs_mention_workbench_names():
    assert len(mentioned()) >= 5


@pytest.mark.parametrize("dotted", mentioned())
def test_every_mentioned_name_exists(dotted: str):
    assert resolve(dotted) is not None
