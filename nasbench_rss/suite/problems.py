"""One problem of a suite file, and how all of them become one :class:`SuiteError`.

Every check (YAML syntax, duplicate keys, schema, requirements, epochs for a sampler)
produces :class:`Problem` objects instead of raising at the first one, so a user sees every
mistake at once, each as ``FILE:LINE:COL: path.in.document: what is wrong; allowed: what``
(the ``FILE:LINE:COL`` prefix is what editors and CI logs turn into links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, NoReturn

from nasbench_rss.errors import SuiteError
from nasbench_rss.validation import format_path


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


def format_problems(source: str, problems: Iterable[Problem]) -> list[str]:
    """Every problem as a ``FILE:LINE:COL: path: ...`` line, in the order they appear in the file, each once."""
    ordered = sorted(problems, key=lambda p: (p.position or Position(0, 0), format_path(p.path)))
    return list(dict.fromkeys(problem.format(source) for problem in ordered))


def raise_problems(source: str, problems: Iterable[Problem]) -> NoReturn:
    """Raise one :class:`SuiteError` with every problem, in the order they appear in the file."""
    raise SuiteError(format_problems(source, problems))
