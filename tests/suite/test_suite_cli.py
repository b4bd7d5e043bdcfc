"""``validate`` and ``schema`` through the command line's ``main``."""

from __future__ import annotations

import io
import json

import pytest

from nasbench_rss.cli import main
from nasbench_rss.exit_codes import EXIT_INVALID

SUITE = """\
name: tiny
seeds: [0, 1]
baseline: ofa
defaults:
  architecture: {name: mobilenet-v3}
  dataset: {name: synthetic, train_subset: 2000}
runs:
  ofa: {sampler: progressive-shrinking, epochs: 6}
  rss: {sampler: rss, epochs: 2}
"""


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


@pytest.fixture
def suite_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SUITE)
    return path


def test_validate_lists_the_cells(suite_file):
    status, text = run(["validate", str(suite_file)])
    assert status == 0
    lines = text.splitlines()
    assert lines[0] == "suite tiny: 4 cells = 1 architecture(s) x 1 dataset(s) x 2 run(s) x 2 seed(s); device auto; baseline ofa"
    assert lines[1].split() == ["cell", "epochs", "sampler", "train", "test", "directory"]
    end = lines.index("total epochs: 16")
    rows = [line.split() for line in lines[3:end]]
    assert [row[:5] for row in rows] == [
        ["mobilenet-v3/synthetic/ofa/seed0", "6", "progressive-shrinking", "2000", "all"],
        ["mobilenet-v3/synthetic/ofa/seed1", "6", "progressive-shrinking", "2000", "all"],
        ["mobilenet-v3/synthetic/rss/seed0", "2", "rss", "2000", "all"],
        ["mobilenet-v3/synthetic/rss/seed1", "2", "rss", "2000", "all"],
    ]
    assert rows[0][5].startswith("cells/mobilenet-v3/synthetic/ofa/seed0-")
    assert "settings of every run (from: the suite's line, a protocol, or the default):" in lines  # then each value's source
    assert "phases of ofa on mobilenet-v3/synthetic (6 epochs, base lr 0.01):" in lines


def test_validate_json(suite_file):
    status, text = run(["validate", str(suite_file), "--json"])
    assert status == 0
    document = json.loads(text)
    assert (document["suite"], document["seeds"], document["baseline"], document["total_epochs"]) == ("tiny", [0, 1], "ofa", 16)
    first = document["cells"][0]
    assert first["id"] == "mobilenet-v3/synthetic/ofa/seed0"
    assert first["directory"] == f"cells/mobilenet-v3/synthetic/ofa/seed0-{first['config_hash']}"
    assert first["config"]["sampler_options"]["name"] == "progressive-shrinking"
    assert {key for key in first} >= {"run", "arch", "dataset", "seed", "sampler", "epochs", "train_subset", "test_subset"}


def test_validate_shows_matched_epochs_and_the_learning_curve(tmp_path):
    path = tmp_path / "matched.yaml"
    path.write_text(
        SUITE.replace("dataset: {name: synthetic, train_subset: 2000}", "dataset: {name: synthetic, train_subset: 2000}\n  evaluation: {during: {at: [0.5]}}")
        + "  rss-eq: {sampler: rss, epochs: {match: ofa, by: macs}}\n"
    )
    status, text = run(["validate", str(path)])
    assert status == 0
    lines = text.splitlines()
    assert "epochs set by cost (training MACs as train/cost.py counts them, mean over the suite's seeds, counted from each sampler's draws):" in lines
    matched = next(line.split() for line in lines if line.startswith("rss-eq ") and " ofa " in line)
    assert matched[:2] == ["rss-eq", "synthetic"] and int(matched[2]) > 6 and matched[3] == "ofa"
    assert "learning curve (evaluation.during): the panel is measured after these epochs and at the end:" in lines
    assert next(line.split() for line in lines if line.startswith("ofa ") and "synthetic" in line) == ["ofa", "synthetic", "3", "6"]
    document = json.loads(run(["validate", str(path), "--json"])[1])
    [entry] = document["epochs_matched"]
    assert entry["run"] == "rss-eq" and entry["match"] == "ofa" and abs(entry["macs"] - entry["target_macs"]) <= entry["epoch_macs"]
    assert {(c["run"], c["epochs"]) for c in document["learning_curve"]} >= {("ofa", 6), ("rss", 2), ("rss-eq", entry["epochs"])}
    assert next(c for c in document["learning_curve"] if c["run"] == "rss")["after_epochs"] == [1]


def test_an_invalid_suite_exits_4_with_every_problem_on_stderr(suite_file, capsys):
    suite_file.write_text(SUITE.replace("epochs: 6", "epochs: 5").replace("sampler: rss", "sampler: rss, bogus: 1"))
    status, text = run(["validate", str(suite_file)])
    assert status == EXIT_INVALID == 4
    assert text == ""
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{suite_file}:8:3: runs.ofa: sampler 'progressive-shrinking': epochs: 5 too few")  # independent mistakes: both
    assert err[1].startswith(f"{suite_file}:9:23: runs.rss.bogus: unknown key 'bogus'")
    assert err[-1] == f"nasbench-rss validate: {suite_file}: 2 problems; nothing would run"


def test_an_invalid_suite_reports_sampler_problems(suite_file, capsys):
    suite_file.write_text(SUITE.replace("epochs: 6", "epochs: 5"))
    assert run(["validate", str(suite_file)])[0] == 4
    err = capsys.readouterr().err
    assert f"{suite_file}:8:3: runs.ofa: sampler 'progressive-shrinking': epochs: 5 too few" in err


def test_a_missing_file_is_an_invalid_suite(tmp_path, capsys):
    assert run(["validate", str(tmp_path / "nope.yaml")])[0] == 4
    assert "cannot read the suite file" in capsys.readouterr().err


def test_schema_prints_the_json_schema():
    status, text = run(["schema"])
    assert status == 0
    schema = json.loads(text)
    assert schema["title"] == "Suite"
    assert "Run_progressive_shrinking" in schema["$defs"]
    assert text.startswith('{\n  "$schema"')


def test_validate_warns_of_missing_data_at_the_datasets_line_and_require_data_makes_it_an_error(suite_file, tmp_path, capsys):
    """A valid suite whose data is not on this machine is valid (run would refuse its cells); --require-data refuses it."""
    empty = tmp_path / "no-data"
    empty.mkdir()
    suite_file.write_text(SUITE + f"matrix:\n  dataset:\n    - synthetic\n    - {{name: mnist, options: {{root: '{empty}'}}}}\n")
    status, text = run(["validate", str(suite_file)])
    assert status == 0 and "mobilenet-v3/mnist/ofa/seed0" in text
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{suite_file}:13:7: warning: matrix.dataset[1]: mnist: MNIST files not found: looked for train-images-idx3-ubyte")
    assert str(empty / "MNIST" / "raw") in err[0] and "to get them: set 'download: true'" in err[0]
    assert err[-1] == (
        f"nasbench-rss validate: {suite_file}: valid, but the data of 1 dataset(s) is not on this machine: `run` would refuse "
        "their cells until it is (--require-data makes this an error)"
    )
    status, text = run(["validate", str(suite_file), "--json"])
    data = json.loads(text)
    assert status == 0 and data["valid"] and data["run_would_refuse"]
    assert [line.split(": ", 1)[1] for line in data["missing_data"]] == [line.split(": warning: ", 1)[1] for line in err[:1]]
    capsys.readouterr()

    assert run(["validate", str(suite_file), "--require-data"])[0] == EXIT_INVALID
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{suite_file}:13:7: matrix.dataset[1]: mnist: MNIST files not found")
    assert err[-1] == f"nasbench-rss validate: {suite_file}: 1 problem; nothing would run"
    status, text = run(["validate", str(suite_file), "--require-data", "--json"])
    assert status == EXIT_INVALID and json.loads(text)["valid"] is False


def test_validate_with_every_dataset_here_warns_of_nothing(suite_file, capsys):
    status, text = run(["validate", str(suite_file), "--require-data", "--json"])
    data = json.loads(text)
    assert status == 0 and data["valid"] and data["missing_data"] == [] and not data["run_would_refuse"]
    assert capsys.readouterr().err == ""
