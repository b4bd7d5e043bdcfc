"""Learning curves on planted numbers: interpolation in log MACs, the convergence rule, the equal-cost claim."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from nasbench_rss.analysis.curves import Curve, CurvePoint, accuracy_at_epochs, accuracy_at_macs, convergence, final_span
from nasbench_rss.claims import options as o
from nasbench_rss.claims.kinds import BetterAtEqualCost
from nasbench_rss.claims.kinds.cost import equal_cost_difference
from tests.claims.evidence import make_evidence

LABELS = ["4", "6"]


def curve(points: list[tuple[int, float, float]], epochs: int | None = None, threshold: float = 1.0) -> Curve:
    """A curve from (epochs, MACs, accuracy) rows, the same accuracy in every bucket; the last row is the end."""
    total = epochs or points[-1][0]
    return Curve(
        [CurvePoint(e, e / total, macs, {label: acc for label in LABELS}) for e, macs, acc in points],
        [], 3, threshold, 0.0,
    )  # fmt: skip


def test_accuracy_at_macs_is_linear_in_log_macs_and_never_extrapolated():
    c = curve([(1, 1e9, 0.40), (2, 4e9, 0.60), (4, 16e9, 0.70)])
    assert accuracy_at_macs(c, 4e9, LABELS) == pytest.approx(0.60)
    assert accuracy_at_macs(c, 2e9, LABELS) == pytest.approx(0.50)  # halfway in log between 1e9 and 4e9
    assert accuracy_at_macs(c, 8e9, LABELS) == pytest.approx(0.65)
    assert accuracy_at_macs(c, 0.5e9, LABELS) is None and accuracy_at_macs(c, 17e9, LABELS) is None


def test_accuracy_at_epochs_interpolates_between_points():
    c = curve([(2, 1e9, 0.40), (6, 3e9, 0.60), (8, 4e9, 0.64)])
    assert accuracy_at_epochs(c, 6, LABELS) == pytest.approx(0.60)
    assert accuracy_at_epochs(c, 4, LABELS) == pytest.approx(0.50)
    assert accuracy_at_epochs(c, 1, LABELS) is None
    assert accuracy_at_epochs(c, 4, LABELS, since=6) is None  # points before the span are not used


PS_PHASES = [
    {"name": "supernet", "epochs": 9, "kernel_choices": [7], "expand_choices": [6], "depth_choices": [4]},
    {"name": "kernel", "epochs": 7, "kernel_choices": [3, 5, 7], "expand_choices": [6], "depth_choices": [4]},
    {"name": "depth-2", "epochs": 8, "kernel_choices": [3, 5, 7], "expand_choices": [6], "depth_choices": [2, 3, 4]},
    {"name": "expand-1", "epochs": 1, "kernel_choices": [3, 5, 7], "expand_choices": [4, 6], "depth_choices": [2, 3, 4]},
    {"name": "expand-2", "epochs": 7, "kernel_choices": [3, 5, 7], "expand_choices": [3, 4, 6], "depth_choices": [2, 3, 4]},
]


def test_the_final_span_is_the_phases_that_train_the_final_space():
    assert final_span(PS_PHASES, 32) == (25, "its final phase (expand-2: epochs 26-32)")
    same = [*PS_PHASES[:-1], {**PS_PHASES[-2], "name": "expand-1b", "epochs": 7}]
    assert final_span(same, 32) == (24, "its final phases (expand-1, expand-1b: epochs 25-32)")
    assert final_span([{"name": "train", "epochs": 32}], 32) == (0, "its training")
    assert final_span(None, 32) == (0, "its training")
    unstated = [{"name": "a", "epochs": 4}, {"name": "b", "epochs": 4}]
    assert final_span(unstated, 8) == (4, "its final phase (b: epochs 5-8)")


def test_a_phased_run_is_judged_on_its_final_phase():
    # Progressive shrinking jumps when its last phase starts (epoch 24 -> 28), then flattens within it.
    jump = [(8, 1e9, 0.34), (16, 2e9, 0.51), (24, 3e9, 0.57), (28, 4e9, 0.750), (30, 5e9, 0.756), (32, 6e9, 0.759)]
    by_seed = {s: dataclasses.replace(curve(jump), span_start=25, span="its final phase (expand-2: epochs 26-32)") for s in range(3)}
    state = convergence("ofa", by_seed)
    # window from 32 - 0.25 * 7 = 30.25: 0.756 + 0.25 * (0.759 - 0.756) / 2 ... gain about 0.25 pp
    assert state.converged is True and state.mean == pytest.approx(0.759 - (0.756 + 0.003 * 0.25 / 2))
    assert state.words().startswith("ofa gained +0.3 pp over the last quarter of its final phase (expand-2: epochs 26-32)")
    whole = {s: curve(jump) for s in range(3)}
    assert convergence("ofa", whole).converged is False  # over the whole run's last quarter it gained 19 pp
    sparse = {s: dataclasses.replace(curve([(8, 1e9, 0.3), (24, 3e9, 0.57), (32, 6e9, 0.759)]), span_start=25, span="x") for s in range(2)}
    assert "no measured point between epochs 25 and 30.25, 3/4 into x" in convergence("ofa", sparse).problem


def test_a_still_rising_curve_is_not_converged_and_a_flat_one_is():
    rising = {seed: curve([(2, 1e9, 0.40), (4, 2e9, 0.50), (6, 3e9, 0.58 + 0.002 * seed), (8, 4e9, 0.63 + 0.004 * seed)]) for seed in range(3)}
    state = convergence("rss", rising)
    gains = [0.05 + 0.002 * seed for seed in range(3)]
    assert state.gains == pytest.approx(dict(enumerate(gains)))
    assert state.converged is False
    half = stats.t.ppf(0.975, 2) * np.std(gains, ddof=1) / math.sqrt(3)
    assert (state.low, state.high) == pytest.approx((np.mean(gains) - half, np.mean(gains) + half))
    assert "rss gained +5.2 pp over its last quarter [" in state.words() and "converged below 1 pp" in state.words()

    flat = {seed: curve([(2, 1e9, 0.60), (6, 3e9, 0.700 + 0.001 * seed), (8, 4e9, 0.705)]) for seed in range(3)}
    assert convergence("ofa", flat).converged is True
    assert convergence("ofa", {0: curve([(2, 1e9, 0.6), (6, 3e9, 0.7), (8, 4e9, 0.705)], threshold=0.25)}).converged is False


def test_convergence_unknown_without_a_point_before_the_last_quarter():
    short = {0: curve([(2, 1e9, 0.5), (3, 2e9, 0.6)]), 1: curve([(2, 1e9, 0.5), (3, 2e9, 0.6)])}  # 2/3 < 0.75 exists
    assert convergence("rss-short", short).converged is not None
    end_only = {0: curve([(1, 1e9, 0.5)]), 1: curve([(1, 1e9, 0.5)])}
    state = convergence("rss-short", end_only)
    assert state.converged is None and "seeds 0, 1: no measured point at or before epoch 0.75" in state.problem
    assert convergence("ofa", {}).converged is None


def test_equal_cost_compares_at_the_largest_cost_both_reached():
    cheap = curve([(2, 1e9, 0.50), (4, 2e9, 0.60)])  # ends at 2 GMACs
    costly = curve([(2, 1e9, 0.40), (4, 4e9, 0.70)])  # at 2 GMACs: 0.40 + 0.30 / 2 = 0.55
    difference, cost, problem = equal_cost_difference(cheap, costly, LABELS)
    assert problem is None and cost == 2e9
    assert difference == pytest.approx(0.05)


def test_equal_cost_with_crossing_curves_follows_the_common_cost():
    # a leads early, b overtakes at 4 GMACs: compared at 2 GMACs a wins, at 8 GMACs b wins.
    a = curve([(1, 1e9, 0.50), (2, 2e9, 0.60), (4, 8e9, 0.64)])
    b = curve([(1, 1e9, 0.40), (2, 2e9, 0.55), (4, 8e9, 0.70)])
    assert equal_cost_difference(a, b, LABELS)[0] == pytest.approx(-0.06)
    b_short = curve([(1, 1e9, 0.40), (2, 2e9, 0.55)])
    assert equal_cost_difference(a, b_short, LABELS)[0] == pytest.approx(0.05)


def test_equal_cost_is_not_extrapolated_before_a_first_point():
    tiny = curve([(1, 0.5e9, 0.3)])
    late = curve([(2, 1e9, 0.4), (4, 2e9, 0.5)])
    difference, cost, problem = equal_cost_difference(tiny, late, LABELS)
    assert difference is None and cost == 0.5e9 and "before a curve's first point" in problem


def _evidence_with_curves(gain: float, seeds=(0, 1, 2)):
    """rss reaches ofa's accuracy with half the MACs, plus ``gain`` (and seed noise)."""
    evidence = make_evidence(["rss", "ofa"], lambda *_: 0.5, seeds=seeds)
    noise = {0: 0.002, 1: -0.003, 2: 0.001}
    curves = {
        "ofa": {s: curve([(2, 2e9, 0.40), (4, 4e9, 0.50), (6, 6e9, 0.55), (8, 8e9, 0.60)]) for s in seeds},
        "rss": {s: curve([(2, 1e9, 0.40 + gain), (4, 2e9, 0.50 + gain), (6, 3e9, 0.55 + gain + noise[s]), (8, 4e9, 0.60 + gain + noise[s])]) for s in seeds},
    }
    return type(evidence)(**{**evidence.__dict__, "curves": curves})


def test_better_at_equal_cost_claim_on_planted_curves():
    # At rss's 4 GMACs ofa is at 0.50: rss (0.60 + gain) leads by 0.10 + gain.
    supported = BetterAtEqualCost(o.BetterAtEqualCostOptions(run="rss", than="ofa", pooled=True)).evaluate(_evidence_with_curves(0.0))
    assert supported.p_for < 0.01 and supported.estimate == pytest.approx(0.10, abs=0.005)
    assert "at 4 training GMACs" in supported.statistic and supported.basis.startswith("3 seeds")
    contradicted = BetterAtEqualCost(o.BetterAtEqualCostOptions(run="rss", than="ofa", pooled=True)).evaluate(_evidence_with_curves(-0.2))
    assert contradicted.p_against < 0.01 and contradicted.p_for > 0.5
    per_bucket = BetterAtEqualCost(o.BetterAtEqualCostOptions(run="rss", than="ofa")).evaluate(_evidence_with_curves(0.0))
    assert len(per_bucket.units) == len(LABELS)


def test_better_at_equal_cost_without_curves_or_with_one_seed_is_not_testable():
    evidence = make_evidence(["rss", "ofa"], lambda *_: 0.5)
    test = BetterAtEqualCost(o.BetterAtEqualCostOptions(run="rss", than="ofa")).evaluate(evidence)
    assert math.isnan(test.p_for) and "no learning curve of rss, ofa" in test.note
    one = BetterAtEqualCost(o.BetterAtEqualCostOptions(run="rss", than="ofa", pooled=True)).evaluate(_evidence_with_curves(0.0, seeds=(0,)))
    assert math.isnan(one.p_for) and "one seed" in one.note
