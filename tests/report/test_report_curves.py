"""Learning curves in a report: the section, the figure, convergence and the claims that rest on it."""

from __future__ import annotations

import pytest

from nasbench_rss.report.analysis import analyse
from nasbench_rss.report.build import write_report
from nasbench_rss.report.claims import runs_named
from nasbench_rss.run.results import RunDirectory
from tests.report.run_fixture import Fixture, write_run

CLAIMS = """\
claims:
  - better: {run: rss, than: ofa, pooled: true}
    source: Fig. 3
  - better-at-equal-cost: {run: rss, than: ofa, pooled: true}
    source: made up
  - faster: {run: rss-short, than: rss}
    source: made up
"""


def still_rising_rss(run: str, seed: int) -> list[tuple[int, float, float]]:
    """ofa flattens (+0.5 pp over its last quarter); rss still gains 4 pp (+0.1 pp per seed); rss-short has its end only."""
    if run == "ofa":
        return [(2, 2e9, 0.50), (4, 4e9, 0.60), (6, 6e9, 0.650), (8, 8e9, 0.655 + 0.001 * seed)]
    if run == "rss":
        return [(2, 1e9, 0.50), (4, 2e9, 0.58), (6, 3e9, 0.62), (8, 4e9, 0.66 + 0.001 * seed)]
    return [(3, 1.5e9, 0.55)]


@pytest.fixture
def analysis(tmp_path, registry):
    run = write_run(tmp_path / "run", Fixture(seeds=(0, 1, 2), suite_extra=CLAIMS, curve=still_rising_rss), registry)
    return run, analyse(RunDirectory(run), resamples=200, registry=registry)


def test_the_section_says_which_run_converged(analysis):
    _, result = analysis
    entries = {e["run"]: e for e in result["learning_curves"]}
    assert entries["ofa"]["convergence"]["converged"] is True
    assert entries["ofa"]["convergence"]["gain"] == pytest.approx(0.006, abs=1e-9)
    assert entries["rss"]["convergence"]["converged"] is False
    assert entries["rss"]["convergence"]["gain"] == pytest.approx(0.041, abs=1e-9)
    assert entries["rss-short"]["convergence"]["converged"] is None
    assert [p["epochs"] for p in entries["rss"]["per_seed"][0]["points"]] == [2, 4, 6, 8]
    assert entries["rss"]["curve_share"] == pytest.approx(3 * 3.0 / sum(300.0 * (1 + 0.1 * s) for s in range(3)))


def test_claims_on_runs_not_converged_say_so(analysis):
    _, result = analysis
    rows = result["claims"]["results"]
    assert rows[0]["convergence"] == ["not converged: rss gained +4.1 pp over its last quarter [+3.9, +4.3] (3 seeds; converged below 1 pp)"]
    assert "not converged: rss gained +4.1 pp" in rows[0]["verdict_words"]
    # at rss's 4 GMACs ofa is at 0.60 (its 4 GMACs point): rss leads by 6 pp + 0.1 pp per seed
    assert rows[1]["statistic"] == "rss - ofa at 4 training GMACs +6.10 pp"
    assert rows[1]["verdict"] == "supported"
    assert rows[2]["convergence"] == ["rss-short: convergence unknown (seeds 0, 1, 2: no measured point at or before epoch 2.25, 3/4 into its training (add a fraction there to evaluation.during.at))", rows[0]["convergence"][0]]


def test_the_findings_say_which_runs_converged(analysis):
    _, result = analysis
    [sentence] = [f for f in result["findings"] if f.startswith("Learning curves on synthetic")]
    assert "converged: ofa gained +0.6 pp over its last quarter" in sentence
    assert "not converged: rss gained +4.1 pp over its last quarter" in sentence
    assert "rss-short: convergence unknown" in sentence


def test_the_report_draws_and_tabulates_the_curves(analysis, registry):
    run, _ = analysis
    write_report(run, run / "report", registry=registry, resamples=200)
    markdown = (run / "report" / "report.md").read_text()
    assert "## Learning curves and convergence" in markdown
    assert "![Learning curves" in markdown and (run / "report" / "learning_curves.png").stat().st_size > 10_000
    assert "| rss       | 0, 1, 2 | 2, 4, 6, 8" in markdown
    assert "(not converged: rss gained +4.1 pp" in markdown


def test_a_report_without_curves_has_no_such_section(tmp_path, registry):
    run = write_run(tmp_path / "run", Fixture(seeds=(0, 1)), registry)
    result = analyse(RunDirectory(run), resamples=200, registry=registry)
    assert result["learning_curves"] == []


def test_runs_named_finds_runs_in_every_option_shape():
    runs = ["ofa", "rss", "rss-short", "strict-fair"]
    assert runs_named({"run": "rss", "than": "ofa", "buckets": "all"}, runs) == ["rss", "ofa"]
    assert runs_named({"runs": ["strict-fair", "rss", "ofa"]}, runs) == ["strict-fair", "rss", "ofa"]
    assert runs_named({"change": ["rss", "ofa"], "versus": ["rss-short", "ofa"]}, runs) == ["rss", "ofa", "rss-short"]
    assert runs_named({"bucket": 4, "probe": "rss-x"}, runs) == []


def test_the_claims_command_says_which_runs_had_not_converged(analysis, capsys):
    from nasbench_rss.cli import main

    run, _ = analysis
    assert main(["claims", str(run), "--markdown"]) == 0
    table = capsys.readouterr().out
    assert "**supported** (not converged: rss gained +4.1 pp over its last quarter [+3.9, +4.3] (3 seeds; converged below 1 pp))" in table
