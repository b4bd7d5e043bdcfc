"""Every way a run directory could hang, mix results, lose data or run code, reproduced and closed.

Each test reproduces one defect found by probing the tool as a new user (issue 11) and
checks what the user sees now: an exit code from the table, one sentence naming the file
and what to do, and nothing half-written or mixed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from tests.run.run_helpers import cell_dirs, cli, epochs_in, interrupt, run_process, wait_for_epochs

from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.run import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_STORAGE, open_run


def cell_of(out: Path, seed: int = 0) -> Path:
    (directory,) = [d for d in cell_dirs(out) if d.name.startswith(f"seed{seed}-")]
    return directory


def interrupted_run(suite: Path, out: Path, log: Path, epochs: int = 1, **kwargs) -> Path:
    """A run stopped by Ctrl-C once ``epochs`` epochs are logged, mid-cell; its first cell's directory."""
    process = run_process("run", str(suite), "--out", str(out), "--plain", log=log, **kwargs)
    wait_for_epochs(out, epochs, process)
    assert interrupt(process) == EXIT_INTERRUPTED
    return cell_of(out)


def latest_weights(directory: Path) -> dict[str, torch.Tensor]:
    return torch.load(CellDirectory(directory).latest_checkpoint()[1], weights_only=True)["model"]


# ------------------------------------------------------------------ Ctrl-C with cells waiting


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigint", "sigterm", "group-sigint"])
def test_an_interrupt_with_cells_still_waiting_ends_with_exit_2_and_a_report(write_suite, tmp_path, how):
    """Defect 1: the executor looped forever once stopping while cells were pending."""
    suite = write_suite(seeds="[0, 1, 2]", epochs=6)
    out = tmp_path / "run"
    log = tmp_path / "run.log"
    process = run_process("run", str(suite), "--out", str(out), "--plain", "--jobs", "1", log=log)
    wait_for_epochs(out, 1, process)
    started = time.monotonic()
    assert interrupt(process, how, timeout=90) == EXIT_INTERRUPTED
    assert time.monotonic() - started < 60
    text = log.read_text()
    assert "2 cells not started" in text
    assert f"rerun `nasbench-rss run {suite} --out {out} --jobs 1` to resume" in text
    assert (out / "report" / "report.md").exists() and "PARTIAL RUN" in (out / "report" / "report.md").read_text()
    statuses = [cell.status for cell in open_run(out).cells()]
    assert statuses == ["interrupted", "pending", "pending"]
    assert json.loads((out / "manifest.json").read_text())["invocations"][-1]["status"] == "interrupted"


# ------------------------------------------------------------------ code from a run directory


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.slow
def test_a_crafted_checkpoint_in_a_shared_run_directory_does_not_run(write_suite, tmp_path):
    """Defect 2: torch.load(weights_only=False) ran a pickle's payload on `nasbench-rss evaluate`."""
    suite = write_suite(epochs=1)
    out = tmp_path / "run"
    assert cli("run", str(suite), "--out", str(out)).returncode == EXIT_OK
    directory = cell_of(out)
    marker = tmp_path / "pwned"
    torch.save({"format": 2, "epochs_done": 1, "model": _Payload(marker)}, CellDirectory(directory).latest_checkpoint()[1])
    (directory / "evaluation.json").unlink()  # the evaluation must load the checkpoint again
    result = cli("evaluate", str(out))
    assert result.returncode == EXIT_FAILED
    assert not marker.exists()
    assert "refused: it holds more than tensors and plain values" in result.stdout


# ------------------------------------------------------------------ threads are part of a cell


@pytest.mark.slow
def test_a_cell_resumed_under_other_jobs_ends_with_the_weights_of_an_uninterrupted_run(write_suite, tmp_path):
    """Defect 4: --jobs 2 dropped torch to one thread, so a resumed cell differed (weights by up to 0.55)."""
    suite = write_suite(epochs=4)
    whole = tmp_path / "whole"
    assert cli("run", str(suite), "--out", str(whole)).returncode == EXIT_OK

    pieces = tmp_path / "pieces"
    interrupted_run(suite, pieces, tmp_path / "first.log")
    resumed = cli("run", str(suite), "--out", str(pieces), "--jobs", "2")
    assert resumed.returncode == EXIT_OK, resumed.stderr
    a, b = latest_weights(cell_of(whole)), latest_weights(cell_of(pieces))
    assert all(torch.equal(a[name], b[name]) for name in a)
    assert open_run(pieces).cells()[0].result["provenance"]["threads"] == 1  # training.threads, under either --jobs


# ------------------------------------------------------------------ plugin drift


PLUGIN = '''\
from nasbench_rss import hookimpl


@hookimpl
def register_samplers(register):
    from nasbench_rss.plugins import Registration
    from nasbench_rss.samplers.rss import RandomSubnetSampling

    register(Registration("acme", "RSS under another name (a test plugin)", RandomSubnetSampling, RandomSubnetSampling.Config))
'''


def install_plugin(site: Path, version: str, extra: str = "") -> None:
    """A plugin distribution on PYTHONPATH (its code and its metadata), as pip would leave it."""
    package = site / "acme_sampler"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text(PLUGIN + extra)
    for old in site.glob("acme_sampler-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    info = site / f"acme_sampler-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: acme-sampler\nVersion: {version}\n")
    (info / "entry_points.txt").write_text("[nasbench_rss]\nacme = acme_sampler.plugin\n")


@pytest.mark.slow
def test_a_cell_is_not_resumed_under_a_changed_plugin(write_suite, tmp_path):
    """Defect 5: resuming after a plugin's code or version changed continued silently."""
    site = tmp_path / "site"
    install_plugin(site, "1.0")
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    suite = write_suite(runs="  acme: {sampler: acme, epochs: 4}\n")
    out = tmp_path / "run"
    epochs = len(epochs_in(interrupted_run(suite, out, tmp_path / "first.log", env=env)))

    def rerun(*flags: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "nasbench_rss.cli", "run", str(suite), "--out", str(out), *flags],
            capture_output=True, text=True, env={**os.environ, **env}, timeout=600,
        )  # fmt: skip

    install_plugin(site, "1.0", extra="# patched in place\n")
    edited = rerun()
    assert edited.returncode == EXIT_FAILED
    assert "acme-sampler 1.0: its code changed (source digest" in edited.stdout
    assert "--allow-changed-environment" in edited.stdout
    assert len(epochs_in(cell_of(out))) == epochs  # nothing trained under the new code

    install_plugin(site, "1.1")
    upgraded = rerun()
    assert upgraded.returncode == EXIT_FAILED and "acme-sampler 1.0 -> 1.1" in upgraded.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert "plugins" in manifest["mixed_environments"]
    assert {"acme-sampler"} <= {p["distribution"] for p in manifest["plugins"]}

    accepted = rerun("--allow-changed-environment")
    assert accepted.returncode == EXIT_OK, accepted.stdout + accepted.stderr
    (cell,) = open_run(out).cells()
    provenance = cell.result["provenance"]
    assert provenance["code"]["acme-sampler"]["version"] == "1.0"  # what it started with
    assert provenance["resumed_under"][-1]["changes"] == ["acme-sampler 1.0 -> 1.1"]
    report = (out / "report" / "report.md").read_text()
    assert "resumed after epoch" in report and "under a changed environment" in report
    assert "sampler acme from acme-sampler 1.0" in report


# ------------------------------------------------------------------ damaged files


@pytest.mark.slow
def test_one_damaged_file_fails_its_cell_only_and_says_how_to_recover(write_suite, tmp_path):
    """Defect 6: one bad JSON file blocked the whole run directory with a raw JSONDecodeError."""
    suite = write_suite(seeds="[0, 1]", epochs=1)
    out = tmp_path / "run"
    assert cli("run", str(suite), "--out", str(out)).returncode == EXIT_OK
    damaged = cell_of(out, 0) / "result.json"
    damaged.write_text('{"format": 2, "complete": tr')
    planned = cli("run", str(suite), "--out", str(out), "--dry-run")
    assert planned.returncode == EXIT_OK and "damaged" in planned.stdout and "Traceback" not in planned.stderr
    again = cli("run", str(suite), "--out", str(out))
    assert again.returncode == EXIT_FAILED and "Traceback" not in again.stderr
    assert f"{damaged}: not valid JSON" in again.stdout and "delete it and rerun" in again.stdout
    assert "1 complete, 1 failed" in again.stdout
    report = cli("report", str(out))  # written without the damaged cell, which it names (exit 3: a file cannot be read)
    assert report.returncode == EXIT_STORAGE and "damaged" in (out / "report" / "report.md").read_text()
    assert f"{damaged}: not valid JSON" in report.stderr and "Traceback" not in report.stderr

    damaged.unlink()  # the recovery the message names: the last checkpoint writes result.json again
    fixed = cli("run", str(suite), "--out", str(out))
    assert fixed.returncode == EXIT_OK, fixed.stdout
    assert [len(epochs_in(d)) for d in cell_dirs(out)] == [1, 1]


@pytest.mark.slow
def test_a_damaged_manifest_is_one_sentence(write_suite, tmp_path):
    suite = write_suite(epochs=1)
    out = tmp_path / "run"
    assert cli("run", str(suite), "--out", str(out)).returncode == EXIT_OK
    (out / "manifest.json").write_text("{")
    for args in (["run", str(suite), "--out", str(out)], ["run", str(suite), "--out", str(out), "--dry-run"], ["evaluate", str(out)], ["report", str(out)]):
        result = cli(*args)
        assert result.returncode == EXIT_STORAGE, (args, result.stderr)
        assert f"{out / 'manifest.json'}: cannot be read" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_torn_last_event_line_is_dropped_and_said(write_suite, tmp_path):
    suite = write_suite(epochs=3)
    out = tmp_path / "run"
    directory = interrupted_run(suite, out, tmp_path / "first.log")
    with open(directory / "events.jsonl", "a") as file:
        file.write('{"event": "epoch", "epo')  # a crash while appending
    assert cli("run", str(suite), "--out", str(out)).returncode == EXIT_OK
    assert epochs_in(directory) == [0, 1, 2]
    assert (directory / "events.jsonl").read_text().endswith("\n")
    assert "dropped a torn last line" in (directory / "worker.log").read_text()


# ------------------------------------------------------------------ storage


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs (root only; skipped where mounting is not allowed): room for a run's books, not a checkpoint."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_fails_each_cell_in_one_sentence_and_leaves_nothing_half_written(write_suite, tmp_path, small_disk):
    """Defect 7: a full disk gave raw tracebacks, and the parent died abandoning the other cells."""
    suite = write_suite(seeds="[0, 1]", epochs=2)
    out = small_disk / "run"
    result = cli("run", str(suite), "--out", str(out))
    assert result.returncode in (EXIT_FAILED, EXIT_STORAGE), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout.count("No space left on device; free some space") >= 2  # both cells tried, each said why
    assert not [p for p in out.rglob("*.tmp")]  # no half-written temp files left
    subprocess.run(["mount", "-o", "remount,size=400m", str(small_disk)], check=True)
    again = cli("run", str(suite), "--out", str(out))
    assert again.returncode == EXIT_OK, again.stdout


@pytest.mark.slow
def test_a_read_only_out_or_a_file_as_out_is_one_sentence(write_suite, tmp_path, small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = cli("run", str(write_suite(epochs=1)), "--out", str(small_disk / "run"))
    assert result.returncode == EXIT_STORAGE and "Traceback" not in result.stderr
    assert f"cannot create {small_disk / 'run'}: Read-only file system" in result.stderr
    a_file = tmp_path / "file"
    a_file.write_text("mine")
    refused = cli("run", str(write_suite(epochs=1)), "--out", str(a_file))
    assert refused.returncode == 4 and "exists and is not a directory" in refused.stderr and a_file.read_text() == "mine"


# ------------------------------------------------------------------ links


@pytest.mark.slow
def test_locks_and_logs_are_never_written_through_links(write_suite, tmp_path):
    """Defect 8: a run.lock symlinked elsewhere had its target truncated."""
    suite = write_suite(epochs=1)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.lock").symlink_to(victim)
    result = cli("run", str(suite), "--out", str(out))
    assert result.returncode == EXIT_STORAGE and "is a symbolic link" in result.stderr
    assert victim.read_text() == "precious"

    (out / "run.lock").unlink()
    assert cli("run", str(suite), "--out", str(out)).returncode == EXIT_OK
    directory = cell_of(out)
    (directory / "worker.log").unlink()
    (directory / "worker.log").symlink_to(victim)
    (directory / "result.json").unlink()
    linked = cli("run", str(suite), "--out", str(out))
    assert linked.returncode == EXIT_FAILED and "is a symbolic link" in linked.stdout
    assert victim.read_text() == "precious"


# ------------------------------------------------------------------ misleading messages


@pytest.mark.slow
def test_resume_counts_the_checkpoint_and_killed_writes_leave_no_temp_files(write_suite, tmp_path):
    """Defect 10: "resuming after epoch N" counted event lines; a killed checkpoint write left its temp file forever."""
    suite = write_suite(epochs=4)
    out = tmp_path / "run"
    directory = interrupted_run(suite, out, tmp_path / "first.log", epochs=2)
    done = CellDirectory(directory).latest_checkpoint()[0]
    with open(directory / "events.jsonl", "a") as file:  # killed after an epoch's line, before its checkpoint
        file.write(json.dumps({"event": "epoch", "epoch": done}) + "\n")
    (directory / f".checkpoint-{done + 1}.pt.x1y2.tmp").write_bytes(b"\0" * 1_000_000)  # killed mid-write
    planned = cli("run", str(suite), "--out", str(out), "--dry-run")
    assert f"resume after epoch {done}" in planned.stdout
    finished = cli("run", str(suite), "--out", str(out), "--plain")
    assert finished.returncode == EXIT_OK
    assert f"resuming after epoch {done}" in finished.stderr
    assert not list(directory.glob(".*.tmp")) and "left by a write that was killed" in (directory / "worker.log").read_text()
    assert epochs_in(directory) == [0, 1, 2, 3]
