"""What one training cell is: architecture x dataset x sampler x seed, and how to train it.

Defaults are the ``project`` protocol's (:mod:`nasbench_rss.protocols`): the paper's
optimisation (lr 0.01 cosine, batch 64, SGD momentum 0.9 Nesterov, weight decay 3e-5 off
BN and biases, cross-entropy, dropout 0.1), OFA's ``he_fout`` initialisation, and
small-image data handling.  A suite's ``protocol`` fills these fields from a preset
before a cell exists, so a cell's config holds every resolved value and names the
protocol it came from.  Every field is validated and unknown fields are errors, so
nothing a user writes is silently ignored.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import pydantic
from pydantic import Field

from nasbench_rss.limits import MAX_THREADS, BatchSize, EpochCount, ImageSize, Seed

ProtocolName = Literal["ofa", "paper-code", "project"]
"""The built-in protocols (:mod:`nasbench_rss.protocols` holds their values and sources)."""
PROTOCOL_NAMES: tuple[str, ...] = get_args(ProtocolName)
DEFAULT_PROTOCOL: ProtocolName = "project"
"""The protocol of a suite or ``train`` that names none: the fields' own defaults."""
LrSchedule = Literal["cosine", "constant"]
"""``nasbench_rss.train.schedule.learning_rate``'s schedules."""

Augmentation = Literal["standard", "ofa", "none"]
Precision = Literal["auto", "fp32", "bf16"]
MemoryFormat = Literal["auto", "channels_last", "contiguous"]
Init = Literal["he_fout", "torch"]
"""``nasbench_rss.arch.init``'s schemes (not imported: a config needs no torch; a test keeps them equal)."""


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TrainConfig(_Strict):
    """Optimisation and input pipeline of a cell."""

    lr: float = Field(0.01, gt=0, description="base learning rate (a sampler's phases scale it)")
    lr_schedule: LrSchedule = Field("cosine", description="cosine decay per phase, from each phase's own start, or constant")
    warmup_epochs: int = Field(
        0, ge=0, description="linear warm-up from 0 over the first epochs of the first phase (a sampler's own phase warm-ups are its options)"
    )
    momentum: float = Field(0.9, ge=0, lt=1)
    nesterov: bool = True
    weight_decay: float = Field(3e-5, ge=0, description="applied to conv and linear weights, not to BN parameters or biases")
    batch_size: BatchSize = Field(64, ge=2, description="images per step (BN needs at least 2)")
    drop_last: bool = Field(False, description="drop the last, smaller batch of each epoch")
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    dropout: float = Field(0.1, ge=0, lt=1, description="dropout before the classifier")
    augmentation: Augmentation = Field(
        "standard",
        description=(
            "standard: pad-4 random crop (+ flips where they keep the class); ofa: OFA's random-resized-crop 0.08-1, "
            "flip and colour jitter (brightness 32/255, saturation 0.5); none"
        ),
    )
    init: Init = Field("he_fout", description="he_fout: OFA's init_models (conv N(0, 2/(k*k*out)), linear U(+-1/sqrt(in))); torch: torch's defaults")
    image_size: ImageSize = Field(32, description="training and test image size (the MNIST family is resized 28->32)")
    precision: Precision = Field("auto", description="auto: bf16 autocast on CUDA, fp32 on the CPU")
    memory_format: MemoryFormat = Field("auto", description="auto: channels_last (measured faster on CPU and GPU)")
    threads: int = Field(
        1,
        ge=1,
        le=MAX_THREADS,
        description=(
            "CPU threads torch uses for this cell, under every executor and --jobs (float reductions depend on the "
            "count, so it is part of the cell); --jobs only decides how many cells run at once"
        ),
    )


class CellConfig(_Strict):
    """One training cell.  Options dicts are validated by each plugin's own model."""

    arch: str = Field(description="architecture plugin name")
    arch_options: dict[str, Any] = Field(default_factory=dict, description="the architecture's options (its elastic choices)")
    dataset: str = Field(description="dataset plugin name")
    dataset_options: dict[str, Any] = Field(default_factory=dict)
    sampler: str = Field(description="sampler plugin name")
    sampler_options: dict[str, Any] = Field(default_factory=dict)
    epochs: EpochCount
    seed: Seed = Field(description="the cell's seed, 0..2**63-1: every random stream of the cell derives from it")
    train_subset: int | None = Field(None, ge=1, description="class-stratified training subset of this many images")
    test_subset: int | None = Field(None, ge=1, description="class-stratified test subset of this many images")
    valid_size: int = Field(
        0, ge=0, description="training images held out of training first (OFA's fixed random split), before train_subset"
    )
    protocol: ProtocolName = Field(
        DEFAULT_PROTOCOL, description="the protocol this config's values were resolved from (ofa, paper-code, project)"
    )
    train: TrainConfig = Field(default_factory=TrainConfig)
