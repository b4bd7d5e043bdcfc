"""Bounds that config models share: what the code behind a setting can take.

A value past these passes a plain ``int`` field and fails much later (a 260-digit seed
when a generator is seeded, ``k: 1000000000`` subnets per step when the first step
allocates for them), so the models refuse it up front with a message saying why.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MAX_SEED = 2**63 - 1
"""The largest seed: ``torch.Generator.manual_seed`` takes integers 0..2**63-1."""
MAX_SUBNETS_PER_STEP = 64
"""The most subnets one optimizer step may train: each is a forward and a backward pass on the batch."""


def _at_most(limit: int, why: str):
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
