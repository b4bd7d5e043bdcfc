"""Every input of a suite bounded: a clear error at its line (exit 4) before anything runs, never a hang.

The bounds and their reasons are in nasbench_rss/limits.py (README's "Limits").  What could
hang or exhaust memory before the fix is run in a fresh interpreter with a timeout (and a
memory cap), so a regression fails instead of hanging or swapping the test run.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from tests.suite.suite_helpers import problems

from nasbench_rss import limits
from nasbench_rss.exit_codes import EXIT_INVALID
from nasbench_rss.suite import parse_suite

BASE = """\
name: bounded
defaults:
  architecture: {name: mobilenet-v3}
  dataset: {name: synthetic, options: {train_size: 256, test_size: 32, num_classes: 4, channels: 1, image_size: 16}}
  training: {batch_size: 32, image_size: 16}
  evaluation: {buckets: [4], per_bucket: 4, recalibration_images: 64, recalibration_batch_size: 32}
runs:
  rss: {sampler: rss, epochs: 2}
"""


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if fragment in line)


def validate(path: Path | str, timeout: float = 60, memory: int = 2 * 2**30) -> subprocess.CompletedProcess:
    """``nasbench-rss validate PATH`` in a fresh interpreter, killed after ``timeout`` s, with at most ``memory`` bytes."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    command = [sys.executable, "-m", "nasbench_rss.cli", "validate", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, preexec_fn=cap, env={**os.environ})


# ------------------------------------------------------------------- the grid's size


def test_a_suite_planning_more_cells_than_the_limit_is_refused_before_they_are_made():
    runs = "".join(f"  r{i}: {{sampler: rss, epochs: 2}}\n" for i in range(100))
    text = BASE.replace("runs:\n  rss: {sampler: rss, epochs: 2}\n", "seeds: [" + ", ".join(map(str, range(101))) + "]\nruns:\n" + runs)
    (problem,) = problems(text, "s.yaml")
    assert problem.startswith(f"s.yaml:{line_of(text, 'seeds:')}:1: seeds: 10100 cells (1 architecture x 1 dataset x 100 runs x 101 seeds)")
    (problem,) = problems(text.replace(", 100]", "]") + "  r100: {sampler: rss, epochs: 2}\n", "s.yaml")  # more runs than seeds
    assert problem.startswith(f"s.yaml:{line_of(text, 'runs:')}:1: runs: 10100 cells (1 architecture x 1 dataset x 101 runs x 100 seeds)")
    assert problem.endswith(f"allowed: at most {limits.MAX_CELLS} cells per suite (each is a directory, a manifest entry and a record held while planning; split the suite)")


def test_references_count_toward_the_cells():
    text = BASE.replace("buckets: [4], per_bucket: 4", "buckets: [4, 6, 8, 10, 12, 14], per_bucket: 10000")
    text += "references: {per_bucket: 10000, epochs: 1, seeds: [0, 1]}\n"
    (problem,) = problems(text, "s.yaml")
    assert problem.startswith(f"s.yaml:{line_of(text, 'references:')}:")  # the references' per_bucket
    assert "up to 120001 cells (1 run cell + up to 120000 stand-alone references: 10000 per bucket x 6 buckets x 2 seeds" in problem


@pytest.mark.slow
def test_a_thousand_runs_of_a_thousand_seeds_is_an_error_at_its_line_not_a_memory_error(tmp_path):
    runs = "".join(f"  r{i}: {{sampler: rss, epochs: 2}}\n" for i in range(1000))
    text = BASE.replace("runs:\n  rss: {sampler: rss, epochs: 2}\n", "seeds: [" + ", ".join(map(str, range(1000))) + "]\nruns:\n" + runs)
    path = tmp_path / "big.yaml"
    path.write_text(text)
    done = validate(path, timeout=120)
    assert done.returncode == EXIT_INVALID, done.stderr[-2000:]
    assert f"big.yaml:{line_of(text, 'seeds:')}:1: seeds: 1000000 cells" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("before", "after", "fragment", "message"),
    [
        ("per_bucket: 4", "per_bucket: 100000000", "per_bucket: 100000000", "defaults.evaluation.per_bucket: 100000000 not allowed; allowed: at most 10000"),
        ("batch_size: 32,", "batch_size: 100000000000000000000,", "batch_size: 1000", "defaults.training.batch_size: 100000000000000000000 not allowed; allowed: at most 65536"),
        ("image_size: 16}\n  eval", "image_size: 100000}\n  eval", "image_size: 100000", "defaults.training.image_size: 100000 not allowed; allowed: at most 1024"),
        ("epochs: 2}", "epochs: 100000000000000000000}", "epochs: 1000", "runs.rss.epochs: 100000000000000000000 not allowed; allowed: at most 10000"),
        ("buckets: [4]", "buckets: [" + ", ".join(str(4 + i) for i in range(101)) + "]", "buckets: [4, 5", "defaults.evaluation.buckets: a list of 101 items not allowed; allowed: at most 100 items"),
    ],
    ids=["per_bucket", "batch_size", "image_size", "epochs", "buckets"],
)
def test_each_number_is_bounded_at_its_line(before, after, fragment, message):
    text = BASE.replace(before, after)
    assert text != BASE
    found = problems(text, "s.yaml")
    assert any(p.startswith(f"s.yaml:{line_of(text, fragment)}:") and message in p for p in found), found


def test_the_references_epochs_are_bounded_too():
    text = BASE + "references: {per_bucket: 1, epochs: 100000000000000000000}\n"
    (problem,) = problems(text, "s.yaml")
    assert problem.startswith(f"s.yaml:{line_of(text, 'references:')}:")
    assert "references.epochs: 100000000000000000000 not allowed; allowed: at most 10000" in problem


@pytest.mark.parametrize(
    ("executor", "message"),
    [
        ("{name: ray, options: {num_cpus_per_cell: 1e20}}", "executor.options.num_cpus_per_cell: 1e+20 not allowed; allowed: at most 1024"),
        ("{name: ray, options: {num_gpus_per_cell: 1000}}", "executor.options.num_gpus_per_cell: 1000.0 not allowed; allowed: at most 16"),
        ("{name: ray, options: {max_retries: 100000000000000000000000}}", "executor.options.max_retries: 100000000000000000000000 not allowed; allowed: at most 100"),
        ("{name: ray, options: {lock_wait_seconds: 1e20}}", "executor.options.lock_wait_seconds: 1e+20 not allowed; allowed: at most 86400"),
        ("{name: ray, options: {stop_grace_seconds: 1e20}}", "executor.options.stop_grace_seconds: 1e+20 not allowed; allowed: at most 86400"),
        ("{name: local, options: {stop_grace_seconds: 1e20}}", "executor.options.stop_grace_seconds: 1e+20 not allowed; allowed: at most 86400"),
    ],
)
def test_the_executors_options_are_bounded_at_their_line(executor, message):
    text = BASE + f"executor: {executor}\n"
    (problem,) = problems(text, "s.yaml")
    assert problem.startswith(f"s.yaml:{line_of(text, 'executor:')}:") and message in problem, problem


# ------------------------------------------------------------------- the file itself


def test_nesting_deeper_than_the_limit_is_an_error_at_its_line_not_a_recursion_error():
    text = BASE + "description: " + "[" * 900 + "]" * 900 + "\n"
    (problem,) = problems(text, "s.yaml")
    assert problem.startswith(f"s.yaml:{line_of(text, 'description:')}:")
    assert f"allowed: at most {limits.MAX_SUITE_DEPTH} nested lists and mappings" in problem


def test_aliases_nesting_past_the_limit_are_refused_too():
    """Nesting an alias in an anchor, 70 times over: 70 levels in the data though the text is flat."""
    anchors = "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 70))
    text = BASE + "x-deep:\n  a0: &a0 [1]\n" + "".join(f"  {line}" for line in anchors.splitlines(keepends=True))
    found = problems(text, "s.yaml")
    assert any(f"allowed: at most {limits.MAX_SUITE_DEPTH} nested lists and mappings" in p for p in found), found


def alias_bomb(levels: int = 9, fanout: int = 9) -> str:
    lines = ["x0: &x0 [lol]"]
    for level in range(1, levels + 1):
        lines.append(f"x{level}: &x{level} [" + ", ".join([f"*x{level - 1}"] * fanout) + "]")
    return "\n".join(lines) + "\n"


def test_a_recursive_alias_is_refused():
    text = BASE + "x-loop: &loop [*loop]\n"
    (problem,) = problems(text, "s.yaml")
    assert problem.startswith(f"s.yaml:{line_of(text, 'x-loop')}:") and "alias *loop inside its own anchor &loop" in problem


@pytest.mark.slow
def test_an_alias_bomb_is_refused_at_the_alias_that_passes_the_limit_not_a_hang(tmp_path):
    """Nine levels of nine aliases (387 million values expanded) hung validate at full CPU."""
    text = BASE + "x-bomb:\n" + "".join(f"  {line}\n" for line in alias_bomb().splitlines())
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    done = validate(path)
    assert done.returncode == EXIT_INVALID and "Traceback" not in done.stderr, done.stderr[-2000:]
    (problem,) = done.stderr.splitlines()[:-1]
    assert problem.startswith(f"{path}:{line_of(text, 'x6: &x6')}:")
    assert f"alias *x5 repeats 125479 values and makes the suite more than {limits.MAX_SUITE_NODES} values" in problem
    assert problem.endswith(f"allowed: at most {limits.MAX_SUITE_NODES} values with every alias expanded")


def test_aliases_within_the_limit_are_fine():
    text = BASE.replace("  rss: {sampler: rss, epochs: 2}\n", "  rss: &run {sampler: rss, epochs: 2}\n")
    text += "".join(f"  r{i}: *run\n" for i in range(50))
    assert len(parse_suite(text, "s.yaml").runs) == 51


def test_a_suite_file_larger_than_the_limit_is_refused_naming_its_size(tmp_path):
    from nasbench_rss.suite import load_suite
    from nasbench_rss.errors import SuiteError

    path = tmp_path / "big.yaml"
    path.write_text(BASE + "description: '" + "x" * limits.MAX_SUITE_BYTES + "'\n")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    (problem,) = info.value.problems
    size = path.stat().st_size
    assert problem == f"{path}:1:1: cannot read the suite file: {size} bytes, more than the {limits.MAX_SUITE_BYTES} bytes a suite may have"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_as_a_suite_is_refused_at_once(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "suite.yaml"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    done = validate(path, timeout=60)
    assert done.returncode == EXIT_INVALID, done.stderr[-2000:]
    what = "a FIFO" if kind == "fifo" else "a character device"
    assert f"{path}:1:1: cannot read the suite file: it is {what}, not a regular file" in done.stderr
