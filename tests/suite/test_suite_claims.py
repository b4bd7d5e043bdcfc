"""A suite's comparisons and claims: checked against its runs and buckets, each problem at its line."""

from __future__ import annotations

from tests.suite.suite_helpers import problems as suite_problems

from nasbench_rss.suite import parse_suite

VALID = """\
name: t
baseline: ofa
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
"""


def problems(extra: str) -> list[str]:
    return suite_problems(VALID + extra, "s.yaml")


def test_comparisons_and_claims_are_recorded_with_every_default():
    suite = parse_suite(
        VALID
        + "comparisons:\n  - {run: rss, against: [ofa]}\n  - {change: [rss, ofa], versus: [ofa, rss]}\n"
        + "claims:\n  - ordering: [rss, ofa]\n    source: Fig. 5\n  - faster: {run: rss, than: ofa}\n    source: Fig. 4\n    says: faster\n"
    )
    assert suite.comparisons == [{"run": "rss", "against": ["ofa"]}, {"change": ["rss", "ofa"], "versus": ["ofa", "rss"]}]
    assert suite.claims[0] == {"kind": "ordering", "options": {"runs": ["rss", "ofa"], "buckets": "all", "pooled": True}, "source": "Fig. 5", "says": ""}
    assert suite.claims[1]["options"] == {"run": "rss", "than": "ofa", "at_least": 1.0, "clock": "cpu"}
    again = parse_suite(suite.resolved_yaml())
    assert again.claims == suite.claims and again.comparisons == suite.comparisons


def test_no_comparisons_means_none_written():
    suite = parse_suite(VALID)
    assert suite.comparisons is None and suite.claims == []
    assert "comparisons" not in suite.resolved_document() and "claims" not in suite.resolved_document()


def test_an_unknown_run_in_a_comparison_fails_at_its_line():
    assert problems("comparisons:\n  - {run: rss, against: [ofa, rsss]}\n") == [
        "s.yaml:15:31: comparisons[0].against[1]: 'rsss' is not a run of this suite (did you mean 'rss'?); allowed: ofa, rss"
    ]


def test_a_run_compared_with_itself():
    (problem,) = problems("comparisons:\n  - {run: rss, against: rss}\n")
    assert problem.startswith("s.yaml:15:") and "compared with itself" in problem


def test_a_claims_bucket_is_matched_by_its_key_as_reports_name_it():
    """Evaluation bucket 12.34567 is ``12.3457`` in every record and report (bucket_key): a claim may name it so."""
    text = VALID.replace("buckets: [4, 6]", "buckets: [4, 12.34567]")
    claim = "claims:\n  - better: {run: rss, than: ofa, buckets: [12.3457, 4.0]}\n    source: Fig. 3\n"
    assert parse_suite(text + claim, "s.yaml").claims[0]["options"]["buckets"] == [12.3457, 4.0]
    assert suite_problems(text + claim.replace("12.3457", "12.35"), "s.yaml") == [
        "s.yaml:15:45: claims[0].better.buckets[0]: 12.35 is not a bucket of the evaluation; allowed: 4, 12.3457"
    ]


def test_an_unknown_run_or_bucket_in_a_claim_fails_at_its_line():
    assert problems("claims:\n  - better: {run: rss, than: oofa, buckets: [4, 5]}\n    source: Fig. 3\n") == [
        "s.yaml:15:30: claims[0].better.than: 'oofa' is not a run of this suite (did you mean 'ofa'?); allowed: ofa, rss",
        "s.yaml:15:49: claims[0].better.buckets[1]: 5 is not a bucket of the evaluation; allowed: 4, 6",
    ]


def test_an_unknown_claim_kind_names_the_kinds():
    (problem,) = problems("claims:\n  - bettr: {run: rss, than: ofa}\n    source: Fig. 3\n")
    assert problem.startswith("s.yaml:15:5: claims[0]: a claim is a mapping with exactly one claim kind key (better, ")


def test_a_claim_needs_its_source_and_checks_its_options():
    found = problems("claims:\n  - better: {run: rss, than: ofa, margin: 2}\n  - interaction: {change: [rss, ofa], versus: [ofa, rss]}\n    source: x\n")
    assert any("claims[0].better.source: required key missing" in p for p in found)
    assert "s.yaml:15:43: claims[0].better.margin: 2 not allowed; allowed: less than or equal to 1" in found
    assert any("claims[1].interaction" in p and "needs a margin > 0" in p for p in found)


def test_validate_lists_the_claims_in_words_and_the_comparisons(tmp_path):
    import io
    import json

    from nasbench_rss.cli import main

    path = tmp_path / "s.yaml"
    path.write_text(VALID + "comparisons:\n  - {run: rss, against: ofa}\nclaims:\n  - better: {run: rss, than: ofa}\n    source: Fig. 3\n")
    out = io.StringIO()
    assert main(["validate", str(path)], out=out) == 0
    text = out.getvalue()
    assert "comparisons: rss vs ofa" in text and "rss is more accurate than ofa in every bucket" in text
    out = io.StringIO()
    assert main(["validate", str(path), "--json"], out=out) == 0
    data = json.loads(out.getvalue())
    assert data["claims"][0]["claim"] == "rss is more accurate than ofa in every bucket" and data["comparisons"] == [{"run": "rss", "against": "ofa"}]
