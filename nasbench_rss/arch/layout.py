"""Static description of an OFA-style MobileNet supernet: stages, widths, strides, heads.

MobileNetV3 and ProxylessNAS differ only in these numbers, so one layout type describes
both and the supernet, the extracted static network and the analytic FLOPs counter are
all built from it (one source of truth for channel counts and resolutions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from nasbench_rss.errors import SpaceError
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.search_space import SearchSpace

Activation = Literal["relu", "relu6", "h_swish"]

#: OFA rounds every channel count to a multiple of this.
CHANNEL_DIVISIBLE = 8
#: OFA's squeeze-and-excitation reduction.
SE_REDUCTION = 4


def make_divisible(value: float, divisor: int = CHANNEL_DIVISIBLE) -> int:
    """OFA's (and TensorFlow's) rounding of channel counts, never more than 10% down."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def mid_channels(in_channels: int, expand: int) -> int:
    """Hidden width of an inverted-residual layer, as OFA's DynamicMBConvLayer computes it."""
    return make_divisible(round(in_channels * expand))


def se_channels(channels: int) -> int:
    return make_divisible(channels // SE_REDUCTION)


def conv_out_size(size: int, stride: int) -> int:
    """Output size of a 'same'-padded convolution (odd kernel, padding k // 2)."""
    return (size - 1) // stride + 1


@dataclass(frozen=True)
class Shape:
    """What the data fixes: input channels, classes and image size."""

    in_channels: int = 3
    num_classes: int = 10
    image_size: int = 32

    def __post_init__(self) -> None:
        for name, value, low in (("in_channels", self.in_channels, 1), ("num_classes", self.num_classes, 2), ("image_size", self.image_size, 8)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SpaceError(f"{name}: {value!r} not allowed; allowed: integers >= {low}")


@dataclass(frozen=True)
class StageLayout:
    width: int
    n_layers: int
    stride: int
    activation: Activation
    se: bool


@dataclass(frozen=True)
class LayerGeometry:
    """Where one elastic layer sits: fixed by the layout and the image size alone."""

    stage: int
    index: int
    in_channels: int
    out_channels: int
    stride: int
    in_size: int
    activation: Activation
    se: bool

    @property
    def out_size(self) -> int:
        return conv_out_size(self.in_size, self.stride)

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels

    def macs(self, kernel: int, expand: int) -> int:
        """Multiply-accumulates of this layer, counted exactly as OFA's analytic counter."""
        mid = mid_channels(self.in_channels, expand)
        out = self.out_size
        total = 0
        if expand != 1:
            total += self.in_size**2 * self.in_channels * mid
        total += out**2 * mid * kernel * kernel
        if self.se:
            total += 2 * mid * se_channels(mid)
        total += out**2 * mid * self.out_channels
        return total


@dataclass(frozen=True)
class MBLayout:
    """An OFA MobileNet family member.

    The head is a stride-2 3x3 conv and one fixed inverted-residual block (expand 1,
    kernel 3).  The tail is an optional 1x1 "final expand" conv (MobileNetV3), a 1x1
    feature-mix conv either after global pooling without BN (MobileNetV3) or before it
    with BN (ProxylessNAS), and a linear classifier with dropout.
    """

    name: str
    first_conv_width: int
    first_conv_activation: Activation
    first_block_width: int
    first_block_activation: Activation
    first_block_se: bool
    stages: tuple[StageLayout, ...]
    final_expand_width: int | None
    feature_mix_width: int
    feature_mix_after_pool: bool
    tail_activation: Activation
    fixed_depth_stages: frozenset[int]
    bn_momentum: float
    bn_eps: float

    def space(self, kernel=(3, 5, 7), expand=(3, 4, 6), depth=(2, 3, 4)) -> SearchSpace:
        return SearchSpace(
            architecture=self.name,
            max_depths=tuple(s.n_layers for s in self.stages),
            kernel_choices=tuple(kernel),
            expand_choices=tuple(expand),
            depth_choices=tuple(depth),
            fixed_depth_stages=self.fixed_depth_stages,
        )

    @property
    def last_width(self) -> int:
        return self.stages[-1].width

    def head_size(self, image_size: int) -> int:
        """Resolution entering the first elastic stage."""
        return conv_out_size(image_size, 2)

    def geometry(self, image_size: int) -> list[list[LayerGeometry]]:
        """Per stage, per layer position: channels, stride and input resolution."""
        size = self.head_size(image_size)
        in_ch = self.first_block_width
        out: list[list[LayerGeometry]] = []
        for s, stage in enumerate(self.stages):
            layers = []
            for i in range(stage.n_layers):
                stride = stage.stride if i == 0 else 1
                layers.append(LayerGeometry(s, i, in_ch, stage.width, stride, size, stage.activation, stage.se))
                size = conv_out_size(size, stride)
                in_ch = stage.width
            out.append(layers)
        return out

    def final_size(self, image_size: int) -> int:
        return self.geometry(image_size)[-1][-1].out_size

    def fixed_macs(self, shape: Shape) -> int:
        """MACs of the parts every subnet shares (head, first block, tail, classifier)."""
        size = self.head_size(shape.image_size)
        total = size**2 * shape.in_channels * self.first_conv_width * 9
        total += size**2 * self.first_conv_width * 9  # first block depthwise (expand 1, stride 1)
        if self.first_block_se:
            total += 2 * self.first_conv_width * se_channels(self.first_conv_width)
        total += size**2 * self.first_conv_width * self.first_block_width
        last = self.final_size(shape.image_size)
        width = self.last_width
        if self.final_expand_width is not None:
            total += last**2 * width * self.final_expand_width
            width = self.final_expand_width
        mix_size = 1 if self.feature_mix_after_pool else last
        total += mix_size**2 * width * self.feature_mix_width
        total += self.feature_mix_width * shape.num_classes
        return total

    def flops_table(self, space: SearchSpace, shape: Shape) -> FlopsTable:
        """Exact per-stage-configuration MACs for ``space`` at ``shape``."""
        if space.max_depths != tuple(s.n_layers for s in self.stages):
            raise SpaceError(f"space with stages {list(space.max_depths)} does not fit {self.name}")
        geometry = self.geometry(shape.image_size)
        layer_costs = []
        for layers in geometry:
            per_layer = np.zeros((len(layers), 10, 10), dtype=np.int64)
            for i, geo in enumerate(layers):
                for k in space.kernel_choices:
                    for e in space.expand_choices:
                        per_layer[i, k, e] = geo.macs(k, e)
            layer_costs.append(per_layer)
        return FlopsTable.from_layer_costs(space, self.fixed_macs(shape), layer_costs)
