"""The cropped depthwise convolution equals torch's, values and gradients."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_rss.arch.depthwise import depthwise_conv2d, useful_taps


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 12),
    width=st.integers(1, 12),
    kernel=st.sampled_from([1, 3, 5, 7]),
    stride=st.sampled_from([1, 2]),
    channels_last=st.booleans(),
)
def test_equals_the_full_depthwise_convolution(height, width, kernel, stride, channels_last):
    gen = torch.Generator().manual_seed(height * 1000 + width * 10 + kernel)
    x = torch.randn(2, 3, height, width, dtype=torch.float64, generator=gen)
    w = torch.randn(3, 1, kernel, kernel, dtype=torch.float64, generator=gen)
    if channels_last:
        x, w = x.to(memory_format=torch.channels_last), w.to(memory_format=torch.channels_last)
    x.requires_grad_()
    w.requires_grad_()
    expected = F.conv2d(x, w, None, stride, kernel // 2, 1, 3)
    out = depthwise_conv2d(x, w, stride)
    assert out.shape == expected.shape
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    grad = torch.randn(expected.shape, dtype=torch.float64, generator=gen)
    for mine, theirs in zip(torch.autograd.grad(out, (x, w), grad), torch.autograd.grad(expected, (x, w), grad)):
        torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "taps"),
    [
        (1, 5, 1, (2, 2, 0, 0)),  # a 1x1 map: only the centre tap sees data
        (2, 5, 1, (1, 3, 1, 1)),
        (2, 7, 2, (3, 4, 0, 0)),
        (8, 5, 1, (0, 4, 2, 2)),  # large enough: every tap, padding unchanged
    ],
)
def test_useful_taps(size, kernel, stride, taps):
    assert useful_taps(size, kernel, stride) == taps
