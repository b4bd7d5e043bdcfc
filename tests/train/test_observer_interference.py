"""The interference probe: its measures against direct float64 computations, and that it never changes training."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from nasbench_rss.run.runner import train_cell
from nasbench_rss.train.observers.interference import (
    InterferenceObserver,
    flatten,
    gradient_cosine,
    loss_gradient,
    probing,
    subnet_loss,
    update_measures,
)
from nasbench_rss.train.observers.probe_options import ProbeOptions
from tests.train.test_trainer import assert_same_weights, cell_config, quiet, tiny_float64_supernet, weights


def test_cosine_and_predicted_change_equal_a_direct_float64_computation():
    model, images, labels = tiny_float64_supernet()
    space = model.space
    params = [p for p in model.parameters() if p.requires_grad]
    probe, trained = space.smallest(), space.unrank(space.size // 3)
    with probing(model):
        loss, grad = loss_gradient(model, probe, images, labels, params)
        _, step_grad = loss_gradient(model, trained, images, labels, params)
        step_grads = torch.autograd.grad(subnet_loss(model, trained, images, labels), params, allow_unused=True)
    before = flatten([p.detach() for p in params])
    lr = 1e-5  # small enough for the first order to hold to a few per cent
    with torch.no_grad():  # one plain SGD step on another subnet: the update is -lr times its gradient
        for p, g in zip(params, step_grads):
            if g is not None:
                p -= lr * g
    delta = flatten([p.detach() for p in params]) - before
    cosine, predicted = update_measures(grad, delta)

    g_all, d_all, s_all = grad.numpy(), delta.numpy(), step_grad.numpy()
    np.testing.assert_allclose(d_all, -lr * s_all, rtol=1e-6, atol=1e-15)  # w - lr g - w: rounding of w
    used = g_all != 0
    assert 0 < used.sum() < used.size  # the smallest subnet uses part of the supernet
    expected_dot = float(g_all[used] @ d_all[used])
    expected_cos = -expected_dot / (np.linalg.norm(g_all[used]) * np.linalg.norm(d_all[used]))
    assert predicted == pytest.approx(expected_dot, rel=1e-9)
    assert cosine == pytest.approx(expected_cos, rel=1e-9)
    with probing(model), torch.no_grad():
        measured = float(subnet_loss(model, probe, images, labels)) - loss
    assert measured == pytest.approx(predicted, rel=0.05)  # first order at a small step
    both = (g_all != 0) & (s_all != 0)
    expected_pair = float(g_all[both] @ s_all[both] / (np.linalg.norm(g_all[both]) * np.linalg.norm(s_all[both])))
    assert gradient_cosine(grad, step_grad) == pytest.approx(expected_pair, rel=1e-9)


class TwoBranches(nn.Module):
    """A supernet whose two subnets share no weight: subnet "a" is one linear layer, "b" another."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(6, 3).double(), nn.Linear(6, 3).double()
        self.active = "a"

    def set_active(self, subnet: str) -> None:
        self.active = subnet

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.a if self.active == "a" else self.b)(x)


def test_a_step_on_a_subnet_that_shares_no_weight_with_the_probe_records_no_change():
    torch.manual_seed(1)
    model, x, y = TwoBranches(), torch.randn(10, 6, dtype=torch.float64), torch.arange(10) % 3
    params = list(model.parameters())
    optimizer = torch.optim.SGD(params, lr=0.5, momentum=0.9, weight_decay=0.0)
    loss_b, grad_b = loss_gradient(model, "b", x, y, params)
    before = [p.detach().clone() for p in params]
    optimizer.zero_grad()
    subnet_loss(model, "a", x, y).backward()
    optimizer.step()
    delta = flatten([p.detach() for p in params]) - flatten(before)
    cosine, predicted = update_measures(grad_b, delta)
    assert cosine is None and predicted == 0.0
    assert float(subnet_loss(model, "b", x, y).detach()) - loss_b == 0.0
    loss_a, grad_a = loss_gradient(model, "a", x, y, params)
    assert gradient_cosine(grad_a, grad_b) is None  # nothing used by both
    assert update_measures(grad_a, delta)[0] is not None


@pytest.mark.slow
def test_the_probe_never_changes_training_and_writes_one_line_per_probed_step(tmp_path):
    config = cell_config(sampler="per-batch", sampler_options={"k": 2}, epochs=2, dropout=0.3)
    plain = train_cell(config, tmp_path / "plain", device="cpu", events=quiet)
    probed = train_cell(config, tmp_path / "probed", device="cpu", events=quiet, observers=(InterferenceObserver(ProbeOptions(every=3)),))
    assert_same_weights(weights(tmp_path / "plain"), weights(tmp_path / "probed"), atol=0)
    assert plain["weights"] == probed["weights"]
    lines = [json.loads(line) for line in (tmp_path / "probed" / "interference.jsonl").read_text().splitlines()]
    assert [line["global_step"] for line in lines] == [0, 3, 6]  # 4 steps per epoch, 2 epochs
    labels = [p["probe"] for p in lines[0]["probes"]]
    assert labels == ["smallest", "4", "6", "8", "largest"]  # the evaluation's buckets that 16x16 images reach
    for line in lines:
        assert len(line["trained"]) == 2 and [(p["a"], p["b"]) for p in line["pairwise"]] == [(0, 1)]
        assert -1 <= line["pairwise"][0]["cosine"] <= 1
        for probe in line["probes"]:
            assert -1 <= probe["cosine"] <= 1 and probe["loss_before"] > 0
            assert isinstance(probe["measured_change"], float) and isinstance(probe["predicted_change"], float)
    assert probed["interference"]["every"] == 3 and len(probed["interference"]["probes"]) == 5
    assert probed["interference"]["unreachable_buckets"] == ["10", "12", "14"]
    events = [json.loads(line) for line in (tmp_path / "probed" / "events.jsonl").read_text().splitlines()]
    assert all(e["probe_seconds"] > 0 and e["probe_cpu_seconds"] > 0 for e in events)
    assert probed["interference"]["seconds"] == pytest.approx(sum(e["probe_seconds"] for e in events))
    assert probed["interference"]["cpu_seconds"] == pytest.approx(sum(e["probe_cpu_seconds"] for e in events))
    assert probed["interference"]["seconds"] < probed["train_seconds"]


@pytest.mark.slow
def test_probe_records_survive_a_resume_exactly(tmp_path):
    config = cell_config(sampler="rss", epochs=3)

    def probe():
        return (InterferenceObserver(ProbeOptions(every=2, probes=["smallest", "middle"], pairwise=False)),)

    train_cell(config, tmp_path / "whole", device="cpu", events=quiet, observers=probe())
    out = tmp_path / "pieces"
    assert train_cell(config, out, device="cpu", events=quiet, epoch_limit=1, observers=probe()) is None
    with open(out / "interference.jsonl", "a") as file:  # as if killed after a probed step of epoch 1, before its checkpoint
        file.write(json.dumps({"epoch": 1, "step": 0, "stale": True}) + "\n")
    train_cell(config, out, device="cpu", events=quiet, observers=probe())
    assert (out / "interference.jsonl").read_text() == (tmp_path / "whole" / "interference.jsonl").read_text()


def test_bad_probe_options_are_clear_errors(tmp_path):
    with pytest.raises(Exception, match="probe_images 4096 is more than the cell's 128 training images"):
        train_cell(cell_config(epochs=1), tmp_path / "a", device="cpu", events=quiet, observers=(InterferenceObserver(ProbeOptions(probe_images=4096)),))
    with pytest.raises(Exception, match="probes: 'bogus' is not one of smallest, middle, largest"):
        train_cell(cell_config(epochs=1), tmp_path / "b", device="cpu", events=quiet, observers=(InterferenceObserver(ProbeOptions(probes=["bogus"])),))


def test_the_probe_leaves_a_stand_alone_reference_alone(tmp_path):
    """A suite's observers reach its references; a stand-alone network shares no weights, so nothing is probed."""
    config = cell_config(sampler="stand-alone", sampler_options={"subnet": "smallest"}, epochs=1)
    plain = train_cell(config, tmp_path / "plain", device="cpu", events=quiet)
    probed = train_cell(config, tmp_path / "probed", device="cpu", events=quiet, observers=(InterferenceObserver(ProbeOptions(every=1)),))
    assert probed["weights"] == plain["weights"] and "interference" not in probed
    assert not (tmp_path / "probed" / "interference.jsonl").exists()
