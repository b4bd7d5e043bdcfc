"""The report's interference section: the statistics of planted probe records, and its claim kind."""

from __future__ import annotations

import json

import pytest
from tests.report.helpers import RESAMPLES, load_json
from tests.report.run_fixture import Fixture, write_run

from nasbench_rss.cell.directory import INTERFERENCE_FILE
from nasbench_rss.report import write_report
from nasbench_rss.stats import mean_ci

SEEDS = (0, 1)
# Per run: the measured change of each of the three probes at each probed step (two steps per epoch, two epochs),
# whether probe "largest" was itself trained, and the pairwise cosines of steps that sum two subnets.
HURT = {"ofa": [0.2, -0.1, 0.3], "rss": [-0.2, -0.1, 0.05], "rss-short": [0.1, 0.1, 0.1]}
PAIRWISE = {"ofa": 0.4, "rss": None, "rss-short": None}


def planted_lines(run: str, seed: int) -> list[dict]:
    lines = []
    for epoch in range(2):
        for step in (0, 2):
            probes = []
            for i, label in enumerate(("smallest", "8", "largest")):
                change = HURT[run][i] * (1 if step == 0 else -1) + 0.01 * seed
                probes.append(
                    {
                        "probe": label, "encoding": "x", "mflops": 4.0 + 4 * i, "trained": label == "largest" and step == 2,
                        "loss_before": 1.0, "measured_change": change, "predicted_change": change / 2,
                        "cosine": -change if label != "smallest" else None,
                    }
                )  # fmt: skip
            pairwise = [] if PAIRWISE[run] is None else [{"a": 0, "b": 1, "cosine": PAIRWISE[run] + 0.1 * seed + 0.05 * epoch}]
            lines.append({"epoch": epoch, "step": step, "global_step": epoch * 4 + step, "lr": 0.1, "trained": [], "probes": probes, "pairwise": pairwise})
    return lines


def expected_seed(run: str, seed: int) -> dict:
    others = [p for line in planted_lines(run, seed) for p in line["probes"] if not p["trained"]]
    cosines = [p["cosine"] for p in others if p["cosine"] is not None]
    return {
        "hurt_share": sum(p["measured_change"] > 0 for p in others) / len(others),
        "mean_cosine": sum(cosines) / len(cosines),
        "probe_updates": len(others),
    }


CLAIMS = """\
claims:
  - interference: {run: ofa, than: rss, measure: cosine, direction: lower}
    source: planted
  - interference: {run: ofa, than: rss, measure: pairwise-cosine}
    source: planted
"""


def probed_run(tmp_path, extra: str = ""):
    run_dir = write_run(tmp_path / "run", Fixture(seeds=SEEDS, suite_extra=extra))
    for cell_dir in (run_dir / "cells").glob("*/*/*/seed*"):
        run, seed = cell_dir.parent.name, int(cell_dir.name[4])
        (cell_dir / INTERFERENCE_FILE).write_text("".join(json.dumps(line) + "\n" for line in planted_lines(run, seed)))
    return run_dir


def test_interference_statistics_are_those_of_the_planted_records(tmp_path, registry):
    run_dir = probed_run(tmp_path)
    paths = write_report(run_dir, formats=("md", "json"), resamples=RESAMPLES, registry=registry)
    data = load_json(run_dir / "report" / "report.json")
    entries = {e["run"]: e for e in data["interference"]}
    assert set(entries) == {"ofa", "rss", "rss-short"}
    for run, entry in entries.items():
        assert entry["seeds"] == list(SEEDS)
        for seed_entry in entry["per_seed"]:
            expected = expected_seed(run, seed_entry["seed"])
            assert seed_entry["probe_updates"] == expected["probe_updates"] == 10  # 12 minus the two where largest trained
            assert seed_entry["hurt_share"] == pytest.approx(expected["hurt_share"])
            assert seed_entry["mean_cosine"] == pytest.approx(expected["mean_cosine"])
        hurt = [expected_seed(run, s)["hurt_share"] for s in SEEDS]
        assert entry["across_seeds"]["hurt_share"]["estimate"] == pytest.approx(mean_ci(hurt, seed=0, resamples=RESAMPLES).estimate)
    assert entries["ofa"]["across_seeds"]["pairwise_cosine"]["estimate"] == pytest.approx((0.425 + 0.525) / 2)
    assert entries["rss"]["across_seeds"]["pairwise_cosine"]["n"] == 0  # one subnet per step: no pairs
    assert entries["ofa"]["by_epoch"]["epochs"] == [0, 1]
    assert entries["ofa"]["by_epoch"]["pairwise_cosine"] == pytest.approx([0.45, 0.5])
    # rss-short: every untrained probe update raises the loss at step 0, lowers it at step 2
    assert entries["rss-short"]["by_probe"]["smallest"]["hurt_share"] == pytest.approx(0.5)
    markdown = (run_dir / "report" / "report.md").read_text()
    assert "## Interference measured while training" in markdown and "](interference.png)" in markdown
    assert "interference.png" in {p.name for p in paths}


def test_a_run_without_the_probe_has_no_interference_section_nor_figure(tmp_path, registry):
    run_dir = write_run(tmp_path / "run", Fixture(seeds=SEEDS))
    paths = write_report(run_dir, formats=("md", "json"), resamples=RESAMPLES, registry=registry)
    assert load_json(run_dir / "report" / "report.json")["interference"] == []
    assert "interference.png" not in {p.name for p in paths}
    assert "Interference measured" not in (run_dir / "report" / "report.md").read_text()


def test_the_interference_claim_tests_per_seed_differences_and_says_when_it_cannot(tmp_path, registry):
    run_dir = probed_run(tmp_path, CLAIMS)
    write_report(run_dir, formats=("json",), resamples=RESAMPLES, registry=registry)
    cosine, pairwise = load_json(run_dir / "report" / "report.json")["claims"]["results"]
    assert cosine["claim"] == "ofa: its updates point less along the probes' descent directions than rss's (interference probe)"
    (group,) = cosine["groups"]
    for seed, difference in group["per_seed"].items():
        ofa, rss = (expected_seed(run, int(seed))["mean_cosine"] for run in ("ofa", "rss"))
        assert difference == pytest.approx(ofa - rss) and difference < 0
    # The two seeds' differences are equal (the planted offsets cancel): the sign test, 0.5 ** 2 each side.
    assert group["p_for"] == pytest.approx(0.25) and group["p_against"] == 1.0
    assert cosine["verdict"] == "inconclusive"
    assert pairwise["verdict"] == "not tested" and "pairwise needs several subnets per step" in pairwise["groups"][0]["note"]


def test_a_claim_on_unprobed_runs_is_not_tested(tmp_path, registry):
    run_dir = write_run(tmp_path / "run", Fixture(seeds=SEEDS, suite_extra=CLAIMS))
    write_report(run_dir, formats=("json",), resamples=RESAMPLES, registry=registry)
    results = load_json(run_dir / "report" / "report.json")["claims"]["results"]
    assert [r["verdict"] for r in results] == ["not tested", "not tested"]
    assert "ran the interference probe" in results[0]["groups"][0]["note"]


def test_training_time_leaves_out_the_probes_own_time(tmp_path, registry):
    run_dir = probed_run(tmp_path)
    recorded = {}
    for cell_dir in (run_dir / "cells").glob("*/*/*/seed*"):
        result = json.loads((cell_dir / "result.json").read_text())
        recorded[(cell_dir.parent.name, int(cell_dir.name[4]))] = (result["train_seconds"], result.get("train_cpu_seconds"))
        result["interference"] = {"seconds": 0.25 * result["train_seconds"], "cpu_seconds": 0.5}
        (cell_dir / "result.json").write_text(json.dumps(result))
    write_report(run_dir, formats=("json",), resamples=RESAMPLES, registry=registry)
    rows = load_json(run_dir / "report" / "report.json")["training_time"]["cells"]
    assert rows
    for row in rows:
        wall, cpu = recorded[(row["run"], row["seed"])]
        assert row["probe_seconds"] == pytest.approx(0.25 * wall)
        assert row["train_seconds"] == pytest.approx(0.75 * wall)
        if cpu is not None:
            assert row["train_cpu_seconds"] == pytest.approx(cpu - 0.5)
