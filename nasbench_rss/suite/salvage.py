"""When the schema refuses part of a suite, the rest is still resolved and checked.

A suite with a typo in one run and a sampler that cannot be built in another has two
independent mistakes; a user should see both from one ``validate``.  So after schema
problems the document is *salvaged*: the parts that failed (a run, a section of
``defaults``, a matrix axis, a top-level key) are left out, the rest is validated again
and goes through the later checks, and only the problems those checks find outside the
failed parts are kept.  A part that others inherit from takes its dependents with it
(a failed ``defaults.dataset`` leaves ``matrix.dataset`` unchecked), and the checks that
read a failed ``defaults.training`` or ``defaults.evaluation`` are skipped, so nothing
reported comes from a stand-in value.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

import pydantic

from nasbench_rss.suite.problems import Problem

SECTIONS = ("runs", "defaults", "matrix")
"""Top-level mappings whose entries fail on their own (a run, a defaults section, a matrix axis)."""
DEPENDENTS: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {
    ("defaults", "architecture"): (("matrix", "architecture"),),
    ("defaults", "dataset"): (("matrix", "dataset"),),
}
"""Parts whose entries inherit from another: left unchecked when it fails."""
PLACEHOLDERS: dict[str, Any] = {"name": "salvaged"}
"""Required top-level keys, replaced by a valid stand-in when they fail (nothing reads them)."""


def failed_parts(problems: Iterable[Problem]) -> set[tuple[Any, ...]]:
    """The parts of the document (paths of length 1 or 2) that ``problems`` lie in, with their dependents."""
    parts: set[tuple[Any, ...]] = set()
    for problem in problems:
        path = tuple(problem.path)
        part = path[:2] if path[:1] and path[0] in SECTIONS and len(path) >= 2 else path[:1]
        parts.add(part)
        parts.update(DEPENDENTS.get(part, ()))
    return parts


def salvage(model: type[pydantic.BaseModel], data: Any, parts: set[tuple[Any, ...]], sampler: str | None) -> tuple[Any, Any] | None:
    """``data`` without ``parts``, validated by ``model``: (document, data); None when nothing is left to check.

    When every run failed, one of them is replaced by a stand-in (``sampler`` for one
    epoch) so the rest of the document can be checked; :func:`skipped_checks` then skips
    every check of runs, and problems about the stand-in lie in a failed part.
    """
    if () in parts or ("runs",) in parts or not isinstance(data, dict):
        return None
    data = copy.deepcopy(data)
    for part in parts:
        head = part[0]
        if len(part) == 2 and isinstance(data.get(head), dict):
            data[head].pop(part[1], None)
            if head == "runs" and data.get("baseline") == part[1]:
                data.pop("baseline")  # it names the run left out
        elif head in PLACEHOLDERS:
            data[head] = PLACEHOLDERS[head]
        else:
            data.pop(head, None)
    failed_runs = [part[1] for part in parts if part[:1] == ("runs",) and len(part) == 2]
    if failed_runs and isinstance(data.get("runs"), dict) and not data["runs"]:
        if sampler is None:
            return None
        data["runs"] = {sorted(map(str, failed_runs))[0]: {"sampler": sampler, "epochs": 1}}
        data.pop("baseline", None)  # the stand-in is no run to compare with
    try:
        return model.model_validate(data), data
    except pydantic.ValidationError:
        return None


def outside(problem: Problem, parts: set[tuple[Any, ...]]) -> bool:
    """Whether ``problem`` is about what was checked, not about a part left out (or the place it was)."""
    path = tuple(problem.path)
    return not any(path[: len(part)] == part or part[: len(path)] == path for part in parts)


def skipped_checks(parts: set[tuple[Any, ...]], data: Any) -> frozenset[str]:
    """What the checks must not read because it failed: defaults ``training``, ``evaluation``; ``runs`` (a stand-in)."""
    skip = {name for name in ("training", "evaluation") if ("defaults", name) in parts or ("defaults",) in parts}
    runs = data.get("runs") if isinstance(data, dict) else None
    if isinstance(runs, dict) and runs and all(("runs", name) in parts for name in runs):
        skip.add("runs")
    return frozenset(skip)
