"""Every bound on what a user gives, with the reason for each: what the code behind it can take.

A value past these passes a plain ``int`` field and fails much later (a 260-digit seed
when a generator is seeded, ``k: 1000000000`` subnets per step when the first step
allocates for them, ``per_bucket: 100000000`` drawn for minutes while Ctrl-C waits, 1000
runs x 1000 seeds planned into 5 GB before a MemoryError), so the models and the suite
refuse it up front, at its line, with a message saying why.  The bounds are generous: what
a GPU cluster could use, far past every shipped suite; README's "Limits" lists them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MAX_SEED = 2**63 - 1
"""The largest seed: ``torch.Generator.manual_seed`` takes integers 0..2**63-1."""
MAX_SUBNETS_PER_STEP = 64
"""The most subnets one optimizer step may train: each is a forward and a backward pass on the batch."""
MAX_CELLS = 10_000
"""Cells one suite may plan (runs' cells and references, counted before any is made): each is a directory,
a manifest entry and a record held while planning; 10,000 cells of an hour each are more than a GPU-year."""
MAX_EPOCHS = 10_000
"""Epochs of one cell (runs and references): 17x the paper's longest run (590); plans and the ETA are per epoch."""
MAX_SUBNETS_PER_BUCKET = 10_000
"""``evaluation.per_bucket``: each subnet is a BN recalibration and a test pass of every cell, drawn before the first
(100x the paper's 100; 100,000,000 drew for minutes in "evaluating", deaf to Ctrl-C)."""
MAX_BUCKETS = 100
"""Evaluation buckets (the paper's 6): each draws ``per_bucket`` subnets of every cell."""
MAX_BATCH_SIZE = 65_536
"""Images per batch (training, test pass, BN recalibration): a batch is one tensor on the device; 65,536 32x32
colour images are 800 MB in fp32 before any activation."""
MAX_IMAGE_SIZE = 1024
"""Training and test image side, in pixels (4x ImageNet's 256): activations grow with its square."""
MAX_CPUS_PER_CELL = 1024
"""CPU cores one cell's task may reserve: more than the largest machines have (a cell runs on one machine)."""
MAX_GPUS_PER_CELL = 16
"""GPUs one cell's task may reserve: more than the largest machines hold (a cell runs on one machine)."""
MAX_JOBS = 1024
"""Cells side by side on one machine (``--jobs``, and GPUs x ``--cells-per-gpu``): each is a process holding its data."""
MAX_CELLS_PER_GPU = 64
"""Cells sharing one GPU (``--cells-per-gpu``): each holds its dataset and supernet in the GPU's memory."""
MAX_THREADS = 1024
"""CPU threads of one cell (``training.threads``): more than any one machine this runs on has cores."""
MAX_RETRIES = 100
"""Times an executor may rerun a cell whose worker died: past that, the cell's failure is its own."""
MAX_WAIT_SECONDS = 86_400.0
"""Seconds an executor may wait (for a lock, or for workers to stop after Ctrl-C): one day."""
MAX_SUITE_BYTES = 4 * 2**20
"""Size of a suite file: 400x the largest shipped suite; a suite is read whole (and a device such as /dev/zero never ends)."""
MAX_SUITE_NODES = 200_000
"""Values in a suite once its YAML aliases are expanded: nine levels of nine aliases are 387 million (a hang)."""
MAX_SUITE_DEPTH = 64
"""Nesting of lists and mappings in a suite (a suite needs about 8): 900 nested lists overflowed Python's stack."""
MAX_RECORD_BYTES = 256 * 2**20
"""Size of a JSON or JSON Lines file of a run directory (manifest, cell records): read whole, and the largest a
10,000-epoch cell with 10,000 subnets per bucket writes is tens of MB."""


def _at_most(limit: float, why: str):
    def check(value: Any) -> Any:
        if value > limit:
            raise PydanticCustomError(
                "too_large", "{value} not allowed; allowed: {allowed}", {"value": _short(value), "allowed": f"at most {why}"}
            )
        return value

    return AfterValidator(check)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else f"{text[:12]}...{text[-6:]} ({len(text)} digits)"


Seed = Annotated[
    int,
    Field(ge=0, json_schema_extra={"maximum": MAX_SEED}),
    _at_most(MAX_SEED, f"2**63 - 1 = {MAX_SEED} (seeds are 0..2**63-1, what torch.Generator.manual_seed takes)"),
]
"""A seed: an integer from 0 to 2**63 - 1."""
StrictSeed = Annotated[Seed, Field(strict=True)]
"""A seed that must be written as an integer (not ``"3"`` or ``3.0``), as in suite files."""

SubnetsPerStep = Annotated[
    int,
    Field(ge=1, json_schema_extra={"maximum": MAX_SUBNETS_PER_STEP}),
    _at_most(MAX_SUBNETS_PER_STEP, f"{MAX_SUBNETS_PER_STEP} (each subnet of a step is a forward and a backward pass on the batch)"),
]
"""How many subnets one step trains: 1 to :data:`MAX_SUBNETS_PER_STEP`."""


def _bounded(base: type, low: dict[str, Any], limit: float, why: str) -> Any:
    """``base`` with the bounds ``low`` (``ge``/``gt``) and at most ``limit`` (the message says ``why``)."""
    return Annotated[base, Field(**low, json_schema_extra={"maximum": limit}), _at_most(limit, f"{limit:g} ({why})")]


EpochCount = _bounded(int, {"ge": 1}, MAX_EPOCHS, "17x the paper's longest run; plans and the ETA are per epoch")
"""Epochs of a cell: 1 to :data:`MAX_EPOCHS`."""
SubnetsPerBucket = _bounded(int, {"ge": 1}, MAX_SUBNETS_PER_BUCKET, "each is a BN recalibration and a test pass of every cell")
"""Subnets evaluated per bucket: 1 to :data:`MAX_SUBNETS_PER_BUCKET`."""
BatchSize = _bounded(int, {"ge": 1}, MAX_BATCH_SIZE, "a batch is one tensor on the device")
"""Images per batch: at most :data:`MAX_BATCH_SIZE` (each model sets its own lower bound)."""
ImageSize = _bounded(int, {"ge": 8}, MAX_IMAGE_SIZE, "activations grow with its square")
"""Image side in pixels: 8 to :data:`MAX_IMAGE_SIZE`."""
CpusPerCell = _bounded(float, {"gt": 0, "allow_inf_nan": False}, MAX_CPUS_PER_CELL, "a cell runs on one machine")
"""CPU cores a cell's task reserves: more than 0, at most :data:`MAX_CPUS_PER_CELL`."""
GpusPerCell = _bounded(float, {"ge": 0, "allow_inf_nan": False}, MAX_GPUS_PER_CELL, "a cell runs on one machine")
"""GPUs a cell's task reserves: 0 to :data:`MAX_GPUS_PER_CELL`."""
Retries = _bounded(int, {"ge": 0}, MAX_RETRIES, "past that, the cell's failure is its own")
"""Reruns of a cell whose worker died: 0 to :data:`MAX_RETRIES`."""
WaitSeconds = _bounded(float, {"ge": 0, "allow_inf_nan": False}, MAX_WAIT_SECONDS, "one day")
"""Seconds to wait: 0 to :data:`MAX_WAIT_SECONDS`."""
