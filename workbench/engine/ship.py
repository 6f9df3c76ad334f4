"""Ship a run's trained model: export its transformer to ONNX or OpenVINO (optionally int8), check it against the
trained model on the run's own eval data, and write the report.

sentence-transformers' own ``backend="onnx"`` / ``"openvino"`` and ``export_dynamic_quantized_onnx_model`` need
optimum's packages, which do not install beside transformers 5 (optimum-onnx 0.1.0 wants transformers < 5,
optimum-intel 2.2 pins transformers 5.5 and a CUDA torch), so the export is done directly:

* **ONNX** — ``torch.onnx.export`` (the TorchScript exporter, ``dynamo=False``: the default dynamo exporter of
  torch ≥ 2.9 needs ``onnxscript``, which is not installed), opset 17, dynamic batch and sequence axes; the graph
  maps ``input_ids``, ``attention_mask`` (``token_type_ids``) to ``last_hidden_state``, as optimum's would.
* **int8** — onnxruntime's ``quantize_dynamic`` with :data:`INT8_SETTINGS`. Measured on the packaged MiniLM
  (STSb test, 2,552 sentences, ``bench/ship_int8.py``): the library's defaults (per-tensor QInt8) drift from torch
  (mean cosine 0.960, min 0.80); per-channel weights bring it to 0.992 (min 0.964); leaving the embeddings
  (Gather) in fp32 adds nothing measurable (0.9925) for 2.5× the size; ``reduce_range`` is no better (0.991).
  Every variant's Spearman lies within 0.004 of fp32's 0.8203 (inside the STSb interval of about ±0.005), so the
  agreement decides: per-channel QInt8 on every op it supports.
* **OpenVINO** — ``openvino.convert_model`` of that ONNX graph, saved as IR with fp32 weights. OpenVINO's own
  int8 weight compression lives in NNCF (not installed); ``--quantize int8`` converts the int8 ONNX graph above,
  which OpenVINO runs with its int8 weights.

The shipped folder holds the trained model's configuration and tokenizer files (not its torch weights), the graph
(``onnx/model.onnx`` / ``openvino/openvino_model.xml``, where sentence-transformers' backends look), and
``shipped.json`` for :func:`workbench.engine.shipped.load_shipped`. Pooling and Normalize run in the loader
(numpy). Supported: SentenceTransformer models made of Transformer, Pooling and Normalize modules, and
CrossEncoder models made of one sequence-classification Transformer (:mod:`workbench.engine.ship_cross`: the graph
ends at the classifier's logits, the loader applies the model's activation and scores pairs).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from .. import catalog as C
from ..errors import WorkbenchError
from .playground import run_spec, trained_model_path
from .run_folder import write_json_atomic
from .run_index import read_run
from .ship_report import RUN_REPORTS, judge, read_reports
from .shipped import FORMATS, MANIFEST, ONNX_FILE, OPENVINO_FILE, POOLING_MODES, REPORT

log = logging.getLogger("workbench.ship")

QUANTIZE = ("none", "int8")
OPSET = 17
INT8_SETTINGS = {"per_channel": True, "weight_type": "QInt8", "reduce_range": False, "op_types": "all"}
_WEIGHTS = (
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)
_MODULES = {"Transformer", "Pooling", "Normalize"}
Progress = Callable[[str], None]


def default_folder(run_dir: str | Path, fmt: str, quantize: str) -> Path:
    """Where a run's export goes unless told: ``<run>/shipped/<format>-<quantize>``."""
    return Path(run_dir).expanduser() / "shipped" / f"{fmt}-{quantize}"


def check_request(run_dir: str | Path, fmt: str, quantize: str) -> tuple[Path, dict]:
    """Refuse what cannot be shipped, before any heavy import.

    Returns:
        The trained model's folder and what its loader needs: the pooling facts ``{"pooling": modes, "normalize":
        bool, "dimension"}`` of a dense model, ``{"activation", "num_labels"}`` of a cross-encoder.

    Raises:
        WorkbenchError: not a run folder, a run still going, no trained model, a model type or module the loader
            does not support, an unknown format or quantization.
    """
    if fmt not in FORMATS:
        raise WorkbenchError(
            f"unknown format '{fmt}'.", fix=f"use one of: {', '.join(FORMATS)}.", where="format"
        )
    if quantize not in QUANTIZE:
        raise WorkbenchError(
            f"unknown quantization '{quantize}'.", fix=f"use one of: {', '.join(QUANTIZE)}.", where="quantize"
        )
    folder = Path(run_dir).expanduser()
    if folder.is_dir() and not any(
        (folder / f).is_file() for f in ("events.jsonl", "status.json", "summary.json")
    ):
        raise WorkbenchError(
            f"'{run_dir}' is not a workbench run folder (it has no events.jsonl, status.json or summary.json).",
            fix="give a run's folder, as `workbench runs` lists it (e.g. runs/20260101-120000), not its model.",
        )
    spec = run_spec(run_dir)
    info = read_run(run_dir)
    if info is not None and info.status not in {"finished", "stopped", "error"}:
        raise WorkbenchError(
            f"run '{Path(run_dir).name}' is {info.status}: its model is not final yet.",
            fix="wait for the run to end (or stop it: `workbench stop RUN_DIR`), then ship it.",
        )
    if spec.model.type not in (C.DENSE, C.CROSS):
        raise WorkbenchError(
            f"shipping supports sentence-transformer (dense) and cross-encoder models; this run trained a "
            f"{spec.model.type}.",
            fix="use the trained model folder (runs/<id>/final) with sentence-transformers directly; "
            f"ONNX export of {spec.model.type} models is not supported by `workbench ship` yet.",
        )
    final = trained_model_path(run_dir)
    if spec.model.type == C.CROSS:
        from .ship_cross import cross_facts

        return final, cross_facts(final)
    return final, _pooling(final)


def _pooling(final: Path) -> dict:
    try:
        modules = json.loads((final / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WorkbenchError(
            f"the trained model in '{final}' has no readable modules.json.", fix="train the run again."
        ) from exc
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    other = [k for k in kinds if k not in _MODULES]
    if other or not kinds or kinds[0] != "Transformer" or "Pooling" not in kinds:
        raise WorkbenchError(
            f"the model's modules are {', '.join(kinds)}; shipping supports Transformer → Pooling "
            "(→ Normalize) models only.",
            fix="use the trained model (runs/<id>/final) with sentence-transformers directly.",
        )
    pooling = next(m for m in modules if str(m.get("type", "")).endswith("Pooling"))
    config = json.loads((final / pooling.get("path", "") / "config.json").read_text(encoding="utf-8"))
    modes = config.get("pooling_mode") or "mean"
    modes = [modes] if isinstance(modes, str) else list(modes)
    bad = [m for m in modes if m not in POOLING_MODES]
    if bad:
        raise WorkbenchError(
            f"the model pools with '{', '.join(bad)}', which the shipped-model loader does not reproduce.",
            fix=f"shipping supports the pooling modes {', '.join(POOLING_MODES)}.",
        )
    return {
        "pooling": modes,
        "normalize": "Normalize" in kinds,
        "dimension": config.get("embedding_dimension"),
    }


def _export_onnx(model, target: Path, output: str = "last_hidden_state") -> list[str]:
    """``torch.onnx.export`` of the model's transformer to its ``output`` (``last_hidden_state``, or a
    cross-encoder's ``logits`` from a tokenized pair); returns the graph's input names."""
    import torch

    module = model[0]
    texts = ["a short sentence", "a somewhat longer sentence to export the graph with"]
    features = model.preprocess(
        texts if output == "last_hidden_state" else [tuple(texts), tuple(texts[::-1])]
    )
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in features]

    class Backbone(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *args):
            return getattr(self.inner(**dict(zip(names, args, strict=True)), return_dict=True), output)

    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes[output] = {0: "batch", 1: "sequence"} if output == "last_hidden_state" else {0: "batch"}
    target.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(
            Backbone(module.model).eval(),
            tuple(features[k] for k in names),
            str(target),
            input_names=names,
            output_names=[output],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    return names


def _quantize_int8(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger("root").setLevel(logging.ERROR)  # onnxruntime.quantization logs each skipped node
    quantize_dynamic(
        str(source),
        str(target),
        per_channel=INT8_SETTINGS["per_channel"],
        reduce_range=INT8_SETTINGS["reduce_range"],
        weight_type=getattr(QuantType, INT8_SETTINGS["weight_type"]),
    )


def _to_openvino(source: Path, target: Path) -> None:
    import openvino as ov

    target.parent.mkdir(parents=True, exist_ok=True)
    ov.save_model(ov.convert_model(str(source)), str(target), compress_to_fp16=False)


def _copy_config(final: Path, out: Path) -> None:
    """The trained model's folder without its torch weights (configs, tokenizer, module folders, card)."""
    for item in final.iterdir():
        if item.name in _WEIGHTS or item.name in ("onnx", "openvino"):
            continue
        if item.is_dir():
            shutil.copytree(item, out / item.name, dirs_exist_ok=True)
        else:
            shutil.copy2(item, out / item.name)


def prepare_out(out: Path, default: bool) -> None:
    """An empty folder to write to; a previous export (it holds shipped.json) is replaced, anything else kept.

    Raises:
        WorkbenchError: ``out`` exists and holds something that is not an earlier export.
    """
    if out.exists():
        if not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).is_file() and not default):
            raise WorkbenchError(
                f"'{out}' already exists and is not an earlier export.",
                fix="give a new or empty folder with --out, or leave --out out to write into the run folder.",
                where="out",
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)


def export(
    model,
    final: Path,
    out: Path,
    fmt: str,
    quantize: str,
    facts: dict,
    progress: Progress,
    kind: str = C.DENSE,
) -> dict:
    """Write the shipped folder for a loaded trained model (of model type ``kind``, with the loader's ``facts``
    from :func:`check_request`); returns its manifest (``shipped.json``)."""
    output = "logits" if kind == C.CROSS else "last_hidden_state"
    _copy_config(final, out)
    with tempfile.TemporaryDirectory(prefix="workbench-ship-") as tmp:
        fp32 = Path(tmp) / "model.onnx" if (fmt != "onnx" or quantize != "none") else out / ONNX_FILE
        progress("exporting the transformer to ONNX (torch.onnx.export, opset 17)")
        names = _export_onnx(model, fp32, output)
        graph = fp32
        if quantize == "int8":
            progress("quantizing to int8 (onnxruntime quantize_dynamic, per-channel weights)")
            graph = out / ONNX_FILE if fmt == "onnx" else Path(tmp) / "model_int8.onnx"
            graph.parent.mkdir(parents=True, exist_ok=True)
            _quantize_int8(fp32, graph)
        if fmt == "openvino":
            progress("converting to OpenVINO IR (openvino.convert_model)")
            _to_openvino(graph, out / OPENVINO_FILE)
    tokenizer = model.tokenizer
    prompt_name = getattr(model, "default_prompt_name", None)
    manifest = {
        "format": fmt,
        "quantize": quantize,
        "file": ONNX_FILE if fmt == "onnx" else OPENVINO_FILE,
        "inputs": names,
        "output": output,
        "max_seq_length": int(model.max_seq_length or 512),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
        **facts,
        # As the trained model's encode: cut to its saved truncate_dim, with its default prompt before each text.
        "truncate_dim": getattr(model, "truncate_dim", None),
        "prompt": (getattr(model, "prompts", None) or {}).get(prompt_name) if prompt_name else None,
        "opset": OPSET,
        "int8": dict(INT8_SETTINGS) if quantize == "int8" else None,
        "model_type": kind,
        "source": str(final),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_json_atomic(out / MANIFEST, manifest)
    return manifest


def _size_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6, 1)


def ship(
    run_dir: str | Path,
    fmt: str = "onnx",
    quantize: str = "none",
    out: str | Path | None = None,
    progress: Progress | None = None,
) -> dict:
    """Export a run's trained model, measure it against the trained one, and write the report.

    Args:
        run_dir: The run folder (it has ended and saved ``final/``).
        fmt: ``onnx`` or ``openvino``.
        quantize: ``none`` or ``int8``.
        out: The folder to write (default :func:`default_folder`).
        progress: Called with a line for each step.

    Returns:
        The report (also ``ship.json`` in the shipped folder, and under its name in the run's ``ship.json``):
        metrics trained vs shipped, the embeddings' agreement, speed, size, and ``gate`` (``passed``, ``message``).

    Raises:
        WorkbenchError: what :func:`check_request` refuses, or an ``out`` folder holding something else.
    """
    from .models import quiet_loading

    say = progress or (lambda line: log.info(line))
    run_dir = Path(run_dir).expanduser()
    final, facts = check_request(run_dir, fmt, quantize)
    kind = C.CROSS if "activation" in facts else C.DENSE
    target = Path(out).expanduser() if out else default_folder(run_dir, fmt, quantize)
    prepare_out(target, default=out is None)
    from .adapters import is_adapter_folder

    if is_adapter_folder(final):  # the exported graph is the plain model: the adapter merged into its weights
        from .merge import merge

        say("an adapter run: merging the adapter into the model first (as `workbench merge` does)")
        final = merge(run_dir)
    say(f"loading the trained model from {final}")
    if kind == C.CROSS:
        from sentence_transformers import CrossEncoder as Model

        from .ship_cross import measure_cross as measure
    else:
        from sentence_transformers import SentenceTransformer as Model

        from .ship_measure import measure

    with quiet_loading():
        model = Model(str(final), device="cpu")
    model.eval()
    started = time.monotonic()
    manifest = export(model, final, target, fmt, quantize, facts, say, kind)
    export_s = round(time.monotonic() - started, 2)
    name = f"{fmt}-{quantize}"
    figures = measure(run_dir, model, target, say)
    info = read_run(run_dir)
    report = {
        "name": name,
        "run": str(run_dir),
        "run_status": info.status if info else None,
        "format": fmt,
        "quantize": quantize,
        "int8": manifest["int8"],
        "folder": str(target),
        "export_s": export_s,
        "size_mb": _size_mb(target),
        "trained_size_mb": _size_mb(final),
        **figures,
    }
    report["gate"] = judge(report["metrics"], report["agreement"])
    write_report(run_dir, target, report)
    return report


def write_report(run_dir: Path, target: Path, report: dict) -> None:
    """``ship.json`` in the shipped folder, and the run's ``ship.json`` (every export of the run by name)."""
    write_json_atomic(target / REPORT, report)
    reports = read_reports(run_dir)
    reports[report["name"]] = report
    write_json_atomic(run_dir / RUN_REPORTS, reports)
