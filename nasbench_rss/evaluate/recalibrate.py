"""Batch-norm recalibration: the active subnet's BN statistics reset from fixed images.

A subnet's BN running statistics inside a supernet are a blend of every subnet that was
trained, so each subnet is measured with statistics of its own, as OFA does.  OFA's
``set_running_statistics`` deep-copies the network, replaces every BN forward with a
hook that computes batch means and variances by hand and averages them; here the
supernet's own BN layers do it in place: running statistics reset, ``momentum=None``
(torch's cumulative average over batches, the same equal-weight average as OFA's), one
train-mode forward per batch with BN the only module in train mode.  One difference in
the last digits: torch stores the unbiased batch variance, OFA the biased one (a factor
of n/(n-1) with n = batch x height x width, over 10^4 here).

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

    Leaves ``model`` in eval mode, with every BN layer's momentum as it was.  Returns the
    number of batches seen (a BN layer the active subnet does not use keeps reset values).
    """
    norms = batch_norms(model)
    momenta = [bn.momentum for bn in norms]
    model.eval()
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
        for bn, momentum in zip(norms, momenta):
            bn.momentum = momentum
            bn.eval()
    if seen == 0:
        raise ValueError("recalibrate_bn: no calibration batch given")
    return seen
