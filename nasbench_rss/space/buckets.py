"""Subnets drawn from a FLOPs bucket: exactly, or by the paper's rejection protocol.

Exact mode draws from the base distribution (per-dimension or uniform) *conditioned* on
the bucket, with no rejection.  It works because a network's MACs are a sum of one
cost per stage and the base distribution is a product over stages: stage cost
distributions are convolved along a balanced binary tree of stages (integer weights on
integer grids, so sums are exact), and a draw walks the tree top down, splitting the
bucket's total between the two halves with probability proportional to
``weight(left part) * weight(right part)``, down to one stage, where a configuration
with exactly that cost is drawn by its weight.

Paper mode repeats the paper's protocol for fidelity: per-dimension draws kept when
they land in the bucket, with every expand ratio locked at its minimum for the lowest
bucket and at its maximum for the highest one (which skews those buckets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Literal, Sequence

import numpy as np

from nasbench_rss.errors import SpaceError
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.population import BaseDistribution, check_distribution, sample_codes, stage_code_weights
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

#: The paper's evaluation buckets (MFLOPs), each +-0.5.
PAPER_BUCKETS: tuple[float, ...] = (4, 6, 8, 10, 12, 14)
PAPER_TOLERANCE = 0.5

ExpandLock = Literal["min", "max"] | None
BucketMode = Literal["exact", "paper"]
BUCKET_MODES: tuple[str, ...] = ("exact", "paper")

OUTSIDE = "outside"
"""The bucket key of a subnet in none of the buckets (exposure counts, reports)."""

#: Integer weights of a tree node must stay below this so int64 sums are exact.
_MAX_EXACT_WEIGHT = 2**62


@dataclass(frozen=True)
class Bucket:
    """The closed window [target - tolerance, target + tolerance] in MFLOPs."""

    target: float
    tolerance: float = PAPER_TOLERANCE

    def __post_init__(self) -> None:
        for name, value in (("bucket", self.target), ("tolerance", self.tolerance)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise SpaceError(f"{name}: {value!r} is not a number")
        if self.target <= 0:
            raise SpaceError(f"bucket: {self.target} MFLOPs not allowed; allowed: a positive number")
        if self.tolerance < 0:
            raise SpaceError(f"tolerance: {self.tolerance} not allowed; allowed: a number >= 0")

    @property
    def macs_window(self) -> tuple[int, int]:
        """Inclusive integer MACs bounds, computed from the decimal values exactly."""
        t, w = Fraction(str(self.target)), Fraction(str(self.tolerance))
        return math.ceil((t - w) * 1_000_000), math.floor((t + w) * 1_000_000)

    @property
    def label(self) -> str:
        """For people: ``4±0.5``."""
        return f"{self.target:g}±{self.tolerance:g}"

    @property
    def key(self) -> str:
        """For files and reports: ``4``, ``12.5`` (what evaluation.json, result.json and report.json use)."""
        return bucket_key(self.target)

    def contains_macs(self, macs: np.ndarray) -> np.ndarray:
        lo, hi = self.macs_window
        return (macs >= lo) & (macs <= hi)


def bucket_key(target: float) -> str:
    """The key of the bucket centred on ``target`` MFLOPs: ``f"{target:g}"``."""
    return f"{target:g}"


def bucket_of(mflops: float, targets: Sequence[float], tolerance: float) -> str:
    """Key of the first bucket of ``targets`` that holds a subnet of ``mflops``, else :data:`OUTSIDE`.

    Decided on MACs with :meth:`Bucket.contains_macs`, exactly as evaluation draws
    subnets, so a subnet on a bucket's edge counts where it is evaluated.  A subnet's
    MFLOPs are a whole number of MACs over 10^6 (rounded back to it here, undoing the
    division's last-bit error); any other value is compared as it is.
    """
    macs = mflops * 1_000_000
    nearest = round(macs)
    macs = np.array([nearest if abs(macs - nearest) < 1e-6 else macs])
    for target in targets:
        if Bucket(target, tolerance).contains_macs(macs)[0]:
            return bucket_key(target)
    return OUTSIDE


@dataclass(frozen=True, eq=False)
class _Grid:
    """Integer weights on the values ``offset + step * i``."""

    offset: int
    step: int
    weights: np.ndarray  # int64

    @staticmethod
    def from_values(values: np.ndarray, weights: np.ndarray) -> "_Grid":
        values = np.asarray(values, dtype=np.int64)
        low = int(values.min())
        step = int(np.gcd.reduce(values - low)) or 1
        dense = np.zeros((int(values.max()) - low) // step + 1, dtype=np.int64)
        np.add.at(dense, (values - low) // step, weights)
        return _Grid(low, step, dense)

    @cached_property
    def nonzero(self) -> np.ndarray:
        return np.flatnonzero(self.weights)

    @cached_property
    def cumulative(self) -> np.ndarray:
        """cumulative[i] = total weight of grid points 0..i-1 (length len + 1)."""
        return np.concatenate([[0], np.cumsum(self.weights)])

    @property
    def total(self) -> int:
        return int(self.cumulative[-1])

    def values(self, index: np.ndarray) -> np.ndarray:
        return self.offset + self.step * index

    def weight_at(self, values: np.ndarray) -> np.ndarray:
        """Weights at arbitrary integer values (0 off the grid)."""
        rel = values - self.offset
        idx = rel // self.step
        ok = (rel % self.step == 0) & (idx >= 0) & (idx < len(self.weights))
        out = np.zeros(values.shape, dtype=np.int64)
        out[ok] = self.weights[idx[ok]]
        return out

    def weight_between(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Total weight of values in [lo, hi] (elementwise, exact integers)."""
        return self.cumulative[self._count_at_most(hi)] - self.cumulative[self._count_at_most(lo - 1)]

    def _count_at_most(self, values: np.ndarray) -> np.ndarray:
        """Number of grid points <= value, clipped to [0, len]."""
        return np.clip(np.floor_divide(values - self.offset, self.step) + 1, 0, len(self.weights))

    def convolve(self, other: "_Grid") -> "_Grid":
        """Distribution of the sum; loops over the sparser side, adds the denser one shifted."""
        step = math.gcd(self.step, other.step)
        length = ((len(self.weights) - 1) * self.step + (len(other.weights) - 1) * other.step) // step + 1
        out = np.zeros(length, dtype=np.int64)
        sparse, dense = (self, other)
        if len(self.nonzero) * len(other.weights) > len(other.nonzero) * len(self.weights):
            sparse, dense = other, self
        stride = dense.step // step
        span = (len(dense.weights) - 1) * stride + 1
        for i in sparse.nonzero.tolist():
            start = i * sparse.step // step
            out[start : start + span : stride] += sparse.weights[i] * dense.weights
        return _Grid(self.offset + other.offset, step, out)


@dataclass(eq=False)
class _Node:
    """A contiguous run of stages and the distribution of their summed cost."""

    grid: _Grid
    stage: int | None = None  # set on leaves
    left: "_Node | None" = None
    right: "_Node | None" = None


class _StageConfigs:
    """One stage's codes grouped by cost, to draw a code of a given cost by weight."""

    def __init__(self, costs: np.ndarray, weights: np.ndarray) -> None:
        order = np.lexsort((np.arange(len(costs)), costs))
        self.codes = order
        self.costs = costs[order]
        self.cumulative = np.concatenate([[0], np.cumsum(weights[order])])

    def draw(self, cost: int, rng: np.random.Generator) -> int:
        lo = int(np.searchsorted(self.costs, cost, side="left"))
        hi = int(np.searchsorted(self.costs, cost, side="right"))
        u = int(rng.integers(self.cumulative[lo], self.cumulative[hi]))
        return int(self.codes[np.searchsorted(self.cumulative, u, side="right") - 1])


def _pick(weights: np.ndarray, cumulative: np.ndarray, rng: np.random.Generator) -> int:
    """An index drawn with probability proportional to ``weights`` (``cumulative`` = their cumsum)."""
    i = min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")), len(cumulative) - 1)
    while weights[i] == 0:  # u * total can round up onto the edge of trailing zero weights
        i -= 1
    return i


class ExactBucketSampler:
    """Draws from ``base`` conditioned on a FLOPs bucket; also counts networks per bucket."""

    def __init__(self, table: FlopsTable, base: BaseDistribution = "per-dimension") -> None:
        check_distribution(base)
        self.table = table
        self.space: SearchSpace = table.space
        self.base = base
        self._configs = []
        leaves = []
        for s, costs in enumerate(table.stage_costs):
            weights = stage_code_weights(self.space, s, base)
            self._configs.append(_StageConfigs(costs, weights))
            leaves.append(_Node(_Grid.from_values(costs, weights), stage=s))
        self.root = self._build(leaves)
        self._uniform: ExactBucketSampler | None = self if base == "uniform" else None
        self._marginals: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def _build(self, nodes: list[_Node]) -> _Node:
        if len(nodes) == 1 and len(self.table.stage_costs) == 1:
            nodes = nodes + [_Node(_Grid(0, 1, np.ones(1, dtype=np.int64)))]
        if len(nodes) == 1:
            return nodes[0]
        half = (len(nodes) + 1) // 2
        left, right = self._build(nodes[:half]), self._build(nodes[half:])
        if len(nodes) < len(self.table.stage_costs) and left.grid.total * right.grid.total >= _MAX_EXACT_WEIGHT:
            raise SpaceError(f"{self.space.architecture}: space too large for exact bucket sampling ({len(nodes)} stages in one half)")
        grid = left.grid.convolve(right.grid) if len(nodes) < len(self.table.stage_costs) else _Grid(0, 1, np.zeros(1, np.int64))
        return _Node(grid, left=left, right=right)

    # ------------------------------------------------------------ bucket facts
    def _window(self, bucket: Bucket) -> tuple[int, int]:
        lo, hi = bucket.macs_window
        return lo - self.table.fixed, hi - self.table.fixed

    def _split_weights(self, bucket: Bucket) -> tuple[np.ndarray, np.ndarray]:
        """For each left-half value: its weight and the right half's weight in the window."""
        lo, hi = self._window(bucket)
        left, right = self.root.left.grid, self.root.right.grid
        values = left.values(left.nonzero)
        return left.weights[left.nonzero], right.weight_between(lo - values, hi - values)

    def count(self, bucket: Bucket) -> int:
        """Exact number of networks of the space in the bucket."""
        if self._uniform is None:
            self._uniform = ExactBucketSampler(self.table, "uniform")
        if self._uniform is not self:
            return self._uniform.count(bucket)
        a, b = self._split_weights(bucket)
        return sum(x * y for x, y in zip(a.tolist(), b.tolist()) if y)

    def probability(self, bucket: Bucket) -> float:
        """Probability that one draw of the base distribution lands in the bucket."""
        a, b = self._split_weights(bucket)
        total = Fraction(self.root.left.grid.total) * self.root.right.grid.total
        return float(Fraction(sum(x * y for x, y in zip(a.tolist(), b.tolist()) if y)) / total)

    def check_reachable(self, bucket: Bucket) -> None:
        a, b = self._split_weights(bucket)
        if not np.any((a > 0) & (b > 0)):
            lo, hi = self.table.min_macs / 1e6, self.table.max_macs / 1e6
            where = "" if lo <= bucket.target <= hi else " (outside the reachable range)"
            raise SpaceError(
                f"bucket {bucket.label} MFLOPs: no network of {self.space.architecture} lies in it{where}; "
                f"reachable: {lo:.4f} to {hi:.4f} MFLOPs"
            )

    # ------------------------------------------------------------------ draws
    def sample_codes(self, bucket: Bucket, n: int, rng: np.random.Generator) -> np.ndarray:
        self.check_reachable(bucket)
        lo, hi = self._window(bucket)
        key = (lo, hi)
        if key not in self._marginals:
            a, b = self._split_weights(bucket)
            p = a.astype(np.float64) * b.astype(np.float64)
            self._marginals[key] = (p, np.cumsum(p))
        p, cumulative = self._marginals[key]
        left, right = self.root.left.grid, self.root.right.grid
        codes = np.empty((n, self.space.n_stages), dtype=np.int64)
        for row in range(n):
            i = _pick(p, cumulative, rng)
            a_value = int(left.values(left.nonzero[i]))
            low = right.cumulative[right._count_at_most(np.int64(lo - a_value - 1))]
            high = right.cumulative[right._count_at_most(np.int64(hi - a_value))]
            u = int(rng.integers(low, high))
            j = int(np.searchsorted(right.cumulative, u, side="right")) - 1
            self._descend(self.root.left, a_value, rng, codes[row])
            self._descend(self.root.right, int(right.values(j)), rng, codes[row])
        return codes

    def _descend(self, node: _Node, total: int, rng: np.random.Generator, out: np.ndarray) -> None:
        if node.stage is not None:
            out[node.stage] = self._configs[node.stage].draw(total, rng)
            return
        if node.left is None:  # the empty run of stages of a one-stage space
            return
        # Enumerate the side with fewer possible values; look the other side up.
        first, second = (node.left, node.right)
        if len(node.right.grid.nonzero) < len(node.left.grid.nonzero):
            first, second = node.right, node.left
        values = first.grid.values(first.grid.nonzero)
        p = first.grid.weights[first.grid.nonzero].astype(np.float64) * second.grid.weight_at(total - values).astype(np.float64)
        i = _pick(p, np.cumsum(p), rng)
        self._descend(first, int(values[i]), rng, out)
        self._descend(second, total - int(values[i]), rng, out)

    def sample(self, bucket: Bucket, n: int, rng: np.random.Generator) -> list[Subnet]:
        return self.space.subnets(self.sample_codes(bucket, n, rng))


# ------------------------------------------------------------------ paper mode
def paper_expand_locks(targets: Sequence[float]) -> dict[float, ExpandLock]:
    """The paper's rule: expand locked at min for the lowest bucket, max for the highest."""
    ordered = sorted(set(targets))
    locks: dict[float, ExpandLock] = {t: None for t in ordered}
    if len(ordered) > 1:
        locks[ordered[0]], locks[ordered[-1]] = "min", "max"
    return locks


def paper_sample_codes(
    table: FlopsTable,
    bucket: Bucket,
    n: int,
    rng: np.random.Generator,
    lock_expand: ExpandLock = None,
    max_draws: int = 20_000_000,
    batch: int = 65_536,
) -> np.ndarray:
    """The paper's protocol: per-dimension draws (expand optionally locked), kept if in the bucket.

    Codes are returned in ``table.space``'s numbering whatever the lock.
    """
    space = table.space
    if lock_expand not in (None, "min", "max"):
        raise SpaceError(f"lock_expand: {lock_expand!r} not allowed; allowed: min, max or none")
    draw_space = space
    if lock_expand is not None:
        pick = min if lock_expand == "min" else max
        draw_space = space.restrict(expand=[pick(space.expand_choices)])
    draw_table = table.for_space(draw_space)
    kept: list[np.ndarray] = []
    found, drawn = 0, 0
    while found < n:
        if drawn >= max_draws:
            lock = f" with expand locked at {lock_expand}" if lock_expand else ""
            raise SpaceError(
                f"bucket {bucket.label} MFLOPs: paper-mode rejection found {found} of {n} networks in "
                f"{drawn} draws{lock}; use --bucket-mode exact (no rejection) or another lock"
            )
        codes = sample_codes(draw_space, batch, rng, "per-dimension")
        drawn += batch
        hit = codes[bucket.contains_macs(draw_table.macs_of_codes(codes))]
        kept.append(hit)
        found += len(hit)
    codes = np.concatenate(kept)[:n]
    if draw_space is space:
        return codes
    return space.codes(draw_space.subnets(codes))
