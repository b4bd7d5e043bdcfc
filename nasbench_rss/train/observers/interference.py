"""The interference probe: does a step on one subnet hurt the others that share its weights?

The paper asks whether interference exists and answers through final accuracies only.
This observer measures it while training.  A fixed panel of probe subnets (by default one
per evaluation bucket, drawn exactly in the bucket from the evaluation's seed, so every run
of a suite probes the same subnets, plus the smallest and the largest) and a fixed probe
batch of training images (normalised, not augmented).  Every ``every`` steps:

- before the update, each probe's gradient ``g`` of its loss on the probe batch with
  respect to the shared weights it uses (the elements where ``g`` is not zero);
- after the update ``delta`` (the change of the weights: gradient, momentum and weight
  decay together), per probe: the cosine between ``delta`` and the probe's descent
  direction ``-g`` on those weights, the first-order predicted change of its loss
  ``g . delta``, and the measured change of its loss on the probe batch.  A positive
  measured change while another subnet trained is interference made visible: the step
  made the probe worse;
- for a step that sums several subnets' gradients (per-batch k >= 2, progressive
  shrinking's later phases, sandwich), the pairwise cosine between those subnets'
  gradients on the training batch over the weights both use (as Xu et al., ICML 2022,
  "Analyzing and mitigating interference in neural architecture search", measure gradient
  similarity).

Each probed step is one line of ``interference.jsonl`` in the cell.  The probe never
changes training: its forward passes run without dropout (no random numbers drawn) and
restore every batch-norm buffer, its gradients come from ``torch.autograd.grad`` (``.grad``
is untouched), and the model's active subnet is set back.  The losses are plain
cross-entropy (no label smoothing, no distillation term).  Its own time is added to each
epoch's record (``probe_seconds``, ``probe_cpu_seconds``) so timing can subtract it.
A resumed cell drops the lines of steps after its checkpoint, so the file is what an
uninterrupted run writes.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_rss.cell.directory import EVENTS_FILE, INTERFERENCE_FILE, CellDirectory
from nasbench_rss.errors import NasbenchError
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.samplers.base import resolve_subnet
from nasbench_rss.seeding import PROBE_BATCH, numpy_rng, probe_stream
from nasbench_rss.space.buckets import Bucket, ExactBucketSampler
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.train.dropout import dropout_off
from nasbench_rss.train.observers.base import StepInfo, TrainingRun, TrainObserver, UpdateInfo
from nasbench_rss.train.observers.probe_options import ProbeOptions

# -------------------------------------------------------------------- measuring
@contextlib.contextmanager
def probing(model: nn.Module) -> Iterator[None]:
    """Run ``model`` without changing it: dropout off, batch-norm buffers and the active subnet restored."""
    buffers = {name: buffer.clone() for name, buffer in model.named_buffers()}
    active = getattr(model, "active", None)
    try:
        with dropout_off(model):
            yield
    finally:
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                buffer.copy_(buffers[name])
        if active is not None:
            model.set_active(active)


def subnet_loss(model: nn.Module, subnet: Subnet, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    model.set_active(subnet)
    return F.cross_entropy(model(images).float(), labels)


def loss_gradient(
    model: nn.Module, subnet: Any, images: torch.Tensor, labels: torch.Tensor, params: Sequence[nn.Parameter]
) -> tuple[float, torch.Tensor]:
    """The subnet's loss and its gradient over all ``params`` as one flat vector (zeros where it uses
    nothing); ``.grad`` is untouched."""
    loss = subnet_loss(model, subnet, images, labels)
    grads = torch.autograd.grad(loss, list(params), allow_unused=True)
    return float(loss.detach()), flatten([torch.zeros_like(p) if g is None else g.detach() for p, g in zip(params, grads)])


def flatten(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """One vector of ``tensors`` (a gradient or an update over all parameters, in parameter order), in
    their dtype: float32 for a cell's supernet (millions of weights, touched ~20 times per probed step),
    float64 for a float64 model."""
    return torch.cat([t.reshape(-1) for t in tensors])


def update_measures(grad: torch.Tensor, delta: torch.Tensor) -> tuple[float | None, float]:
    """Cosine between ``delta`` and ``-grad`` over the elements the probe uses (``grad != 0``), and ``grad . delta``.

    Both are flat vectors (:func:`flatten`).  The cosine is None when the update leaves
    every one of those elements unchanged (then the predicted change is 0): the probe
    shares nothing the step trained.
    """
    dot = float(grad @ delta)  # elements the probe does not use have grad 0 and add nothing
    norm_g, norm_d = float(grad.norm()), float(torch.where(grad != 0, delta, 0.0).norm())
    if norm_d == 0.0 or norm_g == 0.0:
        return None, dot
    return -dot / (norm_g * norm_d), dot


def gradient_cosine(a: torch.Tensor, b: torch.Tensor) -> float | None:
    """Cosine between two flat gradients over the elements both use (non-zero in both); None when they share none."""
    both = (a != 0) & (b != 0)
    x, y = torch.where(both, a, 0.0), torch.where(both, b, 0.0)
    norm_x, norm_y = float(x.norm()), float(y.norm())
    if norm_x == 0.0 or norm_y == 0.0:
        return None
    return float(x @ y) / (norm_x * norm_y)


# --------------------------------------------------------------------- observer
class InterferenceObserver(TrainObserver):
    """Writes one ``interference.jsonl`` line per probed step; see the module docstring.

    It keeps no checkpoint state: the panel, the probe batch and the schedule follow from the
    options and the cell, and a resume reconciles the file with the checkpoint's epoch.
    """

    def __init__(self, options: ProbeOptions | None = None) -> None:
        self.options = options or ProbeOptions()
        self._pending: dict[str, Any] | None = None
        self._seconds = self._cpu_seconds = 0.0
        self.idle = False
        """True on a stand-alone cell: it probes nothing (no weights are shared)."""

    # -------------------------------------------------------------- set-up
    def on_train_start(self, run: TrainingRun) -> None:
        cell = run.cell
        self.idle = cell.sampler.trains_stand_alone
        if self.idle:  # a suite's observers reach its stand-alone references too
            run.log("observer interference: a stand-alone network shares no weights with other subnets; nothing to probe")
            return
        self.model = cell.model
        self.directory: CellDirectory = run.directory
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        evaluation = run.evaluation or EvaluationConfig()  # a cell trained alone: the default buckets
        self.unreachable: list[str] = []
        self.panel = self._panel(cell, evaluation)
        self.flops = cell.sampler.context.flops
        self.images, self.labels = self._probe_batch(cell, evaluation.seed)
        # A resumed run drops the lines of steps after its checkpoint (a killed run wrote them).
        existing = self.directory.read_jsonl(INTERFERENCE_FILE)
        kept = [r for r in existing.records if r.get("epoch", -1) < run.start_epoch]
        if existing.torn or len(kept) != len(existing.records):
            self.directory.rewrite_jsonl(INTERFERENCE_FILE, kept)

    def _panel(self, cell: Any, evaluation: EvaluationConfig) -> list[tuple[str, Subnet]]:
        space = cell.model.space
        if self.options.probes is not None:
            return [(text, resolve_subnet(space, text, "probes", ("probes", i))) for i, text in enumerate(self.options.probes)]
        sampler = ExactBucketSampler(cell.sampler.context.flops, "per-dimension")
        panel = [("smallest", space.smallest())]
        for target in evaluation.buckets:
            bucket = Bucket(target, evaluation.tolerance)
            try:
                (subnet,) = sampler.sample(bucket, 1, numpy_rng(evaluation.seed, probe_stream(bucket.key)))
            except NasbenchError:
                self.unreachable.append(bucket.key)  # no network of the space lies in it (the result says so)
                continue
            panel.append((bucket.key, subnet))
        panel.append(("largest", space.largest()))
        return panel

    def _probe_batch(self, cell: Any, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        available = len(cell.dataset.train_labels)
        if self.options.probe_images > available:
            raise NasbenchError(
                f"observer interference: probe_images {self.options.probe_images} is more than the cell's {available} "
                f"training images; allowed: 1 to {available}"
            )
        rng = numpy_rng(seed, PROBE_BATCH)
        index = torch.as_tensor(rng.choice(available, size=self.options.probe_images, replace=False), device=cell.device)
        return cell.augmenter.evaluate(cell.dataset.train_images[index]), cell.dataset.train_labels[index]

    # ----------------------------------------------------------- measuring
    def _due(self, epoch: int, step: int, steps: int) -> bool:
        return (epoch * steps + step) % self.options.every == 0

    def on_before_update(self, update: UpdateInfo) -> None:
        if self.idle or not self._due(update.epoch, update.step, update.steps):
            return
        wall, cpu = time.perf_counter(), time.process_time()
        with probing(self.model):
            before = [loss_gradient(self.model, subnet, self.images, self.labels, self.params) for _, subnet in self.panel]
            pairwise = []
            if self.options.pairwise and len(update.subnets) > 1:
                grads = [loss_gradient(self.model, s, update.inputs, update.labels, self.params)[1] for s in update.subnets]
                for i in range(len(grads)):
                    for j in range(i + 1, len(grads)):
                        pairwise.append({"a": i, "b": j, "cosine": gradient_cosine(grads[i], grads[j])})
        self._pending = {
            "epoch": update.epoch,
            "step": update.step,
            "weights": flatten([p.detach() for p in self.params]),
            "before": before,
            "trained": [s.encode() for s in update.subnets],
            "pairwise": pairwise,
        }
        self._spent(wall, cpu)

    def on_step(self, step: StepInfo) -> None:
        pending, self._pending = self._pending, None
        if pending is None or (pending["epoch"], pending["step"]) != (step.epoch, step.step):
            return
        wall, cpu = time.perf_counter(), time.process_time()
        delta = flatten([p.detach() for p in self.params]) - pending["weights"]
        probes = []
        with probing(self.model), torch.no_grad():
            for (label, subnet), (loss_before, grad) in zip(self.panel, pending["before"]):
                loss_after = float(subnet_loss(self.model, subnet, self.images, self.labels))
                cosine, predicted = update_measures(grad, delta)
                probes.append(
                    {
                        "probe": label,
                        "encoding": subnet.encode(),
                        "mflops": self.flops.mflops(subnet),
                        "trained": subnet.encode() in pending["trained"],
                        "loss_before": loss_before,
                        "measured_change": loss_after - loss_before,
                        "predicted_change": predicted,
                        "cosine": cosine,
                    }
                )
        self.directory.append_jsonl(
            INTERFERENCE_FILE,
            {
                "epoch": step.epoch,
                "step": step.step,
                "global_step": step.epoch * step.steps + step.step,
                "lr": step.lr,
                "trained": pending["trained"],
                "probes": probes,
                "pairwise": pending["pairwise"],
            },
        )
        self._spent(wall, cpu)

    def _spent(self, wall: float, cpu: float) -> None:
        self._seconds += time.perf_counter() - wall
        self._cpu_seconds += time.process_time() - cpu

    def on_epoch_start(self, epoch: int, phase: Any) -> None:
        self._seconds = self._cpu_seconds = 0.0

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        record["probe_seconds"] = self._seconds
        record["probe_cpu_seconds"] = self._cpu_seconds

    def on_train_end(self, result: dict[str, Any]) -> None:
        if self.idle:
            return
        epochs = [e for e in self.directory.read_jsonl(EVENTS_FILE).records if e.get("event") == "epoch"]
        result["interference"] = {
            # The probe's share of the training time (all epochs, resumed ones included): timing subtracts it.
            "seconds": sum(float(e.get("probe_seconds", 0.0)) for e in epochs),
            "cpu_seconds": sum(float(e.get("probe_cpu_seconds", 0.0)) for e in epochs),
            "file": INTERFERENCE_FILE,
            "every": self.options.every,
            "probe_images": self.options.probe_images,
            "probes": [{"probe": label, "encoding": s.encode(), "mflops": self.flops.mflops(s)} for label, s in self.panel],
            "unreachable_buckets": self.unreachable,
        }
