"""Training-time ratios between a baseline and a run, paired by training seed."""

from __future__ import annotations

import math
from typing import Hashable, Mapping

from nasbench_rss.stats.bootstrap import Interval, mean_ci
from nasbench_rss.stats.checks import StatsError


def time_ratio(
    baseline_seconds: Mapping[int, float],
    run_seconds: Mapping[int, float],
    seed: int,
    level: float = 0.95,
    resamples: int = 10_000,
) -> Interval:
    """Mean over shared training seeds of ``baseline_s / run_s`` (> 1: the run is faster).

    Paired by seed because cells with one seed share data order and initialisation, and
    usually run side by side, so their ratio cancels much of what makes wall time noisy.
    Only seeds present in both mappings count; the interval resamples seeds (one shared
    seed: NaN bounds, as :func:`mean_ci`).  ``seed`` seeds the bootstrap, not training.
    """
    for name, mapping in (("baseline_seconds", baseline_seconds), ("run_seconds", run_seconds)):
        if not isinstance(mapping, Mapping):
            raise StatsError(f"{name} must be a mapping of training seed -> seconds; got {type(mapping).__name__}")
    shared = _sorted_keys(set(baseline_seconds) & set(run_seconds))
    if not shared:
        raise StatsError(
            "baseline_seconds and run_seconds share no training seed, so no ratio can be paired; "
            f"baseline has seeds {_sorted_keys(set(baseline_seconds))}, run has {_sorted_keys(set(run_seconds))}"
        )
    ratios = []
    for training_seed in shared:
        base = _seconds(baseline_seconds[training_seed], "baseline_seconds", training_seed)
        run = _seconds(run_seconds[training_seed], "run_seconds", training_seed)
        ratios.append(base / run)
    return mean_ci(ratios, seed, level, resamples)


def _seconds(value: object, name: str, training_seed: Hashable) -> float:
    """A positive finite duration; zero or negative time cannot be a denominator or a measurement."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not (math.isfinite(seconds) and seconds > 0):
        raise StatsError(f"{name}[{training_seed!r}] must be a positive finite number of seconds; got {value!r}")
    return seconds


def _sorted_keys(keys: set) -> list:
    """Keys in a deterministic order (the bootstrap depends on it), mixed types included."""
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=repr)
