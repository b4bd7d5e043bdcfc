"""Partial runs and missing baselines give reports that say so, never a crash."""

from __future__ import annotations

import html

import pytest
from tests.report.helpers import RESAMPLES, find, load_json
from tests.report.run_fixture import Fixture, write_run

from nasbench_rss.report import write_report

ALL_CELLS = {f"{run}/seed{seed}" for run in ("ofa", "rss", "rss-short") for seed in (0, 1)}


def report(tmp_path, registry, fixture: Fixture, formats=("md", "json", "html")):
    run_dir = write_run(tmp_path / "run", fixture)
    paths = write_report(run_dir, formats=formats, resamples=RESAMPLES, registry=registry)
    out = run_dir / "report"
    return paths, load_json(out / "report.json"), (out / "report.md").read_text(), (out / "report.html").read_text()


def test_partial_run_says_it_is_partial_and_names_the_missing_cells(tmp_path, registry):
    fixture = Fixture(pending={"rss/seed1"}, failed={"rss-short/seed1"}, unevaluated={"ofa/seed1"})
    _, data, markdown, page = report(tmp_path, registry, fixture)
    assert data["complete"] is False
    cells = data["cells"]
    assert (cells["planned"], cells["trained"], cells["evaluated"]) == (6, 4, 3)
    missing = {c["id"]: c for c in cells["missing"]}
    assert set(missing) == {"mobilenet-v3/synthetic/rss/seed1", "mobilenet-v3/synthetic/rss-short/seed1"}
    assert missing["mobilenet-v3/synthetic/rss/seed1"]["status"] == "pending"
    assert missing["mobilenet-v3/synthetic/rss-short/seed1"]["reason"] == "failed in training: RuntimeError: loss is NaN at epoch 2 step 3"
    assert [c["id"] for c in cells["unevaluated"]] == ["mobilenet-v3/synthetic/ofa/seed1"]

    first = data["findings"][0]
    assert first.startswith("Partial run: 2 of 6 cells are not trained: ")
    for cell_id in (*missing, "mobilenet-v3/synthetic/ofa/seed1"):
        assert cell_id in first and cell_id in markdown and cell_id in page
    assert "PARTIAL RUN: 4 of 6 cells trained, 3 evaluated" in markdown
    assert "## Missing cells" in markdown and html.escape("failed in training: RuntimeError: loss is NaN") in page

    # Paired only where both are evaluated: seed 0 (ofa seed 1 is not evaluated, rss seed 1 not trained).
    result = find(data["comparisons"]["results"], run="rss", bucket="8")
    assert result["pairs"] == 6 and result["seeds"] == [0] and result["unmatched"] == 0
    # Times pair trained cells: ofa seed 1 is trained, rss seed 1 is not.
    ratio = find(data["training_time"]["ratios"], run="rss")
    assert ratio["seeds"] == [0] and ratio["total"]["low"] is None  # one seed: no interval, NaN written as null
    assert any("rss trained 2.00x faster than ofa" in s and "one seed: no interval" in s for s in data["findings"])


def test_no_baseline_in_the_suite_omits_comparisons_with_the_reason(tmp_path, registry):
    _, data, markdown, _ = report(tmp_path, registry, Fixture(baseline=None))
    section = data["comparisons"]
    assert section["available"] is False and section["results"] == []
    assert section["reason"].startswith("the suite names no baseline")
    assert "Comparisons are omitted: the suite names no baseline" in markdown
    assert data["training_time"]["ratios"] == [] and data["training_time"]["ratios_reason"].startswith("the suite names no baseline")
    assert "No comparison with a baseline: the suite names no baseline" in " ".join(data["findings"])
    assert data["accuracy"]  # the per-bucket statistics are still there


def test_missing_baseline_cells_omit_comparisons_with_the_reason(tmp_path, registry):
    _, data, markdown, _ = report(tmp_path, registry, Fixture(pending={"ofa/seed0", "ofa/seed1"}))
    section = data["comparisons"]
    assert section["available"] is False
    assert {(o["run"], o["reason"]) for o in section["omitted"]} == {
        ("rss", "no evaluated cell of the baseline ofa"),
        ("rss-short", "no evaluated cell of the baseline ofa"),
    }
    assert "rss is not compared with ofa on synthetic (mobilenet-v3): no evaluated cell of the baseline ofa." in data["findings"]
    assert {o["run"] for o in data["training_time"]["ratios_omitted"]} == {"rss", "rss-short"}
    assert "Comparisons are omitted: no bucket has subnets evaluated by both runs of any compared pair" in markdown


def test_nothing_evaluated_skips_the_accuracy_figure_and_says_why(tmp_path, registry):
    paths, data, markdown, _ = report(tmp_path, registry, Fixture(unevaluated=ALL_CELLS))
    assert data["accuracy"] == [] and data["comparisons"]["available"] is False
    assert {p.name for p in paths} >= {"training_time.png", "exposure.png"} and "accuracy_per_bucket.png" not in {p.name for p in paths}
    assert "Figure accuracy_per_bucket.png is not drawn: no cell is evaluated yet" in markdown
    assert find(data["figures"], key="accuracy")["skipped"].startswith("no cell is evaluated yet")
    assert all(b["status"] == "not evaluated" for b in data["buckets"][0]["buckets"])


def test_nothing_trained_still_gives_a_report(tmp_path, registry):
    paths, data, markdown, _ = report(tmp_path, registry, Fixture(pending=ALL_CELLS))
    assert {p.name for p in paths} == {"report.md", "report.json", "report.html"}
    assert data["complete"] is False and data["cells"]["trained"] == 0
    assert data["findings"][0].startswith("Partial run: 6 of 6 cells are not trained")
    assert "Figure training_time.png is not drawn: no cell is trained yet" in markdown
    assert data["method"]["flops_definition"].startswith("multiply-accumulates")  # stated before any evaluation


@pytest.mark.parametrize("formats", [("json",), ("md",)])
def test_only_the_requested_formats_are_written(tmp_path, registry, formats):
    run_dir = write_run(tmp_path / "run")
    paths = write_report(run_dir, tmp_path / "out", formats, resamples=RESAMPLES, registry=registry)
    reports = {p.name for p in paths if not p.name.endswith(".png")}
    assert reports == {f"report.{formats[0]}"}
    assert all(p.parent == tmp_path / "out" and p.exists() for p in paths)


def test_subnets_evaluated_by_one_side_only_are_left_out_of_the_pairs(tmp_path, registry):
    import json

    run_dir = write_run(tmp_path / "run")
    (path,) = run_dir.glob("cells/*/*/rss/seed0-*/evaluation.json")
    evaluation = json.loads(path.read_text())
    bucket = next(b for b in evaluation["buckets"] if b["label"] == "8")
    bucket["subnets"] = [s for s in bucket["subnets"] if s["index"] != 5]
    path.write_text(json.dumps(evaluation))
    write_report(run_dir, formats="md,json", resamples=RESAMPLES, registry=registry)
    data = load_json(run_dir / "report" / "report.json")
    result = find(data["comparisons"]["results"], run="rss", bucket="8")
    assert (result["pairs"], result["unmatched"]) == (11, 1)
    assert find(data["accuracy"], run="rss", bucket="8")["per_seed"][0]["indices"] == [0, 1, 2, 3, 4]
    assert "synthetic (mobilenet-v3) bucket 8, rss: 1 subnets evaluated by one side only" in (run_dir / "report" / "report.md").read_text()


def test_holm_family_spans_every_dataset_of_a_run(tmp_path, registry):
    from nasbench_rss.stats import holm

    fixture = Fixture(seeds=(0,), datasets=("synthetic", "fashion-mnist"))
    _, data, markdown, _ = report(tmp_path, registry, fixture)
    section = data["comparisons"]
    assert {"run": "rss", "baseline": "ofa", "test": "wilcoxon", "size": 10} in section["holm_families"]
    family = [r for r in section["results"] if r["run"] == "rss"]
    assert [r["dataset"] for r in family] == ["synthetic"] * 5 + ["fashion-mnist"] * 5
    expected = holm([r["tests"]["welch"]["p_value"] for r in family])
    assert [r["tests"]["welch"]["p_holm"] for r in family] == pytest.approx(expected)
    assert "### fashion-mnist (mobilenet-v3)" in markdown
    assert any(s.startswith("rss beats ofa in 5 of 5 buckets on fashion-mnist (mobilenet-v3)") for s in data["findings"])
