"""One problem of a suite file, and how all of them become one :class:`SuiteError`.

Every check (YAML syntax, duplicate keys, schema, requirements, epochs for a sampler)
produces :class:`Problem` objects instead of raising at the first one, so a user sees every
mistake at once, each as ``FILE:LINE:COL: path.in.document: what is wrong; allowed: what``
(the ``FILE:LINE:COL`` prefix is what editors and CI logs turn into links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, NoReturn, Sequence

from nasbench_rss.errors import SuiteError


@dataclass(frozen=True, order=True)
class Position:
    """1-based line and column in the suite file."""

    line: int
    column: int


@dataclass(frozen=True)
class Problem:
    """What is wrong (``message``, ending in what is allowed) at ``path`` in the document.

    ``position`` is filled in by whoever knows the text (see ``YamlDocument.locate``).
    """

    path: tuple[Any, ...]
    message: str
    position: Position | None = None
    at_key: bool = False
    """Point at the last key of ``path`` rather than at its value (the key itself is wrong)."""

    def format(self, source: str) -> str:
        where = f"{source}:{self.position.line}:{self.position.column}" if self.position else source
        path = format_path(self.path)
        return f"{where}: {path}: {self.message}" if path else f"{where}: {self.message}"


def format_path(path: Sequence[Any]) -> str:
    """``("matrix", "dataset", 2, "options")`` -> ``matrix.dataset[2].options``."""
    text = ""
    for component in path:
        if isinstance(component, int) and not isinstance(component, bool):
            text += f"[{component}]"
        else:
            text += f".{component}" if text else str(component)
    return text


def raise_problems(source: str, problems: Iterable[Problem]) -> NoReturn:
    """Raise one :class:`SuiteError` with every problem, in the order they appear in the file."""
    ordered = sorted(problems, key=lambda p: (p.position or Position(0, 0), format_path(p.path)))
    unique = list(dict.fromkeys(problem.format(source) for problem in ordered))
    raise SuiteError(unique)
