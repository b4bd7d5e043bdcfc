"""A cell's checkpoint: written atomically after every epoch, read back as data, never as code.

A checkpoint holds tensors and plain values only (numbers, strings, lists, dicts): the
supernet, optimizer, teacher, sampler state, every RNG stream and each observer's state.
It is read with ``torch.load(weights_only=True)``, so a crafted ``checkpoint-N.pt`` in a
shared run directory cannot run code: anything but data is refused with a message.

Its file name carries the number of epochs it holds (``checkpoint-12.pt``), set by the
same rename that makes it appear, so the runner can tell how far a cell got without
loading torch; older checkpoints are removed once the new one is in place.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import zipfile
from pathlib import Path
from typing import Any, Mapping

import torch

from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.errors import NasbenchError

CHECKPOINT_FORMAT = 2


class CheckpointError(NasbenchError):
    """A checkpoint that cannot be used: refused as unsafe, damaged, or of another format."""


def save_checkpoint(directory: CellDirectory, epochs_done: int, state: dict[str, Any]) -> Path:
    """Write the checkpoint after ``epochs_done`` epochs, then remove the older ones."""
    path = directory.checkpoint_path(epochs_done)
    _write(directory, path, epochs_done, state)
    directory.remove_older_checkpoints(keep=epochs_done)
    return path


def _write(directory: CellDirectory, path: Path, epochs_done: int, state: Mapping[str, Any]) -> None:
    """``state`` as a checkpoint file at ``path``, atomically."""
    buffer = io.BytesIO()
    # Serialised in memory first: torch's zip writer reports a full disk as a RuntimeError
    # ("unexpected pos"), a plain write reports it as the OSError it is.
    torch.save({"format": CHECKPOINT_FORMAT, "epochs_done": epochs_done, **state}, buffer)
    directory.write_atomic(path.name, lambda file: file.write(buffer.getbuffer()))


def save_snapshot(directory: CellDirectory, epochs_done: int, model: Mapping[str, torch.Tensor]) -> str:
    """Keep the weights after ``epochs_done`` epochs for a learning curve's point; their digest.

    A snapshot is a checkpoint holding the weights only (read back by ``load_checkpoint``);
    it is written before the epoch's checkpoint, so a run killed in between trains the epoch
    again and writes the same snapshot.
    """
    _write(directory, directory.snapshot_path(epochs_done), epochs_done, {"model": dict(model)})
    return weights_digest(model)


def load_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    """The checkpoint at ``path``, its tensors on ``device``; CheckpointError when unusable."""
    how = f"delete {path} to train the cell from the start, or restore the file"
    try:
        checkpoint = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(
            f"{path}: refused: it holds more than tensors and plain values ({first}), which a checkpoint written by "
            f"nasbench-rss never does; loading it could run code from whoever wrote it. {how}"
        ) from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as error:
        raise CheckpointError(f"{path}: cannot be read as a checkpoint ({type(error).__name__}: {error}); {how}") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        found = checkpoint.get("format") if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise CheckpointError(f"{path}: checkpoint format {found!r}; this version reads format {CHECKPOINT_FORMAT}. {how}")
    return checkpoint


def weights_digest(state_dict: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 (first 16 hex digits) of a state dict's names, dtypes, shapes and values.

    It ties an evaluation to the weights it measured: retrained weights that differ by one
    bit give another digest, identical retraining the same one.
    """
    digest = hashlib.sha256()
    for name, tensor in state_dict.items():
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}\0".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()[:16]
