"""Learning curves and convergence: how a run's population accuracy moved with the training work spent.

A cell evaluated with ``evaluation.during`` records its curve in ``evaluation.json``
(:mod:`nasbench_rss.evaluate.curve`): the panel (the first subnets of each bucket's list)
measured at fractions of training and at the end, each point with the training MACs spent.
Here a curve is read into per-bucket panel means, and two questions are answered from it:

- **Has the population converged?**  A seed's *gain over the last quarter* is the panel's
  mean accuracy at the end minus its mean accuracy a quarter of the way back (interpolated
  linearly in epochs between the two points around it).  The quarter is of the span of
  training that trains the final population's space: the whole run for a one-phase
  sampler; for a sampler that grows its space in phases (progressive shrinking) the
  trailing phases with the last phase's kernel, expand and depth choices, because the
  step into a phase that trains new subnets raises the population by construction and
  says nothing about whether training of the final kind had stopped paying.  Only points
  inside that span are used.  A run has converged when the mean gain over its seeds is
  below the suite's threshold (``evaluation.during.converged_below``, accuracy points);
  the interval beside it is a t-interval over the seeds (95%, df = seeds - 1).
- **What is the accuracy at a given cost?**  :func:`accuracy_at_macs` interpolates a curve
  linearly in log MACs (accuracy against the logarithm of training MACs between the two
  measured points around it; never extrapolated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy import stats

from nasbench_rss.config.evaluation import CONVERGENCE_WINDOW
from nasbench_rss.run.results import CellRecord

LEVEL = 0.95
"""Confidence level of the gain's interval over seeds."""


@dataclass(frozen=True)
class CurvePoint:
    """One measured point: after ``epochs`` epochs (``fraction`` of them), ``macs`` spent, panel mean per bucket."""

    epochs: int
    fraction: float
    macs: float | None
    accuracy: dict[str, float]
    """Bucket label -> mean accuracy of the panel's subnets there (NaN accuracies left out)."""

    def mean(self, labels: Sequence[str]) -> float:
        """Mean over ``labels`` of the per-bucket means (NaN when a label has none)."""
        values = [self.accuracy.get(label, math.nan) for label in labels]
        return float(np.mean(values)) if values else math.nan


@dataclass(frozen=True)
class Curve:
    """One cell's learning curve: its measured points in order and those it lacks, with why."""

    points: list[CurvePoint]
    missing: list[tuple[int, str]]
    per_bucket: int
    converged_below: float
    """The suite's threshold, accuracy points."""
    seconds: float
    """Seconds the evaluation spent on the curve's points (the end point is the population's own)."""
    macs: float | None = None
    """The curve's evaluation MACs (its points but the end, ``EVALUATION_MACS_DEFINITION``); None: not recorded."""
    span_start: int = 0
    """Epochs before the span that trains the final space (0: the whole run; see the module docstring)."""
    span: str = "its training"
    """That span in words."""

    def window_start(self) -> float:
        """The epoch (fractional) where the last quarter of the span that trains the final space begins."""
        total = self.points[-1].epochs if self.points else 0
        return total - CONVERGENCE_WINDOW * (total - self.span_start)

    def labels(self) -> list[str]:
        """Buckets measured at every point, in the end point's order."""
        if not self.points:
            return []
        return [label for label in self.points[-1].accuracy if all(label in p.accuracy for p in self.points)]


def cell_curve(cell: CellRecord) -> Curve | None:
    """The curve in the cell's (checked) ``evaluation.json``, None without one."""
    raw = (cell.population or {}).get("curve")
    if not isinstance(raw, dict):
        return None
    points, missing = [], []
    for entry in raw.get("points", []):
        if entry.get("status") != "measured":
            missing.append((int(entry["epochs"]), str(entry.get("reason") or "not measured")))
            continue
        accuracy = {}
        for label, subnets in entry.get("buckets", {}).items():
            values = [float(s["accuracy"]) for s in subnets if s.get("accuracy") is not None and not math.isnan(float(s["accuracy"]))]
            if values:
                accuracy[label] = float(np.mean(values))
        macs = entry.get("train_macs")
        points.append(CurvePoint(int(entry["epochs"]), float(entry["fraction"]), None if macs is None else float(macs), accuracy))
    total = points[-1].epochs if points else 0
    start, span = final_span(((cell.result or {}).get("sampler") or {}).get("phases"), total)
    macs = raw.get("macs")
    if macs is None:  # written before the evaluation counted it: the same count from the points' records
        macs = _curve_macs(raw, cell.population or {})
    return Curve(
        points, missing, int(raw["per_bucket"]), float(raw["converged_below"]), float(raw.get("seconds", 0.0)),
        None if macs is None else float(macs), start, span,
    )  # fmt: skip


def _curve_macs(raw: dict[str, Any], evaluation: dict[str, Any]) -> float | None:
    """The curve's evaluation MACs from its measured points but the end: each panel subnet's MFLOPs x (calibration + test images)."""
    images = (evaluation.get("calibration_images") or 0) + (evaluation.get("test_images") or 0)
    points = [p for p in raw.get("points", []) if p.get("status") == "measured"][:-1]
    if not images:
        return None
    return sum(s.get("mflops", 0.0) * 1e6 * images for p in points for subnets in p.get("buckets", {}).values() for s in subnets)


CHOICES = ("kernel_choices", "expand_choices", "depth_choices")


def final_span(phases: Any, total: int) -> tuple[int, str]:
    """(epochs before the span that trains the final space, the span in words) from a result's sampler phases.

    The span is the trailing phases whose choices equal the last phase's; a phase that does
    not state its choices (a plugin's) is a span of its own.
    """
    if not isinstance(phases, list) or len(phases) < 2 or not all(isinstance(p, dict) and isinstance(p.get("epochs"), int) for p in phases):
        return 0, "its training"

    def space(phase: dict[str, Any]) -> tuple[Any, ...] | None:
        choices = tuple(tuple(phase[key]) if isinstance(phase.get(key), list) else None for key in CHOICES)
        return None if None in choices else choices

    span = [phases[-1]]
    while len(span) < len(phases) and space(span[-1]) is not None and space(phases[-len(span) - 1]) == space(span[-1]):
        span.append(phases[-len(span) - 1])
    start = max(0, total - sum(p["epochs"] for p in span))
    if start == 0:
        return 0, "its training"
    names = ", ".join(str(p.get("name")) for p in reversed(span))
    return start, f"its final phase{'s' if len(span) > 1 else ''} ({names}: epochs {start + 1}-{total})"


def curves(cells: list[CellRecord]) -> dict[tuple[str, str, str], dict[int, Curve]]:
    """(arch, dataset, run) -> seed -> curve, for the evaluated cells that measured one."""
    out: dict[tuple[str, str, str], dict[int, Curve]] = {}
    for cell in cells:
        curve = cell_curve(cell)
        if curve is not None:
            out.setdefault((cell.arch, cell.dataset, cell.run), {})[cell.seed] = curve
    return out


def accuracy_at_epochs(curve: Curve, epochs: float, labels: Sequence[str], since: int = 0) -> float | None:
    """Mean panel accuracy over ``labels`` after ``epochs`` epochs, linear between the points around it (only points
    after ``since`` epochs); None outside them."""
    kept = [p for p in curve.points if p.epochs >= since]
    return _interpolate([p.epochs for p in kept], [p.mean(labels) for p in kept], epochs)


def accuracy_at_macs(curve: Curve, macs: float, labels: Sequence[str]) -> float | None:
    """Mean panel accuracy over ``labels`` after ``macs`` training MACs, linear in log MACs; None outside the curve."""
    counted = [p for p in curve.points if p.macs is not None and p.macs > 0]
    if len(counted) < len(curve.points) or macs <= 0:
        return None
    return _interpolate([math.log(p.macs) for p in counted], [p.mean(labels) for p in counted], math.log(macs))


def _interpolate(xs: list[float], ys: list[float], x: float) -> float | None:
    """Linear interpolation of (xs, ys) at x (xs increasing); None outside [xs[0], xs[-1]] or on NaN."""
    if not xs or x < xs[0] - 1e-12 or x > xs[-1] + 1e-12:
        return None
    value = float(np.interp(x, xs, ys))
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class Convergence:
    """Whether one run's population had stopped improving: its seeds' gains over the last quarter of training."""

    run: str
    gains: dict[int, float]
    """Seed -> gain (accuracy as a fraction) over the last quarter."""
    threshold: float
    """Accuracy points."""
    low: float
    high: float
    problem: str | None = None
    """Why the rule could not be applied (no curve, no point before the last quarter), or None."""
    span: str = "its training"
    """The span whose last quarter is judged (:func:`final_span`)."""

    @property
    def mean(self) -> float:
        return float(np.mean(list(self.gains.values()))) if self.gains else math.nan

    @property
    def converged(self) -> bool | None:
        """True/False by the rule; None when it could not be applied."""
        if self.problem is not None or not self.gains:
            return None
        return self.mean * 100 < self.threshold

    def words(self) -> str:
        """``rss gained +4.1 pp over its last quarter [2.0, 6.2] (3 seeds; converged below 1.0 pp)``."""
        if self.converged is None:
            return f"{self.run}: convergence unknown ({self.problem or 'no curve'})"
        interval = f" [{self.low * 100:+.1f}, {self.high * 100:+.1f}]" if len(self.gains) > 1 else ""
        seeds = f"{len(self.gains)} seed{'s' if len(self.gains) != 1 else ''}"
        quarter = "its last quarter" if self.span == "its training" else f"the last quarter of {self.span}"
        return f"{self.run} gained {self.mean * 100:+.1f} pp over {quarter}{interval} ({seeds}; converged below {self.threshold:g} pp)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "converged": self.converged,
            "gain": self.mean,
            "low": self.low,
            "high": self.high,
            "level": LEVEL,
            "threshold_pp": self.threshold,
            "gains": {str(seed): gain for seed, gain in sorted(self.gains.items())},
            "problem": self.problem,
            "span": self.span,
            "words": self.words(),
        }


def convergence(run: str, by_seed: dict[int, Curve]) -> Convergence:
    """The convergence rule (module docstring) applied to one run's curves, one per seed."""
    if not by_seed:
        return Convergence(run, {}, math.nan, math.nan, math.nan, "no learning curve measured (evaluation.during not set)")
    threshold = next(iter(by_seed.values())).converged_below
    gains, lacking = {}, []
    first = next(iter(by_seed.values()))
    for seed, curve in sorted(by_seed.items()):
        labels = curve.labels()
        start = accuracy_at_epochs(curve, curve.window_start(), labels, since=curve.span_start)
        if start is None or not curve.points or curve.points[-1].fraction != 1.0:
            lacking.append(seed)
            continue
        gains[seed] = curve.points[-1].mean(labels) - start
    if lacking:
        seeds = f"seed{'s' if len(lacking) > 1 else ''} {', '.join(map(str, lacking))}"
        window = first.window_start()
        where = f"between epochs {first.span_start} and {window:g}" if first.span_start else f"at or before epoch {window:g}"
        problem = f"{seeds}: no measured point {where}, 3/4 into {first.span} (add a fraction there to evaluation.during.at)"
        return Convergence(run, gains, threshold, math.nan, math.nan, problem, first.span)
    low, high = _t_interval(list(gains.values()))
    return Convergence(run, gains, threshold, low, high, span=first.span)


def _t_interval(values: list[float]) -> tuple[float, float]:
    """The mean's two-sided t-interval at ``LEVEL`` (NaN bounds for fewer than two values)."""
    if len(values) < 2:
        return math.nan, math.nan
    mean, sem = float(np.mean(values)), float(np.std(values, ddof=1) / math.sqrt(len(values)))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, len(values) - 1)) * sem
    return mean - half, mean + half
