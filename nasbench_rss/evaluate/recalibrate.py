"""Batch-norm recalibration: the active subnet's BN statistics reset from fixed images.

A subnet's BN running statistics inside a supernet are a blend of every subnet that was
trained, so each subnet is measured with statistics of its own, as OFA does.  OFA's
``set_running_statistics`` deep-copies the network, replaces every BN forward with a
hook that computes batch means and (biased) variances by hand and averages them over
batches.  Here the supernet's own BN layers do it in place: running statistics reset,
``momentum=None`` (torch's cumulative average over batches: with equal-sized batches the
same average as OFA's), one train-mode forward per batch with BN the only module in
train mode.  torch averages the *unbiased* batch variance, so afterwards each layer's
variance is scaled by (n - 1) / n, n being the values per channel in one batch (batch x
height x width): the result is OFA's statistics exactly.  The factor matters at CIFAR
size, where the last layers see 1x1 maps (n = the batch size): unscaled, it moved up to
0.44% of the test predictions in ``benchmarks/bench_evaluate.py``.

The statistics a previous subnet left are overwritten, so nothing is copied per subnet;
the supernet's training state (checkpoint) is never written back.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import nn


def batch_norms(model: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [module for module in model.modules() if isinstance(module, nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def recalibrate_bn(model: nn.Module, batches: Iterable[torch.Tensor]) -> int:
    """Reset the BN running statistics of ``model``'s active path from ``batches``.

    ``batches`` must be equal-sized (OFA's plain average over batches).  Leaves ``model``
    in eval mode, with every BN layer's momentum as it was.  Returns the number of batches
    seen (a BN layer the active subnet does not use keeps reset values).
    """
    norms = batch_norms(model)
    momenta = [bn.momentum for bn in norms]
    values_per_channel: dict[nn.Module, set[tuple[int, int]]] = {bn: set() for bn in norms}

    def record(bn: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        x = inputs[0]
        values_per_channel[bn].add((x.size(1), x.numel() // x.size(1)))

    model.eval()
    hooks = [bn.register_forward_pre_hook(record) for bn in norms]
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    seen = 0
    try:
        for images in batches:
            model(images)
            seen += 1
    finally:
        for hook in hooks:
            hook.remove()
        for bn, momentum in zip(norms, momenta):
            bn.momentum = momentum
            bn.eval()
    if seen == 0:
        raise ValueError("recalibrate_bn: no calibration batch given")
    for bn, sizes in values_per_channel.items():
        if len(sizes) > 1:
            raise ValueError(f"recalibrate_bn: batches of different sizes reached one BN layer ({sorted(sizes)}); use equal batches")
        for channels, n in sizes:
            bn.running_var[:channels] *= (n - 1) / n  # torch's unbiased average -> OFA's biased one
    return seen
