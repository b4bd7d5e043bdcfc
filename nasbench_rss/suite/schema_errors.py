"""Pydantic's validation errors as suite problems: where in the file, what, and what is allowed.

Pydantic reports ``loc`` paths that include the tags of discriminated unions (the ``rss``
in ``runs.fast.rss.options.k``); those are not in the document, so the path shown to the
user is the part of ``loc`` found in the YAML (plus a missing key's name).  What is allowed
comes from the model at that place: its keys for an unknown key, the registered plugin
names for an unknown plugin, pydantic's own constraint otherwise.
"""

from __future__ import annotations

from typing import Any

import pydantic

from nasbench_rss.suite.models import PATTERN_HELP, TaggedEntry
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.yaml_source import YamlDocument
from nasbench_rss.validation import describe as describe_generic
from nasbench_rss.validation import did_you_mean, field_problems, show, strip, type_at, union_members


def schema_problems(error: pydantic.ValidationError, model: type[pydantic.BaseModel], document: YamlDocument) -> list[Problem]:
    """One :class:`Problem` per place in ``document`` that ``model`` refused, positioned.

    Pydantic's errors at one place (one per member of a union, a list too short because
    its items failed) are one problem naming every allowed form.
    """
    positions: dict[tuple[Any, ...], Any] = {}

    def path_of(loc: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, _union_tag_field(type_at(model, loc))) if kind == "union_tag_invalid" else loc
        if kind == "extra_forbidden":
            position = document.key_position(loc)
            _, found = document.locate(loc)
        else:
            position, found = document.locate(loc)
        shown = found
        if kind == "missing" and loc and (not found or found[-1] != loc[-1]):
            shown = (*found, loc[-1])
        positions[tuple(shown)] = position
        return tuple(shown)

    found = field_problems(error, model, document.data, describe_item=lambda item, loc: _describe_suite(item, model, loc), path_of=path_of)
    return [Problem(problem.path, problem.message, positions[problem.path]) for problem in found]


def _describe_suite(item: dict[str, Any], model: type[pydantic.BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The suite's own cases (unknown plugins, missing plugin tags); None for the generic ones."""
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        members = union_members(type_at(model, loc))
        tag = ctx.get("tag") if kind == "union_tag_invalid" else None
        if kind == "union_tag_invalid" and isinstance(value, dict):
            tag = value.get(_union_tag_field(type_at(model, loc)), tag)  # pydantic's ctx holds str(tag)
        return _unknown_plugin(members, tag)
    if kind == "literal_error":
        parent = strip(type_at(model, loc[:-1]))
        if isinstance(parent, type) and issubclass(parent, TaggedEntry) and loc[-1] == parent.tag_field:
            return _unknown_plugin(None, value, kind=parent.kind, allowed=[parent.tag_value()])
    if kind == "unknown_plugin":
        return str(item["msg"])
    if kind == "string_pattern_mismatch":
        return describe_generic(item, model, loc, PATTERN_HELP)
    return None


def _unknown_plugin(members: list[type] | None, tag: Any, kind: str | None = None, allowed: list[str] | None = None) -> str:
    if members is not None:
        tagged = [m for m in members if isinstance(m, type) and issubclass(m, TaggedEntry)]
        kind = tagged[0].kind if tagged else "plugin"
        allowed = sorted(m.tag_value() for m in tagged)
    names = ", ".join(allowed or []) or "none registered"
    if tag is None:
        return f"no {kind} given; allowed: {names} (`nasbench-rss plugins` lists them)"
    if not isinstance(tag, str):
        where = " (a run's sampler options go in its `options:`, beside `sampler:`)" if kind == "sampler" else ""
        return f"{show(tag)} is not a {kind} name{where}; allowed: {names} (`nasbench-rss plugins` lists them)"
    return f"unknown {kind} {show(tag)}{did_you_mean(tag, allowed or [])}; allowed: {names} (`nasbench-rss plugins` lists them)"


def _union_tag_field(annotation: Any) -> str:
    for member in union_members(annotation):
        member = strip(member)
        if isinstance(member, type) and issubclass(member, TaggedEntry):
            return member.tag_field
    return "name"
