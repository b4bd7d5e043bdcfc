"""The one formatter of pydantic's errors, and validate_options: every plugin kind's options checked alike."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Literal, Union

import pydantic
import pytest

from nasbench_rss.plugins import Entry, OptionsError, Registration, validate_options
import nasbench_rss
from nasbench_rss.validation import FieldProblem, data_path, error_text, field_problems, merge_messages


class _Options(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    width: Union[int, Literal["auto"]] = "auto"
    sizes: tuple[int, ...] = pydantic.Field((1, 2), min_length=2)
    label: str = pydantic.Field("x", description="a label")


def entry(model=_Options, kind="dataset", name="acme") -> Entry:
    return Entry(kind, Registration(name, "a test plugin", lambda options: options, model), "acme-plugin", "acme-dist", "1.0")


def problems(options) -> list[FieldProblem]:
    with pytest.raises(pydantic.ValidationError) as info:
        _Options.model_validate(options)
    return field_problems(info.value, _Options, options)


def test_one_problem_per_place_naming_every_allowed_form_of_a_union():
    assert [(p.path, p.message) for p in problems({"width": "wide"})] == [
        (("width",), "'wide' not allowed; allowed: a valid integer, or 'auto'")
    ]


def test_a_list_whose_items_failed_is_not_also_too_short_but_a_short_one_is():
    assert [(p.path, p.message) for p in problems({"sizes": ["a", 1]})] == [(("sizes", 0), "'a' not allowed; allowed: a valid integer")]
    assert [(p.path, p.message) for p in problems({"sizes": [1]})] == [
        (("sizes",), "a list of 1 item not allowed; allowed: at least 2 items")
    ]


def test_unknown_and_missing_keys_say_what_is_allowed():
    assert problems({"widht": 1})[0].message == "unknown key 'widht' (did you mean 'width'?); allowed: width, sizes, label"


def test_data_path_keeps_what_the_data_has():
    assert data_path({"a": [{"b": 1}]}, ("a", 0, "SomeModel", "b")) == ("a", 0, "b")
    assert data_path({"a": "1,x"}, ("a", 1)) == ("a", 1)  # an item of a comma-separated list
    assert data_path({"a": {}}, ("a", "missing"), keep_last=True) == ("a", "missing")


def test_merge_messages():
    assert merge_messages(["5 not allowed; allowed: a", "5 not allowed; allowed: b", "5 not allowed; allowed: a"]) == (
        "5 not allowed; allowed: a, or b"
    )
    assert merge_messages(["x", "y"]) == "x; y"


def test_validate_options_is_one_error_for_every_kind():
    for kind in ("sampler", "dataset", "architecture", "reporter"):
        with pytest.raises(OptionsError) as info:
            validate_options(entry(kind=kind), {"width": "wide", "label": 3})
        assert str(info.value) == (
            f"{kind} 'acme': width: 'wide' not allowed; allowed: a valid integer, or 'auto'; "
            "label: 3 not allowed; allowed: a valid string; allowed options: width, sizes, label"
        )
        assert [p.path for p in info.value.problems] == [("width",), ("label",)]
        assert isinstance(info.value, ValueError)
    assert validate_options(entry(), {"width": 3}).width == 3
    assert validate_options(entry(), _Options(width=4)).width == 4


def test_a_plugin_without_options_model_takes_no_options():
    assert validate_options(entry(model=None), None) is None and validate_options(entry(model=None), {}) is None
    with pytest.raises(OptionsError, match=r"^reporter 'acme': takes no options; got a, b$") as info:
        validate_options(entry(model=None, kind="reporter"), {"a": 1, "b": 2})
    assert [p.path for p in info.value.problems] == [("a",), ("b",)]


def test_options_must_be_a_mapping():
    with pytest.raises(OptionsError, match=r"^dataset 'acme': 'k=1' not allowed; allowed: a mapping of option names to values"):
        validate_options(entry(), "k=1")


def test_error_text_is_every_problem_in_one_line_with_the_callers_names_for_places():
    options = {"width": "wide", "sizes": [1], "colour": "red"}
    with pytest.raises(pydantic.ValidationError) as info:
        _Options.model_validate(options)
    assert error_text(info.value, _Options, options) == (
        "width: 'wide' not allowed; allowed: a valid integer, or 'auto'; "
        "sizes: a list of 1 item not allowed; allowed: at least 2 items; "
        "colour: unknown key 'colour'; allowed: width, sizes, label"
    )
    assert error_text(info.value, _Options, options, lambda path: f"--{path[0]}").startswith("--width: 'wide' not allowed")


def test_no_module_but_validation_reads_a_validation_errors_items():
    """One owner of the wording: ``error.errors()`` is read in validation.py alone (others call field_problems/error_text)."""
    package = Path(nasbench_rss.__file__).parent
    readers = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "validation.py" and path.parent == package:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "errors":
                readers.append(f"{path.relative_to(package)}:{node.lineno}")
    assert readers == []
