"""``better-at-equal-cost``: one run's population against another's at the same training work.

Runs compared at equal epochs may have spent very different work (progressive shrinking
trains up to four subnets and a teacher per step, RSS one subnet).  This kind compares two
runs on their learning curves (``evaluation.during``, :mod:`nasbench_rss.analysis.curves`)
at the *largest cost both reached*: per seed, ``C`` is the smaller of the two runs' total
training MACs; the run that spent ``C`` is read at its end, the other at ``C`` on its curve,
interpolated linearly in log MACs between the two measured points around ``C`` (never
extrapolated: a ``C`` before the other run's first point leaves that seed out, said).
Accuracy is the panel's (the first subnets of each bucket's list, the same for both runs).

Seed estimate: the difference of the two runs' panel means at ``C`` (per bucket, or over the
named buckets together); the claim is decided on the seeds' estimates like the others
(one-sided t-test, intersection-union over buckets).  There is no subnet-level test: an
interpolated point is not a measured subnet; with one seed the claim is not testable.
"""

from __future__ import annotations

import math
from nasbench_rss.analysis.curves import Curve, accuracy_at_macs
from nasbench_rss.claims import options as o
from nasbench_rss.claims.base import ClaimTest, Evidence, OneSided, intersection_union, points, seed_test, untestable
from nasbench_rss.claims.kinds.common import Claim, buckets_words

BASIS = "{n} seeds: one-sided t-test on the seeds' estimates (df {df}); no subnet-level test (an interpolated accuracy is not a measured subnet)"
ONE_SEED = "one seed: not testable (an interpolated accuracy has no subnet-level test)"


def equal_cost_difference(a: Curve, b: Curve, labels: list[str]) -> tuple[float | None, float | None, str | None]:
    """(accuracy of ``a`` minus ``b`` at the largest cost both reached, that cost in MACs, why not)."""
    ends = [curve.points[-1].macs if curve.points else None for curve in (a, b)]
    if any(end is None or end <= 0 for end in ends) or any(p.macs is None for curve in (a, b) for p in curve.points):
        return None, None, "a curve without training MACs (trained before they were counted)"
    cost = min(ends)
    at_a, at_b = accuracy_at_macs(a, cost, labels), accuracy_at_macs(b, cost, labels)
    if at_a is None or at_b is None:
        first = max(curve.points[0].macs for curve in (a, b))
        return None, cost, f"the common cost {cost / 1e9:.3g} GMACs lies before a curve's first point ({first / 1e9:.3g} GMACs): add an earlier fraction to evaluation.during.at"
    return at_a - at_b, cost, None


class BetterAtEqualCost(Claim):
    options: o.BetterAtEqualCostOptions

    def describe(self) -> str:
        op = self.options
        margin = f" by more than {100 * op.margin:g} pp" if op.margin else ""
        return f"{op.run} is more accurate than {op.than}{margin} at equal training MACs {buckets_words(op.buckets, op.pooled)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        curves = {run: evidence.curves.get(run, {}) for run in (op.run, op.than)}
        missing = [run for run, by_seed in curves.items() if not by_seed]
        if missing:
            return untestable(f"no learning curve of {', '.join(missing)} (set evaluation.during in the suite)")
        labels = evidence.labels(op.buckets)
        seeds = sorted(set(curves[op.run]) & set(curves[op.than]))
        shared = [label for label in labels if all(label in curves[run][seed].labels() for run in curves for seed in seeds)]
        if not shared:
            return untestable("none of the claim's buckets is on both runs' curves")
        units = [shared] if op.pooled else [[label] for label in shared]
        tests, rows, problems, costs = [], [], [], {}
        for unit in units:
            per_seed: dict[int, float] = {}
            for seed in seeds:
                difference, cost, problem = equal_cost_difference(curves[op.run][seed], curves[op.than][seed], unit)
                if difference is None:
                    problems.append(f"seed {seed}: {problem}")
                    continue
                per_seed[seed], costs[seed] = difference, cost
            test = seed_test(per_seed, op.margin, "greater") if len(per_seed) >= 2 else OneSided(math.nan, math.nan, ONE_SEED)
            tests.append(test)
            rows.append({"buckets": unit, "per_seed": {str(s): v for s, v in per_seed.items()}, **test.to_dict()})
        tested = [r for r in rows if r["per_seed"]]
        if not tested:
            return untestable("; ".join(dict.fromkeys(problems)))
        means = [sum(r["per_seed"].values()) / len(r["per_seed"]) for r in tested]
        worst = min(means)
        p_for, p_against = intersection_union(tests)
        used = sorted({int(s) for r in tested for s in r["per_seed"]})
        what = f"{op.run} - {op.than} at {_gmacs(costs, used)} training GMACs"
        statistic = f"{what} {points(means[0])}" if len(tested) == 1 else f"{what} per bucket from {points(min(means))} to {points(max(means))}"
        return ClaimTest(
            statistic=statistic,
            estimate=worst,
            p_for=p_for,
            p_against=p_against,
            basis=BASIS.format(n=len(used), df=len(used) - 1) if len(used) >= 2 else ONE_SEED,
            seeds=used,
            per_seed={s: sum(float(r["per_seed"][str(s)]) for r in tested if str(s) in r["per_seed"]) / len(tested) for s in used},
            units=rows,
            note="; ".join(dict.fromkeys(problems + ([ONE_SEED] if len(used) < 2 else []))) or None,
        )


def _gmacs(costs: dict[int, float], seeds: list[int]) -> str:
    values = [costs[s] / 1e9 for s in seeds if s in costs]
    low, high = min(values), max(values)

    def show(value: float) -> str:
        return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"

    return show(low) if math.isclose(low, high, rel_tol=5e-3) else f"{show(low)}-{show(high)}"

