"""Statistics for reports, as small pure functions of plain numbers.

Summaries (:func:`describe`), seeded bootstrap intervals (:func:`mean_ci`,
:func:`statistic_ci`), two-sided tests of a run against a baseline that wrap scipy and
explain their degenerate cases (:func:`wilcoxon_paired`, exact for small samples with
or without tied differences, see :mod:`.signed_rank`; :func:`welch_t`,
:func:`mann_whitney`, :func:`brown_forsythe`), effect sizes (:func:`cohens_d`,
:func:`probability_of_improvement`), Holm's correction for many comparisons
(:func:`holm`), one-sided tests of a claimed direction and its opposite (:mod:`.one_sided`:
:func:`seed_test` on one estimate per seed, :func:`intersection_union`, ...), training-time ratios paired by seed (:func:`time_ratio`) and the share of
optimizer steps per MFLOP bucket (:func:`exposure_shares`), per MFLOP bin over the whole
range (:func:`exposure_histogram`) and kernel-smoothed at targets (:func:`smoothed_exposure`).  Nothing here touches a
global RNG or the file system: every random function takes an integer ``seed``, and bad
input raises :class:`StatsError` (a ``ValueError``) naming the argument and what is allowed.
"""

from nasbench_rss.stats.bootstrap import Interval, mean_ci, statistic_ci
from nasbench_rss.stats.checks import StatsError
from nasbench_rss.stats.compare import TestResult, brown_forsythe, brown_forsythe_t, mann_whitney, welch_t, wilcoxon_paired
from nasbench_rss.stats.describe import Summary, describe
from nasbench_rss.stats.effect import cohens_d, improvement_scores, probability_of_improvement
from nasbench_rss.stats.exposure import ExposureHistogram, exposure_histogram, exposure_shares, smoothed_exposure
from nasbench_rss.stats.multiple import holm
from nasbench_rss.stats.one_sided import Direction, OneSided, intersection_union, seed_test
from nasbench_rss.stats.ratios import time_ratio

__all__ = [
    "Direction",
    "ExposureHistogram",
    "Interval",
    "OneSided",
    "StatsError",
    "Summary",
    "TestResult",
    "brown_forsythe",
    "brown_forsythe_t",
    "cohens_d",
    "describe",
    "exposure_histogram",
    "exposure_shares",
    "holm",
    "improvement_scores",
    "intersection_union",
    "mann_whitney",
    "mean_ci",
    "probability_of_improvement",
    "seed_test",
    "smoothed_exposure",
    "statistic_ci",
    "time_ratio",
    "welch_t",
    "wilcoxon_paired",
]
