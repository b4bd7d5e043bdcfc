"""`nasbench-rss run` evaluates each trained cell; `nasbench-rss evaluate RUN_DIR` on demand."""

from __future__ import annotations

import pytest
import json

import torch

from tests.run.run_helpers import cli

from nasbench_rss.cell.directory import EVALUATION_FILE, SUBNET_RECORDS_FILE, CellDirectory
from nasbench_rss.run import EXIT_FAILED, EXIT_OK, open_run


EVALUATION_LINE = "  evaluation: {buckets: [3, 5, 7, 9], per_bucket: 2, recalibration_images: 64, recalibration_batch_size: 32, batch_size: 32}\n"


@pytest.mark.slow
def test_run_evaluates_every_cell_and_evaluate_redoes_only_what_is_missing(write_suite, tmp_path):
    suite = write_suite(runs="  rss: {sampler: rss, epochs: 1}\n  single: {sampler: single, epochs: 1}\n")
    out = tmp_path / "run"
    first = cli("run", str(suite), "--out", str(out), "--plain")
    assert first.returncode == EXIT_OK, first.stderr
    cells = open_run(out).cells()
    assert all(c.evaluated for c in cells)
    populations = [c.population for c in cells]
    assert populations[0]["subnets_hash"] == populations[1]["subnets_hash"]  # paired across samplers
    for population in populations:
        assert [b["status"] for b in population["buckets"]] == ["evaluated"] * 3 + ["unreachable"]
        assert sum(len(b["subnets"]) for b in population["buckets"]) == 6
    assert "evaluated 6/6 subnets" in first.stderr
    assert "subnets evaluated" in first.stdout

    # a lost evaluation.json: the cell is trained, so it is evaluated again (from its records), not retrained
    rss = cells[0]
    events = (rss.directory / "events.jsonl").read_text()
    (rss.directory / EVALUATION_FILE).unlink()
    planned = cli("run", str(suite), "--out", str(out), "--dry-run")
    assert "evaluate (trained)" in planned.stdout and "1 populations to evaluate" in planned.stdout
    again = cli("evaluate", str(out), "--plain")
    assert again.returncode == EXIT_OK, again.stderr
    assert "trained; evaluating its subnets" in again.stderr
    rebuilt = open_run(out).cells()[0].population
    assert rebuilt["reused"] == 6 and rebuilt["evaluated_now"] == 0
    assert rebuilt["buckets"] == populations[0]["buckets"]
    assert (rss.directory / "events.jsonl").read_text() == events

    # more subnets per bucket: same cell directories (training is unchanged), only new subnets measured
    suite.write_text(suite.read_text().replace("per_bucket: 2", "per_bucket: 3"))
    third = cli("run", str(suite), "--out", str(out), "--plain")
    assert third.returncode == EXIT_OK, third.stderr
    for cell in open_run(out).cells():
        assert cell.directory in {c.directory for c in cells}
        assert cell.population["evaluated_now"] == 3 and cell.population["reused"] == 6
        assert len((cell.directory / SUBNET_RECORDS_FILE).read_text().splitlines()) == 9
    invocations = json.loads((out / "manifest.json").read_text())["invocations"]
    assert [inv["status"] for inv in invocations] == ["complete"] * 3


@pytest.mark.slow
def test_a_failing_evaluation_fails_the_cell_but_keeps_its_training(write_suite, tmp_path):
    suite = write_suite(epochs=1)
    out = tmp_path / "run"
    assert cli("run", str(suite), "--out", str(out)).returncode == EXIT_OK
    (cell,) = open_run(out).cells()
    checkpoint = CellDirectory(cell.directory).latest_checkpoint()[1]
    state = torch.load(checkpoint, weights_only=True)
    name = next(n for n, t in state["model"].items() if t.is_floating_point())
    state["model"][name] = state["model"][name] + 1  # weights result.json was not made from
    torch.save(state, checkpoint)
    (cell.directory / EVALUATION_FILE).unlink()
    result = cli("run", str(suite), "--out", str(out), "--plain")
    assert result.returncode == EXIT_FAILED
    assert "the checkpoint was replaced after training" in result.stdout
    (cell,) = open_run(out).cells()
    # failed, not "complete": trained, its evaluation failed and can be fixed and rerun
    assert cell.status == "failed" and cell.trained and not cell.evaluated
    assert cell.failure["stage"] == "evaluate"
    assert open_run(out).unevaluated() == [cell]
    planned = cli("run", str(suite), "--out", str(out), "--dry-run")
    assert "retry evaluation (failed: EvaluationError" in planned.stdout and "0 epochs to train" in planned.stdout


@pytest.mark.slow
def test_evaluate_leaves_untrained_cells_alone(write_suite, tmp_path):
    suite = write_suite(seeds="[0, 1]", epochs=1)
    out = tmp_path / "run"
    assert cli("run", str(suite), "--out", str(out), "--only", "*/seed0").returncode == EXIT_OK
    result = cli("evaluate", str(out))
    assert result.returncode == EXIT_OK, result.stderr
    assert "1 complete" in result.stdout and "1 not trained" in result.stdout
    seed1 = open_run(out).cells()[1]
    assert seed1.status == "pending" and not CellDirectory(seed1.directory).checkpoints()


@pytest.mark.slow
def test_evaluate_refuses_a_directory_that_is_not_a_run(tmp_path):
    result = cli("evaluate", str(tmp_path))
    assert result.returncode == 4
    assert "not a run directory" in result.stderr
