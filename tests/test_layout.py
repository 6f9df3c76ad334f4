"""The package's layout and import directions (../shared/DESIGN.md "Layout"), checked on the source itself.

catalog -> spec -> data -> rules -> engine -> (export) -> session -> ui, and cli over them all: each subpackage's
``__init__`` is its API (imports and ``__all__``, nothing else), no private name crosses a package boundary,
catalog/data/rules import neither widgets nor torch at module level, and the ui talks to the session, never to
the engine.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
SUBPACKAGES = ("spec", "catalog", "data", "rules", "engine", "export", "session", "ui", "cli")
TOP_LEVEL_MODULES = {"__init__.py", "errors.py", "__main__.py"}
LIGHT = ("catalog", "data", "rules")
HEAVY_MODULES = ("torch", "ipywidgets", "sentence_transformers", "transformers")
MAX_MODULE_LINES = 430


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def package_of(name: str) -> str | None:
    """The subpackage a dotted ``workbench...`` name lies in (None: the top level)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in SUBPACKAGES) else None


def imports(path: Path, top_only: bool = False):
    """(absolute module, imported names, line) for every import in a module (only module-level ones with
    ``top_only``: imports inside functions are lazy)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = dotted(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    nodes = tree.body if top_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.If) and top_only:  # `if TYPE_CHECKING:` imports never run
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, [a.name for a in node.names], node.lineno


def test_only_init_and_errors_at_the_top_level():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in TOP_LEVEL_MODULES)
    assert not loose, f"move these into the subpackage their role names: {loose}"
    assert sorted(
        p.name
        for p in PACKAGE.iterdir()
        if p.is_dir() and p.name != "__pycache__" and (p / "__init__.py").exists()
    ) == sorted(SUBPACKAGES)


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_each_package_init_is_its_api(name: str):
    """An import list and ``__all__``: no code of its own, and every exported name really imported."""
    tree = ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8"))
    exported: list[str] = []
    imported: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            exported = list(ast.literal_eval(node.value))
            continue
        pytest.fail(f"workbench/{name}/__init__.py line {node.lineno}: only imports and __all__ belong here")
    assert exported, f"workbench/{name}/__init__.py has no __all__"
    assert set(exported) <= imported, f"__all__ names what is not imported: {set(exported) - imported}"


def test_no_private_name_crosses_a_package_boundary():
    found = []
    for path in modules():
        mine = package_of(dotted(path))
        for module, names, line in imports(path):
            if not module.startswith("workbench"):
                continue
            theirs = package_of(module)
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            private += [part for part in module.split(".") if part.startswith("_") and part != "__init__"]
            if private and theirs != mine:
                found.append(f"{path.relative_to(PACKAGE)}:{line} imports {private} from {module}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", LIGHT)
def test_light_packages_import_no_widgets_or_torch_at_module_level(name: str):
    found = []
    for path in (PACKAGE / name).rglob("*.py"):
        for module, _, line in imports(path, top_only=True):
            if module.split(".")[0] in HEAVY_MODULES:
                found.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not found, "\n".join(found)


def test_ui_never_imports_the_engine():
    found = []
    for path in (PACKAGE / "ui").rglob("*.py"):
        for module, names, line in imports(path):
            if (
                module == "workbench.engine"
                or module.startswith("workbench.engine.")
                or (module == "workbench" and "engine" in names)
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not found, "the ui talks to the session, never to the engine:\n" + "\n".join(found)


def test_lower_layers_never_import_upper_ones():
    """catalog < spec < data < rules < engine < export < session < ui; cli may use them all (spec reads the
    model types from the catalog's kinds)."""
    rank = {
        "catalog": -1,
        "spec": 0,
        "data": 1,
        "rules": 2,
        "engine": 3,
        "export": 4,
        "session": 5,
        "ui": 6,
        "cli": 7,
    }
    found = []
    for path in modules():
        mine = package_of(dotted(path))
        if mine is None:
            continue
        for module, names, line in imports(path):
            theirs = package_of(module) if module.startswith("workbench") else None
            if module == "workbench":
                theirs = next((n for n in names if n in rank), None)
            if theirs is not None and theirs != mine and rank[theirs] > rank[mine] and mine != "cli":
                found.append(f"{path.relative_to(PACKAGE)}:{line} ({mine}) imports {module} ({theirs})")
    assert not found, "\n".join(found)


def test_configuring_a_run_imports_no_torch():
    """The app paints before torch loads, and a page kernel that only configures runs never imports it."""
    code = (
        "import sys, workbench, workbench.catalog, workbench.data, workbench.rules, workbench.spec, "
        "workbench.session, workbench.export, workbench.cli; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_modules_stay_readable():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules along a seam (over {MAX_MODULE_LINES} lines): {long}"


def test_test_files_have_unique_names():
    """pytest imports test modules by their file name (the folders have no __init__): two test files of one name
    stop the whole run at collection."""
    names = [p.name for p in Path(__file__).resolve().parent.rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
