"""The vocabulary of a suite's ``claims:``: run names, buckets, margins, and the options base every claim kind derives from.

Claim kinds (and their statistics) live in :mod:`nasbench_rss.claims`, above the suites;
what a claim *names* lives here, below them, so a suite checks the runs and buckets a
claim names without importing the claims.  Accuracies are fractions (0.01 is one
percentage point), as the evaluation records them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import pydantic
from pydantic import ConfigDict, Field, StringConstraints

RUN_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
RunName = Annotated[str, StringConstraints(pattern=RUN_PATTERN)]
Bucket = Annotated[float, Field(strict=False, gt=0)]
Buckets = Union[Literal["all"], Annotated[list[Bucket], Field(min_length=1)]]
Margin = Annotated[float, Field(ge=0, le=1)]
BUCKETS_HELP = "'all' (every evaluated bucket) or a list of bucket targets (MFLOPs), e.g. [4, 6]"
POOLED_HELP = (
    "false: the claim must hold in every named bucket (intersection-union: p is the largest bucket p); "
    "true: one test on the named buckets' subnets together"
)

RUN_KEYS = frozenset({"run", "than", "runs", "change", "versus"})
"""Option keys whose values are run names (checked against the suite's runs)."""


class ClaimOptions(pydantic.BaseModel):
    """Base of every claim kind's options: strict, immutable."""

    model_config = STRICT

    @pydantic.model_validator(mode="after")
    def _not_against_itself(self) -> "ClaimOptions":
        """A claim of a run against itself is refused, as a comparison of a run with itself is."""
        run, than = getattr(self, "run", None), getattr(self, "than", None)
        if isinstance(run, str) and run == than:
            raise ValueError(f"run {run!r} is compared with itself; name another run in than")
        for key in ("change", "versus"):
            pair = getattr(self, key, None)
            if isinstance(pair, (list, tuple)) and len(pair) == 2 and pair[0] == pair[1]:
                raise ValueError(f"{key}: run {pair[0]!r} is compared with itself; name [changed run, its reference]")
        return self

    def run_fields(self) -> list[tuple[tuple[Any, ...], str]]:
        """(path inside the options, run name) for every run the claim names."""
        out: list[tuple[tuple[Any, ...], str]] = []
        for key in type(self).model_fields:
            value = getattr(self, key)
            if key in RUN_KEYS and isinstance(value, str):
                out.append(((key,), value))
            elif key in RUN_KEYS and isinstance(value, (list, tuple)):
                out += [((key, i), name) for i, name in enumerate(value)]
        return out

    def bucket_fields(self) -> list[tuple[tuple[Any, ...], float]]:
        """(path inside the options, bucket target) for every bucket the claim names."""
        out: list[tuple[tuple[Any, ...], float]] = []
        buckets = getattr(self, "buckets", "all")
        if isinstance(buckets, (list, tuple)):
            out += [(("buckets", i), float(b)) for i, b in enumerate(buckets)]
        if isinstance(getattr(self, "bucket", None), (int, float)):
            out.append((("bucket",), float(self.bucket)))  # type: ignore[attr-defined]
        return out
