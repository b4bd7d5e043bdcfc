"""Pydantic's validation errors as suite problems: where in the file, what, and what is allowed.

Pydantic reports ``loc`` paths that include the tags of discriminated unions (the ``rss``
in ``runs.fast.rss.options.k``); those are not in the document, so the path shown to the
user is the part of ``loc`` found in the YAML (plus a missing key's name).  What is allowed
comes from the model at that place: its keys for an unknown key, the registered plugin
names for an unknown plugin, pydantic's own constraint otherwise.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Literal, Sequence, Union, get_args, get_origin

import pydantic
from pydantic import Tag

from nasbench_rss.suite.models import PATTERN_HELP, TaggedEntry
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.yaml_source import KEY_COMPONENT, YamlDocument

_INPUT_SHOULD_BE = "Input should be "


def schema_problems(error: pydantic.ValidationError, model: type[pydantic.BaseModel], document: YamlDocument) -> list[Problem]:
    """One :class:`Problem` per pydantic error, positioned in ``document``."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            union = type_at(model, loc)
            tag_field = _union_tag_field(union)
            if kind == "union_tag_invalid":
                loc = (*loc, tag_field)
        if kind == "extra_forbidden":
            position = document.key_position(loc)
            _, found = document.locate(loc)
        else:
            position, found = document.locate(loc)
        shown = found
        if kind == "missing" and loc and (not found or found[-1] != loc[-1]):
            shown = (*found, loc[-1])
        problems.append(Problem(tuple(shown), describe(item, model, loc), position))
    return problems


def describe(item: dict[str, Any], model: type[pydantic.BaseModel], loc: tuple[Any, ...]) -> str:
    """``what is wrong; allowed: what`` for one pydantic error."""
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    message = str(item["msg"])
    if kind == "extra_forbidden":
        parent = _strip(type_at(model, loc[:-1]))
        allowed = _field_names(parent)
        return f"unknown key {loc[-1]!r}{_did_you_mean(loc[-1], allowed)}; allowed: {', '.join(allowed) or 'no keys'}"
    if kind == "missing":
        field = _field(type_at(model, loc[:-1]), loc[-1])
        help_text = f"; allowed: {field.description}" if field is not None and field.description else ""
        return f"required key missing{help_text}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        members = _members(type_at(model, loc[:-1] if kind == "union_tag_invalid" else loc))
        return _unknown_plugin(members, ctx.get("tag") if kind == "union_tag_invalid" else None)
    if kind == "literal_error":
        parent = _strip(type_at(model, loc[:-1]))
        if isinstance(parent, type) and issubclass(parent, TaggedEntry) and loc[-1] == parent.tag_field:
            return _unknown_plugin(None, value, kind=parent.kind, allowed=[parent.tag_value()])
        return f"{_show(value)} not allowed; allowed: {ctx.get('expected', message)}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        return f"{_show(value)} not allowed; allowed: {PATTERN_HELP.get(pattern, f'text matching {pattern}')}"
    if kind in ("value_error", "assertion_error", "unknown_plugin"):
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{_show(value)} not allowed; allowed: a mapping of keys to values"
    if message.startswith(_INPUT_SHOULD_BE):
        allowed = message[len(_INPUT_SHOULD_BE):].split(", unable to")[0]
        return f"{_show(value)} not allowed; allowed: {allowed}"
    return f"{message} (got {_show(value)})"


def _unknown_plugin(members: list[type] | None, tag: Any, kind: str | None = None, allowed: list[str] | None = None) -> str:
    if members is not None:
        tagged = [m for m in members if isinstance(m, type) and issubclass(m, TaggedEntry)]
        kind = tagged[0].kind if tagged else "plugin"
        allowed = sorted(m.tag_value() for m in tagged)
    names = ", ".join(allowed or []) or "none registered"
    if tag is None:
        return f"no {kind} given; allowed: {names} (`nasbench-rss plugins` lists them)"
    return f"unknown {kind} {_show(tag)}{_did_you_mean(tag, allowed or [])}; allowed: {names} (`nasbench-rss plugins` lists them)"


def _did_you_mean(word: Any, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- the model at a loc


def _strip(annotation: Any) -> Any:
    """``Annotated[X, ...]`` -> ``X`` (repeatedly)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a (possibly Optional, possibly nested) union, without None."""
    annotation = _strip(annotation)
    if not _is_union(annotation):
        return [annotation]
    members = []
    for member in get_args(annotation):
        if member is type(None):
            continue
        stripped = _strip(member)
        members += _members(stripped) if _is_union(stripped) else [member]
    return members


def _member_tag(member: Any) -> Any:
    if get_origin(member) is Annotated:
        for meta in get_args(member)[1:]:
            if isinstance(meta, Tag):
                return meta.tag
    member = _strip(member)
    if isinstance(member, type) and issubclass(member, TaggedEntry):
        return member.tag_value()
    return None


def _union_tag_field(annotation: Any) -> str:
    for member in _members(annotation):
        member = _strip(member)
        if isinstance(member, type) and issubclass(member, TaggedEntry):
            return member.tag_field
    return "name"


def _field(annotation: Any, name: Any) -> Any:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        for field_name, field in annotation.model_fields.items():
            if name in (field_name, field.alias):
                return field
    return None


def _field_names(annotation: Any) -> list[str]:
    """Keys a model accepts, without a sampler options model's fixed ``name`` tag."""
    if not (isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)):
        return []
    names = []
    for name, field in annotation.model_fields.items():
        fixed_tag = get_origin(field.annotation) is Literal and len(get_args(field.annotation)) == 1
        if name == "name" and fixed_tag and not issubclass(annotation, TaggedEntry):
            continue
        names.append(field.alias or name)
    return names


def type_at(root: Any, loc: Sequence[Any]) -> Any:
    """The annotation that validates ``loc`` under ``root`` (None when it cannot be followed)."""
    current = root
    for part in loc:
        if part == KEY_COMPONENT:
            return None
        current = _strip(current)
        if _is_union(current):
            members = get_args(current)
            chosen = [m for m in members if _member_tag(m) == part]
            if chosen:
                current = chosen[0]
                continue
            others = [m for m in members if m is not type(None)]
            if len(others) != 1:
                return None
            current = _strip(others[0])
            if _is_union(current):  # Optional[discriminated union]: the tag comes next
                chosen = [m for m in get_args(current) if _member_tag(m) == part]
                if chosen:
                    current = chosen[0]
                    continue
        if isinstance(current, type) and issubclass(current, pydantic.BaseModel):
            field = _field(current, part)
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
