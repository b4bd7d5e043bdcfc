"""The elastic search space of an OFA-style supernet and its exact combinatorics.

A network of the population is fixed by, per stage, a depth and one (kernel, expand)
choice for each *active* layer.  Stages are independent, so the population is the
product of the stages' configuration counts, and everything exact (population size,
rank/unrank, FLOPs tables, bucket sampling) is done per stage and combined.

Inside a stage, configurations are numbered by their *stage code*: depths in
ascending order, and within one depth the layers' choice indices read as digits
(layer 0 most significant) in base ``len(kernels) * len(expands)``, with the choice
index ``kernel_index * len(expands) + expand_index``.  A network's rank is the mixed
radix number of its stage codes, stage 0 most significant.  Batches of networks are
handled as integer arrays of stage codes, shape ``(n, n_stages)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np

from nasbench_rss.errors import SpaceError

#: Above this many configurations in one stage the per-stage tables would not fit in
#: memory comfortably; such spaces are refused with an explanation.
MAX_STAGE_CONFIGS = 5_000_000


def _choices(name: str, values: Iterable[int], allowed: str, low: int, high: int, odd: bool = False) -> tuple[int, ...]:
    """Validate a choice list: sorted, unique, integers in [low, high] (odd if asked)."""
    try:
        items = list(values)
    except TypeError:
        raise SpaceError(f"{name}: expected a list of integers, got {values!r}") from None
    if not items:
        raise SpaceError(f"{name}: must not be empty; allowed: {allowed}")
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise SpaceError(f"{name}: {v!r} is not an integer; allowed: {allowed}")
        if not low <= v <= high or (odd and v % 2 == 0):
            raise SpaceError(f"{name}: {v} is not allowed; allowed: {allowed}")
    if len(set(items)) != len(items):
        raise SpaceError(f"{name}: duplicate values in {items}")
    return tuple(sorted(int(v) for v in items))


@dataclass(frozen=True)
class SearchSpace:
    """Immutable description of an architecture's elastic dimensions.

    ``max_depths`` is the number of layers each stage has in the supernet (this fixes
    the OFA list lengths).  ``depth_choices`` applies to every stage except those in
    ``fixed_depth_stages``, which always run all their layers (ProxylessNAS's last
    stage).  Kernel and expand choices are single digits so the string encoding stays
    two characters per layer.
    """

    architecture: str
    max_depths: tuple[int, ...]
    kernel_choices: tuple[int, ...] = (3, 5, 7)
    expand_choices: tuple[int, ...] = (3, 4, 6)
    depth_choices: tuple[int, ...] = (2, 3, 4)
    fixed_depth_stages: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.max_depths:
            raise SpaceError(f"{self.architecture}: max_depths must name at least one stage")
        for s, d in enumerate(self.max_depths):
            if isinstance(d, bool) or not isinstance(d, int) or d < 1:
                raise SpaceError(f"{self.architecture}: max_depths[{s}] = {d!r}; allowed: integers >= 1")
        object.__setattr__(self, "max_depths", tuple(self.max_depths))
        object.__setattr__(self, "kernel_choices", _choices("kernel", self.kernel_choices, "odd integers 1..9", 1, 9, odd=True))
        object.__setattr__(self, "expand_choices", _choices("expand", self.expand_choices, "integers 1..9", 1, 9))
        object.__setattr__(self, "depth_choices", _choices("depth", self.depth_choices, "integers >= 1", 1, 10**6))
        fixed = frozenset(self.fixed_depth_stages)
        for s in fixed:
            if not 0 <= s < len(self.max_depths):
                raise SpaceError(f"{self.architecture}: fixed_depth_stages has {s}; stages are 0..{len(self.max_depths) - 1}")
        object.__setattr__(self, "fixed_depth_stages", fixed)
        for s in range(self.n_stages):
            if s not in fixed and max(self.depth_choices) > self.max_depths[s]:
                raise SpaceError(
                    f"depth: {max(self.depth_choices)} exceeds stage {s}'s {self.max_depths[s]} layers; "
                    f"allowed: 1..{self.max_depths[s]}"
                )
        for s in range(self.n_stages):
            if self.stage_size(s) > MAX_STAGE_CONFIGS:
                raise SpaceError(
                    f"{self.architecture}: stage {s} has {self.stage_size(s)} configurations, more than the "
                    f"{MAX_STAGE_CONFIGS} this tool tabulates; use fewer choices or a smaller depth"
                )

    # ----------------------------------------------------------------- structure
    @property
    def n_stages(self) -> int:
        return len(self.max_depths)

    @property
    def n_layers(self) -> int:
        """Elastic layers in the supernet (the length of OFA's ``ks`` and ``e`` lists)."""
        return sum(self.max_depths)

    @property
    def choices_per_layer(self) -> int:
        return len(self.kernel_choices) * len(self.expand_choices)

    def stage_depth_choices(self, stage: int) -> tuple[int, ...]:
        if stage in self.fixed_depth_stages:
            return (self.max_depths[stage],)
        return self.depth_choices

    def stage_size(self, stage: int) -> int:
        """Number of distinct configurations of one stage."""
        return sum(self.choices_per_layer**d for d in self.stage_depth_choices(stage))

    @cached_property
    def stage_sizes(self) -> tuple[int, ...]:
        return tuple(self.stage_size(s) for s in range(self.n_stages))

    @cached_property
    def size(self) -> int:
        """Exact number of distinct networks (a Python int: it exceeds 64 bits)."""
        n = 1
        for s in self.stage_sizes:
            n *= s
        return n

    def restrict(
        self,
        kernel: Sequence[int] | None = None,
        expand: Sequence[int] | None = None,
        depth: Sequence[int] | None = None,
    ) -> "SearchSpace":
        """A sub-space with fewer choices (progressive shrinking trains these)."""
        new = {}
        for name, values, current in (
            ("kernel", kernel, self.kernel_choices),
            ("expand", expand, self.expand_choices),
            ("depth", depth, self.depth_choices),
        ):
            if values is None:
                continue
            extra = sorted(set(values) - set(current))
            if extra:
                raise SpaceError(f"{name}: {extra} not in this space; allowed: subsets of {list(current)}")
            new[f"{name}_choices"] = tuple(values)
        return SearchSpace(
            architecture=self.architecture,
            max_depths=self.max_depths,
            kernel_choices=new.get("kernel_choices", self.kernel_choices),
            expand_choices=new.get("expand_choices", self.expand_choices),
            depth_choices=new.get("depth_choices", self.depth_choices),
            fixed_depth_stages=self.fixed_depth_stages,
        )

    def is_subspace_of(self, other: "SearchSpace") -> bool:
        return (
            self.architecture == other.architecture
            and self.max_depths == other.max_depths
            and self.fixed_depth_stages == other.fixed_depth_stages
            and set(self.kernel_choices) <= set(other.kernel_choices)
            and set(self.expand_choices) <= set(other.expand_choices)
            and set(self.depth_choices) <= set(other.depth_choices)
        )

    def describe(self) -> dict:
        """Plain-data summary (the ``space`` command's JSON)."""
        return {
            "architecture": self.architecture,
            "stages": self.n_stages,
            "max_depths": list(self.max_depths),
            "fixed_depth_stages": sorted(self.fixed_depth_stages),
            "kernel_choices": list(self.kernel_choices),
            "expand_choices": list(self.expand_choices),
            "depth_choices": list(self.depth_choices),
            "stage_sizes": list(self.stage_sizes),
            "population_size": str(self.size),
        }

    # ------------------------------------------------------------- stage tables
    @cached_property
    def stage_tables(self) -> tuple["StageTable", ...]:
        """Every configuration of every stage, indexed by stage code."""
        return tuple(StageTable.build(self, s) for s in range(self.n_stages))

    @cached_property
    def _radix(self) -> tuple[int, ...]:
        """Place value of each stage's code in a network's rank."""
        radix, m = [], 1
        for n in reversed(self.stage_sizes):
            radix.append(m)
            m *= n
        return tuple(reversed(radix))

    # ------------------------------------------------------------- rank / unrank
    def rank_codes(self, codes: np.ndarray) -> list[int]:
        """Ranks (exact Python ints) of a batch of stage-code rows."""
        codes = np.asarray(codes)
        return [sum(int(c) * m for c, m in zip(row, self._radix)) for row in codes.tolist()]

    def unrank_codes(self, ranks: Iterable[int]) -> np.ndarray:
        """Stage codes of networks given by rank; raises for ranks outside 0..size-1."""
        rows = []
        for r in ranks:
            if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
                raise SpaceError(f"rank: {r!r} is not an integer; allowed: 0..{self.size - 1}")
            r = int(r)
            if not 0 <= r < self.size:
                raise SpaceError(f"rank: {r} is out of range; allowed: 0..{self.size - 1}")
            row = []
            for m, n in zip(self._radix, self.stage_sizes):
                row.append(r // m)
                r %= m
            rows.append(row)
        return np.asarray(rows, dtype=np.int64).reshape(-1, self.n_stages)

    def rank(self, subnet: "Subnet") -> int:
        return self.rank_codes(self.codes([subnet]))[0]

    def unrank(self, rank: int) -> "Subnet":
        return self.subnets(self.unrank_codes([rank]))[0]

    # ------------------------------------------------- subnets <-> stage codes
    def codes(self, subnets: Sequence["Subnet"]) -> np.ndarray:
        """Stage codes of subnets (each checked to belong to this space)."""
        out = np.empty((len(subnets), self.n_stages), dtype=np.int64)
        for i, net in enumerate(subnets):
            if net.space is not self:  # a Subnet was checked against its own space when made
                self.check(net)
            out[i] = net.stage_codes(self)
        return out

    @cached_property
    def layer_digits(self) -> dict[tuple[int, int], int]:
        """(kernel, expand) -> the layer's digit in a stage code."""
        n_e = len(self.expand_choices)
        return {(k, e): i * n_e + j for i, k in enumerate(self.kernel_choices) for j, e in enumerate(self.expand_choices)}

    @cached_property
    def depth_offsets(self) -> tuple[dict[int, int], ...]:
        """Per stage, depth -> the first stage code of that depth."""
        return tuple(self.stage_tables[s].depth_offset for s in range(self.n_stages))

    def subnets(self, codes: np.ndarray) -> list["Subnet"]:
        """Subnets from a batch of stage codes (trusted: they come from this space)."""
        from nasbench_rss.space.subnet import Subnet

        codes = np.asarray(codes, dtype=np.int64)
        if codes.ndim != 2 or codes.shape[1] != self.n_stages:
            raise SpaceError(f"codes: expected shape (n, {self.n_stages}), got {codes.shape}")
        for s, n in enumerate(self.stage_sizes):
            bad = (codes[:, s] < 0) | (codes[:, s] >= n)
            if bad.any():
                raise SpaceError(f"codes: stage {s} code {int(codes[bad, s][0])} out of range 0..{n - 1}")
        per_stage = [self.stage_tables[s].layers(codes[:, s]) for s in range(self.n_stages)]
        return [
            Subnet._trusted(self, tuple(per_stage[s][i] for s in range(self.n_stages)))
            for i in range(codes.shape[0])
        ]

    def check(self, subnet: "Subnet") -> None:
        """Raise SpaceError naming the first field of ``subnet`` this space does not allow."""
        if subnet.space.max_depths != self.max_depths or subnet.space.architecture != self.architecture:
            raise SpaceError(
                f"subnet of {subnet.space.architecture} with stages {list(subnet.space.max_depths)} "
                f"does not belong to {self.architecture} with stages {list(self.max_depths)}"
            )
        for s, layers in enumerate(subnet.layers):
            allowed = self.stage_depth_choices(s)
            if len(layers) not in allowed:
                raise SpaceError(f"d[{s}]: depth {len(layers)} not allowed; allowed: {list(allowed)}")
            for i, (k, e) in enumerate(layers):
                if k not in self.kernel_choices:
                    raise SpaceError(f"ks (stage {s}, layer {i}): {k} not allowed; allowed: {list(self.kernel_choices)}")
                if e not in self.expand_choices:
                    raise SpaceError(f"e (stage {s}, layer {i}): {e} not allowed; allowed: {list(self.expand_choices)}")

    def contains(self, subnet: "Subnet") -> bool:
        try:
            self.check(subnet)
        except SpaceError:
            return False
        return True

    def smallest(self) -> "Subnet":
        return self._uniform_choice(min(self.kernel_choices), min(self.expand_choices), min)

    def largest(self) -> "Subnet":
        return self._uniform_choice(max(self.kernel_choices), max(self.expand_choices), max)

    def _uniform_choice(self, kernel: int, expand: int, pick) -> "Subnet":
        from nasbench_rss.space.subnet import Subnet

        layers = tuple(((kernel, expand),) * pick(self.stage_depth_choices(s)) for s in range(self.n_stages))
        return Subnet(self, layers)


@dataclass(frozen=True)
class StageTable:
    """All configurations of one stage as arrays indexed by stage code.

    ``kernel`` and ``expand`` hold choice *values* with -1 for inactive layers; ``depth``
    holds the depth of each code.  ``depth_offset[d]`` is the first code of depth ``d``.
    """

    depth: np.ndarray
    kernel: np.ndarray
    expand: np.ndarray
    depth_offset: dict[int, int]

    @staticmethod
    def build(space: SearchSpace, stage: int) -> "StageTable":
        n_layers = space.max_depths[stage]
        kernels = np.asarray(space.kernel_choices, dtype=np.int8)
        expands = np.asarray(space.expand_choices, dtype=np.int8)
        base = space.choices_per_layer
        depth_parts, kernel_parts, expand_parts, offsets = [], [], [], {}
        start = 0
        for d in space.stage_depth_choices(stage):
            count = base**d
            offsets[d] = start
            start += count
            idx = np.arange(count, dtype=np.int64)
            choice = np.full((count, n_layers), -1, dtype=np.int64)
            for layer in range(d):
                choice[:, layer] = (idx // base ** (d - 1 - layer)) % base
            active = choice >= 0
            k = np.where(active, kernels[choice // len(expands) * active], -1)
            e = np.where(active, expands[choice % len(expands) * active], -1)
            depth_parts.append(np.full(count, d, dtype=np.int8))
            kernel_parts.append(k.astype(np.int8))
            expand_parts.append(e.astype(np.int8))
        return StageTable(
            depth=np.concatenate(depth_parts),
            kernel=np.concatenate(kernel_parts),
            expand=np.concatenate(expand_parts),
            depth_offset=offsets,
        )

    def layers(self, codes: np.ndarray) -> list[tuple[tuple[int, int], ...]]:
        """Active (kernel, expand) pairs of each code, as canonical tuples."""
        depth = self.depth[codes].tolist()
        kernel = self.kernel[codes].tolist()
        expand = self.expand[codes].tolist()
        return [tuple(zip(k[:d], e[:d])) for d, k, e in zip(depth, kernel, expand)]
