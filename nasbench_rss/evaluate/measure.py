"""One subnet's score: BN recalibrated on fixed training images, then a test pass.

The subnet is first extracted from the supernet as a plain network (``extract``: fixed
shapes, copies of its weights), so the supernet itself is never changed; its BN
statistics are recalibrated there exactly as OFA's ``set_running_statistics`` computes
them (see ``recalibrate``), and the test pass runs on a copy made for inference
(``inference_copy``: every BN folded into the conv before it, the 1x1 convs of pooled maps
as matrix products; the same function in eval mode).  Both cut the time a subnet takes (``benchmarks/bench_evaluate.py``).

The calibration and test images are normalised once per cell (not once per subnet, as a
data loader would), laid out as the model wants them (channels_last), and kept on the
device; a subnet's evaluation is then only forward passes.  Accuracy and loss are
accumulated on the device and read back once per subnet.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_rss.arch.static import inference_copy
from nasbench_rss.evaluate.recalibrate import recalibrate_bn
from nasbench_rss.space.subnet import Subnet


@dataclass(frozen=True)
class SubnetScore:
    """Top-1 accuracy (a fraction) and mean cross-entropy on the test images."""

    accuracy: float
    loss: float
    seconds: float


class SubnetEvaluator:
    """Scores subnets of one supernet on one cell's calibration and test images."""

    def __init__(
        self,
        model: nn.Module,
        calibration_images: torch.Tensor,
        test_images: torch.Tensor,
        test_labels: torch.Tensor,
        calibration_batch_size: int,
        batch_size: int,
        autocast_dtype: torch.dtype | None = None,
    ) -> None:
        """Images are normalised float tensors on the model's device (see ``prepare_images``)."""
        if len(calibration_images) < calibration_batch_size:
            raise ValueError(
                f"recalibration_batch_size: {calibration_batch_size} is more than the {len(calibration_images)} calibration images"
            )
        self.model = model
        self.calibration = calibration_images.split(calibration_batch_size)
        self.test_images = test_images
        self.test_labels = test_labels
        self.batch_size = batch_size
        self.autocast_dtype = autocast_dtype
        self.device = test_images.device

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    @torch.inference_mode()
    def test_pass(self, network: nn.Module | None = None) -> tuple[float, float]:
        """(accuracy, mean loss) of ``network`` (default: the model) as it is, on the test images, in eval mode."""
        network = self.model if network is None else network
        network.eval()
        correct = torch.zeros((), dtype=torch.int64, device=self.device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        with self._autocast():
            for images, labels in zip(self.test_images.split(self.batch_size), self.test_labels.split(self.batch_size)):
                logits = network(images).float()
                loss_sum += F.cross_entropy(logits, labels, reduction="sum").double()
                correct += (logits.argmax(1) == labels).sum()
        n = len(self.test_labels)
        return int(correct) / n, float(loss_sum) / n

    def calibrated(self, subnet: Subnet) -> nn.Module:
        """``subnet`` as a plain network with its own BN statistics (OFA's), in eval mode; the model is left as it was."""
        with torch.inference_mode():
            network = self.model.extract(subnet)
            with self._autocast():
                recalibrate_bn(network, self.calibration)
        return network

    def score(self, subnet: Subnet) -> SubnetScore:
        """Extract ``subnet``, recalibrate its BN statistics, test its inference copy."""
        self._synchronize()
        started = time.perf_counter()
        accuracy, loss = self.test_pass(inference_copy(self.calibrated(subnet)))
        self._synchronize()
        return SubnetScore(accuracy, loss, time.perf_counter() - started)
