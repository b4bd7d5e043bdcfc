"""Section 5 of docs/writing-plugins.md: ``nasbench_rss.testing``'s helpers (plugin API 1.0).

Each signature is written here and must also stand verbatim in the guide, so a change to
either the code or the guide fails until both agree again, deliberately.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from nasbench_rss.plugins import Registration
from nasbench_rss.samplers.base import SamplerContext
from nasbench_rss.testing import ConformanceError, RegistrationPlugin, SamplerReport, check_sampler, registry_with, sampler_context
from nasbench_rss.testing import strategies
from nasbench_rss.testing.sampler_conformance import CHECKS
from tests.contract import plugin_fixtures
from tests.contract.documents import WRITING_PLUGINS, text
from tests.contract.signatures import assert_signature

GUIDE = re.sub(r"\s+", " ", text(WRITING_PLUGINS))

SIGNATURES = {
    "check_sampler": (check_sampler, '(sampler, options=None, *, registry=None, arch="mobilenet-v3", arch_options=None, epochs=12, steps=3, seeds=(0, 1), random=None)'),
    "registry_with": (registry_with, "(*plugins, builtins=True, entry_points=False)"),
    "RegistrationPlugin": (RegistrationPlugin, "(kind, *registrations)"),
    "sampler_context": (sampler_context, '(arch="mobilenet-v3", *, epochs, seed, arch_options=None, registry=None)'),
    "spaces": (strategies.spaces, "(registry=None, *, architectures=None, restricted=True)"),
    "subnets": (strategies.subnets, "(space)"),
    "encodings": (strategies.encodings, "(space)"),
    "space_options": (strategies.space_options, "(arch)"),
}


@pytest.mark.parametrize("name", SIGNATURES)
def test_the_helpers_signatures_are_the_guides(name):
    func, signature = SIGNATURES[name]
    assert f"`{name}{signature}`" in GUIDE, f"docs/writing-plugins.md no longer documents {name}{signature}"
    assert_signature(func, signature, f"nasbench_rss.testing {name}")


def test_architecture_spaces_gives_name_options_and_space():
    assert_signature(strategies.architecture_spaces, "(registry=None, *, architectures=None, restricted=True)", "architecture_spaces")
    assert strategies.ArchitectureSpace._fields == ("name", "options", "space")


def test_the_checks_of_check_sampler_are_the_guides_table():
    table = re.findall(r"^\| `([a-z-]+)` \| ", text(WRITING_PLUGINS), re.MULTILINE)
    start = table.index("registered")
    assert table[start : start + len(CHECKS)] == list(CHECKS)
    assert CHECKS == (
        "registered", "options-model", "options", "factory", "phases", "candidates",
        "subnets", "rng", "determinism", "seeds", "positions", "state", "describe",
    )  # fmt: skip
    with pytest.raises(ValueError, match="not one of CHECKS"):
        ConformanceError("x", "an-undocumented-check", "...")


def test_check_sampler_returns_a_report_and_takes_a_bare_registration():
    report = check_sampler(plugin_fixtures.NAME, {"random_subnets": 1}, registry=registry_with(plugin_fixtures), epochs=2, steps=2)
    assert isinstance(report, SamplerReport)
    assert report.options == {"name": plugin_fixtures.NAME, "random_subnets": 1, "min_epochs": 1}
    assert report.random is True and len(report.positions) == 4 and len(report.sequence) == 4
    assert report.distinct >= 2 and all(len(step) == 3 for step in report.sequence)
    assert {"options", "random", "positions", "sequence"} <= {f.name for f in dataclasses.fields(SamplerReport)}
    bare = Registration("bare", "checked before it is part of a plugin", plugin_fixtures.ContractSandwich, plugin_fixtures.ContractSandwich.Config)
    with pytest.raises(ConformanceError) as caught:  # its name field defaults to another name: caught by options-model
        check_sampler(bare, epochs=2, steps=1)
    assert caught.value.check == "options-model" and caught.value.sampler == "bare"


def test_registry_with_is_strict_and_independent_of_what_is_installed():
    registry = registry_with(plugin_fixtures)
    assert registry.strict is True
    assert plugin_fixtures.NAME in registry.names("sampler") and "rss" in registry.names("sampler")
    assert registry_with(plugin_fixtures, builtins=False).names("sampler") == sorted([plugin_fixtures.NAME, "contract-not-a-sampler"])


def test_sampler_context_is_a_cells_context():
    context = sampler_context("proxylessnas", epochs=4, seed=3, arch_options={"kernel": [3]})
    assert isinstance(context, SamplerContext) and context.epochs == 4 and context.space.kernel_choices == (3,)
    again = sampler_context("proxylessnas", epochs=4, seed=3, arch_options={"kernel": [3]})
    assert context.rng.integers(1 << 30) == again.rng.integers(1 << 30)  # the same seeded stream
