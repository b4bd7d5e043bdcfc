"""The plugin registry: built-ins, throwaway plugins, entry points, failures, conflicts, listing."""

from __future__ import annotations

import importlib.metadata
import inspect
import io
import json
import os
import subprocess
import sys
import textwrap
import types
from dataclasses import dataclass
from typing import Any, Callable

import pydantic
import pytest

import nasbench_rss
from nasbench_rss import hookimpl, hookspecs
from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.cli import main
from nasbench_rss.cli.plugins import run_plugins
from nasbench_rss.errors import PluginError
from nasbench_rss.plugins import (
    BUILTIN_PLUGINS,
    STRICT_ENV_VAR,
    InvalidRegistration,
    PluginFailure,
    PluginRegistry,
    PluginWarning,
    Registration,
    UnknownName,
    clear_registry_cache,
    get_architecture,
    get_registry,
)

BUILTIN_ARCHITECTURES = ["mobilenet-v3", "proxylessnas"]
BUILTIN_SAMPLERS = [
    "alternating", "attentive", "bucket-balanced", "compound", "max-then-min", "min-then-max", "per-batch",
    "progressive-shrinking", "rss", "sandwich", "single", "stand-alone", "strict-fair",
]  # fmt: skip


# ---------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """No strict env var from outside, and no cached registry leaking in or out of a test."""
    monkeypatch.delenv(STRICT_ENV_VAR, raising=False)
    clear_registry_cache()
    yield
    clear_registry_cache()


@dataclass
class FakeDist:
    name: str
    version: str


@dataclass
class FakeEntryPoint:
    name: str
    dist: FakeDist
    loader: Callable[[], Any]
    group: str = "nasbench_rss"

    def load(self) -> Any:
        return self.loader()


def use_entry_points(monkeypatch, *entry_points: FakeEntryPoint) -> None:
    def entry_points_(**kwargs):
        assert kwargs == {"group": "nasbench_rss"}
        return list(entry_points)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points_)


def fails_to_import(message: str) -> Callable[[], Any]:
    def load():
        raise ImportError(message)

    return load


class Config(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    subnets_per_step: int = 1


def sampler_plugin(*names: str) -> type:
    """A throwaway plugin (a class object) registering samplers ``names``."""

    class Plugin:
        @hookimpl
        def register_samplers(register):
            for name in names:
                register(Registration(name, f"sampler {name}", lambda config=None: ("sampler", name), Config))

    return Plugin


def module_plugin(name: str, **hooks: Callable) -> types.ModuleType:
    """A throwaway plugin module with ``hooks`` (functions) as hook implementations."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


# ---------------------------------------------------------------------- built-ins


def test_builtin_architectures_listed_with_this_distribution(monkeypatch):
    use_entry_points(monkeypatch)
    registry = PluginRegistry.load()

    assert registry.names("architecture") == BUILTIN_ARCHITECTURES
    for entry in registry.entries("architecture"):
        assert entry.distribution == "nasbench-rss"
        assert entry.version == nasbench_rss.__version__
        assert entry.plugin == "nasbench_rss.arch.plugin"
        assert entry.factory().name == entry.name
        assert entry.description == entry.factory().description
    assert registry.get("architecture", "mobilenet-v3").factory() is MOBILENET_V3_ARCH
    assert registry.get("architecture", "proxylessnas").factory() is PROXYLESSNAS_ARCH
    assert registry.failures == ()
    assert [(p.name, p.builtin) for p in registry.plugins] == [(name, True) for name in BUILTIN_PLUGINS]


def test_builtins_go_through_the_same_hook_as_plugins():
    """An empty registry has nothing; the built-in module registered like any plugin gives both."""
    import nasbench_rss.arch.plugin as builtin_plugin

    registry = PluginRegistry()
    assert registry.entries() == []
    registry.register_plugin(builtin_plugin, "again", distribution="someone-else", version="9")
    assert registry.names("architecture") == BUILTIN_ARCHITECTURES
    assert {e.distribution for e in registry.entries()} == {"someone-else"}


def test_version_and_hookimpl_exported():
    assert nasbench_rss.__version__ == importlib.metadata.version("nasbench-rss")
    assert nasbench_rss.hookimpl is hookspecs.hookimpl


@pytest.mark.slow
def test_package_import_does_not_import_torch():
    code = "import sys, nasbench_rss; sys.exit('torch' in sys.modules or 'nasbench_rss.plugins' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_every_hookspec_is_a_kind():
    specs = {
        name
        for name, obj in vars(hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, "nasbench_rss_spec")
    }
    assert specs == set(hookspecs.HOOKS_BY_KIND.values())
    assert set(hookspecs.HOOKS_BY_KIND) == {"architecture", "sampler", "dataset", "reporter", "executor", "observer", "claim"}


# ---------------------------------------------------------------------- throwaway plugins


def test_throwaway_class_plugin_registers_a_sampler(monkeypatch):
    use_entry_points(monkeypatch)
    registry = PluginRegistry.load()
    assert registry.register_plugin(sampler_plugin("uniform-nets"), "acme", "acme-samplers", "2.0") is None

    entry = registry.get("sampler", "uniform-nets")
    assert (entry.kind, entry.plugin, entry.distribution, entry.version) == ("sampler", "acme", "acme-samplers", "2.0")
    assert entry.options_model is Config
    assert entry.factory() == ("sampler", "uniform-nets")
    assert "uniform-nets" in registry.names("sampler")
    assert registry.names("architecture") == BUILTIN_ARCHITECTURES  # built-ins still there
    assert [p.name for p in registry.plugins] == [*BUILTIN_PLUGINS, "acme"]


def test_throwaway_module_plugin_with_several_kinds():
    def register_datasets(register):
        register(Registration("tiny-digits", "Eight by eight digits", lambda options: "a DatasetSource"))

    def register_reporters(register):
        register(Registration("markdown", "Markdown tables", lambda: "report"))

    registry = PluginRegistry()
    registry.register_plugin(module_plugin("tiny", register_datasets=register_datasets,
                                           register_reporters=register_reporters), "tiny")
    assert registry.get("dataset", "tiny-digits").distribution == "<test>"
    assert registry.get("reporter", "markdown").factory() == "report"
    assert [(e.kind, e.name) for e in registry.entries()] == [("dataset", "tiny-digits"), ("reporter", "markdown")]


def test_hook_may_omit_the_register_argument():
    calls = []
    registry = PluginRegistry()
    registry.register_plugin(module_plugin("quiet", register_samplers=lambda: calls.append(1)), "quiet")
    assert calls == [1]
    assert registry.failures == ()


# ---------------------------------------------------------------------- failing plugins


def half_then_boom() -> types.ModuleType:
    def register_architectures(register):
        register(Registration("half-built", "registered before the plugin fails", lambda: None))

    def register_samplers(register):
        raise RuntimeError("boom in register_samplers")

    return module_plugin("bad", register_architectures=register_architectures, register_samplers=register_samplers)


def test_plugin_whose_hook_raises_is_a_failure_and_others_work(monkeypatch):
    use_entry_points(monkeypatch)
    registry = PluginRegistry.load()
    registry.register_plugin(sampler_plugin("good"), "good", "good-dist", "1.0")
    with pytest.warns(PluginWarning, match=r"plugin 'bad' from bad-dist 0\.1 .*RuntimeError: boom"):
        failure = registry.register_plugin(half_then_boom(), "bad", "bad-dist", "0.1")

    assert failure == PluginFailure("bad", "bad-dist", "0.1", "RuntimeError: boom in register_samplers")
    assert registry.failures == (failure,)
    assert isinstance(failure.exception, RuntimeError)
    # None of the failed plugin's registrations survive, not even those made before it raised.
    assert "half-built" not in registry.names("architecture")
    assert "bad" not in [p.name for p in registry.plugins]
    assert registry.get("sampler", "good").distribution == "good-dist"
    assert registry.names("architecture") == BUILTIN_ARCHITECTURES
    # The name is free again: a fixed version of the plugin can be registered.
    assert registry.register_plugin(sampler_plugin("fixed"), "bad", "bad-dist", "0.2") is None


def test_plugin_whose_hook_raises_is_fatal_in_strict_mode():
    registry = PluginRegistry(strict=True)
    with pytest.raises(PluginError, match=r"plugin 'bad' from bad-dist 0\.1 .*RuntimeError: boom") as info:
        registry.register_plugin(half_then_boom(), "bad", "bad-dist", "0.1")
    assert isinstance(info.value.__cause__, RuntimeError)
    assert registry.names("architecture") == []


def test_strict_env_var_applies_to_register_plugin(monkeypatch):
    monkeypatch.setenv(STRICT_ENV_VAR, "1")
    with pytest.raises(PluginError, match="bad"):
        PluginRegistry().register_plugin(half_then_boom(), "bad", "bad-dist", "0.1")


@pytest.mark.parametrize("value, strict", [("1", True), ("true", True), ("0", False), ("", False), ("no", False)])
def test_strict_env_var_values(monkeypatch, value, strict):
    monkeypatch.setenv(STRICT_ENV_VAR, value)
    assert PluginRegistry().strict is strict
    assert PluginRegistry(strict=True).strict is True


@pytest.mark.parametrize(
    "value, expected",
    [
        (("mobilenet-v9", "a tuple"), "passed tuple"),
        ("mobilenet-v9", "passed str"),
    ],
)
def test_registering_a_non_registration_names_the_plugin(value, expected):
    registry = PluginRegistry()
    with pytest.warns(PluginWarning, match=f"plugin 'sloppy' from sloppy-dist 3.*{expected}"):
        failure = registry.register_plugin(
            module_plugin("sloppy", register_architectures=lambda register: register(value)),
            "sloppy",
            "sloppy-dist",
            "3",
        )
    assert failure is not None and "register_architectures" in failure.error
    with pytest.raises(PluginError, match=f"'sloppy'.*{expected}"):
        PluginRegistry(strict=True).register_plugin(
            module_plugin("sloppy", register_architectures=lambda register: register(value)), "sloppy", "sloppy-dist"
        )


def test_bad_registration_name_inside_a_plugin_is_its_failure():
    registry = PluginRegistry()
    plugin = module_plugin(
        "shouty", register_samplers=lambda register: register(Registration("RSS", "Random subnets", lambda: None))
    )
    with pytest.warns(PluginWarning, match="plugin 'shouty'.*invalid registration name 'RSS'"):
        registry.register_plugin(plugin, "shouty", "shouty-dist", "1")
    assert registry.names("sampler") == []


def test_same_name_twice_in_one_plugin_is_its_failure():
    registry = PluginRegistry()
    with pytest.warns(PluginWarning, match="registered sampler 'twice' twice"):
        registry.register_plugin(sampler_plugin("twice", "twice"), "stutter")
    assert registry.names("sampler") == []


def test_unknown_hook_is_a_failure_unless_optional():
    registry = PluginRegistry()
    typo = module_plugin("typo", register_sampler=lambda register: None)
    with pytest.warns(PluginWarning, match="unknown hook.*register_sampler"):
        registry.register_plugin(typo, "typo")

    future = types.ModuleType("future")
    future.register_optimizers = hookimpl(optionalhook=True)(lambda register: None)
    future.register_samplers = sampler_plugin("from-future").register_samplers
    assert registry.register_plugin(future, "future") is None
    assert registry.names("sampler") == ["from-future"]


def test_hook_with_unknown_argument_is_a_failure():
    registry = PluginRegistry()
    with pytest.warns(PluginWarning, match="plugin 'odd'"):
        failure = registry.register_plugin(module_plugin("odd", register_samplers=lambda register, space: None), "odd")
    assert failure is not None and "space" in failure.error


def test_plugin_name_used_twice_is_a_failure():
    registry = PluginRegistry()
    registry.register_plugin(sampler_plugin("one"), "acme", "acme-a", "1")
    with pytest.warns(PluginWarning, match="already used by acme-a 1 \\(plugin acme\\)"):
        registry.register_plugin(sampler_plugin("two"), "acme", "acme-b", "1")
    assert registry.names("sampler") == ["one"]


# ---------------------------------------------------------------------- entry points


def test_broken_entry_point_is_reported_and_the_rest_work(monkeypatch):
    working = module_plugin("acme_samplers", register_samplers=sampler_plugin("acme-rss").register_samplers)
    use_entry_points(
        monkeypatch,
        FakeEntryPoint("broken", FakeDist("acme-broken", "0.3"), fails_to_import("No module named 'acme_missing'")),
        FakeEntryPoint("acme", FakeDist("acme-nas", "1.2"), lambda: working),
    )
    with pytest.warns(PluginWarning, match=r"plugin 'broken' from acme-broken 0\.3 .*No module named 'acme_missing'"):
        registry = PluginRegistry.load()

    assert registry.failures == (
        PluginFailure("broken", "acme-broken", "0.3", "ImportError: No module named 'acme_missing'"),
    )
    entry = registry.get("sampler", "acme-rss")
    assert (entry.plugin, entry.distribution, entry.version) == ("acme", "acme-nas", "1.2")
    assert registry.names("architecture") == BUILTIN_ARCHITECTURES


def broken_entry_point() -> FakeEntryPoint:
    return FakeEntryPoint("broken", FakeDist("acme-broken", "0.3"), fails_to_import("No module named 'acme_missing'"))


def test_broken_entry_point_is_fatal_with_strict_argument(monkeypatch):
    use_entry_points(monkeypatch, broken_entry_point())
    with pytest.raises(PluginError, match=r"'broken' from acme-broken 0\.3 .*No module named 'acme_missing'") as info:
        PluginRegistry.load(strict=True)
    assert isinstance(info.value.__cause__, ImportError)


def test_broken_entry_point_is_fatal_with_strict_env_var(monkeypatch):
    use_entry_points(monkeypatch, broken_entry_point())
    monkeypatch.setenv(STRICT_ENV_VAR, "1")
    with pytest.raises(PluginError, match=r"'broken' from acme-broken 0\.3 .*No module named 'acme_missing'"):
        PluginRegistry.load()
    with pytest.raises(PluginError, match="acme-broken"):
        get_registry()
    # strict=False does not override the environment: the CLI passes its flag's default.
    with pytest.raises(PluginError, match="acme-broken"):
        get_registry(strict=False)


def test_strict_lists_every_failure(monkeypatch):
    use_entry_points(
        monkeypatch,
        broken_entry_point(),
        FakeEntryPoint("other", FakeDist("other-dist", "5"), fails_to_import("no luck")),
    )
    with pytest.raises(PluginError, match="acme-broken.*other-dist 5"):
        PluginRegistry.load(strict=True)


def test_entry_point_of_an_already_registered_module_is_skipped(monkeypatch):
    import nasbench_rss.arch.plugin as builtin_plugin

    declared = FakeEntryPoint("mobilenet-v3", FakeDist("nasbench-rss", "0.1.0"), lambda: builtin_plugin)
    use_entry_points(monkeypatch, declared)
    registry = PluginRegistry.load(strict=True)
    assert registry.names("architecture") == BUILTIN_ARCHITECTURES
    assert len(registry.plugins) == len(BUILTIN_PLUGINS)


def test_entry_point_without_distribution(monkeypatch):
    use_entry_points(monkeypatch, FakeEntryPoint("orphan", None, fails_to_import("gone")))  # type: ignore[arg-type]
    with pytest.warns(PluginWarning):
        registry = PluginRegistry.load()
    assert registry.failures[0].distribution == "<unknown distribution>"


# ---------------------------------------------------------------------- conflicts


def test_two_plugins_registering_one_name_is_an_error_naming_both():
    registry = PluginRegistry()
    registry.register_plugin(sampler_plugin("rss"), "first", "first-dist", "1.0")
    with pytest.raises(
        PluginError,
        match=r"sampler 'rss' is registered by both first-dist 1\.0 \(plugin first\)"
        r" and second-dist 2\.0 \(plugin second\)",
    ):
        registry.register_plugin(sampler_plugin("rss", "extra"), "second", "second-dist", "2.0")
    # The registry is left as it was: nothing of the second plugin, not even its other names.
    assert registry.names("sampler") == ["rss"]
    assert registry.get("sampler", "rss").distribution == "first-dist"
    assert [p.name for p in registry.plugins] == ["first"]


def test_entry_point_claiming_a_builtin_name_fails_loading(monkeypatch):
    def register_architectures(register):
        register(Registration("mobilenet-v3", "a copy", lambda: None))

    clash = module_plugin("acme_arch", register_architectures=register_architectures)
    use_entry_points(monkeypatch, FakeEntryPoint("acme", FakeDist("acme-nas", "1.2"), lambda: clash))
    with pytest.raises(
        PluginError,
        match=r"architecture 'mobilenet-v3' is registered by both nasbench-rss .*nasbench_rss\.arch\.plugin.*"
        r" and acme-nas 1\.2 \(plugin acme\)",
    ):
        PluginRegistry.load()  # not strict: a conflict is always an error


def test_one_name_in_different_kinds_is_fine():
    def register_samplers(register):
        register(Registration("mobilenet-v3", "a sampler named like an architecture", lambda: None))

    registry = PluginRegistry.load(entry_points=False)
    registry.register_plugin(module_plugin("m", register_samplers=register_samplers), "m")
    assert registry.get("sampler", "mobilenet-v3").plugin == "m"
    assert registry.get("architecture", "mobilenet-v3").plugin == "nasbench_rss.arch.plugin"


# ---------------------------------------------------------------------- lookups


def test_unknown_name_lists_what_is_available(monkeypatch):
    use_entry_points(monkeypatch)
    registry = PluginRegistry.load()
    with pytest.raises(UnknownName, match=r"^unknown architecture 'foo'; available: mobilenet-v3, proxylessnas$"):
        registry.get("architecture", "foo")
    with pytest.raises(LookupError, match="did you mean 'mobilenet-v3'"):
        registry.get("architecture", "mobilenet-v2")
    available = ", ".join(BUILTIN_SAMPLERS)
    with pytest.raises(PluginError, match=rf"unknown sampler 'rsss' \(did you mean 'rss'\?\); available: {available}$"):
        registry.get("sampler", "rsss")
    with pytest.raises(PluginError, match="unknown sampler 'rss'; available: none"):
        PluginRegistry().get("sampler", "rss")


def test_unknown_kind_lists_kinds():
    kinds = "architecture, sampler, dataset, reporter"
    with pytest.raises(UnknownName, match=f"unknown plugin kind 'architectures'; kinds: {kinds}"):
        PluginRegistry().names("architectures")


def test_default_registry_is_cached_and_gives_architectures(monkeypatch):
    use_entry_points(monkeypatch)
    assert get_registry() is get_registry()
    assert get_registry(strict=True) is not get_registry()
    assert get_architecture("mobilenet-v3") is MOBILENET_V3_ARCH
    with pytest.raises(UnknownName, match="available: mobilenet-v3, proxylessnas"):
        get_architecture("resnet")


# ---------------------------------------------------------------------- registrations


@pytest.mark.parametrize("name", ["", "MobileNet", "mobile net", "mobile_net", "-rss", "rss-", "a--b", "rß", 3, None])
def test_bad_registration_names_rejected(name):
    with pytest.raises(InvalidRegistration, match="invalid registration name"):
        Registration(name, "description", lambda: None)


@pytest.mark.parametrize("name", ["a", "rss", "mobilenet-v3", "ofa-ps-2"])
def test_good_registration_names_accepted(name):
    assert Registration(name, "description", lambda: None).name == name


def test_other_registration_fields_validated():
    with pytest.raises(ValueError, match="one line"):
        Registration("rss", "two\nlines", lambda: None)
    with pytest.raises(ValueError, match="non-empty"):
        Registration("rss", "  ", lambda: None)
    with pytest.raises(ValueError, match="callable"):
        Registration("rss", "description", "not callable")
    with pytest.raises(ValueError, match="options_model"):
        Registration("rss", "description", lambda: None, dict)
    assert Registration("rss", "description", lambda: None, Config).options_model is Config


# ---------------------------------------------------------------------- the plugins command


def registry_with_a_failure(monkeypatch) -> PluginRegistry:
    use_entry_points(monkeypatch, broken_entry_point())
    with pytest.warns(PluginWarning):
        registry = PluginRegistry.load()
    registry.register_plugin(sampler_plugin("acme-rss"), "acme", "acme-nas", "1.2")
    return registry


def test_plugins_json_lists_builtins_plugins_and_failures(monkeypatch):
    out = io.StringIO()
    assert run_plugins(registry_with_a_failure(monkeypatch), as_json=True, out=out) == 0
    listing = json.loads(out.getvalue())
    builtin_samplers = [
        p["name"] for p in listing["plugins"] if p["kind"] == "sampler" and p["plugin"] == "nasbench_rss.samplers.plugin"
    ]
    assert builtin_samplers == BUILTIN_SAMPLERS

    reporters = [p["name"] for p in listing["plugins"] if p["kind"] == "reporter" and p["plugin"] == "nasbench_rss.report.plugin"]
    assert reporters == ["html", "json", "md"]
    builtin_kinds = (
        "nasbench_rss.samplers.plugin", "nasbench_rss.data.plugin", "nasbench_rss.report.plugin",
        "nasbench_rss.run.executors.plugin", "nasbench_rss.train.observers.plugin", "nasbench_rss.claims.plugin",
    )  # fmt: skip
    claims = [p["name"] for p in listing["plugins"] if p["kind"] == "claim"]
    assert claims == sorted(["better", "better-at-equal-cost", "not-worse", "lower-variance", "faster", "peak-at", "bias-follows-exposure", "ordering", "interaction", "interference", "ranking"])
    assert [p for p in listing["plugins"] if p["plugin"] not in builtin_kinds] == [
        {
            "kind": "architecture",
            "name": "mobilenet-v3",
            "description": MOBILENET_V3_ARCH.description,
            "plugin": "nasbench_rss.arch.plugin",
            "distribution": "nasbench-rss",
            "version": nasbench_rss.__version__,
        },
        {
            "kind": "architecture",
            "name": "proxylessnas",
            "description": PROXYLESSNAS_ARCH.description,
            "plugin": "nasbench_rss.arch.plugin",
            "distribution": "nasbench-rss",
            "version": nasbench_rss.__version__,
        },
        {
            "kind": "sampler",
            "name": "acme-rss",
            "description": "sampler acme-rss",
            "plugin": "acme",
            "distribution": "acme-nas",
            "version": "1.2",
        },
    ]
    assert listing["failures"] == [
        {
            "plugin": "broken",
            "distribution": "acme-broken",
            "version": "0.3",
            "error": "ImportError: No module named 'acme_missing'",
        }
    ]


def test_plugins_table(monkeypatch):
    out = io.StringIO()
    assert run_plugins(registry_with_a_failure(monkeypatch), as_json=False, out=out) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0].split() == ["kind", "name", "distribution", "version", "plugin", "description"]
    assert any(line.split()[:5] == ["architecture", "mobilenet-v3", "nasbench-rss", nasbench_rss.__version__,
                                    "nasbench_rss.arch.plugin"] for line in lines)
    assert any(line.split()[:5] == ["sampler", "acme-rss", "acme-nas", "1.2", "acme"] for line in lines)
    assert "1 plugin(s) failed to load" in text
    assert any(line.split()[:3] == ["broken", "acme-broken", "0.3"] and "acme_missing" in line for line in lines)


def test_plugins_subcommand_parses_and_runs(monkeypatch, capsys):
    use_entry_points(monkeypatch)
    out = io.StringIO()
    assert main(["plugins", "--json"], out=out) == 0
    listed = json.loads(out.getvalue())["plugins"]
    assert [p["name"] for p in listed if p["kind"] == "architecture"] == BUILTIN_ARCHITECTURES
    assert [p["name"] for p in listed if p["kind"] == "sampler"] == BUILTIN_SAMPLERS

    out = io.StringIO()
    assert main(["plugins"], out=out) == 0
    assert "proxylessnas" in out.getvalue()

    use_entry_points(monkeypatch, broken_entry_point())
    clear_registry_cache()
    assert main(["--strict-plugins", "plugins"], out=io.StringIO()) == 4  # invalid: nothing listed
    err = capsys.readouterr().err
    assert err.startswith("nasbench-rss plugins: error: plugin 'broken' from acme-broken 0.3 failed to load") and "acme-broken" in err


# ---------------------------------------------------------------------- real distributions


def make_distribution(root, dist_name: str, version: str, module_name: str, source: str, ep_name: str) -> None:
    (root / f"{module_name}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[nasbench_rss]\n{ep_name} = {module_name}\n")


@pytest.fixture
def fake_site(tmp_path, monkeypatch):
    """tmp_path on sys.path with a working and a broken plugin distribution."""
    make_distribution(
        tmp_path,
        "acme-nas",
        "1.2",
        "acme_nas_e2e_plugin",
        """
        from nasbench_rss import hookimpl
        from nasbench_rss.plugins import Registration

        @hookimpl
        def register_samplers(register):
            register(Registration("acme-e2e", "Acme's sampler from a real entry point", lambda: "acme"))
        """,
        "acme",
    )
    make_distribution(
        tmp_path,
        "broken-nas",
        "0.3",
        "broken_nas_e2e_plugin",
        "raise RuntimeError('broken-nas cannot import')\n",
        "broken",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module_name in ("acme_nas_e2e_plugin", "broken_nas_e2e_plugin"):
        sys.modules.pop(module_name, None)


def test_real_entry_points_from_a_distribution_on_sys_path(fake_site):
    expected = r"plugin 'broken' from broken-nas 0\.3 .*RuntimeError: broken-nas cannot import"
    with pytest.warns(PluginWarning, match=expected):
        registry = PluginRegistry.load()

    entry = registry.get("sampler", "acme-e2e")
    assert (entry.plugin, entry.distribution, entry.version) == ("acme", "acme-nas", "1.2")
    assert entry.factory() == "acme"
    assert registry.names("architecture") == BUILTIN_ARCHITECTURES
    ours = [f for f in registry.failures if f.distribution == "broken-nas"]
    assert ours == [PluginFailure("broken", "broken-nas", "0.3", "RuntimeError: broken-nas cannot import")]

    with pytest.raises(PluginError, match="broken-nas 0.3"):
        PluginRegistry.load(strict=True)


@pytest.mark.slow
def test_plugin_failure_warning_reaches_stderr(fake_site):
    """What a CLI user sees: a warning on stderr naming plugin, distribution and error."""
    code = (
        "from nasbench_rss.plugins import PluginRegistry\n"
        "from nasbench_rss.cli.plugins import run_plugins\n"
        "run_plugins(PluginRegistry.load(), as_json=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake_site), *sys.path])}
    env.pop(STRICT_ENV_VAR, None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "PluginWarning: plugin 'broken' from broken-nas 0.3 failed to load" in done.stderr
    assert "broken-nas cannot import" in done.stderr
    assert "acme-e2e" in done.stdout and "broken-nas" in done.stdout
