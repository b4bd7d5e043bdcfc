"""Each claim kind on evidence built so the answer is known: supported, contradicted, inconclusive."""

from __future__ import annotations

import math

import pytest

from nasbench_rss.claims import options as o
from nasbench_rss.claims.base import CellTime, seed_test
from nasbench_rss.claims.kinds import (
    Better,
    BiasFollowsExposure,
    Faster,
    Interaction,
    LowerVariance,
    NotWorse,
    Ordering,
    PeakAt,
)
from tests.claims.evidence import TARGETS, make_evidence, noise

ALPHA = 0.05


def shifted(gains: dict[str, float], seed_gain: dict[int, float] | None = None):
    """Accuracy = 0.6 + a per-subnet spread + noise + the run's gain (+ a per-seed gain)."""

    def accuracy(run: str, seed: int, target: float, index: int) -> float:
        base = 0.6 + 0.004 * index + 0.002 * TARGETS.index(target) + noise(run, seed, target, index)
        return base + gains.get(run, 0.0) + (seed_gain or {}).get(seed, 0.0) * (run == "rss")

    return accuracy


def test_better_supported_when_built_better():
    evidence = make_evidence(["rss", "ofa"], shifted({"rss": 0.05}))
    test = Better(o.BetterOptions(run="rss", than="ofa")).evaluate(evidence)
    assert test.p_for < 0.01 and test.p_against > 0.5
    assert test.estimate == pytest.approx(0.05, abs=0.01)
    assert test.basis.startswith("3 seeds") and test.seeds == [0, 1, 2]
    assert len(test.units) == len(TARGETS)  # every bucket tested, intersection-union


def test_better_contradicted_when_built_worse():
    evidence = make_evidence(["rss", "ofa"], shifted({"rss": -0.05}))
    test = Better(o.BetterOptions(run="rss", than="ofa")).evaluate(evidence)
    assert test.p_for > 0.5 and test.p_against < 0.05


def test_better_inconclusive_when_equal():
    evidence = make_evidence(["rss", "ofa"], shifted({}))
    test = Better(o.BetterOptions(run="rss", than="ofa", pooled=True)).evaluate(evidence)
    assert test.p_for > ALPHA and test.p_against > ALPHA


def test_better_every_bucket_fails_when_one_bucket_is_worse():
    def accuracy(run, seed, target, index):
        gain = 0.05 if target != 8 else -0.05
        return shifted({})(run, seed, target, index) + (gain if run == "rss" else 0.0)

    evidence = make_evidence(["rss", "ofa"], accuracy)
    each = Better(o.BetterOptions(run="rss", than="ofa")).evaluate(evidence)
    assert each.p_for > 0.5  # bucket 8 is worse: "in every bucket" does not hold
    assert each.p_against < 0.05  # and the opposite holds there (Bonferroni over the 6 buckets)
    subset = Better(o.BetterOptions(run="rss", than="ofa", buckets=[4, 6])).evaluate(evidence)
    assert subset.p_for < 0.01 and [u["buckets"] for u in subset.units] == [["4"], ["6"]]


def test_seed_level_verdict_changes_when_seeds_disagree():
    # Within every seed rss is far better or far worse: the subnet-level test pooled over
    # seeds is lopsided, but the seeds disagree, so the seed-level test is not significant.
    agree = make_evidence(["rss", "ofa"], shifted({}, {0: 0.04, 1: 0.05, 2: 0.045}))
    disagree = make_evidence(["rss", "ofa"], shifted({}, {0: 0.05, 1: 0.06, 2: -0.04}))
    options = o.BetterOptions(run="rss", than="ofa", pooled=True)
    agreed, split = Better(options).evaluate(agree), Better(options).evaluate(disagree)
    assert agreed.p_for < 0.05
    assert split.p_for > 0.2 and split.subnet_level["p_for"] < 0.05
    assert split.per_seed[2] < 0 < split.per_seed[0]


def test_one_seed_is_subnet_level_only():
    evidence = make_evidence(["rss", "ofa"], shifted({"rss": 0.03}), seeds=(0,))
    test = Better(o.BetterOptions(run="rss", than="ofa", pooled=True)).evaluate(evidence)
    assert test.basis == "one seed: subnet-level only"
    assert test.p_for < 1e-6  # 60 paired subnets, all better: the signed-rank test


def test_not_worse_with_a_margin():
    evidence = make_evidence(["rss", "ofa"], shifted({"rss": -0.005}))
    loose = NotWorse(o.NotWorseOptions(run="rss", than="ofa", margin=0.03, pooled=True)).evaluate(evidence)
    tight = NotWorse(o.NotWorseOptions(run="rss", than="ofa", margin=0.001, pooled=True)).evaluate(evidence)
    assert loose.p_for < 0.05
    assert tight.p_for > 0.5 and tight.p_against < 0.05


def test_ordering_needs_every_step():
    evidence = make_evidence(["a", "b", "c"], shifted({"a": 0.06, "b": 0.03}))
    assert Ordering(o.OrderingOptions.model_validate(["a", "b", "c"])).evaluate(evidence).p_for < 0.05
    wrong = Ordering(o.OrderingOptions.model_validate(["a", "c", "b"])).evaluate(evidence)
    assert wrong.p_for > 0.5 and wrong.p_against < 0.05


def test_lower_variance():
    def accuracy(run, seed, target, index):
        spread = 0.2 if run == "rss" else 1.0
        return 0.6 + spread * (0.02 * index + 0.01 * TARGETS.index(target)) + 0.1 * noise(run, seed, target, index)

    evidence = make_evidence(["rss", "ofa"], accuracy)
    assert LowerVariance(o.LowerVarianceOptions(run="rss", than="ofa")).evaluate(evidence).p_for < 0.01
    reverse = LowerVariance(o.LowerVarianceOptions(run="ofa", than="rss")).evaluate(evidence)
    assert reverse.p_for > 0.5 and reverse.p_against < 0.01
    per_bucket = LowerVariance(o.LowerVarianceOptions(run="rss", than="ofa", scope="buckets")).evaluate(evidence)
    assert per_bucket.p_for < 0.05 and len(per_bucket.units) == len(TARGETS)


def times(wall: float, cpu: float | None, contended: int = 0, growth: float = 0.04):
    """Seed ``s`` takes ``(1 + growth * s)`` times as long (so ratios vary a little between seeds)."""
    return lambda seed: CellTime(wall * (1 + growth * seed), None if cpu is None else cpu * (1 + growth * seed), contended, 8)


def test_faster_uses_cpu_time_and_flags_contention():
    # The wall clock says ofa/rss = 0.5 (rss slower: another job ran during rss), CPU time 2.
    evidence = make_evidence(["rss", "ofa"], shifted({}), times={"rss": times(400, 100, contended=3), "ofa": times(200, 200, growth=0.06)})
    test = Faster(o.FasterOptions(run="rss", than="ofa", at_least=1.5)).evaluate(evidence)
    assert test.estimate == pytest.approx(2.0, rel=0.05) and test.p_for < 0.05
    assert "contended" in test.note and test.subnet_level["wall_ratio"] == pytest.approx(0.5, rel=0.05)
    wall = Faster(o.FasterOptions(run="rss", than="ofa", clock="wall")).evaluate(evidence)
    assert wall.p_for > 0.5 and wall.p_against < 0.05


def test_faster_falls_back_to_wall_time_and_one_seed_is_untested():
    evidence = make_evidence(["rss", "ofa"], shifted({}), seeds=(0,), times={"rss": times(100, None), "ofa": times(300, None)})
    test = Faster(o.FasterOptions(run="rss", than="ofa")).evaluate(evidence)
    assert test.estimate == pytest.approx(3.0) and math.isnan(test.p_for)
    assert "wall-clock time used" in test.note and "one seed" in test.note


def test_faster_by_macs_is_the_counted_ratio_whatever_the_clocks_say():
    """clock: macs tests the work done: the wall clock (contended) and CPU time say rss is slower; its MACs are a third."""

    def cost(wall: float, macs: dict[int, int] | None):
        return lambda seed: CellTime(wall, wall, 3, 8, None if macs is None else macs[seed])

    ofa = {0: 30 * 10**8, 1: 31 * 10**8, 2: 29 * 10**8}  # each seed's subnets differ, so its MACs do
    evidence = make_evidence(["rss", "ofa"], shifted({}), times={"rss": cost(400, dict.fromkeys(ofa, 10**9)), "ofa": cost(200, ofa)})
    test = Faster(o.FasterOptions(run="rss", than="ofa", at_least=2.5, clock="macs")).evaluate(evidence)
    assert test.per_seed == pytest.approx({0: 3.0, 1: 3.1, 2: 2.9})
    assert test.estimate == pytest.approx(3.0, rel=0.01) and test.p_for < 0.05 and test.subnet_level["clock"] == "macs"
    assert test.statistic.startswith("training MACs ratio ofa/rss 3.00 (claimed > 2.5"), test.statistic
    assert not test.note or "contended" not in test.note  # counted work does not move with other jobs
    described = Faster(o.FasterOptions(run="rss", than="ofa", at_least=2.5, clock="macs")).describe()
    assert described == "rss trains with more than 2.5 times fewer MACs than ofa (counted training MACs)"
    old = make_evidence(["rss", "ofa"], shifted({}), times={"rss": cost(400, None), "ofa": cost(200, ofa)})
    untested = Faster(o.FasterOptions(run="rss", than="ofa", clock="macs")).evaluate(old)
    assert math.isnan(untested.p_for) and "MACs not counted" in (untested.note or untested.basis or untested.statistic)


def peaked(peak: float, height: float = 0.08):
    def accuracy(run, seed, target, index):
        return 0.6 + height * max(0.0, 1 - abs(target - peak) / 6) + 0.004 * index + noise(run, seed, target, index)

    return accuracy


def test_peak_at_planted_peak():
    evidence = make_evidence(["smallest"], peaked(4))
    assert PeakAt(o.PeakAtOptions(run="smallest", bucket=4)).evaluate(evidence).p_for < 0.05
    wrong = PeakAt(o.PeakAtOptions(run="smallest", bucket=10)).evaluate(evidence)
    assert wrong.p_for > 0.5 and wrong.p_against < 0.05 and "peak at bucket 4" in wrong.statistic


def test_peak_at_inconclusive_on_a_flat_profile():
    test = PeakAt(o.PeakAtOptions(run="rss", bucket=8)).evaluate(make_evidence(["rss"], shifted({})))
    assert test.p_for > ALPHA


def test_bias_follows_exposure_for_a_single_subnet_run():
    trained = {"smallest": [(3.9, 1000)], "largest": [(14.1, 1000)]}
    evidence = make_evidence(["smallest", "largest"], lambda r, s, t, i: peaked(4 if r == "smallest" else 14)(r, s, t, i), trained=trained)
    test = BiasFollowsExposure(o.BiasFollowsExposureOptions(run="smallest")).evaluate(evidence)
    assert test.estimate > 0.8 and test.p_for < 0.05
    # Accuracy that falls where the run trained: the correlation is negative, the claim contradicted.
    inverted = make_evidence(["smallest"], peaked(14), trained={"smallest": [(3.9, 1000)]})
    against = BiasFollowsExposure(o.BiasFollowsExposureOptions(run="smallest")).evaluate(inverted)
    assert against.estimate < -0.8 and against.p_against < 0.05


def test_bias_follows_exposure_exact_permutation_with_one_seed():
    evidence = make_evidence(["smallest"], peaked(4), seeds=(0,), trained={"smallest": [(3.9, 1000)]})
    test = BiasFollowsExposure(o.BiasFollowsExposureOptions(run="smallest")).evaluate(evidence)
    # A perfect rank correlation over 6 buckets: exactly 1 of the 720 orderings is as extreme.
    assert test.basis == "one seed: subnet-level only" and test.p_for == pytest.approx(1 / 720)


def test_interaction_same_and_different_effects():
    alike = shifted({"a2": -0.03, "c2": -0.03})
    evidence = make_evidence(["a2", "a", "c2", "c"], alike)
    same = Interaction(o.InteractionOptions(change=["a2", "a"], versus=["c2", "c"], expect="same", margin=0.02)).evaluate(evidence)
    assert same.p_for < 0.05 and abs(same.estimate) < 0.01
    unlike = make_evidence(["a2", "a", "c2", "c"], shifted({"a2": -0.01, "c2": -0.06}))
    differ = Interaction(o.InteractionOptions(change=["a2", "a"], versus=["c2", "c"], expect="same", margin=0.02)).evaluate(unlike)
    assert differ.p_for > 0.5 and differ.p_against < 0.05
    larger = Interaction(o.InteractionOptions(change=["a2", "a"], versus=["c2", "c"], expect="larger")).evaluate(unlike)
    assert larger.p_for < 0.05 and larger.estimate == pytest.approx(0.05, abs=0.01)


def test_missing_run_is_untestable():
    test = Better(o.BetterOptions(run="rss", than="ofa")).evaluate(make_evidence(["rss"], shifted({})))
    assert math.isnan(test.p_for) and "no evaluated cell of ofa" in test.note


def test_seed_test_sign_rule_for_constant_estimates():
    assert seed_test({0: 1.0, 1: 1.0, 2: 1.0}, 0.0, "greater").p_for == pytest.approx(0.125)
    assert seed_test({0: 1.0}, 0.0, "greater").p_for != seed_test({0: 1.0}, 0.0, "greater").p_for  # NaN: one seed


def test_describe_in_plain_words():
    assert Better(o.BetterOptions(run="rss", than="ofa")).describe() == "rss is more accurate than ofa in every bucket"
    assert Ordering(o.OrderingOptions.model_validate(["a", "b"])).describe() == "accuracy is ordered a > b over all buckets together"
    assert "2 pp" in Interaction(o.InteractionOptions(change=["a", "b"], versus=["c", "d"], margin=0.02)).describe()


def test_a_claims_buckets_are_matched_by_their_bucket_key():
    # The evaluation recorded bucket 8.25 with float noise (8.2500001): its key, as everywhere
    # (exposure, the suite's checks), is "8.25", so a claim naming 8.25 is tested on it.
    targets = (4, 6, 8.2500001, 10)

    def accuracy(run, seed, target, index):
        return 0.6 + 0.004 * index + noise(run, seed, target, index) + (0.05 if run == "rss" else 0.0) + (0.03 if target > 8 else 0.0)

    evidence = make_evidence(["rss", "ofa"], accuracy, targets=targets)
    assert evidence.labels([8.25, 10]) == ["8.25", "10"] and evidence.label_of(8.25) == "8.25" and evidence.label_of(9) is None
    better = Better(o.BetterOptions(run="rss", than="ofa", buckets=[8.25])).evaluate(evidence)
    assert better.p_for < 0.01 and [u["buckets"] for u in better.units] == [["8.25"]] and better.note is None
    assert PeakAt(o.PeakAtOptions(run="rss", bucket=8.25)).evaluate(evidence).note != "bucket 8.25 is not evaluated"
