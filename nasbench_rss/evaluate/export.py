"""One subnet out of a trained cell: its static network, BN recalibrated as the evaluation does, in a file.

``nasbench-rss export CELL_DIR ENCODING`` (or ``--best-in-bucket B``) loads the cell's
trained weights (checked against its ``result.json``), extracts the subnet as a plain
network (:class:`~nasbench_rss.arch.static.StaticMBNet`), recalibrates its BN statistics
on the evaluation's calibration images (the same images, batches and arithmetic as the
population evaluation, so the exported network is the one the evaluation measured), tests
it on the cell's test images, and writes it with
:func:`~nasbench_rss.arch.static.save_network`: an architecture record plus a state dict,
with what a user needs to feed it (input shape, normalisation) and where it came from.
:func:`~nasbench_rss.arch.static.load_network` reads it back with torch alone.

The file is written as the run directory's files are: atomically, never through a
symbolic link, an existing file replaced only with ``force`` (``--force``).  Every
problem of ``--out`` is found before the recalibration starts (minutes at full scale):
:func:`check_out`.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from nasbench_rss.arch.static import inference_copy, save_network
from nasbench_rss.atomic import TEMP_SUFFIX, storage_error
from nasbench_rss.cell.directory import CELL_FILE, RESULT_FILE, CellDirectory
from nasbench_rss.errors import NasbenchError
from nasbench_rss.evaluate.cell import cell_evaluator, load_trained_weights
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.samplers.base import resolve_subnet
from nasbench_rss.space.buckets import bucket_key
from nasbench_rss.runtime.build import build_cell
from nasbench_rss.validation import error_text
from nasbench_rss.runtime.device import resolve_device


class ExportError(NasbenchError):
    """A subnet cannot be exported as asked (no such bucket, not evaluated, a bad recalibration size)."""


@dataclass(frozen=True)
class Exported:
    """What ``export_subnet`` wrote: the file and its metadata."""

    path: Path
    metadata: dict[str, Any]


def best_in_bucket(directory: CellDirectory, evaluation: EvaluationConfig, target: float) -> str:
    """The encoding of the most accurate evaluated subnet of bucket ``target`` (its first, on ties)."""
    stored = directory.evaluation(evaluation.config_hash, directory.read_json(RESULT_FILE))
    if stored is None:
        raise ExportError(
            f"{directory.path}: its population is not evaluated under its evaluation settings and current weights, so there "
            "is no best subnet to pick; run `nasbench-rss evaluate RUN_DIR` first, or give an ENCODING"
        )
    buckets = {b["label"]: b for b in stored.get("buckets", [])}
    label = bucket_key(target)
    if label not in buckets:
        raise ExportError(f"--best-in-bucket {target:g}: not a bucket of this cell's evaluation; allowed: {', '.join(buckets)}")
    subnets = [s for s in buckets[label].get("subnets") or [] if isinstance(s.get("accuracy"), float) and math.isfinite(s["accuracy"])]
    if not subnets:
        raise ExportError(f"--best-in-bucket {target:g}: the bucket has no evaluated subnet ({buckets[label].get('reason') or 'none measured'})")
    return max(subnets, key=lambda s: (s["accuracy"], -s["index"]))["encoding"]


def calibration_settings(evaluation: EvaluationConfig, images: int | None) -> EvaluationConfig:
    """The evaluation's calibration, with ``images`` calibration images (None: the evaluation's own number).

    The batch size stays the evaluation's (the batches must be equal: ``images`` a multiple of it).
    """
    if images is None:
        return evaluation
    values = {**evaluation.model_dump(), "recalibration_images": images}
    try:
        return EvaluationConfig.model_validate(values)
    except pydantic.ValidationError as error:
        raise ExportError(f"--recalibrate {images}: {error_text(error, EvaluationConfig, values)}") from None


def check_out(path: Path, force: bool) -> None:
    """Refuse an ``--out`` the export could not (or must not) write, before any work is done.

    The rules of the run directory's files: never through a symbolic link (dangling or
    not: it could point at anybody's file), an existing file replaced only with ``force``,
    never a directory or a special file; the directory must exist and take a new file (a
    temp file is made there and removed: a read-only place is a StorageError now, not
    after the recalibration).
    """
    if path.is_symlink():
        target = "it points to nothing" if not path.exists() else f"it points to {os.readlink(path)}"
        raise ExportError(f"--out {path}: is a symbolic link ({target}); nasbench-rss never writes through links: name another file")
    if path.is_dir():
        raise ExportError(f"--out {path}: is a directory; name a file (e.g. {path / 'network.pt'})")
    if path.exists() and not path.is_file():
        raise ExportError(f"--out {path}: exists and is not a regular file; name another file")
    if path.exists() and not force:
        raise ExportError(f"--out {path}: exists; give --force to replace it, or name another file")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise ExportError(f"--out {path}: {parent} {what}; create the directory or name another file")
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise storage_error("write", path, error) from None


def export_subnet(
    cell_dir: str | Path,
    encoding: str | None = None,
    *,
    best_bucket: float | None = None,
    out: str | Path | None = None,
    recalibrate: int | None = None,
    device: str = "cpu",
    force: bool = False,
) -> Exported:
    """Write the static network of ``encoding`` (or of the best subnet of ``best_bucket``) of the cell at ``cell_dir``.

    ``out`` (default ``ARCH-ENCODING.pt`` in the working directory) is checked by
    :func:`check_out` before the recalibration and again just before the write; an
    existing file is replaced only with ``force``.
    """
    if (encoding is None) == (best_bucket is None):
        raise ExportError("give an ENCODING or --best-in-bucket B (one of them)")
    directory = CellDirectory(Path(cell_dir))
    if not directory.file(CELL_FILE).exists():
        raise ExportError(
            f"{cell_dir}: not a cell directory (no {CELL_FILE}); CELL_DIR is one of a run's cells/ARCH/DATASET/RUN/seedN-HASH "
            "directories (`nasbench-rss report RUN_DIR` lists them)"
        )
    if out is not None:
        check_out(Path(out), force)  # before the cell is built: its data may take a while to load
    spec = directory.planned()
    evaluation = spec.evaluation or EvaluationConfig()
    if best_bucket is not None:
        encoding = best_in_bucket(directory, evaluation, best_bucket)
    cell = build_cell(spec.config, resolve_device(device))
    subnet = resolve_subnet(cell.model.space, encoding, "ENCODING")
    path = Path(out) if out is not None else Path(f"{spec.config.arch}-{subnet.encode()}.pt")
    check_out(path, force)
    weights = load_trained_weights(cell, directory)
    settings = calibration_settings(evaluation, recalibrate)
    evaluator = cell_evaluator(cell, settings)
    network = evaluator.calibrated(subnet)
    accuracy, loss = evaluator.test_pass(inference_copy(network))
    metadata = {
        "subnet": subnet.encode(),
        "ofa": subnet.to_ofa(),
        "architecture_plugin": spec.config.arch,
        "mflops": cell.sampler.context.flops.mflops(subnet),
        "cell": spec.id,
        "cell_directory": str(directory.path),
        "weights": weights,
        "input": {
            "channels": cell.shape.in_channels,
            "image_size": cell.shape.image_size,
            "num_classes": cell.shape.num_classes,
            "mean": [float(m) for m in cell.dataset.mean],
            "std": [float(s) for s in cell.dataset.std],
            "note": "normalise images as (x / 255 - mean) / std per channel, at image_size x image_size",
        },
        "recalibration": {
            "images": settings.recalibration_images,
            "batch_size": settings.recalibration_batch_size,
            "seed": settings.seed,
            "transform": settings.calibration_transform,
        },
        "test": {"images": int(cell.dataset.test_labels.numel()), "accuracy": accuracy, "loss": loss},
    }
    check_out(path, force)  # again: the place may have changed during the recalibration
    save_network(network, path, **metadata)
    return Exported(path, metadata)
