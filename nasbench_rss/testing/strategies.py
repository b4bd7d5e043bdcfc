"""Hypothesis strategies for search spaces and subnets of any registered architecture.

Subnets are drawn by rank (``space.unrank``), which is a bijection with ``0..size-1``: every
network of the space can be drawn, and hypothesis shrinks a failing example towards rank 0,
the smallest network.  Spaces are drawn from the registry, so a plugin's architecture is
covered as soon as it is registered, and include restricted sub-spaces (fewer kernel,
expand or depth choices) when the architecture's options model has those fields.

    @given(subnets(spaces()))
    def test_encoding_round_trips(subnet):
        assert Subnet.decode(subnet.space, subnet.encode()) == subnet
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from hypothesis import strategies as st

from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import PluginRegistry, get_registry
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

ELASTIC_OPTIONS: tuple[str, ...] = ("kernel", "expand", "depth")
"""Options (of SpaceOptions-like models) that restrict a dimension to a subset of its choices."""


class ArchitectureSpace(NamedTuple):
    """A registered architecture, options for it, and the space those options give."""

    name: str
    options: dict[str, Any]
    space: SearchSpace


def subnets(space: SearchSpace | st.SearchStrategy[SearchSpace] | None = None) -> st.SearchStrategy[Subnet]:
    """Any subnet of ``space``; of a drawn space when given a strategy; of any registered space when None."""
    if space is None:
        space = spaces()
    if isinstance(space, st.SearchStrategy):
        return space.flatmap(subnets)
    return st.integers(0, space.size - 1).map(space.unrank)


def encodings(space: SearchSpace | st.SearchStrategy[SearchSpace] | None = None) -> st.SearchStrategy[str]:
    """String encodings (``3333-3333-...``) of subnets, as :func:`subnets` draws them."""
    return subnets(space).map(Subnet.encode)


def space_options(arch: str, registry: PluginRegistry | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Options for ``arch``: each elastic dimension its model has, left out or a non-empty subset.

    An architecture without such options (or without an options model) gets ``{}`` only.
    """
    registry = registry or get_registry()
    entry = registry.get("architecture", arch)
    model = entry.options_model
    full = _space(registry, arch, ())
    choices = {"kernel": full.kernel_choices, "expand": full.expand_choices, "depth": full.depth_choices}
    optional = {
        option: st.sets(st.sampled_from(choices[option]), min_size=1).map(lambda values: sorted(values))
        for option in ELASTIC_OPTIONS
        if model is not None and option in model.model_fields
    }
    return st.fixed_dictionaries({}, optional=optional)


def architecture_spaces(
    registry: PluginRegistry | None = None, *, architectures: list[str] | None = None, restricted: bool = True
) -> st.SearchStrategy[ArchitectureSpace]:
    """A registered architecture (of ``architectures``, default all), options and its space.

    With ``restricted`` (the default) the options may restrict kernel, expand and depth
    choices; options the architecture's model refuses are skipped.
    """
    registry = registry or get_registry()
    names = architectures if architectures is not None else registry.names("architecture")
    if not names:
        raise ValueError("no architecture is registered; register one or pass architectures=[...]")
    for name in names:
        registry.get("architecture", name)  # an unknown name fails now, listing what is available

    def draw(name: str) -> st.SearchStrategy[ArchitectureSpace]:
        options = space_options(name, registry) if restricted else st.just({})
        built = options.map(lambda opts: _architecture_space(registry, name, opts))
        return built.filter(lambda value: value is not None)

    return st.sampled_from(sorted(names)).flatmap(draw)


def spaces(
    registry: PluginRegistry | None = None, *, architectures: list[str] | None = None, restricted: bool = True
) -> st.SearchStrategy[SearchSpace]:
    """The search space of a registered architecture (see :func:`architecture_spaces`)."""
    return architecture_spaces(registry, architectures=architectures, restricted=restricted).map(lambda drawn: drawn.space)


def _architecture_space(registry: PluginRegistry, name: str, options: dict[str, Any]) -> ArchitectureSpace | None:
    key = tuple(sorted((option, tuple(values)) for option, values in options.items()))
    try:
        space = _space(registry, name, key)
    except NasbenchError:
        return None
    return ArchitectureSpace(name, dict(options), space)


@functools.lru_cache(maxsize=512)
def _space(registry: PluginRegistry, name: str, key: tuple[tuple[str, tuple[int, ...]], ...]) -> SearchSpace:
    """One space object per (architecture, options): its rank/unrank tables are built once."""
    from nasbench_rss.arch.options import architecture_space

    space, _ = architecture_space(registry.get("architecture", name), {option: list(values) for option, values in key})
    return space
