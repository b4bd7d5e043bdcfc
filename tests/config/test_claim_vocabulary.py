"""The claim-options vocabulary a suite checks: a claim of a run against itself is refused at its line."""

from __future__ import annotations

import pytest
from tests.suite.suite_helpers import problems as suite_problems

from nasbench_rss.config.claims import ClaimOptions, RunName
from nasbench_rss.suite import parse_suite

SUITE = """\
name: t
defaults:
  architecture: {name: mobilenet-v3}
  dataset: {name: synthetic, options: {train_size: 2048, test_size: 32}}
  evaluation: {buckets: [4, 6]}
runs:
  ofa:
    sampler: progressive-shrinking
    epochs: 6
  rss:
    sampler: rss
    epochs: 2
claims:
"""


@pytest.mark.parametrize(
    "claim",
    [
        "better: {run: rss, than: rss}",
        "not-worse: {run: rss, than: rss, margin: 0.01}",
        "faster: {run: rss, than: rss}",
        "lower-variance: {run: rss, than: rss}",
        "interference: {run: rss, than: rss}",
        "ranking: {run: rss, than: rss}",
        "interaction: {change: [rss, rss], versus: [ofa, rss], margin: 0.01}",
    ],
)
def test_a_claim_of_a_run_against_itself_is_refused_at_its_line(claim):
    found = suite_problems(SUITE + f"  - {claim}\n    source: Fig. 3\n", "s.yaml")
    assert len(found) == 1, found
    assert found[0].startswith("s.yaml:14:") and "compared with itself" in found[0]


def test_two_different_runs_and_a_contrast_sharing_a_run_are_fine():
    contrast = "  - interaction: {change: [rss, ofa], versus: [ofa, rss], margin: 0.01}\n    source: x\n"
    suite = parse_suite(SUITE + "  - better: {run: rss, than: ofa}\n    source: x\n" + contrast)
    assert [claim["kind"] for claim in suite.claims] == ["better", "interaction"]


def test_a_third_party_kind_inherits_the_check():
    class Mine(ClaimOptions):
        run: RunName
        than: RunName

    with pytest.raises(ValueError, match="compared with itself"):
        Mine(run="a", than="a")
    assert Mine(run="a", than="b").run_fields() == [(("run",), "a"), (("than",), "b")]
