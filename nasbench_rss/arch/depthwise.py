"""Depthwise convolution that skips the kernel taps which can only ever see padding.

On the small feature maps of a 32x32 input (1x1, 2x2 in the last stages) most taps of a
5x5 or 7x7 depthwise filter only ever multiply the zero padding: on a 1x1 map only the
centre tap sees data.  The result is the same with the filter cropped to the taps that
can reach the input (and the padding shifted to match); the gradient of the cropped-away
taps is exactly zero either way.  It matters for speed: oneDNN's depthwise weight
gradient for a 5x5 filter on a 1x1 or 2x2 map took 20-65 ms per layer on a 2-core CPU
(batch 64), most of a training step, against well under 1 ms with the cropped filter.

Only the supernet's elastic depthwise op uses it: extracted static networks keep plain
``nn.Conv2d`` modules, so they stay standard modules that thop, tracing and export know.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def useful_taps(size: int, kernel: int, stride: int) -> tuple[int, int, int, int]:
    """First and last tap that reaches a map of ``size`` (padding kernel // 2), and the
    left and right padding the cropped filter needs for the same output size."""
    pad = kernel // 2
    out = (size + 2 * pad - kernel) // stride + 1
    first = max(0, pad - (out - 1) * stride)
    last = min(kernel - 1, pad + size - 1)
    left = pad - first
    right = (out - 1) * stride + (last - first + 1) - size - left
    return first, last, left, right


def depthwise_conv2d(x: torch.Tensor, weight: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """``F.conv2d(x, weight, stride=stride, padding=k // 2, groups=channels)``, computed
    with the filter cropped to the taps that reach ``x``."""
    kernel = weight.shape[-1]
    rows = useful_taps(x.shape[-2], kernel, stride)
    cols = useful_taps(x.shape[-1], kernel, stride)
    if rows == cols == (0, kernel - 1, kernel // 2, kernel // 2) or min(rows[3], cols[3]) < 0:
        return F.conv2d(x, weight, None, stride, kernel // 2, 1, x.shape[1])
    weight = weight[:, :, rows[0] : rows[1] + 1, cols[0] : cols[1] + 1]
    if rows[2] == rows[3] and cols[2] == cols[3]:
        return F.conv2d(x, weight, None, stride, (rows[2], cols[2]), 1, x.shape[1])
    x = F.pad(x, (cols[2], cols[3], rows[2], rows[3]))
    return F.conv2d(x, weight, None, stride, 0, 1, x.shape[1])

