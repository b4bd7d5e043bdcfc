"""A run killed (SIGKILL) or interrupted (Ctrl-C) mid-cell resumes with no cell lost or duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from run_helpers import cli

from nasbench_rss.run import EXIT_COMPLETE, EXIT_INTERRUPTED, open_run
from nasbench_rss.run.lock import DirectoryBusy, DirectoryLock

EPOCHS = 4


def epochs_in(cell_dir: Path) -> list[int]:
    path = cell_dir / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["epoch"] for line in path.read_text().splitlines() if line.strip()]


def start_run(suite: Path, out: Path, log: Path) -> subprocess.Popen:
    with open(log, "w") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "nasbench_rss.cli", "run", str(suite), "--out", str(out), "--plain"],
            stdout=stream, stderr=subprocess.STDOUT, start_new_session=True,  # its own process group, as a terminal's job
        )


def wait_for_epochs(out: Path, total: int, process: subprocess.Popen, timeout: float = 300) -> None:
    """Until the run has logged ``total`` epochs in all and a cell is mid-way (no result yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be stopped"
        cells = list((out / "cells").glob("*/*/*/*")) if (out / "cells").exists() else []
        logged = sum(len(epochs_in(cell)) for cell in cells)
        mid_cell = any(epochs_in(cell) and not (cell / "result.json").exists() for cell in cells)
        if logged >= total and mid_cell:
            return
        time.sleep(0.2)
    raise AssertionError(f"no progress in {timeout} s")


def wait_for_unlocked(cell_dirs: list[Path], timeout: float = 30) -> None:
    """The worker dies with its run: every cell lock becomes free."""
    deadline = time.monotonic() + timeout
    for cell in cell_dirs:
        while True:
            try:
                DirectoryLock(cell / "cell.lock", str(cell)).acquire().release()
                break
            except DirectoryBusy:
                assert time.monotonic() < deadline, f"{cell}: still locked by a worker {timeout} s after its run died"
                time.sleep(0.2)


def test_killed_then_interrupted_run_resumes_to_the_same_cells(write_suite, tmp_path):
    suite = write_suite(seeds="[0, 1]", epochs=EPOCHS)
    out = tmp_path / "run"

    killed = start_run(suite, out, tmp_path / "killed.log")
    wait_for_epochs(out, 1, killed)
    os.kill(killed.pid, signal.SIGKILL)  # the run only: its worker must not outlive it
    killed.wait(timeout=30)
    wait_for_unlocked([cell for cell in (out / "cells").glob("*/*/*/*")])
    statuses = [cell.status for cell in open_run(out).cells()]
    assert "interrupted" in statuses and "complete" not in statuses[1:]

    interrupted = start_run(suite, out, tmp_path / "interrupted.log")
    wait_for_epochs(out, EPOCHS + 1, interrupted)
    os.killpg(interrupted.pid, signal.SIGINT)  # Ctrl-C reaches the run and its worker
    assert interrupted.wait(timeout=120) == EXIT_INTERRUPTED
    log = (tmp_path / "interrupted.log").read_text()
    assert f"rerun `nasbench-rss run {suite} --out {out}` to resume" in log

    finished = cli("run", str(suite), "--out", str(out))
    assert finished.returncode == EXIT_COMPLETE, finished.stderr
    cells = open_run(out).cells()
    assert [cell.status for cell in cells] == ["complete", "complete"]
    for cell in cells:
        assert epochs_in(cell.directory) == list(range(EPOCHS)), cell.id  # every epoch once, none lost
        assert len(cell.result["epoch_seconds"]) == EPOCHS
    assert len(list((out / "cells").glob("*/*/*/*"))) == 2  # no duplicate cell directories
    invocations = json.loads((out / "manifest.json").read_text())["invocations"]
    assert [inv["status"] for inv in invocations] == ["died (killed before it could record its end)", "interrupted", "complete"]
