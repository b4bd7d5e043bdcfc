"""Comparing a callable with the signature a document gives it.

A documented signature is a promise in one direction: everything it names stays, with
its kind (positional or keyword-only), its position and its default.  Parameters the
document does not name may be added (a minor plugin-API change) as long as callers who
follow the document still work: after the documented positional ones, with a default.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def documented(text: str) -> inspect.Signature:
    """``"(a, b=1, *, c=None)"`` as an :class:`inspect.Signature` (defaults are Python literals)."""
    namespace: dict[str, Any] = {}
    exec(f"def documented{text}: pass", namespace)  # noqa: S102  (test-only: literal signatures written in this package's tests)
    return inspect.signature(namespace["documented"])


def assert_signature(func: Callable[..., Any], text: str, where: str) -> None:
    """Fail naming ``where`` unless ``func`` keeps every parameter of signature ``text``."""
    promised = documented(text)
    actual = inspect.signature(func)
    params = list(actual.parameters.values())
    names = [p.name for p in params]
    problems = []
    for position, expected in enumerate(promised.parameters.values()):
        if expected.name not in actual.parameters:
            problems.append(f"parameter {expected.name!r} is gone")
            continue
        found = actual.parameters[expected.name]
        if expected.kind in POSITIONAL:
            if found.kind not in POSITIONAL or names.index(expected.name) != position:
                problems.append(f"parameter {expected.name!r} is no longer positional parameter {position}")
        elif expected.kind != found.kind and not (expected.kind == inspect.Parameter.KEYWORD_ONLY and found.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD):
            problems.append(f"parameter {expected.name!r} is {found.kind.description}, documented {expected.kind.description}")
        if expected.default is not inspect.Parameter.empty and found.default != expected.default:
            problems.append(f"parameter {expected.name!r} defaults to {found.default!r}, documented {expected.default!r}")
    extra = [p for p in params if p.name not in promised.parameters and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    problems += [f"new parameter {p.name!r} has no default, so callers following the document break" for p in extra if p.default is inspect.Parameter.empty]
    assert not problems, f"{where}: documented as {text}, now {actual}: " + "; ".join(problems)
