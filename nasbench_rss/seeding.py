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

# The core's streams, one constant each: a stream's name is its seed, so renaming one changes
# every result drawn from it (tests/test_seeding_streams.py keeps literals out of the package).
SAMPLER = "sampler"
"""The sampler's draws (which subnets train at each step)."""
DATA_ORDER = "data-order"
"""The order of the training images in each epoch."""
AUGMENTATION = "augmentation"
"""Training augmentation (crops, flips, colour jitter)."""
DROPOUT = "dropout"
"""Dropout masks (torch's global generator, forked)."""
INIT = "init"
"""Weight initialisation (torch's global generator, forked)."""
TEACHER = "teacher"
"""The weights of an untrained distillation teacher (the paper's code's)."""
SUBSET = "subset"
"""Class-stratified subsets of the training and test splits."""
CALIBRATION = "evaluation/calibration"
"""Which training images recalibrate batch norm before a subnet is measured."""
CALIBRATION_AUGMENTATION = "evaluation/calibration-augmentation"
"""The augmentation of calibration images (``calibration_transform: train``)."""
PROBE_BATCH = "probe/batch"
"""The batch the interference probe measures on."""
SYNTHETIC_DATASET = "synthetic-dataset"
"""The images of the ``synthetic`` dataset (seeded by its ``seed`` option)."""

STREAMS: tuple[str, ...] = (
    SAMPLER, DATA_ORDER, AUGMENTATION, DROPOUT, INIT, TEACHER, SUBSET, CALIBRATION, CALIBRATION_AUGMENTATION, PROBE_BATCH,
    SYNTHETIC_DATASET,
)  # fmt: skip
"""Names of the fixed streams the core uses (plus one per bucket: :func:`evaluation_bucket_stream`, :func:`probe_stream`); plugins may use other names."""


def evaluation_bucket_stream(bucket_key: str) -> str:
    """The stream of one evaluation bucket's subnets (per bucket, so buckets never shift each other); ``bucket_key``: ``4``, ``12.5``."""
    return f"evaluation/bucket/{bucket_key}"


def probe_stream(bucket_key: str) -> str:
    """The stream of the interference probe's subnet of one bucket."""
    return f"probe/{bucket_key}"


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
