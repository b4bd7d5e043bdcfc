import math

import pytest
from hypothesis import given, strategies as st

from nasbench_rss.stats import StatsError, holm


def test_holm_on_known_p_values():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> raised to 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one():
    assert holm([0.5, 0.9, 0.3]) == pytest.approx([1.0, 1.0, 0.9])


def test_holm_passes_nan_through_and_does_not_count_it():
    adjusted = holm([0.01, math.nan, 0.04])
    assert math.isnan(adjusted[1])
    assert adjusted[0] == pytest.approx(0.02) and adjusted[2] == pytest.approx(0.04)  # m = 2
    assert all(math.isnan(p) for p in holm([math.nan, math.nan]))


def test_holm_edge_cases():
    assert holm([]) == []
    assert holm([0.2]) == [0.2]
    assert holm((p for p in [0.01, 0.02])) == pytest.approx([0.02, 0.02])


@pytest.mark.parametrize("bad", [[0.1, 1.5], [-0.01], [math.inf], ["x"], [[0.1, 0.2]]])
def test_holm_refuses_what_is_not_a_p_value(bad):
    with pytest.raises(StatsError, match="p_values"):
        holm(bad)


p_grid = st.lists(st.one_of(st.integers(0, 1000).map(lambda k: k / 1000), st.just(math.nan)), max_size=12)


@given(p_grid, st.integers(0, 999))
def test_holm_rejects_exactly_what_the_step_down_procedure_rejects(p_values, alpha_index):
    alpha = alpha_index / 1000 + 0.0005  # between grid points: no ties with alpha / k
    adjusted = holm(p_values)
    present = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m = len(present)
    rejected = set()
    for j, (p, index) in enumerate(present):
        if p > alpha / (m - j):
            break
        rejected.add(index)
    assert {i for i, a in enumerate(adjusted) if a <= alpha} == rejected


@given(p_grid)
def test_holm_is_monotone_capped_and_never_below_the_raw_p(p_values):
    adjusted = holm(p_values)
    assert len(adjusted) == len(p_values)
    pairs = [(p, a) for p, a in zip(p_values, adjusted) if not math.isnan(p)]
    assert all(math.isnan(a) for p, a in zip(p_values, adjusted) if math.isnan(p))
    assert all(p <= a <= 1.0 for p, a in pairs)
    for p1, a1 in pairs:
        for p2, a2 in pairs:
            if p1 < p2:
                assert a1 <= a2
