"""The built-in samplers: every training method of the paper, and the field's, by registered name."""

from __future__ import annotations

from nasbench_rss.samplers.alternating import AlternatingSampler
from nasbench_rss.samplers.attentive import AttentiveSampler
from nasbench_rss.samplers.base import Sampler
from nasbench_rss.samplers.bucket_balanced import BucketBalancedRSS
from nasbench_rss.samplers.compound import CompoundSampler
from nasbench_rss.samplers.per_batch import PerBatchSampler
from nasbench_rss.samplers.progressive_shrinking import ProgressiveShrinking
from nasbench_rss.samplers.rss import RandomSubnetSampling
from nasbench_rss.samplers.sandwich import SandwichSampler
from nasbench_rss.samplers.single import SingleSubnetSampler
from nasbench_rss.samplers.stand_alone import StandAloneSampler
from nasbench_rss.samplers.strict_fair import StrictFairSampler
from nasbench_rss.samplers.switch import MaxThenMin, MinThenMax

BUILTIN_SAMPLERS: dict[str, tuple[str, type[Sampler]]] = {
    "rss": ("Random Subnet Sampling: one random subnet per epoch (the paper's Algorithm 1)", RandomSubnetSampling),
    "per-batch": ("k fresh random subnets per step, gradients summed (the paper's Fig. 5 ablation)", PerBatchSampler),
    "single": ("One fixed subnet: smallest, middle, largest or an encoding (the paper's Fig. 6)", SingleSubnetSampler),
    "stand-alone": ("One subnet as its own network, trained alone from scratch (the stand-alone references of a suite)", StandAloneSampler),
    "alternating": ("A fixed cycle of subnets, one per epoch; smallest/largest by default (Fig. 7)", AlternatingSampler),
    "min-then-max": ("The smallest subnet, then the largest from switch_epoch on (the paper's Fig. 7)", MinThenMax),
    "max-then-min": ("The largest subnet, then the smallest from switch_epoch on (the paper's Fig. 7)", MaxThenMin),
    "progressive-shrinking": (
        "OFA's Progressive Shrinking: supernet, then kernel, depth and expand phases with distillation",
        ProgressiveShrinking,
    ),
    "sandwich": ("BigNAS / AttentiveNAS sandwich rule: largest, k random and smallest per step, in-place distillation", SandwichSampler),
    "strict-fair": ("FairNAS strict fairness: every (kernel, expand) choice of every layer once per step", StrictFairSampler),
    "compound": ("CompOFA: depth and expand coupled, fixed kernels, a supernet then two compound phases", CompoundSampler),
    "attentive": ("AttentiveNAS best-up / worst-up: sandwich with picks by loss among candidates of a FLOPs bin", AttentiveSampler),
    "bucket-balanced": ("RSS with each epoch's FLOPs bin drawn uniformly first, then a subnet in it exactly", BucketBalancedRSS),
}
"""Registered name -> (one-line description, sampler class); the class's ``Config`` is its options."""
