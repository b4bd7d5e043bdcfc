"""Shared fixtures: the built-in architectures at the paper's CIFAR-100 shape, one torch thread."""

import pytest
import torch

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape

PAPER_SHAPE = Shape(in_channels=3, num_classes=100, image_size=32)


@pytest.fixture(params=[MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH], ids=lambda a: a.name)
def arch(request):
    return request.param


@pytest.fixture
def mbv3_table():
    return MOBILENET_V3_ARCH.flops_table(PAPER_SHAPE)


@pytest.fixture(scope="module")
def one_thread():
    """Small batches: one intra-op thread is as fast, and immune to a busy second core."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` are skipped, with the reason, where torch sees no CUDA device."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (torch.cuda.is_available() is False)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
