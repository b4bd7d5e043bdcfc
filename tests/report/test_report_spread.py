"""The whole-population spread, the exposure over the whole FLOPs range and the accuracy
profile across buckets: report.json holds the statistics of the fixture's planted values,
the reports show them, and partial runs give what is there."""

from __future__ import annotations

import math

import pytest
from tests.report.helpers import RESAMPLES, find, has_row, load_json, markdown_rows
from tests.report.run_fixture import BUCKETS, UNREACHABLE, Fixture, default_exposure, fixture_values, write_run

from nasbench_rss.report import format as fmt
from nasbench_rss.report import write_report
from nasbench_rss.report.exposure_range import FROM_FACTS, FROM_TRAINED, SMOOTHING_BANDWIDTH
from nasbench_rss.report.spread import TOP_K
from nasbench_rss.stats import describe, exposure_histogram, mean_ci, smoothed_exposure

EVALUATED = [f"{b:g}" for b in BUCKETS if f"{b:g}" != UNREACHABLE]
ALL_CELLS = {f"{run}/seed{seed}" for run in ("ofa", "rss", "rss-short") for seed in (0, 1)}


def report(tmp_path, registry, fixture: Fixture, formats=("md", "json", "html")):
    run_dir = write_run(tmp_path / "run", fixture)
    paths = write_report(run_dir, formats=formats, resamples=RESAMPLES, registry=registry)
    out = run_dir / "report"
    return paths, load_json(out / "report.json"), (out / "report.md").read_text()


def ci(values):
    return mean_ci(values, seed=0, resamples=RESAMPLES).to_dict()


def same_interval(got, expected):
    assert got["estimate"] == pytest.approx(expected["estimate"])
    for key in ("low", "high"):
        if expected[key] is None or not math.isfinite(expected[key]):
            assert got[key] is None
        else:
            assert got[key] == pytest.approx(expected[key])
    assert got["n"] == expected["n"]


# ------------------------------------------------------------------ spread


def test_spread_is_the_whole_population_per_seed_then_the_mean_over_seeds(tmp_path, registry):
    fixture = Fixture()
    _, data, markdown = report(tmp_path, registry, fixture)
    for run in ("ofa", "rss", "rss-short"):
        entry = find(data["spread"], run=run)
        assert entry["seeds"] == [0, 1] and entry["k"] == TOP_K and entry["interval_note"] is None
        expected = {}
        for seed_entry in entry["per_seed"]:
            values = [v for b in EVALUATED for v in fixture_values(fixture, run, seed_entry["seed"], b)]
            ordered = sorted(values)
            summary = describe(values)
            want = {
                "n": len(values), "k": TOP_K, "mean": summary.mean, "variance": summary.var, "std": summary.std,
                "best_k_mean": sum(ordered[-TOP_K:]) / TOP_K, "worst_k_mean": sum(ordered[:TOP_K]) / TOP_K,
                "best": max(values), "worst": min(values), "range": max(values) - min(values),
            }
            assert {k: seed_entry[k] for k in want} == pytest.approx(want)
            assert seed_entry["buckets"] == EVALUATED and seed_entry["note"] is None
            for name, value in want.items():
                expected.setdefault(name, []).append(value)
        for name in ("mean", "variance", "std", "best_k_mean", "worst_k_mean", "range"):
            same_interval(entry["across_seeds"][name], ci(expected[name]))
        a = entry["across_seeds"]
        assert has_row(
            markdown_rows(markdown), run, "0, 1", "30, 30", "5, 5", fmt.percent(a["std"]["estimate"]),
            fmt.interval(a["std"], fmt.percent), fmt.percent(a["range"]["estimate"]), fmt.interval(a["range"], fmt.percent),
        )
    # rss is steadier than ofa in the planted data: a smaller range.
    steady = report(tmp_path / "steady", registry, Fixture(accuracy=_steadier))[1]
    assert find(steady["spread"], run="rss")["across_seeds"]["range"]["estimate"] < find(steady["spread"], run="ofa")["across_seeds"]["range"]["estimate"]
    assert "## Whole-population spread" in markdown


def _steadier(run, seed, bucket, index):
    base = 0.6 + 0.02 * BUCKETS.index(int(bucket)) + 0.01 * index + 0.001 * seed
    return base if run == "ofa" else 0.7 + 0.3 * (base - 0.6)


def _sparse(run, seed, bucket, index):
    """Seed 0 keeps 3 subnets, seed 1 one subnet (the others did not evaluate: null accuracy)."""
    keep = {0: {("4", 0), ("8", 1), ("12", 2)}, 1: {("6", 3)}}[seed]
    return 0.5 + 0.1 * index + 0.001 * BUCKETS.index(int(bucket)) if (bucket, index) in keep else None


def test_small_populations_use_fewer_than_k_and_say_so(tmp_path, registry):
    _, data, markdown = report(tmp_path, registry, Fixture(accuracy=_sparse))
    entry = find(data["spread"], run="rss")
    first, second = entry["per_seed"]
    assert (first["n"], first["k"], second["n"], second["k"]) == (3, 3, 1, 1)
    assert first["best_k_mean"] == first["worst_k_mean"] == pytest.approx(first["mean"])
    assert "3 subnets, so best and worst k = 3 (fewer than 5)" in first["note"]
    assert second["variance"] is None and second["std"] is None and second["range"] == 0.0
    assert entry["across_seeds"]["variance"]["n"] == 1  # only seed 0 has a variance
    assert any("variance: mean over 1 of 2 seeds" in note for note in entry["notes"])
    assert any("different buckets" in note for note in entry["notes"])
    assert "fewer than 5" in markdown


def test_one_seed_has_no_interval_and_says_one_seed(tmp_path, registry):
    fixture = Fixture(seeds=(0,))
    _, data, markdown = report(tmp_path, registry, fixture)
    entry = find(data["spread"], run="rss")
    assert entry["seeds"] == [0] and entry["interval_note"].startswith("one seed")
    assert entry["across_seeds"]["range"]["low"] is None and entry["across_seeds"]["range"]["high"] is None
    assert has_row(markdown_rows(markdown), "rss", "0", "30", "5", fmt.percent(entry["across_seeds"]["std"]["estimate"]), "one seed")
    profile = find(data["accuracy_profile"], run="rss")
    assert profile["note"].startswith("one seed")
    for bucket in EVALUATED:
        values = fixture_values(fixture, "rss", 0, bucket)
        assert profile["mean"][bucket]["estimate"] == pytest.approx(sum(values) / len(values))
        assert profile["mean"][bucket]["low"] is None


# ------------------------------------------------------------------ exposure over the whole range


def _planted_exposure(run, seed):
    """Known bins: 3.6 (bin 4), 4.5 (bin 5, not bucket 4's bin), 8.0 (bin 8), 12.9 (the largest subnet: bin 13), 20.0 (above)."""
    steps = {"ofa": (1, 2, 3, 10 + seed, 4), "rss": (5, 5, 5, 5, 0), "rss-short": (0, 0, 7, 0, 0)}[run]
    mflops = (3.6, 4.5, 8.0, 12.9, 20.0)
    return [{"encoding": f"e{m}", "mflops": m, "steps": n} for m, n in zip(mflops, steps)]


def test_exposure_histogram_covers_the_whole_range_with_the_largest_subnet_in_the_last_bin(tmp_path, registry):
    paths, data, markdown = report(tmp_path, registry, Fixture(exposure_subnets=_planted_exposure))
    entry = find(data["exposure_range"], run="ofa")
    assert (entry["low"], entry["high"], entry["width"], entry["range_source"]) == (3.0, 13.0, 1.0, FROM_FACTS)
    assert entry["labels"] == [str(k) for k in range(3, 14)]
    for seed_entry in entry["per_seed"]:
        seed = seed_entry["seed"]
        by_label = dict(zip(seed_entry["labels"], seed_entry["steps"]))
        assert (by_label["4"], by_label["5"], by_label["8"], by_label["13"]) == (1, 2, 3, 10 + seed)
        assert seed_entry["above"] == 4 and seed_entry["below"] == 0 and seed_entry["total_steps"] == 20 + seed
        rows = [(s["mflops"], s["steps"]) for s in _planted_exposure("ofa", seed)]
        assert seed_entry["shares"] == pytest.approx(list(exposure_histogram(rows, 3, 13).shares))
        assert seed_entry["smoothed"] == pytest.approx(smoothed_exposure(rows, BUCKETS, SMOOTHING_BANDWIDTH))
    assert entry["shares"][entry["labels"].index("13")] == pytest.approx((10 / 20 + 11 / 21) / 2)
    assert entry["above_share"] == pytest.approx((4 / 20 + 4 / 21) / 2)
    # The bucket shares call the largest subnet "outside"; here it has its bin.
    assert find(data["exposure"], run="ofa")["per_seed"][0]["shares"]["outside"] == pytest.approx(14 / 20)
    single = find(data["exposure_range"], run="rss-short")
    assert single["shares"][single["labels"].index("8")] == 1.0 and sum(single["shares"]) == 1.0
    assert single["smoothed"]["shares"]["8"] == max(single["smoothed"]["shares"].values())
    assert sum(single["smoothed"]["shares"].values()) == pytest.approx(1.0)

    rows = markdown_rows(markdown)
    assert has_row(rows, "ofa", "0, 1", "4", "13", fmt.share(entry["shares"][10]), fmt.share(0.0), fmt.share(entry["above_share"]))
    assert has_row(rows, "13", fmt.share(entry["shares"][10]))
    assert "exposure_range.png" in {p.name for p in paths} and "](exposure_range.png)" in markdown


def test_exposure_range_comes_from_the_trained_subnets_before_any_evaluation(tmp_path, registry):
    _, data, markdown = report(tmp_path, registry, Fixture(unevaluated=ALL_CELLS))
    entry = find(data["exposure_range"], run="rss")
    assert entry["range_source"] == FROM_TRAINED
    mflops = [s["mflops"] for s in default_exposure("rss")]
    assert (entry["low"], entry["high"]) == (math.floor(min(mflops)), math.ceil(max(mflops)))
    assert entry["above_share"] == 0.0 and entry["shares"][-1] > 0  # the 20-MFLOP subnet is in the last bin
    assert data["spread"] == [] and data["accuracy_profile"] == []
    assert "## Exposure over the whole FLOPs range" in markdown and "## Whole-population spread" not in markdown


# ------------------------------------------------------------------ accuracy profile


def _peaked(run, seed, bucket, index):
    """ofa peaks at 12 in both seeds; rss at 6 in seed 0 and at 8 (falling off faster) in seed 1, 8 on the mean."""
    peak, height, slope = {"ofa": (12, 0.8, 0.01), "rss": (6, 0.80, 0.01) if seed == 0 else (8, 0.90, 0.03), "rss-short": (4, 0.8, 0.01)}[run]
    return height - slope * abs(int(bucket) - peak) + 0.001 * index


def test_profile_means_peaks_and_seed_agreement(tmp_path, registry):
    fixture = Fixture(accuracy=_peaked)
    _, data, markdown = report(tmp_path, registry, fixture)
    for run in ("ofa", "rss", "rss-short"):
        entry = find(data["accuracy_profile"], run=run)
        assert entry["buckets"] == EVALUATED and entry["targets"] == [float(b) for b in EVALUATED]
        assert entry["incomplete_buckets"] == [] and entry["note"] is None
        for bucket in EVALUATED:
            seed_means = [sum(fixture_values(fixture, run, s, bucket)) / 6 for s in (0, 1)]
            assert [e["means"][bucket] for e in entry["per_seed"]] == pytest.approx(seed_means)
            same_interval(entry["mean"][bucket], ci(seed_means))
            accuracy = find(data["accuracy"], run=run, bucket=bucket)["mean_of_seed_means"]
            assert entry["mean"][bucket]["estimate"] == pytest.approx(accuracy["estimate"])
    ofa, rss = find(data["accuracy_profile"], run="ofa"), find(data["accuracy_profile"], run="rss")
    assert (ofa["peak"], ofa["seed_peaks"], ofa["seeds_agree_on_peak"]) == ("12", ["12", "12"], True)
    assert (rss["peak"], rss["seed_peaks"], rss["seeds_agree_on_peak"]) == ("8", ["6", "8"], False)
    assert rss["peak_ties"] == ["8"]
    assert has_row(markdown_rows(markdown), "rss", "0, 1", *(fmt.percent(rss["mean"][b]["estimate"]) for b in EVALUATED), "8", "6, 8", "no")


def test_partial_run_gives_each_section_what_is_there(tmp_path, registry):
    fixture = Fixture(pending={"rss/seed1"}, failed={"rss-short/seed1"}, unevaluated={"ofa/seed1"})
    _, data, markdown = report(tmp_path, registry, fixture)
    assert find(data["spread"], run="rss")["seeds"] == [0]
    assert find(data["spread"], run="ofa")["seeds"] == [0]
    assert find(data["accuracy_profile"], run="rss-short")["seeds"] == [0]
    assert find(data["exposure_range"], run="ofa")["seeds"] == [0, 1]  # trained but not evaluated still has exposure
    assert find(data["exposure_range"], run="rss")["seeds"] == [0]
    assert "one seed" in markdown


def test_a_tied_peak_is_the_first_bucket_by_target_and_lists_the_ties():
    from nasbench_rss.analysis.populations import Bootstrap, Subnet
    from nasbench_rss.report.profile import accuracy_profile

    def subnets(label, values):
        return [Subnet(label, i, f"{label}-{i}", float(label), v) for i, v in enumerate(values)]

    pops = {("a", "d", "r"): {0: {"8": subnets("8", [0.7, 0.9]), "4": subnets("4", [0.8]), "6": subnets("6", [0.5])}}}
    facts = [{"arch": "a", "dataset": "d", "buckets": [{"label": label, "target": float(label)} for label in ("8", "6", "4", "10")]}]
    (entry,) = accuracy_profile(pops, [("a", "d")], ["r", "absent"], facts, Bootstrap(resamples=RESAMPLES))
    assert entry["buckets"] == ["4", "6", "8"] and entry["targets"] == [4.0, 6.0, 8.0]
    assert entry["peak"] == "4" and entry["peak_ties"] == ["4", "8"] and entry["seed_peaks"] == ["4"]
    assert entry["per_seed"][0]["n"] == {"4": 1, "6": 1, "8": 2}
