"""The training loop of one cell: epochs of steps, a checkpoint after each, the result at the end.

Rerunning a cell resumes from its latest checkpoint and ends with the weights an
uninterrupted run would have had: the checkpoint carries the supernet, optimizer, sampler
state, teacher, every RNG stream and every observer's state.  What is measured about
training (exposure, time, progress) is computed by observers (see ``observers/base.py``);
the loop only trains, records each epoch's loss, accuracy and learning rates, and stops
with an error naming the epoch and step when the loss stops being finite.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_rss.cell.directory import CONFIG_FILE, EVENTS_FILE, RESULT_FILE, RESULT_FORMAT, CellDirectory
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.errors import NasbenchError
from nasbench_rss.samplers.base import Phase
from nasbench_rss.seeding import DROPOUT, TEACHER, forked_global_rng
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.runtime.build import Cell
from nasbench_rss.runtime.checkpoint import load_checkpoint, save_checkpoint, save_snapshot, weights_digest
from nasbench_rss.train.cost import DEFINITION as COST_DEFINITION
from nasbench_rss.train.cost import TrainingCost
from nasbench_rss.train.cost import total_of as cost_total
from nasbench_rss.train.distill import soft_cross_entropy
from nasbench_rss.train.dropout import dropout_off
from nasbench_rss.train.observers.base import StepInfo, TrainingRun, TrainObserver, UpdateInfo
from nasbench_rss.train.observers.exposure import ExposureObserver
from nasbench_rss.train.observers.progress import ProgressObserver
from nasbench_rss.train.observers.timing import TimingObserver
from nasbench_rss.train.optimizer import make_optimizer, set_learning_rate
from nasbench_rss.train.schedule import learning_rate, warmup_problem


class TrainingDiverged(NasbenchError, RuntimeError):
    """The loss became NaN or infinite."""


class CellMismatch(NasbenchError):
    """A cell directory holds a different cell than the one asked for."""


class Trainer:
    """Trains ``cell`` in ``directory``: from scratch, from its checkpoint, or not at all when it is trained."""

    def __init__(
        self,
        cell: Cell,
        directory: CellDirectory,
        observers: Sequence[TrainObserver] = (),
        *,
        log: Callable[[str], None] = print,
        provenance: dict[str, Any] | None = None,
        evaluation: EvaluationConfig | None = None,
    ) -> None:
        """``observers`` watch training besides the built-in exposure, progress and timing ones;
        ``provenance`` (what made the cell) is copied into the result; ``evaluation`` (how the
        cell's population will be evaluated) is handed to the observers."""
        self.cell = cell
        self.directory = directory
        self.log = log
        self.provenance = provenance
        self.evaluation = evaluation
        self.exposure = ExposureObserver()
        self.timing = TimingObserver()
        # Timing last: it starts each epoch last and ends it first (observers nest).
        self.observers: list[TrainObserver] = [*observers, self.exposure, ProgressObserver(log), self.timing]
        # Only observers that override on_before_update see it: building its batch view costs nothing then.
        self._watch_updates = [o for o in self.observers if type(o).on_before_update is not TrainObserver.on_before_update]
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
        self.optimizer: torch.optim.Optimizer | None = None
        self.teacher: nn.Module | None = None
        self.next_epoch = 0

    # ------------------------------------------------------------------ files
    def check_directory(self) -> None:
        """The directory holds this cell or nothing (then its config is written)."""
        stored = self.directory.read_json(CONFIG_FILE)
        if stored is None:
            self.directory.write_json(CONFIG_FILE, self.cell.resolved)
        elif stored != self.cell.resolved:
            differ = sorted(k for k in set(stored) | set(self.cell.resolved) if stored.get(k) != self.cell.resolved.get(k))
            raise CellMismatch(
                f"{self.directory.path}: holds a different cell (fields {', '.join(differ)} differ from "
                f"{self.directory.file(CONFIG_FILE)}); use another --out directory or delete this one"
            )

    def _reconcile_events(self, epochs_done: int) -> None:
        """Keep the event lines of the checkpointed epochs only (a run killed after writing an
        epoch's line but before its checkpoint left one more), and drop a torn last line."""
        events = self.directory.read_jsonl(EVENTS_FILE)
        kept = [e for e in events.records if e.get("event") == "epoch" and e.get("epoch", -1) < epochs_done]
        if events.torn or len(kept) != len(events.records):
            if events.torn:
                self.log(f"{self.directory.file(EVENTS_FILE)}: dropped a torn last line (a process was killed while writing it)")
            self.directory.rewrite_jsonl(EVENTS_FILE, kept)

    # ------------------------------------------------------------- checkpoint
    def _rng_states(self) -> dict[str, Any]:
        loader = self.cell.loader
        states = {"data_order": loader.generator.get_state(), "augmentation": loader.aug_generator.get_state(), "torch": torch.get_rng_state()}
        if self.cell.device.type == "cuda":
            states["cuda"] = torch.cuda.get_rng_state(self.cell.device)
        return states

    def _set_rng_states(self, states: dict[str, Any]) -> None:
        loader = self.cell.loader
        # Generator states are CPU byte tensors whatever the generator's device (map_location moved them).
        loader.generator.set_state(states["data_order"].cpu())
        loader.aug_generator.set_state(states["augmentation"].cpu())
        torch.set_rng_state(states["torch"].cpu())
        if "cuda" in states:
            torch.cuda.set_rng_state(states["cuda"].cpu(), self.cell.device)

    def _save_checkpoint(self) -> None:
        save_checkpoint(
            self.directory,
            self.next_epoch,
            {
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict() if self.optimizer is not None else None,
                "teacher": self.teacher.state_dict() if self.teacher is not None else None,
                "sampler": self.sampler.state_dict(),
                "rng": self._rng_states(),
                "observers": {o.state_key: o.state_dict() for o in self.observers if o.state_key},
            },
        )

    def _restore(self, checkpoint: dict[str, Any]) -> None:
        self.next_epoch = int(checkpoint["epochs_done"])
        self.model.load_state_dict(checkpoint["model"])
        self.sampler.load_state_dict(checkpoint["sampler"])
        states = checkpoint.get("observers") or {}
        for observer in self.observers:
            if observer.state_key and observer.state_key in states:
                observer.load_state_dict(states[observer.state_key])
        if checkpoint["teacher"] is not None:  # either kind of teacher is the largest subnet as a static module
            self.teacher = self._snapshot_teacher()
            self.teacher.load_state_dict(checkpoint["teacher"])
        if self.next_epoch < self.cell.config.epochs:
            index, phase = self.sampler.phase_at(self.next_epoch)
            # Resuming mid-phase, or at the start of a phase that keeps the last one's optimizer: its saved state.
            if (self.next_epoch != self.sampler.phase_start(index) or not phase.fresh_optimizer) and checkpoint["optimizer"] is not None:
                self.optimizer = make_optimizer(self.model, self.cell.config.train, self.cell.config.train.lr * phase.lr_scale)
                self.optimizer.load_state_dict(checkpoint["optimizer"])
        self._set_rng_states(checkpoint["rng"])

    # ------------------------------------------------------------------- loop
    def run(self, epoch_limit: int | None = None) -> dict[str, Any] | None:
        """Train to the last epoch (or ``epoch_limit`` more epochs); the result, or None if stopped early."""
        self.check_directory()
        result = self.directory.result()
        if result is not None:
            return result
        latest = self.directory.latest_checkpoint()
        checkpoint = load_checkpoint(latest[1], self.cell.device) if latest else None
        device = self.cell.device
        try:
            with forked_global_rng(self.cell.config.seed, DROPOUT, device):
                if checkpoint is not None:
                    self._restore(checkpoint)
                    del checkpoint
                self._reconcile_events(self.next_epoch)
                run = TrainingRun(self.cell, self.directory, self.next_epoch, self.log, self.evaluation)
                for observer in self.observers:
                    observer.on_train_start(run)
                stop = self.cell.config.epochs if epoch_limit is None else min(self.cell.config.epochs, self.next_epoch + epoch_limit)
                curve = set(self.curve_epochs())
                while self.next_epoch < stop:
                    record = self._train_epoch(self.next_epoch)
                    if self.next_epoch + 1 in curve:
                        # The weights of a learning curve's point, kept until the evaluation measures them.
                        record["snapshot"] = save_snapshot(self.directory, self.next_epoch + 1, self.model.state_dict())
                    self.directory.append_jsonl(EVENTS_FILE, record)
                    self.next_epoch += 1
                    self._save_checkpoint()
                if self.next_epoch < self.cell.config.epochs:
                    return None
                result = self._result()
                for observer in self.observers:
                    observer.on_train_end(result)
        finally:
            for observer in self.observers:
                observer.close()
        self.directory.write_json(RESULT_FILE, result)
        return result

    def curve_epochs(self) -> list[int]:
        """Epochs after which the weights are kept for the evaluation's learning curve (none without ``during``)."""
        during = self.evaluation.during if self.evaluation is not None else None
        return during.epochs(self.cell.config.epochs) if during is not None else []

    def _start_phase(self, phase: Phase) -> None:
        if phase.reorganize_expand_stage is not None:
            self.model.reorganize_channels(phase.reorganize_expand_stage)
        # A fresh optimizer per phase, as OFA starts each task anew (momentum would also no longer
        # match channels that were just re-ordered); or the last phase's, momentum and all, as the
        # paper's code resumed each task from the previous one's checkpoint.
        if phase.fresh_optimizer or self.optimizer is None:
            self.optimizer = make_optimizer(self.model, self.cell.config.train, self.cell.config.train.lr * phase.lr_scale)

    def _snapshot_teacher(self) -> nn.Module:
        """A frozen copy of the full network (the largest subnet), as a static module without dropout."""
        return frozen_teacher(self.model.extract(self.model.space.largest()))

    def _untrained_teacher(self) -> nn.Module:
        """A freshly built network of the largest architecture with torch's default initialisation, frozen.

        What the paper's code distilled from: main.py:189-194 builds ``MobileNetV3Large`` and
        never loads weights into it nor passes it through ``init_models`` (RunManager
        initialises only its own network).  Drawn from the cell's ``teacher`` stream.
        """
        cell = self.cell
        with forked_global_rng(cell.config.seed, TEACHER, cell.device):
            network = cell.architecture.build(cell.shape, self.model.space, dropout=0.0)
        teacher = network.extract(self.model.space.largest())
        return frozen_teacher(teacher.to(cell.device, memory_format=cell.numerics.memory_format))

    def _phase_learning_rate(self, index: int, phase: Phase, step: int, steps: int) -> float:
        """The rate at ``step`` of the phase (``steps`` per epoch): warm-up, then its cosine (see ``train/schedule.py``)."""
        train = self.cell.config.train
        if phase.warmup_epochs:
            warmup_steps, warmup_start = phase.warmup_epochs * steps, phase.warmup_start
        else:
            warmup_steps, warmup_start = (train.warmup_epochs * steps if index == 0 else 0), 0.0
        return learning_rate(
            self.cell.config.train.lr * phase.lr_scale,
            step,
            phase.epochs * steps,
            train.lr_schedule,
            warmup_steps,
            warmup_start=warmup_start,
            cosine_offset=phase.cosine_start * steps,
            cosine_steps=None if phase.cosine_epochs is None else phase.cosine_epochs * steps,
        )

    def _train_epoch(self, epoch: int) -> dict[str, Any]:
        cell, train = self.cell, self.cell.config.train
        device, loader, model = cell.device, cell.loader, self.model
        index, phase = self.sampler.phase_at(epoch)
        phase_start = self.sampler.phase_start(index)
        steps = len(loader)
        warmup = warmup_problem(train.warmup_epochs, self.sampler.phases, cell.config.sampler) if index == 0 else None
        if warmup is not None:
            raise NasbenchError(f"training.warmup_epochs: {warmup}")
        self._ensure_teacher(phase)
        for observer in self.observers:
            observer.on_epoch_start(epoch, phase)
        if epoch == phase_start:
            self._start_phase(phase)
        optimizer = self.optimizer
        model.train()
        if self.teacher is not None:
            # As OFA and the paper's code (progressive_shrinking.py:159 / :130): the teacher runs in
            # train mode (batch statistics), without gradients; it has no dropout (frozen_teacher).
            self.teacher.train()
        step_losses = torch.zeros(steps, device=device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.int64)
        seen = images = passes = 0  # forward passes x batch, images consumed, subnet passes
        cost = self._cost()
        autocast = cell.numerics.autocast(device)
        first_step = (epoch - phase_start) * steps
        lr_start = lr = self._phase_learning_rate(index, phase, first_step, steps)
        for step, (inputs, labels) in enumerate(loader):
            asked = self.sampler.candidates(epoch, step)
            if asked:
                self.sampler.feedback(epoch, step, list(asked), candidate_losses(model, asked, inputs, labels, autocast, train.label_smoothing))
            subnets = self.sampler.subnets(epoch, step)
            lr = self._phase_learning_rate(index, phase, first_step + step, steps)
            set_learning_rate(optimizer, lr)
            losses, step_correct = self._update(UpdateInfo(epoch, step, steps, tuple(subnets), inputs, labels), phase, autocast)
            cost.add_step(subnets, int(labels.shape[0]), teacher=phase.kd_ratio > 0, candidates=asked or ())
            correct += step_correct
            seen += labels.shape[0] * len(subnets)
            passes += len(subnets)
            images += labels.shape[0]
            step_loss = losses.sum()
            step_losses[step] = step_loss / len(subnets)
            loss_sum += step_loss
            info = StepInfo(epoch, step, steps, tuple(subnets), losses, int(labels.shape[0]), lr)
            for observer in self.observers:
                observer.on_step(info)
        if phase.snapshot_teacher and epoch == phase_start + phase.epochs - 1:
            self.teacher = self._snapshot_teacher()

        self._check_finite(epoch, phase, step_losses)
        record: dict[str, Any] = {
            "event": "epoch",
            "epoch": epoch,
            "phase": phase.name,
            "phase_index": index,
            "train_loss": float(loss_sum) / passes,
            "train_accuracy": int(correct) / seen,
            "lr_start": lr_start,
            "lr_end": lr,
            "steps": steps,
            "images": images,
            "subnet_passes": passes,
            "train_macs": cost.record(),
        }
        for observer in reversed(self.observers):
            observer.on_epoch_end(epoch, record)
        return record

    def _cost(self) -> TrainingCost:
        """An epoch's MACs counter (:mod:`nasbench_rss.train.cost`), over the FLOPs table the sampler draws by."""
        table = self.sampler.context.flops
        return TrainingCost(table, table.macs(self.model.space.largest()))

    def _ensure_teacher(self, phase: Phase) -> None:
        """A distilling phase's teacher: an earlier phase's snapshot, or (``teacher: untrained``) a fresh network."""
        if phase.kd_ratio > 0 and self.teacher is None:
            if phase.teacher != "untrained":
                raise NasbenchError(f"sampler {self.cell.config.sampler}: phase {phase.name!r} distils, but no earlier phase snapshots a teacher")
            self.teacher = self._untrained_teacher()

    def _update(self, update: UpdateInfo, phase: Phase, autocast: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step over ``update.subnets`` (their gradients summed): their losses and correct predictions."""
        optimizer, train, inputs = self.optimizer, self.cell.config.train, update.inputs
        optimizer.zero_grad(set_to_none=False)
        teacher_logits = None
        if phase.kd_ratio > 0:
            with torch.no_grad(), autocast:
                teacher_logits = self.teacher(inputs)
        losses, step_correct = accumulate_gradients(
            self.model, list(update.subnets), inputs, update.labels, autocast, train.label_smoothing, teacher_logits,
            phase.kd_ratio, phase.inplace_distillation,
        )  # fmt: skip
        for observer in self._watch_updates:
            observer.on_before_update(update)
        optimizer.step()
        return losses, step_correct

    def _check_finite(self, epoch: int, phase: Phase, step_losses: torch.Tensor) -> None:
        """Stop with TrainingDiverged (and a ``diverged`` event) at the first step whose loss is not finite."""
        finite = torch.isfinite(step_losses)
        if bool(finite.all()):
            return
        bad = int((~finite).nonzero()[0])
        self.directory.append_jsonl(EVENTS_FILE, {"event": "diverged", "epoch": epoch, "step": bad, "loss": str(float(step_losses[bad]))})
        kept = f"the checkpoint after epoch {epoch} and the events before it are kept" if epoch else "no epoch finished, so there is no checkpoint yet"
        base_lr = self.cell.config.train.lr * phase.lr_scale
        raise TrainingDiverged(
            f"{self.directory.path}: loss is {float(step_losses[bad])} at epoch {epoch + 1} step {bad + 1} "
            f"(phase {phase.name!r}, lr {base_lr:g} x schedule); {kept}"
        )

    def _result(self) -> dict[str, Any]:
        cell = self.cell
        epochs = self.directory.read_jsonl(EVENTS_FILE).records
        return {
            "format": RESULT_FORMAT,
            "complete": True,
            "config": cell.resolved,
            "sampler": self.sampler.describe(),
            "dataset": {
                "name": cell.dataset.name,
                "train_images": int(cell.dataset.train_labels.numel()),
                "held_out": cell.config.valid_size,
                "test_images": int(cell.dataset.test_labels.numel()),
                "num_classes": cell.dataset.num_classes,
                "channels": cell.dataset.channels,
                "image_size": cell.shape.image_size,
            },
            "weights": weights_digest(self.model.state_dict()),
            "final_train_loss": epochs[-1]["train_loss"],
            "final_train_accuracy": epochs[-1]["train_accuracy"],
            "train_macs": cost_total(epochs),
            "train_macs_definition": COST_DEFINITION,
            "provenance": self.provenance,
        }


def frozen_teacher(teacher: nn.Module) -> nn.Module:
    """``teacher`` without dropout and without gradients.

    OFA builds its teacher with ``dropout_rate=0`` (train_ofa_net.py:207-216, the paper's
    main.py:190-193) and runs it in train mode; a copy of the supernet would keep the
    student's dropout, and in train mode every distillation target would be noisy.
    """
    for module in teacher.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    for param in teacher.parameters():
        param.requires_grad_(False)
    return teacher


def accumulate_gradients(
    model: nn.Module,
    subnets: list[Subnet],
    inputs: torch.Tensor,
    labels: torch.Tensor,
    autocast: contextlib.AbstractContextManager = contextlib.nullcontext(),
    label_smoothing: float = 0.0,
    teacher_logits: torch.Tensor | None = None,
    kd_ratio: float = 0.0,
    inplace_distillation: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward and backward each subnet on the batch; their gradients add up in ``.grad``.

    Summing (not averaging) is what OFA and the paper do when a step trains several
    subnets.  With ``inplace_distillation`` the first subnet learns from the labels and the
    others only from its detached outputs (soft cross-entropy), as AttentiveNAS's sandwich
    step (``train_attentive_nas.py:262-307``).  Returns each subnet's loss (a tensor, one
    per subnet) and the number of correct predictions, on the device (no synchronisation).
    """
    losses = []
    correct = torch.zeros((), device=inputs.device, dtype=torch.int64)
    inplace_targets: torch.Tensor | None = None
    for subnet in subnets:
        if model.active is not subnet:
            model.set_active(subnet)
        with autocast:
            logits = model(inputs)
        if inplace_targets is not None:
            loss = soft_cross_entropy(logits, inplace_targets)
        else:
            loss = F.cross_entropy(logits.float(), labels, label_smoothing=label_smoothing)
            if inplace_distillation:
                inplace_targets = logits.detach()
        if teacher_logits is not None and kd_ratio > 0:
            loss = loss + kd_ratio * soft_cross_entropy(logits, teacher_logits)
        loss.backward()
        losses.append(loss.detach())
        correct += (logits.detach().argmax(1) == labels).sum()
    return torch.stack(losses), correct


def candidate_losses(
    model: nn.Module,
    candidates: Sequence[Subnet],
    inputs: torch.Tensor,
    labels: torch.Tensor,
    autocast: contextlib.AbstractContextManager = contextlib.nullcontext(),
    label_smoothing: float = 0.0,
) -> list[float]:
    """Each candidate's loss on the batch, for a sampler that picks by loss (``Sampler.candidates``).

    As AttentiveNAS measures them (``train_attentive_nas.py:283-287``): no gradient, the
    network in train mode (batch-norm on the batch's statistics) and without dropout (its
    loop sets dropout to 0 for every subnet but the largest).
    """
    losses = []
    with dropout_off(model), torch.no_grad():
        for subnet in candidates:
            model.set_active(subnet)
            with autocast:
                logits = model(inputs)
            losses.append(F.cross_entropy(logits.float(), labels, label_smoothing=label_smoothing))
    return [float(loss) for loss in torch.stack(losses).tolist()]
