"""The evaluated subnet list: per bucket, reproducible, the same for every sampler."""

from __future__ import annotations

import pytest

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.evaluate.subnets import draw_population, population_hash

FMNIST_SHAPE = Shape(in_channels=1, num_classes=10, image_size=32)


def encodings(draws):
    return {draw.label: [s.encode() for s in draw.subnets] for draw in draws}


@pytest.mark.parametrize("mode", ["exact", "paper"])
def test_every_subnet_lies_in_its_bucket(mode):
    table = MOBILENET_V3_ARCH.flops_table(FMNIST_SHAPE)
    draws = draw_population(table, EvaluationConfig(per_bucket=20, mode=mode))
    assert [d.label for d in draws] == ["4", "6", "8", "10", "12", "14"]
    for draw in draws:
        assert draw.reachable and len(draw.subnets) == 20
        for subnet in draw.subnets:
            assert abs(table.mflops(subnet) - draw.bucket.target) <= draw.bucket.tolerance
    # paper mode locks expand at its minimum for the lowest bucket and its maximum for the highest
    if mode == "paper":
        assert all(set(e for stage in s.expands for e in stage) == {3} for s in draws[0].subnets)
        assert all(set(e for stage in s.expands for e in stage) == {6} for s in draws[-1].subnets)


def test_the_list_depends_on_architecture_shape_and_seed_only():
    table = MOBILENET_V3_ARCH.flops_table(FMNIST_SHAPE)
    config = EvaluationConfig(per_bucket=5)
    first = draw_population(table, config)
    again = draw_population(MOBILENET_V3_ARCH.flops_table(FMNIST_SHAPE), config)
    assert encodings(first) == encodings(again)
    assert population_hash(first) == population_hash(again)
    other_seed = draw_population(table, config.model_copy(update={"seed": 1}))
    assert encodings(other_seed) != encodings(first)
    other_shape = draw_population(MOBILENET_V3_ARCH.flops_table(Shape(3, 100, 32)), config)
    assert population_hash(other_shape) != population_hash(first)
    # settings that do not choose subnets leave the list alone
    calibration = config.model_copy(update={"recalibration_images": 64, "recalibration_batch_size": 32, "batch_size": 7})
    assert encodings(draw_population(table, calibration)) == encodings(first)


def test_more_subnets_or_buckets_keep_the_subnets_already_drawn():
    table = MOBILENET_V3_ARCH.flops_table(FMNIST_SHAPE)
    few = encodings(draw_population(table, EvaluationConfig(buckets=(6, 8), per_bucket=3)))
    more = encodings(draw_population(table, EvaluationConfig(buckets=(4, 6, 8), per_bucket=6)))
    assert more["6"][:3] == few["6"] and more["8"][:3] == few["8"]


def test_an_unreachable_bucket_is_kept_with_its_reason():
    table = PROXYLESSNAS_ARCH.flops_table(Shape(3, 100, 32))
    draws = draw_population(table, EvaluationConfig(per_bucket=2))
    skipped = {d.label: d for d in draws if not d.reachable}
    assert list(skipped) == ["14"]
    assert skipped["14"].subnets == () and skipped["14"].networks == 0
    assert "reachable: 3.2480 to 12.4813 MFLOPs" in skipped["14"].reason
    assert all(len(d.subnets) == 2 for d in draws if d.reachable)


def test_bucket_facts_are_exact_counts_and_probabilities():
    table = MOBILENET_V3_ARCH.flops_table(Shape(3, 100, 32))
    draws = {d.label: d for d in draw_population(table, EvaluationConfig(per_bucket=1))}
    total = sum(d.networks for d in draws.values())
    assert 0 < total < 7371**5
    assert draws["14"].probability < 1e-5 < draws["10"].probability < 1


def test_calibration_batch_larger_than_the_calibration_set_is_refused():
    with pytest.raises(ValueError, match="recalibration_batch_size 300 is more than recalibration_images 200"):
        EvaluationConfig(recalibration_images=200, recalibration_batch_size=300)


def test_calibration_images_must_fill_equal_batches():
    with pytest.raises(ValueError, match="recalibration_images 2001 is not a multiple of recalibration_batch_size 200; allowed: equal batches, e.g. 2000 images"):
        EvaluationConfig(recalibration_images=2001)
    assert EvaluationConfig(recalibration_images=400).recalibration_images == 400
