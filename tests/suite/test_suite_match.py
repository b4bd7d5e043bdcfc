"""Runs whose epochs are set by another run's training MACs (``epochs: {match: RUN, by: macs}``)."""

from __future__ import annotations

import pytest

from nasbench_rss.limits import MAX_EPOCHS
from nasbench_rss.suite import parse_suite
from nasbench_rss.suite.match import CannotMatch, closest_epochs, step_images
from tests.suite.suite_helpers import problems

SUITE = """\
name: match
seeds: [0, 1]
device: cpu
defaults:
  architecture: {{name: mobilenet-v3}}
  dataset:
    name: synthetic
    options: {{train_size: 100, test_size: 32, num_classes: 4, channels: 1, image_size: 16}}
  training: {{batch_size: 32, image_size: 16}}
  evaluation: {{buckets: [4], per_bucket: 2, recalibration_images: 64, recalibration_batch_size: 32}}
runs:
  ofa: {{sampler: progressive-shrinking, epochs: 6}}
{runs}
"""


def suite(runs: str):
    return parse_suite(SUITE.format(runs=runs), "match.yaml")


def test_matched_epochs_spend_the_named_runs_macs_within_one_epoch():
    parsed = suite("  rss-eq: {sampler: rss, epochs: {match: ofa, by: macs}}\n  per-batch-eq: {sampler: per-batch, options: {k: 2}, epochs: {match: ofa}}")
    runs = {run.name: run for run in parsed.resolved.runs}
    for name in ("rss-eq", "per-batch-eq"):
        matched = runs[name].matched["synthetic"]
        assert matched.match == "ofa" and matched.epochs == runs[name].epochs_for("synthetic")
        assert abs(matched.macs - matched.target_macs) <= matched.epoch_macs
        assert matched.epochs > 6  # progressive shrinking trains up to 4 subnets and a teacher per step
    # per-batch-2 trains two subnets per step: about half rss's epochs
    assert runs["per-batch-eq"].matched["synthetic"].epochs == pytest.approx(runs["rss-eq"].matched["synthetic"].epochs / 2, abs=1)
    cells = {cell.id: cell.config.epochs for cell in parsed.cells()}
    assert cells["mobilenet-v3/synthetic/rss-eq/seed1"] == runs["rss-eq"].matched["synthetic"].epochs
    # the resolved document writes the epochs out: it parses again to the same cells
    again = parse_suite(parsed.resolved_yaml(), "resolved.yaml")
    assert [(c.id, c.config_hash) for c in again.cells()] == [(c.id, c.config_hash) for c in parsed.cells()]


def test_a_match_that_cannot_be_made_is_a_problem_at_its_line():
    lines = problems(
        SUITE.format(runs="  a: {sampler: rss, epochs: {match: nope}}\n  b: {sampler: rss, epochs: {match: b}}\n"
                     "  c: {sampler: rss, epochs: {match: a}}\n  d: {sampler: attentive, epochs: {match: ofa}}"),
        "match.yaml",
    )  # fmt: skip
    text = "\n".join(lines)
    assert "runs.a.epochs.match: 'nope' names no run of the suite; allowed: a run with its own epochs (ofa)" in text
    assert "runs.b.epochs.match: 'b' is this run" in text
    assert "runs.c.epochs.match: 'a' sets its own epochs by a match" in text
    assert "picks subnets by their loss during training" in text


def test_a_shortest_length_too_costly_is_refused():
    text = "\n".join(problems(SUITE.format(runs="  rss: {sampler: rss, epochs: 2}\n  ofa-eq: {sampler: progressive-shrinking, epochs: {match: rss}}"), "m.yaml"))
    assert "its closest length, 6 epochs (the shortest its sampler can train)" in text and "more than one epoch's worth" in text


def test_unknown_keys_and_other_measures_are_refused():
    assert any("runs.rss.epochs.by: 'seconds' not allowed" in line and "'macs'" in line for line in problems(SUITE.format(runs="  rss: {sampler: rss, epochs: {match: ofa, by: seconds}}"), "m.yaml"))
    assert any("runs.rss.epochs.per: unknown key 'per'; allowed: match, by" in line for line in problems(SUITE.format(runs="  rss: {sampler: rss, epochs: {match: ofa, per: 2}}"), "m.yaml"))


def test_step_images_follow_the_loader():
    assert step_images(100, 32, False) == [32, 32, 32, 4]
    assert step_images(100, 32, True) == [32, 32, 32]
    assert step_images(64, 32, False) == [32, 32]


def test_closest_epochs_on_a_known_cost():
    cost = {e: 10.0 * e for e in range(1, MAX_EPOCHS + 1)}
    assert closest_epochs(cost.get, 234.0) == (23, 230.0, 10.0)
    assert closest_epochs(cost.get, 236.0) == (24, 240.0, 10.0)
    shortest_six = {e: (10.0 * e if e >= 6 else None) for e in range(1, MAX_EPOCHS + 1)}
    assert closest_epochs(shortest_six.get, 20.0)[0] == 6
    with pytest.raises(CannotMatch, match="fewer than"):
        closest_epochs(cost.get, 1e9)
