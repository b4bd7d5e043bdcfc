"""YAML with positions: syntax errors and duplicate keys at their line, locations of pydantic paths."""

from __future__ import annotations

import pytest

from nasbench_rss.errors import SuiteError
from nasbench_rss.suite.problems import Position, format_path
from nasbench_rss.suite.yaml_source import parse_yaml, read_yaml

TEXT = """\
name: t
runs:
  ofa:
    sampler: progressive-shrinking
    options:
      kd_ratio: 0.5
    epochs: 6
  rss: {sampler: rss, epochs: [1, 2]}
"""


def test_data_is_plain_python():
    document = parse_yaml(TEXT, "t.yaml")
    assert document.data["runs"]["ofa"]["options"] == {"kd_ratio": 0.5}
    assert document.data["runs"]["rss"]["epochs"] == [1, 2]


@pytest.mark.parametrize(
    "loc, line, column",
    [
        (("name",), 1, 7),
        (("runs", "ofa", "sampler"), 4, 14),
        # a mapping value points at its key, not at its first nested line
        (("runs", "ofa"), 3, 3),
        (("runs", "ofa", "options"), 5, 5),
        # pydantic's discriminator tags are not in the document and are skipped
        (("runs", "ofa", "progressive-shrinking", "options", "kd_ratio"), 6, 17),
        # a key that is not there (a missing field) points at the deepest node reached
        (("runs", "ofa", "progressive-shrinking", "description"), 3, 3),
        (("runs", "rss", "rss", "epochs", 1), 8, 35),
        (("runs", "rss", "rss", "epochs", 7), 8, 23),
        ((), 1, 1),
    ],
)
def test_locate(loc, line, column):
    position, _ = parse_yaml(TEXT, "t.yaml").locate(loc)
    assert position == Position(line, column)


def test_locate_reports_the_components_found():
    _, found = parse_yaml(TEXT, "t.yaml").locate(("runs", "ofa", "progressive-shrinking", "options", "kd_ratio"))
    assert found == ("runs", "ofa", "options", "kd_ratio")
    assert format_path(("matrix", "dataset", 2, "options")) == "matrix.dataset[2].options"


def test_duplicate_keys_are_errors_at_the_second_key():
    text = "name: t\nruns:\n  rss:\n    sampler: rss\n    epochs: 2\n    epochs: 3\n"
    with pytest.raises(SuiteError) as info:
        parse_yaml(text, "d.yaml")
    assert info.value.problems == [
        "d.yaml:6:5: runs.rss.epochs: duplicate key 'epochs' (first at line 5); "
        "allowed: each key once per mapping (YAML would silently keep only the last)"
    ]


def test_every_duplicate_is_reported_and_flow_mappings_too():
    text = "name: t\nname: u\nruns: {a: 1, a: 2}\n"
    with pytest.raises(SuiteError) as info:
        parse_yaml(text, "d.yaml")
    assert [p.split(": ")[0] for p in info.value.problems] == ["d.yaml:2:1", "d.yaml:3:14"]


def test_merge_keys_are_not_duplicates():
    text = "base: &b {lr: 0.1, batch_size: 32}\nrun:\n  <<: *b\n  lr: 0.2\n"
    assert parse_yaml(text, "m.yaml").data["run"] == {"lr": 0.2, "batch_size": 32}


@pytest.mark.parametrize(
    "text, line",
    [
        ("name: t\nruns:\n  rss: {sampler: rss\n", 4),  # unclosed flow mapping
        ("name: t\n  bad indent: 1\n", 2),
        ("name: t\nruns: [a, b\nseeds: [0]\n", 3),
        ("name: 'unterminated\n", 2),
    ],
)
def test_syntax_errors_have_a_line(text, line):
    with pytest.raises(SuiteError) as info:
        parse_yaml(text, "s.yaml")
    (problem,) = info.value.problems
    assert problem.startswith(f"s.yaml:{line}:")
    assert "YAML syntax:" in problem and "; allowed:" in problem


def test_empty_and_unreadable_files(tmp_path):
    with pytest.raises(SuiteError, match=r"^e\.yaml:1:1: the file is empty"):
        parse_yaml("# nothing\n", "e.yaml")
    with pytest.raises(SuiteError, match="cannot read the suite file"):
        read_yaml(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    "text, where, character",
    [("name: x\x07\n", "s.yaml:1:8", "U+0007"), ("name: x\nruns:\n  a: {sampler: rss\x00}\n", "s.yaml:3:19", "U+0000")],
    ids=["bell", "nul"],
)
def test_a_control_character_is_a_problem_at_its_place(text, where, character):
    with pytest.raises(SuiteError) as info:
        parse_yaml(text, "s.yaml")
    assert info.value.problems == [
        f"{where}: character {character} (a control character) not allowed; allowed: printable characters, tabs and "
        "line breaks (YAML 1.1); delete it, or write it as an escape such as \\x07 in a double-quoted string"
    ]


def test_a_file_that_is_not_utf8_is_a_problem_at_the_first_bad_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: t\ndescription: café\n".encode("latin-1"))
    with pytest.raises(SuiteError) as info:
        read_yaml(path)
    assert info.value.problems == [
        f"{path}:2:17: the file is not UTF-8: byte 0xe9 cannot be decoded (invalid continuation byte); "
        "allowed: UTF-8 text (save the file as UTF-8)"
    ]
    path.write_bytes("\ufeffname: t\n".encode("utf-8"))  # a byte order mark is fine
    assert read_yaml(path).data == {"name": "t"}


@pytest.mark.slow
def test_validate_turns_a_control_character_into_exit_4(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bell.yaml"
    path.write_bytes(b"name: x\x07\n")
    result = subprocess.run([sys.executable, "-m", "nasbench_rss.cli", "validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr and f"{path}:1:8: character U+0007" in result.stderr
