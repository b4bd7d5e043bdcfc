"""Run directories with known numbers, written as a real run writes them (nothing trained).

The suite is parsed by the real suite loader, so cell ids, directories (with config
hashes), ``cell.json`` and the manifest's ``cells`` are exactly what ``nasbench-rss run``
writes; ``result.json`` and ``evaluation.json`` carry accuracies, times and exposure
chosen by the test, and ``evaluation.json`` has the cell's evaluation ``config_hash`` so
``RunDirectory`` accepts it as current.  By default a result is an old one, without CPU
time; a ``Fixture.timing`` gives every epoch its wall and CPU time and load average, written
to the result and to ``events.jsonl`` as the timing observer writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

from nasbench_rss import atomic
from nasbench_rss.cell.directory import CELL_FILE, EVALUATION_FILE, EVENTS_FILE, FAILURE_FILE, RESULT_FILE, RESULT_FORMAT
from nasbench_rss.run.layout import MANIFEST_FILE, SUITE_FILE
from nasbench_rss.run.manifest import end_invocation, start_invocation
from nasbench_rss.suite import parse_suite

BUCKETS = (4, 6, 8, 10, 12, 14)
UNREACHABLE = "14"
UNREACHABLE_REASON = "no subnet of mobilenet-v3 at this shape lies within 14±0.5 MFLOPs (largest: 12.9)"
PER_BUCKET = 6
FLOPS_DEFINITION = "multiply-accumulates of conv and linear layers (SE included), as OFA's analytic counter"

SUITE = """\
name: fixture
description: report tests
seeds: {seeds}
device: cpu
{baseline}defaults:
  architecture: {{name: mobilenet-v3}}
  dataset:
    name: synthetic
    options: {{train_size: 128, test_size: 32, num_classes: 4, channels: 1, image_size: 16}}
  training: {{batch_size: 32, image_size: 16}}
  evaluation: {{buckets: [4, 6, 8, 10, 12, 14], per_bucket: {per_bucket}, recalibration_images: 64, recalibration_batch_size: 32{during}}}
{matrix}runs:
  ofa: {{sampler: progressive-shrinking, epochs: 8}}
  rss: {{sampler: rss, epochs: 8}}
  rss-short: {{sampler: rss, epochs: 3}}
"""

WEIGHTS = "0123456789abcdef"
"""The weights digest every fixture cell's result and evaluation agree on."""

ENVIRONMENT = {
    "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True},
    "versions": {"python": "3.11.2", "torch": "2.1.0", "cuda": None, "cudnn": None, "nasbench_rss": "0.1.0"},
    "plugins": [],
    "device": {"requested": "cpu", "type": "cpu", "name": "Test CPU 9000", "count": 1, "cpu_threads": 2},
    "host": {"name": "testhost", "platform": "Linux-test", "cpu_count": 2},
}


# Paired differences are kept distinct (no ties), so the report's Wilcoxon p is the plain
# exact one; tied differences (the exact conditional distribution) are tested in tests/stats.


def base_accuracy(bucket: str, index: int) -> float:
    """The baseline's accuracy of a subnet: varies with bucket and index, never constant."""
    return 0.60 + 0.01 * BUCKETS.index(int(bucket)) + 0.013 * index


def rss_better(run: str, seed: int, bucket: str, index: int) -> float:
    """rss and rss-short beat ofa on every subnet by 4-6 (rss) or 2-3 (rss-short) points."""
    base = base_accuracy(bucket, index) + 0.002 * seed
    if run == "ofa":
        return base
    gain = 0.04 + 0.003 * index if run == "rss" else 0.02 + 0.002 * index
    return base + gain + 0.001 * seed


def rss_steadier(run: str, seed: int, bucket: str, index: int) -> float:
    """rss beats ofa everywhere with a fifth of its spread: a lower variance in every bucket."""
    base = base_accuracy(bucket, index) + 0.002 * seed
    if run == "ofa":
        return base
    middle = base_accuracy(bucket, 0) + 0.013 * (PER_BUCKET - 1) / 2 + 0.002 * seed
    return middle + 0.05 + 0.0007 * seed + 0.2 * (base - middle)


def rss_worse(run: str, seed: int, bucket: str, index: int) -> float:
    """rss loses to ofa on every subnet."""
    base = base_accuracy(bucket, index) + 0.002 * seed
    return base if run == "ofa" else base - 0.03 - 0.002 * index - 0.0007 * seed


def seconds(run: str, seed: int) -> float:
    """Training seconds: ofa slowest, rss-short fastest; ratios differ between seeds."""
    base, growth = {"ofa": (600.0, 0.05), "rss": (300.0, 0.10), "rss-short": (100.0, 0.0)}[run]
    return base * (1 + growth * seed)


class EpochTiming(NamedTuple):
    """One epoch's timing fields; ``cpu_seconds`` None: an old record without them."""

    seconds: float
    cpu_seconds: float | None
    load_average: float | None = None


CPU_COUNT = 2
"""The usable CPUs a fixture cell's result records (when it records CPU time)."""


def steady(run: str, seed: int, epoch: int, epochs: int) -> EpochTiming:
    """An uncontended epoch: the cell's time spread evenly, 95% CPU utilisation of its one thread, a light load."""
    wall = seconds(run, seed) / epochs
    return EpochTiming(wall, 0.95 * wall, 1.0)


def rss_short_contended(run: str, seed: int, epoch: int, epochs: int) -> EpochTiming:
    """rss-short's middle epoch waited for the cores (20x the wall time, the same CPU time, load 5 on 2 CPUs).

    Its wall time then exceeds ofa's, while its CPU time is still a sixth of ofa's.
    """
    clean = steady(run, seed, epoch, epochs)
    if run == "rss-short" and epoch == 1:
        return EpochTiming(20 * clean.seconds, clean.cpu_seconds, 5.0)
    return clean


def steps(run: str, bucket: str) -> int:
    """Optimizer steps per subnet: ofa favours the big buckets, rss spreads evenly."""
    position = BUCKETS.index(int(bucket))
    return 10 * (position + 1) if run == "ofa" else 20


@dataclass
class Fixture:
    """What to write; ``pending`` etc. name cells as ``run/seedN`` (in every dataset)."""

    seeds: tuple[int, ...] = (0, 1)
    datasets: tuple[str, ...] = ("synthetic",)
    baseline: str | None = "ofa"
    accuracy: Callable[[str, int, str, int], float] = rss_better
    pending: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    unevaluated: set[str] = field(default_factory=set)
    timing: Callable[[str, int, int, int], EpochTiming] | None = None
    """(run, seed, epoch, epochs) -> the epoch's timing; None: old results, no CPU time, no events."""
    suite_extra: str = ""
    """YAML appended to the fixture's suite (e.g. its ``comparisons:`` and ``claims:``)."""
    exposure_subnets: Callable[[str, int], list[dict]] | None = None
    """``(run, seed) -> result.json exposure subnets`` (``encoding, mflops, steps``); None: :func:`default_exposure`."""
    curve: Callable[[str, int], list[tuple[int, float, float]]] | None = None
    """``(run, seed) -> [(epochs done, training MACs, panel accuracy)]``, the end last: a learning curve in every
    evaluation (``evaluation.during`` set, a panel of 2 per bucket); None: no curve."""


def subnet(bucket: str, index: int) -> tuple[str, float]:
    """The evaluation's subnet (encoding, MFLOPs): the same for every run and seed."""
    return f"enc-{bucket}-{index}", int(bucket) - 0.4 + 0.1 * index


def write_run(path: Path, fixture: Fixture | None = None, registry=None) -> Path:
    """A run directory at ``path`` as ``nasbench-rss run`` plus evaluation would leave it (suite parsed with ``registry``)."""
    fixture = fixture or Fixture()
    baseline = f"baseline: {fixture.baseline}\n" if fixture.baseline else ""
    matrix = f"matrix: {{dataset: [{', '.join(fixture.datasets)}]}}\n" if fixture.datasets != ("synthetic",) else ""
    during = ", during: {per_bucket: 2}" if fixture.curve else ""
    text = SUITE.format(seeds=list(fixture.seeds), baseline=baseline, per_bucket=PER_BUCKET, matrix=matrix, during=during) + fixture.suite_extra
    suite = parse_suite(text, "fixture.yaml", registry)
    path.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path / SUITE_FILE, suite.resolved_yaml())
    record = {
        "name": suite.name, "description": suite.description, "source": "fixture.yaml", "seeds": suite.seeds, "baseline": suite.baseline,
        "comparisons": suite.comparisons, "claims": suite.claims,
    }  # fmt: skip
    cells = [cell.record() | {"epochs": cell.config.epochs} for cell in suite.cells()]
    manifest = start_invocation(None, record, cells, ENVIRONMENT, {"only": [], "jobs": 1})
    atomic.write_json(path / MANIFEST_FILE, end_invocation(manifest, "complete", {"complete": len(cells)}))
    for cell in suite.cells():
        key = f"{cell.run}/seed{cell.seed}"
        directory = path / cell.directory
        atomic.write_json(directory / CELL_FILE, cell.record())
        if key in fixture.pending:
            continue
        if key in fixture.failed:
            atomic.write_json(directory / FAILURE_FILE, {"error": "RuntimeError: loss is NaN at epoch 2 step 3"})
            continue
        timings = None
        if fixture.timing is not None:
            timings = [fixture.timing(cell.run, cell.seed, epoch, cell.config.epochs) for epoch in range(cell.config.epochs)]
            atomic.write_text(directory / EVENTS_FILE, "".join(json.dumps(r) + "\n" for r in events(cell.run, timings)))
        subnets = fixture.exposure_subnets(cell.run, cell.seed) if fixture.exposure_subnets else None
        atomic.write_json(
            directory / RESULT_FILE, result(cell.run, cell.seed, cell.config.epochs, cell.config.model_dump(mode="json"), timings, subnets)
        )
        if key not in fixture.unevaluated:
            written = evaluation(cell, fixture.accuracy)
            if fixture.curve is not None:
                written["curve"] = curve(cell, fixture.curve(cell.run, cell.seed))
            atomic.write_json(directory / EVALUATION_FILE, written)
    return path


def default_exposure(run: str) -> list[dict]:
    """Two subnets per reachable bucket with :func:`steps` each, and one far outside (20 MFLOPs, 5 steps)."""
    subnets = []
    for bucket in BUCKETS[:-1]:
        for index in range(2):
            encoding, mflops = subnet(str(bucket), index)
            subnets.append({"encoding": encoding, "mflops": mflops, "steps": steps(run, str(bucket))})
    subnets.append({"encoding": "enc-outside", "mflops": 20.0, "steps": 5})
    return subnets


def events(run: str, timings: list[EpochTiming]) -> list[dict]:
    """``events.jsonl``'s epoch records, with the timing observer's fields (CPU ones only when known)."""
    records = []
    for epoch, timing in enumerate(timings):
        record = {"event": "epoch", "epoch": epoch, "phase": "train", "images": 128, "seconds": timing.seconds, "subnets": default_exposure(run)}
        if timing.cpu_seconds is not None:
            record |= {"cpu_seconds": timing.cpu_seconds, "load_average": timing.load_average, "threads": 1}
        records.append(record)
    return records


def cpu_fields(timings: list[EpochTiming]) -> dict:
    """What the timing observer adds to a result; train_cpu_seconds None when any epoch's CPU time is unknown."""
    cpus = [t.cpu_seconds for t in timings]
    return {
        "train_cpu_seconds": None if None in cpus else sum(cpus),  # type: ignore[arg-type]
        "train_cpu_seconds_definition": "sum of per-epoch process CPU times",
        "epoch_cpu_seconds": cpus,
        "cpu_count": CPU_COUNT,
    }


def result(run: str, seed: int, epochs: int, config: dict, timings: list[EpochTiming] | None = None, subnets: list[dict] | None = None) -> dict:
    total = seconds(run, seed) if timings is None else sum(t.seconds for t in timings)
    epoch_seconds = [total / epochs] * epochs if timings is None else [t.seconds for t in timings]
    subnets = default_exposure(run) if subnets is None else subnets
    return (cpu_fields(timings) if timings is not None else {}) | {
        "format": RESULT_FORMAT,
        "complete": True,
        "weights": WEIGHTS,
        "config": config,
        "sampler": {"config": {}, "phases": []},
        "dataset": {"name": "synthetic", "train_images": 128, "test_images": 32, "num_classes": 4, "channels": 1, "image_size": 16},
        "train_seconds": total,
        "train_seconds_definition": "sum of per-epoch wall times (start of an epoch's first step to end of its last, device synchronised); checkpoint writing excluded",
        "epoch_seconds": epoch_seconds,
        "images_per_second": 128 * epochs / total,
        "final_train_loss": 1.0,
        "final_train_accuracy": 0.5,
        "exposure": {
            "bucket_tolerance": 0.5,
            "buckets": {},
            "total_subnet_steps": sum(s["steps"] for s in subnets),
            "distinct_subnets": len(subnets),
            "subnets": subnets,
        },
        "provenance": {
            "code": {"nasbench-rss": {"version": "0.1.0", "source": "feedfacefeedface"}},
            "plugins": [{"kind": "sampler", "name": "rss", "plugin": "nasbench_rss.samplers.plugin", "distribution": "nasbench-rss", "version": "0.1.0"}],
            "device": "cpu", "device_type": "cpu", "device_name": "Test CPU 9000", "threads": 2, "precision": "fp32", "torch": "2.1.0",
        },
    }


def curve(cell, points: list[tuple[int, float, float]]) -> dict:
    """A learning curve as the evaluation writes it: each point's panel (2 per reachable bucket) at the given accuracy."""
    epochs = points[-1][0]
    labels = [f"{t:g}" for t in BUCKETS if f"{t:g}" != UNREACHABLE]
    return {
        "per_bucket": 2,
        "converged_below": 1.0,
        "seconds": 3.0,
        "evaluated_now": 2 * len(labels) * (len(points) - 1),
        "points": [
            {"epochs": done, "fraction": done / epochs, "train_macs": macs, "weights": WEIGHTS, "status": "measured",
             "buckets": {label: [{"index": i, "encoding": subnet(label, i)[0], "mflops": subnet(label, i)[1], "accuracy": acc, "loss": 1.0}
                                 for i in range(2)] for label in labels}}
            for done, macs, acc in points
        ],
    }  # fmt: skip


def evaluation(cell, accuracy: Callable[[str, int, str, int], float]) -> dict:
    buckets = []
    for target in BUCKETS:
        label = f"{target:g}"
        if label == UNREACHABLE:
            buckets.append(
                {"label": label, "target": float(target), "tolerance": 0.5, "status": "unreachable", "reason": UNREACHABLE_REASON,
                 "networks": "0", "probability": 0.0, "subnets": []}
            )
            continue
        subnets = []
        for index in range(PER_BUCKET):
            encoding, mflops = subnet(label, index)
            subnets.append(
                {"index": index, "encoding": encoding, "mflops": mflops, "accuracy": accuracy(cell.run, cell.seed, label, index),
                 "loss": 1.0, "seconds": 0.1}
            )
        buckets.append(
            {"label": label, "target": float(target), "tolerance": 0.5, "status": "evaluated", "reason": None,
             "networks": "123456", "probability": 0.01, "subnets": subnets}
        )
    return {
        "format": RESULT_FORMAT,
        "weights": WEIGHTS,
        "cell": cell.id,
        "config": cell.evaluation.model_dump(mode="json"),
        "config_hash": cell.evaluation.config_hash,
        "calibration_key": cell.evaluation.calibration_key,
        "architecture": cell.arch,
        "shape": {"in_channels": 1, "num_classes": 4, "image_size": 16},
        "flops": {"definition": FLOPS_DEFINITION, "min_mflops": 3.6, "max_mflops": 12.9},
        "subnets_hash": "abcdef0123",
        "test_images": 32,
        "calibration_images": 64,
        "buckets": buckets,
        "seconds": 12.0,
        "evaluated_now": PER_BUCKET * (len(BUCKETS) - 1),
        "reused": 0,
        "environment": {},
    }


def fixture_values(fixture: Fixture, run: str, seed: int, bucket: str) -> list[float]:
    """The accuracies the fixture wrote for one run, seed and bucket, by index."""
    return [fixture.accuracy(run, seed, bucket, index) for index in range(PER_BUCKET)]
