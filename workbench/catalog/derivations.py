"""Derivations as data: one `Derivation` per way the data preparation builds a loss's inputs from a plain corpus.

A plain corpus (one text column, no label) trains the unsupervised losses once its rows are turned into the pairs
they read. A dataset records the derivation by name (``DatasetSpec.derive``); the run's preparation applies the
entry (:meth:`Derivation.apply`) and the exported script writes the same code (:meth:`Derivation.code`): one
entry, both sides. ContrastiveTensionLossInBatchNegatives needs no derivation: its (sentence, sentence) pairs are
the column mapped twice as an input.

Pure data: no import of torch or the data library at module load.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

DERIVE_TSDAE = "tsdae"


def tsdae_noise(text: str, del_ratio: float = 0.6) -> str:
    """TSDAE's deletion noise: sentence-transformers' ``DenoisingAutoEncoderDataset.delete`` (60 % of the words
    deleted, at least one kept). That function tokenizes with nltk and its punkt data; where they are not
    installed the same deletion runs over the words split on spaces."""
    import numpy as np

    try:
        import nltk

        nltk.data.find("tokenizers/punkt_tab")
    except (ImportError, LookupError):
        words = text.split()
        if not words:
            return text
        keep = np.random.rand(len(words)) > del_ratio
        if not keep.any():
            keep[np.random.choice(len(words))] = True  # as the library: at least one word remains
        return " ".join(w for w, k in zip(words, keep, strict=True) if k)
    from sentence_transformers.sentence_transformer.datasets import DenoisingAutoEncoderDataset

    return DenoisingAutoEncoderDataset.delete(text, del_ratio)


def damage_first_input(ds, noise, seed: int):
    """``ds`` with its first column's texts damaged by ``noise``, the other columns as they are; numpy's random
    state seeded with ``seed`` first, so the run and its exported script damage the same words."""
    import numpy as np

    np.random.seed(seed)
    first = ds.column_names[0]
    return ds.map(lambda batch: {first: [noise(t) for t in batch[first]]}, batched=True)


@dataclass(frozen=True)
class Derivation:
    """One derivation of a loss's inputs from a plain corpus.

    Attributes:
        name: ``DatasetSpec.derive``.
        loss: The loss whose inputs it builds.
        inputs: The input roles it builds, in order (``"damaged"``, ``"original"``).
        text: What it does, in plain words (``{col}``: the text column).
        noise: The function applied to each text of the first input.
        detail: What the noise does to a text, in plain words.
    """

    name: str
    loss: str
    inputs: tuple[str, ...]
    text: str
    noise: Callable[[str], str]
    detail: str = ""

    def apply(self, ds, seed: int):
        """The prepared dataset ``ds`` (its first two columns the text column twice) as the loss's inputs."""
        return damage_first_input(ds, self.noise, seed)

    def code(self, seed: int) -> tuple[list[str], list[str]]:
        """The script's helper functions (their source, as the run calls them) and the lines that apply them to
        ``ds``."""
        helpers = [
            inspect.getsource(fn) + "\n" for fn in (self.noise, damage_first_input)
        ]  # PEP 8: 2 blank lines
        what = self.text.format(col="the text column")
        lines = [
            f"# {what[0].upper()}{what[1:]}.",
            f"ds = damage_first_input(ds, {self.noise.__name__}, seed={seed!r})",
        ]
        return helpers, lines


DERIVATIONS: tuple[Derivation, ...] = (
    Derivation(
        DERIVE_TSDAE,
        "DenoisingAutoEncoderLoss",
        ("damaged", "original"),
        "build (damaged, original) pairs from {col} with TSDAE's deletion noise",
        tsdae_noise,
        "60 % of the words of each text deleted, at least one kept",
    ),
)


DERIVE_NAMES: tuple[str, ...] = tuple(d.name for d in DERIVATIONS)


def derivation(name: str) -> Derivation:
    """The entry of a ``DatasetSpec.derive`` name (KeyError for an unknown one)."""
    for entry in DERIVATIONS:
        if entry.name == name:
            return entry
    raise KeyError(name)
