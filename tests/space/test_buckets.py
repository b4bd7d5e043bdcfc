"""FLOP buckets: exact conditional sampling, exact counts, the paper's protocol."""

from collections import Counter

import numpy as np
import pytest
from scipy import stats

from nasbench_rss.arch.builtin import PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.errors import SpaceError
from nasbench_rss.space.buckets import Bucket, ExactBucketSampler, paper_expand_locks, paper_sample_codes
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.population import sample_codes, stage_code_weights
from nasbench_rss.space.search_space import SearchSpace

ALPHA = 1e-3


@pytest.fixture(scope="module")
def tiny_table():
    """A 3-stage space small enough to enumerate (20 * 20 * 4 networks), irregular costs."""
    space = SearchSpace("tiny", max_depths=(2, 2, 1), kernel_choices=(3, 5), expand_choices=(3, 4), depth_choices=(1, 2), fixed_depth_stages=frozenset({2}))
    rng = np.random.default_rng(0)
    layer_costs = [rng.integers(1, 40, size=(depth, 10, 10)) * 1000 for depth in space.max_depths]
    return FlopsTable.from_layer_costs(space, 100_000, layer_costs)


def brute_force(table, mode):
    codes = table.space.unrank_codes(range(table.space.size))
    weights = np.ones(len(codes))
    for s in range(table.space.n_stages):
        weights = weights * stage_code_weights(table.space, s, mode)[codes[:, s]]
    return codes, table.macs_of_codes(codes), weights / weights.sum()


@pytest.mark.parametrize("mode", ["per-dimension", "uniform"])
def test_counts_and_probabilities_equal_brute_force(tiny_table, mode):
    codes, macs, p = brute_force(tiny_table, mode)
    sampler = ExactBucketSampler(tiny_table, mode)
    for target in np.linspace(macs.min(), macs.max(), 9) / 1e6:
        bucket = Bucket(round(float(target), 3), 0.01)
        inside = bucket.contains_macs(macs)
        assert sampler.count(bucket) == int(inside.sum())
        assert sampler.probability(bucket) == pytest.approx(p[inside].sum(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("mode", ["per-dimension", "uniform"])
def test_exact_sampler_has_the_conditional_distribution(tiny_table, mode):
    codes, macs, p = brute_force(tiny_table, mode)
    middle = float(np.median(macs)) / 1e6
    bucket = Bucket(round(middle, 3), 0.02)
    inside = np.flatnonzero(bucket.contains_macs(macs))
    expected = p[inside] / p[inside].sum()
    drawn = ExactBucketSampler(tiny_table, mode).sample_codes(bucket, 4000, np.random.default_rng(1))
    ranks = Counter(tiny_table.space.rank_codes(drawn))
    assert set(ranks) <= set(inside.tolist())
    observed = np.array([ranks.get(int(r), 0) for r in inside])
    assert stats.chisquare(observed, expected * observed.sum()).pvalue > ALPHA


def test_exact_sampler_matches_rejection_where_rejection_is_cheap(mbv3_table):
    bucket = Bucket(8)  # about a third of per-dimension draws land here
    rng = np.random.default_rng(2)
    exact = ExactBucketSampler(mbv3_table, "per-dimension").sample_codes(bucket, 3000, rng)
    drawn = sample_codes(mbv3_table.space, 12000, rng)
    rejected = drawn[bucket.contains_macs(mbv3_table.macs_of_codes(drawn))][:3000]
    assert len(rejected) > 2500
    assert stats.ks_2samp(mbv3_table.mflops_of_codes(exact), mbv3_table.mflops_of_codes(rejected)).pvalue > ALPHA
    depth = lambda codes: mbv3_table.space.stage_tables[0].depth[codes[:, 0]]
    table = [[(depth(c) == d).sum() for d in (2, 3, 4)] for c in (exact, rejected)]
    assert stats.chi2_contingency(table).pvalue > ALPHA
    # The sampler must be discriminating: a different bucket's draws fail the same test.
    other = ExactBucketSampler(mbv3_table, "per-dimension").sample_codes(Bucket(9), 3000, rng)
    assert stats.ks_2samp(mbv3_table.mflops_of_codes(other), mbv3_table.mflops_of_codes(rejected)).pvalue < ALPHA


@pytest.mark.parametrize("target", [4, 6, 8, 10, 12, 14])
def test_every_paper_bucket_is_reached_exactly(mbv3_table, target):
    bucket = Bucket(target)
    codes = ExactBucketSampler(mbv3_table, "per-dimension").sample_codes(bucket, 30, np.random.default_rng(target))
    macs = mbv3_table.macs_of_codes(codes)
    assert bucket.contains_macs(macs).all()
    # Exact mode does not lock expand ratios: the extreme buckets keep mixed widths.
    expands = {e for s in mbv3_table.space.subnets(codes) for stage in s.expands for e in stage}
    assert len(expands) > 1


def test_same_seed_same_bucket_draws(mbv3_table):
    sampler = ExactBucketSampler(mbv3_table, "uniform")
    a = sampler.sample_codes(Bucket(12), 20, np.random.default_rng(5))
    b = sampler.sample_codes(Bucket(12), 20, np.random.default_rng(5))
    assert (a == b).all()


def test_empty_bucket_names_the_reachable_range():
    table = PROXYLESSNAS_ARCH.flops_table(Shape(3, 100, 32))
    sampler = ExactBucketSampler(table)
    assert sampler.count(Bucket(14)) == 0
    with pytest.raises(SpaceError, match=r"bucket 14±0.5 MFLOPs: no network of proxylessnas.*reachable: 3.2480 to 12.4813 MFLOPs"):
        sampler.sample_codes(Bucket(14), 1, np.random.default_rng(0))


def test_bucket_window_is_exact_in_integer_macs():
    assert Bucket(4, 0.5).macs_window == (3_500_000, 4_500_000)
    assert Bucket(0.3, 0.1).macs_window == (200_000, 400_000)  # no float drift
    with pytest.raises(SpaceError, match="tolerance: -1"):
        Bucket(4, -1)
    with pytest.raises(SpaceError, match="bucket: -4"):
        Bucket(-4)


def test_count_of_the_whole_range_is_the_population(mbv3_table):
    everything = Bucket(10, 6)
    assert ExactBucketSampler(mbv3_table, "uniform").count(everything) == mbv3_table.space.size
    assert ExactBucketSampler(mbv3_table).probability(everything) == pytest.approx(1.0, abs=1e-12)


def test_paper_mode_locks_expand_and_stays_in_the_bucket(mbv3_table):
    assert paper_expand_locks([4, 6, 8, 10, 12, 14]) == {4: "min", 6: None, 8: None, 10: None, 12: None, 14: "max"}
    rng = np.random.default_rng(6)
    for target, lock, value in ((4, "min", 3), (14, "max", 6)):
        codes = paper_sample_codes(mbv3_table, Bucket(target), 20, rng, lock_expand=lock)
        assert Bucket(target).contains_macs(mbv3_table.macs_of_codes(codes)).all()
        assert {e for s in mbv3_table.space.subnets(codes) for stage in s.expands for e in stage} == {value}
    codes = paper_sample_codes(mbv3_table, Bucket(8), 20, rng)
    assert Bucket(8).contains_macs(mbv3_table.macs_of_codes(codes)).all()


def test_paper_mode_gives_up_with_a_clear_error(mbv3_table):
    with pytest.raises(SpaceError, match=r"paper-mode rejection found 0 of 1 networks in \d+ draws with expand locked at min"):
        paper_sample_codes(mbv3_table, Bucket(14), 1, np.random.default_rng(0), lock_expand="min", max_draws=100_000)
