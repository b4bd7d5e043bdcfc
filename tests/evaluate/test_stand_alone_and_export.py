"""Stand-alone cells (one subnet as its own network) and ``export``: training, evaluation, round trips, refusals."""

from __future__ import annotations

import errno
import json
import os
import pickle
import tempfile

import pytest
import torch

from nasbench_rss.arch import stand_alone as stand_alone_module
from nasbench_rss.arch.stand_alone import StandAloneNetwork
from nasbench_rss.arch.static import ConvBNAct, MBConv, StaticMBNet, Tail, inference_copy, load_metadata, load_network, save_network
from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.cell.planned import PlannedCell
from nasbench_rss.run.runner import RunnerEvents, train_cell
from nasbench_rss.errors import NasbenchError, StorageError
from nasbench_rss.evaluate.cell import calibration_images, load_trained_weights
from nasbench_rss.cli import main
from nasbench_rss.evaluate import export as export_module
from nasbench_rss.evaluate.export import ExportError, export_subnet
from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_OK, EXIT_STORAGE
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


# ------------------------------------------------------------------- export's --out


@pytest.fixture
def no_recalibration(monkeypatch):
    """Fail the test if export starts the recalibration (minutes at full scale): --out is checked before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("export started the recalibration before checking --out")

    monkeypatch.setattr(export_module, "cell_evaluator", refuse)


@pytest.mark.parametrize(
    "case, force, problem",
    [
        ("directory", False, "is a directory"),
        ("dangling link", False, r"is a symbolic link \(it points to nothing\); nasbench-rss never writes through links"),
        ("link to a file", True, "is a symbolic link .*never writes through links"),
        ("missing directory", False, "does not exist"),
        ("file as directory", False, "is not a directory"),
        ("existing file", False, "exists; give --force to replace it"),
    ],
)
def test_export_refuses_an_unusable_out_before_recalibrating(tmp_path, rss_cell, no_recalibration, case, force, problem):
    _, directory = rss_cell
    precious = tmp_path / "someone-elses.pt"
    precious.write_bytes(b"precious")
    out = tmp_path / "net.pt"
    if case == "directory":
        out.mkdir()
    elif case == "dangling link":
        out.symlink_to(tmp_path / "nowhere.pt")
    elif case == "link to a file":
        out.symlink_to(precious)
    elif case == "missing directory":
        out = tmp_path / "missing" / "net.pt"
    elif case == "file as directory":
        out = precious / "net.pt"
    elif case == "existing file":
        out = precious
    with pytest.raises(ExportError, match=problem):
        export_subnet(directory, "smallest", out=out, **({"force": True} if force else {}))
    assert precious.read_bytes() == b"precious"
    assert not (tmp_path / "nowhere.pt").exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_export_cli_refuses_a_directory_as_out_in_one_sentence(tmp_path, rss_cell, no_recalibration, capsys):
    _, directory = rss_cell
    assert main(["export", str(directory), "smallest", "--out", str(tmp_path)]) == EXIT_INVALID
    error = capsys.readouterr().err
    assert f"--out {tmp_path}: is a directory" in error and "Traceback" not in error


def test_export_refuses_a_read_only_out_before_recalibrating(tmp_path, rss_cell, no_recalibration, monkeypatch):
    """A read-only file system (simulated: root may write anywhere else) is a StorageError (exit 3) at once."""
    _, directory = rss_cell

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(StorageError, match=f"cannot write {tmp_path / 'net.pt'}: Read-only file system"):
        export_subnet(directory, "smallest", out=tmp_path / "net.pt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_export_refuses_a_read_only_directory_before_recalibrating(tmp_path, rss_cell, no_recalibration):
    _, directory = rss_cell
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(StorageError, match="Permission denied"):
            export_subnet(directory, "smallest", out=locked / "net.pt")
    finally:
        locked.chmod(0o755)


def test_export_replaces_an_existing_file_only_with_force(tmp_path, rss_cell):
    _, directory = rss_cell
    out = tmp_path / "net.pt"
    out.write_bytes(b"an older export")
    exported = export_subnet(directory, "smallest", out=out, force=True)
    assert load_metadata(out)["subnet"] == exported.metadata["subnet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.pt"]  # no temp file left


def test_export_on_a_full_device_exits_3_naming_the_file_and_keeps_the_old_one(tmp_path, rss_cell, monkeypatch, capsys):
    """The write is atomic: a full device (ENOSPC, as NFS and quotas report it at fsync) leaves no file, or the older one whole."""
    _, directory = rss_cell
    out = tmp_path / "net.pt"

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    assert main(["export", str(directory), "smallest", "--out", str(out)]) == EXIT_STORAGE
    error = capsys.readouterr().err
    assert f"cannot write {out}: No space left on device" in error and "Traceback" not in error
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b"an older export")
    assert main(["export", str(directory), "smallest", "--out", str(out), "--force"]) == EXIT_STORAGE
    assert out.read_bytes() == b"an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.pt"]


def test_export_cli_force_flag(tmp_path, rss_cell, capsys):
    _, directory = rss_cell
    out = tmp_path / "net.pt"
    out.write_bytes(b"an older export")
    assert main(["export", str(directory), "smallest", "--out", str(out)]) == EXIT_INVALID
    assert "exists; give --force to replace it" in capsys.readouterr().err
    assert main(["export", str(directory), "smallest", "--out", str(out), "--force"]) == EXIT_OK
    assert isinstance(load_network(out), StaticMBNet)


# ------------------------------------------------------------ load_network's checks


def small_network() -> StaticMBNet:
    return StaticMBNet(
        ConvBNAct(3, 8, 3, 2, activation="relu"),
        [MBConv(8, 8, 16, 3, 1, "relu", se=True, expand=True)],
        Tail(8, None, 16, False, "relu", 10, 0.0),
    )


def crafted_export(tmp_path, edit) -> str:
    """A file ``save_network`` wrote, its contents then edited as an attacker (or a bug) would."""
    path = tmp_path / "crafted.pt"
    save_network(small_network(), path)
    data = torch.load(path, weights_only=True)
    edit(data)
    torch.save(data, path)
    return str(path)


@pytest.fixture
def no_large_allocation(monkeypatch):
    """Fail (instead of allocating) when a convolution of more than 10^8 weights is built on a real device."""
    real_init = torch.nn.Conv2d.__init__

    def bounded(self, in_channels, out_channels, kernel_size, *args, **kwargs):
        if torch.get_default_device().type != "meta" and in_channels * out_channels > 10**8:
            raise AssertionError(f"allocated a {in_channels} x {out_channels} convolution before checking the record")
        real_init(self, in_channels, out_channels, kernel_size, *args, **kwargs)

    monkeypatch.setattr(torch.nn.Conv2d, "__init__", bounded)


def test_load_network_refuses_insane_sizes_before_allocating(tmp_path, no_large_allocation):
    def huge(data):
        data["architecture"]["blocks"][0]["mid"] = 200000  # 798 GB of a full-size network; 40 GB of this one

    with pytest.raises(ValueError, match=r"blocks\[0\]\.mid: 200000 is not a sane size; allowed: 1 to 65536"):
        load_network(crafted_export(tmp_path, huge))

    def negative(data):
        data["architecture"]["first_conv"]["out_channels"] = -8

    with pytest.raises(ValueError, match=r"first_conv\.out_channels: -8 is not a sane size"):
        load_network(crafted_export(tmp_path, negative))

    def many(data):
        data["architecture"]["blocks"] = data["architecture"]["blocks"] * 100000

    with pytest.raises(ValueError, match="100000 blocks; at most 1024"):
        load_network(crafted_export(tmp_path, many))


def test_load_network_checks_the_record_against_the_state_dict(tmp_path, no_large_allocation):
    def wider(data):
        data["architecture"]["blocks"][0]["mid"] = 24

    with pytest.raises(ValueError, match=r"the architecture record and the state dict disagree: blocks\[0\] .*'mid': 24.* makes "
                       r"blocks\.0\.expand\.conv\.weight \(24, 8, 1, 1\); the state dict holds \(16, 8, 1, 1\)"):
        load_network(crafted_export(tmp_path, wider))

    def extra_block(data):
        data["architecture"]["blocks"].append(dict(data["architecture"]["blocks"][0], in_channels=8))

    with pytest.raises(ValueError, match=r"disagree: .*missing from the state dict: blocks\.1\."):
        load_network(crafted_export(tmp_path, extra_block))

    def stray_tensor(data):
        data["state_dict"]["tail.extra.weight"] = torch.zeros(3)

    with pytest.raises(ValueError, match=r"disagree: .*not in the record's network: tail\.extra\.weight"):
        load_network(crafted_export(tmp_path, stray_tensor))


def test_save_network_writes_atomically_and_never_through_a_link(tmp_path):
    precious = tmp_path / "precious.pt"
    precious.write_bytes(b"precious")
    link = tmp_path / "link.pt"
    link.symlink_to(precious)
    with pytest.raises(StorageError, match="symbolic link"):
        save_network(small_network(), link)
    assert precious.read_bytes() == b"precious"
    save_network(small_network(), tmp_path / "net.pt")
    network = load_network(tmp_path / "net.pt")
    assert json.dumps(network.architecture()) == json.dumps(small_network().architecture())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.pt", "net.pt", "precious.pt"]
