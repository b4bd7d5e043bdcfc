"""A trained cell's population evaluation: recalibration, records, reuse, errors."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch

from nasbench_rss.atomic import write_json
from nasbench_rss.cell.directory import EVALUATION_FILE, RESULT_FILE, SUBNET_RECORDS_FILE, CellDirectory
from nasbench_rss.run.runner import RunnerEvents, train_cell
from nasbench_rss.evaluate import cell as evaluate_module
from nasbench_rss.evaluate.cell import EvaluationError, calibration_images, load_trained_weights
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.evaluate.measure import SubnetEvaluator, SubnetScore
from nasbench_rss.evaluate.recalibrate import batch_norms, recalibrate_bn
from nasbench_rss.plugins import get_registry
from nasbench_rss.seeding import forked_global_rng
from nasbench_rss.runtime.build import build_cell, provenance
from nasbench_rss.runtime.checkpoint import CheckpointError, weights_digest
from nasbench_rss.config.training import CellConfig

SYNTHETIC = {"train_size": 128, "test_size": 64, "num_classes": 4, "channels": 1, "image_size": 16, "noise": 0.3}
# MobileNetV3 at 1x16x16 with 4 classes spans 2.37 to 7.60 MFLOPs.
EVALUATION = EvaluationConfig(buckets=(3, 5, 7, 9), per_bucket=2, recalibration_images=64, recalibration_batch_size=32, batch_size=32)


def quiet(_message: str) -> None:
    pass



def evaluate_cell(cell, directory, config, cell_id, log=quiet, environment=None):
    """The evaluation of ``cell`` in ``directory`` with this process's provenance."""
    environment = environment or provenance(cell, get_registry())
    return evaluate_module.evaluate_cell(cell, CellDirectory(directory), config, cell_id, environment, log)


def latest_checkpoint(directory):
    return CellDirectory(directory).latest_checkpoint()[1]


def cell_config(sampler: str = "rss", epochs: int = 2, sampler_options=None) -> CellConfig:
    return CellConfig(
        arch="mobilenet-v3", dataset="synthetic", dataset_options=SYNTHETIC, sampler=sampler,
        sampler_options=sampler_options or {}, epochs=epochs, seed=0, train={"batch_size": 32, "image_size": 16},
    )  # fmt: skip


def trained(tmp_path, name: str = "cell", **kwargs):
    """A trained cell (built anew in memory, with its directory)."""
    config = cell_config(**kwargs)
    train_cell(config, tmp_path / name, "cpu", events=RunnerEvents(quiet=True))
    return build_cell(config, torch.device("cpu")), tmp_path / name


@pytest.fixture(scope="module")
def trained_cell(tmp_path_factory):
    """One trained cell, shared: each test copies its directory (``copy_of``)."""
    return trained(tmp_path_factory.mktemp("trained"))


def copy_of(trained_cell, tmp_path, name: str = "cell"):
    cell, directory = trained_cell
    shutil.copytree(directory, tmp_path / name)
    return cell, tmp_path / name


def evaluator(cell, config=EVALUATION) -> SubnetEvaluator:
    return SubnetEvaluator(
        cell.model, calibration_images(cell, config), cell.augmenter.evaluate(cell.dataset.test_images),
        cell.dataset.test_labels, config.recalibration_batch_size, config.batch_size,
    )  # fmt: skip


def test_recalibration_sets_bn_statistics_to_the_calibration_images_statistics(trained_cell):
    cell, directory = trained_cell
    load_trained_weights(cell, CellDirectory(directory))
    model = cell.model
    model.set_active(model.space.smallest())
    images = calibration_images(cell, EVALUATION)
    first_bn = model.first_conv.bn
    before = first_bn.running_mean.clone()
    recalibrate_bn(model, images.split(32))
    with torch.no_grad():
        activations = model.first_conv.conv(images)
    # equal-sized batches: the cumulative average of batch means is the mean over all images
    torch.testing.assert_close(first_bn.running_mean, activations.mean((0, 2, 3)), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(before, first_bn.running_mean)
    assert all(bn.momentum == 0.1 and not bn.training for bn in batch_norms(model))  # momentum and mode restored


def test_recalibration_helps_a_subnet_whose_statistics_another_subnet_overwrote():
    """The weight-sharing problem in small: the smallest subnet learns the task, then the
    largest runs in train mode and its batch statistics replace the shared BN statistics."""
    cell = build_cell(cell_config(), torch.device("cpu"))
    model, space = cell.model, cell.model.space
    images, labels = cell.augmenter.evaluate(cell.dataset.train_images), cell.dataset.train_labels
    model.set_active(space.smallest())
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    order = torch.Generator().manual_seed(0)
    with forked_global_rng(0, "dropout"):
        for _ in range(60):
            batch = torch.randint(0, len(labels), (32,), generator=order)
            loss = torch.nn.functional.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.set_active(space.largest())
    for bn in batch_norms(model):
        bn.momentum = 1.0  # the shared statistics become the largest subnet's
    with torch.no_grad():
        model(images[:64])
    for bn in batch_norms(model):
        bn.momentum = 0.1
    scorer = evaluator(cell)
    model.set_active(space.smallest())
    stale_accuracy, stale_loss = scorer.test_pass()
    score = scorer.score(space.smallest())
    assert score.loss < 0.8 * stale_loss
    assert score.accuracy > stale_accuracy + 0.05


def test_evaluation_records_every_subnet_and_skips_unreachable_buckets(trained_cell, tmp_path):
    cell, directory = copy_of(trained_cell, tmp_path)
    evaluation = evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    buckets = {b["label"]: b for b in evaluation["buckets"]}
    assert [b["status"] for b in evaluation["buckets"]] == ["evaluated", "evaluated", "evaluated", "unreachable"]
    assert "reachable: 2.3716 to 7.6006 MFLOPs" in buckets["9"]["reason"] and buckets["9"]["subnets"] == []
    for label in ("3", "5", "7"):
        subnets = buckets[label]["subnets"]
        assert [s["index"] for s in subnets] == [0, 1]
        for record in subnets:
            assert abs(record["mflops"] - float(label)) <= 0.5
            assert 0 <= record["accuracy"] <= 1 and record["loss"] > 0
            # accuracy is a whole number of the 64 test images
            assert record["accuracy"] * 64 == pytest.approx(round(record["accuracy"] * 64))
    assert evaluation["test_images"] == 64 and evaluation["evaluated_now"] == 6 and evaluation["reused"] == 0
    cell_dir = CellDirectory(directory)
    result = cell_dir.read_json(RESULT_FILE)
    assert evaluation["weights"] == result["weights"]
    assert cell_dir.evaluation(EVALUATION.config_hash, result) == json.loads((directory / EVALUATION_FILE).read_text())
    assert cell_dir.evaluation(EVALUATION.model_copy(update={"per_bucket": 3}).config_hash, result) is None  # stale under other settings


def test_evaluation_leaves_the_trained_checkpoint_alone(trained_cell, tmp_path):
    cell, directory = copy_of(trained_cell, tmp_path)
    before = latest_checkpoint(directory).read_bytes()
    evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    assert latest_checkpoint(directory).read_bytes() == before


@pytest.mark.slow
def test_measured_subnets_are_not_measured_again(trained_cell, tmp_path, monkeypatch):
    cell, directory = copy_of(trained_cell, tmp_path)
    calls = []
    real_score = SubnetEvaluator.score

    def counting_score(self, subnet):
        calls.append(subnet.encode())
        return real_score(self, subnet)

    monkeypatch.setattr(SubnetEvaluator, "score", counting_score)
    first = evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    assert len(calls) == 6
    assert evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet) == first and len(calls) == 6
    # more subnets per bucket: only the new ones are measured, the first two keep their records
    more = EVALUATION.model_copy(update={"per_bucket": 3})
    second = evaluate_cell(cell, directory, more, "c/seed0", quiet)
    assert len(calls) == 9 and second["reused"] == 6 and second["evaluated_now"] == 3
    assert [b["subnets"][:2] for b in second["buckets"]] == [b["subnets"] for b in first["buckets"]]
    # other calibration settings measure everything again
    other = EVALUATION.model_copy(update={"recalibration_images": 32})
    evaluate_cell(cell, directory, other, "c/seed0", quiet)
    assert len(calls) == 15


def test_a_torn_last_record_is_measured_again(trained_cell, tmp_path, monkeypatch):
    cell, directory = copy_of(trained_cell, tmp_path)
    evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    (directory / EVALUATION_FILE).unlink()
    lines = (directory / SUBNET_RECORDS_FILE).read_text().splitlines()
    (directory / SUBNET_RECORDS_FILE).write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])  # killed mid-append
    calls = []
    monkeypatch.setattr(SubnetEvaluator, "score", lambda self, s: calls.append(s) or SubnetScore(0.5, 1.0, 0.0))
    evaluation = evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    assert len(calls) == 1 and evaluation["reused"] == 5


@pytest.mark.slow
def test_samplers_are_evaluated_on_the_same_subnets(trained_cell, tmp_path):
    a, a_dir = copy_of(trained_cell, tmp_path, "rss")
    b, b_dir = trained(tmp_path, "single", sampler="single", epochs=1)
    first = evaluate_cell(a, a_dir, EVALUATION, "rss", quiet)
    second = evaluate_cell(b, b_dir, EVALUATION, "single", quiet)
    assert first["subnets_hash"] == second["subnets_hash"]
    assert [[s["encoding"] for s in x["subnets"]] for x in first["buckets"]] == [
        [s["encoding"] for s in x["subnets"]] for x in second["buckets"]
    ]
    assert [s["accuracy"] for x in first["buckets"] for s in x["subnets"]] != [s["accuracy"] for x in second["buckets"] for s in x["subnets"]]


def test_an_untrained_cell_or_too_few_training_images_is_an_error(trained_cell, tmp_path):
    cell = build_cell(cell_config(), torch.device("cpu"))
    with pytest.raises(EvaluationError, match="not trained yet"):
        evaluate_cell(cell, tmp_path, EVALUATION, "c", quiet)
    cell, directory = copy_of(trained_cell, tmp_path, "trained")
    too_many = EVALUATION.model_copy(update={"recalibration_images": 512})
    with pytest.raises(EvaluationError, match="recalibration_images: 512 is more than the cell's 128 training images"):
        evaluate_cell(cell, directory, too_many, "c", quiet)


def test_a_trained_cell_whose_checkpoint_is_gone_says_so(trained_cell, tmp_path):
    """A committed run directory keeps result.json but not its checkpoints: "not trained" would be false."""
    cell, directory = copy_of(trained_cell, tmp_path, "committed")
    for checkpoint in directory.glob("checkpoint-*.pt"):
        checkpoint.unlink()
    with pytest.raises(EvaluationError, match="trained \\(result.json is there\\) but its checkpoint is gone"):
        evaluate_cell(cell, directory, EVALUATION, "c", quiet)


def retrain_with_other_weights(directory) -> str:
    """What retraining a cell whose result and checkpoint were deleted can do: other weights, same settings."""
    path = latest_checkpoint(directory)
    state = torch.load(path, weights_only=True)
    first = next(name for name, tensor in state["model"].items() if tensor.is_floating_point())
    state["model"][first] = state["model"][first] + 0.5
    torch.save(state, path)
    result = json.loads((directory / RESULT_FILE).read_text())
    result["weights"] = weights_digest(state["model"])
    write_json(directory / RESULT_FILE, result)
    return result["weights"]


@pytest.mark.slow
def test_retrained_weights_are_measured_again_not_reported_from_old_records(trained_cell, tmp_path, monkeypatch):
    cell, directory = copy_of(trained_cell, tmp_path)
    first = evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    new_weights = retrain_with_other_weights(directory)
    cell_dir = CellDirectory(directory)
    assert cell_dir.evaluation(EVALUATION.config_hash, cell_dir.read_json(RESULT_FILE)) is None  # the old evaluation.json is stale
    calls = []
    real_score = SubnetEvaluator.score
    monkeypatch.setattr(SubnetEvaluator, "score", lambda self, s: calls.append(s) or real_score(self, s))
    second = evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    assert len(calls) == 6 and second["evaluated_now"] == 6 and second["weights"] == new_weights != first["weights"]
    assert second["key"] != first["key"]


def test_a_checkpoint_replaced_after_training_is_refused(trained_cell, tmp_path):
    cell, directory = copy_of(trained_cell, tmp_path)
    path = latest_checkpoint(directory)
    state = torch.load(path, weights_only=True)
    first = next(name for name, tensor in state["model"].items() if tensor.is_floating_point())
    state["model"][first] = state["model"][first] * 2
    torch.save(state, path)
    with pytest.raises(EvaluationError, match="the checkpoint was replaced after training"):
        evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)


class _Payload:
    """A pickle that runs code when loaded without weights_only."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_checkpoint_is_refused_without_running_it(trained_cell, tmp_path):
    cell, directory = copy_of(trained_cell, tmp_path)
    marker = tmp_path / "pwned"
    path = latest_checkpoint(directory)
    torch.save({"format": 2, "epochs_done": 2, "model": _Payload(marker)}, path)
    with pytest.raises(CheckpointError, match="refused: it holds more than tensors and plain values"):
        evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet)
    assert not marker.exists()
    torch.load(path, weights_only=False)  # the payload is live: loading it unsafely runs it
    assert marker.exists()


def test_environment_changes_the_measurement_key(trained_cell, tmp_path):
    cell, directory = copy_of(trained_cell, tmp_path)
    environment = provenance(cell, get_registry())
    first = evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet, environment)
    (directory / EVALUATION_FILE).unlink()
    other = {**environment, "torch": "0.0-other"}
    second = evaluate_cell(cell, directory, EVALUATION, "c/seed0", quiet, other)
    assert second["evaluated_now"] == 6 and second["key"] != first["key"]
    records = CellDirectory(directory).read_jsonl(SUBNET_RECORDS_FILE).records
    assert len(records) == 12 and {r["key"] for r in records} == {first["key"], second["key"]}


def test_calibration_with_the_training_transform_augments_the_same_images_once():
    """OFA's build_sub_train_loader: fixed images with the training transform, drawn once (the evaluation seed)."""
    config = CellConfig(
        arch="mobilenet-v3", dataset="synthetic", dataset_options=SYNTHETIC, sampler="rss", epochs=1, seed=0,
        train={"batch_size": 32, "image_size": 16, "augmentation": "ofa"},
    )  # fmt: skip
    cell = build_cell(config, torch.device("cpu"))
    train_config = EVALUATION.model_copy(update={"calibration_transform": "train"})
    test_images = calibration_images(cell, EVALUATION)
    first, again = calibration_images(cell, train_config), calibration_images(cell, train_config)
    torch.testing.assert_close(first, again, atol=0, rtol=0)  # the same augmentation for every subnet and every call
    assert first.shape == test_images.shape and not torch.allclose(first, test_images)  # augmented, not test-time
    other_seed = calibration_images(cell, train_config.model_copy(update={"seed": 1}))
    assert not torch.allclose(first, other_seed)
    assert train_config.calibration_key != EVALUATION.calibration_key  # a result measured one way is not reused for the other
