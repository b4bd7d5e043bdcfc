"""Files written atomically and never through links; failures as one sentence.

A run killed mid-write leaves the previous version (or nothing), never half a file, so a
checkpoint or result that exists can always be read: each file is written to a temp file
in the same directory, flushed, then renamed.  A temp file left by a killed write is named
``.NAME.XXXX.tmp`` (:data:`TEMP_SUFFIX`) so the next run can find and remove it.

Run directories are shared between people, so nothing here writes through a symbolic
link: a ``run.lock`` or ``events.jsonl`` linked to someone's file must not truncate or
append to it.  Only the last path component is checked (a run directory may itself live
behind a link to a larger disk).

Every ``OSError`` (full disk, read-only directory, a file where a directory should be)
becomes a :class:`~nasbench_rss.errors.StorageError` that names the file, the system's
reason and what to do.

What is read whole is read by :func:`read_bounded`: a regular file of at most a stated
size (suite files, a run directory's records), never a FIFO (which would wait for a
writer forever) or a device (``/dev/zero`` never ends).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from nasbench_rss.errors import StorageError

TEMP_SUFFIX = ".tmp"
"""Suffix of the temp files of atomic writes (their prefix is ``.`` + the target's name)."""

_ADVICE = {
    errno.ENOSPC: "free some space (or choose another --out) and rerun; nothing half-written was left",
    errno.EDQUOT: "free some space within your quota (or choose another --out) and rerun; nothing half-written was left",
    errno.EROFS: "the file system is read-only: choose another --out",
    errno.EACCES: "you may not write there: choose another --out or fix the directory's permissions",
    errno.EPERM: "you may not write there: choose another --out or fix the directory's permissions",
    errno.ENOTDIR: "a part of the path is a file, not a directory: choose another --out",
    errno.EISDIR: "a directory stands where a file should be: move it away",
    errno.EEXIST: "a file stands where a directory should be: move it away or choose another --out",
    errno.ELOOP: "it is a symbolic link, and nasbench-rss never writes through links: remove the link and rerun",
}


def storage_error(action: str, path: str | os.PathLike, error: OSError) -> StorageError:
    """``error`` (from ``action``-ing ``path``) as one sentence: what, where, why, what to do."""
    reason = error.strerror or str(error)
    advice = _ADVICE.get(error.errno or 0, "check the path and rerun")
    result = StorageError(f"cannot {action} {path}: {reason}; {advice}")
    result.errno = error.errno
    return result


def refuse_link(path: Path) -> None:
    """Raise StorageError when ``path`` is a symbolic link (dangling or not)."""
    if path.is_symlink():
        raise StorageError(
            f"{path} is a symbolic link; nasbench-rss never writes through links (in a shared run directory one could "
            "point at anybody's file): remove the link and rerun"
        )


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(file)`` on a temp file next to ``path``, then rename it onto ``path``."""
    path = Path(path)
    refuse_link(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as error:
        raise storage_error("write", path, error) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise storage_error("write", path, error) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def json_text(data: Any) -> str:
    """The JSON every file of a run directory holds: indented, strict (no NaN or infinity)."""
    return json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike, data: Any) -> Path:
    text = json_text(data)  # serialised first: a value JSON cannot hold fails before any file is touched
    return write_atomic(path, lambda file: file.write(text.encode()))


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_atomic(path, lambda file: file.write(text.encode()))




class UnreadableFile(StorageError):
    """A file :func:`read_bounded` refused or could not read; ``reason`` says why (its size and the limit, what it is)."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        super().__init__(f"cannot read {path}: {reason}")
        self.path = Path(path)
        self.reason = reason


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a directory"), (stat.S_ISSOCK, "a socket"))  # fmt: skip


def read_bounded(path: str | os.PathLike, limit: int, what: str) -> bytes:
    """The bytes of the regular file at ``path``, of at most ``limit`` bytes (``what`` it is, for the message).

    A larger file, or one that is not a regular file (a FIFO, a device, a directory), is an
    :class:`UnreadableFile` naming it, its size and the limit, before anything is read; a
    FIFO is opened without waiting for a writer.  FileNotFoundError when there is no file;
    any other OSError is an :class:`UnreadableFile` too.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise UnreadableFile(path, error.strerror or str(error)) from None
    try:
        status = os.fstat(fd)
        size, data = status.st_size, b""
        if stat.S_ISREG(status.st_mode) and size <= limit:
            with os.fdopen(fd, "rb", closefd=False) as file:
                data = file.read(limit + 1)
            size = max(size, len(data))  # it may have grown since
    except OSError as error:
        raise UnreadableFile(path, error.strerror or str(error)) from None
    finally:
        os.close(fd)
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a file")
        raise UnreadableFile(path, f"it is {kind}, not a regular file")
    if size > limit:
        raise UnreadableFile(path, f"{size} bytes, more than the {limit} bytes {what} may have")
    return data


def open_nofollow(path: str | os.PathLike, flags: int, action: str) -> int:
    """``os.open`` that refuses a symbolic link at ``path``; OSError as StorageError."""
    path = Path(path)
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            refuse_link(path)
        raise storage_error(action, path, error) from None


@contextmanager
def appending(path: str | os.PathLike) -> Iterator[IO[str]]:
    """A text file opened for appending (created if missing), never through a link."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise storage_error("write", path, error) from None
    fd = open_nofollow(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, "append to")
    file = os.fdopen(fd, "a", encoding="utf-8")
    try:
        yield file
        file.flush()
    except OSError as error:
        raise storage_error("append to", path, error) from None
    finally:
        try:
            file.close()
        except OSError:
            pass


def remove_temp_files(directory: Path) -> list[tuple[Path, int]]:
    """Remove the temp files killed atomic writes left in ``directory``; (path, bytes) of each.

    Call it only while holding the directory's lock, so no live writer's temp file goes.
    """
    removed = []
    try:
        candidates = [p for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX)]
    except FileNotFoundError:
        return removed
    except OSError as error:
        raise storage_error("list", directory, error) from None
    for path in candidates:
        try:
            size = path.lstat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise storage_error("remove", path, error) from None
        removed.append((path, size))
    return removed
