"""What the plugin contract's documents say: their text, and the import paths they name."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WRITING_PLUGINS = ROOT / "docs" / "writing-plugins.md"
README = ROOT / "README.md"
DOCUMENTS = (WRITING_PLUGINS, README)

DOTTED = re.compile(r"(?<![\w.])nasbench_rss(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"^\s*from\s+(nasbench_rss(?:\.\w+)*)\s+import\s+([\w\s,]+?)\s*(?:#.*)?$", re.MULTILINE)
SOURCE_FILE = re.compile(r"`(nasbench_rss/[\w/]+\.py)`")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def dotted_paths(path: Path) -> list[str]:
    """Every ``nasbench_rss.a.b.c`` the document names, in prose or code, and every ``from nasbench_rss.x import a, b``'s ``x.a``, ``x.b``."""
    body = text(path)
    names = set(DOTTED.findall(body))
    for module, imported in FROM_IMPORT.findall(body):
        names |= {f"{module}.{name.strip()}" for name in imported.split(",") if name.strip()}
    return sorted(names)


def source_files(path: Path) -> list[str]:
    """Every ``nasbench_rss/....py`` file the document points at."""
    return sorted(set(SOURCE_FILE.findall(text(path))))


def resolve(dotted: str) -> Any:
    """The object ``dotted`` names: the longest importable module prefix, then attributes; ImportError/AttributeError if none."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            target = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and not module_name.startswith(error.name):
                raise  # the module exists but imports something missing: a real failure
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return target
    raise ImportError(f"no module of {dotted!r} can be imported")
