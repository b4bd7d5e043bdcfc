"""Training MACs, counted by the loop, equal a count made from the events' subnets and steps.

The loop counts per optimizer step (:mod:`nasbench_rss.train.cost`); the check here counts
from what the cell wrote: each epoch's trained subnets with their steps (the exposure
record), the batch (every batch is full: 128 images, batch 32), the rule's factor 3, and a
teacher forward for each step of a distilling phase. A resumed cell counts as one trained
at once.
"""

from __future__ import annotations

import pytest
import torch

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.run.runner import train_cell
from nasbench_rss.runtime.build import build_cell
from nasbench_rss.suite.match import step_images, training_macs
from nasbench_rss.train.cost import BACKWARD_FACTOR, DEFINITION, TrainingCost, total_of
from tests.train.test_trainer import cell_config, quiet, read_events

BATCH = 32


def counted_from_events(events: list[dict], distilling: set[int], largest_macs: int) -> dict[str, int]:
    subnets = teacher = 0
    for epoch in events:
        assert epoch["images"] == epoch["steps"] * BATCH  # full batches only, so a step is BATCH images
        subnets += sum(round(s["mflops"] * 1e6) * s["steps"] * BATCH * (1 + BACKWARD_FACTOR) for s in epoch["subnets"])
        if epoch["phase_index"] in distilling:
            teacher += epoch["steps"] * BATCH * largest_macs
    return {"subnets": subnets, "teacher": teacher, "candidates": 0, "total": subnets + teacher}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sampler", "options", "epochs"),
    [("rss", {}, 3), ("per-batch", {"k": 2}, 2), ("progressive-shrinking", {}, 6)],
)
def test_train_macs_equal_a_count_from_the_events(tmp_path, sampler, options, epochs):
    config = cell_config(sampler=sampler, sampler_options=options, epochs=epochs)
    result = train_cell(config, tmp_path, device="cpu", events=quiet)
    cell = build_cell(config, torch.device("cpu"))
    largest = cell.sampler.context.flops.macs(cell.model.space.largest())
    distilling = {i for i, phase in enumerate(cell.sampler.phases) if phase.kd_ratio > 0}
    events = read_events(tmp_path)
    expected = counted_from_events(events, distilling, largest)
    assert result["train_macs"] == expected
    assert [e["train_macs"]["total"] for e in events] == [counted_from_events([e], distilling, largest)["total"] for e in events]
    assert result["train_macs_definition"] == DEFINITION
    # What a suite counts before training (epochs: {match: ...}) is what training counted.
    fresh = build_cell(config, torch.device("cpu")).sampler
    assert training_macs(fresh, epochs, step_images(128, BATCH, drop_last=False)) == expected["total"]
    if sampler == "progressive-shrinking":
        assert distilling and expected["teacher"] > 0  # the shrinking phases distil from the largest subnet


@pytest.mark.slow
def test_a_resumed_cell_counts_what_one_trained_at_once_counts(tmp_path):
    config = cell_config(sampler="per-batch", sampler_options={"k": 2}, epochs=3)
    whole = train_cell(config, tmp_path / "whole", device="cpu", events=quiet)
    assert train_cell(config, tmp_path / "parts", device="cpu", events=quiet, epoch_limit=2) is None
    resumed = train_cell(config, tmp_path / "parts", device="cpu", events=quiet)
    assert resumed["train_macs"] == whole["train_macs"] and whole["train_macs"]["total"] > 0


def test_the_rule_per_step():
    table = MOBILENET_V3_ARCH.flops_table(Shape(in_channels=1, num_classes=4, image_size=16))
    space = MOBILENET_V3_ARCH.space()
    small, large = space.smallest(), space.largest()
    cost = TrainingCost(table, table.macs(large))
    cost.add_step([small, large], 10, teacher=True, candidates=[small, small, large])
    cost.add_step([small], 3, teacher=False)
    s, l = table.macs(small), table.macs(large)
    assert cost.record() == {
        "subnets": (s + l) * 10 * 3 + s * 3 * 3,
        "teacher": l * 10,
        "candidates": (2 * s + l) * 10,
        "total": (s + l) * 30 + 9 * s + 10 * l + (2 * s + l) * 10,
    }


def test_a_run_with_an_epoch_that_did_not_count_has_no_total():
    counted = {"subnets": 6, "teacher": 2, "candidates": 1, "total": 9}
    epoch = {"event": "epoch", "train_macs": counted}
    assert total_of([epoch, epoch]) == {"subnets": 12, "teacher": 4, "candidates": 2, "total": 18}
    assert total_of([epoch, {"event": "epoch", "epoch": 1}]) is None  # an epoch trained before MACs were counted
    assert total_of([]) is None
