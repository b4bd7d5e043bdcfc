"""Train one cell: a supernet, a dataset and a sampler to a trained supernet and its record.

The cell directory holds ``config.json`` (the resolved config: every option, defaults
included), ``events.jsonl`` (one line per epoch), ``checkpoint.pt`` (after every epoch,
written atomically) and, once the last epoch is done, ``result.json``.  A cell is complete
only when ``result.json`` exists.  Rerunning a cell resumes from its checkpoint and ends
with the weights an uninterrupted run would have had: the checkpoint carries the
supernet, optimizer, sampler state, teacher and every RNG stream.

Training time is measured as the paper does (start of the first training epoch to end of
the last, device synchronised), as the sum of per-epoch times: checkpoint writing between
epochs is the tool's overhead, not training, and is excluded.
"""

from __future__ import annotations

import contextlib
import json
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

import nasbench_rss
from nasbench_rss import atomic
from nasbench_rss.arch.layout import Shape
from nasbench_rss.arch.options import architecture_space
from nasbench_rss.data.augment import BatchAugmenter
from nasbench_rss.data.dataset import ImageDataset
from nasbench_rss.data.loader import BatchLoader
from nasbench_rss.data.registry import load_dataset
from nasbench_rss.data.subset import apply_subsets
from nasbench_rss.data.augment import prepare
from nasbench_rss.environment import device_name
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import get_registry
from nasbench_rss.samplers.base import Phase, Sampler, SamplerContext
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.seeding import forked_global_rng, numpy_rng, torch_generator
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.train.config import CellConfig, TrainConfig
from nasbench_rss.train.distill import soft_cross_entropy
from nasbench_rss.train.exposure import Exposure
from nasbench_rss.train.optimizer import make_optimizer, set_learning_rate
from nasbench_rss.train.schedule import learning_rate

CHECKPOINT_FORMAT = 1
CONFIG_FILE, EVENTS_FILE, CHECKPOINT_FILE, RESULT_FILE = "config.json", "events.jsonl", "checkpoint.pt", "result.json"


class TrainingDiverged(NasbenchError, RuntimeError):
    """The loss became NaN or infinite."""


class CellMismatch(NasbenchError):
    """A cell directory holds a different cell than the one asked for."""


def resolve_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when there is one, else the CPU.  Asking for CUDA without one is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise NasbenchError(f"device: {name!r} not allowed; allowed: auto, cpu, cuda, cuda:N")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise NasbenchError(f"device: {name!r} asked for, but torch sees no CUDA device here; use --device cpu or auto")
    return device


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass
class Cell:
    """A cell's resolved parts: everything the loop needs, built from a :class:`CellConfig`."""

    config: CellConfig
    resolved: dict[str, Any]
    device: torch.device
    dataset: ImageDataset
    shape: Shape
    model: nn.Module
    sampler: Sampler
    augmenter: BatchAugmenter
    loader: BatchLoader
    autocast_dtype: torch.dtype | None
    channels_last: bool


def build_cell(config: CellConfig, device: torch.device) -> Cell:
    """Resolve the plugins, load the data onto ``device`` and build supernet and sampler."""
    train = config.train
    registry = get_registry()
    arch_entry = registry.get("architecture", config.arch)
    arch = arch_entry.factory()
    dataset, dataset_options = load_dataset(config.dataset, config.dataset_options)
    dataset = apply_subsets(dataset, config.train_subset, config.test_subset, numpy_rng(config.seed, "subset"))
    dataset = prepare(dataset, train.image_size).to(device)
    shape = Shape(in_channels=dataset.channels, num_classes=dataset.num_classes, image_size=train.image_size)
    space, arch_options = architecture_space(arch_entry, config.arch_options)
    context = SamplerContext(space=space, epochs=config.epochs, rng=numpy_rng(config.seed, "sampler"), flops=arch.flops_table(shape, space))
    sampler = build_sampler(config.sampler, config.sampler_options, context)

    channels_last = train.memory_format in ("auto", "channels_last")
    with forked_global_rng(config.seed, "init", device):
        model = arch.build(shape, space, dropout=train.dropout)
    model = model.to(device, memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    autocast_dtype = None
    if train.precision == "bf16" or (train.precision == "auto" and device.type == "cuda"):
        autocast_dtype = torch.bfloat16

    augmenter = BatchAugmenter(train.augmentation, dataset, channels_last=channels_last)
    loader = BatchLoader(
        dataset.train_images,
        dataset.train_labels,
        batch_size=train.batch_size,
        transform=augmenter,
        generator=torch_generator(config.seed, "data-order", device),
        aug_generator=torch_generator(config.seed, "augmentation", device),
        drop_last=train.drop_last,
    )
    if len(loader) == 0:
        raise NasbenchError(
            f"train_subset: {len(dataset.train_labels)} training images give no batch of {train.batch_size} with drop_last; "
            "use more images, a smaller batch_size or drop_last false"
        )
    resolved = config.model_dump(mode="json")
    resolved["dataset_options"] = dataset_options
    resolved["sampler_options"] = sampler.config.model_dump(mode="json")
    resolved["arch_options"] = arch_options
    return Cell(config, resolved, device, dataset, shape, model, sampler, augmenter, loader, autocast_dtype, channels_last)


class CellTrainer:
    """The epoch loop of one cell, with its checkpoint, events and exposure."""

    def __init__(
        self,
        cell: Cell,
        out: Path,
        log: Callable[[str], None] | None = None,
        on_step: Callable[[int, int, int], None] | None = None,
    ) -> None:
        """``log`` gets one line per epoch; ``on_step(epoch, steps_done, steps)`` runs after every
        optimizer step (for progress displays: it must be cheap, and it never synchronises the device)."""
        self.cell = cell
        self.out = Path(out)
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.on_step = on_step
        self.model = cell.model
        self.sampler = cell.sampler
        # Every parameter holds a (zero) gradient from the start and ``zero_grad`` keeps it
        # (set_to_none=False), so each step's SGD update moves every parameter by momentum and
        # weight decay, whether or not its layer was active: what OFA's code did (torch 1.x
        # zeroed, never freed, gradients) once a layer had been used, made independent of
        # history so that a resumed run updates exactly as an uninterrupted one.
        for param in self.model.parameters():
            if param.requires_grad and param.grad is None:
                param.grad = torch.zeros_like(param)
        self.exposure = Exposure()
        self.optimizer: torch.optim.Optimizer | None = None
        self.teacher: nn.Module | None = None
        self.epoch_seconds: list[float] = []
        self.next_epoch = 0
        self.last_event: dict[str, Any] | None = None

    # ------------------------------------------------------------------ files
    def path(self, name: str) -> Path:
        return self.out / name

    def _prepare_directory(self) -> dict[str, Any] | None:
        """Check the directory holds this cell (or nothing); return the checkpoint to resume from."""
        self.out.mkdir(parents=True, exist_ok=True)
        config_path = self.path(CONFIG_FILE)
        if config_path.exists():
            stored = json.loads(config_path.read_text())
            if stored != self.cell.resolved:
                differ = sorted(k for k in set(stored) | set(self.cell.resolved) if stored.get(k) != self.cell.resolved.get(k))
                raise CellMismatch(
                    f"{self.out}: holds a different cell (fields {', '.join(differ)} differ from {config_path}); "
                    "use another --out directory or delete this one"
                )
        else:
            atomic.write_json(config_path, self.cell.resolved)
        if not self.path(CHECKPOINT_FILE).exists():
            self._keep_events(upto_epoch=-1)
            return None
        return torch.load(self.path(CHECKPOINT_FILE), map_location=self.cell.device, weights_only=False)

    def _keep_events(self, upto_epoch: int) -> None:
        """Drop event lines of epochs after ``upto_epoch`` (written by a run killed before its checkpoint)."""
        path = self.path(EVENTS_FILE)
        if not path.exists():
            return
        lines = path.read_text().splitlines()
        kept = [line for line in lines if line.strip() and json.loads(line).get("epoch", -1) <= upto_epoch]
        if len(kept) != len(lines):
            atomic.write_text(path, "".join(line + "\n" for line in kept))

    def _append_event(self, event: dict[str, Any]) -> None:
        with open(self.path(EVENTS_FILE), "a") as file:
            file.write(json.dumps(event, allow_nan=True) + "\n")
            file.flush()

    # ------------------------------------------------------------- checkpoint
    def _rng_states(self) -> dict[str, Any]:
        loader = self.cell.loader
        states = {"data_order": loader.generator.get_state(), "augmentation": loader.aug_generator.get_state(), "torch": torch.get_rng_state()}
        if self.cell.device.type == "cuda":
            states["cuda"] = torch.cuda.get_rng_state(self.cell.device)
        return states

    def _set_rng_states(self, states: dict[str, Any]) -> None:
        loader = self.cell.loader
        loader.generator.set_state(states["data_order"])
        loader.aug_generator.set_state(states["augmentation"])
        torch.set_rng_state(states["torch"].cpu())
        if "cuda" in states:
            torch.cuda.set_rng_state(states["cuda"].cpu(), self.cell.device)

    def _save_checkpoint(self, epochs_done: int) -> None:
        atomic.torch_save(
            self.path(CHECKPOINT_FILE),
            {
                "format": CHECKPOINT_FORMAT,
                "epochs_done": epochs_done,
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict() if self.optimizer is not None else None,
                "teacher": self.teacher.state_dict() if self.teacher is not None else None,
                "sampler": self.sampler.state_dict(),
                "rng": self._rng_states(),
                "exposure": self.exposure.state_dict(),
                "epoch_seconds": list(self.epoch_seconds),
            },
        )

    def _restore(self, checkpoint: dict[str, Any]) -> None:
        if checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise CellMismatch(f"{self.path(CHECKPOINT_FILE)}: checkpoint format {checkpoint.get('format')!r}, this version reads {CHECKPOINT_FORMAT}")
        self.next_epoch = int(checkpoint["epochs_done"])
        self.model.load_state_dict(checkpoint["model"])
        self.sampler.load_state_dict(checkpoint["sampler"])
        self.exposure.load_state_dict(checkpoint["exposure"])
        self.epoch_seconds = list(checkpoint["epoch_seconds"])
        if checkpoint["teacher"] is not None:
            self.teacher = self._snapshot_teacher()
            self.teacher.load_state_dict(checkpoint["teacher"])
        if self.next_epoch < self.cell.config.epochs:
            index, phase = self.sampler.phase_at(self.next_epoch)
            if self.next_epoch != self.sampler.phase_start(index):  # resuming mid-phase: same optimizer state
                self.optimizer = make_optimizer(self.model, self.cell.config.train, self.cell.config.train.lr * phase.lr_scale)
                self.optimizer.load_state_dict(checkpoint["optimizer"])
        self._set_rng_states(checkpoint["rng"])
        self._keep_events(upto_epoch=self.next_epoch - 1)

    # ------------------------------------------------------------------- loop
    def run(self, epoch_limit: int | None = None) -> dict[str, Any] | None:
        """Train to the last epoch (or ``epoch_limit`` more epochs); the result, or None if stopped early."""
        if self.path(RESULT_FILE).exists():
            self._prepare_directory()  # still refuse a directory of another cell
            return json.loads(self.path(RESULT_FILE).read_text())
        checkpoint = self._prepare_directory()
        device = self.cell.device
        with forked_global_rng(self.cell.config.seed, "dropout", device):
            if checkpoint is not None:
                self._restore(checkpoint)
                self.log(f"resuming {self.out} at epoch {self.next_epoch}")
                del checkpoint
            stop = self.cell.config.epochs if epoch_limit is None else min(self.cell.config.epochs, self.next_epoch + epoch_limit)
            while self.next_epoch < stop:
                event = self.last_event = self._train_epoch(self.next_epoch)
                self._append_event(event)
                self.next_epoch += 1
                self._save_checkpoint(self.next_epoch)
                self.log(
                    f"epoch {event['epoch'] + 1}/{self.cell.config.epochs} [{event['phase']}] loss {event['train_loss']:.4f} "
                    f"acc {event['train_accuracy']:.4f} lr {event['lr_start']:.5f} {event['seconds']:.1f}s {event['images_per_second']:.0f} img/s"
                )
        if self.next_epoch < self.cell.config.epochs:
            return None
        result = self._result()
        atomic.write_json(self.path(RESULT_FILE), result)
        return result

    def _start_phase(self, index: int, phase: Phase) -> None:
        if phase.reorganize_expand_stage is not None:
            self.model.reorganize_channels(phase.reorganize_expand_stage)
        # A fresh optimizer per phase, as OFA starts each task anew (momentum would also
        # no longer match channels that were just re-ordered).
        self.optimizer = make_optimizer(self.model, self.cell.config.train, self.cell.config.train.lr * phase.lr_scale)

    def _snapshot_teacher(self) -> nn.Module:
        """A frozen copy of the full network (the largest subnet), as a static module."""
        teacher = self.model.extract(self.model.space.largest())
        for param in teacher.parameters():
            param.requires_grad_(False)
        return teacher

    def _train_epoch(self, epoch: int) -> dict[str, Any]:
        cell, train = self.cell, self.cell.config.train
        device, loader, model = cell.device, cell.loader, self.model
        index, phase = self.sampler.phase_at(epoch)
        phase_start = self.sampler.phase_start(index)
        steps = len(loader)
        total_steps = phase.epochs * steps
        warmup_steps = train.warmup_epochs * steps if index == 0 else 0
        if warmup_steps >= total_steps and train.warmup_epochs:
            raise NasbenchError(f"warmup_epochs: {train.warmup_epochs} leaves no epoch of the first phase ({phase.epochs} epochs) after warmup")
        if phase.kd_ratio > 0 and self.teacher is None:
            raise NasbenchError(f"sampler {cell.config.sampler}: phase {phase.name!r} distils, but no earlier phase snapshots a teacher")
        base_lr = train.lr * phase.lr_scale

        synchronize(device)
        started = time.perf_counter()
        if epoch == phase_start:
            self._start_phase(index, phase)
        optimizer = self.optimizer
        model.train()
        if self.teacher is not None:
            self.teacher.train()  # as OFA: the teacher runs in train mode (batch statistics), without gradients
        step_losses = torch.zeros(steps, device=device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.int64)
        seen = images = 0  # forward passes x batch, and images consumed
        trained: Counter[Subnet] = Counter()
        autocast = (
            torch.autocast(device.type, dtype=cell.autocast_dtype) if cell.autocast_dtype is not None else contextlib.nullcontext()
        )
        lr_start = lr = learning_rate(base_lr, (epoch - phase_start) * steps, total_steps, train.lr_schedule, warmup_steps)
        for step, (inputs, labels) in enumerate(loader):
            subnets = self.sampler.subnets(epoch, step)
            lr = learning_rate(base_lr, (epoch - phase_start) * steps + step, total_steps, train.lr_schedule, warmup_steps)
            set_learning_rate(optimizer, lr)
            optimizer.zero_grad(set_to_none=False)
            teacher_logits = None
            if phase.kd_ratio > 0:
                with torch.no_grad(), autocast:
                    teacher_logits = self.teacher(inputs)
            step_loss, step_correct = accumulate_gradients(
                model, subnets, inputs, labels, autocast, train.label_smoothing, teacher_logits, phase.kd_ratio
            )
            correct += step_correct
            seen += labels.shape[0] * len(subnets)
            trained.update(subnets)
            optimizer.step()
            images += labels.shape[0]
            step_losses[step] = step_loss / len(subnets)
            loss_sum += step_loss
            if self.on_step is not None:
                self.on_step(epoch, step + 1, steps)
        if phase.snapshot_teacher and epoch == phase_start + phase.epochs - 1:
            self.teacher = self._snapshot_teacher()
        synchronize(device)
        seconds = time.perf_counter() - started

        finite = torch.isfinite(step_losses)
        if not bool(finite.all()):
            bad = int((~finite).nonzero()[0])
            self._append_event({"event": "diverged", "epoch": epoch, "step": bad, "loss": float(step_losses[bad])})
            raise TrainingDiverged(
                f"{self.out}: loss is {float(step_losses[bad])} at epoch {epoch} step {bad} (phase {phase.name!r}, lr {base_lr:g} x schedule); "
                f"the checkpoint of epoch {epoch - 1} and the events before it are kept"
            )
        self.epoch_seconds.append(seconds)
        flops = self.sampler.context.flops
        rows = [(subnet.encode(), flops.mflops(subnet), n) for subnet, n in trained.items()]
        self.exposure.add(rows)
        return {
            "event": "epoch",
            "epoch": epoch,
            "phase": phase.name,
            "phase_index": index,
            "subnets": [{"encoding": enc, "mflops": mflops, "steps": n} for enc, mflops, n in rows],
            "train_loss": float(loss_sum) / sum(trained.values()),
            "train_accuracy": int(correct) / seen,
            "lr_start": lr_start,
            "lr_end": lr,
            "steps": steps,
            "images": images,
            "seconds": seconds,
            "images_per_second": images / seconds,
            "exposure_buckets": self.exposure.buckets(),
        }

    def _result(self) -> dict[str, Any]:
        cell = self.cell
        events = [json.loads(line) for line in self.path(EVENTS_FILE).read_text().splitlines() if line.strip()]
        epochs = [e for e in events if e.get("event") == "epoch"]
        train_seconds = sum(self.epoch_seconds)
        images = sum(e["images"] for e in epochs)
        return {
            "complete": True,
            "config": cell.resolved,
            "sampler": self.sampler.describe(),
            "dataset": {
                "name": cell.dataset.name,
                "train_images": int(cell.dataset.train_labels.numel()),
                "test_images": int(cell.dataset.test_labels.numel()),
                "num_classes": cell.dataset.num_classes,
                "channels": cell.dataset.channels,
                "image_size": cell.shape.image_size,
            },
            "train_seconds": train_seconds,
            "train_seconds_definition": "sum of per-epoch wall times (start of an epoch's first step to end of its last, device synchronised); checkpoint writing excluded",
            "epoch_seconds": self.epoch_seconds,
            "images_per_second": images / train_seconds,
            "final_train_loss": epochs[-1]["train_loss"],
            "final_train_accuracy": epochs[-1]["train_accuracy"],
            "exposure": self.exposure.to_dict(),
            "environment": environment(cell.device, cell.autocast_dtype, cell.channels_last),
        }


def accumulate_gradients(
    model: nn.Module,
    subnets: list[Subnet],
    inputs: torch.Tensor,
    labels: torch.Tensor,
    autocast: contextlib.AbstractContextManager = contextlib.nullcontext(),
    label_smoothing: float = 0.0,
    teacher_logits: torch.Tensor | None = None,
    kd_ratio: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward and backward each subnet on the batch; their gradients add up in ``.grad``.

    Summing (not averaging) is what OFA and the paper do when a step trains several
    subnets.  Returns the summed loss and the number of correct predictions, on the device
    (no synchronisation).
    """
    loss_sum = torch.zeros((), device=inputs.device)
    correct = torch.zeros((), device=inputs.device, dtype=torch.int64)
    for subnet in subnets:
        if model.active is not subnet:
            model.set_active(subnet)
        with autocast:
            logits = model(inputs)
        loss = F.cross_entropy(logits.float(), labels, label_smoothing=label_smoothing)
        if teacher_logits is not None and kd_ratio > 0:
            loss = loss + kd_ratio * soft_cross_entropy(logits, teacher_logits)
        loss.backward()
        loss_sum += loss.detach()
        correct += (logits.detach().argmax(1) == labels).sum()
    return loss_sum, correct


def environment(device: torch.device, autocast_dtype: torch.dtype | None, channels_last: bool) -> dict[str, Any]:
    """Where and how a cell ran: versions, device, precision."""
    info = {
        "nasbench_rss": nasbench_rss.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": str(device),
        "device_name": device_name(device),
        "threads": torch.get_num_threads(),
        "precision": "bf16 autocast" if autocast_dtype is not None else "fp32",
        "memory_format": "channels_last" if channels_last else "contiguous",
    }
    return info


def train_cell(
    config: CellConfig,
    out: str | Path,
    device: str = "auto",
    log: Callable[[str], None] | None = None,
    epoch_limit: int | None = None,
    on_step: Callable[[int, int, int], None] | None = None,
) -> dict[str, Any] | None:
    """Train (or resume, or just read back) the cell in ``out``; its result dict, or None if stopped by ``epoch_limit``."""
    cell = build_cell(config, resolve_device(device))
    return CellTrainer(cell, Path(out), log, on_step).run(epoch_limit)
