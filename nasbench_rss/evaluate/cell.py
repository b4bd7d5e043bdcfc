"""A trained cell's population evaluation: every listed subnet recalibrated and tested.

Reads the cell's last checkpoint (the trained supernet), draws the subnet list (see
``subnets``), reuses every subnet already measured under the same calibration key (the
cell's ``evaluation.jsonl``), measures the rest (appending each record as it finishes)
and writes ``evaluation.json``.  Calibration images are drawn from the cell's training
images with the evaluation seed, so every sampler trained on the same data and seed is
recalibrated on the same images; they get the test-time preprocessing (no random
augmentation), so the set is fixed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import torch

from nasbench_rss import atomic
from nasbench_rss.environment import device_name
from nasbench_rss.errors import NasbenchError
from nasbench_rss.evaluate.config import EvaluationConfig
from nasbench_rss.evaluate.files import EVALUATION_FILE, EVALUATION_FORMAT, SUBNET_RECORDS_FILE, read_evaluation
from nasbench_rss.evaluate.measure import SubnetEvaluator
from nasbench_rss.evaluate.subnets import BucketDraw, draw_population, population_hash
from nasbench_rss.run.layout import timestamp
from nasbench_rss.seeding import numpy_rng
from nasbench_rss.train.trainer import CHECKPOINT_FILE, RESULT_FILE, Cell

FLOPS_DEFINITION = (
    "MFLOPs are millions of multiply-accumulates of the conv and linear layers (squeeze-and-excitation included; "
    "batch norm, activations, pooling and biases excluded), as OFA's analytic counter and the paper count them, "
    "at the data's shape (input channels, image size, classes)"
)

OnSubnet = Callable[[str, int, int], None]
"""``on_subnet(bucket_label, done, total)`` after each subnet (progress; may raise to stop)."""


class EvaluationError(NasbenchError):
    """A cell cannot be evaluated as configured (not trained, too few images)."""


def calibration_images(cell: Cell, config: EvaluationConfig) -> torch.Tensor:
    """The fixed, normalised training images whose batch statistics reset BN."""
    available = len(cell.dataset.train_labels)
    if config.recalibration_images > available:
        raise EvaluationError(
            f"evaluation.recalibration_images: {config.recalibration_images} is more than the cell's {available} training images; "
            f"allowed: 1 to {available} (or a larger train_subset)"
        )
    rng = numpy_rng(config.seed, "evaluation/calibration")
    index = torch.as_tensor(rng.choice(available, size=config.recalibration_images, replace=False), device=cell.device)
    return cell.augmenter.evaluate(cell.dataset.train_images[index])


def load_trained_weights(cell: Cell, cell_dir: Path) -> None:
    """Load the last checkpoint's supernet into ``cell.model`` (the cell must be trained)."""
    if not (cell_dir / RESULT_FILE).exists():
        raise EvaluationError(f"{cell_dir}: not trained yet (no {RESULT_FILE}); train it with `nasbench-rss run` first")
    checkpoint = torch.load(cell_dir / CHECKPOINT_FILE, map_location=cell.device, weights_only=False)
    cell.model.load_state_dict(checkpoint["model"])


def read_subnet_records(cell_dir: Path, calibration_key: str) -> dict[str, dict[str, Any]]:
    """Records of subnets already measured under ``calibration_key``, by encoding.

    A torn last line (the process was killed while appending) is ignored: that subnet is
    simply measured again.
    """
    records: dict[str, dict[str, Any]] = {}
    try:
        lines = (cell_dir / SUBNET_RECORDS_FILE).read_text().splitlines()
    except FileNotFoundError:
        return records
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("calibration_key") == calibration_key:
            records[record["encoding"]] = record
    return records


def _append_record(cell_dir: Path, record: dict[str, Any]) -> None:
    with open(cell_dir / SUBNET_RECORDS_FILE, "a") as file:
        file.write(json.dumps(record) + "\n")
        file.flush()


def evaluate_cell(
    cell: Cell,
    cell_dir: str | Path,
    config: EvaluationConfig,
    cell_id: str,
    log: Callable[[str], None] = print,
    on_subnet: OnSubnet | None = None,
) -> dict[str, Any]:
    """Evaluate the trained cell in ``cell_dir``; the ``evaluation.json`` content.

    Returns at once when ``evaluation.json`` is already current for ``config``.
    """
    cell_dir = Path(cell_dir)
    current = read_evaluation(cell_dir, config)
    if current is not None:
        return current
    load_trained_weights(cell, cell_dir)
    table = cell.sampler.context.flops
    draws = draw_population(table, config)
    known = read_subnet_records(cell_dir, config.calibration_key)
    total = sum(len(draw.subnets) for draw in draws)
    todo = sum(1 for draw in draws for subnet in draw.subnets if subnet.encode() not in known)
    for draw in draws:
        if not draw.reachable:
            log(f"evaluation: bucket {draw.label} skipped: {draw.reason}")
    log(f"evaluation: {total} subnets in {sum(d.reachable for d in draws)} buckets, {total - todo} already measured, {todo} to measure")

    started = time.perf_counter()
    evaluator = None
    if todo:
        evaluator = SubnetEvaluator(
            cell.model,
            calibration_images(cell, config),
            cell.augmenter.evaluate(cell.dataset.test_images),
            cell.dataset.test_labels,
            config.recalibration_batch_size,
            config.batch_size,
            cell.autocast_dtype,
        )
    done = 0
    measured_now = 0
    for draw in draws:
        for subnet in draw.subnets:
            encoding = subnet.encode()
            if encoding not in known:
                score = evaluator.score(subnet)
                record = {
                    "calibration_key": config.calibration_key,
                    "encoding": encoding,
                    "mflops": table.mflops(subnet),
                    "accuracy": score.accuracy,
                    "loss": score.loss,
                    "seconds": score.seconds,
                    "time": timestamp(),
                }
                _append_record(cell_dir, record)
                known[encoding] = record
                measured_now += 1
            done += 1
            if on_subnet is not None:
                on_subnet(draw.label, done, total)
        if draw.subnets:
            accuracies = [known[s.encode()]["accuracy"] for s in draw.subnets]
            log(f"evaluation: bucket {draw.label}: {len(accuracies)} subnets, mean accuracy {sum(accuracies) / len(accuracies):.4f}")
    evaluation = _evaluation_document(cell, config, cell_id, draws, known, measured_now, time.perf_counter() - started)
    atomic.write_json(cell_dir / EVALUATION_FILE, evaluation)
    return evaluation


def _bucket_entry(draw: BucketDraw, known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "label": draw.label,
        "target": draw.bucket.target,
        "tolerance": draw.bucket.tolerance,
        "status": "evaluated" if draw.reachable else "unreachable",
        "reason": draw.reason,
        "networks": None if draw.networks is None else str(draw.networks),
        "probability": draw.probability,
        "subnets": [
            {
                "index": index,
                "encoding": subnet.encode(),
                **{key: known[subnet.encode()][key] for key in ("mflops", "accuracy", "loss", "seconds")},
            }
            for index, subnet in enumerate(draw.subnets)
        ],
    }


def _evaluation_document(
    cell: Cell,
    config: EvaluationConfig,
    cell_id: str,
    draws: list[BucketDraw],
    known: dict[str, dict[str, Any]],
    measured_now: int,
    seconds: float,
) -> dict[str, Any]:
    table = cell.sampler.context.flops
    total = sum(len(draw.subnets) for draw in draws)
    return {
        "format": EVALUATION_FORMAT,
        "cell": cell_id,
        "config": config.model_dump(mode="json"),
        "config_hash": config.config_hash,
        "calibration_key": config.calibration_key,
        "architecture": cell.config.arch,
        "shape": {"in_channels": cell.shape.in_channels, "num_classes": cell.shape.num_classes, "image_size": cell.shape.image_size},
        "flops": {"definition": FLOPS_DEFINITION, "min_mflops": table.min_macs / 1e6, "max_mflops": table.max_macs / 1e6},
        "subnets_hash": population_hash(draws),
        "test_images": int(cell.dataset.test_labels.numel()),
        "calibration_images": config.recalibration_images,
        "buckets": [_bucket_entry(draw, known) for draw in draws],
        "seconds": seconds,
        "evaluated_now": measured_now,
        "reused": total - measured_now,
        "environment": {
            "device": str(cell.device),
            "device_name": device_name(cell.device),
            "threads": torch.get_num_threads(),
            "precision": "bf16 autocast" if cell.autocast_dtype is not None else "fp32",
            "finished": timestamp(),
        },
    }
