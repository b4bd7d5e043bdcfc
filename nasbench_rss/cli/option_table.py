"""The options a plugin takes, read from its pydantic options model, for ``nasbench-rss plugins NAME``.

Types and allowed values come from the model's JSON Schema: it is what suite files are
checked against (``nasbench-rss schema``), it spells types in the words a YAML or JSON
value is written in, and it flattens pydantic's constraints (``Field(ge=1)``, ``Literal``,
``Annotated`` items of a tuple) into one form.  Defaults and descriptions come from the
fields themselves, so a ``default_factory`` shows its value too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args, get_origin

import pydantic
from pydantic_core import to_jsonable_python

Schema = dict[str, Any]


@dataclass(frozen=True)
class OptionRow:
    """One option: what ``--json`` prints for it, and a row of the table."""

    name: str
    type: str
    default: Any
    """JSON-ready (tuples as lists, paths as strings); None for a required option."""
    allowed: str | None
    """Choices or bounds, e.g. ``per-dimension, uniform`` or ``0 <= x < 1``; None: any value of the type."""
    description: str
    required: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def option_rows(model: type[pydantic.BaseModel] | None) -> list[OptionRow]:
    """The user-settable options of ``model`` in declaration order (none when it is None)."""
    if model is None:
        return []
    schema = model.model_json_schema()
    defs, properties = schema.get("$defs", {}), schema.get("properties", {})
    rows = []
    for name, field in model.model_fields.items():
        if _is_sampler_tag(name, field):
            continue
        key = field.alias or name
        prop = _resolve(properties.get(key, {}), defs)
        required = field.is_required()
        rows.append(
            OptionRow(
                name=key,
                type=_type(prop, defs),
                default=None if required else to_jsonable_python(field.get_default(call_default_factory=True)),
                allowed=_allowed(prop, defs),
                description=field.description or "",
                required=required,
            )
        )
    return rows


def show_default(row: OptionRow) -> str:
    """A default as a user would write it: strings bare, everything else as JSON."""
    if row.required:
        return "(required)"
    return row.default if isinstance(row.default, str) else json.dumps(row.default)


def _is_sampler_tag(name: str, field: Any) -> bool:
    # A sampler's options model carries its own name as a one-value Literal so that suite
    # files can tell samplers apart; it is fixed by the registration, not set by a user.
    return name == "name" and get_origin(field.annotation) is Literal and len(get_args(field.annotation)) == 1


def _resolve(prop: Schema, defs: Schema) -> Schema:
    """``prop`` with a local ``$ref`` (an enum or a nested model) replaced by its definition."""
    ref = prop.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return {**defs.get(ref.removeprefix("#/$defs/"), {}), **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop


def _branches(prop: Schema) -> list[Schema] | None:
    return prop.get("anyOf") or prop.get("oneOf")


def _type(prop: Schema, defs: Schema) -> str:
    """``integer``, ``number | null``, ``array of integer``, ``path``, ...: JSON's words for a value."""
    prop = _resolve(prop, defs)
    branches = _branches(prop)
    if branches:
        return " | ".join(dict.fromkeys(_type(branch, defs) for branch in branches))
    kind = prop.get("type")
    if kind == "array":
        items = prop.get("items")
        return f"array of {_type(items, defs)}" if items else "array"
    if kind == "string" and "format" in prop:
        return str(prop["format"])  # path, date-time, uri, ...
    if isinstance(kind, list):
        return " | ".join(kind)
    return kind or "any"


def _allowed(prop: Schema, defs: Schema) -> str | None:
    """Choices, bounds, lengths and item constraints of ``prop``, joined by ``; ``."""
    prop = _resolve(prop, defs)
    branches = _branches(prop)
    if branches:
        return "; ".join(part for branch in branches if (part := _allowed(branch, defs))) or None
    parts = []
    if "enum" in prop:
        parts.append(", ".join(_show(value) for value in prop["enum"]))
    if "const" in prop:
        parts.append(_show(prop["const"]))
    parts += [
        _bounds(prop),
        _length(prop, "minItems", "maxItems", "item"),
        _length(prop, "minLength", "maxLength", "character"),
    ]
    if "pattern" in prop:
        parts.append(f"matching {prop['pattern']}")
    items = prop.get("items")
    if isinstance(items, dict) and (each := _allowed(items, defs)):
        parts.append(f"each {each}")
    return "; ".join(part for part in parts if part) or None


def _bounds(prop: Schema) -> str | None:
    """``>= 1``, ``< 1`` or ``0 <= x < 1``."""
    low = _bound(prop, "minimum", "exclusiveMinimum")
    high = _bound(prop, "maximum", "exclusiveMaximum")
    if low and high:
        return f"{low[1]} {low[0]} x {high[0]} {high[1]}"
    if low:
        return f"{'>=' if low[0] == '<=' else '>'} {low[1]}"
    if high:
        return f"{high[0]} {high[1]}"
    return None


def _bound(prop: Schema, inclusive: str, exclusive: str) -> tuple[str, str] | None:
    """``("<=", "1")`` for an inclusive bound, ``("<", "1")`` for an exclusive one."""
    if inclusive in prop:
        return "<=", _show(prop[inclusive])
    if exclusive in prop:
        return "<", _show(prop[exclusive])
    return None


def _length(prop: Schema, low_key: str, high_key: str, unit: str) -> str | None:
    """``exactly 5 items``, ``2 to 4 items``, ``at least 1 character``, ..."""
    low, high = prop.get(low_key), prop.get(high_key)

    def units(n: int) -> str:
        return f"{n} {unit}{'' if n == 1 else 's'}"

    if low is not None and low == high:
        return f"exactly {units(low)}"
    if low is not None and high is not None:
        return f"{low} to {units(high)}"
    if low:
        return f"at least {units(low)}"
    if high is not None:
        return f"at most {units(high)}"
    return None


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
