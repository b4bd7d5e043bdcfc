"""The example third-party plugin, installed with pip and used through the command line.

``plugins/nasbench-rss-example-sampler`` is built and installed by pip, as a user would
install any plugin, and every check runs in a fresh interpreter, so the entry points are
read from the installed metadata and nothing is registered by hand.

The distribution is installed into a temporary directory (``pip install --target``) put
on the subprocesses' ``PYTHONPATH``, not into this environment: other test runs sharing
the environment never see it, and a test killed half-way leaves nothing installed.  It
is installed from a copy of the source, so the build leaves nothing in the repository.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PLUGIN_SOURCE = Path(__file__).resolve().parents[1] / "plugins" / "nasbench-rss-example-sampler"
DISTRIBUTION = "nasbench-rss-example-sampler"
SAMPLER = "mini-sandwich"
TIMEOUT = 600
ARCH_OPTIONS = {"kernel": [3, 5], "expand": [3, 4], "depth": [2, 3]}
"""A small space, so that training the largest subnet stays quick on 2 CPU cores."""
LARGEST, SMALLEST = "-".join(["545454"] * 5), "-".join(["3333"] * 5)
"""Of that space: kernel 5, expand 4, depth 3 in every stage; kernel 3, expand 3, depth 2."""
DATASET_OPTIONS = {"train_size": 64, "test_size": 32, "image_size": 16}


@pytest.fixture(scope="module")
def plugin_source(tmp_path_factory) -> Path:
    """A copy of the example's source (building it writes build/ and *.egg-info next to it)."""
    source = tmp_path_factory.mktemp("example-plugin") / "source"
    shutil.copytree(PLUGIN_SOURCE, source, ignore=shutil.ignore_patterns(".pytest_cache", ".hypothesis", "__pycache__", "*.egg-info", "build"))
    return source


@pytest.fixture(scope="module")
def plugin_env(plugin_source) -> dict[str, str]:
    """Environment variables under which the example plugin is installed."""
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not available in this Python environment, so the example plugin cannot be installed")
    target = plugin_source.parent / "site-packages"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--no-input",
               "--disable-pip-version-check", "--target", str(target), str(plugin_source)]  # fmt: skip
    started = time.perf_counter()
    installed = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    assert installed.returncode == 0, f"{' '.join(command)} failed:\n{installed.stdout}\n{installed.stderr}"
    print(f"pip installed {DISTRIBUTION} in {time.perf_counter() - started:.1f} s")
    path = [str(target), *filter(None, [os.environ.get("PYTHONPATH")])]
    # One thread: these networks are tiny, and on a busy 2-core machine torch's default
    # thread pool made a 2-epoch cell 5-10x slower than a single thread.
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), "OMP_NUM_THREADS": "1"}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``nasbench-rss ARGS`` in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "nasbench_rss.cli", *map(str, args)], env=env, capture_output=True, text=True, timeout=TIMEOUT)


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"


# ---------------------------------------------------------------------- listing and own tests


def test_plugins_lists_the_installed_sampler(plugin_env):
    listed = cli(plugin_env, "plugins", "--json")
    assert listed.returncode == 0, describe(listed)
    listing = json.loads(listed.stdout)
    assert {
        "kind": "sampler",
        "name": SAMPLER,
        "description": "The sandwich rule: largest, smallest and k random subnets every step, gradients summed (BigNAS)",
        "plugin": "example-sampler",
        "distribution": DISTRIBUTION,
        "version": "0.1.0",
    } in listing["plugins"]
    assert [f for f in listing["failures"] if f["distribution"] == DISTRIBUTION] == []

    table = cli(plugin_env, "plugins")
    assert any(line.split()[:4] == ["sampler", SAMPLER, DISTRIBUTION, "0.1.0"] for line in table.stdout.splitlines()), table.stdout


def test_without_the_install_the_sampler_is_not_there():
    try:
        importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        pytest.skip(f"{DISTRIBUTION} is installed in this environment too")
    listed = cli(dict(os.environ), "plugins", "--json")
    assert SAMPLER not in [p["name"] for p in json.loads(listed.stdout)["plugins"]]


def test_the_plugins_own_tests_pass_against_the_installed_distribution(plugin_env, plugin_source):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=plugin_source, env=plugin_env, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    assert "skipped" not in result.stdout  # the installed-distribution test ran too
    assert re.search(r"\d+ passed", result.stdout)


# ---------------------------------------------------------------------- nasbench-rss train


def train_args(out: Path, *options: str) -> list[str]:
    args = ["train", "--arch", "mobilenet-v3", "--dataset", "synthetic", "--sampler", SAMPLER, "--epochs", "2", "--seed", "0",
            "--out", out, "--device", "cpu", "--train-option", "batch_size=32", "--train-option", "image_size=16"]  # fmt: skip
    for key, value in ARCH_OPTIONS.items():
        args += ["--arch-option", f"{key}={json.dumps(value)}"]
    for key, value in DATASET_OPTIONS.items():
        args += ["--dataset-option", f"{key}={value}"]
    for option in options:
        args += ["--option", option]
    return args


def test_train_with_the_plugins_sampler(plugin_env, tmp_path):
    out = tmp_path / "cell"
    trained = cli(plugin_env, *train_args(out, "random_subnets=1"))
    assert trained.returncode == 0, describe(trained)
    result = json.loads((out / "result.json").read_text())
    assert result["config"]["sampler"] == SAMPLER
    assert result["config"]["sampler_options"] == {"name": SAMPLER, "random_subnets": 1, "distribution": "per-dimension"}
    epochs = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    epochs = [event for event in epochs if event.get("event") == "epoch"]
    assert [event["epoch"] for event in epochs] == [0, 1]
    steps = {subnet["encoding"]: subnet["steps"] for subnet in epochs[0]["subnets"]}
    assert steps[LARGEST] == steps[SMALLEST] == 2  # both, at each of the epoch's 2 steps


def test_train_refuses_a_bad_plugin_option(plugin_env, tmp_path):
    refused = cli(plugin_env, *train_args(tmp_path / "cell", "random_subnets=-1"))
    assert refused.returncode == 4, describe(refused)
    assert "sampler 'mini-sandwich': random_subnets: -1 not allowed; allowed: greater than or equal to 0" in refused.stderr
    assert not (tmp_path / "cell" / "result.json").exists()


# ---------------------------------------------------------------------- suites


def suite_text(options: str = "random_subnets: 1", requires: str = DISTRIBUTION + ">=0.1") -> str:
    """A tiny suite running the plugin's sampler; ``options`` is the block under ``options:``."""
    return textwrap.dedent(
        f"""\
        name: example-plugin
        description: the example plugin's sampler, end to end
        requires: ["{requires}"]
        seeds: [0]
        device: cpu
        defaults:
          architecture:
            name: mobilenet-v3
            options: {json.dumps(ARCH_OPTIONS)}
          dataset:
            name: synthetic
            options: {json.dumps(DATASET_OPTIONS)}
          training: {{batch_size: 32, image_size: 16}}
          evaluation: {{buckets: [3, 5], per_bucket: 2, recalibration_images: 32, recalibration_batch_size: 32, batch_size: 32}}
        runs:
          example:
            sampler: {SAMPLER}
            options:
              {options}
            epochs: 2
        """
    )


def write_suite(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return path


def line_of(text: str, fragment: str) -> int:
    """1-based line number of the first line containing ``fragment``."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_suite_using_the_plugin_validates(plugin_env, tmp_path):
    validated = cli(plugin_env, "validate", write_suite(tmp_path, suite_text()), "--json")
    assert validated.returncode == 0, describe(validated)
    cells = json.loads(validated.stdout)["cells"]
    assert [(cell["id"], cell["sampler"], cell["epochs"]) for cell in cells] == [("mobilenet-v3/synthetic/example/seed0", SAMPLER, 2)]
    assert cells[0]["config"]["sampler_options"] == {"name": SAMPLER, "random_subnets": 1, "distribution": "per-dimension"}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("random_subnets: -1", "greater than or equal to 0"),
        ("random_subnet: 1", "random_subnet"),  # misspelt: unknown options are errors
        ("distribution: gaussian", "per-dimension"),  # says what is allowed
    ],
    ids=["bad-value", "unknown-option", "bad-choice"],
)
def test_a_bad_plugin_option_in_a_suite_fails_with_its_line(plugin_env, tmp_path, options, expected):
    text = suite_text(options)
    path = write_suite(tmp_path, text)
    refused = cli(plugin_env, "validate", path)
    assert refused.returncode == 4, describe(refused)
    line = line_of(text, options.split(":")[0])
    assert re.search(rf"{re.escape(str(path))}:{line}:\d+:", refused.stderr), describe(refused)
    assert expected in refused.stderr


def test_a_suite_requiring_a_newer_plugin_is_refused(plugin_env, tmp_path):
    text = suite_text(requires=f"{DISTRIBUTION}>=99")
    path = write_suite(tmp_path, text)
    refused = cli(plugin_env, "validate", path)
    assert refused.returncode == 4, describe(refused)
    assert DISTRIBUTION in refused.stderr and "0.1.0" in refused.stderr
    assert re.search(rf"{re.escape(str(path))}:{line_of(text, 'requires:')}:\d+:", refused.stderr), describe(refused)


def test_a_suite_using_the_plugin_runs_end_to_end(plugin_env, tmp_path):
    out = tmp_path / "run"
    ran = cli(plugin_env, "run", write_suite(tmp_path, suite_text()), "--out", out)
    assert ran.returncode == 0, describe(ran)
    results = list(out.glob("cells/mobilenet-v3/synthetic/example/seed0-*/result.json"))
    assert len(results) == 1, sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    result = json.loads(results[0].read_text())
    assert result["config"]["sampler"] == SAMPLER
