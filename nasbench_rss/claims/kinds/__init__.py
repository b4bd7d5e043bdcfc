"""The built-in claim kinds: each says what it claims in words and tests it on a group's evidence.

The shared rules (seed-level tests, intersection-union over buckets, the verdict) are in
:mod:`nasbench_rss.claims.base`; each kind only says what its per-seed estimate is, what
its subnet-level test is, and which side the claim is on.  One module per family:
:mod:`.paired`, :mod:`.spread`, :mod:`.timing`, :mod:`.profile`, :mod:`.probe`,
:mod:`.ranking` (the classes are registered by :mod:`nasbench_rss.claims.plugin` by name
from here).

- ``better`` / ``not-worse`` / ``ordering``: paired accuracy differences on the subnets
  both runs evaluated (same seed, bucket, index, encoding).  Seed estimate: the mean
  difference; subnet-level: the one-sided paired Wilcoxon signed-rank test (exact for
  small samples, mid-ranks for ties).
- ``better-at-equal-cost``: on the two runs' learning curves, at the largest training MACs both
  reached (interpolated in log MACs, :mod:`.cost`); seed estimate: the difference of panel
  means; no subnet-level test.
- ``interaction``: the same on the contrast ``(a - b) - (c - d)`` of four runs' shared subnets.
- ``lower-variance``: seed estimate: log(variance of run / variance of than); subnet
  level: the one-sided Brown-Forsythe test (Student's t on absolute deviations from each
  sample's median; with two samples this is the Brown-Forsythe F test's square root).
- ``faster``: seed estimate: log(than's time / run's time) against log(at_least); no
  subnet-level test exists for a time, so with one seed it is not testable.
- ``peak-at``: seed estimate: the claimed bucket's mean accuracy minus each other bucket's;
  subnet-level: one-sided Welch t-tests between the buckets' subnets.
- ``bias-follows-exposure``: seed estimate: Spearman's rank correlation (Fisher z) between
  each bucket's kernel-smoothed share of the training steps and its mean accuracy;
  subnet-level: the exact permutation test of that correlation.
"""

from nasbench_rss.claims.kinds.common import Claim, seed_level
from nasbench_rss.claims.kinds.cost import BetterAtEqualCost
from nasbench_rss.claims.kinds.paired import (
    Better,
    Interaction,
    NotWorse,
    Ordering,
    paired_claim,
)
from nasbench_rss.claims.kinds.probe import InterferenceClaim
from nasbench_rss.claims.kinds.profile import BiasFollowsExposure, PeakAt
from nasbench_rss.claims.kinds.ranking import RankingClaim
from nasbench_rss.claims.kinds.spread import LowerVariance
from nasbench_rss.claims.kinds.timing import Faster

__all__ = [
    "Better",
    "BetterAtEqualCost",
    "BiasFollowsExposure",
    "Claim",
    "Faster",
    "Interaction",
    "InterferenceClaim",
    "LowerVariance",
    "NotWorse",
    "Ordering",
    "PeakAt",
    "RankingClaim",
    "paired_claim",
    "seed_level",
]
