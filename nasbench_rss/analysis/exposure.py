"""What each trained cell trained: the MFLOPs and optimizer steps of every subnet (its result's ``exposure``).

The report's exposure sections (bucket shares, the whole FLOPs range) and the
``bias-follows-exposure`` claims read the cells' exposure from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from nasbench_rss.run.results import CellRecord


@dataclass(frozen=True)
class Exposure:
    """One cell's training exposure: ``(mflops, optimizer steps)`` of every subnet it trained."""

    subnets: list[tuple[float, int]]
    total_subnet_steps: int | None = None
    distinct_subnets: int | None = None


def cell_exposure(cells: list[CellRecord]) -> dict[str, Exposure]:
    """Cell id -> its exposure, for every trained cell whose result records one."""
    out = {}
    for cell in cells:
        record = (cell.result or {}).get("exposure")
        if record:
            out[cell.id] = Exposure(
                [(s["mflops"], s["steps"]) for s in record.get("subnets") or []],
                record.get("total_subnet_steps"),
                record.get("distinct_subnets"),
            )
    return out
