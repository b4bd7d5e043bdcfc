"""Helpers for sampler tests: contexts, samplers built by name, and recorded runs.

Samplers are built through ``build_sampler`` (the path the CLI takes), so every test also
exercises option validation and the plugin registration.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np
import pytest

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.samplers.base import Sampler, SamplerContext
from nasbench_rss.samplers.registry import build_sampler

SHAPE = Shape(in_channels=3, num_classes=10, image_size=32)
ARCHS = {"mobilenet-v3": MOBILENET_V3_ARCH, "proxylessnas": PROXYLESSNAS_ARCH}
SPACES = {name: arch.space() for name, arch in ARCHS.items()}
"""One space object per architecture, so their stage tables are built once per session."""


@functools.lru_cache(maxsize=None)
def flops_table(arch: str):
    return ARCHS[arch].flops_table(SHAPE)


def make_context(arch: str = "mobilenet-v3", epochs: int = 10, seed: int = 0, space=None) -> SamplerContext:
    """A run's context; ``space`` (a restriction of the architecture's) overrides the full space."""
    return SamplerContext(
        space=SPACES[arch] if space is None else space,
        epochs=epochs,
        rng=np.random.default_rng(seed),
        flops=flops_table(arch),
    )


def make(name: str, epochs: int = 10, seed: int = 0, arch: str = "mobilenet-v3", space=None, **options: Any) -> Sampler:
    """The sampler ``name`` with ``options``, built as the CLI builds it."""
    return build_sampler(name, options, make_context(arch, epochs, seed, space))


def record(sampler: Sampler, steps: int, epochs: range | None = None) -> list[list[list[str]]]:
    """Encodings of the subnets of each step of each epoch: ``[epoch][step][i]``."""
    epochs = range(sampler.context.epochs) if epochs is None else epochs
    return [[[s.encode() for s in sampler.subnets(e, t)] for t in range(steps)] for e in epochs]


@pytest.fixture(scope="session")
def make_sampler() -> Callable[..., Sampler]:
    return make


@pytest.fixture(scope="session")
def record_run() -> Callable[..., list[list[list[str]]]]:
    return record


@pytest.fixture(scope="session")
def context_for() -> Callable[..., SamplerContext]:
    return make_context


@pytest.fixture(scope="session")
def spaces() -> dict:
    return SPACES
