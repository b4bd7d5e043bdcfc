"""A suite's ``references:``: stand-alone cells planned once from the evaluation list and shared by every run."""

from __future__ import annotations

import torch

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.evaluate.subnets import draw_population
from nasbench_rss.suite import parse_suite
from nasbench_rss.suite.cells import reference_subnets
from tests.suite.suite_helpers import problems

SUITE = """\
name: refs
seeds: [0, 1, 2]
defaults:
  architecture: {{name: mobilenet-v3}}
  dataset:
    name: synthetic
    options: {{train_size: 128, test_size: 32, num_classes: 4, channels: 1, image_size: 16}}
  training: {{batch_size: 32, image_size: 16, lr: 0.02}}
  evaluation: {{buckets: [3, 5, 7, 9], per_bucket: 4, recalibration_images: 64, recalibration_batch_size: 32}}
runs:
{runs}
references:
{references}
"""
RUNS = "  rss: {sampler: rss, epochs: 2}\n  ofa: {sampler: progressive-shrinking, epochs: 8}"


def suite(references: str = "  per_bucket: 2\n  epochs: 3", runs: str = RUNS):
    return parse_suite(SUITE.format(runs=runs, references=references), "refs.yaml")


def references_of(s):
    return [c for c in s.cells() if c.kind == "reference"]


def test_references_are_the_first_subnets_of_each_buckets_evaluation_list():
    s = suite()
    table = MOBILENET_V3_ARCH.flops_table(Shape(1, 4, 16))
    draws = draw_population(table, s.evaluation)
    refs = references_of(s)
    assert {c.subnet for c in refs} == set(reference_subnets(draws, 2))
    for draw in draws:
        firsts = list(dict.fromkeys(sub.encode() for sub in draw.subnets))[:2]
        assert [c.subnet for c in refs if draw.label in c.buckets] == firsts  # in list order
    assert not [c for c in refs if "9" in c.buckets]  # bucket 9 is unreachable: nothing to train
    cell = refs[0]
    assert cell.id == f"mobilenet-v3/synthetic/references/{cell.subnet}/seed0"
    assert str(cell.directory).startswith(f"cells/mobilenet-v3/synthetic/references/{cell.subnet}/seed0-")
    assert cell.config.sampler == "stand-alone" and cell.config.sampler_options["subnet"] == cell.subnet
    assert cell.config.epochs == 3 and cell.config.train.lr == 0.02  # the suite's training settings
    assert cell.record()["kind"] == "reference" and cell.record()["buckets"] == list(cell.buckets)


def test_references_are_planned_once_and_shared_by_every_run():
    with_two = references_of(suite())
    with_one = references_of(suite(runs="  rss: {sampler: rss, epochs: 2}"))
    assert [(c.id, c.config_hash) for c in with_two] == [(c.id, c.config_hash) for c in with_one]
    assert len(with_two) == len({c.subnet for c in with_two})  # one seed (the suite's first) by default
    assert {c.seed for c in with_two} == {0}
    seeded = references_of(suite("  per_bucket: 1\n  epochs: 3\n  seeds: [4, 5]"))
    assert {c.seed for c in seeded} == {4, 5} and len(seeded) == 2 * len({c.subnet for c in seeded})


def test_a_subnet_two_buckets_hold_is_one_reference():
    draws = [
        type("Draw", (), {"label": "3", "subnets": [_Enc("a"), _Enc("b"), _Enc("a")]})(),
        type("Draw", (), {"label": "5", "subnets": [_Enc("b"), _Enc("c")]})(),
    ]
    assert reference_subnets(draws, 2) == {"a": ("3",), "b": ("3", "5"), "c": ("5",)}


class _Enc:
    def __init__(self, text: str) -> None:
        self.text = text

    def encode(self) -> str:
        return self.text


def test_the_resolved_suite_plans_the_same_references():
    s = suite("  per_bucket: 2\n  epochs: 3\n  training: {lr: 0.05}")
    again = parse_suite(s.resolved_yaml(), "resolved.yaml")
    assert [(c.id, c.config_hash) for c in again.cells()] == [(c.id, c.config_hash) for c in s.cells()]
    assert references_of(again)[0].config.train.lr == 0.05


def test_bad_references_are_refused_at_their_line():
    found = problems(SUITE.format(runs=RUNS, references="  per_bucket: 5\n  epochs: 3"), "refs.yaml")
    assert any("refs.yaml:14:15: references.per_bucket: 5 references per bucket, but the evaluation draws 4; allowed: 1 to 4" in p for p in found), found
    found = problems(SUITE.format(runs=RUNS, references="  per_bucket: 2\n  epochs: 3\n  seeds: [1, 1]"), "refs.yaml")
    assert any("refs.yaml:16:14: references.seeds[1]: seed 1 repeats" in p for p in found), found
    found = problems(SUITE.format(runs=RUNS, references="  per_bucket: 2\n  epochs: {mnist: 3}"), "refs.yaml")
    assert any("'mnist' is not a dataset of this suite" in p for p in found), found
    found = problems(SUITE.format(runs=RUNS, references="  per_bucket: 2\n  epochs: 3\n  epoch: 3"), "refs.yaml")
    assert any("references.epoch: unknown key 'epoch' (did you mean 'epochs'?); allowed: per_bucket, epochs, seeds, training, compile" in p for p in found), found
    found = problems(SUITE.format(runs=RUNS + "\n  references: {sampler: rss, epochs: 2}", references="  per_bucket: 2\n  epochs: 3"), "refs.yaml")
    assert any("run name 'references' is taken by the stand-alone references" in p for p in found), found
    found = problems(SUITE.format(runs=RUNS, references="  per_bucket: 2\n  epochs: 3\n  training: {lr: -1}"), "refs.yaml")
    assert any("references.training.lr: -1 not allowed; allowed: greater than 0" in p for p in found), found


def test_stand_alone_training_builds_the_references_own_network():
    from nasbench_rss.arch.stand_alone import StandAloneNetwork
    from nasbench_rss.runtime.build import build_cell

    cell = references_of(suite())[0]
    built = build_cell(cell.config, torch.device("cpu"))
    assert isinstance(built.model, StandAloneNetwork) and built.model.active.encode() == cell.subnet
