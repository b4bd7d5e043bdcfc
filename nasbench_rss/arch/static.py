"""Plain-torch building blocks of a fixed MobileNet-family network.

The supernet uses these for the parts every subnet shares (first conv, first block,
tail), and ``ElasticMBNet.extract`` assembles a whole ``StaticMBNet`` from them.  Only
stock modules (nn.Conv2d, nn.BatchNorm2d, nn.Linear, activations, nn.Dropout) hold
weights or do work, so an extracted network can be saved, counted by thop, traced or
exported without this package's elastic code.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import nn

from nasbench_rss.arch.layout import Activation, se_channels


def make_activation(name: Activation) -> nn.Module:
    """OFA's activations as torch modules (same formulas: h_swish = x * relu6(x + 3) / 6).

    ReLU/ReLU6 run in place (they follow a BN whose output nobody else reads, as in
    OFA); Hardswish does not, since its backward needs its input.
    """
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "relu6":
        return nn.ReLU6(inplace=True)
    if name == "h_swish":
        return nn.Hardswish()
    raise ValueError(f"activation {name!r} not supported; allowed: relu, relu6, h_swish")


def global_avg_pool(x: torch.Tensor) -> torch.Tensor:
    """Mean over the spatial dimensions, keeping them (a function, so FLOPs counters skip it)."""
    return x.mean((2, 3), keepdim=True)


class ConvBNAct(nn.Sequential):
    """conv -> BN -> activation, any of BN/activation optional ('same' padding, no bias)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int = 1,
        stride: int = 1,
        groups: int = 1,
        activation: Activation | None = None,
        bn: bool = True,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, groups=groups, bias=False)
        if bn:
            self.bn = nn.BatchNorm2d(out_channels, eps=bn_eps, momentum=bn_momentum)
        if activation is not None:
            self.act = make_activation(activation)


class SqueezeExcite(nn.Module):
    """OFA's SE: pool, 1x1 reduce (bias) + ReLU, 1x1 expand (bias) + hard sigmoid, rescale."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        mid = se_channels(channels)
        self.reduce = nn.Conv2d(channels, mid, 1, bias=True)
        self.relu = nn.ReLU(inplace=True)
        self.expand = nn.Conv2d(mid, channels, 1, bias=True)
        self.gate = nn.Hardsigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.gate(self.expand(self.relu(self.reduce(global_avg_pool(x)))))
        return x * y


class MBConv(nn.Module):
    """Inverted-residual layer: [1x1 expand] -> depthwise -> [SE] -> 1x1 project, + shortcut."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        mid: int,
        kernel: int,
        stride: int,
        activation: Activation,
        se: bool,
        expand: bool,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
    ) -> None:
        super().__init__()
        bn = dict(bn_momentum=bn_momentum, bn_eps=bn_eps)
        if not expand and mid != in_channels:
            raise ValueError(f"without an expand conv the hidden width must be {in_channels}, got {mid}")
        self.expand = ConvBNAct(in_channels, mid, 1, activation=activation, **bn) if expand else None
        self.depthwise = ConvBNAct(mid, mid, kernel, stride, groups=mid, activation=activation, **bn)
        self.se = SqueezeExcite(mid) if se else None
        self.project = ConvBNAct(mid, out_channels, 1, **bn)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.expand is None else self.expand(x)
        h = self.depthwise(h)
        if self.se is not None:
            h = self.se(h)
        h = self.project(h)
        return h + x if self.residual else h


class Tail(nn.Module):
    """Everything after the last stage.

    MobileNetV3: final-expand 1x1 conv+BN+act, pool, feature-mix 1x1 conv (no BN, no
    bias) + act.  ProxylessNAS: feature-mix 1x1 conv+BN+act, then pool.  Both end with
    dropout and a linear classifier.
    """

    def __init__(
        self,
        in_channels: int,
        final_expand_width: int | None,
        feature_mix_width: int,
        feature_mix_after_pool: bool,
        activation: Activation,
        num_classes: int,
        dropout: float,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
    ) -> None:
        super().__init__()
        bn = dict(bn_momentum=bn_momentum, bn_eps=bn_eps)
        width = in_channels
        self.final_expand = None
        if final_expand_width is not None:
            self.final_expand = ConvBNAct(width, final_expand_width, 1, activation=activation, **bn)
            width = final_expand_width
        self.feature_mix_after_pool = feature_mix_after_pool
        mix_bn = not feature_mix_after_pool  # OFA: no BN on the pooled 1x1 map
        self.feature_mix = ConvBNAct(width, feature_mix_width, 1, activation=activation, bn=mix_bn, **bn)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(feature_mix_width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.final_expand is not None:
            x = self.final_expand(x)
        if self.feature_mix_after_pool:
            x = self.feature_mix(global_avg_pool(x))
        else:
            x = global_avg_pool(self.feature_mix(x))
        return self.classifier(self.dropout(torch.flatten(x, 1)))


class StaticMBNet(nn.Module):
    """A fixed network: first conv, inverted-residual blocks (first block included), tail."""

    def __init__(self, first_conv: nn.Module, blocks: Iterable[nn.Module], tail: nn.Module) -> None:
        super().__init__()
        self.first_conv = first_conv
        self.blocks = nn.Sequential(*blocks)
        self.tail = tail

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.blocks(self.first_conv(x)))


@torch.no_grad()
def copy_bn(target: nn.BatchNorm2d, source: nn.BatchNorm2d) -> None:
    """Copy the first ``target.num_features`` channels of ``source``: affine, running stats, counter."""
    n = target.num_features
    target.momentum, target.eps = source.momentum, source.eps
    for name in ("weight", "bias", "running_mean", "running_var"):
        src, dst = getattr(source, name), getattr(target, name)
        if (src is None) != (dst is None):
            raise ValueError(f"batch norm {name}: source and target disagree on having it")
        if src is not None:
            dst.copy_(src[:n])
    if source.num_batches_tracked is not None and target.num_batches_tracked is not None:
        target.num_batches_tracked.copy_(source.num_batches_tracked)
