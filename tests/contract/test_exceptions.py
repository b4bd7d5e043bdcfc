"""The exception each documented failure raises (docs/writing-plugins.md, section 1's table; plugin API 1.0).

A plugin's own tests catch these types; changing one breaks them silently (as the
unification of options errors once did: a sampler's bad option stopped being a
``SamplerError``).  Each row of the table is a test here.
"""

from __future__ import annotations

import types
import warnings

import pydantic
import pytest

import nasbench_rss
from nasbench_rss import hookimpl
from nasbench_rss.arch.options import architecture_space
from nasbench_rss.data.registry import dataset_info
from nasbench_rss.data.source import DatasetError
from nasbench_rss.errors import NasbenchError, PluginError, SpaceError
from nasbench_rss.plugins import (
    ArchitectureOptionsError,
    DatasetOptionsError,
    InvalidRegistration,
    OptionsError,
    PluginRegistry,
    PluginWarning,
    Registration,
    SamplerOptionsError,
    UnknownName,
)
from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.testing import ConformanceError, registry_with, sampler_context
from tests.contract import plugin_fixtures
from tests.contract.plugin_fixtures import NAME

REGISTRY = registry_with(plugin_fixtures)


@pytest.fixture(scope="module")
def context():
    return sampler_context(epochs=2, seed=0, registry=REGISTRY)


# ------------------------------------------------------------------ options of a sampler


def test_a_samplers_bad_option_is_a_sampler_error_as_a_plugin_written_last_month_tests(context):
    """Verbatim what a plugin written from the guide before options errors were unified asserts."""
    with pytest.raises(SamplerError):
        build_sampler(NAME, {"random_subnet": 1}, context, registry=REGISTRY)
    with pytest.raises(SamplerError):
        build_sampler(NAME, {"random_subnets": -1}, context, registry=REGISTRY)


def test_a_samplers_bad_option_is_an_options_error_with_a_problem_per_option(context):
    with pytest.raises(OptionsError) as caught:
        build_sampler(NAME, {"random_subnets": -1, "random_subnet": 1}, context, registry=REGISTRY)
    error = caught.value
    assert isinstance(error, SamplerOptionsError) and isinstance(error, SamplerError) and isinstance(error, PluginError)
    assert isinstance(error, ValueError) and isinstance(error, NasbenchError)
    assert (error.kind, error.name) == ("sampler", NAME)
    assert [(p.path, p.message) for p in error.problems] == [
        (("random_subnets",), "-1 not allowed; allowed: greater than or equal to 0"),
        (("random_subnet",), "unknown key 'random_subnet' (did you mean 'random_subnets'?); allowed: random_subnets, min_epochs"),
    ]
    assert str(error).startswith(f"sampler {NAME!r}: random_subnets: -1 not allowed")
    assert error.sampler == NAME and error.option is None  # two options at fault: no single one
    assert error.detail == str(error).removeprefix(f"sampler {NAME!r}: ")


def test_a_samplers_single_bad_option_is_named_as_a_sampler_errors_option(context):
    with pytest.raises(SamplerError) as caught:
        build_sampler(NAME, {"random_subnets": 99}, context, registry=REGISTRY)
    assert caught.value.option == ("random_subnets",) and caught.value.sampler == NAME
    assert caught.value.detail == "random_subnets: 99 not allowed; allowed: less than or equal to 16; allowed options: random_subnets, min_epochs"
    assert caught.value.for_sampler("other") is caught.value


def test_options_that_are_not_a_mapping_and_options_of_a_model_less_plugin(context):
    with pytest.raises(SamplerError, match=rf"^sampler {NAME!r}: a list not allowed; allowed: a mapping"):
        build_sampler(NAME, ["random_subnets=1"], context, registry=REGISTRY)  # type: ignore[arg-type]
    with pytest.raises(SamplerError, match=r"^sampler 'contract-not-a-sampler': takes no options; got k$") as caught:
        build_sampler("contract-not-a-sampler", {"k": 1}, context, registry=REGISTRY)
    assert isinstance(caught.value, OptionsError)


# ------------------------------------------------------------- what a sampler refuses


def test_a_factorys_refusal_is_a_sampler_error_starting_with_its_name():
    short = sampler_context(epochs=1, seed=0, registry=REGISTRY)
    with pytest.raises(SamplerError, match=rf"^{NAME}: min_epochs: 2 not allowed; allowed: at most the run's 1 epochs$") as caught:
        build_sampler(NAME, {"min_epochs": 2}, short, registry=REGISTRY)
    assert not isinstance(caught.value, OptionsError)
    assert caught.value.option == ("min_epochs",) and caught.value.sampler == NAME
    assert caught.value.detail == "min_epochs: 2 not allowed; allowed: at most the run's 1 epochs"


def test_a_factory_that_returns_no_sampler_is_a_sampler_error(context):
    with pytest.raises(SamplerError, match=r"^contract-not-a-sampler: the factory registered by .* returned NotASampler; expected a nasbench_rss.samplers.base.Sampler"):
        build_sampler("contract-not-a-sampler", {}, context, registry=REGISTRY)


def test_positions_outside_the_run_or_out_of_order_are_sampler_errors(context):
    sampler = build_sampler(NAME, {"random_subnets": 1}, context, registry=REGISTRY)
    with pytest.raises(SamplerError, match="epoch: 2 not allowed"):
        sampler.subnets(2, 0)
    with pytest.raises(SamplerError, match="step: -1 not allowed"):
        sampler.subnets(0, -1)
    sampler.subnets(0, 1)
    with pytest.raises(SamplerError, match="called after"):
        sampler.subnets(0, 1)
    with pytest.raises(SamplerError, match="called after"):
        sampler.subnets(0, 0)


def test_an_unknown_name_or_kind_is_unknown_name(context):
    with pytest.raises(UnknownName, match=r"unknown sampler 'contract-sandwhich' \(did you mean 'contract-sandwich'\?\); available: ") as caught:
        build_sampler("contract-sandwhich", {}, context, registry=REGISTRY)
    assert isinstance(caught.value, PluginError) and isinstance(caught.value, LookupError)
    with pytest.raises(UnknownName, match="unknown plugin kind 'samplers'"):
        REGISTRY.get("samplers", NAME)


# ------------------------------------------------------------ datasets, architectures


def test_a_datasets_bad_option_is_a_dataset_error_and_an_options_error():
    with pytest.raises(DatasetError) as caught:
        dataset_info("synthetic", {"train_size": 0, "colour": True})
    assert isinstance(caught.value, OptionsError) and isinstance(caught.value, DatasetOptionsError)
    assert [p.path for p in caught.value.problems] == [("train_size",), ("colour",)]


def test_an_architectures_bad_option_is_a_space_error_and_an_options_error():
    entry = REGISTRY.get("architecture", "mobilenet-v3")
    with pytest.raises(SpaceError) as caught:
        architecture_space(entry, {"kernal": [3]})
    assert isinstance(caught.value, OptionsError) and isinstance(caught.value, ArchitectureOptionsError)
    assert [p.path for p in caught.value.problems] == [("kernal",)]


def test_other_kinds_options_errors_are_plain_options_errors():
    from nasbench_rss.plugins import OPTIONS_ERRORS, validate_options

    assert set(OPTIONS_ERRORS) == {"sampler", "dataset", "architecture"}
    for kind in ("reporter", "executor", "observer", "claim"):
        entry = REGISTRY.entries(kind)[0]
        with pytest.raises(OptionsError) as caught:
            validate_options(entry, {"surely-not-an-option": 1})
        assert type(caught.value) is OptionsError and caught.value.kind == kind


# ------------------------------------------------------------------- registrations


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"name": "My Sampler"}, "invalid registration name 'My Sampler'"),
        ({"name": "a--b"}, "invalid registration name 'a--b'"),
        ({"description": ""}, "the description must be a non-empty string"),
        ({"description": "two\nlines"}, "the description must be one line"),
        ({"factory": "not callable"}, "factory must be callable"),
        ({"options_model": dict}, "options_model must be a pydantic.BaseModel subclass or None"),
    ],
)
def test_a_malformed_registration_is_invalid_registration(fields, problem):
    with pytest.raises(InvalidRegistration, match=problem) as caught:
        Registration(**{"name": "ok", "description": "fine", "factory": object, **fields})
    assert isinstance(caught.value, PluginError) and isinstance(caught.value, ValueError)


def test_register_given_something_else_is_invalid_registration_and_a_failed_plugin():
    plugin = types.SimpleNamespace(register_samplers=hookimpl(lambda register: register(("mine", "a tuple"))))
    with pytest.raises(PluginError, match="register_samplers passed tuple .* expected a nasbench_rss.plugins.Registration"):
        PluginRegistry(strict=True).register_plugin(plugin, "bad", "bad-dist", "1.0")


# ---------------------------------------------------------------- loading plugins


def _raising_plugin():
    def register_samplers(register):
        raise RuntimeError("the hook broke")

    return types.SimpleNamespace(register_samplers=hookimpl(register_samplers))


def test_a_plugin_whose_hook_raises_is_skipped_with_a_warning_or_in_strict_mode_an_error():
    registry = PluginRegistry(strict=False)
    with pytest.warns(PluginWarning, match=r"plugin 'broken' from broken-dist 1\.0 failed to load and was skipped: RuntimeError: the hook broke"):
        failure = registry.register_plugin(_raising_plugin(), "broken", "broken-dist", "1.0")
    assert failure is not None and (failure.name, failure.distribution, failure.version) == ("broken", "broken-dist", "1.0")
    assert registry.failures == (failure,)
    with pytest.raises(PluginError, match="plugin 'broken' from broken-dist 1.0 failed to load: RuntimeError: the hook broke"):
        PluginRegistry(strict=True).register_plugin(_raising_plugin(), "broken", "broken-dist", "1.0")


def test_an_unknown_hook_name_is_an_error_unless_marked_optional():
    typo = types.SimpleNamespace(register_sampler=hookimpl(lambda register: None))
    with pytest.raises(PluginError, match=r"implements unknown hook\(s\) register_sampler; known hooks: register_architectures"):
        PluginRegistry(strict=True).register_plugin(typo, "typo", "typo-dist")
    newer = types.SimpleNamespace(register_from_the_future=hookimpl(optionalhook=True)(lambda register: None))
    registry = PluginRegistry(strict=True)
    assert registry.register_plugin(newer, "newer", "newer-dist") is None
    assert [p.name for p in registry.plugins] == ["newer"]


def test_two_plugins_registering_one_name_is_always_an_error_naming_both_distributions():
    registry = PluginRegistry(strict=False)
    registry.register_plugin(plugin_fixtures, "first", "first-dist", "1.0")
    with pytest.raises(PluginError, match=rf"sampler {NAME!r} is registered by both first-dist 1.0 \(plugin first\) and second-dist 2.0 \(plugin second\)"):
        registry.register_plugin(types.SimpleNamespace(register_samplers=plugin_fixtures.register_samplers), "second", "second-dist", "2.0")


# ------------------------------------------------------------------ the plugin API


def test_plugin_api_is_a_major_minor_version():
    major, minor = nasbench_rss.PLUGIN_API.split(".")
    assert major.isdigit() and minor.isdigit()
    assert nasbench_rss.PLUGIN_API == "1.0", "the contract changed: bump PLUGIN_API as docs/writing-plugins.md says and tell CHANGELOG.md"


def test_require_plugin_api_accepts_what_it_provides_and_refuses_the_rest_naming_both_versions():
    assert nasbench_rss.require_plugin_api(">=1.0,<2") == nasbench_rss.PLUGIN_API
    assert nasbench_rss.require_plugin_api("~=1.0") == nasbench_rss.PLUGIN_API
    with pytest.raises(PluginError, match=rf"needs nasbench-rss plugin API >=2, but nasbench-rss \S+ provides plugin API {nasbench_rss.PLUGIN_API}"):
        nasbench_rss.require_plugin_api(">=2")
    with pytest.raises(PluginError, match=r"require_plugin_api\('one or two'\): not a version specifier; allowed: e.g. '>=1.0,<2'"):
        nasbench_rss.require_plugin_api("one or two")


def test_a_plugin_requiring_another_plugin_api_is_skipped_naming_it_and_both_versions(monkeypatch):
    """The registry loads an entry point whose module calls require_plugin_api at import, as the guide says to."""

    class EntryPoint:
        name = "from-the-future"
        dist = types.SimpleNamespace(name="future-dist", version="3.0")

        def load(self):
            nasbench_rss.require_plugin_api(">=2,<3")
            raise AssertionError("not reached")

    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [EntryPoint()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = PluginRegistry.load(strict=False)
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert len(messages) == 1 and "plugin 'from-the-future' from future-dist 3.0 failed to load and was skipped" in messages[0]
    assert f"needs nasbench-rss plugin API >=2,<3, but nasbench-rss {nasbench_rss.__version__} provides plugin API 1.0" in messages[0]
    assert "rss" in registry.names("sampler")  # everything else loaded
    with pytest.raises(PluginError, match="plugin API >=2,<3"):
        PluginRegistry.load(strict=True)


# ------------------------------------------------------------------ conformance


def test_conformance_failures_are_assertion_errors_naming_the_check():
    class Lax(pydantic.BaseModel):
        name: str = "lax"

    lax = Registration("lax", "a sampler whose options allow anything", plugin_fixtures.ContractSandwich, Lax)
    from nasbench_rss.testing import check_sampler

    with pytest.raises(ConformanceError) as caught:
        check_sampler(lax)
    assert isinstance(caught.value, AssertionError) and caught.value.check == "options-model"
    assert str(caught.value).startswith("sampler 'lax' fails check 'options-model': ")
