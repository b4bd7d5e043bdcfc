"""Weight-sharing operations of OFA's elastic layers, without OFA's class-level switches.

Each op owns the weights of its *largest* configuration and computes a smaller one by
taking a prefix of the channels (the most important channels come first after
``reorganize_channels``) and, for depthwise kernels, OFA's kernel transformation.  The
active size is passed to ``forward`` (or read off the input), so an op keeps no
per-call state and two supernets never influence each other.

The math is OFA's (``ofa/imagenet_classification/elastic_nn/modules/dynamic_op.py``):
the tests compare against it.  Speed matters because every training step pays for the
elasticity: slices of a parameter along its first dimension are views (no copy), the
full-size configuration calls the plain torch op, and nothing is recomputed that the
active configuration does not need.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_rss.arch.depthwise import depthwise_conv2d
from nasbench_rss.arch.layout import se_channels
from nasbench_rss.arch.static import global_avg_pool


def _conv_init_(weight: torch.Tensor) -> None:
    """nn.Conv2d's default initialisation, so an elastic op starts like a plain conv of its largest size."""
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5))


def _centre_index(big: int, small: int) -> torch.Tensor:
    """Row-major flat indices of the centre ``small x small`` window of a ``big x big`` grid."""
    start = (big - small) // 2
    rows = torch.arange(start, start + small)
    return (rows[:, None] * big + rows[None, :]).reshape(-1)


def _prefix(weight: torch.Tensor, out_channels: int, in_channels: int) -> torch.Tensor:
    """``weight[:out, :in]``, skipping the slice along a dimension that is used whole."""
    if out_channels != weight.size(0):
        weight = weight[:out_channels]
    if in_channels != weight.size(1):
        weight = weight[:, :in_channels]
    return weight


class DynamicPointwiseConv(nn.Module):
    """1x1 convolution (no bias) whose active weight is ``weight[:out, :in]``.

    The input width is read off ``x``; the output width is an argument (the project
    conv of an elastic layer always produces all its channels, the expand conv a prefix).
    """

    def __init__(self, max_in_channels: int, max_out_channels: int) -> None:
        super().__init__()
        self.max_in_channels = max_in_channels
        self.max_out_channels = max_out_channels
        self.weight = nn.Parameter(torch.empty(max_out_channels, max_in_channels, 1, 1))
        _conv_init_(self.weight)

    def active_weight(self, out_channels: int, in_channels: int) -> torch.Tensor:
        return _prefix(self.weight, out_channels, in_channels)

    def forward(self, x: torch.Tensor, out_channels: int | None = None) -> torch.Tensor:
        out_channels = self.max_out_channels if out_channels is None else out_channels
        return F.conv2d(x, self.active_weight(out_channels, x.size(1)))

    def extra_repr(self) -> str:
        return f"max_in={self.max_in_channels}, max_out={self.max_out_channels}"


class DynamicDepthwiseConv(nn.Module):
    """Depthwise convolution with an elastic kernel, as OFA's DynamicSeparableConv2d.

    One ``max_kernel`` weight is stored.  A smaller kernel is reached by steps through
    the sorted kernel choices: crop the centre of the current filter to the next smaller
    size, then mix its taps with a learnt ``{big}to{small}_matrix`` shared by all
    channels (``F.linear(flat, matrix)``, identity at start).  This lets a 3x3 kernel
    differ from the centre of the 7x7 one while sharing its weights.
    """

    def __init__(self, max_channels: int, kernels: Sequence[int], stride: int = 1) -> None:
        super().__init__()
        kernels = sorted(set(int(k) for k in kernels))
        if any(k % 2 == 0 or k < 1 for k in kernels):
            raise ValueError(f"kernels {kernels}: depthwise kernels must be odd and positive")
        self.max_channels = max_channels
        self.kernels = tuple(kernels)
        self.max_kernel = kernels[-1]
        self.stride = stride
        self.weight = nn.Parameter(torch.empty(max_channels, 1, self.max_kernel, self.max_kernel))
        _conv_init_(self.weight)
        # (source, target) pairs from the largest kernel down, e.g. (7, 5), (5, 3).
        self._steps: tuple[tuple[int, int], ...] = tuple(reversed(list(zip(kernels[1:], kernels[:-1]))))
        for big, small in self._steps:
            self.register_parameter(self.matrix_name(big, small), nn.Parameter(torch.eye(small * small)))
            # Flat positions of the centre small x small taps in a big x big filter: the crop
            # becomes one index_select on the flat filter (one autograd node, output already
            # contiguous) instead of two slices and a reshape copy.
            self.register_buffer(f"_centre_{big}to{small}", _centre_index(big, small), persistent=False)

    @staticmethod
    def matrix_name(big: int, small: int) -> str:
        """OFA's parameter name, e.g. ``7to5_matrix``."""
        return f"{big}to{small}_matrix"

    def transform_matrix(self, big: int, small: int) -> nn.Parameter:
        return self._parameters[self.matrix_name(big, small)]

    def active_filter(self, channels: int, kernel: int) -> torch.Tensor:
        """The (channels, 1, kernel, kernel) filter of the active configuration.

        OFA's ``get_active_filter``: per step, crop the centre, then ``F.linear(flat, matrix)``.
        """
        weight = self.weight if channels == self.max_channels else self.weight[:channels]
        if kernel == self.max_kernel:
            return weight
        flat = weight.reshape(channels, self.max_kernel**2)  # a view: the channel prefix is contiguous
        size = self.max_kernel
        for big, small in self._steps:
            if big <= kernel:
                break
            crop = flat.index_select(1, self._buffers[f"_centre_{big}to{small}"])
            flat = F.linear(crop, self.transform_matrix(big, small))
            size = small
        if size != kernel:
            raise ValueError(f"kernel {kernel} not reachable; this op has kernels {list(self.kernels)}")
        if self.weight.stride(1) == 1:
            # The stored weight is channels_last: give the filter the same strides (a free
            # view; the in-channel dim has size 1).  Convolution picks its memory format from
            # the strides, and on 1x1 or 2x2 feature maps (where the input's format is
            # ambiguous) oneDNN's NCHW depthwise kernels are up to ~80x slower.
            return flat.view(channels, kernel, kernel, 1).permute(0, 3, 1, 2)
        return flat.view(channels, 1, kernel, kernel)

    def forward(self, x: torch.Tensor, kernel: int | None = None) -> torch.Tensor:
        kernel = self.max_kernel if kernel is None else kernel
        return depthwise_conv2d(x, self.active_filter(x.size(1), kernel), self.stride)

    def extra_repr(self) -> str:
        return f"max_channels={self.max_channels}, kernels={list(self.kernels)}, stride={self.stride}"


class DynamicBatchNorm(nn.BatchNorm2d):
    """BatchNorm over the first ``x.size(1)`` channels, as OFA's DynamicBatchNorm2d.

    With every channel active it *is* nn.BatchNorm2d (the fast path).  Otherwise it
    normalises with slices of the affine parameters and running statistics; in training
    the running-stat slices are updated in place (they are views) and the batch counter
    advances, exactly as OFA's ``bn_forward``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = x.size(1)
        if channels == self.num_features:
            return super().forward(x)
        factor = 0.0
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        return F.batch_norm(
            x,
            None if self.running_mean is None else self.running_mean[:channels],
            None if self.running_var is None else self.running_var[:channels],
            None if self.weight is None else self.weight[:channels],
            None if self.bias is None else self.bias[:channels],
            self.training or not self.track_running_stats,
            factor,
            self.eps,
        )


class DynamicSE(nn.Module):
    """Squeeze-and-excitation over the active channels, as OFA's DynamicSE.

    The hidden width follows the active width (``se_channels(channels)``); the reduce
    weight is ``[:mid, :channels]`` and the expand weight ``[:channels, :mid]``, both
    with bias; ReLU in between and hard sigmoid at the end.
    """

    def __init__(self, max_channels: int) -> None:
        super().__init__()
        self.max_channels = max_channels
        mid = se_channels(max_channels)
        self.reduce = nn.Conv2d(max_channels, mid, 1, bias=True)
        self.expand = nn.Conv2d(mid, max_channels, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = x.size(1)
        mid = se_channels(channels)
        y = F.conv2d(global_avg_pool(x), _prefix(self.reduce.weight, mid, channels), self.reduce.bias[:mid])
        y = F.relu(y, inplace=True)
        y = F.conv2d(y, _prefix(self.expand.weight, channels, mid), self.expand.bias[:channels])
        return x * F.hardsigmoid(y)

    def extra_repr(self) -> str:
        return f"max_channels={self.max_channels}"
