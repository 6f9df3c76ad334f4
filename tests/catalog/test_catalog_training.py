"""Every loss the catalog offers actually trains with the installed sentence-transformers.

Generated from the catalog: one case per LossSpec of group main / distillation / regularizer. Each case builds tiny
data matching the loss's first DataFormat, instantiates the library's loss class with the catalog's default
parameters, runs the library's own trainer for 2 steps and checks that the loss is finite. A loss that the rules block
(it cannot run inside the Trainer) is not trained; its block is asserted instead.
"""

from __future__ import annotations

import math
import os
import warnings

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from wb_data import TEXTS  # noqa: E402

from workbench import catalog as C  # noqa: E402
from workbench import rules as K  # noqa: E402
from workbench.data import shapes as S  # noqa: E402

TRAINED_GROUPS = ("main", "distillation", "regularizer")
TRAINED = [loss for loss in C.LOSSES if loss.group in TRAINED_GROUPS and loss.formats]

SENTENCES = TEXTS[:18]
N_ROWS = 8
HIDDEN = 32


# ---- tiny models ---------------------------------------------------------------------------------------------


def build_tiny_bert(folder) -> tuple[str, int]:
    """A random 2-layer BERT (hidden 32) with a WordPiece vocabulary trained on SENTENCES; returns (path, vocab)."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.train_from_iterator(
        SENTENCES, trainers.WordPieceTrainer(vocab_size=300, special_tokens=special, show_progress=False)
    )
    vocab = wordpiece.get_vocab()
    assert [vocab[t] for t in special] == [0, 1, 2, 3, 4]
    tokenizer = BertTokenizerFast(vocab=vocab, do_lower_case=True, model_max_length=64)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=HIDDEN,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        pad_token_id=0,
    )
    torch.manual_seed(0)
    BertForMaskedLM(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return str(folder), len(vocab)


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    import torch

    # At most 2 cores; a hidden-32 model gains nothing from a second thread, and on the shared 2-core machine
    # 2 threads measured 2.5-5x slower than 1 when other tests run beside these.
    torch.set_num_threads(1)
    return build_tiny_bert(tmp_path_factory.mktemp("catalog-tiny-bert"))


def make_model(model_type: str, path: str, vocab_size: int, num_labels: int = 1):
    import transformers
    from sentence_transformers import CrossEncoder, SentenceTransformer, SparseEncoder
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from sentence_transformers.sparse_encoder.modules import SpladePooling
    from sentence_transformers.sparse_encoder.modules import Transformer as SparseTransformer

    # Random heads are expected here: silence the "newly initialized weights" reports.
    transformers.logging.set_verbosity_error()
    if model_type == C.DENSE:
        return SentenceTransformer(modules=[Transformer(path), Pooling(HIDDEN, "mean")], device="cpu")
    if model_type == C.SPARSE:
        mlm = SparseTransformer(path, transformer_task="fill-mask")
        return SparseEncoder(
            modules=[mlm, SpladePooling("max", embedding_dimension=vocab_size)], device="cpu"
        )
    if model_type == C.MULTI:
        from sentence_transformers import MultiVectorEncoder

        # A bare transformer becomes Transformer -> Dense(128, untrained) -> MultiVectorMask -> Normalize.
        return MultiVectorEncoder(path, device="cpu")
    return CrossEncoder(path, num_labels=num_labels, device="cpu")


# ---- data per format -----------------------------------------------------------------------------------------


def _texts(offset: int) -> list[str]:
    return [SENTENCES[(i * 2 + offset) % len(SENTENCES)] for i in range(N_ROWS)]


def make_rows(fmt: C.DataFormat, dimension: int) -> dict:
    """N_ROWS rows shaped like ``fmt``: its minimum number of inputs and a label of its kind."""
    n = fmt.n_min
    if fmt.list_docs:
        data = {
            "query": _texts(0),
            "docs": [[SENTENCES[(i + k) % len(SENTENCES)] for k in (1, 5, 9)] for i in range(N_ROWS)],
        }
    elif fmt.ref == "D3":  # (anchor, anchor): the same sentence twice
        data = {"text1": _texts(0), "text2": _texts(0)}
    else:
        data = {f"text{j}": _texts(j) for j in range(n)}
    kind = fmt.label
    if kind == C.L_CLASS:
        # 2 classes, 4 rows each: group-by-label batches need >= 2 rows per class.
        data["label"] = [i % 2 for i in range(N_ROWS)]
    elif kind == C.L_BINARY:
        data["label"] = [int(i % 2 == 0) for i in range(N_ROWS)]
    elif kind == C.L_SCORE01:
        data["score"] = [round(0.1 + 0.8 * (i % 4) / 3, 3) for i in range(N_ROWS)]
    elif kind == C.L_FLOAT:
        data["score"] = [round(-1.5 + 0.5 * i, 2) for i in range(N_ROWS)]
    elif kind in (C.L_LIST_N, C.L_LIST_N1):
        length = n - 2 if kind == C.L_LIST_N else n - 1
        data["label"] = [[round(0.9 - 0.2 * k - 0.01 * i, 3) for k in range(length)] for i in range(N_ROWS)]
    elif kind == C.L_LIST_DOCS:
        data["labels"] = [[1.0, 0.0, 0.5] for _ in range(N_ROWS)]
    elif kind == C.L_VECTOR:
        data["label"] = [[math.sin(i + 0.1 * k) for k in range(dimension)] for i in range(N_ROWS)]
    else:
        assert kind == C.L_NONE, kind
    return data


def _shape_of(fmt: C.DataFormat, data: dict) -> S.DataShape:
    """The DataShape the workbench would judge for ``data`` (to ask the rules whether it is blocked)."""
    label = next((c for c in data if c in S.LABEL_NAMES), None)
    inputs = tuple(c for c in data if c != label)
    roles = tuple(S.TEXT_LIST if isinstance(data[c][0], list) else S.TEXT for c in inputs)
    if label is None:
        return S.DataShape(inputs, roles, n_rows=N_ROWS)
    values = data[label]
    if isinstance(values[0], list):
        return S.DataShape(inputs, roles, label, S.NUMBER_LIST, label_list_len=len(values[0]), n_rows=N_ROWS)
    role = {C.L_CLASS: S.CLASS, C.L_BINARY: S.BINARY}.get(fmt.label, S.SCORE)
    n_classes = len(set(values)) if role in (S.CLASS, S.BINARY) else None
    per_class = min(values.count(v) for v in set(values)) if n_classes else None
    return S.DataShape(
        inputs,
        roles,
        label,
        role,
        min(values),
        max(values),
        n_classes=n_classes,
        n_rows=N_ROWS,
        min_rows_per_class=per_class,
    )


# ---- loss construction ---------------------------------------------------------------------------------------


def _distance_metric(choice: str, choices: tuple):
    from sentence_transformers.sentence_transformer import losses

    if "COSINE_DISTANCE" in choices:
        return getattr(losses.SiameseDistanceMetric, choice)
    if "EUCLIDEAN" in choices:
        return getattr(losses.TripletDistanceMetric, choice)
    if "euclidean_distance" in choices:
        return getattr(losses.BatchHardTripletLossDistanceFunction, choice)
    return choice  # EmbedDistillLoss takes the metric's name


def loss_kwargs(spec: C.LossSpec, model, guide_factory, n_classes: int) -> dict:
    """The catalog's default parameters, mapped to the objects the library's constructor takes."""
    import torch
    from sentence_transformers import util

    kwargs = {}
    for p in spec.params:
        if p.kind == "auto":
            continue
        if p.default is None:
            assert not p.required, f"{spec.key}: required parameter {p.name} has no default"
            continue
        if p.kind == "similarity":
            kwargs[p.name] = getattr(util, p.default)
        elif p.name == "distance_metric":
            kwargs[p.name] = _distance_metric(p.default, p.choices)
        elif p.name == "activation_fn":
            kwargs[p.name] = {"Identity": torch.nn.Identity(), "Sigmoid": torch.nn.Sigmoid()}[p.default]
        elif p.kind == "model":
            kwargs[p.name] = guide_factory()
        else:
            kwargs[p.name] = p.default
    if spec.name == "SoftmaxLoss":
        kwargs["num_labels"] = n_classes
        kwargs["embedding_dimension"] = model.get_embedding_dimension()
    return kwargs


def build_loss(spec: C.LossSpec, model, guide_factory, n_classes: int):
    cls = C.resolve_loss(spec)
    loss = cls(model, **loss_kwargs(spec, model, guide_factory, n_classes))
    if "splade_wrapper" in spec.needs:
        from sentence_transformers.sparse_encoder.losses import SpladeLoss

        loss = SpladeLoss(model, loss, document_regularizer_weight=3e-5, query_regularizer_weight=5e-5)
    return loss


def train_two_steps(spec: C.LossSpec, model, loss, data: dict, output_dir) -> float:
    from datasets import Dataset
    from sentence_transformers import (
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
        MultiVectorEncoderTrainer,
        MultiVectorEncoderTrainingArguments,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        SparseEncoderTrainer,
        SparseEncoderTrainingArguments,
    )

    trainer_cls, args_cls = {
        C.DENSE: (SentenceTransformerTrainer, SentenceTransformerTrainingArguments),
        C.SPARSE: (SparseEncoderTrainer, SparseEncoderTrainingArguments),
        C.CROSS: (CrossEncoderTrainer, CrossEncoderTrainingArguments),
        C.MULTI: (MultiVectorEncoderTrainer, MultiVectorEncoderTrainingArguments),
    }[spec.model_type]
    args = args_cls(
        output_dir=str(output_dir),
        max_steps=2,
        per_device_train_batch_size=4,
        report_to="none",
        batch_sampler=spec.sampler or "batch_sampler",
        dataloader_pin_memory=False,
        save_strategy="no",
        logging_steps=1,
        learning_rate=1e-4,
        disable_tqdm=True,
        seed=0,
    )
    trainer = trainer_cls(model=model, args=args, train_dataset=Dataset.from_dict(data), loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = trainer.train()
    assert result.global_step == 2
    return result.training_loss


# ---- the generated test --------------------------------------------------------------------------------------


def test_catalog_has_trainable_losses_of_every_model_type():
    assert {loss.model_type for loss in TRAINED} == set(C.MODEL_TYPES)
    assert len(TRAINED) >= 40


@pytest.mark.parametrize("spec", TRAINED, ids=[loss.key for loss in TRAINED])
def test_loss_trains_two_steps(spec: C.LossSpec, tiny_bert, tmp_path):
    path, vocab_size = tiny_bert
    fmt = spec.formats[0]
    dimension = vocab_size if spec.model_type == C.SPARSE else HIDDEN
    data = make_rows(fmt, dimension)
    shape = _shape_of(fmt, data)
    verdict = K.verdict(spec, shape)
    assert verdict.format_ref == fmt.ref, verdict
    if not verdict.compatible:
        # Only a deliberate block is acceptable: the data matches the loss's own format.
        assert spec.name == "ContrastiveTensionLoss", verdict.reason
        assert "ContrastiveTensionDataLoader" in verdict.reason
        return
    n_classes = len(set(data["label"])) if fmt.label == C.L_CLASS else 1
    num_labels = K.ce_num_labels(spec, shape) if spec.model_type == C.CROSS else 1
    model = make_model(spec.model_type, path, vocab_size, num_labels)
    loss = build_loss(spec, model, lambda: make_model(C.DENSE, path, vocab_size), n_classes)
    value = train_two_steps(spec, model, loss, data, tmp_path / "out")
    assert math.isfinite(value), f"{spec.key} trained to a non-finite loss {value}"
