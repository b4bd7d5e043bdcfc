"""Files written atomically: a temp file in the same directory, flushed, then renamed.

A run killed mid-write leaves the previous version (or nothing), never half a file, so a
checkpoint or result that exists can always be read.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, IO


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(file)`` on a temp file next to ``path``, then rename it onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike, data: Any) -> Path:
    text = json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n"
    return write_atomic(path, lambda file: file.write(text.encode()))


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_atomic(path, lambda file: file.write(text.encode()))


def torch_save(path: str | os.PathLike, obj: Any) -> Path:
    import torch  # here, so that writing JSON (reports, manifests) does not import torch

    return write_atomic(path, lambda file: torch.save(obj, file))
