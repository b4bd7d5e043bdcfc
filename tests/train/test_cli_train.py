"""``nasbench-rss train`` from the command line."""

from __future__ import annotations

import io
import json

import pytest

from nasbench_rss.cli import main
from nasbench_rss.cli.common import parse_options
from nasbench_rss.errors import NasbenchError
from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_STORAGE

TINY = [
    "--arch", "mobilenet-v3", "--dataset", "synthetic", "--epochs", "2", "--seed", "1",
    "--dataset-option", "train_size=64", "--dataset-option", "test_size=16", "--dataset-option", "num_classes=4",
    "--dataset-option", "image_size=16", "--train-option", "batch_size=32", "--train-option", "image_size=16",
    "--device", "cpu",
]  # fmt: skip


def run(argv):
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


def test_parse_options_reads_json_values_and_plain_strings():
    assert parse_options(["k=2", "subnet=middle", 'subnets=["smallest","largest"]', "download=true", "x=a=b"], "--option") == {
        "k": 2, "subnet": "middle", "subnets": ["smallest", "largest"], "download": True, "x": "a=b",
    }  # fmt: skip
    with pytest.raises(NasbenchError, match="expected key=value"):
        parse_options(["k"], "--option")
    with pytest.raises(NasbenchError, match="'k' given twice"):
        parse_options(["k=1", "k=2"], "--option")


def test_train_writes_a_cell_directory(tmp_path):
    code, text = run(["train", *TINY, "--sampler", "alternating", "--out", str(tmp_path / "cell"), "--json"])
    assert code == 0
    summary = json.loads(text)
    assert summary["distinct_subnets"] == 2
    assert {p.name for p in (tmp_path / "cell").iterdir()} >= {"config.json", "provenance.json", "events.jsonl", "checkpoint-2.pt", "result.json"}
    result = json.loads((tmp_path / "cell" / "result.json").read_text())
    assert result["train_seconds"] == summary["train_seconds"]


def test_unknown_sampler_lists_the_available_ones(tmp_path, capsys):
    code, _ = run(["train", *TINY, "--sampler", "rsss", "--out", str(tmp_path / "x")])
    assert code == EXIT_INVALID
    err = capsys.readouterr().err
    assert "rsss" in err and "rss" in err and "progressive-shrinking" in err


def test_bad_sampler_option_names_the_field(tmp_path, capsys):
    code, _ = run(["train", *TINY, "--sampler", "per-batch", "--option", "k=0", "--out", str(tmp_path / "x")])
    assert code == EXIT_INVALID
    assert "k" in capsys.readouterr().err
    code, _ = run(["train", *TINY, "--sampler", "rss", "--option", "colour=red", "--out", str(tmp_path / "y")])
    assert code == EXIT_INVALID
    assert "colour" in capsys.readouterr().err


def test_bad_train_option_names_the_field(tmp_path, capsys):
    code, _ = run(["train", *TINY, "--sampler", "rss", "--train-option", "lr=-1", "--out", str(tmp_path / "x")])
    assert code == EXIT_INVALID
    assert "lr" in capsys.readouterr().err


def test_a_bad_cell_field_names_the_flag_in_one_line(tmp_path, capsys):
    code, _ = run(["train", *TINY, "--sampler", "rss", "--train-option", "colour=red", "--out", str(tmp_path / "x")])
    assert code == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("nasbench-rss train: error: --train-option colour: unknown key 'colour'; allowed: lr, lr_schedule,")
    code, _ = run(["train", *TINY, "--epochs", "0", "--sampler", "rss", "--out", str(tmp_path / "x")])  # the last --epochs wins
    assert code == EXIT_INVALID
    assert capsys.readouterr().err == "nasbench-rss train: error: --epochs: 0 not allowed; allowed: greater than or equal to 1\n"


def test_out_naming_a_file_is_a_storage_error_in_one_line(tmp_path, capsys):
    in_the_way = tmp_path / "cell"
    in_the_way.write_text("mine")
    code, text = run(["train", *TINY, "--sampler", "rss", "--out", str(in_the_way)])
    assert (code, text) == (EXIT_STORAGE, "")
    err = capsys.readouterr().err
    assert err.startswith(f"nasbench-rss train: error: cannot create {in_the_way}: File exists; a file stands where a directory should be")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert in_the_way.read_text() == "mine"


def test_train_turns_on_an_observer_plugin_by_name(tmp_path):
    pytest.importorskip("tensorboard")
    code, _ = run(["train", *TINY, "--sampler", "rss", "--observer", "tensorboard", "--out", str(tmp_path / "cell")])
    assert code == 0
    assert list((tmp_path / "cell" / "tensorboard").glob("events.out.tfevents.*"))
    code, _ = run(["train", *TINY, "--sampler", "rss", "--observer", "no-such", "--out", str(tmp_path / "other")])
    assert code == EXIT_INVALID


@pytest.mark.slow
def test_train_protocol_fills_what_the_flags_leave_unset(tmp_path, capsys):
    out = tmp_path / "cell"
    argv = ["train", *TINY, "--sampler", "progressive-shrinking", "--protocol", "paper-code", "--out", str(out)]
    argv[argv.index("--epochs") + 1] = "6"  # TINY's 2 epochs are too few for the six phases
    code, _ = run([*argv, "--valid-size", "16", "--train-option", "label_smoothing=0.2"])
    assert code == 0
    config = json.loads((out / "config.json").read_text())
    assert (config["protocol"], config["valid_size"]) == ("paper-code", 16)  # the flag beats the protocol's 10000
    assert config["train"]["augmentation"] == "ofa" and config["train"]["init"] == "he_fout"  # the protocol's
    assert config["train"]["label_smoothing"] == 0.2  # the flag beats the protocol's 0
    options = config["sampler_options"]
    assert (options["lr_schedule"], options["sort_channels"], options["teacher"]) == ("global-tail", False, "untrained")
    result = json.loads((out / "result.json").read_text())
    assert result["dataset"]["train_images"] == 64 - 16 and result["dataset"]["held_out"] == 16
    # the protocol's hold-out of 10000 does not fit 64 images: one line naming the option and what is allowed
    code, _ = run(["train", *TINY, "--sampler", "rss", "--protocol", "ofa", "--out", str(tmp_path / "other")])
    assert code == EXIT_INVALID
    assert "valid_size: 10000 not allowed; allowed: integers from 0 to 63" in capsys.readouterr().err
