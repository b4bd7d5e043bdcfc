"""Progress display, manifest bookkeeping and job slots, without training anything."""

from __future__ import annotations

import io

import pytest

from nasbench_rss.run.executors.local import job_slots
from nasbench_rss.run.manifest import end_invocation, start_invocation
from nasbench_rss.run.progress import Progress, Workload, format_duration


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (42.4, "42s"), (725, "12m05s"), (11220, "3h07m")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_plain_progress_writes_lines_per_cell_and_epoch_with_an_eta():
    stream = io.StringIO()
    progress = Progress(stream, total_cells=2, interactive=False)
    progress.add("a/b/rss/seed0", 2, Workload((4, 4), 6))
    progress.cell_started("a/b/rss/seed0", epochs=2, epochs_done=0)
    progress.step("a/b/rss/seed0", 0, 3, 4)
    assert "ETA" not in stream.getvalue()  # no step lines in plain mode
    progress.epoch_done("a/b/rss/seed0", 0, 2.0, 4)
    progress.cell_finished("a/b/rss/seed0", "failed", "boom")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[1/2] a/b/rss/seed0: training 2 epochs, then evaluating"
    assert lines[1] == "  a/b/rss/seed0: epoch 1/2 done; ETA ~2s + evaluation"  # 4 passes left at 0.5 s each
    assert lines[2] == "  a/b/rss/seed0: failed: boom"
    assert "\r" not in stream.getvalue()
    assert progress.eta_seconds() == 0.0 and progress.failed == 1  # the failed cell's work no longer counts


def test_cells_are_numbered_in_the_order_they_start_even_side_by_side():
    """Defect 9: the number was cells finished + 1, so cells started side by side (--jobs 2, Ray) all read [1/N]."""
    stream = io.StringIO()
    progress = Progress(stream, total_cells=4, slots=2, interactive=False)
    progress.skipped()  # complete before this invocation
    progress.cell_started("a", epochs=1, epochs_done=0)
    progress.cell_started("b", epochs=1, epochs_done=0)
    progress.cell_finished("b", "complete")
    progress.cell_started("c", epochs=1, epochs_done=0)
    numbers = [line.split("]")[0] + "]" for line in stream.getvalue().splitlines() if line.startswith("[")]
    assert numbers == ["[2/4]", "[3/4]", "[4/4]"]
    assert progress.finished == 2


def test_evaluation_progress_is_a_line_per_bucket_in_logs_and_a_count_on_a_terminal():
    stream = io.StringIO()
    plain = Progress(stream, total_cells=1, interactive=False)
    plain.cell_started("a/b/rss/seed0", epochs=2, epochs_done=2)
    for done, bucket in enumerate(["4", "4", "6", "6"], start=1):
        plain.evaluating("a/b/rss/seed0", bucket, done, 4)
    assert stream.getvalue().splitlines() == [
        "[1/1] a/b/rss/seed0: trained; evaluating its subnets",
        "  a/b/rss/seed0: evaluated 2/4 subnets (bucket 4 done)",
        "  a/b/rss/seed0: evaluated 4/4 subnets (bucket 6 done)",
    ]
    terminal = Progress(io.StringIO(), total_cells=1, interactive=True)
    terminal.cell_started("a/b/rss/seed0", epochs=2, epochs_done=2)
    terminal.evaluating("a/b/rss/seed0", "8", 5, 12)
    assert "a/b/rss/seed0 evaluating subnet 5/12 (bucket 8)" in terminal.status_line()


def test_interactive_status_line_shows_cells_epoch_step_and_eta():
    progress = Progress(io.StringIO(), total_cells=3, slots=1, interactive=True)
    progress.skipped()
    progress.add("x/y/ofa/seed1", 2, Workload((10, 10), 0), epochs_done=1)
    progress.cell_started("x/y/ofa/seed1", epochs=2, epochs_done=1)
    progress.step("x/y/ofa/seed1", 1, 5, 10)
    line = progress.status_line()
    assert line.startswith("cells 1/3 | x/y/ofa/seed1 epoch 2/2 step 5/10 | ETA unknown")


def test_the_eta_counts_subnet_passes_so_progressive_shrinking_does_not_inflate_it():
    """The issue: after progressive shrinking (up to 4 subnets a step) an epoch-based ETA was
    several times off for the RSS cells after it.  Counted in passes, it is exact when a pass
    costs the same, and evaluation is timed separately."""
    progress = Progress(io.StringIO(), total_cells=2, interactive=False)
    ps = Workload((10, 10, 20, 20, 40, 40), 6)  # 10 steps an epoch, 1, 1, 2, 2, 4, 4 subnets a step
    rss = Workload((10,) * 6, 6)
    progress.add("ofa", 6, ps)
    progress.add("rss", 6, rss)
    progress.cell_started("ofa", 6, 0)
    for epoch, passes in enumerate(ps.epoch_passes):
        progress.epoch_done("ofa", epoch, passes * 0.1, passes)  # 0.1 s a pass
    assert progress.eta_seconds() == pytest.approx(6.0)  # rss: 60 passes x 0.1 s; evaluation not yet timed
    assert "+ evaluation" in progress._eta_text()
    clock = iter([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    import nasbench_rss.run.progress as progress_module

    real = progress_module.time.monotonic
    progress_module.time.monotonic = lambda: next(clock)
    try:
        for done in range(1, 7):
            progress.evaluating("ofa", "4", done, 6)  # 1 s a subnet
    finally:
        progress_module.time.monotonic = real
    progress.cell_finished("ofa", "complete")
    assert progress.eta_seconds() == pytest.approx(6.0 + 6 * 1.0)
    assert not progress._eta_text().endswith("evaluation")


def environment(commit):
    return {"git": {"commit": commit, "dirty": False}, "versions": {"torch": "x"}, "plugins": [], "device": {"type": "cpu", "name": "cpu"}, "host": {}}


def test_manifest_keeps_every_invocation_and_flags_mixed_code():
    suite = {"name": "s", "seeds": [0]}
    first = start_invocation(None, suite, [], environment("aaa"), {"jobs": 1})
    assert first["invocations"][0]["status"] == "running" and first["git"]["commit"] == "aaa"
    second = start_invocation(first, suite, [], environment("bbb"), {"jobs": 1})  # the first died
    assert second["invocations"][0]["status"].startswith("died")
    assert second["mixed_environments"] == ["git"] and second["git"]["commit"] == "bbb"
    ended = end_invocation(second, "complete", {"complete": 1})
    assert ended["invocations"][-1]["status"] == "complete" and ended["ended"] == ended["invocations"][-1]["ended"]
    assert ended["started"] == first["started"]


def test_job_slots_are_devices_and_the_cpu_slots_share_the_cpu():
    assert job_slots("cpu", 1) == ["cpu"]
    assert job_slots("cpu", 3) == ["cpu"] * 3  # each cell's threads are its own training.threads
    with pytest.raises(ValueError):
        job_slots("cpu", 0)


def test_job_slots_spread_over_gpus(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setattr("torch.cuda.device_count", lambda: 2)
    assert job_slots("auto", 3) == ["cuda:0", "cuda:1", "cuda:0"]
    assert job_slots("cuda:1", 2) == ["cuda:1"] * 2
