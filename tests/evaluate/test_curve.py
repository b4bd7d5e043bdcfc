"""Learning curves on real (tiny) cells: the points asked for, the same panel at each, snapshots, resumes."""

from __future__ import annotations

import json

import pytest
import torch

from nasbench_rss.cell.directory import EVALUATION_FILE, EVENTS_FILE, RESULT_FILE, SUBNET_RECORDS_FILE, CellDirectory
from nasbench_rss.cell.planned import PlannedCell
from nasbench_rss.config.evaluation import DuringTraining, EvaluationConfig
from nasbench_rss.config.training import CellConfig
from nasbench_rss.evaluate.cell import evaluate_cell
from nasbench_rss.plugins import get_registry
from nasbench_rss.run.runner import CellRunner, RunnerEvents
from nasbench_rss.runtime.build import build_cell, provenance
from nasbench_rss.space.subnet import Subnet

SYNTHETIC = {"train_size": 128, "test_size": 64, "num_classes": 4, "channels": 1, "image_size": 16, "noise": 0.3}
CURVE = DuringTraining(at=(0.25, 0.5, 0.75), per_bucket=1)
EVALUATION = EvaluationConfig(
    buckets=(3, 5, 7), per_bucket=2, recalibration_images=64, recalibration_batch_size=32, batch_size=32, during=CURVE
)


def config(sampler: str = "rss", epochs: int = 4) -> CellConfig:
    return CellConfig(
        arch="mobilenet-v3", dataset="synthetic", dataset_options=SYNTHETIC, sampler=sampler, epochs=epochs, seed=0,
        train={"batch_size": 32, "image_size": 16},
    )  # fmt: skip


def run_cell(path, evaluation=EVALUATION, epoch_limit=None, sampler="rss", epochs=4) -> CellRunner:
    """Train (``epoch_limit`` more epochs) and, once trained, evaluate the cell in ``path``."""
    spec = PlannedCell(sampler, "mobilenet-v3", "synthetic", 0, config(sampler, epochs), evaluation)
    directory = CellDirectory(path)
    runner = CellRunner(directory, spec, device="cpu", events=RunnerEvents(quiet=True))
    with directory.lock():
        runner.execute(epoch_limit)
    return runner


def read(path, name=EVALUATION_FILE):
    return json.loads((path / name).read_text())


def events(path):
    return [json.loads(line) for line in (path / EVENTS_FILE).read_text().splitlines()]


@pytest.fixture(scope="module")
def curved(tmp_path_factory):
    path = tmp_path_factory.mktemp("curve") / "cell"
    run_cell(path)
    return path


def test_points_at_the_asked_fractions_measure_the_same_panel(curved):
    evaluation = read(curved)
    curve = evaluation["curve"]
    assert CURVE.epochs(4) == [1, 2, 3]
    assert [p["epochs"] for p in curve["points"]] == [1, 2, 3, 4]
    assert [p["fraction"] for p in curve["points"]] == [0.25, 0.5, 0.75, 1.0]
    assert all(p["status"] == "measured" for p in curve["points"])
    panel = {b["label"]: [s["encoding"] for s in b["subnets"][:1]] for b in evaluation["buckets"] if b["subnets"]}
    for point in curve["points"]:
        assert {label: [s["encoding"] for s in subnets] for label, subnets in point["buckets"].items()} == panel
    # the end point is the trained population's own measurement of the panel
    end = curve["points"][-1]["buckets"]
    assert all(end[b["label"]][0]["accuracy"] == b["subnets"][0]["accuracy"] for b in evaluation["buckets"] if b["subnets"])


def test_each_point_carries_the_macs_spent_up_to_it(curved):
    evaluation = read(curved)
    cell = build_cell(config(), torch.device("cpu"))
    table, images = cell.sampler.context.flops, 64 + 64  # recalibration and test images
    panel = [Subnet.decode(cell.model.space, b["subnets"][0]["encoding"]) for b in evaluation["buckets"] if b["subnets"]]
    assert evaluation["curve"]["macs"] == 3 * sum(table.macs(s) for s in panel) * images  # three points besides the end
    listed = {s["encoding"] for b in evaluation["buckets"] for s in b["subnets"]}
    assert evaluation["macs"] == sum(table.macs(Subnet.decode(cell.model.space, e)) for e in listed) * images
    epochs = events(curved)
    spent = [sum(e["train_macs"]["total"] for e in epochs[:n]) for n in (1, 2, 3, 4)]
    assert [p["train_macs"] for p in read(curved)["curve"]["points"]] == spent
    assert spent[-1] == read(curved, RESULT_FILE)["train_macs"]["total"]


def test_points_are_measured_on_the_kept_weights_then_the_snapshots_go(curved):
    recorded = {e["epoch"] + 1: e["snapshot"] for e in events(curved) if "snapshot" in e}
    assert sorted(recorded) == [1, 2, 3] and len(set(recorded.values())) == 3
    assert [p["weights"] for p in read(curved)["curve"]["points"][:3]] == [recorded[1], recorded[2], recorded[3]]
    assert not list(curved.glob("snapshot-*.pt"))
    records = [json.loads(line) for line in (curved / SUBNET_RECORDS_FILE).read_text().splitlines()]
    assert sorted(r["point"] for r in records if "point" in r) == [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_resumed_training_keeps_the_same_snapshots_and_curve(curved, tmp_path):
    path = tmp_path / "resumed"
    assert run_cell(path, epoch_limit=2).result is None
    assert sorted(p.name for p in path.glob("snapshot-*.pt")) == ["snapshot-1.pt", "snapshot-2.pt"]
    run_cell(path)
    assert [e.get("snapshot") for e in events(path)] == [e.get("snapshot") for e in events(curved)]
    assert read(path)["curve"]["points"] == read(curved)["curve"]["points"]


@pytest.fixture
def one_thread():
    """The cell's own ``training.threads`` (1), as the runner evaluates with: accuracies depend on the thread count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_an_interrupted_curve_resumes_where_it_stopped(curved, tmp_path, one_thread):
    path = tmp_path / "cell"
    run_cell(path, evaluation=EVALUATION.model_copy(update={"during": CURVE.model_copy(update={"keep_snapshots": True})}))
    (path / EVALUATION_FILE).unlink()
    # Start over from the records of the population only: drop the curve's records.
    lines = [line for line in (path / SUBNET_RECORDS_FILE).read_text().splitlines() if '"point"' not in line]
    (path / SUBNET_RECORDS_FILE).write_text("\n".join(lines) + "\n")
    cell = build_cell(config(), torch.device("cpu"))
    environment = provenance(cell, get_registry())
    seen = []

    def stop_after_four(label, done, total):
        seen.append(label)
        if label.startswith("curve") and done == 6 + 4:  # the population's 3 buckets x 2, then 4 of the curve
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate_cell(cell, CellDirectory(path), EVALUATION, "c", environment, lambda _: None, stop_after_four)
    first = evaluate_cell(cell, CellDirectory(path), EVALUATION, "c", environment, lambda _: None)
    assert first["curve"]["evaluated_now"] == 9 - 4
    assert first["curve"]["points"] == read(curved)["curve"]["points"]


def test_a_cell_trained_without_a_curve_says_its_points_are_missing(tmp_path):
    path = tmp_path / "cell"
    run_cell(path, evaluation=EVALUATION.model_copy(update={"during": None}))
    cell = build_cell(config(), torch.device("cpu"))
    evaluation = evaluate_cell(cell, CellDirectory(path), EVALUATION, "c", provenance(cell, get_registry()), lambda _: None)
    points = evaluation["curve"]["points"]
    assert [p["status"] for p in points] == ["missing", "missing", "missing", "measured"]
    assert "trained before evaluation.during asked for this point" in points[0]["reason"]


def test_during_settings_are_checked():
    assert DuringTraining(at=(0.5, 0.75)).epochs(3) == [2]  # 1.5 and 2.25 both land after epoch 2
    assert DuringTraining(at=(0.1,)).epochs(4) == [1] and DuringTraining().epochs(1) == []
    with pytest.raises(ValueError, match=r"strictly between 0 and 1 .*\[1.0\]"):
        DuringTraining(at=(0.5, 1.0))
    with pytest.raises(ValueError, match="repeat a value"):
        DuringTraining(at=(0.5, 0.5))
    with pytest.raises(ValueError, match="during.per_bucket 3 is more than per_bucket 2"):
        EvaluationConfig(per_bucket=2, during={"per_bucket": 3})
    with pytest.raises(ValueError, match="Extra inputs|extra"):
        DuringTraining(at=(0.5,), every=2)
    # Without a curve the settings hash what they hashed before `during` existed.
    plain = EvaluationConfig()
    from nasbench_rss.hashing import json_hash

    assert plain.config_hash == json_hash({k: v for k, v in plain.model_dump(mode="json").items() if k != "during"})
    assert EvaluationConfig(during={}).config_hash != plain.config_hash
