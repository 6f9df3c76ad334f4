"""The parts of a run's configuration: the model, each dataset with its column mapping, the loss and the
evaluators, each validated as it is read (a public contract: see README "Run configuration")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from ..catalog import DENSE, DERIVE_NAMES, kind
from ..errors import WorkbenchError, nearest
from .adapter import check_adapter
from .router import check_asymmetric
from .training import check_activation

SOURCES = ("hub", "csv", "json", "parquet", "arrow", "excel", "sql", "dict", "holdout")
SPLITS = ("train", "eval", "test")
POOLING_MODES = ("mean", "cls", "max", "lasttoken", "weightedmean")
# What a config's model_card may hold (the library's model-card data of the same names).
MODEL_CARD_FIELDS = ("language", "license", "model_name")
# Keys that would carry a secret. A config holding one is refused rather than silently stripped, so that the
# person learns where the token should go instead.
SECRET_KEYS = ("hub_token", "token", "hf_token", "use_auth_token", "push_to_hub_token")


def _flag(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise WorkbenchError(f"'{where}' must be true or false, got {value!r}.", where=where)
    return value


def _whole(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkbenchError(
            f"'{where}' must be a whole number, got {value!r}.", fix="use e.g. 42.", where=where
        )
    return value


def check_dataset_name(name: str, where: str = "datasets") -> None:
    """A dataset's name also names its evaluator and the evaluator's result files: no path separators."""
    bad = [c for c in ("/", "\\") if c in name]
    if not name.strip() or bad or name.strip() in (".", "..") or name != name.strip():
        raise WorkbenchError(
            f"'{name}' cannot be a dataset name" + (f" (it contains '{bad[0]}')" if bad else "") + ".",
            fix="use letters, digits, '-', '_' or '.', e.g. 'dev' or 'stsb-v1.2'.",
            where=where,
        )


def _check_keys(data: dict, allowed, where: str) -> None:
    for key in data:
        if key in SECRET_KEYS:
            raise WorkbenchError(
                f"'{key}' holds a Hub token; configs never store tokens.",
                fix="remove it from the config and set the HF_TOKEN environment variable, or type the token "
                "into the push panel's password field.",
                where=f"{where}.{key}" if where else key,
            )
        if key not in allowed:
            guess = nearest(key, allowed)
            raise WorkbenchError(
                f"unknown key '{key}'.",
                fix=(f"did you mean '{guess}'? " if guess else "")
                + f"Valid keys here: {', '.join(sorted(allowed))}.",
                where=f"{where}.{key}" if where else key,
            )


@dataclass(frozen=True)
class ModelSpec:
    """Which model to fine-tune.

    Attributes:
        type: ``sentence-transformer`` (dense), ``sparse-encoder`` (SPLADE), ``cross-encoder`` or
            ``multi-vector`` (late interaction, ColBERT-style).
        name_or_path: ``default`` (the packaged all-MiniLM-L6-v2), a local folder, or a Hub model id.
        max_seq_length: Truncate inputs to this many tokens (None keeps the model's own).
        from_scratch: Build a fresh model from a plain transformer checkpoint instead of loading a finished
            one: ``{"pooling": "mean"}`` (dense only; pooling one of POOLING_MODES).
        num_labels: Cross-encoder output size (None: chosen from the loss and the labels).
        model_card: Model-card data: ``language``, ``license``, ``model_name``.
        adapter: Train a LoRA adapter instead of all weights: ``{"type": "lora", "r": 16, "alpha": 32,
            "dropout": 0.1, "target_modules": "auto"}`` (see `spec.adapter`); None trains every weight.
        asymmetric: Separate query and document sides (a ``Router``): ``{"kind": "separate" | "inference-free",
            "query_learning_rate": None, "document_learning_rate": None}``, and ``"query_init": "idf" | "ones"``
            for inference-free query weights (see `spec.router`); None: one model.
        activation_fn: What a cross-encoder applies to its logits when it predicts (saved with it): ``Identity``
            or ``Sigmoid``; None: chosen from the loss (`catalog.SCORE_ACTIVATIONS`).
    """

    type: str = DENSE
    name_or_path: str = "default"
    max_seq_length: int | None = None
    from_scratch: dict | None = None
    num_labels: int | None = None
    model_card: dict = field(default_factory=dict)
    adapter: dict | None = None
    asymmetric: dict | None = None
    activation_fn: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        if isinstance(
            data, str
        ):  # "model": "default" or a path/Hub id: the model to fine-tune, as a dense model
            data = {"name_or_path": data}
        if not isinstance(data, dict):
            raise WorkbenchError(
                '\'model\' must be a mapping like {"type": "sentence-transformer", '
                '"name_or_path": "default"}.',
                fix="write the model as a mapping of its settings (see the README's Run configuration).",
                where="model",
            )
        data = dict(data)
        _check_keys(data, [f.name for f in fields(cls)], "model")
        spec = cls(**data)
        kind(spec.type)  # refuses an unknown model type, naming the known ones
        if spec.max_seq_length is not None and (
            not isinstance(spec.max_seq_length, int)
            or isinstance(spec.max_seq_length, bool)
            or spec.max_seq_length < 1
        ):
            raise WorkbenchError(
                f"max_seq_length must be a positive whole number, got {spec.max_seq_length!r}.",
                fix="use e.g. 128, or leave it out to keep the model's own.",
                where="model.max_seq_length",
            )
        if spec.from_scratch is not None:
            pooling = (spec.from_scratch or {}).get("pooling", "mean")
            if pooling not in POOLING_MODES:
                raise WorkbenchError(
                    f"pooling mode '{pooling}' is not known.",
                    fix=f"use one of: {', '.join(POOLING_MODES)}.",
                    where="model.from_scratch.pooling",
                )
        if not isinstance(spec.model_card, dict):
            raise WorkbenchError(
                '\'model_card\' must be a mapping like {"language": "en"}.',
                fix="write model_card as a mapping of card fields, or leave it out.",
                where="model.model_card",
            )
        _check_keys(spec.model_card, MODEL_CARD_FIELDS, "model.model_card")
        check_activation(spec.activation_fn, spec.type)
        spec = replace(spec, adapter=check_adapter(spec.adapter))
        if spec.adapter and spec.asymmetric not in (None, False, "none", "off", "", "shared"):
            raise WorkbenchError(
                "a LoRA adapter and separate query/document sides cannot be combined yet.",
                fix="leave out either 'adapter' or 'asymmetric'.",
                where="model.asymmetric",
            )
        return replace(spec, asymmetric=check_asymmetric(spec.asymmetric, spec.type))


@dataclass(frozen=True)
class DatasetSpec:
    """Where one dataset comes from and how its columns map onto the trainer's inputs.

    Attributes:
        source: One of SOURCES. ``hub``: ``path`` is a repo id (or a local folder laid out like one) with
            optional ``subset`` and ``split``. ``csv``/``json``/``parquet``/``arrow``: ``path`` is a file.
            ``excel``: ``path`` is an .xlsx workbook and ``sheet`` the sheet to read (None: the first one).
            ``sql``: ``path`` is a SQLite file and ``query`` the SELECT. ``dict``: ``data`` holds the columns
            inline. ``holdout``: a ``fraction`` of the train dataset named by ``of`` (eval sets only).
        columns: The ordered input columns (the trainer takes inputs by position). None: inferred.
        label: The label column (renamed to ``label`` for the trainer); None for losses without labels.
        label_range: ``[low, high]`` of the label's scale; scores are rescaled from it to 0-1.
        limit: Keep only the first N rows (None: all).
        drop_empty: Drop the rows whose inputs or label are empty (null, NaN, blank text) instead of stopping
            with an error that names the column and rows.
        derive: Build a loss's inputs from the mapped text column(s) before training: ``"tsdae"`` damages the
            first input with TSDAE's deletion noise ((damaged, original) pairs for DenoisingAutoEncoderLoss; see
            `catalog.DERIVATIONS`). None: the rows are used as mapped.
    """

    source: str
    path: str | None = None
    subset: str | None = None
    split: str | None = None
    query: str | None = None
    sheet: str | None = None
    data: dict | None = None
    of: str | None = None
    fraction: float | None = None
    seed: int = 42
    columns: tuple[str, ...] | None = None
    label: str | None = None
    label_range: tuple[float, float] | None = None
    limit: int | None = None
    drop_empty: bool = False
    derive: str | None = None

    @classmethod
    def from_dict(cls, data: dict, where: str) -> DatasetSpec:
        spec = cls(**_dataset_fields(data, where))
        spec._check(where)
        return spec

    def _check(self, where: str) -> None:
        """What each source needs, the holdout fraction, and the label range."""
        src = self.source
        if src in ("hub", "csv", "json", "parquet", "arrow", "excel", "sql") and not self.path:
            raise WorkbenchError(f"a '{src}' dataset needs a 'path'.", where=f"{where}.path")
        if self.sheet is not None and (src != "excel" or not isinstance(self.sheet, str) or not self.sheet):
            raise WorkbenchError(
                f"'sheet' names a sheet of an Excel workbook (source 'excel'), got {self.sheet!r} for a "
                f"'{src}' dataset.",
                fix="remove 'sheet', or use source 'excel' with an .xlsx file and the sheet's name.",
                where=f"{where}.sheet",
            )
        if src == "sql" and not self.query:
            raise WorkbenchError(
                "a 'sql' dataset needs a 'query'.",
                fix='add e.g. "query": "SELECT a, b FROM pairs".',
                where=f"{where}.query",
            )
        if src == "dict" and not isinstance(self.data, dict):
            raise WorkbenchError(
                "a 'dict' dataset needs 'data': {column: [values, ...]}.", where=f"{where}.data"
            )
        if src == "holdout":
            if not self.of:
                raise WorkbenchError(
                    "a 'holdout' dataset needs 'of': the train dataset to split.", where=where
                )
            if self.fraction is None or not 0 < float(self.fraction) < 1:
                raise WorkbenchError(
                    f"'fraction' must lie between 0 and 1, got {self.fraction!r}.",
                    fix="use e.g. 0.1.",
                    where=f"{where}.fraction",
                )
        if self.derive is not None and self.derive not in DERIVE_NAMES:
            raise WorkbenchError(
                f"unknown derive {self.derive!r}.",
                fix=f"use one of: {', '.join(DERIVE_NAMES)}, or leave it out.",
                where=f"{where}.derive",
            )
        if self.label_range is not None:
            lo_hi = self.label_range
            if (
                len(lo_hi) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in lo_hi)
                or lo_hi[0] >= lo_hi[1]
            ):
                raise WorkbenchError(
                    f"label_range must be [low, high] with low < high, got {list(lo_hi)}.",
                    fix="use e.g. [0, 5] for STS scores.",
                    where=f"{where}.label_range",
                )

    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == f.default and f.name != "source":
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _dataset_fields(data, where: str) -> dict:
    """A dataset entry's fields: keys and source checked, columns and label_range read from text or lists."""
    if not isinstance(data, dict):
        raise WorkbenchError(
            'a dataset entry must be a mapping like {"source": "csv", "path": "train.csv"}.',
            fix="write each dataset as a mapping under its name (see the README's Run configuration).",
            where=where,
        )
    data = dict(data)
    _check_keys(data, [f.name for f in fields(DatasetSpec)], where)
    if "source" not in data:
        raise WorkbenchError(
            "the dataset has no 'source'.", fix=f"add one of: {', '.join(SOURCES)}.", where=where
        )
    if data["source"] not in SOURCES:
        guess = nearest(str(data["source"]), SOURCES)
        raise WorkbenchError(
            f"unknown source '{data['source']}'.",
            fix=(f"did you mean '{guess}'? " if guess else "") + f"Use one of: {', '.join(SOURCES)}.",
            where=f"{where}.source",
        )
    for key in ("columns", "label_range"):
        if data.get(key) is not None:
            if isinstance(data[key], str):
                data[key] = [c.strip() for c in data[key].split(",") if c.strip()]
            data[key] = tuple(data[key])
    if data.get("label_range") is not None:  # "0,5" or ["0", "5"] from a form or a YAML file
        parsed_range = []
        for v in data["label_range"]:
            try:
                parsed_range.append(v if isinstance(v, bool) else float(v))
            except (TypeError, ValueError):
                parsed_range.append(v)
        data["label_range"] = tuple(parsed_range)
    if data.get("label") and data.get("columns") and data["label"] in data["columns"]:
        raise WorkbenchError(
            f"column '{data['label']}' is both an input and the label.",
            fix=f"remove '{data['label']}' from columns, or choose another label.",
            where=f"{where}.columns",
        )
    if not isinstance(data.get("drop_empty", False), bool):
        raise WorkbenchError(
            f"drop_empty must be true or false, got {data['drop_empty']!r}.", where=f"{where}.drop_empty"
        )
    return data


@dataclass(frozen=True)
class LossChoice:
    """A loss by name (or ``auto``), its parameters, and optional modifier / sparse wrapper."""

    name: str = "auto"
    params: dict = field(default_factory=dict)
    modifier: dict | None = None  # {"name": "MatryoshkaLoss", "params": {"matryoshka_dims": [384, 128]}}
    wrapper: dict | None = None  # {"name": "SpladeLoss", "params": {"query_regularizer_weight": 5e-5}}

    @classmethod
    def from_dict(cls, data: Any, where: str = "loss") -> LossChoice:
        if isinstance(data, str):
            return cls(name=data)
        if not isinstance(data, dict):
            raise WorkbenchError('\'loss\' must be a name or {"name": ..., "params": {...}}.', where=where)
        _check_keys(data, [f.name for f in fields(cls)], where)
        if data.get("params") is not None and not isinstance(data["params"], dict):
            raise WorkbenchError(
                "'params' must be a mapping like {\"scale\": 20}.",
                fix="write the parameters as a mapping of name to value, or leave params out.",
                where=f"{where}.params",
            )
        data = {**data, "params": data.get("params") or {}}
        for key in ("modifier", "wrapper"):
            if data.get(key) is not None and not (isinstance(data[key], dict) and "name" in data[key]):
                raise WorkbenchError(
                    f'\'{key}\' must be {{"name": ..., "params": {{...}}}}.', where=f"{where}.{key}"
                )
        return cls(**data)

    def to_dict(self) -> dict:
        out: dict = {"name": self.name, "params": dict(self.params)}
        if self.modifier:
            out["modifier"] = self.modifier
        if self.wrapper:
            out["wrapper"] = self.wrapper
        return out


@dataclass(frozen=True)
class EvaluatorChoice:
    """An evaluator by name, the dataset it reads (``eval/NAME`` or ``test/NAME``), and its parameters.

    InformationRetrievalEvaluator may instead name BEIR-style files: ``queries``, ``corpus``, ``qrels``.
    """

    name: str
    dataset: str | None = None
    params: dict = field(default_factory=dict)
    queries: str | None = None
    corpus: str | None = None
    qrels: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str) -> EvaluatorChoice:
        if isinstance(data, str):
            data = {"name": data}
        if not isinstance(data, dict) or "name" not in data:
            raise WorkbenchError('an evaluator must be {"name": ..., "dataset": "eval/NAME"}.', where=where)
        _check_keys(data, [f.name for f in fields(cls)], where)
        spec = cls(**data)
        if spec.dataset is not None:
            split, _, name = spec.dataset.partition("/")
            if split not in ("eval", "test") or not name:
                raise WorkbenchError(
                    f"evaluator dataset '{spec.dataset}' must be written 'eval/NAME' or 'test/NAME'.",
                    where=f"{where}.dataset",
                )
        return spec

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, {}) or k == "name"}
