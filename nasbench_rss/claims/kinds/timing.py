"""The ``faster`` claim: a run trains at least k times faster than another (CPU or wall time).

Seed estimate: log(than's time / run's time) against log(at_least); no subnet-level test
exists for a time, so with one seed it is not testable.
"""

from __future__ import annotations

import math

import numpy as np

from nasbench_rss.claims import options as o
from nasbench_rss.claims.base import (
    ClaimTest,
    Evidence,
    seed_basis,
    seed_test,
    untestable,
)
from nasbench_rss.claims.kinds.common import Claim


class Faster(Claim):
    options: o.FasterOptions

    def describe(self) -> str:
        op = self.options
        times = "times" if op.at_least != 1 else "time"
        if op.clock == "macs":
            return f"{op.run} trains with more than {op.at_least:g} {times} fewer MACs than {op.than} (counted training MACs)"
        clock = "CPU" if op.clock == "cpu" else "wall-clock"
        return f"{op.run} trains more than {op.at_least:g} {times} faster than {op.than} ({clock} training time)"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        run_times, than_times = evidence.times.get(op.run, {}), evidence.times.get(op.than, {})
        seeds = sorted(set(run_times) & set(than_times))
        if not seeds:
            return untestable(f"no seed at which both {op.run} and {op.than} are trained")
        clock = op.clock
        notes = []
        if clock == "macs" and any(t.macs is None for s in seeds for t in (run_times[s], than_times[s])):
            return untestable(f"training MACs not counted for some cells of {op.run} or {op.than} (trained before nasbench-rss counted them)")
        if clock == "cpu" and any(t.cpu_seconds is None for s in seeds for t in (run_times[s], than_times[s])):
            clock = "wall"
            notes.append("CPU time not recorded for these cells: wall-clock time used")
        key = {"cpu": lambda t: t.cpu_seconds, "wall": lambda t: t.wall_seconds, "macs": lambda t: t.macs}[clock]
        ratios = {s: key(than_times[s]) / key(run_times[s]) for s in seeds}
        wall = {s: than_times[s].wall_seconds / run_times[s].wall_seconds for s in seeds}
        contended = sum(run_times[s].contended_epochs + than_times[s].contended_epochs for s in seeds)
        if contended and clock != "macs":
            notes.append(f"{contended} contended epoch(s) in these cells (other work on the machine): wall-clock ratio {_geo(wall):.2f}")
        estimate = _geo(ratios)
        logs = {s: math.log(r) for s, r in ratios.items()}
        test = seed_test(logs, math.log(op.at_least), "greater")
        if len(seeds) < 2:
            notes.append("one seed: a cost has no subnet-level test, so the claim is not tested")
        return ClaimTest(
            statistic=f"{'training MACs' if clock == 'macs' else clock + ' time'} ratio {op.than}/{op.run} {estimate:.2f} (claimed > {op.at_least:g}; geometric mean over seeds)",
            estimate=estimate,
            p_for=test.p_for,
            p_against=test.p_against,
            basis=seed_basis(len(seeds)) if len(seeds) >= 2 else "one seed: no test (a time has no subnet level)",
            seeds=seeds,
            per_seed=ratios,
            subnet_level={"wall_ratio": _geo(wall), "clock": clock},
            note="; ".join(notes) or None,
        )


def _geo(ratios: dict[int, float]) -> float:
    return math.exp(float(np.mean([math.log(r) for r in ratios.values()]))) if ratios else math.nan
