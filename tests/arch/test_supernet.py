"""The elastic supernets: extraction, OFA equivalence, FLOPs, channel reorganisation.

Weights are randomised and the BN running statistics calibrated on random data before
comparing outputs: with PyTorch's default initialisation the logits of a deep random
MobileNet hardly depend on the input, and a comparison would not see early layers.
"""

from __future__ import annotations

import copy
import functools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.arch.supernet import ElasticMBNet
from nasbench_rss.errors import SpaceError
from nasbench_rss.space.subnet import Subnet
from tests.ofa_oracle import ofa_networks, paired_tensors, randomize, set_ofa

ARCHS = {a.name: a for a in (MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH)}
SHAPES = [Shape(c, k, s) for c in (1, 3) for s in (28, 32) for k in (2, 10, 100)]
FEW = settings(max_examples=15, deadline=None)
# The only module types allowed to hold weights or do work in an extracted network.
PLAIN = (nn.Conv2d, nn.BatchNorm2d, nn.Linear, nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.Dropout)


pytestmark = pytest.mark.usefixtures("one_thread")


# ------------------------------------------------------------------ helpers
@torch.no_grad()
def calibrate(net: nn.Module, x: torch.Tensor) -> None:
    """Set every BN's running statistics to one batch's (momentum 1), then eval mode."""
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    saved = [b.momentum for b in bns]
    for b in bns:
        b.momentum = 1.0
    net.train()
    net(x)
    for b, momentum in zip(bns, saved):
        b.momentum = momentum
    net.eval()


def inputs(shape: Shape, n: int = 2, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, shape.in_channels, shape.image_size, shape.image_size, generator=g)


def fresh(arch: str, shape: Shape, dropout: float = 0.1, seed: int = 0) -> ElasticMBNet:
    with torch.random.fork_rng():  # seeded initialisation without touching the global RNG
        torch.manual_seed(seed)
        net = ARCHS[arch].build(shape, dropout=dropout)
    randomize(net, seed)
    calibrate(net, inputs(shape, 16, seed + 1))
    return net


@functools.lru_cache(maxsize=None)
def cached(arch: str, shape: Shape) -> ElasticMBNet:
    """Read-only supernets shared by tests that only switch the active subnet."""
    return fresh(arch, shape)


def subnets(space):
    return st.integers(0, space.size - 1).map(space.unrank)


def _zero(module, inputs, output):
    """thop counter for modules whose work OFA's count leaves out (BN, activations, dropout)."""
    module.total_ops += torch.zeros(1, dtype=torch.float64)


ZERO_OPS = {t: _zero for t in (nn.BatchNorm2d, nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.Dropout)}


def storages(module: nn.Module) -> set[int]:
    return {t.untyped_storage().data_ptr() for t in [*module.parameters(), *module.buffers()]}


# ----------------------------------------------------------- extraction
@FEW
@given(data=st.data())
def test_extracted_network_computes_what_the_supernet_computes(data):
    arch = data.draw(st.sampled_from(sorted(ARCHS)), label="arch")
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    net = cached(arch, shape)
    subnet = data.draw(subnets(net.space), label="subnet")
    net.set_active(subnet)
    static = net.extract()
    assert not static.training
    for m in static.modules():
        if not list(m.children()):
            assert isinstance(m, PLAIN), type(m)
    x = inputs(shape, seed=1)
    with torch.no_grad():
        expected = net(x)
        torch.testing.assert_close(static(x), expected, rtol=1e-5, atol=1e-5)
    assert expected.shape == (2, shape.num_classes)
    assert storages(static).isdisjoint(storages(net))


@functools.lru_cache(maxsize=None)
def _odd_supernet() -> ElasticMBNet:
    """Kernels 3/7 (one 7to3 matrix) and expand 1 (no expand conv) in the choices."""
    space = MOBILENET_V3_ARCH.space(kernel=(3, 7), expand=(1, 3, 6), depth=(1, 4))
    shape = Shape(2, 5, 28)
    with torch.random.fork_rng():
        torch.manual_seed(1)
        net = MOBILENET_V3_ARCH.build(shape, space)
    randomize(net, 1)
    calibrate(net, inputs(shape, 16))
    return net


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_other_choice_sets_extract_and_count_consistently(data):
    thop = pytest.importorskip("thop")
    net = _odd_supernet()
    assert [n for n, _ in net.stages[0][0].depthwise.named_parameters()] == ["weight", "7to3_matrix"]
    subnet = data.draw(subnets(net.space), label="subnet")
    net.set_active(subnet)
    static = net.extract()
    x = inputs(net.shape, seed=2)
    with torch.no_grad():
        torch.testing.assert_close(static(x), net(x), rtol=1e-5, atol=1e-5)
    macs, _ = thop.profile(static, inputs=(inputs(net.shape, n=1),), custom_ops=ZERO_OPS, verbose=False)
    assert macs == round(net.flops(subnet) * 1e6)


def test_extracted_network_shares_nothing_with_the_supernet():
    shape = Shape(3, 10, 32)
    net = fresh("mobilenet-v3", shape)
    subnet = Subnet.decode(net.space, "3436-5356-73765433-3433-7673")
    static = net.extract(subnet)
    assert storages(static).isdisjoint(storages(net))
    x = inputs(shape)
    with torch.no_grad():
        before = static(x)
        for p in net.parameters():
            p.zero_()
        torch.testing.assert_close(static(x), before, rtol=0, atol=0)


def test_extract_keeps_mode_and_defaults_to_the_active_subnet():
    net = cached("proxylessnas", Shape(3, 10, 28))
    small = net.space.smallest()
    net.set_active(small)
    assert net.active == small
    net.train()
    try:
        static = net.extract()
        assert static.training
        assert len(static.blocks) == 1 + sum(small.depths)
    finally:
        net.eval()


# ------------------------------------------------------------------ FLOPs
@pytest.mark.parametrize("arch", sorted(ARCHS))
@pytest.mark.parametrize("shape", [Shape(1, 2, 28), Shape(3, 100, 32)])
def test_thop_on_the_extracted_network_equals_the_flops_table(arch, shape):
    thop = pytest.importorskip("thop")
    net = cached(arch, shape)
    space = net.space
    for subnet in (space.smallest(), space.largest(), space.unrank(space.size // 3), space.unrank(space.size // 7)):
        static = net.extract(subnet)
        # thop 0.1.1 counts conv MACs without bias (like OFA), Linear as in_features per output.
        macs, _ = thop.profile(static, inputs=(inputs(shape, n=1),), custom_ops=ZERO_OPS, verbose=False)
        assert macs == round(net.flops(subnet) * 1e6), subnet


def test_flops_default_to_active_subnet_and_accept_encodings():
    net = cached("mobilenet-v3", Shape(3, 10, 32))
    net.set_active(net.space.smallest())
    assert net.flops() == net.flops(net.space.smallest()) == net.flops("3333-3333-3333-3333-3333")
    assert net.flops(net.space.largest()) > net.flops()


# ---------------------------------------------------------------- set_active
def test_set_active_rejects_other_architectures_and_choices_outside_the_space():
    net = cached("mobilenet-v3", Shape(3, 10, 32))
    with pytest.raises(SpaceError):
        net.set_active(PROXYLESSNAS_ARCH.space().largest())
    restricted = MOBILENET_V3_ARCH.build(Shape(3, 10, 32), space=MOBILENET_V3_ARCH.space(kernel=(3, 5)))
    with pytest.raises(SpaceError):
        restricted.set_active(MOBILENET_V3_ARCH.space().largest())
    with pytest.raises(SpaceError):
        ElasticMBNet(MOBILENET_V3_ARCH.layout, PROXYLESSNAS_ARCH.space(), Shape())


def test_set_active_accepts_subnets_of_a_sub_space():
    net = cached("mobilenet-v3", Shape(3, 10, 32))
    sub_space = net.space.restrict(kernel=[3, 5], depth=[2])
    net.set_active(sub_space.largest())
    assert net.active == sub_space.largest()
    assert net.active.depths == (2,) * 5


# ------------------------------------------------------------------- training
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_training_step_reaches_kernel_transforms_and_updates_bn_slices(arch):
    shape = Shape(3, 10, 32)
    net = ARCHS[arch].build(shape).train()
    space = net.space
    layers = tuple(
        ((3, 4), (5, 6), (7, 3)) if max(space.stage_depth_choices(s)) >= 3 else ((3, 4),) * space.max_depths[s]
        for s in range(space.n_stages)
    )
    subnet = Subnet(space, layers)
    net.set_active(subnet)
    first = net.stages[0]
    mean_before = first[0].expand_bn.running_mean.clone()
    net(inputs(shape, 8)).logsumexp(1).sum().backward()
    k3, k5, k7 = first[0].depthwise, first[1].depthwise, first[2].depthwise
    for big, small in ((7, 5), (5, 3)):
        assert k3.transform_matrix(big, small).grad.abs().sum() > 0
        assert k7.transform_matrix(big, small).grad is None
    assert k5.transform_matrix(7, 5).grad.abs().sum() > 0
    assert k5.transform_matrix(5, 3).grad is None
    if space.max_depths[0] > 3:
        assert all(p.grad is None for p in first[3].parameters())  # inactive layer
    mid = first[0].mids[4]
    assert not torch.equal(first[0].expand_bn.running_mean[:mid], mean_before[:mid])
    assert torch.equal(first[0].expand_bn.running_mean[mid:], mean_before[mid:])
    assert int(first[0].expand_bn.num_batches_tracked) == 1
    grad = first[0].expand_conv.weight.grad
    assert grad[mid:].abs().sum() == 0 and grad[:mid].abs().sum() > 0


@pytest.mark.parametrize("in_channels", [1, 3])
def test_channels_last_gives_the_same_output_and_is_kept_by_extract(in_channels):
    shape = Shape(in_channels, 10, 32)
    net = cached("mobilenet-v3", shape)
    net.set_active(Subnet.decode(net.space, "3436-5356-73765433-3433-7673"))
    x = inputs(shape)
    net = copy.deepcopy(net).to(memory_format=torch.channels_last)
    x_cl = x.to(memory_format=torch.channels_last)
    with torch.no_grad():
        expected = cached("mobilenet-v3", shape)(x)
        torch.testing.assert_close(net(x_cl), expected, rtol=1e-3, atol=1e-3)
        # transformed depthwise filters keep the weight's strides (conv picks its format from them)
        assert net.stages[0][0].depthwise.active_filter(48, 3).stride(1) == 1
        static = net.extract()
        assert all(m.weight.stride(1) == 1 for m in static.modules() if isinstance(m, nn.Conv2d))
        torch.testing.assert_close(static(x_cl), net(x_cl), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------- reorganisation
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_reorganize_channels_keeps_the_largest_network(arch):
    shape = Shape(3, 10, 32)
    net = fresh(arch, shape).double()  # float64: a reordered sum must not hide a wrong permutation
    x = inputs(shape, 4).double()
    with torch.no_grad():
        expected = net(x)
    for stage in (0, 2):
        net.reorganize_channels(expand_stage=stage)
        with torch.no_grad():
            torch.testing.assert_close(net(x), expected, rtol=1e-9, atol=1e-9)
    for stage in net.stages:
        for layer in stage:
            importance = layer.project.weight.abs().sum(dim=(0, 2, 3))
            widths = sorted(layer.mids.values())
            # expand_stage=2: sorted within each expand tier, tiers kept in place.  (In float32
            # OFA's 1e5 tier offsets round importances to ~0.03, so the order is approximate.)
            for lo, hi in zip([0, *widths[:-1]], widths):
                tier = importance[lo:hi]
                assert torch.all(tier[:-1] >= tier[1:] - 1e-6), (lo, hi)
    with pytest.raises(ValueError):
        net.reorganize_channels(expand_stage=3)


# ------------------------------------------------------------ OFA as oracle
def _ofa_pair(arch: str, dropout: float = 0.1, seed: int = 0):
    """Our supernet and OFA's with identical (randomised, calibrated) weights, in float64.

    In float64 the one difference in rounding (OFA pools with ``x.mean(3).mean(2)``, we
    with one mean) stays far below the tolerances, so these can be tight.
    """
    ofa = ofa_networks()[arch](
        n_classes=10, dropout_rate=dropout, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4]
    )
    shape = Shape(3, 10, 32)
    ours = fresh(arch, shape, dropout=dropout, seed=seed)
    with torch.no_grad():
        for _, mine, theirs in paired_tensors(ours, ofa):
            theirs.copy_(mine)
    ofa.train(ours.training)
    return ours.double(), ofa.double(), shape


@functools.lru_cache(maxsize=None)
def _cached_ofa_pair(arch: str):
    return _ofa_pair(arch)


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_builds_the_network_ofa_builds(arch):
    ofa_networks()
    ours, ofa, shape = _cached_ofa_pair(arch)
    x = inputs(shape, 4).double()

    @FEW
    @given(subnet=subnets(ours.space))
    def check(subnet):
        ours.set_active(subnet)
        set_ofa(ofa, subnet)
        with torch.no_grad():
            torch.testing.assert_close(ours(x), ofa(x), rtol=1e-9, atol=1e-9)

    check()


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_training_step_matches_ofa(arch):
    ours, ofa, shape = _ofa_pair(arch, dropout=0.0, seed=3)
    ours.train(), ofa.train()
    space = ours.space
    layers = (((3, 4), (5, 6), (7, 3)) if space.max_depths[s] == 4 else ((5, 3),) for s in range(space.n_stages))
    subnet = Subnet(space, tuple(layers))
    ours.set_active(subnet)
    set_ofa(ofa, subnet)
    x = inputs(shape, 8, seed=5).double()
    weights = torch.randn(10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out_ours, out_ofa = ours(x), ofa(x)
    torch.testing.assert_close(out_ours, out_ofa, rtol=1e-9, atol=1e-9)
    (out_ours * weights).sum().backward()
    (out_ofa * weights).sum().backward()
    for name, mine, theirs in paired_tensors(ours, ofa):
        torch.testing.assert_close(mine.detach(), theirs.detach(), rtol=1e-9, atol=1e-9, msg=name)
        if isinstance(mine, nn.Parameter):
            assert (mine.grad is None) == (theirs.grad is None), name
            if mine.grad is not None:
                # Relative to the tensor's largest gradient (BN biases followed by BN get ~0).
                # Not tighter: torch's hardsigmoid backward uses 1/6 rounded to float32 even in
                # float64 (3e-8 relative), OFA's relu6(x + 3) / 6 the float64 one.
                scale = max(1.0, theirs.grad.abs().max().item())
                torch.testing.assert_close(mine.grad, theirs.grad, rtol=0, atol=1e-6 * scale, msg=name)


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_reorganize_channels_matches_ofa(arch):
    ours, ofa, _ = _ofa_pair(arch, seed=7)
    for stage in (1, 2):  # the expand-shrinking phases of progressive shrinking
        ours.reorganize_channels(expand_stage=stage)
        ofa.re_organize_middle_weights(expand_ratio_stage=stage)
        for name, mine, theirs in paired_tensors(ours, ofa):
            assert torch.equal(mine, theirs), name
