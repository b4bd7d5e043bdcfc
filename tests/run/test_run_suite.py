"""`nasbench-rss run`: run directories, manifest, resume, failures, selection and exit codes."""

from __future__ import annotations

import json

import pytest
from tests.run.run_helpers import cli

from nasbench_rss.run import EXIT_FAILED, EXIT_INVALID, EXIT_OK, open_run, run_suite
from nasbench_rss.locks import DirectoryBusy, DirectoryLock
from nasbench_rss.suite import load_suite


def epochs_in(cell_dir) -> list[int]:
    lines = (cell_dir / "events.jsonl").read_text().splitlines()
    return [json.loads(line)["epoch"] for line in lines if json.loads(line)["event"] == "epoch"]


@pytest.mark.slow
def test_a_suite_runs_into_a_run_directory_and_a_rerun_skips_complete_cells(write_suite, tmp_path):
    suite = write_suite(seeds="[0, 1]")
    out = tmp_path / "run"
    first = cli("run", str(suite), "--out", str(out))
    assert first.returncode == EXIT_OK, first.stderr
    run = open_run(out)
    cells = run.cells()
    assert [c.id for c in cells] == ["mobilenet-v3/synthetic/rss/seed0", "mobilenet-v3/synthetic/rss/seed1"]
    for cell in cells:
        assert cell.status == "complete" and cell.epochs_done == 2
        assert cell.directory.name.startswith(f"seed{cell.seed}-") and len(cell.directory.name.split("-")[1]) == 10
        for name in ("cell.json", "config.json", "provenance.json", "events.jsonl", "checkpoint-2.pt", "result.json", "worker.log"):
            assert (cell.directory / name).exists(), name
        assert epochs_in(cell.directory) == [0, 1]
    assert "2 complete, 0 failed, 0 interrupted" in first.stdout
    assert (out / "suite.resolved.yaml").read_text() == load_suite(suite).resolved_yaml()

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["suite"]["name"] == "tiny" and manifest["seeds"] == [0, 1]
    assert set(manifest["versions"]) >= {"python", "torch", "cuda", "nasbench_rss"}
    assert manifest["versions"]["torch"] == __import__("torch").__version__
    assert {"nasbench-rss"} <= {p["distribution"] for p in manifest["plugins"]}
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert manifest["device"]["type"] == "cpu" and manifest["device"]["name"]
    assert manifest["host"]["name"] and manifest["started"] and manifest["ended"]
    assert [inv["status"] for inv in manifest["invocations"]] == ["complete"]

    mtimes = {c.id: (c.directory / "result.json").stat().st_mtime_ns for c in cells}
    second = cli("run", str(suite), "--out", str(out))
    assert second.returncode == EXIT_OK, second.stderr
    assert "2 of 2 cells already complete" in second.stderr
    assert {c.id: (c.directory / "result.json").stat().st_mtime_ns for c in open_run(out).cells()} == mtimes
    assert [inv["status"] for inv in json.loads((out / "manifest.json").read_text())["invocations"]] == ["complete"] * 2


@pytest.mark.slow
def test_a_failing_cell_is_recorded_and_the_others_run(write_suite, tmp_path):
    # lr 1e30 makes the loss infinite at the second step: the cell fails at run time, after validation
    suite = write_suite(runs="  rss: {sampler: rss, epochs: 1}\n  boom: {sampler: rss, epochs: 1, training: {lr: 1.0e+30}}\n")
    out = tmp_path / "run"
    result = cli("run", str(suite), "--out", str(out), "--plain")
    assert result.returncode == EXIT_FAILED, result.stderr
    by_id = {c.id: c for c in open_run(out).cells()}
    assert by_id["mobilenet-v3/synthetic/rss/seed0"].status == "complete"
    failed = by_id["mobilenet-v3/synthetic/boom/seed0"]
    assert failed.status == "failed" and "TrainingDiverged" in failed.failure["error"] and failed.failure["stage"] == "train"
    assert "Traceback" in failed.failure["traceback"] and "Traceback" in (failed.directory / "worker.log").read_text()
    assert "FAILED mobilenet-v3/synthetic/boom/seed0: TrainingDiverged" in result.stdout
    assert "1 complete, 1 failed" in result.stdout
    # A rerun retries the failed cell (it may have been fixed) and keeps the complete one.
    again = cli("run", str(suite), "--out", str(out), "--only", "*/boom/*")
    assert again.returncode == EXIT_FAILED
    assert "1 complete, 0 failed" not in again.stdout and "0 complete, 1 failed" in again.stdout


@pytest.mark.slow
def test_missing_data_of_a_selected_cell_stops_the_run_before_anything_runs(write_suite, tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    matrix = f"matrix:\n  dataset: [synthetic, {{name: mnist, options: {{root: '{empty}'}}}}]\n"
    suite = write_suite(matrix=matrix, epochs=1)
    out = tmp_path / "run"
    refused = cli("run", str(suite), "--out", str(out))
    assert refused.returncode == EXIT_INVALID and "nothing ran" in refused.stderr
    assert "matrix.dataset[1]: mnist: MNIST files not found" in refused.stderr and not out.exists()
    selected = cli("run", str(suite), "--out", str(out), "--only", "*/synthetic/*")  # its data is there
    assert selected.returncode == EXIT_OK, selected.stderr


@pytest.mark.slow
def test_only_selects_cells_and_a_pattern_matching_nothing_is_an_error(write_suite, tmp_path):
    suite = write_suite(seeds="[0, 1]", epochs=1)
    out = tmp_path / "run"
    summary = run_suite(load_suite(suite), out, only=["*/seed1"], interactive=False)
    assert summary.outcomes == {"mobilenet-v3/synthetic/rss/seed1": "complete"}
    assert [c.status for c in open_run(out).cells()] == ["pending", "complete"]
    result = cli("run", str(suite), "--out", str(out), "--only", "*/rsss/*")
    assert result.returncode == EXIT_INVALID
    assert "matches no cell" in result.stderr and "mobilenet-v3/synthetic/rss/seed0" in result.stderr


@pytest.mark.slow
def test_dry_run_writes_nothing_and_says_what_would_run(write_suite, tmp_path):
    suite = write_suite(seeds="[0, 1]", epochs=1)
    out = tmp_path / "run"
    run_suite(load_suite(suite), out, only=["*/seed0"], interactive=False)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    result = cli("run", str(suite), "--out", str(out), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("mobilenet-v3/")}
    assert "skip (complete)" in lines["mobilenet-v3/synthetic/rss/seed0"]
    assert "train" in lines["mobilenet-v3/synthetic/rss/seed1"]
    assert "1 epochs to train" in result.stdout


@pytest.mark.slow
def test_changing_a_setting_makes_a_new_cell_and_keeps_the_old_one(write_suite, tmp_path):
    out = tmp_path / "run"
    run_suite(load_suite(write_suite(epochs=1)), out, interactive=False)
    old = open_run(out).cells()[0].directory
    changed = write_suite(runs="  rss: {sampler: rss, epochs: 1, training: {lr: 0.02}}\n")
    result = cli("run", str(changed), "--out", str(out), "--dry-run")
    assert "train" in result.stdout and "skip" not in result.stdout
    stream = __import__("io").StringIO()
    run_suite(load_suite(changed), out, interactive=False, stream=stream)
    new = open_run(out).cells()[0].directory
    assert new != old and (old / "result.json").exists() and (new / "result.json").exists()
    assert "belong to an earlier version of the suite" in stream.getvalue()
    assert (out / "history" / "suite.resolved.1.yaml").exists()
    assert json.loads((new / "config.json").read_text())["train"]["lr"] == 0.02


@pytest.mark.slow
def test_invalid_suite_or_directory_exits_4_and_nothing_runs(write_suite, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(write_suite().read_text().replace("sampler: rss", "sampler: rsss"))
    out = tmp_path / "run"
    result = cli("run", str(bad), "--out", str(out))
    assert result.returncode == EXIT_INVALID and "bad.yaml:" in result.stderr and "nothing ran" in result.stderr
    assert not out.exists()

    other = tmp_path / "other"
    run_suite(load_suite(write_suite(name="other", epochs=1)), other, interactive=False)
    refused = cli("run", str(write_suite()), "--out", str(other))
    assert refused.returncode == EXIT_INVALID and "holds a run of suite 'other'" in refused.stderr

    not_a_run = tmp_path / "somewhere"
    not_a_run.mkdir()
    (not_a_run / "file.txt").write_text("mine")
    assert cli("run", str(write_suite()), "--out", str(not_a_run)).returncode == EXIT_INVALID

    for flags, message in [(["--jobs", "0"], "--jobs"), (["--device", "tpu"], "device")]:
        result = cli("run", str(write_suite()), "--out", str(tmp_path / "x"), *flags)
        assert result.returncode == EXIT_INVALID and message in result.stderr


def test_a_run_directory_in_use_is_refused(tmp_path):
    with DirectoryLock(tmp_path / "run.lock", "run directory X"):
        with pytest.raises(DirectoryBusy, match=r"run directory X is in use by another process \(pid \d+"):
            DirectoryLock(tmp_path / "run.lock", "run directory X").acquire()
    DirectoryLock(tmp_path / "run.lock", "run directory X").acquire().release()  # free again once released


@pytest.mark.slow
def test_jobs_train_cells_side_by_side_each_with_its_own_threads(write_suite, tmp_path):
    from datetime import datetime

    suite = write_suite(seeds="[0, 1]", epochs=2)
    out = tmp_path / "run"
    result = cli("run", str(suite), "--out", str(out), "--jobs", "2")
    assert result.returncode == EXIT_OK, result.stderr
    cells = open_run(out).cells()
    started, ended = [], []
    for cell in cells:
        log = (cell.directory / "worker.log").read_text()
        assert ", 1 CPU threads" in log  # training.threads (default 1), not the cores // jobs of the slot
        started.append(datetime.fromisoformat(log.split("]")[0].lstrip("[")).timestamp())
        ended.append((cell.directory / "result.json").stat().st_mtime)
    assert max(started) < min(ended)  # the second cell started before the first finished
    assert json.loads((out / "manifest.json").read_text())["invocations"][-1]["jobs"] == 2


@pytest.mark.slow
def test_the_shipped_smoke_suite_runs_end_to_end(tmp_path):
    from pathlib import Path

    smoke = Path(__file__).resolve().parents[2] / "suites" / "smoke.yaml"
    out = tmp_path / "smoke"
    result = cli("run", str(smoke), "--out", str(out))
    assert result.returncode == EXIT_OK, result.stderr
    cells = open_run(out).cells()
    assert [cell.id.split("/")[2] for cell in cells] == ["ofa", "rss", "rss-short"]
    for cell in cells:
        assert cell.status == "complete" and cell.epochs_done == cell.epochs == cell.config["epochs"]
        assert cell.result["sampler"]["config"]["name"] == cell.config["sampler"]


@pytest.mark.slow
def test_a_suites_observers_run_in_every_cell(write_suite, tmp_path):
    pytest.importorskip("tensorboard")
    suite = write_suite(epochs=1)
    suite.write_text(suite.read_text() + "observers: [tensorboard]\n")
    out = tmp_path / "run"
    assert cli("run", str(suite), "--out", str(out)).returncode == EXIT_OK
    (cell,) = open_run(out).cells()
    assert list((cell.directory / "tensorboard").glob("events.out.tfevents.*"))
    assert json.loads((cell.directory / "cell.json").read_text())["observers"] == [{"name": "tensorboard", "options": {"exposure": True}}]
