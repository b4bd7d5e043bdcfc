"""Exact FLOPs: equal to OFA's analytic counter, monotone, batch == single."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.space.population import sample
from nasbench_rss.space.subnet import Subnet

SHAPES = [Shape(3, 100, 32), Shape(3, 10, 28), Shape(1, 10, 28), Shape(3, 1000, 224), Shape(3, 7, 33)]


def ofa_counter(arch_name, num_classes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        networks = pytest.importorskip("ofa.imagenet_classification.elastic_nn.networks")
        predictor = pytest.importorskip("ofa.nas.efficiency_predictor")
    kwargs = dict(n_classes=num_classes, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    if arch_name == "mobilenet-v3":
        return predictor.Mbv3FLOPsModel(networks.OFAMobileNetV3(**kwargs))
    return predictor.ProxylessNASFLOPsModel(networks.OFAProxylessNASNets(**kwargs))


def first_conv_macs(arch, shape, channels):
    size = (shape.image_size + 1) // 2
    return size * size * channels * arch.layout.first_conv_width * 9


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_flops_equal_ofas_counter_on_random_subnets(arch, shape):
    counter = ofa_counter(arch.name, shape.num_classes)
    table = arch.flops_table(shape)
    subnets = sample(table.space, 60, np.random.default_rng(shape.image_size), "per-dimension")
    subnets += [table.space.smallest(), table.space.largest()]
    for subnet in subnets:
        ofa = {k: [3 if v is None else v for v in values] for k, values in subnet.to_ofa().items()}
        expected = counter.get_efficiency(dict(ofa, image_size=shape.image_size))
        # OFA's counter always assumes a 3-channel input; we count the real first conv.
        expected += (first_conv_macs(arch, shape, shape.in_channels) - first_conv_macs(arch, shape, 3)) / 1e6
        assert table.mflops(subnet) == pytest.approx(expected, rel=0, abs=1e-9), subnet.encode()
        if shape.in_channels == 3:
            assert table.mflops(subnet) == expected  # bit-for-bit: both are exact integer sums / 1e6


def test_reference_ranges_at_the_papers_shape():
    mbv3 = MOBILENET_V3_ARCH.flops_table(Shape(3, 100, 32))
    proxyless = PROXYLESSNAS_ARCH.flops_table(Shape(3, 100, 32))
    assert (mbv3.min_macs, mbv3.max_macs) == (4_050_384, 15_313_440)
    assert (proxyless.min_macs, proxyless.max_macs) == (3_248_000, 12_481_280)
    assert mbv3.macs(mbv3.space.smallest()) == mbv3.min_macs and mbv3.macs(mbv3.space.largest()) == mbv3.max_macs


def _grow(subnet, data):
    """A subnet with one kernel, expand or depth choice increased (None if all are maximal)."""
    space = subnet.space
    layers = [list(stage) for stage in subnet.layers]
    moves = []
    for s, stage in enumerate(layers):
        for i, (k, e) in enumerate(stage):
            moves += [("k", s, i, c) for c in space.kernel_choices if c > k]
            moves += [("e", s, i, c) for c in space.expand_choices if c > e]
        moves += [("d", s, None, d) for d in space.stage_depth_choices(s) if d > len(stage)]
    if not moves:
        return None
    what, s, i, value = data.draw(st.sampled_from(moves))
    if what == "k":
        layers[s][i] = (value, layers[s][i][1])
    elif what == "e":
        layers[s][i] = (layers[s][i][0], value)
    else:
        extra = data.draw(st.lists(st.tuples(st.sampled_from(space.kernel_choices), st.sampled_from(space.expand_choices)), min_size=value - len(layers[s]), max_size=value - len(layers[s])))
        layers[s] = layers[s] + extra
    return Subnet(space, tuple(tuple(stage) for stage in layers))


@pytest.mark.parametrize("arch_", [MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH], ids=lambda a: a.name)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_flops_never_decrease_when_a_choice_grows(arch_, data):
    table = arch_.flops_table(Shape(1, 10, 28))
    subnet = data.draw(st.integers(0, table.space.size - 1).map(table.space.unrank))
    bigger = _grow(subnet, data)
    if bigger is not None:
        assert table.macs(bigger) >= table.macs(subnet)


def test_batch_counting_equals_single_counting(mbv3_table):
    subnets = sample(mbv3_table.space, 500, np.random.default_rng(3))
    batch = mbv3_table.mflops_of(subnets)
    assert batch.tolist() == [mbv3_table.mflops(s) for s in subnets]


def test_restricted_table_agrees_with_full_table(mbv3_table):
    sub = mbv3_table.space.restrict(expand=[3], depth=[2, 4])
    sub_table = mbv3_table.for_space(sub)
    subnets = sample(sub, 200, np.random.default_rng(4))
    assert sub_table.mflops_of(subnets).tolist() == mbv3_table.mflops_of(subnets).tolist()
