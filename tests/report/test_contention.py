"""The contention rule: an epoch far below its cell's median CPU utilisation, below its threads' worth (CPU cells), or under a load above the usable CPUs (GPU cells)."""

from __future__ import annotations

import pytest

from nasbench_rss.analysis.contention import CONTENDED_UTILISATION_SHARE, EpochTime, contention


def epochs(*rows: tuple[float, float | None, float | None], threads: int | None = None) -> list[EpochTime]:
    return [EpochTime(index, wall, cpu, load, threads=threads) for index, (wall, cpu, load) in enumerate(rows)]


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


def test_a_gpu_cell_under_a_load_a_whole_process_above_the_usable_cpus_is_contended():
    checked = contention(epochs((10.0, 9.0, 1.5), (30.0, 27.0, 3.5), (10.0, 9.0, 2.9)), cpu_count=2, device_type="cuda")
    [flagged] = checked["contended"]  # 2.9 on 2 CPUs is less than one process more
    assert (flagged["epoch"], flagged["rules"], flagged["load_average"]) == (1, ["load"], 3.5)
    assert flagged["reason"] == "load average 3.50 is at least 1 above the 2 usable CPUs"
    assert checked["contended_share"] == pytest.approx(30.0 / 50.0)
    assert contention(epochs((10.0, 9.0, 3.5)), cpu_count=None, device_type="cuda")["contended"] == []  # no CPU count: no load rule


def test_a_cpu_cell_that_gets_its_threads_worth_is_not_contended_whatever_the_load():
    # --jobs 2 on 2 cores, one thread each: the load sits at 2 or above, each cell keeps its core busy.
    assert contention(epochs((10.0, 9.9, 2.07), (10.0, 9.8, 3.3), threads=1), cpu_count=2)["contended"] == []


def test_a_cpu_cell_contended_all_along_falls_below_its_threads():
    # Every epoch got half a core: the cell's own median is as low, only the threads rule sees it.
    checked = contention(epochs((10.0, 5.0, 3.0), (10.0, 5.1, 3.0), (10.0, 4.9, 3.0), threads=1), cpu_count=2)
    assert [f["rules"] for f in checked["contended"]] == [["threads"]] * 3
    assert checked["contended"][0]["reason"] == "CPU utilisation 0.50 is below 0.75 of the 1 thread(s) it ran"
    # Two threads on two usable CPUs should keep about 2 CPUs busy; 1.2 of them is contended.
    assert [f["epoch"] for f in contention(epochs((10.0, 12.0, None), threads=2), cpu_count=2)["contended"]] == [0]
    assert contention(epochs((10.0, 12.0, None), threads=4), cpu_count=1)["contended"] == []  # capped at the usable CPUs


def test_epochs_without_cpu_time_are_not_recorded_not_clean():
    checked = contention(epochs((10.0, None, None), (50.0, None, None)), cpu_count=None)
    assert checked["recorded"] == "not recorded" and checked["contended"] == [] and checked["contended_share"] is None
    assert contention(epochs((10.0, 9.0, 1.0), (10.0, None, None)), cpu_count=2)["recorded"] == "partly recorded"
