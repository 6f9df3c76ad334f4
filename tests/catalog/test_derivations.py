"""The derivations of a plain corpus's pairs: TSDAE's noise is the installed library's deletion noise where its
tokenizer (nltk + punkt) is installed, the same deletion over space-split words otherwise; both keep words in
order and never delete them all."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from workbench import catalog as C
from workbench.catalog.derivations import tsdae_noise


def test_the_library_offers_the_deletion_noise_the_derivation_calls():
    from sentence_transformers.sentence_transformer.datasets import DenoisingAutoEncoderDataset

    assert callable(DenoisingAutoEncoderDataset.delete)
    assert C.derivation("tsdae").loss == "DenoisingAutoEncoderLoss"
    with pytest.raises(KeyError):
        C.derivation("nope")


def test_with_nltk_installed_the_noise_is_the_librarys(monkeypatch):
    from sentence_transformers.sentence_transformer.datasets import DenoisingAutoEncoderDataset

    fake = types.ModuleType("nltk")
    fake.data = types.SimpleNamespace(find=lambda name: name)
    monkeypatch.setitem(sys.modules, "nltk", fake)
    calls = []
    monkeypatch.setattr(
        DenoisingAutoEncoderDataset, "delete", staticmethod(lambda text, r: calls.append(r) or "library")
    )
    assert tsdae_noise("a cat sits on the mat") == "library" and calls == [0.6]


def test_without_nltk_words_are_deleted_in_order_and_one_always_stays(monkeypatch):
    monkeypatch.setitem(sys.modules, "nltk", None)  # import nltk fails
    np.random.seed(0)
    text = "the quick brown fox jumps over the lazy dog again and again"
    outs = [tsdae_noise(text) for _ in range(50)]
    words = text.split()
    for out in outs:
        kept = out.split()
        assert kept and len(kept) < len(words)
        it = iter(words)
        assert all(w in it for w in kept)  # a subsequence: words only deleted, never moved
    assert 0.25 < np.mean([len(o.split()) / len(words) for o in outs]) < 0.55  # about 40 % kept
    assert tsdae_noise("word", del_ratio=1.0) == "word" and tsdae_noise("") == ""
