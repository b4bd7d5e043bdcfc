"""A trained cell's population evaluation: every listed subnet recalibrated and tested.

A stand-alone cell (one subnet trained as its own network) measures that subnet only,
under the buckets that hold it, and records it as ``stand_alone``.

Loads the cell's last checkpoint (checking it holds the weights ``result.json`` was made
from), draws the subnet list (see ``subnets``), reuses every subnet already measured
under the same *measurement key* (the cell's ``evaluation.jsonl``), measures the rest
(appending each record as it finishes) and writes ``evaluation.json``.

The measurement key is what decides one subnet's numbers: the calibration protocol, a
digest of the weights, and the code, libraries, device, numerics and threads measuring
them.  A cell retrained with different weights, or evaluated by other code, measures
again instead of mixing old numbers in.

Calibration images are drawn from the cell's training images with the evaluation seed,
so every sampler trained on the same data and seed is recalibrated on the same images.
With ``calibration_transform: test`` they get the test-time preprocessing only; with
``train`` the cell's training augmentation, drawn once from the evaluation seed and kept
for every subnet, as OFA's ``build_sub_train_loader`` caches its augmented subset
(OFA data_providers/imagenet.py:267-300; the paper's CIFAR100.py:202-227).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable

import torch

from nasbench_rss.cell.directory import EVALUATION_FILE, RESULT_FILE, RESULT_FORMAT, SUBNET_RECORDS_FILE, CellDirectory
from nasbench_rss.cell.provenance import identity
from nasbench_rss.clock import timestamp
from nasbench_rss.errors import NasbenchError
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.evaluate.curve import curve_points, missing_entry, panel, point_entry
from nasbench_rss.evaluate.measure import SubnetEvaluator
from nasbench_rss.evaluate.subnets import BucketDraw, draw_population, population_hash
from nasbench_rss.hashing import json_hash
from nasbench_rss.seeding import CALIBRATION, CALIBRATION_AUGMENTATION, numpy_rng, torch_generator
from nasbench_rss.runtime.build import Cell
from nasbench_rss.runtime.checkpoint import load_checkpoint, weights_digest
from nasbench_rss.space.subnet import Subnet

FLOPS_DEFINITION = (
    "MFLOPs are millions of multiply-accumulates of the conv and linear layers (squeeze-and-excitation included; "
    "batch norm, activations, pooling and biases excluded), as OFA's analytic counter and the paper count them, "
    "at the data's shape (input channels, image size, classes)"
)

EVALUATION_MACS_DEFINITION = (
    "forward multiply-accumulates of the evaluation, counted apart from training: per distinct listed subnet, its forward MACs per "
    "image (the FLOPs table) x (BN-recalibration images + test images), whether measured now or reused from earlier records"
)

OnSubnet = Callable[[str, int, int], None]
"""``on_subnet(bucket_key, done, total)`` after each subnet (progress; may raise to stop)."""


class EvaluationError(NasbenchError):
    """A cell cannot be evaluated as configured (not trained, too few images, weights that do not match)."""


def calibration_images(cell: Cell, config: EvaluationConfig) -> torch.Tensor:
    """The fixed, normalised training images whose batch statistics reset BN (augmented once for ``train``)."""
    available = len(cell.dataset.train_labels)
    if config.recalibration_images > available:
        raise EvaluationError(
            f"evaluation.recalibration_images: {config.recalibration_images} is more than the cell's {available} training images; "
            f"allowed: 1 to {available} (or a larger train_subset)"
        )
    rng = numpy_rng(config.seed, CALIBRATION)
    index = torch.as_tensor(rng.choice(available, size=config.recalibration_images, replace=False), device=cell.device)
    images = cell.dataset.train_images[index]
    if config.calibration_transform == "train":
        return cell.augmenter(images, torch_generator(config.seed, CALIBRATION_AUGMENTATION, cell.device))
    return cell.augmenter.evaluate(images)


def cell_evaluator(cell: Cell, config: EvaluationConfig) -> SubnetEvaluator:
    """The evaluator of ``cell``'s subnets: its calibration images (see ``calibration_images``) and its test set."""
    return SubnetEvaluator(
        cell.model,
        calibration_images(cell, config),
        cell.augmenter.evaluate(cell.dataset.test_images),
        cell.dataset.test_labels,
        config.recalibration_batch_size,
        config.batch_size,
        cell.numerics.autocast_dtype,
    )


def load_trained_weights(cell: Cell, directory: CellDirectory) -> str:
    """Load the trained supernet into ``cell.model``; the digest of its weights.

    The last checkpoint must hold the weights ``result.json`` records: a checkpoint swapped
    or retrained after the result was written would otherwise be measured under its name.
    """
    result = directory.read_json(RESULT_FILE)
    latest = directory.latest_checkpoint()
    if result is None:
        raise EvaluationError(f"{directory.path}: not trained yet (no {RESULT_FILE}); train it with `nasbench-rss run` first")
    if latest is None:
        raise EvaluationError(
            f"{directory.path}: trained ({RESULT_FILE} is there) but its checkpoint is gone (a copied or committed run "
            f"directory leaves checkpoints behind), so its subnets cannot be measured; delete {RESULT_FILE} and rerun "
            "`nasbench-rss run` to train the cell again"
        )
    checkpoint = load_checkpoint(latest[1], cell.device)
    cell.model.load_state_dict(checkpoint["model"])
    digest = weights_digest(checkpoint["model"])
    if digest != result.get("weights"):
        raise EvaluationError(
            f"{latest[1]}: holds weights {digest}, but {directory.file(RESULT_FILE)} was made from weights "
            f"{result.get('weights')}; the checkpoint was replaced after training: delete {RESULT_FILE} and rerun to "
            "complete the cell from its checkpoint"
        )
    return digest


def measurement_key(config: EvaluationConfig, weights: str, environment: dict[str, Any]) -> str:
    """Hash of everything one subnet's accuracy and loss depend on (besides the test set, which
    the cell's config fixes): calibration protocol, weights, code, device, numerics, threads."""
    return json_hash({"calibration": config.calibration_key, "weights": weights, "environment": {**identity(environment), "threads": environment.get("threads")}})


def read_subnet_records(directory: CellDirectory, key: str) -> dict[str, dict[str, Any]]:
    """Records of subnets already measured under ``key``, by encoding (a torn last line is dropped)."""
    records = directory.read_jsonl(SUBNET_RECORDS_FILE).records
    return {record["encoding"]: record for record in records if record.get("key") == key}


def evaluate_cell(
    cell: Cell,
    directory: CellDirectory,
    config: EvaluationConfig,
    cell_id: str,
    environment: dict[str, Any],
    log: Callable[[str], None] = print,
    on_subnet: OnSubnet | None = None,
) -> dict[str, Any]:
    """Evaluate the trained cell in ``directory``; the ``evaluation.json`` content.

    ``environment`` is this process's provenance (see ``runtime.build.provenance``).  Returns
    at once when ``evaluation.json`` is already current for ``config`` and the weights.
    """
    result = directory.read_json(RESULT_FILE)
    current = directory.evaluation(config.config_hash, result)
    if current is not None:
        return current
    weights = load_trained_weights(cell, directory)
    key = measurement_key(config, weights, environment)
    table = cell.sampler.context.flops
    draws = draw_population(table, config)
    stand_alone = cell.sampler.subnet if cell.sampler.trains_stand_alone else None
    if stand_alone is not None:
        draws = stand_alone_draws(draws, stand_alone, table.mflops(stand_alone))
    if directory.drop_torn_line(SUBNET_RECORDS_FILE):
        log(f"{directory.file(SUBNET_RECORDS_FILE)}: dropped a torn last line (a process was killed while writing it); that subnet is measured again")
    known = read_subnet_records(directory, key)
    measured = [subnet for draw in draws for subnet in draw.subnets] + ([stand_alone] if stand_alone is not None else [])
    total = sum(len(draw.subnets) for draw in draws)
    todo = len({subnet.encode() for subnet in measured} - set(known))
    for draw in draws:
        if not draw.reachable:
            log(f"evaluation: bucket {draw.label} skipped: {draw.reason}")
    log(f"evaluation: {total} subnets in {sum(d.reachable for d in draws)} buckets, {total - todo} already measured, {todo} to measure")

    started = time.perf_counter()
    evaluator = None
    if todo:
        evaluator = cell_evaluator(cell, config)
    done = measured_now = 0

    def measure(subnet: Subnet) -> None:
        nonlocal measured_now
        if subnet.encode() not in known:
            _measure(evaluator, cell, directory, key, subnet, known)
            measured_now += 1

    for draw in draws:
        for subnet in draw.subnets:
            measure(subnet)
            done += 1
            if on_subnet is not None:
                on_subnet(draw.label, done, total)
        if draw.subnets:
            accuracies = [known[s.encode()]["accuracy"] for s in draw.subnets]
            log(f"evaluation: bucket {draw.label}: {len(accuracies)} subnets, mean accuracy {sum(accuracies) / len(accuracies):.4f}")
    if stand_alone is not None:
        measure(stand_alone)  # also when no bucket holds it (a hand-written stand-alone run)
    evaluation = _evaluation_document(cell, config, cell_id, draws, known, measured_now, time.perf_counter() - started)
    if stand_alone is not None:
        record = known[stand_alone.encode()]
        evaluation["stand_alone"] = {"encoding": stand_alone.encode(), **{k: record[k] for k in ("mflops", "accuracy", "loss", "seconds")}}
    if config.during is not None:
        # The curve's subnets count on after the population's, so progress and its rate run on.
        counted = None if on_subnet is None else lambda label, done, more: on_subnet(label, total + done, total + more)
        spent = ((result or {}).get("train_macs") or {}).get("total")
        evaluation["curve"] = _measure_curve(
            cell, directory, config, environment, draws, known, (weights, spent), evaluator, log, counted
        )  # fmt: skip
    evaluation.update(weights=weights, key=key, environment={**environment, "finished": timestamp()})
    directory.write_json(EVALUATION_FILE, evaluation)
    return evaluation


def _measure(
    evaluator: SubnetEvaluator, cell: Cell, directory: CellDirectory, key: str, subnet: Subnet, known: dict[str, dict[str, Any]], **extra: Any
) -> None:
    """Score ``subnet``, append its record to ``evaluation.jsonl`` under ``key`` and keep it in ``known``."""
    score = evaluator.score(subnet)
    record = {
        "key": key,
        "encoding": subnet.encode(),
        "mflops": cell.sampler.context.flops.mflops(subnet),
        "accuracy": score.accuracy,
        "loss": score.loss,
        "seconds": score.seconds,
        "time": timestamp(),
        **extra,
    }
    directory.append_jsonl(SUBNET_RECORDS_FILE, record)
    known[subnet.encode()] = record


def _measure_curve(
    cell: Cell,
    directory: CellDirectory,
    config: EvaluationConfig,
    environment: dict[str, Any],
    draws: list[BucketDraw],
    final: dict[str, dict[str, Any]],
    end: tuple[str, int | None],
    evaluator: SubnetEvaluator | None,
    log: Callable[[str], None],
    on_subnet: OnSubnet | None,
) -> dict[str, Any]:
    """The learning curve's points (see ``evaluate/curve.py``): the panel measured on each snapshot, the end from ``final``.

    ``end`` is the trained weights' digest and training MACs; ``evaluator`` the population's
    when it measured any subnet (its calibration and test images are reused), else None.

    A snapshot is deleted once its panel is measured (unless ``keep_snapshots``); a point
    whose snapshot is gone before that, or that was never kept, is listed as missing, with why.
    """
    during, total_epochs = config.during, cell.config.epochs
    chosen = panel(draws, during.per_bucket)
    wanted = during.epochs(total_epochs)
    recorded = {point.epochs: point for point in curve_points(directory)}
    started, measured_now = time.perf_counter(), 0
    todo: dict[int, list[Subnet]] = {}
    keys: dict[int, str] = {}
    entries, known_at = [], {}
    for epochs in wanted:
        point = recorded.get(epochs)
        if point is None:
            entries.append(missing_entry(epochs, total_epochs, None, None, "no snapshot: the cell was trained before evaluation.during asked for this point"))
            continue
        keys[epochs] = measurement_key(config, point.weights, environment)
        known_at[epochs] = read_subnet_records(directory, keys[epochs])
        todo[epochs] = [s for _, subnets in chosen for s in subnets if s.encode() not in known_at[epochs]]
    total = sum(len(subnets) for subnets in todo.values())
    log(f"evaluation: learning curve at epochs {wanted} of {total_epochs}: {total} panel subnets to measure")
    if total and evaluator is None:
        evaluator = cell_evaluator(cell, config)
    for epochs in wanted:
        point = recorded.get(epochs)
        if point is None:
            continue
        if todo[epochs]:
            reason = _snapshot_problem(cell, directory, epochs, point.weights)
            if reason is not None:
                entries.append(missing_entry(epochs, total_epochs, point.weights, point.macs, reason))
                continue
            for subnet in todo[epochs]:
                _measure(evaluator, cell, directory, keys[epochs], subnet, known_at[epochs], point=epochs)
                measured_now += 1
                if on_subnet is not None:
                    on_subnet(f"curve point at epoch {epochs}", measured_now, total)
        entries.append(point_entry(epochs, total_epochs, point.weights, point.macs, chosen, known_at[epochs]))
        if not during.keep_snapshots:
            directory.remove(directory.snapshot_path(epochs).name)
    if measured_now:
        load_trained_weights(cell, directory)  # the cell's own weights again, for whatever runs after
    weights, spent = end
    entries.append(point_entry(total_epochs, total_epochs, weights, None if spent is None else float(spent), chosen, final))
    measured_points = sum(1 for entry in entries if entry["status"] == "measured") - 1  # the end is the population's
    return {
        "per_bucket": during.per_bucket,
        "converged_below": during.converged_below,
        "points": sorted(entries, key=lambda entry: entry["epochs"]),
        "seconds": time.perf_counter() - started,
        "evaluated_now": measured_now,
        "macs": measured_points * evaluation_macs(cell, config, [s for _, subnets in chosen for s in subnets]),
    }


def _snapshot_problem(cell: Cell, directory: CellDirectory, epochs: int, weights: str) -> str | None:
    """Load the snapshot after ``epochs`` epochs into ``cell.model``; why it cannot be used, or None."""
    path = directory.snapshot_path(epochs)
    if not path.exists():
        return f"its snapshot {path.name} is gone and its panel was not measured under this measurement key (code, device or protocol changed)"
    checkpoint = load_checkpoint(path, cell.device)
    if weights_digest(checkpoint["model"]) != weights:
        return f"{path.name} holds other weights than epoch {epochs} recorded ({weights}); it was replaced after training"
    cell.model.load_state_dict(checkpoint["model"])
    return None


def stand_alone_draws(draws: list[BucketDraw], subnet: Any, mflops: float) -> list[BucketDraw]:
    """The evaluation's buckets, each holding only ``subnet`` (when its FLOPs lie in the bucket) or nothing.

    A stand-alone cell trained one subnet: measuring the population on its weights would
    measure networks it never trained.  The bucket entries keep the population's shape
    so that reports place the subnet where the supernets' evaluations place it.
    """
    kept = []
    for draw in draws:
        inside = draw.reachable and abs(mflops - draw.bucket.target) <= draw.bucket.tolerance
        kept.append(dataclasses.replace(draw, subnets=(subnet,) if inside else ()))
    return kept


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
        "format": RESULT_FORMAT,
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
        "macs": evaluation_macs(cell, config, [s for draw in draws for s in draw.subnets]),
        "macs_definition": EVALUATION_MACS_DEFINITION,
    }


def evaluation_macs(cell: Cell, config: EvaluationConfig, subnets: list[Subnet]) -> int:
    """The evaluation's forward MACs for ``subnets`` (``EVALUATION_MACS_DEFINITION``)."""
    images = config.recalibration_images + int(cell.dataset.test_labels.numel())
    distinct = {subnet.encode(): subnet for subnet in subnets}.values()  # a subnet two buckets hold is measured once
    return sum(cell.sampler.context.flops.macs(subnet) for subnet in distinct) * images
