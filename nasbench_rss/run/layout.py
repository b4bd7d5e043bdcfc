"""A run directory's own files (each cell's are ``cell/directory.py``'s business).

    RUN_DIR/
      suite.resolved.yaml      the suite with every default filled (what this directory ran)
      manifest.json            code, versions, device, host, seeds, invocations with their times
      history/                 earlier versions of suite.resolved.yaml
      report/                  the report (report.md, report.json, report.html, figures)
      run.lock                 held by the process running this directory
      cells/<arch>/<dataset>/<run>/seed<N>-<hash>/     one cell (see nasbench_rss/cell/directory.py)

The hash in a cell's directory name is of its resolved training config, so changing any
setting makes a new directory instead of mixing new results with old ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nasbench_rss.atomic import UnreadableFile, read_bounded
from nasbench_rss.errors import StorageError
from nasbench_rss.limits import MAX_RECORD_BYTES

SUITE_FILE = "suite.resolved.yaml"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = "run.lock"
CELLS_DIR = "cells"
HISTORY_DIR = "history"
RUN_FILES = frozenset({SUITE_FILE, MANIFEST_FILE, LOCK_FILE, CELLS_DIR, HISTORY_DIR, "report"})
"""What a run directory holds; a directory with anything else is not one."""


class RunFileError(StorageError):
    """A file of the run directory itself cannot be read (exit code 3, like any file that cannot be)."""


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    """``RUN_DIR/manifest.json``, or None when there is none."""
    path = Path(run_dir) / MANIFEST_FILE
    try:
        value = json.loads(read_bounded(path, MAX_RECORD_BYTES, "a run directory's file").decode("utf-8"))
    except FileNotFoundError:
        return None
    except UnreadableFile as error:  # too large, a FIFO, a device, no permission
        raise RunFileError(f"{path}: cannot be read ({error.reason}); restore it, or use another --out directory") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RunFileError(
            f"{path}: cannot be read ({error}); nasbench-rss writes it atomically, so it was damaged afterwards: "
            f"restore it, or move it away and rerun into a new --out directory (each cell directory keeps its own records)"
        ) from None
    if not isinstance(value, dict) or not isinstance(value.get("suite"), dict):
        raise RunFileError(f"{path}: not a nasbench-rss manifest (no 'suite' object); restore it, or use another --out directory")
    return value
