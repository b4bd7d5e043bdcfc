"""The ray executor keeps the executor contract of ``local``: same results, one outcome per cell, Ctrl-C, dead workers.

Each run is a fresh ``nasbench-rss`` process (as a user runs it), on a Ray instance of its
own or on a two-node cluster this module starts on this machine.  Skipped without ray
(except the test of what a user without ray is told).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import re
import signal
import time
from pathlib import Path

import pytest

from tests.run.run_helpers import cell_dirs, cli, epochs_in, interrupt, run_process, wait_for_epochs

from nasbench_rss.errors import NasbenchError
from nasbench_rss.run import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, open_run
from nasbench_rss.run.executors.base import ExecutorContext
from nasbench_rss.run.executors.ray_executor import RayExecutor, RayUnavailable
from nasbench_rss.run.orchestrate import run_suite
from nasbench_rss.suite import load_suite

HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'nasbench-rss[ray]')")



def evaluation_records(out: Path) -> dict[str, list[tuple]]:
    """Each cell's measured subnets in file order: (key, encoding, accuracy, loss), floats exact."""
    records = {}
    for cell in cell_dirs(out):
        lines = [json.loads(line) for line in (cell / "evaluation.jsonl").read_text().splitlines() if line.strip()]
        records[cell.name] = [(r["key"], r["encoding"], r["accuracy"], r["loss"]) for r in lines]
    return records


def last_invocation(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["invocations"][-1]


@pytest.fixture(scope="module")
def two_nodes():
    """A Ray cluster of two nodes on this machine (head and worker, one CPU each), for the module."""
    from ray import cluster_utils

    cluster = cluster_utils.Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        yield cluster, {cluster.head_node.node_id, worker.node_id}
    finally:
        cluster.shutdown()


@pytest.mark.slow
@needs_ray
def test_ray_on_a_local_instance_measures_what_local_measures(write_suite, tmp_path):
    suite = write_suite(epochs=2)
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    assert cli("run", str(suite), "--out", str(local)).returncode == EXIT_OK
    done = cli("run", str(suite), "--out", str(on_ray), "--executor", "ray")
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    a, b = evaluation_records(local), evaluation_records(on_ray)
    assert a.keys() == b.keys() and all(a[k] for k in a)
    assert a == b
    (cell_id, node), = last_invocation(on_ray)["nodes"].items()
    assert node["hostname"] == os.uname().nodename and node["ray_node_id"]
    assert last_invocation(local)["nodes"][cell_id] == {"hostname": os.uname().nodename}
    assert last_invocation(on_ray)["executor"] == "ray"


@pytest.mark.slow
@needs_ray
def test_jobs_1_runs_one_cell_at_a_time_and_progress_numbers_them_in_turn(write_suite, tmp_path):
    """Defect 9: every progress line read [1/N]; the tasks' first call to the driver, made from their main thread, let Ray
    start them all at once (a task blocked in ray.get gives its CPU back)."""
    suite = write_suite(seeds="[0, 1, 2]", epochs=1)
    out = tmp_path / "run"
    done = cli("run", str(suite), "--out", str(out), "--executor", "ray", "--jobs", "1", "--plain")
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("[")]
    assert [lines[i].split("]")[0] + "]" for i in starts] == ["[1/3]", "[2/3]", "[3/3]"], done.stderr[-3000:]
    ends = [i for i, line in enumerate(lines) if line.endswith(": complete")]
    assert starts[1] > ends[0] and starts[2] > ends[1], done.stderr[-3000:]  # one at a time


@pytest.mark.slow
@needs_ray
def test_cells_spread_over_the_nodes_of_a_cluster(write_suite, tmp_path, two_nodes):
    cluster, node_ids = two_nodes
    suite = write_suite(seeds="[0, 1]", epochs=1)
    out = tmp_path / "run"
    done = cli("run", str(suite), "--out", str(out), "--executor", "ray", "--ray-address", cluster.address)
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    nodes = last_invocation(out)["nodes"]
    assert len(nodes) == 2
    assert {node["ray_node_id"] for node in nodes.values()} == node_ids
    assert [cell.status for cell in open_run(out).cells()] == ["complete", "complete"]


@pytest.mark.slow
@needs_ray
def test_a_worker_killed_mid_cell_is_retried_and_resumes_from_its_checkpoint(write_suite, tmp_path):
    suite = write_suite(epochs=4)
    out = tmp_path / "run"
    process = run_process("run", str(suite), "--out", str(out), "--executor", "ray", "--plain", log=tmp_path / "run.log")
    deadline = time.monotonic() + 240
    pid = None
    while time.monotonic() < deadline and pid is None:
        assert process.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
        cells = cell_dirs(out)
        if cells and list(cells[0].glob("checkpoint-1.pt")) and not (cells[0] / "result.json").exists():
            pids = re.findall(r"ray task on node \S+ \(host \S+, pid (\d+)\)", (cells[0] / "worker.log").read_text())
            pid = int(pids[-1]) if pids else None
        time.sleep(0.05)
    assert pid is not None, "the cell never reached its first checkpoint"
    os.kill(pid, signal.SIGKILL)
    assert process.wait(timeout=300) == EXIT_OK, (tmp_path / "run.log").read_text()[-3000:]
    (cell,) = cell_dirs(out)
    log = (cell / "worker.log").read_text()
    assert len(re.findall(r"ray task on node", log)) == 2  # the first attempt and Ray's retry
    assert "resum" in log.split("ray task on node")[-1]
    epochs = epochs_in(cell)
    assert sorted(set(epochs)) == [0, 1, 2, 3]
    assert [c.status for c in open_run(out).cells()] == ["complete"]
    records = evaluation_records(out)[cell.name]
    assert len(records) == len(set(records))  # no subnet measured twice
    assert list(last_invocation(out)["nodes"]) == [c.id for c in open_run(out).cells()]


@pytest.mark.slow
@needs_ray
@pytest.mark.parametrize("how", ["sigint", "group-sigint"])
def test_ctrl_c_stops_the_running_cell_at_a_step_and_leaves_the_others_pending(write_suite, tmp_path, how):
    suite = write_suite(seeds="[0, 1, 2]", epochs=6)
    out = tmp_path / "run"
    log = tmp_path / "run.log"
    process = run_process("run", str(suite), "--out", str(out), "--executor", "ray", "--jobs", "1", "--plain", log=log)
    wait_for_epochs(out, 1, process)
    started = time.monotonic()
    assert interrupt(process, how, timeout=90) == EXIT_INTERRUPTED
    assert time.monotonic() - started < 60
    text = log.read_text()
    assert "2 cells not started" in text, text[-3000:]
    for seed in (1, 2):  # defect 9: a cell reported not started printed "training" as its task returned
        assert not [line for line in text.splitlines() if f"seed{seed}" in line and "training" in line], text[-3000:]
    assert "--executor ray` to resume" in text
    assert [cell.status for cell in open_run(out).cells()] == ["interrupted", "pending", "pending"]
    assert last_invocation(out)["status"] == "interrupted"


@pytest.mark.slow
@needs_ray
def test_bad_options_are_one_clear_error_and_nothing_runs(write_suite, tmp_path):
    suite = write_suite(epochs=1)
    out = tmp_path / "run"
    with pytest.raises(NasbenchError, match="num_cpu_per_cell"):
        run_suite(load_suite(suite), out, executor="ray", executor_options={"num_cpu_per_cell": 2})
    with pytest.raises(NasbenchError, match="num_cpus_per_cell"):
        run_suite(load_suite(suite), out, executor="ray", executor_options={"num_cpus_per_cell": 0})
    for address, says in [
        ("head-node", "is not a Ray address"),
        ("127.0.0.1:1", "no Ray cluster answers there"),
    ]:
        done = cli("run", str(suite), "--out", str(out), "--executor", "ray", "--ray-address", address)
        assert done.returncode == EXIT_INVALID and says in done.stderr and "nothing ran" in done.stderr, done.stderr
    done = cli("run", str(suite), "--out", str(out), "--ray-address", "127.0.0.1:6379")
    assert done.returncode == EXIT_INVALID and "add --executor ray" in done.stderr
    assert not out.exists()


@pytest.mark.slow
@needs_ray
def test_a_suite_executor_block_picks_ray_and_the_command_line_wins(write_suite, tmp_path):
    suite = write_suite(epochs=1)
    block = tmp_path / "block.yaml"
    block.write_text(suite.read_text() + "executor: {name: ray, options: {num_cpus_per_cell: 1, max_retries: 1}}\n")
    loaded = load_suite(block)
    assert loaded.executor == ("ray", {"num_cpus_per_cell": 1.0, "max_retries": 1})
    assert load_suite(suite).executor is None
    out = tmp_path / "run"
    done = cli("run", str(block), "--out", str(out))
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    assert last_invocation(out)["executor"] == "ray" and "ray_node_id" in next(iter(last_invocation(out)["nodes"].values()))
    assert "executor:" in (out / "suite.resolved.yaml").read_text()
    done = cli("evaluate", str(out), "--executor", "local")  # nothing left to evaluate; the flag wins over the block
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    assert last_invocation(out)["executor"] == "local"
    bad = tmp_path / "bad.yaml"
    bad.write_text(suite.read_text() + "executor: {name: ray, options: {adress: head:6379}}\n")
    done = cli("validate", str(bad))
    assert done.returncode == EXIT_INVALID and "executor.options.adress: unknown key 'adress'" in done.stderr, done.stderr


@pytest.mark.slow
@needs_ray
def test_a_cell_no_node_of_the_cluster_can_hold_is_refused_before_anything_runs(write_suite, tmp_path, two_nodes):
    """Defect 3: a task asking for more cores than any node has was never scheduled, and the run waited in silence."""
    cluster, _ = two_nodes  # two nodes of 1 CPU each
    suite = write_suite(epochs=1)
    suite.write_text(suite.read_text().replace("training: {", "training: {threads: 2, "))
    out = tmp_path / "run"
    done = cli("run", str(suite), "--out", str(out), "--executor", "ray", "--ray-address", cluster.address, timeout=120)
    assert done.returncode == EXIT_INVALID, done.stderr[-3000:]
    assert (
        "cell mobilenet-v3/synthetic/rss/seed0 asks for 2 CPUs (training.threads 2) and 0 GPUs; "
        "the largest node of the Ray cluster has 1 CPU and 0 GPUs"
    ) in done.stderr, done.stderr[-3000:]
    assert "nothing ran" in done.stderr and not out.exists()
    block = tmp_path / "block.yaml"  # the option, on a Ray instance made for the run on this machine
    block.write_text(write_suite(epochs=1).read_text() + "executor: {name: ray, options: {num_gpus_per_cell: 1}}\n")
    done = cli("run", str(block), "--out", str(out), "--device", "cpu", timeout=120)
    assert done.returncode == EXIT_INVALID, done.stderr[-3000:]
    assert "asks for 1 CPU (training.threads 1) and 1 GPU (num_gpus_per_cell 1); the Ray instance this run starts here has" in done.stderr
    assert not out.exists()


@pytest.mark.slow
def test_without_ray_the_executor_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(RayUnavailable, match=r"pip install 'nasbench-rss\[ray\]'"):
        RayExecutor(None, ExecutorContext(device="cpu", jobs=1))


@pytest.mark.slow
@needs_ray
def test_a_task_waits_for_a_cell_lock_held_elsewhere_then_runs(write_suite, tmp_path):
    """As a retry on a dead node's lock does: the lock is held, then released, and the cell runs."""
    import subprocess

    suite = write_suite(seeds="[0, 1]", epochs=1)
    out = tmp_path / "run"
    assert cli("run", str(suite), "--out", str(out), "--only", "*/seed1").returncode == EXIT_OK  # makes the run directory
    entry = load_suite(suite).cells()[0]
    lock = out / entry.directory / "cell.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    hold = f"import fcntl, time; f = open({str(lock)!r}, 'w'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(120)"
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    log = out / entry.directory / "worker.log"
    try:
        assert holder.stdout.readline().strip() == "held"
        process = run_process("run", str(suite), "--out", str(out), "--executor", "ray", "--plain", log=tmp_path / "run.log")
        deadline = time.monotonic() + 120
        while "waiting" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(0.2)
    finally:
        holder.kill()
        holder.wait()
    assert process.wait(timeout=120) == EXIT_OK, (tmp_path / "run.log").read_text()[-3000:]
    assert "waiting up to 120 s" in log.read_text()
