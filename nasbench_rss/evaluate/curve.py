"""A cell's learning curve: which points it has and which subnets each point measures.

The trainer keeps the weights after the epochs ``evaluation.during`` names (a snapshot,
recorded with its digest in that epoch's event); the evaluation measures the *panel*, the
first ``during.per_bucket`` subnets of each bucket's list, on each snapshot with the
cell's own protocol (BN recalibrated on the same images), and takes the end point from the
trained population, which holds the panel.  Each point carries the training MACs spent up
to it (the epochs' ``train_macs``), so curves of runs with different samplers share an
axis of work done.  Measurements are keyed like every subnet record (the weights' digest
is part of the key), so an interrupted curve resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nasbench_rss.cell.directory import EVENTS_FILE, CellDirectory
from nasbench_rss.evaluate.subnets import BucketDraw
from nasbench_rss.space.subnet import Subnet


@dataclass(frozen=True)
class CurvePoint:
    """One point of a learning curve: after ``epochs`` epochs, weights ``weights``, ``macs`` training MACs spent."""

    epochs: int
    weights: str
    macs: float | None
    """None when an epoch before it did not count its MACs (trained before the count existed)."""


def curve_points(directory: CellDirectory) -> list[CurvePoint]:
    """The snapshots the trainer recorded, in order, with the cumulative training MACs at each."""
    points, spent = [], 0.0
    counted = True
    for record in sorted(directory.read_jsonl(EVENTS_FILE).records, key=lambda r: r.get("epoch", -1)):
        if record.get("event") != "epoch":
            continue
        macs = record.get("train_macs")
        counted = counted and isinstance(macs, dict) and isinstance(macs.get("total"), (int, float))
        spent = spent + float(macs["total"]) if counted else spent
        if isinstance(record.get("snapshot"), str):
            points.append(CurvePoint(int(record["epoch"]) + 1, record["snapshot"], spent if counted else None))
    return points


def panel(draws: list[BucketDraw], per_bucket: int) -> list[tuple[BucketDraw, list[Subnet]]]:
    """Each evaluated bucket with the first ``per_bucket`` subnets of its list (all it has, when fewer)."""
    return [(draw, list(draw.subnets[:per_bucket])) for draw in draws if draw.subnets]


def point_entry(
    epochs: int, total_epochs: int, weights: str, macs: float | None, chosen: list[tuple[BucketDraw, list[Subnet]]], known: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A measured point as ``evaluation.json`` holds it: per bucket, the panel's records in list order."""
    return {
        "epochs": epochs,
        "fraction": epochs / total_epochs,
        "train_macs": macs,
        "weights": weights,
        "status": "measured",
        "buckets": {
            draw.label: [
                {"index": index, "encoding": subnet.encode(), **{k: known[subnet.encode()][k] for k in ("mflops", "accuracy", "loss")}}
                for index, subnet in enumerate(subnets)
            ]
            for draw, subnets in chosen
        },
    }


def missing_entry(epochs: int, total_epochs: int, weights: str, macs: float | None, reason: str) -> dict[str, Any]:
    """A point that could not be measured, and why."""
    return {"epochs": epochs, "fraction": epochs / total_epochs, "train_macs": macs, "weights": weights, "status": "missing", "reason": reason, "buckets": {}}
