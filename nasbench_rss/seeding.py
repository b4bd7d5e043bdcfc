"""Independent, named random streams derived from one cell seed.

A cell's seed is split into streams by name (sampler, data order, augmentation, dropout,
weight initialisation, subsets, evaluation subnets), so adding a stream or drawing more
from one never shifts another: the same seed always gives the same subnet sequence,
whatever the data pipeline does.  No global RNG is ever reseeded; code that needs torch's
global generator (weight init, dropout) runs inside ``torch.random.fork_rng`` seeded from
its own stream.
"""

from __future__ import annotations

import contextlib
import zlib
from typing import Iterator

import numpy as np
import torch

STREAMS: tuple[str, ...] = ("sampler", "data-order", "augmentation", "dropout", "init", "subset", "evaluation")
"""Names of the streams the core uses; plugins may use other names."""


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: {seed!r} not allowed; allowed: integers >= 0")
    return int(seed)


def seed_sequence(seed: int, stream: str) -> np.random.SeedSequence:
    """The stream's seed sequence; keyed by a checksum of its name, not by position."""
    return np.random.SeedSequence(_check_seed(seed), spawn_key=(zlib.crc32(stream.encode()),))


def numpy_rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng(seed_sequence(seed, stream))


def stream_int(seed: int, stream: str) -> int:
    """A 63-bit integer seed for APIs that take one (``torch.Generator.manual_seed``)."""
    return int(seed_sequence(seed, stream).generate_state(1, np.uint64)[0] >> np.uint64(1))


def torch_generator(seed: int, stream: str, device: torch.device | str = "cpu") -> torch.Generator:
    generator = torch.Generator(device=device)
    generator.manual_seed(stream_int(seed, stream))
    return generator


@contextlib.contextmanager
def forked_global_rng(seed: int, stream: str, device: torch.device | str = "cpu") -> Iterator[None]:
    """Run a block with torch's global generators seeded from ``stream``, restored afterwards.

    For what only reads the global generator (``nn.init``, dropout): the caller's global
    RNG state is the same after the block as before it, so nothing outside is reseeded.
    """
    device = torch.device(device)
    devices = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(stream_int(seed, stream))
        yield
