"""Sections 8-9 of docs/writing-plugins.md: training observers and executors (plugin API 1.0)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from pathlib import Path

import pytest
import torch

from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.config.training import CellConfig
from nasbench_rss.plugins import Registration, build_entry
from nasbench_rss.run.executors.base import Executor, ExecutorContext, Job, JobResult
from nasbench_rss.run.progress import Progress
from nasbench_rss.run.runner import CellRunner, RunnerEvents, train_cell
from nasbench_rss.testing import RegistrationPlugin, registry_with
from nasbench_rss.train.observers.base import StepInfo, TrainingRun, TrainObserver, UpdateInfo
from nasbench_rss.train.observers.interference import probing
from tests.contract.signatures import assert_signature

HOOKS = {
    "on_train_start": "(self, run)",
    "on_epoch_start": "(self, epoch, phase)",
    "on_before_update": "(self, update)",
    "on_step": "(self, step)",
    "on_epoch_end": "(self, epoch, record)",
    "on_train_end": "(self, result)",
    "state_dict": "(self)",
    "load_state_dict": "(self, state)",
    "close": "(self)",
}


# ------------------------------------------------------------------------- observers


def test_the_observer_hooks_and_their_signatures():
    for hook, signature in HOOKS.items():
        assert_signature(getattr(TrainObserver, hook), signature, f"TrainObserver.{hook}")
    assert TrainObserver.state_key is None
    observer = TrainObserver()
    assert observer.state_dict() == {} and observer.on_step(None) is None  # no-op defaults: override what you need


def test_what_the_hooks_are_handed():
    fields = {cls: [f.name for f in dataclasses.fields(cls)] for cls in (TrainingRun, UpdateInfo, StepInfo)}
    assert {"cell", "directory", "start_epoch", "evaluation"} <= set(fields[TrainingRun])
    assert {"subnets", "inputs", "labels"} <= set(fields[UpdateInfo])
    assert {"subnets", "losses", "lr"} <= set(fields[StepInfo])


def test_probing_runs_a_model_and_restores_it():
    model = torch.nn.Sequential(torch.nn.BatchNorm1d(3), torch.nn.Dropout(0.5)).train()
    before = model[0].running_mean.clone()
    with probing(model):
        model(torch.randn(8, 3) + 5)
    assert torch.equal(model[0].running_mean, before) and model.training


class Watcher(TrainObserver):
    """An observer plugin as the guide describes it: hooks, a checkpointed count, fields in the records."""

    state_key = "watcher"

    def __init__(self, options=None) -> None:
        self.calls: list[str] = []
        self.steps = 0

    def on_train_start(self, run: TrainingRun) -> None:
        assert isinstance(run.directory, CellDirectory) and run.directory.path.is_dir()
        assert run.cell.sampler is not None and run.start_epoch == 0
        self.calls.append("train_start")

    def on_epoch_start(self, epoch, phase) -> None:
        self.calls.append(f"epoch_start {epoch} {phase.name}")

    def on_before_update(self, update: UpdateInfo) -> None:
        assert update.inputs.shape[0] == update.labels.shape[0] and update.subnets

    def on_step(self, step: StepInfo) -> None:
        assert step.losses.shape == (len(step.subnets),) and step.lr > 0
        self.steps += 1

    def on_epoch_end(self, epoch, record) -> None:
        assert {"seconds", "subnets", "exposure_buckets"} <= set(record)  # the built-in observers ended first
        record["watched_steps"] = self.steps
        self.calls.append(f"epoch_end {epoch}")

    def on_train_end(self, result) -> None:
        result["watched"] = self.steps

    def state_dict(self):
        return {"steps": self.steps}

    def close(self) -> None:
        self.calls.append("close")


@pytest.mark.slow  # it trains (a tiny network, 4 steps): seconds on a busy machine
def test_an_observer_plugin_is_built_from_its_registration_and_watches_training(tmp_path):
    registry = registry_with(RegistrationPlugin("observer", Registration("contract-watcher", "watches", Watcher)))
    watcher, _ = build_entry(registry.get("observer", "contract-watcher"), None)
    assert isinstance(watcher, TrainObserver)
    config = CellConfig(
        arch="mobilenet-v3", arch_options={"kernel": [3], "expand": [3], "depth": [2]}, dataset="synthetic", sampler="rss",
        epochs=2, seed=0, dataset_options={"train_size": 64, "test_size": 16, "num_classes": 4, "channels": 1, "image_size": 8},
        train={"batch_size": 32, "image_size": 8},
    )  # fmt: skip (the smallest network there is: the test is about the hooks, not the training)
    result = train_cell(config, tmp_path / "cell", "cpu", events=RunnerEvents(quiet=True), observers=(watcher,))
    assert watcher.calls == ["train_start", "epoch_start 0 train", "epoch_end 0", "epoch_start 1 train", "epoch_end 1", "close"]
    assert result["watched"] == watcher.steps == 4
    events = CellDirectory(tmp_path / "cell").read_jsonl("events.jsonl").records
    assert [e["watched_steps"] for e in events] == [2, 4]


# ------------------------------------------------------------------------- executors


def test_executor_context_fields():
    fields = {f.name: f.default for f in dataclasses.fields(ExecutorContext)}
    assert list(fields)[:4] == ["device", "jobs", "allow_changed_environment", "cells_per_gpu"]
    assert fields["allow_changed_environment"] is False and fields["cells_per_gpu"] == 1
    assert all(default is not dataclasses.MISSING for name, default in fields.items() if name not in ("device", "jobs"))


def test_job_and_job_result_fields():
    job = Job("mobilenet-v3/synthetic/rss/seed0", Path("runs/x/cells/seed0"), 3)
    assert (job.cell_id, job.directory, job.epochs, job.epochs_done, job.trained) == ("mobilenet-v3/synthetic/rss/seed0", Path("runs/x/cells/seed0"), 3, 0, False)
    assert [f.name for f in dataclasses.fields(Job)][:3] == ["cell_id", "directory", "epochs"]
    failed = JobResult("failed", "CUDA out of memory")
    assert (failed.outcome, failed.error) == ("failed", "CUDA out of memory") and JobResult("complete").error == ""
    outcome = typing.get_type_hints(JobResult)["outcome"]
    assert set(typing.get_args(outcome)) == {"complete", "failed", "interrupted"}


def test_an_executor_is_made_by_factory_options_context_and_runs_jobs_with_progress():
    assert_signature(Executor.run, "(self, jobs, progress)", "Executor.run")
    registry = registry_with()
    for name in registry.names("executor"):
        factory = registry.get("executor", name).factory
        parameters = [p for p in inspect.signature(factory).parameters.values() if p.default is inspect.Parameter.empty]
        assert len(parameters) == 2, f"executor {name}: factory(options, context) takes {inspect.signature(factory)}"
    executor, _ = build_entry(registry.get("executor", "local"), {}, ExecutorContext(device="cpu", jobs=1))
    assert callable(executor.run)


def test_the_cell_runner_an_executor_calls():
    assert_signature(CellRunner.__init__, "(self, directory)", "CellRunner")
    assert_signature(CellRunner.run, "(self)", "CellRunner.run")
    assert inspect.isclass(Progress)
