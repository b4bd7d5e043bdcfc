"""Stand-alone cells (one subnet as its own network) and ``export``: training, evaluation, round trips, refusals."""

from __future__ import annotations

import pickle

import pytest
import torch

from nasbench_rss.arch import stand_alone as stand_alone_module
from nasbench_rss.arch.stand_alone import StandAloneNetwork
from nasbench_rss.arch.static import StaticMBNet, inference_copy, load_metadata, load_network
from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.cell.planned import PlannedCell
from nasbench_rss.run.runner import RunnerEvents, train_cell
from nasbench_rss.errors import NasbenchError
from nasbench_rss.evaluate.cell import calibration_images, load_trained_weights
from nasbench_rss.evaluate.export import ExportError, export_subnet
from nasbench_rss.evaluate.recalibrate import recalibrate_bn
from nasbench_rss.runtime.build import build_cell
from tests.evaluate.test_evaluate_cell import EVALUATION, cell_config, evaluate_cell, evaluator

SUBNET = "3334-5353-7436-3333-5454"


def planned(tmp_path, name: str, **kwargs):
    """A trained cell with its ``cell.json`` (what a run writes), built anew in memory."""
    config = cell_config(**kwargs)
    directory = tmp_path / name
    train_cell(config, directory, "cpu", events=RunnerEvents(quiet=True))
    CellDirectory(directory).write_planned(PlannedCell(name, config.arch, config.dataset, config.seed, config, EVALUATION))
    return build_cell(config, torch.device("cpu")), directory


@pytest.fixture(scope="module")
def rss_cell(tmp_path_factory):
    return planned(tmp_path_factory.mktemp("export"), "rss")


@pytest.fixture(scope="module")
def stand_alone_cell(tmp_path_factory):
    return planned(tmp_path_factory.mktemp("stand-alone"), "references", sampler="stand-alone", sampler_options={"subnet": SUBNET})


# ------------------------------------------------------------------ static networks


def test_inference_copy_computes_what_the_network_computes(arch, one_thread):
    from tests.conftest import PAPER_SHAPE

    supernet = arch.build(PAPER_SHAPE)
    torch.manual_seed(0)
    supernet.train()
    with torch.no_grad():  # BN statistics that are not the identity
        for _ in range(3):
            supernet(torch.randn(16, 3, 32, 32))
    for subnet in (supernet.space.smallest(), supernet.space.largest()):
        network = supernet.extract(subnet).eval()
        fast = inference_copy(network)
        x = torch.randn(8, 3, 32, 32)
        with torch.no_grad():
            torch.testing.assert_close(fast(x), network(x), rtol=1e-4, atol=1e-5)
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fast.modules())
        assert any(isinstance(m, torch.nn.BatchNorm2d) for m in network.modules())  # the original is left alone


def test_architecture_record_rebuilds_the_network(arch):
    from tests.conftest import PAPER_SHAPE

    supernet = arch.build(PAPER_SHAPE)
    network = supernet.extract(supernet.space.largest()).eval()
    rebuilt = StaticMBNet.from_architecture(network.architecture())
    rebuilt.load_state_dict(network.state_dict())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt.eval()(x), network(x))
    with pytest.raises(ValueError, match="not a StaticMBNet architecture record"):
        StaticMBNet.from_architecture({"blocks": []})


# -------------------------------------------------------------- stand-alone cells


def test_a_stand_alone_cell_trains_its_own_network_from_scratch(stand_alone_cell):
    cell, directory = stand_alone_cell
    model = cell.model
    assert isinstance(model, StandAloneNetwork) and model.active.encode() == SUBNET and not model.compiled
    assert all(key.startswith("net.") for key in model.state_dict())
    # he_fout on the network's own shapes: a 3x3 depthwise conv of C channels gets std sqrt(2 / (9 C))
    layer = model.net.blocks[1].depthwise.conv
    k, c = layer.kernel_size[0], layer.out_channels
    assert layer.weight.std().item() == pytest.approx((2 / (k * k * c)) ** 0.5, rel=0.35)
    with pytest.raises(NasbenchError, match=f"allowed: {SUBNET} only"):
        model.set_active(model.space.largest())


def test_a_stand_alone_cell_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path, stand_alone_cell):
    _, directory = stand_alone_cell
    config = cell_config(sampler="stand-alone", sampler_options={"subnet": SUBNET})
    train_cell(config, tmp_path / "halves", "cpu", events=RunnerEvents(quiet=True), epoch_limit=1)
    result = train_cell(config, tmp_path / "halves", "cpu", events=RunnerEvents(quiet=True))
    assert result["weights"] == CellDirectory(directory).read_json("result.json")["weights"]


def test_a_stand_alone_cell_is_evaluated_on_its_subnet_only(tmp_path, stand_alone_cell):
    cell, directory = stand_alone_cell
    evaluation = evaluate_cell(cell, directory, EVALUATION, "references/seed0")
    measured = [s for b in evaluation["buckets"] for s in b["subnets"]]
    assert {s["encoding"] for s in measured} == {SUBNET}
    record = evaluation["stand_alone"]
    assert record["encoding"] == SUBNET
    mflops = record["mflops"]
    assert all(abs(b["target"] - mflops) <= b["tolerance"] for b in evaluation["buckets"] if b["subnets"])
    # the number is the network's own: recalibrated on the evaluation's images, tested on the cell's
    load_trained_weights(cell, CellDirectory(directory))
    score = evaluator(cell).score(cell.model.active)
    assert record["accuracy"] == score.accuracy


def test_a_failing_torch_compile_falls_back_to_eager_once(monkeypatch, stand_alone_cell):
    cell, _ = stand_alone_cell
    calls, logged = [], []

    def broken_compile(module):
        def compiled(x):
            calls.append(x.shape)
            raise RuntimeError("inductor: no working C++ compiler found")

        return compiled

    monkeypatch.setattr(stand_alone_module.torch, "compile", broken_compile)
    network = StandAloneNetwork(cell.model.net, cell.model.subnet, compile=True, log=logged.append)
    network.train()
    x = cell.augmenter.evaluate(cell.dataset.train_images[:4])
    out = network(x)
    assert network(x).shape == out.shape and len(calls) == 1 and not network.compiled
    assert logged == ["torch.compile failed (RuntimeError: inductor: no working C++ compiler found); training eagerly"]


# ---------------------------------------------------------------------------- export


def test_export_round_trips_to_the_supernet_with_that_subnet_active(tmp_path, rss_cell):
    cell, directory = rss_cell
    path = tmp_path / "largest.pt"
    exported = export_subnet(directory, "largest", out=path)
    network = load_network(path)
    assert isinstance(network, StaticMBNet) and not network.training
    # the supernet, that subnet active, BN recalibrated in place on the same images: the same outputs
    load_trained_weights(cell, CellDirectory(directory))
    model = cell.model
    model.set_active(model.space.largest())
    recalibrate_bn(model, calibration_images(cell, EVALUATION).split(EVALUATION.recalibration_batch_size))
    x = cell.augmenter.evaluate(cell.dataset.test_images)
    # The cell's memory format: this barely trained network's BN on 1x1 maps has tiny variances that turn the
    # rounding differences of another format (1e-6) into 1e-3 in the logits.
    network = network.to(memory_format=torch.channels_last)
    with torch.no_grad():
        torch.testing.assert_close(network(x), model.eval()(x), rtol=1e-5, atol=1e-6)
    metadata = load_metadata(path)
    assert metadata["subnet"] == model.space.largest().encode() == exported.metadata["subnet"]
    assert metadata["weights"] == CellDirectory(directory).read_json("result.json")["weights"]
    assert metadata["input"]["channels"] == 1 and metadata["input"]["image_size"] == 16


def test_export_best_in_bucket_picks_the_evaluations_most_accurate_subnet(tmp_path, rss_cell):
    cell, directory = rss_cell
    with pytest.raises(ExportError, match="not evaluated"):
        export_subnet(directory, best_bucket=5, out=tmp_path / "x.pt")
    evaluation = evaluate_cell(cell, directory, EVALUATION, "rss/seed0")
    bucket = next(b for b in evaluation["buckets"] if b["label"] == "5")
    best = max(bucket["subnets"], key=lambda s: (s["accuracy"], -s["index"]))
    exported = export_subnet(directory, best_bucket=5, out=tmp_path / "best.pt")
    assert exported.metadata["subnet"] == best["encoding"]
    assert exported.metadata["test"]["accuracy"] == best["accuracy"]  # the evaluation measured this very network
    with pytest.raises(ExportError, match="not a bucket of this cell's evaluation; allowed: 3, 5, 7, 9"):
        export_subnet(directory, best_bucket=6, out=tmp_path / "y.pt")
    with pytest.raises(ExportError, match="no evaluated subnet"):
        export_subnet(directory, best_bucket=9, out=tmp_path / "z.pt")


def test_export_refuses_what_it_cannot_export(tmp_path, rss_cell):
    _, directory = rss_cell
    with pytest.raises(NasbenchError, match=r"9 not allowed; allowed: \[3, 5, 7\]"):
        export_subnet(directory, "3333-3333-9999-3333-3333", out=tmp_path / "x.pt")
    with pytest.raises(ExportError, match="not a multiple of recalibration_batch_size 32"):
        export_subnet(directory, "smallest", out=tmp_path / "x.pt", recalibrate=40)
    with pytest.raises(ExportError, match="one of them"):
        export_subnet(directory, "smallest", best_bucket=5)
    with pytest.raises(ExportError, match="not a cell directory"):
        export_subnet(tmp_path, "smallest")
    assert not (tmp_path / "x.pt").exists()


class _Payload:
    def __reduce__(self):
        return (open, ("/tmp/nasbench-rss-pwned", "w"))


def test_load_network_runs_no_pickled_code(tmp_path):
    crafted = tmp_path / "crafted.pt"
    torch.save({"format": "nasbench-rss-static-network/1", "architecture": _Payload(), "state_dict": {}, "metadata": {}}, crafted)
    with pytest.raises(pickle.UnpicklingError):
        load_network(crafted)
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a network exported by nasbench-rss"):
        load_network(tmp_path / "other.pt")
