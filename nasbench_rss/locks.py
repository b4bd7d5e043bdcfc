"""Exclusive locks on run and cell directories, released by the OS when the holder dies.

Two ``nasbench-rss run`` processes on one directory, or a worker left behind by a killed
run, would otherwise train the same cell at once and interleave its files.  ``flock``
locks vanish with the process that held them, so a SIGKILL never leaves a stale lock.
The lock file is never opened through a symbolic link: a ``run.lock`` linked to another
file would otherwise have that file truncated.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from nasbench_rss.atomic import open_nofollow, storage_error
from nasbench_rss.errors import NasbenchError


class DirectoryBusy(NasbenchError):
    """Another process holds the lock."""


class DirectoryLock:
    """An exclusive, non-blocking ``flock`` on ``path``; the file records the holder's pid."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> "DirectoryLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise storage_error("create", self.path.parent, error) from None
        fd = open_nofollow(self.path, os.O_RDWR | os.O_CREAT, "lock")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise DirectoryBusy(
                f"{self.what} is in use by another process (pid {holder}, lock {self.path}); "
                "wait for it to finish or stop it, then rerun"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as error:
            os.close(fd)
            raise storage_error("write", self.path, error) from None
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "DirectoryLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
