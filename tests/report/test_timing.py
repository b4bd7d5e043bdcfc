"""Training-time ratios that a busy machine cannot fake: contended epochs, CPU-time ratios, general pairs."""

from __future__ import annotations

import json

import pytest
from tests.report.helpers import RESAMPLES, find, has_row, load_json, markdown_rows
from tests.report.run_fixture import CPU_COUNT, Fixture, rss_short_contended, seconds, steady, write_run

from nasbench_rss.report import analyse, write_report
from nasbench_rss.analysis.contention import CONTENDED_UTILISATION_SHARE
from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.populations import Bootstrap
from nasbench_rss.analysis.times import cell_timings
from nasbench_rss.report.timing import claim_ratio, pair_ratio, training_time
from nasbench_rss.run.results import open_run
from nasbench_rss.stats import time_ratio

BOOTSTRAP = Bootstrap(seed=0, resamples=RESAMPLES)


@pytest.fixture(scope="module")
def contaminated(tmp_path_factory, registry):
    """rss-short's middle epoch waited 20x for the cores: its wall time exceeds ofa's, its CPU time does not."""
    run_dir = write_run(tmp_path_factory.mktemp("contended") / "run", Fixture(timing=rss_short_contended))
    write_report(run_dir, resamples=RESAMPLES, registry=registry)
    out = run_dir / "report"
    return load_json(out / "report.json"), (out / "report.md").read_text()


def test_a_contaminated_wall_ratio_is_reported_with_the_clean_cpu_ratio(contaminated):
    data, _ = contaminated
    timing = data["training_time"]
    ratio = find(timing["ratios"], run="rss-short")
    assert ratio["total"]["estimate"] < 1  # the wall clock says rss-short was slower
    ofa_cpu = {s: 0.95 * seconds("ofa", s) for s in (0, 1)}
    short_cpu = {s: 0.95 * seconds("rss-short", s) for s in (0, 1)}
    expected = time_ratio(ofa_cpu, short_cpu, seed=0, resamples=RESAMPLES)
    assert ratio["cpu_seeds"] == [0, 1] and ratio["cpu_total"]["estimate"] == pytest.approx(expected.estimate)
    contended = ratio["contended"]
    assert contended["rests_on_contended"] is True and contended["recorded"] == "recorded"
    assert [(c["run"], c["seed"], c["contended_epochs"]) for c in contended["cells"]] == [("rss-short", 0, 1), ("rss-short", 1, 1)]
    assert contended["cells"][0]["contended_share"] == pytest.approx(20 / 22)
    cell = find(timing["cells"], run="rss-short", seed=0)
    [epoch] = cell["contention"]["contended"]
    assert epoch["epoch"] == 1 and epoch["rules"] == ["utilisation", "threads"] and epoch["load_average"] == 5.0
    assert claim_ratio(ratio)["basis"] == "cpu" and claim_ratio(ratio)["faster"] is True

    findings = data["findings"]
    sentence = next(s for s in findings if s.startswith("rss-short trained"))
    assert sentence.startswith(
        "rss-short trained 6.15x faster than ofa on synthetic (mobilenet-v3) by CPU time (95% CI [6.00, 6.30] over 2 seeds); "
        f"the wall-clock ratio {ratio['total']['estimate']:.2f}x"
    )
    assert "rests on contended epochs (rss-short seed 0: 1 of 3 epochs, 90.9% of its wall time; rss-short seed 1: 1 of 3" in sentence
    assert not any("rss-short trained slower" in s for s in findings)

    clean = find(timing["ratios"], run="rss")
    assert clean["contended"]["rests_on_contended"] is False and claim_ratio(clean)["basis"] == "wall"
    assert any(s.startswith("rss trained 1.95x faster than ofa") and "CPU-time ratio 1.95x" in s for s in findings)


def test_the_report_shows_the_cpu_ratio_the_contention_and_the_rule(contaminated):
    data, markdown = contaminated
    rows = markdown_rows(markdown)
    ratio = find(data["training_time"]["ratios"], run="rss-short")
    assert has_row(rows, "synthetic", "mobilenet-v3", "rss-short", "6.15", "[6.00, 6.30]", "yes: rss-short seed 0 90.9%, rss-short seed 1 90.9%")
    assert has_row(rows, "synthetic", "mobilenet-v3", "rss", "ofa", "1.95", "no")
    assert has_row(rows, "mobilenet-v3/synthetic/rss-short/seed0", "3", "1 of 3 (90.9% of wall time)")
    assert has_row(rows, "mobilenet-v3/synthetic/rss-short/seed0", "1")  # the contended-epochs table
    assert "Contention: an epoch is contended when its CPU utilisation" in markdown
    assert f"below {CONTENDED_UTILISATION_SHARE:g} of the cell's own median utilisation" in markdown
    assert ratio["total"]["estimate"] < 1


def test_old_records_without_cpu_time_are_analysed_and_say_not_recorded(tmp_path, registry):
    run_dir = write_run(tmp_path / "run", Fixture())
    write_report(run_dir, resamples=RESAMPLES, registry=registry)
    data, markdown = load_json(run_dir / "report" / "report.json"), (run_dir / "report" / "report.md").read_text()
    timing = data["training_time"]
    assert timing["cpu_recorded"] == "not recorded"
    cell = find(timing["cells"], run="ofa", seed=0)
    assert cell["train_cpu_seconds"] is None and cell["contention"]["recorded"] == "not recorded"
    ratio = find(timing["ratios"], run="rss")
    assert ratio["total"]["estimate"] == pytest.approx(1.95, abs=0.01) and ratio["cpu_total"] is None
    assert ratio["cpu_reason"].startswith("CPU time not recorded for mobilenet-v3/synthetic/ofa/seed0")
    assert claim_ratio(ratio)["basis"] == "wall" and claim_ratio(ratio)["cpu_recorded"] == "not recorded"
    assert any(s.startswith("rss trained 1.95x faster") and "CPU time not recorded" in s for s in data["findings"])
    assert "CPU time was not recorded in this run" in markdown
    assert has_row(markdown_rows(markdown), "mobilenet-v3/synthetic/ofa/seed0", "8", "n/a", "n/a", "not recorded")


def test_pairs_other_than_against_one_baseline_give_ratios(tmp_path):
    evidence = RunEvidence(open_run(write_run(tmp_path / "run", Fixture(timing=steady))))
    timing = training_time(evidence, [("rss-short", "rss"), ("ofa", "rss-short")], BOOTSTRAP)
    assert [(r["run"], r["baseline"]) for r in timing["ratios"]] == [("rss-short", "rss"), ("ofa", "rss-short")]
    short = find(timing["ratios"], run="rss-short")
    expected = time_ratio({s: seconds("rss", s) for s in (0, 1)}, {s: seconds("rss-short", s) for s in (0, 1)}, seed=0, resamples=RESAMPLES)
    assert short["total"]["estimate"] == pytest.approx(expected.estimate) and short["cpu_total"]["estimate"] == pytest.approx(expected.estimate)
    assert find(timing["ratios"], run="ofa")["total"]["estimate"] < 1
    assert timing["ratios_reason"] is None

    unknown = training_time(evidence, [("rss", "nope")], BOOTSTRAP)
    assert unknown["ratios"] == [] and unknown["ratios_reason"] == "'nope' is named in a compared pair but not a run of this suite"
    assert training_time(evidence, [], BOOTSTRAP)["ratios_reason"].startswith("the suite names no baseline")


def test_cell_times_and_pair_ratio_serve_a_timing_claim(tmp_path):
    cells = open_run(write_run(tmp_path / "run", Fixture(timing=rss_short_contended))).cells()
    rows = cell_timings(cells)
    assert len(rows) == 6 and all(r.cpu_count == CPU_COUNT for r in rows)
    ofa = [r for r in rows if r.run == "ofa"]
    short = [r for r in rows if r.run == "rss-short"]
    assert ofa[0].train_cpu_seconds == pytest.approx(0.95 * seconds("ofa", 0))
    assert ofa[0].contention["contended"] == [] and short[0].contention["contended_share"] == pytest.approx(20 / 22)
    assert short[0].time.contended_epochs == 1 and short[0].time.cpu_seconds == short[0].train_cpu_seconds
    ratio = pair_ratio(short, ofa, BOOTSTRAP)
    claim = claim_ratio(ratio)
    assert claim["contended"] is True and claim["basis"] == "cpu" and claim["ratio"] == ratio["cpu_total"]


def test_analyse_pairs_every_run_with_the_baseline(tmp_path):
    analysis = analyse(open_run(write_run(tmp_path / "run", Fixture(timing=steady))), resamples=RESAMPLES)
    assert [(r["run"], r["baseline"]) for r in analysis["training_time"]["ratios"]] == [("rss", "ofa"), ("rss-short", "ofa")]


def test_counted_training_macs_give_a_ratio_beside_the_clocks_and_old_cells_say_not_counted(tmp_path, registry):
    run_dir = write_run(tmp_path / "run", Fixture(timing=steady))
    macs = {"ofa": 3 * 10**12, "rss": 10**12, "rss-short": 4 * 10**11}
    for result_file in run_dir.glob("cells/**/result.json"):
        record = json.loads(result_file.read_text())
        run = result_file.parent.parent.name
        seed = int(result_file.parent.name.split("-")[0].removeprefix("seed"))
        total = macs[run] + seed * 10**9
        record["train_macs"] = {"subnets": total, "teacher": 0, "candidates": 0, "total": total}
        record["train_macs_definition"] = "multiply-accumulates of training (the fixture's)"
        result_file.write_text(json.dumps(record))
    write_report(run_dir, resamples=RESAMPLES, registry=registry)
    data, markdown = load_json(run_dir / "report" / "report.json"), (run_dir / "report" / "report.md").read_text()
    timing = data["training_time"]
    ratio = find(timing["ratios"], run="rss")
    assert ratio["macs_seeds"] == [0, 1] and ratio["macs_total"]["estimate"] == pytest.approx(3.0, rel=0.01)
    assert find(timing["cells"], run="ofa", seed=1)["train_macs"] == 3 * 10**12 + 10**9
    assert any(s.startswith("rss trained") and "MACs ratio 3.00x" in s for s in data["findings"])
    assert "Training cost in MACs is the multiply-accumulates of training (the fixture's)." in markdown
    assert has_row(markdown_rows(markdown), "mobilenet-v3/synthetic/ofa/seed0", "8", "3000.0")  # training GMACs per cell
    assert timing["macs_not_counted"] == []

    uncounted = next(run_dir.glob("cells/**/rss/seed0-*/result.json"))
    record = json.loads(uncounted.read_text())
    del record["train_macs"]
    uncounted.write_text(json.dumps(record))
    write_report(run_dir, resamples=RESAMPLES, registry=registry)
    data, markdown = load_json(run_dir / "report" / "report.json"), (run_dir / "report" / "report.md").read_text()
    ratio = find(data["training_time"]["ratios"], run="rss")
    assert ratio["macs_seeds"] == [1]  # the seed whose rss cell did not count is left out of the MACs ratio
    assert "Training MACs were not counted for 1 of 6 cells" in markdown
