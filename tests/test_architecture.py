"""The architecture, checked: the layers of ``.importlinter`` and the package graph they imply.

``lint-imports`` holds the contracts (layers from the exchange contract up to the application;
the exchange contract imports nothing else; the core reaches adapters only through the registry
and the SDK). These tests run it, and add what a contract file cannot say: every part of ``hub``
is placed in a layer, no project import hides inside a function or behind ``TYPE_CHECKING``
below the application layer, and, the application aside, the top-level packages import each other without a cycle.
"""

from __future__ import annotations

import ast
import configparser
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schemas", "transforms", "routes", "adapters", "hub", "monitor")
#: The application layer: it may import anything, lazily too (the CLI imports per command).
APPLICATION = "hub.app"


def _layers() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    raw = config["importlinter:contract:layers"]["layers"]
    return [name.strip() for line in raw.splitlines() for name in line.replace("|", ":").split(":")
            if name.strip()]


def test_lint_imports_keeps_every_contract() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command is not None, "import-linter is installed with the test extras"
    result = subprocess.run([command, str(ROOT / ".importlinter")], check=False, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_part_of_hub_sits_in_a_layer() -> None:
    layered = set(_layers())
    parts = {f"hub.{p.stem if p.suffix == '.py' else p.name}" for p in (ROOT / "hub").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert parts, "hub has modules"
    assert parts <= layered, f"not in any layer of .importlinter: {sorted(parts - layered)}"


def _hidden_imports(path: Path, module: str) -> list[tuple[int, str]]:
    """Project imports inside a function, or under ``if TYPE_CHECKING:`` from another
    package: both would keep an import out of sight of the layers."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, hidden: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = hidden or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if hidden and isinstance(child, ast.ImportFrom) and child.module:
                found.append((child.lineno, child.module))
            elif hidden and isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    package = module.rsplit(".", 1)[0]
    return [(line, name) for line, name in found
            if name.split(".")[0] in PACKAGES and not name.startswith(package + ".")]


def test_no_project_import_hides_in_a_function_or_behind_type_checking_below_the_application() -> None:
    hidden = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            if module == APPLICATION or module.startswith(APPLICATION + "."):
                continue
            hidden.extend(f"{module}:{line} imports {name}"
                          for line, name in _hidden_imports(path, module))
    assert hidden == []


def _package_graph(graph: grimp.ImportGraph) -> Counter[tuple[str, str]]:
    """(importer package, imported package) -> number of module pairs, the application aside."""
    pairs: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        if module == APPLICATION or module.startswith(APPLICATION + "."):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = module.split(".")[0], imported.split(".")[0]
            if a != b:
                pairs[(a, b)] += 1
    return pairs


def test_top_level_packages_import_each_other_without_a_cycle_below_the_application() -> None:
    pairs = _package_graph(grimp.build_graph(*PACKAGES))
    print("imports between top-level packages (module pairs; hub.app left out):")
    print("from \\ to   " + " ".join(f"{p:>10}" for p in PACKAGES))
    for a in PACKAGES:
        print(f"{a:<11} " + " ".join(f"{pairs.get((a, b), ''):>10}" for b in PACKAGES))
    edges = {a: {b for (x, b) in pairs if x == a} for a in PACKAGES}
    order: list[str] = []
    remaining = dict(edges)
    while remaining:
        leaves = [p for p, deps in remaining.items() if not deps & remaining.keys()]
        if not leaves:
            pytest.fail(f"a cycle among {sorted(remaining)}: {pairs}")
        order.extend(sorted(leaves))
        for leaf in leaves:
            del remaining[leaf]
    assert order[0] == "schemas", "the exchange contract and the standard are the ground"
