"""The ``requires:`` list: distributions (plugins) a suite needs, checked before anything runs.

A suite written for a third-party sampler should fail at once, naming the missing or
outdated distribution and the installed version, rather than as an "unknown sampler" or,
worse, train for hours with a version whose behaviour differs.  Entries are PEP 508
requirements (``nasbench-rss>=0.1``, ``acme-samplers~=1.2``); environment markers are
honoured, extras are ignored.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from nasbench_rss.suite.problems import Problem


def requirement_problems(requires: Any) -> list[Problem]:
    """Problems (without positions) for every entry of ``requires`` that is invalid or unmet.

    Anything but a list of strings is left to the schema, which reports its type.
    """
    if not isinstance(requires, list):
        return []
    problems = []
    for index, text in enumerate(requires):
        if not isinstance(text, str):
            continue
        path = ("requires", index)
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            problems.append(Problem(path, f"{text!r} is not a requirement ({str(error).splitlines()[0]}); allowed: e.g. 'nasbench-rss>=0.1'"))
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(
                Problem(path, f"{requirement.name} is not installed; allowed: install it (pip install '{text}')")
            )
            continue
        if requirement.specifier and not requirement.specifier.contains(installed, prereleases=True):
            problems.append(
                Problem(
                    path,
                    f"{requirement.name} {installed} is installed, which does not satisfy {text!r}; "
                    f"allowed: {requirement.name}{requirement.specifier} (pip install '{text}')",
                )
            )
    return problems
