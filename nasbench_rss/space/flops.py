"""Exact FLOPs (multiply-accumulates) of every network of a space, from per-stage tables.

"MFLOPs" here means what OFA's analytic counter and the paper call MFLOPs: millions of
multiply-accumulates of conv and linear layers, squeeze-and-excitation included,
batch norm, activations, pooling and biases excluded.  Because a layer's input width
and resolution are fixed by its position, a network's count is a fixed part plus one
table entry per stage, which makes batch counting a handful of array gathers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TYPE_CHECKING

import numpy as np

from nasbench_rss.space.search_space import SearchSpace

if TYPE_CHECKING:
    from nasbench_rss.space.subnet import Subnet


@dataclass(frozen=True, eq=False)
class FlopsTable:
    """``fixed`` MACs plus ``stage_costs[s][code]`` for each stage's configuration code.

    ``layer_costs[s][layer, kernel, expand]`` holds the MACs of one layer position for
    each choice (indexed by the choice values); it lets a table for a restricted
    space be made without the architecture (see ``for_space``).
    """

    space: SearchSpace
    fixed: int
    layer_costs: tuple[np.ndarray, ...]
    stage_costs: tuple[np.ndarray, ...]

    @classmethod
    def from_layer_costs(cls, space: SearchSpace, fixed: int, layer_costs: Sequence[np.ndarray]) -> "FlopsTable":
        stage_costs = []
        for s, table in enumerate(space.stage_tables):
            active = table.kernel >= 0
            positions = np.arange(table.kernel.shape[1])[None, :]
            costs = layer_costs[s][positions, np.where(active, table.kernel, 0), np.where(active, table.expand, 0)]
            stage_costs.append((costs * active).sum(axis=1).astype(np.int64))
        return cls(space=space, fixed=int(fixed), layer_costs=tuple(layer_costs), stage_costs=tuple(stage_costs))

    def for_space(self, space: SearchSpace) -> "FlopsTable":
        """The table of a sub-space of this table's space (same architecture and shape)."""
        if not space.is_subspace_of(self.space):
            raise ValueError(f"space {space.describe()} is not a sub-space of {self.space.describe()}")
        return FlopsTable.from_layer_costs(space, self.fixed, self.layer_costs)

    def macs_of_codes(self, codes: np.ndarray) -> np.ndarray:
        """Exact integer MACs of a batch of stage-code rows (int64)."""
        codes = np.asarray(codes, dtype=np.int64)
        total = np.full(codes.shape[0], self.fixed, dtype=np.int64)
        for s, costs in enumerate(self.stage_costs):
            total += costs[codes[:, s]]
        return total

    def mflops_of_codes(self, codes: np.ndarray) -> np.ndarray:
        return self.macs_of_codes(codes) / 1e6

    def macs(self, subnet: "Subnet") -> int:
        self.space.check(subnet)
        codes = subnet.stage_codes(self.space)
        return self.fixed + sum(int(c[code]) for c, code in zip(self.stage_costs, codes))

    def mflops(self, subnet: "Subnet") -> float:
        return self.macs(subnet) / 1e6

    def mflops_of(self, subnets: Sequence["Subnet"]) -> np.ndarray:
        return self.mflops_of_codes(self.space.codes(subnets))

    @property
    def min_macs(self) -> int:
        return self.fixed + sum(int(c.min()) for c in self.stage_costs)

    @property
    def max_macs(self) -> int:
        return self.fixed + sum(int(c.max()) for c in self.stage_costs)
