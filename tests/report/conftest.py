"""Fixtures of the report tests: a plugin registry with the built-in reporters, run directories."""

from __future__ import annotations

import pytest

import nasbench_rss.plugins as plugins
import nasbench_rss.report.plugin as report_plugin

REPORT_PLUGIN = "nasbench_rss.report.plugin"


@pytest.fixture(scope="session")
def registry() -> plugins.PluginRegistry:
    """Built-ins (without third-party entry points) plus the built-in reporters.

    The reporters are registered here too, so the tests pass whether or not
    ``nasbench_rss.plugins.BUILTIN_PLUGINS`` lists the report plugin yet.
    """
    registry = plugins.PluginRegistry.load(entry_points=False)
    if "md" not in registry.names("reporter"):
        registry.register_plugin(report_plugin, REPORT_PLUGIN, "nasbench-rss")
    return registry


@pytest.fixture
def default_registry_with_reporters(monkeypatch):
    """``get_registry()`` (what the CLI uses) with the built-in reporters among its built-ins."""
    monkeypatch.setattr(plugins, "BUILTIN_PLUGINS", tuple(dict.fromkeys((*plugins.BUILTIN_PLUGINS, REPORT_PLUGIN))))
    plugins.clear_registry_cache()
    yield plugins.get_registry()
    plugins.clear_registry_cache()
