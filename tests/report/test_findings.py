"""The plain-sentence findings say what the fixture's numbers show, and no more."""

from __future__ import annotations

from tests.report.helpers import RESAMPLES, find
from tests.report.run_fixture import UNREACHABLE_REASON, Fixture, rss_steadier, rss_worse, write_run

from nasbench_rss.report import analyse
from nasbench_rss.run.results import open_run


def findings_of(tmp_path, fixture: Fixture) -> tuple[dict, list[str]]:
    analysis = analyse(open_run(write_run(tmp_path / "run", fixture)), resamples=RESAMPLES)
    return analysis, analysis["findings"]


def test_a_run_better_on_every_subnet_beats_the_baseline_in_every_bucket(tmp_path):
    _, findings = findings_of(tmp_path, Fixture())
    assert (
        "rss beats ofa in 5 of 5 buckets on synthetic (mobilenet-v3) in mean accuracy on the shared subnets, "
        "Holm-adjusted Wilcoxon p < 0.05 in 5."
    ) in findings
    assert any(s.startswith("rss-short beats ofa in 5 of 5 buckets") for s in findings)
    # rss's spread grows with the subnet index here: its variance is higher, and the finding says so.
    assert "rss's accuracy variance is lower than ofa's in 0 of 5 buckets on synthetic (mobilenet-v3) (Brown-Forsythe, Holm-adjusted p < 0.05 in 0 of them)." in findings


def test_a_worse_run_is_not_said_to_beat_the_baseline(tmp_path):
    _, findings = findings_of(tmp_path, Fixture(accuracy=rss_worse))
    text = " ".join(findings)
    assert "rss beats ofa" not in text and "rss-short beats ofa" not in text
    assert (
        "rss does not beat ofa in any of 5 buckets on synthetic (mobilenet-v3): ofa has the higher mean accuracy in 5 "
        "(Holm-adjusted Wilcoxon p < 0.05 in 5)."
    ) in findings


def test_a_steadier_run_has_lower_variance_in_every_bucket(tmp_path):
    analysis, findings = findings_of(tmp_path, Fixture(accuracy=rss_steadier))
    assert "rss's accuracy variance is lower than ofa's in 5 of 5 buckets on synthetic (mobilenet-v3) (Brown-Forsythe, Holm-adjusted p < 0.05 in 5 of them)." in findings
    result = find(analysis["comparisons"]["results"], run="rss", bucket="6")
    assert result["run_summary"]["var"] < result["baseline_summary"]["var"] / 10


def test_unreachable_bucket_is_reported_with_its_reason(tmp_path):
    analysis, findings = findings_of(tmp_path, Fixture())
    assert f"Bucket 14 (±0.5 MFLOPs) was skipped for mobilenet-v3 on synthetic (unreachable): {UNREACHABLE_REASON}." in findings
    bucket = find(analysis["buckets"][0]["buckets"], label="14")
    assert (bucket["status"], bucket["reason"]) == ("unreachable", UNREACHABLE_REASON)
    assert not [r for r in analysis["comparisons"]["results"] if r["bucket"] == "14"]


def test_time_and_exposure_findings(tmp_path):
    _, findings = findings_of(tmp_path, Fixture())
    time = next(s for s in findings if s.startswith("rss-short trained"))
    assert time.startswith("rss-short trained 6.15x faster than ofa on synthetic (mobilenet-v3) (95% CI [6.00, 6.30] over 2 seeds")
    assert time.endswith("; per epoch 2.31x; CPU time not recorded, so contended epochs could not be checked).")
    assert "Largest share of optimizer steps on synthetic (mobilenet-v3): ofa 32.8% in bucket 12;" in " ".join(findings)


def test_one_seed_says_the_p_values_ignore_training_variation(tmp_path):
    _, findings = findings_of(tmp_path, Fixture(seeds=(0,)))
    assert (
        "One training seed (0): the tests compare the subnets of one trained supernet per method, "
        "so their p-values do not account for seed-to-seed variation of training."
    ) in findings
    assert any(s.startswith("rss trained 2.00x faster than ofa") and "(one seed: no interval;" in s for s in findings)


def test_runs_sharing_a_sampler_stream_are_named(tmp_path):
    _, findings = findings_of(tmp_path, Fixture())
    assert any(s.startswith("Same sampler, same stream: rss and rss-short (rss) on synthetic (mobilenet-v3)") for s in findings)
