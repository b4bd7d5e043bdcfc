"""The contention rule: an epoch far below its cell's median CPU utilisation, or under a load above the usable CPUs."""

from __future__ import annotations

import pytest

from nasbench_rss.report.contention import CONTENDED_UTILISATION_SHARE, EpochTime, contention


def epochs(*rows: tuple[float, float | None, float | None]) -> list[EpochTime]:
    return [EpochTime(index, wall, cpu, load) for index, (wall, cpu, load) in enumerate(rows)]


def test_an_epoch_far_below_the_cells_median_utilisation_is_contended():
    checked = contention(epochs((10.0, 9.0, 1.0), (10.0, 9.0, 1.0), (10.0, 4.0, None), (10.0, 9.2, 1.0)), cpu_count=2)
    assert checked["recorded"] == "recorded" and checked["median_utilisation"] == pytest.approx(0.9)
    [flagged] = checked["contended"]
    assert (flagged["epoch"], flagged["rules"], flagged["utilisation"]) == (2, ["utilisation"], pytest.approx(0.4))
    assert flagged["reason"] == "CPU utilisation 0.40 is below 0.75 of the cell's median 0.90"
    assert checked["contended_seconds"] == 10.0 and checked["contended_share"] == pytest.approx(0.25)


def test_utilisation_just_above_the_threshold_is_not_contended():
    median = 1.0
    cpu = CONTENDED_UTILISATION_SHARE * median * 10.0 + 0.01
    assert contention(epochs((10.0, 10.0, None), (10.0, cpu, None), (10.0, 10.0, None)), cpu_count=2)["contended"] == []


def test_a_load_above_the_usable_cpus_is_contended_even_at_the_usual_utilisation():
    checked = contention(epochs((10.0, 9.0, 1.5), (30.0, 27.0, 3.5), (10.0, 9.0, 2.0)), cpu_count=2)
    [flagged] = checked["contended"]  # a load of exactly 2 on 2 CPUs is not above them
    assert (flagged["epoch"], flagged["rules"], flagged["load_average"]) == (1, ["load"], 3.5)
    assert flagged["reason"] == "load average 3.50 exceeds the 2 usable CPUs"
    assert checked["contended_share"] == pytest.approx(30.0 / 50.0)
    assert contention(epochs((10.0, 9.0, 3.5)), cpu_count=None)["contended"] == []  # no CPU count: no load rule


def test_epochs_without_cpu_time_are_not_recorded_not_clean():
    checked = contention(epochs((10.0, None, None), (50.0, None, None)), cpu_count=None)
    assert checked["recorded"] == "not recorded" and checked["contended"] == [] and checked["contended_share"] is None
    assert contention(epochs((10.0, 9.0, 1.0), (10.0, None, None)), cpu_count=2)["recorded"] == "partly recorded"
