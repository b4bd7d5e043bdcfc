"""A run killed (SIGKILL) or interrupted (Ctrl-C) mid-cell resumes with no cell lost or duplicated."""

from __future__ import annotations

import pytest
import json
import os
import signal
import time
from pathlib import Path

from tests.run.run_helpers import cli, epochs_in, run_process, wait_for_epochs

from nasbench_rss.run import EXIT_INTERRUPTED, EXIT_OK, open_run
from nasbench_rss.locks import DirectoryBusy, DirectoryLock

EPOCHS = 4


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


@pytest.mark.slow
def test_killed_then_interrupted_run_resumes_to_the_same_cells(write_suite, tmp_path):
    suite = write_suite(seeds="[0, 1]", epochs=EPOCHS)
    out = tmp_path / "run"

    killed = run_process("run", str(suite), "--out", str(out), "--plain", log=tmp_path / "killed.log")
    wait_for_epochs(out, 1, killed)
    os.kill(killed.pid, signal.SIGKILL)  # the run only: its worker must not outlive it
    killed.wait(timeout=30)
    wait_for_unlocked([cell for cell in (out / "cells").glob("*/*/*/*")])
    statuses = [cell.status for cell in open_run(out).cells()]
    assert "interrupted" in statuses and "complete" not in statuses[1:]

    interrupted = run_process("run", str(suite), "--out", str(out), "--plain", log=tmp_path / "interrupted.log")
    wait_for_epochs(out, EPOCHS + 1, interrupted)
    os.killpg(interrupted.pid, signal.SIGINT)  # Ctrl-C reaches the run and its worker
    assert interrupted.wait(timeout=120) == EXIT_INTERRUPTED
    log = (tmp_path / "interrupted.log").read_text()
    assert f"rerun `nasbench-rss run {suite} --out {out}` to resume" in log

    finished = cli("run", str(suite), "--out", str(out))
    assert finished.returncode == EXIT_OK, finished.stderr
    cells = open_run(out).cells()
    assert [cell.status for cell in cells] == ["complete", "complete"]
    for cell in cells:
        assert epochs_in(cell.directory) == list(range(EPOCHS)), cell.id  # every epoch once, none lost
        assert len(cell.result["epoch_seconds"]) == EPOCHS
    assert len(list((out / "cells").glob("*/*/*/*"))) == 2  # no duplicate cell directories
    invocations = json.loads((out / "manifest.json").read_text())["invocations"]
    assert [inv["status"] for inv in invocations] == ["died (killed before it could record its end)", "interrupted", "complete"]
