"""The trainer end to end on small synthetic data (16x16, a few steps per epoch)."""

from __future__ import annotations

import json
import math

import pytest
import torch

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.data.torchvision_data import DEBIAN_FASHION_MNIST_DIR
from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.run.runner import RunnerEvents, train_cell
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.train import loop as loop_module
from nasbench_rss.runtime.build import build_cell
from nasbench_rss.config.training import CellConfig
from nasbench_rss.train.distill import soft_cross_entropy
from nasbench_rss.train.loop import CellMismatch, TrainingDiverged, accumulate_gradients, candidate_losses

SYNTHETIC = {"train_size": 128, "test_size": 32, "num_classes": 4, "channels": 1, "image_size": 16}


def cell_config(sampler="rss", epochs=3, seed=0, sampler_options=None, **train) -> CellConfig:
    return CellConfig(
        arch="mobilenet-v3",
        dataset="synthetic",
        dataset_options=SYNTHETIC,
        sampler=sampler,
        sampler_options=sampler_options or {},
        epochs=epochs,
        seed=seed,
        train={"batch_size": 32, "image_size": 16, **train},
    )


def read_events(out):
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def checkpoint(out) -> dict:
    epochs, path = CellDirectory(out).latest_checkpoint()
    return torch.load(path, weights_only=True)


def weights(out) -> dict[str, torch.Tensor]:
    return checkpoint(out)["model"]


def assert_same_weights(a: dict, b: dict, atol: float = 1e-6) -> None:
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], atol=atol, rtol=0, msg=name)


class Quiet(RunnerEvents):
    """No log lines; records every step event."""

    def __init__(self) -> None:
        super().__init__(quiet=True)
        self.steps: list[tuple[int, int, int]] = []

    def step(self, epoch: int, done: int, steps: int) -> None:
        self.steps.append((epoch, done, steps))


quiet = Quiet()


def test_cell_writes_config_events_checkpoint_and_result(tmp_path):
    result = train_cell(cell_config(epochs=2), tmp_path, device="cpu", events=quiet)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["sampler_options"]["distribution"] == "per-dimension"
    assert config["train"]["lr"] == 0.01 and config["train"]["momentum"] == 0.9  # defaults resolved
    assert config["dataset_options"]["train_size"] == 128

    events = read_events(tmp_path)
    assert [e["epoch"] for e in events] == [0, 1]
    for e in events:
        assert e["phase"] == "train" and e["steps"] == 4 and e["images"] == 128
        assert len(e["subnets"]) == 1 and e["subnets"][0]["steps"] == 4  # one subnet per epoch
        assert e["seconds"] > 0 and e["images_per_second"] == pytest.approx(128 / e["seconds"])
        assert e["cpu_seconds"] > 0 and e["threads"] == 1  # training.threads, the default
        assert e["load_average"] is None or e["load_average"] >= 0
        assert 0 <= e["train_accuracy"] <= 1 and e["train_loss"] > 0
    assert events[0]["lr_start"] == pytest.approx(0.01)
    table = MOBILENET_V3_ARCH.flops_table(Shape(1, 4, 16))
    for e in events:
        row = e["subnets"][0]
        assert row["mflops"] == table.mflops(Subnet.decode(table.space, row["encoding"]))

    assert result["train_seconds"] == pytest.approx(sum(e["seconds"] for e in events))
    assert result["train_cpu_seconds"] == pytest.approx(sum(e["cpu_seconds"] for e in events))
    assert result["epoch_cpu_seconds"] == [e["cpu_seconds"] for e in events] and result["cpu_count"] >= 1
    assert result["exposure"]["total_subnet_steps"] == 8
    assert sum(result["exposure"]["buckets"].values()) == 8
    assert result["provenance"]["device"] == "cpu" and result["provenance"]["threads"] == 1
    assert json.loads((tmp_path / "result.json").read_text()) == result


def test_loss_falls_on_synthetic_data(tmp_path):
    config = cell_config(sampler="single", sampler_options={"subnet": "smallest"}, epochs=6, lr=0.05, augmentation="none")
    train_cell(config, tmp_path, device="cpu", events=quiet)
    losses = [e["train_loss"] for e in read_events(tmp_path)]
    assert losses[-1] < 0.7 * losses[0], losses


@pytest.mark.slow
def test_same_seed_same_subnets_and_weights_other_seed_differs(tmp_path):
    runs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        train_cell(cell_config(sampler="per-batch", sampler_options={"k": 2}, epochs=2, seed=seed), tmp_path / name, device="cpu", events=quiet)
        runs[name] = ([e["subnets"] for e in read_events(tmp_path / name)], weights(tmp_path / name))
    assert runs["a"][0] == runs["b"][0]
    assert_same_weights(runs["a"][1], runs["b"][1], atol=0)
    assert runs["a"][0] != runs["c"][0]


def test_global_torch_rng_is_left_alone(tmp_path):
    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    train_cell(cell_config(epochs=1), tmp_path, device="cpu", events=quiet)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sampler", "epochs", "stops"),
    [
        ("rss", 4, (2,)),
        ("per-batch", 3, (1,)),
        # 6 epochs: one per phase; stops land inside the kernel phase's teacher use and
        # right before each expand phase's channel re-organisation
        ("progressive-shrinking", 6, (1, 3, 4)),
    ],
)
def test_resume_ends_with_the_weights_of_an_uninterrupted_run(tmp_path, sampler, epochs, stops):
    config = cell_config(sampler=sampler, epochs=epochs)
    whole = train_cell(config, tmp_path / "whole", device="cpu", events=quiet)

    out = tmp_path / "pieces"
    done = 0
    for stop in stops:
        assert train_cell(config, out, device="cpu", events=quiet, epoch_limit=stop - done) is None
        done = stop
        assert not (out / "result.json").exists()
        assert len(read_events(out)) == stop
    pieces = train_cell(config, out, device="cpu", events=quiet)

    assert_same_weights(weights(tmp_path / "whole"), weights(out))
    strip = lambda events: [{k: v for k, v in e.items() if k not in ("seconds", "cpu_seconds", "load_average", "images_per_second")} for e in events]
    assert strip(read_events(out)) == strip(read_events(tmp_path / "whole"))
    assert pieces["exposure"] == whole["exposure"]


def test_events_of_an_epoch_without_checkpoint_are_dropped_on_resume(tmp_path):
    config = cell_config(epochs=3)
    train_cell(config, tmp_path, device="cpu", events=quiet, epoch_limit=1)
    with open(tmp_path / "events.jsonl", "a") as file:  # as if killed after the event, before the checkpoint
        file.write(json.dumps({"event": "epoch", "epoch": 1, "stale": True}) + "\n")
    train_cell(config, tmp_path, device="cpu", events=quiet)
    events = read_events(tmp_path)
    assert [e["epoch"] for e in events] == [0, 1, 2]
    assert not any(e.get("stale") for e in events)


def ofa_learning_rate(init_lr: float, epoch: int, batch: int, n_batches: int, n_epochs: int, warmup_epochs: int = 0) -> float:
    """OFA's rate, written from its source: warmup_adjust_learning_rate (run_config.py:76-83) from warmup_lr =
    base_lr = init_lr / 32 (train_ofa_net.py:164-166, 32 GPUs), then calc_learning_rate's cosine over n_epochs
    (pytorch_utils.py:226-237) from epoch - warmup_epochs."""
    if epoch < warmup_epochs:
        warmup_lr = init_lr / 32
        t_cur, t_total = epoch * n_batches + batch + 1, warmup_epochs * n_batches
        return t_cur / t_total * (init_lr - warmup_lr) + warmup_lr
    t = (epoch - warmup_epochs) * n_batches + batch
    return 0.5 * init_lr * (1 + math.cos(math.pi * t / (n_epochs * n_batches)))


PS_PHASES = [2, 2, 1, 2, 1, 2]  # 10 epochs; 4 steps each
PS_WARMUPS = [0, 1, 0, 1, 0, 1]


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["per-phase", "global-tail"])
def test_progressive_shrinking_phase_rates_at_their_first_and_last_step(tmp_path, policy):
    options = {"phase_epochs": PS_PHASES, "lr_schedule": policy}
    if policy == "per-phase":
        options["warmup_epochs"] = PS_WARMUPS[1:]
    else:
        options["lr_divisors"] = [2.7, 32.5, 10.8, 32.5, 10.8]
    train_cell(cell_config(sampler="progressive-shrinking", epochs=10, sampler_options=options), tmp_path, device="cpu", events=quiet)
    events = read_events(tmp_path)
    divisors = [1.0, *(options.get("lr_divisors") or [2.6 / 0.96, 32.5, 2.6 / 0.24, 32.5, 2.6 / 0.24])]
    start = 0
    for index, (length, divisor) in enumerate(zip(PS_PHASES, divisors)):
        first, last = events[start], events[start + length - 1]
        assert first["epoch"] == start and first["phase_index"] == index and first["steps"] == 4
        init_lr = 0.01 / divisor
        if policy == "per-phase":  # OFA: each task its own run; epochs counted from the task's start
            warmup = PS_WARMUPS[index]
            expected_first = ofa_learning_rate(init_lr, 0, 0, 4, length - warmup, warmup)
            expected_last = ofa_learning_rate(init_lr, length - 1, 3, 4, length - warmup, warmup)
        else:  # the paper's code: one cosine of n_epochs = the epochs up to the task's end, resumed at its start
            end = start + length
            expected_first = ofa_learning_rate(init_lr, start, 0, 4, end)
            expected_last = ofa_learning_rate(init_lr, end - 1, 3, 4, end)
        assert first["lr_start"] == pytest.approx(expected_first, rel=1e-12), (policy, index)
        assert last["lr_end"] == pytest.approx(expected_last, rel=1e-12), (policy, index)
        start += length
    if policy == "per-phase":  # the kernel phase's warm-up epoch rises from 1/32 of its rate to the rate
        rate = 0.01 / divisors[1]
        assert (events[2]["lr_start"], events[2]["lr_end"]) == pytest.approx((rate * (1 / 32 + 31 / 32 / 4), rate))


@pytest.mark.slow
def test_progressive_shrinking_phases_subnets_and_teacher(tmp_path):
    result = train_cell(cell_config(sampler="progressive-shrinking", epochs=6), tmp_path, device="cpu", events=quiet)
    events = read_events(tmp_path)
    assert [e["phase"] for e in events] == ["supernet", "kernel", "depth-1", "depth-2", "expand-1", "expand-2"]
    scales = [1, 0.96 / 2.6, 0.08 / 2.6, 0.24 / 2.6, 0.08 / 2.6, 0.24 / 2.6]
    assert [e["lr_start"] for e in events] == pytest.approx([0.01 * s for s in scales])
    per_step = [sum(row["steps"] for row in e["subnets"]) // e["steps"] for e in events]
    assert per_step == [1, 1, 2, 2, 4, 4]
    largest = MOBILENET_V3_ARCH.space().largest().encode()
    assert [row["encoding"] for row in events[0]["subnets"]] == [largest]
    assert checkpoint(tmp_path)["teacher"] is not None
    assert result["exposure"]["total_subnet_steps"] == sum(4 * p for p in per_step)


@pytest.mark.slow
@pytest.mark.parametrize(("sort_channels", "expected"), [(True, [(4, 0), (5, 1)]), (False, [])])
def test_channels_are_sorted_exactly_before_the_expand_phases(tmp_path, monkeypatch, sort_channels, expected):
    calls = []
    original = loop_module.Trainer._start_phase

    def spy(self, phase):
        model = self.model
        real = model.reorganize_channels
        model.reorganize_channels = lambda stage: (calls.append((self.next_epoch, stage)), real(stage))[1]
        try:
            original(self, phase)
        finally:
            del model.reorganize_channels

    monkeypatch.setattr(loop_module.Trainer, "_start_phase", spy)
    config = cell_config(sampler="progressive-shrinking", epochs=6, sampler_options={"sort_channels": sort_channels})
    train_cell(config, tmp_path, device="cpu", events=quiet)
    assert calls == expected


PAPER_CODE_PS = {"lr_schedule": "global-tail", "sort_channels": False, "teacher": "untrained", "fresh_optimizer": False}


@pytest.mark.slow
@pytest.mark.parametrize("fresh", [True, False])
@pytest.mark.parametrize("resumed", [False, True])
def test_the_optimizer_is_new_at_each_phase_or_carried_over(tmp_path, monkeypatch, fresh, resumed):
    """At the kernel phase's start: an empty optimizer state, or the supernet phase's momentum (also after a resume there)."""
    seen = {}
    original = loop_module.Trainer._start_phase

    def spy(self, phase):
        momentum = {n: self.optimizer.state[p]["momentum_buffer"].clone() for n, p in self.model.named_parameters()
                    if self.optimizer is not None and "momentum_buffer" in self.optimizer.state.get(p, {})}  # fmt: skip
        original(self, phase)
        after = {n: self.optimizer.state[p]["momentum_buffer"].clone() for n, p in self.model.named_parameters()
                 if "momentum_buffer" in self.optimizer.state.get(p, {})}  # fmt: skip
        seen[phase.name] = (momentum, after)

    monkeypatch.setattr(loop_module.Trainer, "_start_phase", spy)
    config = cell_config(sampler="progressive-shrinking", epochs=6, sampler_options={**PAPER_CODE_PS, "fresh_optimizer": fresh})
    if resumed:  # stop after the supernet phase: the kernel phase starts from the checkpoint
        train_cell(config, tmp_path, device="cpu", events=quiet, epoch_limit=1)
        assert checkpoint(tmp_path)["optimizer"]["state"]  # the supernet phase's momentum is saved
    train_cell(config, tmp_path, device="cpu", events=quiet, epoch_limit=1 if resumed else 2)
    before, after = seen["kernel"]
    if fresh:
        assert after == {}  # a new optimizer: no momentum yet
    else:
        assert after and before.keys() == after.keys()  # the supernet phase's momentum (restored, when resumed)
        for name in before:
            torch.testing.assert_close(after[name], before[name], atol=0, rtol=0)


@pytest.mark.slow
def test_a_paper_code_cell_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path):
    """Carried momentum and the untrained teacher survive a resume at a phase boundary and mid-run."""
    config = cell_config(sampler="progressive-shrinking", epochs=6, sampler_options=PAPER_CODE_PS)
    train_cell(config, tmp_path / "whole", device="cpu", events=quiet)
    done = 0
    for stop in (1, 2, 4):
        train_cell(config, tmp_path / "pieces", device="cpu", events=quiet, epoch_limit=stop - done)
        done = stop
    train_cell(config, tmp_path / "pieces", device="cpu", events=quiet)
    assert_same_weights(weights(tmp_path / "whole"), weights(tmp_path / "pieces"))


@pytest.mark.parametrize("teacher", ["snapshot", "untrained"])
def test_the_teacher_never_runs_dropout(tmp_path, teacher):
    config = cell_config(sampler="progressive-shrinking", epochs=6, dropout=0.5, sampler_options={"teacher": teacher})
    cell = build_cell(config, torch.device("cpu"))
    trainer = loop_module.Trainer(cell, CellDirectory(tmp_path), log=lambda line: None)
    trainer.run(epoch_limit=2)  # the supernet phase, then the first distilling phase builds or keeps the teacher
    model = trainer.teacher
    assert model is not None and not any(p.requires_grad for p in model.parameters())
    dropouts = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts and all(m.p == 0.0 for m in dropouts)
    model.train()  # as the trainer runs it: BN batch statistics, so only dropout could make two calls differ
    inputs = cell.augmenter.evaluate(cell.dataset.train_images[:32])
    with torch.no_grad():
        torch.testing.assert_close(model(inputs), model(inputs), atol=0, rtol=0)
    student = cell.model.extract(cell.model.space.largest()).train()
    with torch.no_grad():  # the student keeps its dropout: two calls differ (the check above can fail)
        assert not torch.equal(student(inputs), student(inputs))


@pytest.mark.slow
def test_an_untrained_teacher_is_a_fresh_network_with_torchs_default_init(tmp_path):
    config = cell_config(sampler="progressive-shrinking", epochs=6, sampler_options={"teacher": "untrained"})
    runs = []
    for name in ("a", "b"):
        cell = build_cell(config, torch.device("cpu"))
        trainer = loop_module.Trainer(cell, CellDirectory(tmp_path / name), log=lambda line: None)
        trainer.run(epoch_limit=2)
        runs.append((trainer, cell))
    (first, cell), (second, _) = runs
    assert_same_weights(first.teacher.state_dict(), second.teacher.state_dict(), atol=0)  # from the cell's seed
    snapshot = cell.model.extract(cell.model.space.largest()).state_dict()
    differs = [k for k, v in first.teacher.state_dict().items() if v.is_floating_point() and not torch.equal(v, snapshot[k])]
    assert differs  # not the trained supernet
    convs = [m for m in first.teacher.modules() if isinstance(m, torch.nn.Conv2d) and m.groups == 1 and m.kernel_size == (1, 1)]
    # torch's default conv init is U(+-1/sqrt(fan_in)); he_fout would be N(0, 2/out) and exceed that bound
    for conv in convs:
        assert conv.weight.abs().max() <= 1 / math.sqrt(conv.weight[0].numel()) + 1e-6


def tiny_float64_supernet() -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """A float64 MobileNetV3 supernet for 16x16 greyscale images, 8 random images and their labels (seeded; the
    global RNG is left as it was)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = MOBILENET_V3_ARCH.build(Shape(1, 4, 16), MOBILENET_V3_ARCH.space(), dropout=0.0).double()
        inputs = torch.randn(8, 1, 16, 16, dtype=torch.float64)
    return model, inputs, torch.arange(8) % 4


def test_summed_gradients_equal_the_sum_of_single_subnet_gradients():
    model, inputs, labels = tiny_float64_supernet()
    space = model.space
    subnets = [space.smallest(), space.largest(), space.unrank(space.size // 3)]

    def grads(chosen):
        model.zero_grad(set_to_none=True)
        accumulate_gradients(model, chosen, inputs, labels)
        return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    single = [grads([s]) for s in subnets]
    summed = grads(subnets)
    for name, grad in summed.items():
        expected = sum(g[name] for g in single if name in g)
        torch.testing.assert_close(grad, expected, atol=1e-12, rtol=1e-9)
    assert set(summed) == set().union(*single)


def test_inplace_distillation_trains_the_first_subnet_on_labels_and_the_others_on_its_outputs():
    model, inputs, labels = tiny_float64_supernet()
    space = model.space
    largest, smallest = space.largest(), space.smallest()
    model.zero_grad(set_to_none=True)
    losses, _ = accumulate_gradients(model, [largest, smallest], inputs, labels, inplace_distillation=True)
    summed = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    model.zero_grad(set_to_none=True)
    model.set_active(largest)
    teacher = model(inputs)
    expected_first = torch.nn.functional.cross_entropy(teacher.float(), labels)  # as the loop: the loss in float32
    expected_first.backward()
    model.set_active(smallest)
    expected_second = soft_cross_entropy(model(inputs), teacher.detach())
    expected_second.backward()
    torch.testing.assert_close(losses, torch.stack([expected_first, expected_second]).detach())
    for name, param in model.named_parameters():
        if param.grad is not None:
            torch.testing.assert_close(summed[name], param.grad, atol=1e-10, rtol=1e-7)  # no gradient through the targets


def test_candidate_losses_change_nothing_and_run_without_dropout():
    space = MOBILENET_V3_ARCH.space()
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = MOBILENET_V3_ARCH.build(Shape(1, 4, 16), space, dropout=0.5)
        inputs = torch.randn(8, 1, 16, 16)
    labels = torch.arange(8) % 4
    model.train()
    candidates = [space.smallest(), space.unrank(space.size // 2)]
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    rng_before = torch.get_rng_state()
    first = candidate_losses(model, candidates, inputs, labels)
    assert candidate_losses(model, candidates, inputs, labels) == first  # no dropout noise
    assert torch.equal(torch.get_rng_state(), rng_before)
    assert all(torch.equal(p, before[n]) for n, p in model.named_parameters()) and all(p.grad is None for p in model.parameters())
    assert all(m.training for m in model.modules())
    model.eval()
    model.set_active(candidates[1])
    with torch.no_grad():
        # Batch statistics in train mode differ from eval's running statistics, so compare in train mode by hand.
        model.train()
        for m in model.modules():
            if isinstance(m, torch.nn.Dropout):
                m.eval()
        direct = torch.nn.functional.cross_entropy(model(inputs), labels)
    assert first[1] == pytest.approx(float(direct), rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize(("sampler", "options"), [("sandwich", {"k": 1}), ("attentive", {"k": 1, "candidates": 2}), ("strict-fair", {})])
def test_the_fields_samplers_train_a_cell_and_resume_exactly(tmp_path, sampler, options):
    config = cell_config(sampler=sampler, sampler_options=options, epochs=2)
    whole = train_cell(config, tmp_path / "whole", device="cpu", events=quiet)
    out = tmp_path / "pieces"
    assert train_cell(config, out, device="cpu", events=quiet, epoch_limit=1) is None
    train_cell(config, out, device="cpu", events=quiet)
    assert_same_weights(weights(tmp_path / "whole"), weights(out))
    per_step = {"sandwich": 3, "attentive": 3, "strict-fair": 9}[sampler]
    assert whole["exposure"]["total_subnet_steps"] == 2 * 4 * per_step


def test_nan_loss_stops_the_cell_naming_epoch_and_step_and_keeps_earlier_files(tmp_path, monkeypatch):
    config = cell_config(epochs=3)
    calls = {"n": 0}
    real = loop_module.F.cross_entropy

    def poisoned(logits, labels, **kwargs):
        calls["n"] += 1
        loss = real(logits, labels, **kwargs)
        return loss * float("nan") if calls["n"] == 4 + 3 else loss  # epoch 1, step 2 (4 steps per epoch)

    monkeypatch.setattr(loop_module.F, "cross_entropy", poisoned)
    # Epochs and steps counted from 1 in messages (the issue: "the checkpoint of epoch -1").
    with pytest.raises(TrainingDiverged, match=r"at epoch 2 step 3 .*the checkpoint after epoch 1 "):
        train_cell(config, tmp_path, device="cpu", events=quiet)
    events = read_events(tmp_path)
    assert [e["event"] for e in events] == ["epoch", "diverged"]
    assert events[1]["epoch"] == 1 and events[1]["step"] == 2 and events[1]["loss"] == "nan"
    assert checkpoint(tmp_path)["epochs_done"] == 1 and [p.name for _, p in CellDirectory(tmp_path).checkpoints()] == ["checkpoint-1.pt"]
    assert not (tmp_path / "result.json").exists()


def test_a_directory_of_another_cell_is_refused_and_a_finished_cell_is_read_back(tmp_path):
    first = train_cell(cell_config(epochs=1), tmp_path, device="cpu", events=quiet)
    assert train_cell(cell_config(epochs=1), tmp_path, device="cpu", events=quiet) == first
    with pytest.raises(CellMismatch, match="seed"):
        train_cell(cell_config(epochs=1, seed=5), tmp_path, device="cpu", events=quiet)


def test_bad_inputs_are_clear_errors(tmp_path):
    from nasbench_rss.errors import NasbenchError

    with pytest.raises(NasbenchError, match="available"):
        train_cell(cell_config(sampler="no-such-sampler"), tmp_path / "a", device="cpu", events=quiet)
    with pytest.raises(NasbenchError, match="k"):
        train_cell(cell_config(sampler="per-batch", sampler_options={"k": 0}), tmp_path / "b", device="cpu", events=quiet)
    with pytest.raises(NasbenchError, match="warmup_epochs"):
        train_cell(cell_config(epochs=2, warmup_epochs=2), tmp_path / "c", device="cpu", events=quiet)
    if not torch.cuda.is_available():
        with pytest.raises(NasbenchError, match="no CUDA device"):
            train_cell(cell_config(), tmp_path / "d", device="cuda", events=quiet)


def test_the_loop_refuses_a_warmup_by_the_rule_validation_asks(tmp_path):
    """The warm-up rule has one owner (train/schedule.py warmup_problem): the loop's refusal is its words."""
    from nasbench_rss.errors import NasbenchError
    from nasbench_rss.train.schedule import warmup_problem

    config = cell_config(epochs=2, warmup_epochs=2)
    with pytest.raises(NasbenchError) as info:
        train_cell(config, tmp_path / "c", device="cpu", events=quiet)
    phases = build_cell(config, torch.device("cpu")).sampler.phases
    assert f"training.warmup_epochs: {warmup_problem(2, phases, 'rss')}" in str(info.value)


def test_build_cell_puts_data_and_model_on_the_device():
    cell = build_cell(cell_config(), torch.device("cpu"))
    assert cell.dataset.train_images.dtype == torch.uint8
    assert cell.shape == Shape(1, 4, 16)
    inputs, labels = next(iter(cell.loader))
    assert inputs.shape == (32, 1, 16, 16) and inputs.dtype == torch.float32
    assert labels.dtype == torch.int64


@pytest.mark.skipif(
    not (DEBIAN_FASHION_MNIST_DIR / "train-images-idx3-ubyte.gz").exists(),
    reason="needs Debian's dataset-fashion-mnist package (apt-get install -y dataset-fashion-mnist; CI installs it)",
)
def test_a_cell_trains_on_real_fashion_mnist(tmp_path):
    config = CellConfig(
        arch="mobilenet-v3", dataset="fashion-mnist", dataset_options={"root": str(tmp_path / "data")},
        sampler="rss", epochs=1, seed=0, train_subset=256, test_subset=100, train={"augmentation": "ofa"},
    )  # fmt: skip
    result = train_cell(config, tmp_path / "cell", device="cpu", events=quiet)
    assert result["dataset"] == {
        "name": "fashion-mnist", "train_images": 256, "held_out": 0, "test_images": 100, "num_classes": 10, "channels": 1,
        "image_size": 32,
    }  # fmt: skip
    event = read_events(tmp_path / "cell")[0]
    assert event["images"] == 256 and event["steps"] == 4
    assert event["subnets"][0]["mflops"] == MOBILENET_V3_ARCH.flops_table(Shape(1, 10, 32)).mflops(
        Subnet.decode(MOBILENET_V3_ARCH.space(), event["subnets"][0]["encoding"])
    )


def test_architecture_options_shape_the_supernet_and_are_recorded(tmp_path):
    config = cell_config(epochs=1).model_copy(update={"arch_options": {"kernel": [3], "expand": [3, 4]}})
    events = Quiet()
    result = train_cell(config, tmp_path, device="cpu", events=events)
    assert result["config"]["arch_options"] == {"kernel": [3], "expand": [3, 4], "depth": [2, 3, 4]}
    trained = [subnet["encoding"] for subnet in read_events(tmp_path)[0]["subnets"]]
    assert all(set(encoding.replace("-", "")[0::2]) == {"3"} for encoding in trained)  # every kernel is 3
    assert events.steps == [(0, 1, 4), (0, 2, 4), (0, 3, 4), (0, 4, 4)]  # a step event after each of the 4 steps
