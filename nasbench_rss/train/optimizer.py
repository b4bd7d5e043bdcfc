"""SGD as the paper and OFA configure it: Nesterov momentum, weight decay off BN and biases."""

from __future__ import annotations

import torch
from torch import nn

from nasbench_rss.config.training import TrainConfig


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Conv and linear weights decay; BN parameters and biases (all 1-d tensors) do not (OFA's ``no_decay_keys``)."""
    decay, no_decay = [], []
    for param in model.parameters():
        if param.requires_grad:
            (no_decay if param.ndim <= 1 else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def make_optimizer(model: nn.Module, config: TrainConfig, lr: float) -> torch.optim.SGD:
    return torch.optim.SGD(
        parameter_groups(model, config.weight_decay),
        lr=lr,
        momentum=config.momentum,
        nesterov=config.nesterov and config.momentum > 0,
    )


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
