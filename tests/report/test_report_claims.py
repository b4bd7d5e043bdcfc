"""The suite's claims in a report: verdicts on run directories built to support or contradict them."""

from __future__ import annotations

import json
import math

import pydantic
import pytest

from nasbench_rss.claims.base import ClaimTest
from nasbench_rss.claims.options import ClaimOptions, RunName
from nasbench_rss.plugins import Registration
from nasbench_rss.report.analysis import analyse
from nasbench_rss.report.build import write_report
from nasbench_rss.run.layout import MANIFEST_FILE
from nasbench_rss.run.results import RunDirectory
from nasbench_rss.stats import holm
from nasbench_rss.testing.plugins import RegistrationPlugin, registry_with
from tests.report.run_fixture import Fixture, rss_worse, write_run

RESAMPLES = 200

CLAIMS = """\
claims:
  - better: {run: rss, than: ofa, pooled: true}
    source: Fig. 3
    says: RSS trains a better population
  - better: {run: ofa, than: rss, pooled: true}
    source: made up
  - not-worse: {run: rss-short, than: ofa, margin: 0.001, buckets: [4, 6]}
    source: made up
  - faster: {run: rss, than: ofa, at_least: 1.5}
    source: Fig. 4
"""


def analysis_of(tmp_path, fixture: Fixture, registry=None) -> dict:
    return analyse(RunDirectory(write_run(tmp_path / "run", fixture, registry)), resamples=RESAMPLES, registry=registry)


def test_claims_verdicts_and_holm_across_claims(tmp_path):
    section = analysis_of(tmp_path, Fixture(seeds=(0, 1, 2), suite_extra=CLAIMS))["claims"]
    results = section["results"]
    assert [r["verdict"] for r in results[:3]] == ["supported", "contradicted", "supported"]
    assert results[0]["claim"] == "rss is more accurate than ofa over all buckets together"
    assert results[0]["says"] == "RSS trains a better population" and results[0]["source"] == "Fig. 3"
    assert results[0]["basis"].startswith("3 seeds")
    for side in ("p_for", "p_against"):
        assert [r[f"{side}_holm"] for r in results] == pytest.approx(holm([r[side] for r in results]), nan_ok=True)
    assert section["counts"]["supported"] + section["counts"]["contradicted"] + section["counts"]["inconclusive"] == 4


def test_one_seed_is_subnet_level_only_and_a_time_is_not_tested(tmp_path):
    results = analysis_of(tmp_path, Fixture(seeds=(0,), suite_extra=CLAIMS))["claims"]["results"]
    assert results[0]["basis"] == "one seed: subnet-level only" and results[0]["verdict"] == "supported"
    assert results[3]["verdict"] == "not tested" and "one seed" in results[3]["verdict_words"]


def test_contradicted_when_the_run_is_built_worse(tmp_path):
    results = analysis_of(tmp_path, Fixture(seeds=(0, 1, 2), accuracy=rss_worse, suite_extra=CLAIMS))["claims"]["results"]
    assert [r["verdict"] for r in results[:2]] == ["contradicted", "supported"]


def test_report_opens_with_the_claims_table(tmp_path, registry):
    run_dir = write_run(tmp_path / "run", Fixture(seeds=(0, 1), suite_extra=CLAIMS))
    write_report(run_dir, formats=("md", "json"), resamples=RESAMPLES, registry=registry)
    markdown = (run_dir / "report" / "report.md").read_text()
    assert markdown.index("## Claims") < markdown.index("## Findings")
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 "))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:3] == ["rss is more accurate than ofa over all buckets together", "Fig. 3"] and cells[-1] in ("supported", "inconclusive")
    assert "Of the suite's 4 claims" in markdown
    data = json.loads((run_dir / "report" / "report.json").read_text())
    assert len(data["claims"]["results"]) == 4


def test_a_claim_kind_no_longer_installed_is_not_tested(tmp_path):
    run_dir = write_run(tmp_path / "run", Fixture(seeds=(0, 1), suite_extra=CLAIMS))
    manifest = json.loads((run_dir / MANIFEST_FILE).read_text())
    manifest["suite"]["claims"].append({"kind": "gone", "options": {}, "source": "x", "says": ""})
    (run_dir / MANIFEST_FILE).write_text(json.dumps(manifest))
    results = analyse(RunDirectory(run_dir), resamples=RESAMPLES)["claims"]["results"]
    assert results[-1]["verdict"] == "not tested" and "'gone' is not installed" in results[-1]["verdict_words"]
    assert math.isnan(results[-1]["p_for_holm"])  # left out of Holm's family


def test_no_claims_no_section(tmp_path):
    section = analysis_of(tmp_path, Fixture())["claims"]
    assert section["results"] == [] and "declares no claims" in section["reason"]


class AtLeastOptions(ClaimOptions):
    run: RunName
    accuracy: float = pydantic.Field(gt=0, lt=1)


class AtLeast:
    """A third party's claim kind: every subnet of ``run`` reaches ``accuracy``."""

    def __init__(self, options: AtLeastOptions) -> None:
        self.options = options

    def describe(self) -> str:
        return f"every subnet of {self.options.run} reaches {self.options.accuracy:.0%}"

    def evaluate(self, evidence) -> ClaimTest:
        accuracies = [s.accuracy for seed in evidence.seeds(self.options.run) for s in evidence.subnets(self.options.run, seed, evidence.evaluated_labels())]
        worst = min(accuracies)
        holds = worst >= self.options.accuracy
        return ClaimTest(f"worst subnet {worst:.3f}", worst, 0.0 if holds else 1.0, 1.0 if holds else 0.0, "every subnet", [])


def test_a_third_party_claim_kind(tmp_path):
    registry = registry_with(RegistrationPlugin("claim", Registration("at-least", "every subnet reaches an accuracy", AtLeast, AtLeastOptions)))
    extra = "claims:\n  - at-least: {run: rss, accuracy: 0.5}\n    source: ours\n  - at-least: {run: ofa, accuracy: 0.99}\n    source: ours\n"
    results = analysis_of(tmp_path, Fixture(suite_extra=extra), registry)["claims"]["results"]
    assert [r["verdict"] for r in results] == ["supported", "contradicted"]
    assert results[0]["claim"] == "every subnet of rss reaches 50%"


def test_cli_claims_tabulates_run_directories(tmp_path):
    import io

    from nasbench_rss.cli import main

    first = write_run(tmp_path / "a", Fixture(seeds=(0, 1, 2), suite_extra=CLAIMS))
    second = write_run(tmp_path / "b", Fixture(seeds=(0, 1, 2), accuracy=rss_worse, suite_extra=CLAIMS))
    out = io.StringIO()
    assert main(["claims", str(first), str(second), "--markdown", "--links-from", str(tmp_path)], out=out) == 0
    lines = [line for line in out.getvalue().splitlines() if line.startswith("| [fixture]")]
    assert len(lines) == 8
    assert lines[0].startswith("| [fixture](a/report/report.md) | 1 ") and "**supported**" in lines[0]
    assert lines[4].startswith("| [fixture](b/report/report.md) | 1 ") and "**contradicted**" in lines[4]
    out = io.StringIO()
    assert main(["claims", str(first), "--json"], out=out) == 0
    assert [r["verdict"] for r in json.loads(out.getvalue())][:2] == ["supported", "contradicted"]


def test_cli_claims_refuses_what_is_not_a_run_directory(tmp_path):
    import io

    from nasbench_rss.cli import main
    from nasbench_rss.exit_codes import EXIT_OK

    assert main(["claims", str(tmp_path)], out=io.StringIO()) != EXIT_OK


def test_comparisons_between_any_runs_and_an_interaction(tmp_path):
    extra = "comparisons:\n  - {run: rss, against: [rss-short, ofa]}\n  - {change: [rss, ofa], versus: [rss-short, ofa]}\n"
    analysis = analysis_of(tmp_path, Fixture(seeds=(0, 1), suite_extra=extra))
    section = analysis["comparisons"]
    assert section["pairs"] == [["rss", "rss-short"], ["rss", "ofa"]]
    against_short = [r for r in section["results"] if r["baseline"] == "rss-short"]
    assert against_short and all(r["mean_difference"] > 0 for r in against_short)
    assert {(f["run"], f["baseline"]) for f in section["holm_families"]} == {("rss", "rss-short"), ("rss", "ofa")}
    (interaction,) = section["interactions"]
    assert interaction["change"] == ["rss", "ofa"] and interaction["versus"] == ["rss-short", "ofa"]
    # (rss - ofa) - (rss-short - ofa) = rss - rss-short = 0.02 + 0.001 * index on every subnet (rss_better)
    for row in interaction["results"]:
        assert row["contrast"] == pytest.approx(0.02 + 0.001 * 2.5, abs=1e-9)
        assert row["effect_change"] - row["effect_versus"] == pytest.approx(row["contrast"])
    ratios = analysis["training_time"]["ratios"]
    assert {(r["run"], r["baseline"]) for r in ratios} == {("rss", "rss-short"), ("rss", "ofa")}
