"""The command line: JSON contracts, reproducibility, errors and their exit codes."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nasbench_rss.cli.space
from nasbench_rss.cli import main
from nasbench_rss.exit_codes import EXIT_CODES, EXIT_INTERRUPTED, EXIT_INVALID

README = Path(__file__).resolve().parents[1] / "README.md"


def run(*argv, stdin=""):
    out = io.StringIO()
    code = main(list(argv), out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def test_space_json_contract():
    code, text = run("space", "mobilenet-v3", "--json")
    info = json.loads(text)
    assert code == 0
    assert info["population_size"] == str(7371**5)
    assert (info["mflops_min"], info["mflops_max"]) == (4.050384, 15.31344)
    assert info["stages"] == 5 and info["kernel_choices"] == [3, 5, 7] and info["depth_choices"] == [2, 3, 4]
    four = next(b for b in info["buckets"] if b["bucket"] == 4)
    assert four["networks"] == "5775322"


def test_space_follows_the_shape_flags():
    _, text = run("space", "proxylessnas", "--json", "--in-channels", "1", "--image-size", "28", "--num-classes", "10")
    info = json.loads(text)
    assert info["shape"] == {"in_channels": 1, "num_classes": 10, "image_size": 28}
    assert info["mflops_max"] < 12.48128
    assert info["population_size"] == str(7371**5 * 9)


def test_sample_json_is_reproducible_and_consistent_with_flops():
    code, text = run("sample", "mobilenet-v3", "--n", "5", "--seed", "3", "--json")
    records = json.loads(text)
    assert code == 0 and len(records) == 5
    assert set(records[0]) == {"encoding", "ofa", "mflops"}
    assert set(records[0]["ofa"]) == {"ks", "e", "d"} and len(records[0]["ofa"]["ks"]) == 20
    assert run("sample", "mobilenet-v3", "--n", "5", "--seed", "3", "--json")[1] == text
    assert run("sample", "mobilenet-v3", "--n", "5", "--seed", "4", "--json")[1] != text
    encodings = [r["encoding"] for r in records]
    _, flops_text = run("flops", "mobilenet-v3", "-", "--json", stdin="\n".join(encodings) + "\n")
    assert [r["mflops"] for r in json.loads(flops_text)] == [r["mflops"] for r in records]


@pytest.mark.parametrize("mode", ["exact", "paper"])
def test_sample_bucket(mode):
    code, text = run("sample", "mobilenet-v3", "--n", "4", "--bucket", "14", "--tolerance", "0.5", "--bucket-mode", mode, "--json")
    records = json.loads(text)
    assert code == 0 and len(records) == 4
    assert all(13.5 <= r["mflops"] <= 14.5 for r in records)
    if mode == "paper":  # the paper locked every expand ratio at its maximum for the 14 bucket
        assert {e for r in records for e in r["ofa"]["e"] if e is not None} == {6}


def test_sample_bucket_reports_the_exact_count():
    code, text = run("sample", "mobilenet-v3", "--n", "1", "--bucket", "4")
    assert code == 0 and "5775322 networks (exact)" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["space", "resnet"], "unknown architecture 'resnet'; available: mobilenet-v3, proxylessnas"),
        (["sample", "proxylessnas", "--bucket", "14"], "reachable: 3.2480 to 12.4813 MFLOPs"),
        (["sample", "mobilenet-v3", "--bucket-mode", "paper"], "--bucket-mode needs --bucket"),
        (["sample", "mobilenet-v3", "--bucket", "8", "--lock-expand", "min"], "--lock-expand applies to --bucket-mode paper only"),
        (["sample", "mobilenet-v3", "--n", "-2"], "--n: -2 not allowed"),
        (["flops", "mobilenet-v3", "3333-3333"], "item 0: encoding '3333-3333': 2 stages; mobilenet-v3 has 5"),
        (["flops", "mobilenet-v3", "-"], "no encodings given"),
        (["space", "mobilenet-v3", "--image-size", "4"], "image_size: 4 not allowed"),
    ],
)
def test_errors_exit_4_with_one_line_saying_what_is_allowed(argv, message, capsys):
    code, _ = run(*argv)
    assert code == EXIT_INVALID  # not 2: that means "interrupted, rerun to resume"
    err = capsys.readouterr().err
    assert err.startswith(f"nasbench-rss {argv[0]}: error: ") and err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required: COMMAND"),
        (["spaec", "mobilenet-v3"], "argument COMMAND: invalid choice: 'spaec'"),
        (["space"], "the following arguments are required: ARCH"),
        (["sample", "mobilenet-v3", "--n", "two"], "argument --n: invalid int value: 'two'"),
        (["sample", "mobilenet-v3", "--mode", "normal"], "argument --mode: invalid choice: 'normal'"),
        (["plugins", "--kind", "model"], "argument --kind: invalid choice: 'model'"),
    ],
)
def test_usage_errors_exit_4_with_argparse_usage(argv, message, capsys):
    code, out = run(*argv)
    assert code == EXIT_INVALID and out == ""
    err = capsys.readouterr().err
    assert err.startswith("usage: nasbench-rss") and message in err


def test_an_interrupted_command_exits_2_with_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(nasbench_rss.cli.space, "architecture", interrupted)
    assert run("space", "mobilenet-v3")[0] == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "nasbench-rss space: interrupted (rerun the same command to resume)\n"


def test_help_ends_with_the_exit_code_table(capsys):
    assert run("--help") == (0, "")
    help_text = capsys.readouterr().out
    table = help_text[help_text.index("exit codes:"):].splitlines()[1:]
    assert [line.split(None, 1) for line in table] == [[str(code), meaning] for code, meaning in EXIT_CODES.items()]


def test_readme_shows_the_exit_code_table():
    rows = re.findall(r"^\| (\d) \| (.+?) \|$", README.read_text(), flags=re.MULTILINE)
    assert [(int(code), meaning) for code, meaning in rows] == list(EXIT_CODES.items())
    assert "exit with status 2" not in README.read_text()


@pytest.mark.slow
def test_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "nasbench_rss.cli", "flops", "mobilenet-v3", "3333-3333-3333-3333-3333", "--json"], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)[0]["macs"] == 4_050_384


def test_plugins_json_lists_the_builtins():
    code, text = run("plugins", "--json")
    listing = json.loads(text)
    assert code == 0
    builtins = {(p["kind"], p["name"], p["distribution"]) for p in listing["plugins"]}
    assert {("architecture", "mobilenet-v3", "nasbench-rss"), ("architecture", "proxylessnas", "nasbench-rss")} <= builtins
