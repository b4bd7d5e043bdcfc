"""Sections 1-2 of docs/writing-plugins.md: the entry-point group, the hooks, ``hookimpl`` and ``Registration`` (plugin API 1.0)."""

from __future__ import annotations

import dataclasses
import inspect

import pydantic
import pytest

import nasbench_rss
from nasbench_rss import hookimpl, hookspecs
from nasbench_rss.plugins import ENTRY_POINT_GROUP, STRICT_ENV_VAR, PluginRegistry, Registration, get_registry
from nasbench_rss.testing import RegistrationPlugin, registry_with
from tests.contract import plugin_fixtures
from tests.contract.signatures import assert_signature

HOOKS = {
    "architecture": "register_architectures",
    "sampler": "register_samplers",
    "dataset": "register_datasets",
    "reporter": "register_reporters",
    "executor": "register_executors",
    "observer": "register_observers",
    "claim": "register_claims",
}


def test_plugins_are_found_through_the_nasbench_rss_entry_point_group():
    assert ENTRY_POINT_GROUP == "nasbench_rss"
    assert STRICT_ENV_VAR == "NASBENCH_RSS_STRICT_PLUGINS"


def test_one_hook_per_kind_each_taking_one_register_callback():
    assert hookspecs.HOOKS_BY_KIND == HOOKS
    for hook in HOOKS.values():
        assert_signature(getattr(hookspecs, hook), "(register)", f"hookspecs.{hook}")
        assert list(inspect.signature(getattr(hookspecs, hook)).parameters) == ["register"]


def test_hookimpl_is_the_packages_marker_and_accepts_optionalhook():
    assert nasbench_rss.hookimpl is hookspecs.hookimpl is hookimpl
    marked = hookimpl(optionalhook=True)(lambda register: None)
    assert getattr(marked, "nasbench_rss_impl")["optionalhook"] is True


def test_registration_is_name_description_factory_options_model():
    fields = [(f.name, f.default) for f in dataclasses.fields(Registration)]
    assert fields == [
        ("name", dataclasses.MISSING),
        ("description", dataclasses.MISSING),
        ("factory", dataclasses.MISSING),
        ("options_model", None),
    ]
    positional = Registration("my-sampler", "one line", object, None)
    assert positional == Registration(name="my-sampler", description="one line", factory=object, options_model=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        positional.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["my-sampler", "rss2", "a", "a-b-c"])
def test_registration_names_lowercase_letters_digits_and_single_dashes(name):
    assert Registration(name, "fine", object).name == name


def test_a_plugin_module_with_a_hook_registers_like_an_entry_point_would():
    registry = registry_with(plugin_fixtures)
    entry = registry.get("sampler", plugin_fixtures.NAME)
    assert entry.factory is plugin_fixtures.ContractSandwich and entry.options_model is plugin_fixtures.ContractSandwich.Config
    assert entry.kind == "sampler" and entry.description.startswith("largest, smallest")
    info = next(p for p in registry.plugins if p.name == entry.plugin)
    assert (info.name, info.distribution) == (entry.plugin, entry.distribution)
    assert set(entry.to_dict()) == {"kind", "name", "description", "plugin", "distribution", "version"}


def test_registration_plugin_registers_ready_registrations_of_one_kind():
    registration = Registration("contract-once", "ready-made", plugin_fixtures.ContractSandwich, plugin_fixtures.ContractSandwich.Config)
    registry = registry_with(RegistrationPlugin("sampler", registration))
    assert registry.get("sampler", "contract-once").registration is registration
    with pytest.raises(ValueError, match="kind: 'samplers' not allowed"):
        RegistrationPlugin("samplers", registration)


def test_registry_lookups_the_guide_uses():
    registry = get_registry()
    assert isinstance(registry, PluginRegistry)
    assert_signature(PluginRegistry.load, "(strict=None, *, entry_points=True)", "PluginRegistry.load")
    assert_signature(PluginRegistry.register_plugin, "(self, plugin, name, distribution='<test>', version='')", "PluginRegistry.register_plugin")
    assert_signature(PluginRegistry.get, "(self, kind, name)", "PluginRegistry.get")
    assert_signature(PluginRegistry.names, "(self, kind)", "PluginRegistry.names")
    for kind in HOOKS:
        assert registry.names(kind), f"no built-in {kind}"
        assert all(e.kind == kind for e in registry.entries(kind))


def test_options_models_are_pydantic_models_of_each_kind():
    for kind in HOOKS:
        for entry in get_registry().entries(kind):
            assert entry.options_model is None or issubclass(entry.options_model, pydantic.BaseModel), (kind, entry.name)
