"""The run's ETA reads the suite's plan: the phases validation built, no sampler built again."""

from __future__ import annotations

import math

import pytest

from nasbench_rss.run.workload import cell_workload
from nasbench_rss.samplers import base as sampler_base
from nasbench_rss.suite import parse_suite

SUITE = """\
name: eta
seeds: [0, 1, 2]
defaults:
  architecture: {name: mobilenet-v3}
  dataset:
    name: synthetic
    options: {train_size: 200, test_size: 32, num_classes: 4, channels: 1, image_size: 16}
    valid_size: 40
  training: {batch_size: 32, image_size: 16}
  evaluation: {buckets: [3, 5, 7, 9], per_bucket: 4, recalibration_images: 64, recalibration_batch_size: 32}
runs:
  rss: {sampler: rss, epochs: 2}
  ofa: {sampler: progressive-shrinking, epochs: 8}
references: {per_bucket: 1, epochs: 3}
"""


@pytest.fixture
def samplers_built(monkeypatch):
    """Counts every sampler built (each runs Sampler.__init__)."""
    built = []
    init = sampler_base.Sampler.__init__

    def counting(self, config, context):
        built.append(type(self).__name__)
        init(self, config, context)

    monkeypatch.setattr(sampler_base.Sampler, "__init__", counting)
    return built


def test_a_suites_samplers_are_built_once_per_run_architecture_and_dataset_however_many_seeds(samplers_built):
    suite = parse_suite(SUITE, "eta.yaml")
    references = [cell for cell in suite.cells() if cell.kind == "reference"]
    at_validation = len(samplers_built)
    assert at_validation == 2 + len({cell.subnet for cell in references})  # the runs' two, each reference's own
    workloads = [cell_workload(cell, suite.plan(cell)) for cell in suite.cells()]
    suite.phase_plans()
    assert len(samplers_built) == at_validation  # the ETA and validate's phase plans read what validation built
    assert len(workloads) == 6 + len(references)


def test_a_cells_workload_is_its_phases_subnet_passes_and_its_evaluations_subnets():
    suite = parse_suite(SUITE, "eta.yaml")
    cells = {cell.run: cell for cell in suite.cells() if cell.seed == 0}
    steps = math.ceil((200 - 40) / 32)  # the hold-out is not trained on
    rss = cell_workload(cells["rss"], suite.plan(cells["rss"]))
    assert rss.epoch_passes == (steps, steps)
    ofa_plan = suite.plan(cells["ofa"])
    ofa = cell_workload(cells["ofa"], ofa_plan)
    assert ofa.epoch_passes == tuple(steps * phase.subnets_per_step for phase in ofa_plan.phases for _ in range(phase.epochs))
    assert len(ofa.epoch_passes) == 8 and len({phase.subnets_per_step for phase in ofa_plan.phases}) > 1
    reachable = [b for b in (3, 5, 7, 9) if ofa_plan.flops.min_macs / 1e6 <= b + 0.5 and b - 0.5 <= ofa_plan.flops.max_macs / 1e6]
    assert rss.subnets == ofa.subnets == 4 * len(reachable)
    reference = cells["references"]
    assert cell_workload(reference, suite.plan(reference)).epoch_passes == (steps,) * 3


def test_a_learning_curve_adds_its_panel_at_each_point():
    text = SUITE.replace("recalibration_batch_size: 32}", "recalibration_batch_size: 32, during: {at: [0.25, 0.5, 0.75], per_bucket: 2}}")
    suite = parse_suite(text, "eta.yaml")
    cells = {cell.run: cell for cell in suite.cells() if cell.seed == 0}
    plan = suite.plan(cells["ofa"])
    reachable = sum(1 for b in (3, 5, 7, 9) if plan.flops.min_macs / 1e6 <= b + 0.5 and b - 0.5 <= plan.flops.max_macs / 1e6)
    assert cell_workload(cells["ofa"], plan).subnets == reachable * (4 + 3 * 2)  # 8 epochs: points after 2, 4 and 6
    assert cell_workload(cells["rss"], suite.plan(cells["rss"])).subnets == reachable * (4 + 1 * 2)  # 2 epochs: after 1 only
