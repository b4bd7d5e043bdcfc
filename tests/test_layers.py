"""The package's layers point one way: a module never imports from a layer above its own.

Imports inside functions count (they are real dependencies, only deferred); imports under
``if TYPE_CHECKING:`` do not (they exist for type checkers only).  The layers, from the
bottom up, are the ones README's "Layers" lists; a new top-level package must be placed in
one of them here, or this test fails.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import nasbench_rss

PACKAGE = Path(nasbench_rss.__file__).parent

LAYERS: list[set[str]] = [
    {"__init__", "errors", "exit_codes", "seeding", "validation", "hookspecs", "plugins", "atomic", "locks", "clock", "hashing", "limits", "environment"},
    {"space"},
    {"config"},
    {"cell"},
    {"arch", "data", "samplers", "stats"},
    {"protocols", "testing"},
    {"runtime"},
    {"train", "evaluate"},
    {"suite"},
    {"run"},
    {"analysis"},
    {"claims"},
    {"report"},
    {"cli"},
]
"""Top-level modules and packages of nasbench_rss, bottom first."""

SIBLINGS_APART = [("train", "evaluate")]
"""Packages of one layer that must not import each other either."""


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """(imported nasbench_rss module, line) of every import in ``path`` outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text())
    typing_only = {id(sub) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) for sub in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if path.name == "__init__.py" else 0)]
                found.append((".".join(base + ([node.module] if node.module else [])), node.lineno))
            else:
                found.append((node.module or "", node.lineno))
    return [(name, line) for name, line in found if name == "nasbench_rss" or name.startswith("nasbench_rss.")]


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) top-level units -> where (file:line)."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        for imported, line in _imports(path, module):
            if _unit(imported) != _unit(module):
                edges[(_unit(module), _unit(imported))].append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    return edges


def _layer(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"nasbench_rss.{unit} is in no layer of tests/test_layers.py: place it there (and in README's Layers)")


def test_every_import_points_down_the_layers():
    upward = [
        f"{low} (layer {_layer(low)}) imports {high} (layer {_layer(high)}) at {', '.join(where[:3])}"
        for (low, high), where in sorted(package_edges().items())
        if _layer(high) > _layer(low)
    ]
    assert upward == []


def test_every_top_level_module_has_a_layer():
    units = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir() if (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert sorted(u for u in units if u != "__main__" and not any(u in layer for layer in LAYERS)) == []


@pytest.mark.parametrize("a, b", SIBLINGS_APART)
def test_training_and_evaluation_never_import_each_other(a, b):
    edges = package_edges()
    assert (a, b) not in edges and (b, a) not in edges, {k: v for k, v in edges.items() if k in ((a, b), (b, a))}


def test_the_checker_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import nasbench_rss.cli\ndef f():\n    from nasbench_rss.report import build\n")
    assert _imports(source, "nasbench_rss.config.m") == [("nasbench_rss.report", 5)]


@pytest.mark.slow
def test_configs_and_cell_storage_import_no_torch():
    code = (
        "import sys; import nasbench_rss.config.training, nasbench_rss.config.evaluation, nasbench_rss.config.claims, "
        "nasbench_rss.cell.directory, nasbench_rss.cell.planned; print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
