"""The field's samplers: sandwich, strict-fair, compound, attentive, bucket-balanced, each's exact schedule."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.samplers.compound import compound_epochs
from nasbench_rss.samplers.progressive_shrinking import OFA_LR_DIVISORS
from nasbench_rss.space.buckets import Bucket
from nasbench_rss.testing import check_sampler
from tests.samplers.conftest import SPACES, flops_table, make


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("sandwich", {}),
        ("sandwich", {"k": 0, "inplace_distillation": False}),
        ("strict-fair", {}),
        ("strict-fair", {"depth": "permuted"}),
        ("compound", {}),
        ("compound", {"kernel": "elastic", "subnets_per_step": 2}),
        ("attentive", {"method": "worst-up", "candidates": 2, "buckets": [6, 8, 10]}),
        ("bucket-balanced", {}),
    ],
)
def test_each_passes_the_conformance_check(name, options):
    report = check_sampler(name, options, epochs=12, steps=2)
    assert report.random == (options.get("k") != 0)  # sandwich with k 0 is the largest and the smallest only


# ------------------------------------------------------------------ sandwich
def test_sandwich_is_largest_then_k_random_then_smallest():
    space = SPACES["mobilenet-v3"]
    sampler = make("sandwich", epochs=2, k=3)
    (phase,) = sampler.phases
    assert phase.subnets_per_step == 5 and phase.inplace_distillation and phase.kd_ratio == 0
    middles = set()
    for step in range(20):
        subnets = sampler.subnets(0, step)
        assert subnets[0] == space.largest() and subnets[-1] == space.smallest() and len(subnets) == 5
        middles.update(s.encode() for s in subnets[1:-1])
    assert len(middles) > 50  # drawn afresh every step
    assert make("sandwich", epochs=1, k=0).subnets(0, 0) == [space.largest(), space.smallest()]
    assert not make("sandwich", epochs=1, inplace_distillation=False).phases[0].inplace_distillation


# --------------------------------------------------------------- strict-fair
def layer_choices(subnets):
    """(stage, layer) -> the (kernel, expand) of each subnet that has that layer."""
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for subnet in subnets:
        for s, stage in enumerate(subnet.layers):
            for i, choice in enumerate(stage):
                out.setdefault((s, i), []).append(choice)
    return out


def test_strict_fair_uses_every_choice_of_every_layer_exactly_once_per_step():
    space = SPACES["mobilenet-v3"]
    choices = sorted(itertools.product(space.kernel_choices, space.expand_choices))
    sampler = make("strict-fair", epochs=2)
    assert sampler.phases[0].subnets_per_step == 9
    steps = [sampler.subnets(0, step) for step in range(5)]
    for subnets in steps:
        assert all(s.depths == (4, 4, 4, 4, 4) for s in subnets)
        per_layer = layer_choices(subnets)
        assert len(per_layer) == space.n_layers
        assert all(sorted(used) == choices for used in per_layer.values())
    assert steps[0] != steps[1]  # shuffled afresh


def test_strict_fair_permuted_depth_deals_each_depth_equally_and_stays_fair_where_every_depth_reaches():
    space = SPACES["mobilenet-v3"]
    choices = sorted(itertools.product(space.kernel_choices, space.expand_choices))
    subnets = make("strict-fair", epochs=1, depth="permuted").subnets(0, 0)
    for stage in range(space.n_stages):
        assert Counter(s.depths[stage] for s in subnets) == {2: 3, 3: 3, 4: 3}
    per_layer = layer_choices(subnets)
    for (stage, layer), used in per_layer.items():
        assert len(used) == 9 - 3 * max(0, layer - 1)  # layers 0 and 1 in every subnet, layer 2 in 6, layer 3 in 3
        if layer < 2:
            assert sorted(used) == choices
        assert len(set(used)) == len(used)  # never a choice twice in one layer


def test_strict_fair_permuted_depth_needs_the_depths_to_divide_the_subnets():
    space = SPACES["mobilenet-v3"].restrict(depth=[3, 4])
    with pytest.raises(SamplerError, match="depth: permuted deals stage 0's 2 depth choices over 9 subnets"):
        make("strict-fair", epochs=1, space=space, depth="permuted")


# ------------------------------------------------------------------ compound
def test_compound_couples_expand_to_depth_with_mobilenet_v3s_fixed_kernels():
    sampler = make("compound", epochs=30)
    supernet, first, second = sampler.phases
    assert [p.name for p in sampler.phases] == ["supernet", "compound-1", "compound-2"]
    start = supernet.epochs
    assert sampler.subnets(0, 0) == [SPACES["mobilenet-v3"].largest()]
    for epoch in (start, start + first.epochs):
        for step in range(10):
            subnets = sampler.subnets(epoch, step)
            assert len(subnets) == 4
            for subnet in subnets:
                for depth, expands, kernels, fixed in zip(subnet.depths, subnet.expands, subnet.kernels, (3, 5, 3, 3, 5)):
                    assert set(expands) == {{2: 3, 3: 4, 4: 6}[depth]}
                    assert set(kernels) == {fixed}


def test_compound_phases_follow_ofas_expand_phases_lengths_rates_and_teacher():
    assert compound_epochs(325 + 5) == (180, 25, 125, 5)  # CompOFA: 25 and 120 (+5 warm-up) after a 180-epoch teacher
    sampler = make("compound", epochs=330)
    supernet, first, second = sampler.phases
    assert (supernet.epochs, first.epochs, second.epochs) == (180, 25, 125)
    assert supernet.snapshot_teacher and supernet.subnets_per_step == 1
    assert first.lr_scale == pytest.approx(1 / OFA_LR_DIVISORS[3]) and first.warmup_epochs == 0
    assert second.lr_scale == pytest.approx(1 / OFA_LR_DIVISORS[4]) and second.warmup_epochs == 5
    assert first.kd_ratio == second.kd_ratio == 1.0 and first.reorganize_expand_stage == second.reorganize_expand_stage == 0
    assert sum(compound_epochs(12)[:3]) == 12
    with pytest.raises(SamplerError, match="supernet_epochs: 180 implies 180 \\+ 25 \\+ 125 = 330 epochs, but the run has epochs 12"):
        make("compound", epochs=12, supernet_epochs=180)


def test_compound_elastic_kernels_vary_and_proxylessnas_last_stage_draws_its_expand():
    elastic = make("compound", epochs=12, kernel="elastic")
    epoch = elastic.phases[0].epochs
    kernels = {k for step in range(5) for s in elastic.subnets(epoch, step) for stage in s.kernels for k in stage}
    assert kernels == {3, 5, 7}
    proxyless = make("compound", epochs=12, arch="proxylessnas")
    last = {s.expands[5][0] for step in range(30) for s in proxyless.subnets(epoch, step)}
    assert last == {3, 4, 6}
    assert {k for s in proxyless.subnets(epoch, 30) for stage in s.kernels for k in stage} == {3}
    with pytest.raises(SamplerError, match="kernel: fixed uses kernels \\[3, 5, 3, 3, 5\\]"):
        make("compound", epochs=12, space=SPACES["mobilenet-v3"].restrict(kernel=[3, 7]))


# ----------------------------------------------------------------- attentive
def test_attentive_picks_the_candidate_the_losses_say_and_each_group_shares_a_bin():
    table = flops_table("mobilenet-v3")
    for method, pick in (("best-up", np.argmin), ("worst-up", np.argmax)):
        sampler = make("attentive", epochs=2, method=method, candidates=4, k=2)
        rng = np.random.default_rng(1)
        for step in range(6):
            asked = sampler.candidates(0, step)
            assert len(asked) == 8
            losses = rng.permutation(8).astype(float).tolist()
            sampler.feedback(0, step, asked, losses)
            subnets = sampler.subnets(0, step)
            assert subnets[0] == SPACES["mobilenet-v3"].largest() and subnets[-1] == SPACES["mobilenet-v3"].smallest()
            for group in range(2):
                members = asked[4 * group : 4 * group + 4]
                assert subnets[1 + group] == members[int(pick(losses[4 * group : 4 * group + 4]))]
                bins = {round(table.mflops(s)) for s in members}
                assert len(bins) <= 2 and max(bins) - min(bins) <= 1  # one +-0.5 window (its edges round either way)


def test_attentive_refuses_subnets_without_feedback_and_feedback_for_other_candidates():
    sampler = make("attentive", epochs=2)
    with pytest.raises(SamplerError, match="before the candidates' losses were given"):
        sampler.subnets(0, 0)
    other = make("attentive", epochs=2, seed=5)
    asked = sampler.candidates(0, 1)
    with pytest.raises(SamplerError, match="not the candidates this sampler asked for"):
        sampler.feedback(0, 1, other.candidates(0, 1), [0.0] * len(asked))
    with pytest.raises(SamplerError, match="5 losses for 6 candidates"):
        sampler.feedback(0, 1, asked, [0.0] * 5)


def test_attentive_listed_buckets_must_hold_a_network():
    with pytest.raises(SamplerError, match="buckets: bucket 40±0.5 MFLOPs: no network of mobilenet-v3 lies in it"):
        make("attentive", epochs=2, buckets=[6, 40])


# ----------------------------------------------------------- bucket-balanced
@pytest.mark.slow
def test_bucket_balanced_draws_every_bin_equally_often():
    """Chi-square against uniform over the bins (per-dimension RSS piles half its draws near 8 MFLOPs)."""
    epochs = 1200
    sampler = make("bucket-balanced", epochs=epochs, seed=3)
    table = flops_table("mobilenet-v3")
    bins = sampler.bins.buckets
    assert [b.target for b in bins] == list(range(4, 16)) and all(b.tolerance == 0.5 for b in bins)
    counts = Counter()
    for epoch in range(epochs):
        (subnet,) = sampler.subnets(epoch, 0)
        assert sampler.subnets(epoch, 1) == [subnet]  # one subnet for the whole epoch
        macs = np.array([table.macs(subnet)])
        (index,) = [i for i, b in enumerate(bins) if b.contains_macs(macs)[0]]
        counts[index] += 1
    observed = [counts[i] for i in range(len(bins))]
    assert stats.chisquare(observed).pvalue > 0.001, observed
    rss = make("rss", epochs=epochs, seed=3)
    near_8 = sum(Bucket(8.0, 1.5).contains_macs(np.array([table.macs(rss.subnets(e, 0)[0])]))[0] for e in range(300))
    assert near_8 / 300 > 0.5 and sum(observed[3:6]) / epochs < 0.3  # RSS: most draws in 6.5-9.5 MFLOPs; here 3 bins of 12


def test_bucket_balanced_listed_buckets_hold_every_subnet():
    sampler = make("bucket-balanced", epochs=40, buckets="6, 10", tolerance=0.25)
    table = flops_table("mobilenet-v3")
    got = Counter()
    for epoch in range(40):
        mflops = table.mflops(sampler.subnets(epoch, 0)[0])
        target = 6 if abs(mflops - 6) <= 0.25 else 10
        assert abs(mflops - target) <= 0.25
        got[target] += 1
    assert set(got) == {6, 10}
    with pytest.raises(SamplerError, match="buckets: an empty list"):
        make("bucket-balanced", epochs=2, buckets=[])
