"""The hypothesis strategies of nasbench_rss.testing: what they draw, and that it is valid."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, given, settings, strategies as st

import nasbench_rss.testing as testing
from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH
from nasbench_rss.arch.options import SpaceOptions
from nasbench_rss.plugins import Registration, UnknownName
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.testing import RegistrationPlugin, registry_with
from nasbench_rss.testing.strategies import architecture_spaces, encodings, space_options, spaces, subnets

BUILTINS = registry_with()
FULL = {name: BUILTINS.get("architecture", name).factory().space() for name in BUILTINS.names("architecture")}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(subnets(spaces(BUILTINS)))
def test_every_drawn_subnet_is_valid_and_round_trips(subnet):
    space = subnet.space
    assert space.contains(subnet)
    assert Subnet.decode(space, subnet.encode()) == subnet
    assert space.unrank(space.rank(subnet)) == subnet
    assert FULL[space.architecture].contains(subnet)  # a sub-space's subnet is one of the full space too


@SETTINGS
@given(architecture_spaces(BUILTINS))
def test_drawn_options_give_the_drawn_space(drawn):
    full = FULL[drawn.name]
    assert drawn.space.is_subspace_of(full)
    SpaceOptions.model_validate(drawn.options)  # what the architecture's own model accepts
    for option, choices in (("kernel", drawn.space.kernel_choices), ("expand", drawn.space.expand_choices), ("depth", drawn.space.depth_choices)):
        expected = drawn.options.get(option, getattr(full, f"{option}_choices"))
        assert tuple(expected) == choices


@SETTINGS
@given(st.data())
def test_subnets_of_a_fixed_space_and_their_encodings(data):
    space = FULL["proxylessnas"]
    assert space.contains(data.draw(subnets(space)))
    assert Subnet.decode(space, data.draw(encodings(space))).space is space


@SETTINGS
@given(subnets(), encodings())
def test_without_a_space_any_registered_space_is_used(subnet, encoding):
    assert subnet.space.architecture in FULL
    assert "-" in encoding


def test_subnets_shrink_to_the_smallest_network():
    space = FULL["mobilenet-v3"]
    assert find(subnets(space), lambda subnet: True) == space.smallest()


def test_restricted_and_full_spaces_are_both_drawn():
    full = FULL["mobilenet-v3"]
    only = spaces(BUILTINS, architectures=["mobilenet-v3"])
    assert find(only, lambda space: space == full) == full
    restricted = find(only, lambda space: len(space.kernel_choices) == 1 and len(space.depth_choices) == 2)
    assert restricted.is_subspace_of(full)


def test_restricted_false_draws_only_full_spaces():
    drawn = find(architecture_spaces(BUILTINS, restricted=False), lambda d: d.name == "proxylessnas")
    assert drawn.options == {} and drawn.space == FULL["proxylessnas"]


def test_an_unknown_architecture_fails_at_once():
    with pytest.raises(UnknownName, match="unknown architecture 'mobilenet-v2'"):
        spaces(BUILTINS, architectures=["mobilenet-v2"])


def test_no_architecture_is_an_error():
    with pytest.raises(ValueError, match="no architecture is registered"):
        spaces(BUILTINS, architectures=[])


def test_an_architecture_without_options_gets_its_default_space_only():
    plain = RegistrationPlugin("architecture", Registration("plain-net", "no options", lambda: MOBILENET_V3_ARCH))
    registry = registry_with(plain, builtins=False)
    assert find(space_options("plain-net", registry), lambda options: True) == {}
    assert find(spaces(registry), lambda space: True) == MOBILENET_V3_ARCH.space()


def test_the_strategies_are_importable_from_the_package_lazily():
    assert testing.subnets is subnets and testing.spaces is spaces
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        testing.nothing  # noqa: B018
