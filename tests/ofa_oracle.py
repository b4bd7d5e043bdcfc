"""OFA's own networks as a test oracle: weights paired with ours, subnets set the way OFA takes them.

Shared by the supernet tests (forward, training step, channel sorting) and the BN
recalibration tests; ``ofa`` is installed for tests only (``pip install --no-deps ofa``).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasbench_rss.space.subnet import Subnet


def ofa_networks() -> dict[str, type]:
    """OFA's elastic network classes by our architecture names (the test is skipped without ofa)."""
    pytest.importorskip("ofa")
    networks = pytest.importorskip("ofa.imagenet_classification.elastic_nn.networks")
    return {"mobilenet-v3": networks.OFAMobileNetV3, "proxylessnas": networks.OFAProxylessNASNets}


@torch.no_grad()
def randomize(net: nn.Module, seed: int) -> None:
    """BN affine parameters, classifier and kernel-transform matrices away from their defaults.

    With PyTorch's default initialisation a deep random MobileNet's logits hardly depend
    on its input, and a comparison of logits would not see the early layers.
    """
    g = torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5, generator=g)
            m.bias.normal_(0.0, 0.1, generator=g)
        if isinstance(m, nn.Linear):
            m.weight.normal_(0.0, 0.1, generator=g)
    for name, p in net.named_parameters():
        if name.endswith("_matrix"):
            p.add_(0.1 * torch.randn(p.shape, generator=g))


def paired_tensors(ours: nn.Module, ofa: nn.Module) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(label, ours, OFA's) state tensors paired by order (kernel-transform matrices by name), shapes checked."""
    mine, theirs = ours.state_dict(keep_vars=True), ofa.state_dict(keep_vars=True)

    def plain(sd):
        return [(k, v) for k, v in sd.items() if not k.endswith("_matrix")]

    assert len(plain(mine)) == len(plain(theirs))
    pairs = list(zip(plain(mine), plain(theirs)))
    for suffix in ("7to5_matrix", "5to3_matrix"):
        a = [(k, v) for k, v in mine.items() if k.endswith(suffix)]
        b = [(k, v) for k, v in theirs.items() if k.endswith(suffix)]
        assert len(a) == len(b) > 0
        pairs += list(zip(a, b))
    out = []
    for (k1, v1), (k2, v2) in pairs:
        assert v1.shape == v2.shape, (k1, k2)
        out.append((f"{k1} <- {k2}", v1, v2))
    return out


def set_ofa(ofa: nn.Module, subnet: Subnet) -> None:
    """Activate ``subnet`` in OFA's network (it wants values, not nulls, for inactive layers)."""
    cfg = subnet.to_ofa()
    ofa.set_active_subnet(ks=[k or 3 for k in cfg["ks"]], e=[e or 3 for e in cfg["e"]], d=cfg["d"])
