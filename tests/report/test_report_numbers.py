"""A complete fixture run: report.json holds the statistics of its values, and the Markdown and
HTML reports show exactly those numbers."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.report.helpers import RESAMPLES, find, has_row, html_rows, load_json, markdown_rows
from tests.report.run_fixture import BUCKETS, UNREACHABLE, Fixture, fixture_values, seconds, steps, write_run

from nasbench_rss.report import format as fmt
from nasbench_rss.report import write_report
from nasbench_rss.stats import (
    brown_forsythe,
    cohens_d,
    describe,
    exposure_shares,
    holm,
    mean_ci,
    probability_of_improvement,
    time_ratio,
    welch_t,
    wilcoxon_paired,
)

EVALUATED = [f"{b:g}" for b in BUCKETS if f"{b:g}" != UNREACHABLE]


@dataclass
class Written:
    fixture: Fixture
    run_dir: Path
    paths: list[Path]
    data: dict[str, Any]
    markdown: str
    html: str


@pytest.fixture(scope="module")
def written(tmp_path_factory, registry) -> Written:
    fixture = Fixture()
    run_dir = write_run(tmp_path_factory.mktemp("full") / "run", fixture)
    paths = write_report(run_dir, resamples=RESAMPLES, registry=registry)
    out = run_dir / "report"
    return Written(
        fixture, run_dir, paths, load_json(out / "report.json"), (out / "report.md").read_text(), (out / "report.html").read_text()
    )


def paired(fixture: Fixture, run: str, bucket: str) -> tuple[list[float], list[float]]:
    """The run's and ofa's accuracies of one bucket, paired by (seed, index) in seed order."""
    run_values = [v for seed in fixture.seeds for v in fixture_values(fixture, run, seed, bucket)]
    base_values = [v for seed in fixture.seeds for v in fixture_values(fixture, "ofa", seed, bucket)]
    return run_values, base_values


def test_writes_every_format_and_figure_into_run_dir_report(written):
    names = {path.name for path in written.paths}
    assert names == {"report.md", "report.json", "report.html", "accuracy_per_bucket.png", "training_time.png", "exposure.png", "exposure_range.png"}
    assert all(path.parent == written.run_dir / "report" for path in written.paths)
    assert written.data["complete"] is True
    assert written.data["cells"]["planned"] == written.data["cells"]["evaluated"] == 6


def test_accuracy_summaries_are_the_stats_of_the_fixture_values(written):
    fixture, data = written.fixture, written.data
    for run in ("ofa", "rss", "rss-short"):
        for bucket in EVALUATED:
            entry = find(data["accuracy"], run=run, bucket=bucket)
            per_seed = {seed: fixture_values(fixture, run, seed, bucket) for seed in fixture.seeds}
            assert entry["seeds"] == list(fixture.seeds)
            for seed_entry in entry["per_seed"]:
                assert seed_entry["accuracy"] == pytest.approx(per_seed[seed_entry["seed"]])
                assert seed_entry["summary"] == pytest.approx(describe(per_seed[seed_entry["seed"]]).to_dict())
            pooled = [v for values in per_seed.values() for v in values]
            assert entry["pooled"] == pytest.approx(describe(pooled).to_dict())
            expected = mean_ci([describe(v).mean for v in per_seed.values()], seed=0, resamples=RESAMPLES)
            got = entry["mean_of_seed_means"]
            assert (got["estimate"], got["low"], got["high"]) == pytest.approx((expected.estimate, expected.low, expected.high))
    assert not [e for e in data["accuracy"] if e["bucket"] == UNREACHABLE]


def test_comparisons_are_paired_tests_with_holm_across_buckets(written):
    fixture, data = written.fixture, written.data
    section = data["comparisons"]
    assert section["available"] is True and section["baseline"] == "ofa"
    for run in ("rss", "rss-short"):
        pairs = {bucket: paired(fixture, run, bucket) for bucket in EVALUATED}
        for name, test in (("wilcoxon", wilcoxon_paired), ("welch", welch_t), ("brown_forsythe", brown_forsythe)):
            raw = [test(*pairs[bucket]).p_value for bucket in EVALUATED]
            adjusted = holm(raw)
            for bucket, p, p_holm in zip(EVALUATED, raw, adjusted):
                result = find(section["results"], run=run, bucket=bucket)
                assert result["tests"][name]["p_value"] == pytest.approx(p)
                assert result["tests"][name]["p_holm"] == pytest.approx(p_holm)
                if name == "wilcoxon":
                    assert result["tests"][name]["method"] == "exact"  # distinct differences, 12 pairs
        assert {"run": run, "baseline": "ofa", "test": "wilcoxon", "size": len(EVALUATED)} in section["holm_families"]
        for bucket in EVALUATED:
            result = find(section["results"], run=run, bucket=bucket)
            x, y = pairs[bucket]
            assert result["pairs"] == len(x) == 12 and result["seeds"] == [0, 1] and result["unmatched"] == 0
            assert result["mean_difference"] == pytest.approx(describe(x).mean - describe(y).mean)
            assert result["cohens_d"] == pytest.approx(cohens_d(x, y))
            poi = probability_of_improvement(x, y, seed=0, resamples=RESAMPLES)
            assert result["probability_of_improvement"]["estimate"] == pytest.approx(poi.estimate)


def test_training_time_ratios_are_paired_by_seed(written):
    timing = written.data["training_time"]
    for run in ("rss", "rss-short"):
        ratio = find(timing["ratios"], run=run)
        base = {s: seconds("ofa", s) for s in (0, 1)}
        ours = {s: seconds(run, s) for s in (0, 1)}
        total = time_ratio(base, ours, seed=0, resamples=RESAMPLES)
        assert (ratio["total"]["estimate"], ratio["total"]["low"], ratio["total"]["high"]) == pytest.approx(
            (total.estimate, total.low, total.high)
        )
        epochs = {"rss": 8, "rss-short": 3}[run]
        per_epoch = time_ratio({s: v / 8 for s, v in base.items()}, {s: v / epochs for s, v in ours.items()}, seed=0, resamples=RESAMPLES)
        assert ratio["per_epoch"]["estimate"] == pytest.approx(per_epoch.estimate)
    cell = find(timing["cells"], run="ofa", seed=1)
    assert cell["train_seconds"] == seconds("ofa", 1) and cell["seconds_per_epoch"] == pytest.approx(seconds("ofa", 1) / 8)


def test_exposure_shares_use_the_evaluation_buckets(written):
    entry = find(written.data["exposure"], run="ofa")
    rows = [(int(b) - 0.4 + 0.1 * i, steps("ofa", f"{b:g}")) for b in BUCKETS[:-1] for i in range(2)] + [(20.0, 5)]
    expected = exposure_shares(rows, BUCKETS, 0.5)
    assert entry["shares"] == pytest.approx(expected)
    assert list(entry["shares"]) == [*(f"{b:g}" for b in BUCKETS), "outside"]
    assert entry["per_seed"][0]["shares"] == pytest.approx(expected)


def test_markdown_and_html_show_the_json_numbers(written):
    data = written.data
    for rows in (markdown_rows(written.markdown), html_rows(written.html)):
        for entry in data["accuracy"]:
            pooled, ci = entry["pooled"], entry["mean_of_seed_means"]
            assert has_row(
                rows, entry["bucket"], entry["run"], str(pooled["n"]), fmt.percent(pooled["mean"]), fmt.percent(pooled["std"]),
                fmt.variance_points(pooled["var"]), fmt.percent(pooled["median"]), fmt.percent(pooled["iqr"]),
                fmt.percent(pooled["min"]), fmt.percent(pooled["max"]), fmt.interval(ci, fmt.percent),
            ), entry
        for result in data["comparisons"]["results"]:
            tests = result["tests"]
            assert has_row(
                rows, result["bucket"], result["run"], str(result["pairs"]), fmt.points(result["mean_difference"]),
                fmt.p_value(tests["wilcoxon"]["p_value"]), fmt.p_value(tests["wilcoxon"]["p_holm"]), "exact",
                fmt.p_value(tests["welch"]["p_holm"]), fmt.p_value(tests["mann_whitney"]["p_holm"]), fmt.number(result["cohens_d"]),
            ), result
            assert has_row(rows, result["bucket"], result["run"], fmt.p_value(tests["brown_forsythe"]["p_holm"]))
        for ratio in data["training_time"]["ratios"]:
            assert has_row(
                rows, ratio["dataset"], ratio["arch"], ratio["run"], fmt.ratio(ratio["total"]["estimate"]),
                fmt.interval(ratio["total"], fmt.ratio), fmt.ratio(ratio["per_epoch"]["estimate"]),
            )
        for entry in data["exposure"]:
            assert has_row(rows, entry["run"], fmt.seeds(entry["seeds"]), *(fmt.share(v) for v in entry["shares"].values()))


def test_findings_lead_both_reports(written):
    findings = written.data["findings"]
    assert findings and findings[0].startswith("Complete run")
    markdown = written.markdown
    assert markdown.index("## Findings") < markdown.index("## Subnet accuracy per bucket")
    for sentence in findings:
        assert f"- {sentence}" in markdown
        assert f"<li>{html.escape(sentence)}</li>" in written.html


def test_method_section_comes_from_the_manifest_and_evaluation(written):
    method = written.data["method"]
    assert method["flops_definition"].startswith("multiply-accumulates of conv and linear layers")
    assert method["git"]["commit"].startswith("0123456789") and method["git"]["dirty"] is True
    assert method["seeds"] == [0, 1] and method["evaluation"]["per_bucket"] == 6
    assert method["shared_streams"] == [{"arch": "mobilenet-v3", "dataset": "synthetic", "sampler": "rss", "runs": ["rss", "rss-short"]}]
    for text in (
        "FLOPs: " + method["flops_definition"],
        "git commit 0123456789abcdef0123456789abcdef01234567 with uncommitted changes (dirty)",
        "Device: Test CPU 9000",
        "Training seeds: 0, 1.",
        "torch 2.1.0",
        "Shared sampler stream: rss, rss-short",
    ):
        assert text in written.markdown, text


def test_html_is_one_page_referencing_the_figures(written):
    page = written.html
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for name in ("accuracy_per_bucket.png", "training_time.png", "exposure.png"):
        assert f'<img src="{name}"' in page
        assert f"]({name})" in written.markdown
