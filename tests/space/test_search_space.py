"""Search space combinatorics, canonical subnets and their conversions."""

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.errors import SpaceError
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

MBV3 = MOBILENET_V3_ARCH.space()
PROXYLESS = PROXYLESSNAS_ARCH.space()
SPACES = [MBV3, PROXYLESS]


def subnets_of(space):
    return st.integers(0, space.size - 1).map(space.unrank)


def test_population_sizes_are_exact():
    assert MBV3.size == 7371**5  # the paper's "2 x 10^19"
    assert 2.1e19 < MBV3.size < 2.2e19
    assert PROXYLESS.size == 7371**5 * 9  # last stage: one layer, kernel and expand elastic
    assert MBV3.n_layers == 20 and PROXYLESS.n_layers == 21


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.architecture)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_rank_unrank_bijection_on_random_integers(space, data):
    rank = data.draw(st.integers(0, space.size - 1))
    assert space.rank(space.unrank(rank)) == rank


def test_rank_unrank_bijection_exhaustive_on_small_space():
    space = SearchSpace("tiny", max_depths=(2, 3, 1), kernel_choices=(3, 5), expand_choices=(4, 6), depth_choices=(1, 2), fixed_depth_stages=frozenset({2}))
    all_subnets = [space.unrank(r) for r in range(space.size)]
    assert [space.rank(s) for s in all_subnets] == list(range(space.size))
    # Brute force: every canonical network exactly once.
    pairs = list(itertools.product((3, 5), (4, 6)))
    stage = lambda depths: [tuple(c) for d in depths for c in itertools.product(pairs, repeat=d)]
    expected = {(a, b, c) for a in stage((1, 2)) for b in stage((1, 2)) for c in stage((1,))}
    assert {s.layers for s in all_subnets} == expected
    assert len(expected) == space.size == 20 * 20 * 4


@pytest.mark.parametrize("rank", [-1, "3", 1.5, True])
def test_unrank_rejects_bad_ranks(rank):
    with pytest.raises(SpaceError, match="rank"):
        MBV3.unrank(rank)
    with pytest.raises(SpaceError, match="out of range"):
        MBV3.unrank(MBV3.size)


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.architecture)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_conversions_round_trip(space, data):
    subnet = data.draw(subnets_of(space))
    assert Subnet.decode(space, subnet.encode()) == subnet
    ofa = subnet.to_ofa()
    assert len(ofa["ks"]) == len(ofa["e"]) == space.n_layers and len(ofa["d"]) == space.n_stages
    assert Subnet.from_ofa(space, ofa) == subnet
    assert space.unrank(space.rank(subnet)) == subnet
    assert space.subnets(space.codes([subnet]))[0] == subnet


def test_ofa_layout_nulls_inactive_layers_and_ignores_their_values():
    subnet = Subnet.decode(MBV3, "3354-335473-3333-767676-5454")
    ofa = subnet.to_ofa()
    assert ofa["d"] == [2, 3, 2, 3, 2]
    assert ofa["ks"][:4] == [3, 5, None, None] and ofa["e"][:4] == [3, 4, None, None]
    # OFA keeps arbitrary values for switched-off layers: they do not make a new network.
    noisy = {"ks": [7 if v is None else v for v in ofa["ks"]], "e": [6 if v is None else v for v in ofa["e"]], "d": ofa["d"]}
    assert Subnet.from_ofa(MBV3, noisy) == subnet


def test_proxyless_last_stage_has_fixed_depth():
    largest, smallest = PROXYLESS.largest(), PROXYLESS.smallest()
    assert largest.depths == (4, 4, 4, 4, 4, 1) and smallest.depths == (2, 2, 2, 2, 2, 1)
    with pytest.raises(SpaceError, match=r"d\[5\].*allowed: \[1\]"):
        Subnet.from_ofa(PROXYLESS, {"ks": [3] * 21, "e": [3] * 21, "d": [2, 2, 2, 2, 2, 2]})
    # Restricting depth leaves the fixed stage alone.
    assert PROXYLESS.restrict(depth=[4]).largest().depths == (4, 4, 4, 4, 4, 1)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"ks": [3] * 19, "e": [3] * 20, "d": [2] * 5}, r"ks: expected a list of 20 values"),
        ({"ks": [3] * 20, "e": [3] * 20, "d": [2] * 4}, r"d: expected a list of 5 values"),
        ({"ks": [4] + [3] * 19, "e": [3] * 20, "d": [2] * 5}, r"ks\[0\]: 4 not allowed; allowed: \[3, 5, 7\]"),
        ({"ks": [3] * 20, "e": [3, 5] + [3] * 18, "d": [2] * 5}, r"e\[1\]: 5 not allowed; allowed: \[3, 4, 6\]"),
        ({"ks": [3] * 20, "e": [3] * 20, "d": [2, 5, 2, 2, 2]}, r"d\[1\]: 5 not allowed; allowed: \[2, 3, 4\]"),
        ({"ks": [3] * 20, "e": [3] * 20}, r"missing \['d'\]"),
        ({"ks": [3] * 20, "e": [3] * 20, "d": [2] * 5, "w": 1}, r"unknown \['w'\]"),
    ],
)
def test_from_ofa_errors_name_the_field_and_what_is_allowed(config, message):
    with pytest.raises(SpaceError, match=message):
        Subnet.from_ofa(MBV3, config)


@pytest.mark.parametrize(
    "text, message",
    [
        ("3333-3333-3333-3333", "4 stages; mobilenet-v3 has 5"),
        ("333-3333-3333-3333-3333", "stage 0 '333' must be an even number of digits"),
        ("33x3-3333-3333-3333-3333", "stage 0"),
        ("3333-3333-3333-3333-33", r"d\[4\]: depth 1 not allowed; allowed: \[2, 3, 4\]"),
        ("3333-3333-3333-3333-3339", r"e \(stage 4, layer 1\): 9 not allowed; allowed: \[3, 4, 6\]"),
        ("3333-3333-3333-3333-3383", r"ks \(stage 4, layer 1\): 8 not allowed; allowed: \[3, 5, 7\]"),
    ],
)
def test_decode_errors(text, message):
    with pytest.raises(SpaceError, match=message):
        Subnet.decode(MBV3, text)


def test_subnet_equality_ignores_the_subspace_that_made_it():
    restricted = MBV3.restrict(kernel=[7], expand=[6], depth=[4])
    assert restricted.size == 1
    assert restricted.largest() == MBV3.largest() and hash(restricted.largest()) == hash(MBV3.largest())
    assert MBV3.contains(restricted.largest()) and not restricted.contains(MBV3.smallest())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernel": [3, 9]}, r"kernel: \[9\] not in this space"),
        ({"expand": []}, "expand: must not be empty"),
        ({"depth": [1, 2]}, r"depth: \[1\] not in this space"),
    ],
)
def test_restrict_errors(kwargs, message):
    with pytest.raises(SpaceError, match=message):
        MBV3.restrict(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernel_choices": (3, 4)}, "kernel: 4 is not allowed; allowed: odd integers 1..9"),
        ({"expand_choices": (3, 12)}, "expand: 12 is not allowed"),
        ({"depth_choices": (2, 5)}, "depth: 5 exceeds stage 0's 4 layers"),
        ({"depth_choices": (2, 2)}, "depth: duplicate values"),
        ({"max_depths": ()}, "max_depths must name at least one stage"),
    ],
)
def test_space_validation(kwargs, message):
    base = dict(architecture="x", max_depths=(4, 4))
    base.update(kwargs)
    with pytest.raises(SpaceError, match=message):
        SearchSpace(**base)
