"""BN recalibration against OFA's ``set_running_statistics`` as oracle.

Our supernet and OFA's get identical weights (float64, so the comparisons can be
tight); the same calibration batches then reset the BN statistics of the active
subnet in both.  Running means and variances must agree: torch averages the unbiased
batch variance and ``recalibrate_bn`` then scales by (n-1)/n (n = batch x height x
width of the layer's input, n = batch on the 1x1 maps of the last stage at 32x32) to
give OFA's biased average.  The weights are paired as in the supernet tests
(``tests/ofa_oracle.py``).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch import nn

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.evaluate.recalibrate import batch_norms, recalibrate_bn
from nasbench_rss.space.population import sample
from nasbench_rss.space.subnet import Subnet
from tests.ofa_oracle import ofa_networks, paired_tensors, randomize, set_ofa

pytest.importorskip("ofa")
ofa_utils = pytest.importorskip("ofa.imagenet_classification.elastic_nn.utils")

ARCHS = {a.name: a for a in (MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH)}
OFA_CLASSES = ofa_networks()
SHAPE = Shape(3, 10, 32)
BATCHES, BATCH = 3, 8


pytestmark = pytest.mark.usefixtures("one_thread")


# ------------------------------------------------------------------ helpers
@functools.lru_cache(maxsize=None)
def _pair(arch: str):
    """Our supernet and OFA's with identical weights, float64, eval mode (shared: tests only recalibrate)."""
    ofa = OFA_CLASSES[arch](n_classes=SHAPE.num_classes, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    with torch.random.fork_rng():
        torch.manual_seed(0)
        ours = ARCHS[arch].build(SHAPE)
    randomize(ours, 0)
    with torch.no_grad():
        for _, mine, theirs in paired_tensors(ours, ofa):
            theirs.copy_(mine)
    return ours.double().eval(), ofa.double().eval()


def _batches(seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(BATCHES * BATCH, SHAPE.in_channels, SHAPE.image_size, SHAPE.image_size, generator=g, dtype=torch.float64)
    return list(x.split(BATCH))


def _subnets(arch: str) -> dict[str, Subnet]:
    space = ARCHS[arch].space()
    (middle,) = sample(space, 1, np.random.default_rng(7))
    return {"smallest": space.smallest(), "largest": space.largest(), "random": middle}


def _record_inputs(modules: list[nn.Module]) -> tuple[dict[int, list[tuple[int, int]]], list]:
    """Per module index: (channels, values per channel) of each input it saw; and the hook handles."""
    seen: dict[int, list[tuple[int, int]]] = {}
    handles = []
    for i, m in enumerate(modules):

        def hook(module, inputs, output, i=i):
            x = inputs[0]
            seen.setdefault(i, []).append((x.size(1), x.numel() // x.size(1)))

        handles.append(m.register_forward_hook(hook))
    return seen, handles


def _recalibrated(arch: str, label: str, seed: int = 1):
    """Both networks recalibrated on the same batches for one subnet.

    Returns our net, OFA's, the paired BN layers (ours, OFA's) and, per pair index that
    the subnet uses, (channels, n) of its input.  OFA's copy of the net carries the hooks
    (deepcopy keeps ``_forward_hooks``), so we see which of OFA's layers it ran too.
    """
    ours, ofa = _pair(arch)
    subnet = _subnets(arch)[label]
    ours.set_active(subnet)
    set_ofa(ofa, subnet)
    ours_bns = batch_norms(ours)
    ofa_bns = [m for m in ofa.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(ours_bns) == len(ofa_bns)
    batches = _batches(seed)
    seen_ours, handles = _record_inputs(ours_bns)
    seen_ofa, ofa_handles = _record_inputs(ofa_bns)
    try:
        with torch.inference_mode():  # as SubnetEvaluator.score runs it
            assert recalibrate_bn(ours, batches) == BATCHES
        loader = [(x, torch.zeros(len(x), dtype=torch.long)) for x in batches]  # what OFA's loop reads
        ofa_utils.set_running_statistics(ofa, loader)
    finally:
        for h in handles + ofa_handles:
            h.remove()
    assert seen_ours.keys() == seen_ofa.keys()  # the same layers ran, on inputs of the same sizes
    active = {}
    for i, sizes in seen_ours.items():
        assert sizes == seen_ofa[i] and len(sizes) == BATCHES and len(set(sizes)) == 1, i
        active[i] = sizes[0]
    return ours, ofa, list(zip(ours_bns, ofa_bns)), active


# -------------------------------------------------------------------- tests
@pytest.mark.parametrize("label", ["smallest", "largest", "random"])
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_recalibration_matches_ofas_set_running_statistics(arch, label):
    """Statistics of the active path equal OFA's; then both networks compute the same logits."""
    ours, ofa, pairs, active = _recalibrated(arch, label)
    assert len(active) > 10
    for i, (mine, theirs) in enumerate(pairs):
        if i not in active:
            # a layer the subnet skips keeps reset statistics (not another subnet's)
            assert torch.equal(mine.running_mean, torch.zeros_like(mine.running_mean)), i
            assert torch.equal(mine.running_var, torch.ones_like(mine.running_var)), i
            continue
        c, _ = active[i]
        assert int(mine.num_batches_tracked) == BATCHES
        torch.testing.assert_close(mine.running_mean[:c], theirs.running_mean[:c], rtol=0, atol=1e-9, msg=f"mean of BN {i}")
        torch.testing.assert_close(mine.running_var[:c], theirs.running_var[:c], rtol=1e-9, atol=1e-12, msg=f"var of BN {i}")
        if c < mine.num_features:  # a dynamic BN sets only the active prefix
            assert torch.equal(mine.running_mean[c:], torch.zeros_like(mine.running_mean[c:])), i
            assert torch.equal(mine.running_var[c:], torch.ones_like(mine.running_var[c:])), i
    assert not ours.training and all(not bn.training for bn, _ in pairs)

    # Both recalibrated nets compute the same logits: every active layer's statistics reach them.
    with torch.no_grad():
        ofa.eval()
        x = _batches(3)[0]
        expected = ofa(x)
        torch.testing.assert_close(ours(x), expected, rtol=1e-6, atol=1e-9)
    assert expected.std(0).max() > 1e-3  # the logits depend on the input


def test_recalibration_is_in_place_and_restores_momentum():
    ours, _ = _pair("mobilenet-v3")
    ours.set_active(_subnets("mobilenet-v3")["random"])
    norms = batch_norms(ours)
    for j, bn in enumerate(norms):  # distinct momenta, None among them, must come back as they were
        bn.momentum = None if j % 5 == 0 else 0.1 + j * 1e-3
    momenta = [bn.momentum for bn in norms]
    params = {name: (id(p), p.data_ptr()) for name, p in ours.named_parameters()}
    buffers = {name: (id(b), b.data_ptr()) for name, b in ours.named_buffers()}
    weights = {name: p.detach().clone() for name, p in ours.named_parameters()}
    ours.train()
    try:
        recalibrate_bn(ours, _batches(4))
        assert not any(m.training for m in ours.modules())
        assert [bn.momentum for bn in norms] == momenta
        assert {name: (id(p), p.data_ptr()) for name, p in ours.named_parameters()} == params
        assert {name: (id(b), b.data_ptr()) for name, b in ours.named_buffers()} == buffers
        for name, p in ours.named_parameters():
            assert torch.equal(p, weights[name]), name  # only statistics change
        with pytest.raises(ValueError):
            recalibrate_bn(ours, [])
        assert [bn.momentum for bn in norms] == momenta and not ours.training
    finally:
        for bn in norms:
            bn.momentum = 0.1
        ours.eval()
