"""Pydantic's validation errors as problems a user can act on: where, what, and what is allowed.

One formatter for every place that validates what a user wrote against a pydantic model:
plugin options (:func:`nasbench_rss.plugins.validate_options`, for samplers, datasets,
architectures and reporters alike), suite files (:mod:`nasbench_rss.suite.schema_errors`,
which adds positions in the file and the suite's own cases) and one-line errors of
commands (:func:`error_text`).  Nothing else reads a ``ValidationError``'s items.

:func:`field_problems` gives one :class:`FieldProblem` per place in the data, not per
pydantic error: pydantic reports a bad value of a union-typed field once per member of
the union (``int`` and ``'auto'``), and a list whose items failed also as "too short after
validation"; both are one mistake, reported once, naming every allowed form.
"""

from __future__ import annotations

import difflib
import types
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Iterable, Literal, Mapping, Sequence, Union, get_args, get_origin

import pydantic
from pydantic import Tag

KEY_COMPONENT = "[key]"
"""What pydantic puts in a ``loc`` after a mapping key whose *key* (not value) is invalid."""

_INPUT_SHOULD_BE = "Input should be "
_NOT_ALLOWED = " not allowed; allowed: "
_LENGTH_CASCADES = ("too_short", "too_long")


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong (``message``, ending in what is allowed) at ``path`` in the validated data.

    ``path`` holds the keys and indices of the data (``("lr_divisors", 0)``), without the
    union members and tags pydantic adds to its ``loc``; ``loc`` is pydantic's own.
    """

    path: tuple[Any, ...]
    message: str
    loc: tuple[Any, ...] = ()


def field_problems(
    error: pydantic.ValidationError,
    model: Any,
    data: Any,
    *,
    describe_item: Callable[[dict[str, Any], tuple[Any, ...]], str | None] | None = None,
    path_of: Callable[[tuple[Any, ...], str], tuple[Any, ...]] | None = None,
) -> list[FieldProblem]:
    """One problem per place in ``data`` that ``model`` refused (pydantic's errors merged).

    ``describe_item(item, loc)`` may word an error itself (return None to fall back to
    :func:`describe`); ``path_of(loc, type)`` may map a ``loc`` to a path itself (default:
    :func:`data_path` in ``data``).
    """
    items = [item for item in error.errors(include_url=False)]
    items = [item for item in items if not _is_length_cascade(item, items)]
    grouped: dict[tuple[Any, ...], list[tuple[str, tuple[Any, ...]]]] = {}
    for item in items:
        loc = tuple(item["loc"])
        path = path_of(loc, item["type"]) if path_of else data_path(data, loc, keep_last=item["type"] == "missing")
        message = (describe_item(item, loc) if describe_item else None) or describe(item, model, loc)
        grouped.setdefault(path, []).append((message, loc))
    return [FieldProblem(path, merge_messages([m for m, _ in found]), found[0][1]) for path, found in grouped.items()]


def error_text(
    error: pydantic.ValidationError, model: Any, data: Any, label: Callable[[tuple[Any, ...]], str] | None = None
) -> str:
    """Every problem of ``error`` in one line, ``PATH: what; allowed: what`` each, ``;``-separated.

    ``label(path)`` names a place as the user wrote it (a command-line flag, a file name);
    the default is :func:`format_path`.  For whatever reports a pydantic error in one line.
    """
    name = label or format_path
    return "; ".join(f"{name(p.path)}: {p.message}" if p.path else p.message for p in field_problems(error, model, data))


def merge_messages(messages: Iterable[str]) -> str:
    """Several messages about one value as one: ``'x' not allowed; allowed: a valid integer, or 'auto'``."""
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    parts = [message.partition(_NOT_ALLOWED) for message in unique]
    if all(sep for _, sep, _ in parts) and len({value for value, _, _ in parts}) == 1:
        return f"{parts[0][0]}{_NOT_ALLOWED}" + ", or ".join(allowed for _, _, allowed in parts)
    return "; ".join(unique)


def _is_length_cascade(item: dict[str, Any], items: list[dict[str, Any]]) -> bool:
    """A list "too short after validation" because some of its items failed: those items are the mistake."""
    if item["type"] not in _LENGTH_CASCADES or "after validation" not in str(item["msg"]):
        return False
    loc = tuple(item["loc"])
    return any(len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in items)


def data_path(data: Any, loc: Sequence[Any], *, keep_last: bool = False) -> tuple[Any, ...]:
    """The components of ``loc`` that are keys or indices of ``data`` (union members and tags skipped).

    With ``keep_last`` the last component is kept even when ``data`` lacks it (a missing key).
    """
    node, found = data, []
    for component in loc:
        index = isinstance(component, int) and not isinstance(component, bool)
        if isinstance(node, Mapping) and component in node:
            node = node[component]
        elif isinstance(node, (list, tuple)) and index and 0 <= component < len(node):
            node = node[component]
        elif isinstance(node, str) and index and "," in node:
            node = None  # an item of a comma-separated list (``1,2,0``), split by a validator
        else:
            continue
        found.append(component)
    if keep_last and loc and (not found or found[-1] != loc[-1]):
        found.append(loc[-1])
    return tuple(found)


def describe(item: dict[str, Any], model: Any, loc: tuple[Any, ...], pattern_help: Mapping[str, str] | None = None) -> str:
    """``what is wrong; allowed: what`` for one pydantic error of ``model`` at ``loc``."""
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    message = str(item["msg"])
    if kind == "extra_forbidden":
        owner = type_at(model, loc[:-1])
        members = union_members(owner) if owner is not None else []
        allowed = field_names(members[0] if len(members) == 1 else strip(owner))  # Optional[Model]: the model's keys
        return f"unknown key {loc[-1]!r}{did_you_mean(loc[-1], allowed)}; allowed: {', '.join(allowed) or 'no keys'}"
    if kind == "missing":
        field = model_field(type_at(model, loc[:-1]), loc[-1])
        help_text = f"; allowed: {field.description}" if field is not None and field.description else ""
        return f"required key missing{help_text}"
    if kind == "literal_error":
        return f"{show(value)}{_NOT_ALLOWED}{ctx.get('expected', message)}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        return f"{show(value)}{_NOT_ALLOWED}{(pattern_help or {}).get(pattern, f'text matching {pattern}')}"
    if kind in ("value_error", "assertion_error"):
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if "; allowed: " in message:  # a custom error that says what is allowed itself
        return message
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{show(value)}{_NOT_ALLOWED}a mapping of keys to values"
    if kind in _LENGTH_CASCADES:
        bound = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        return f"a list of {_count(ctx.get('actual_length'))}{_NOT_ALLOWED}{bound} {_count(limit)}"
    if kind == "path_type":
        return f"{show(value)}{_NOT_ALLOWED}a path (text)"
    if message.startswith(_INPUT_SHOULD_BE):
        allowed = message[len(_INPUT_SHOULD_BE):].split(", unable to")[0]
        return f"{show(value)}{_NOT_ALLOWED}{allowed}"
    return f"{message} (got {show(value)})"


def format_path(path: Sequence[Any]) -> str:
    """``("matrix", "dataset", 2, "options")`` -> ``matrix.dataset[2].options``."""
    text = ""
    for component in path:
        if isinstance(component, int) and not isinstance(component, bool):
            text += f"[{component}]"
        else:
            text += f".{component}" if text else str(component)
    return text


def _count(n: Any) -> str:
    return "some items" if n is None else f"{n} item{'s' if n != 1 else ''}"


def show(value: Any) -> str:
    """A value as a user wrote it, short: ``'abc'``, ``5``, ``a mapping``, ``a list``."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: Any, choices: Sequence[Any]) -> str:
    close = difflib.get_close_matches(str(word), [str(choice) for choice in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------- the model at a loc


def strip(annotation: Any) -> Any:
    """``Annotated[X, ...]`` -> ``X`` (repeatedly)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def union_members(annotation: Any) -> list[Any]:
    """The alternatives of a (possibly Optional, possibly nested) union, without None."""
    annotation = strip(annotation)
    if not is_union(annotation):
        return [annotation]
    members = []
    for member in get_args(annotation):
        if member is type(None):
            continue
        stripped = strip(member)
        members += union_members(stripped) if is_union(stripped) else [member]
    return members


def _fixed_literal(annotation: Any) -> Any:
    """The one value of ``Literal[value]``, else None."""
    return get_args(annotation)[0] if get_origin(annotation) is Literal and len(get_args(annotation)) == 1 else None


def member_tag(member: Any) -> Any:
    """The tag that selects ``member`` in a discriminated union (its ``Tag``, or its one fixed Literal field)."""
    if get_origin(member) is Annotated:
        for meta in get_args(member)[1:]:
            if isinstance(meta, Tag):
                return meta.tag
    member = strip(member)
    if isinstance(member, type) and issubclass(member, pydantic.BaseModel):
        tag_field = getattr(member, "tag_field", None)
        field = member.model_fields.get(tag_field) if isinstance(tag_field, str) else None
        return _fixed_literal(field.annotation) if field is not None else None
    return None


def model_field(annotation: Any, name: Any) -> Any:
    annotation = strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        for field_name, field in annotation.model_fields.items():
            if name in (field_name, field.alias):
                return field
    return None


def field_names(annotation: Any) -> list[str]:
    """Keys a model accepts, without a plugin options model's fixed ``name`` tag (which is filled in).

    A model that is itself tagged by ``name`` (declares ``tag_field = "name"``, as the
    suite's architecture and dataset entries do) lists it.
    """
    if not (isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)):
        return []
    names = []
    for name, field in annotation.model_fields.items():
        if name == "name" and _fixed_literal(field.annotation) is not None and getattr(annotation, "tag_field", None) != "name":
            continue
        names.append(field.alias or name)
    return names


def type_at(root: Any, loc: Sequence[Any]) -> Any:
    """The annotation that validates ``loc`` under ``root`` (None when it cannot be followed)."""
    current = root
    for part in loc:
        if part == KEY_COMPONENT:
            return None
        current = strip(current)
        if is_union(current):
            members = get_args(current)
            chosen = [m for m in members if member_tag(m) == part]
            if chosen:
                current = chosen[0]
                continue
            others = [m for m in members if m is not type(None)]
            if len(others) != 1:
                return None
            current = strip(others[0])
            if is_union(current):  # Optional[discriminated union]: the tag comes next
                chosen = [m for m in get_args(current) if member_tag(m) == part]
                if chosen:
                    current = chosen[0]
                    continue
        if isinstance(current, type) and issubclass(current, pydantic.BaseModel):
            field = model_field(current, part)
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (list, tuple):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    return current
