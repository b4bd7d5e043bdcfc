"""Protocols: each preset's resolved settings, precedence, sources shown by validate, identity."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from nasbench_rss.cli import main
from nasbench_rss.cli.protocols import comparison_table
from nasbench_rss.protocols import PROTOCOL_NAMES, ProtocolError, get_protocol
from nasbench_rss.protocols.presets import PROTOCOLS
from nasbench_rss.suite import parse_suite
from tests.suite.suite_helpers import problems

SUITE = """\
name: p
seeds: [0]
defaults:
  protocol: {protocol}
  architecture: {{name: mobilenet-v3}}
  dataset: {{name: synthetic, options: {{train_size: 12000, test_size: 40, num_classes: 4, channels: 1, image_size: 16}}}}
  training: {{batch_size: 32}}
runs:
  ps: {{sampler: progressive-shrinking, epochs: 8}}
  rss: {{sampler: rss, epochs: 8}}
"""


def suite_with(protocol: str, text: str = SUITE):
    return parse_suite(text.format(protocol=protocol), "p.yaml")


def resolved_value(cell, setting: str):
    """The value a cell holds for a protocol row's setting (``training.init``, ``progressive-shrinking.teacher``, ...)."""
    section, key = setting.split(".", 1)
    if section == "training":
        return cell.config.train.model_dump(mode="json")[key]
    if section == "dataset":
        return getattr(cell.config, key)
    if section == "evaluation":
        return cell.evaluation.model_dump(mode="json")[key]
    assert section == cell.config.sampler
    return cell.config.sampler_options[key]


def plain(value):
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_every_value_a_protocol_sets_reaches_the_cells(name):
    """The protocol's table (the shared constant docs/fidelity.md is made from) is what the cells resolve to."""
    protocol = get_protocol(name)
    cells = {cell.run: cell for cell in suite_with(name).cells()}
    assert protocol.rows()  # a protocol that set nothing would pass vacuously
    for setting, value, _source in protocol.rows():
        targets = [cells["ps"]] if setting.startswith("progressive-shrinking.") else cells.values()
        for cell in targets:
            assert resolved_value(cell, setting) == plain(value), (name, setting, cell.run)
    assert {cell.config.protocol for cell in cells.values()} == {name}


def test_the_presets_differ_where_the_sources_do():
    ofa, paper, project = (get_protocol(n).values("sampler_options", "progressive-shrinking") for n in ("ofa", "paper-code", "project"))
    assert (ofa["lr_schedule"], paper["lr_schedule"]) == ("per-phase", "global-tail")
    assert (ofa["sort_channels"], paper["sort_channels"]) == (True, False)
    assert (ofa["teacher"], paper["teacher"], project["teacher"]) == ("snapshot", "untrained", "snapshot")
    assert paper["lr_divisors"] == (2.7, 32.5, 10.8, 32.5, 10.8)
    assert ofa["lr_divisors"] == pytest.approx((2.6 / 0.96, 32.5, 2.6 / 0.24, 32.5, 2.6 / 0.24))
    assert get_protocol("ofa").values("training")["label_smoothing"] == 0.1
    assert get_protocol("project").values("training")["augmentation"] == "standard"
    assert all(source for p in PROTOCOLS.values() for _, _, source in p.rows())  # every value says where it comes from


def test_explicit_settings_win_over_the_protocol_and_a_runs_protocol_over_the_suites():
    text = SUITE.replace("training: {{batch_size: 32}}", "training: {{batch_size: 32, augmentation: standard}}")
    text = text.replace("ps: {{sampler: progressive-shrinking, epochs: 8}}", "ps: {{sampler: progressive-shrinking, epochs: 8, protocol: paper-code, options: {{teacher: snapshot}}}}")
    suite = suite_with("ofa", text)
    cells = {cell.run: cell for cell in suite.cells()}
    ps, rss = cells["ps"], cells["rss"]
    assert ps.config.train.augmentation == rss.config.train.augmentation == "standard"  # explicit beats both protocols
    assert ps.config.protocol == "paper-code" and rss.config.protocol == "ofa"
    assert ps.config.sampler_options["teacher"] == "snapshot"  # explicit
    assert ps.config.sampler_options["lr_schedule"] == "global-tail"  # the run's protocol
    assert ps.config.train.label_smoothing == 0.0 and rss.config.train.label_smoothing == 0.1
    assert ps.evaluation.calibration_transform == "train"  # evaluation is the suite's (defaults.protocol)


def test_one_merge_says_which_layer_set_each_value():
    values, origins = get_protocol("ofa").merge("training", [("defaults", {"lr": 0.1, "dropout": 0.0}), ("run", {"lr": 0.2})])
    assert values["lr"] == 0.2 and origins["lr"] == "run"
    assert values["dropout"] == 0.0 and origins["dropout"] == "defaults"
    assert values["label_smoothing"] == 0.1 and origins["label_smoothing"] is None  # the protocol's
    values, _ = get_protocol("ofa").merge("sampler_options", [], "progressive-shrinking", fields={"teacher"})
    assert values == {"teacher": "snapshot"}  # only the fields the options model has


def test_train_and_a_suite_resolve_a_protocol_alike(tmp_path):
    """``nasbench-rss train --protocol`` merges as a suite does (one merge): the same training, hold-out and options."""
    from nasbench_rss.cli import build_parser
    from nasbench_rss.cli.train import _config

    text = SUITE.replace("training: {{batch_size: 32}}", "training: {{batch_size: 32, lr: 0.05}}")
    cell = next(c for c in suite_with("ofa", text).cells() if c.run == "ps")
    config = cell.config
    argv = [
        "train", "--arch", "mobilenet-v3", "--dataset", "synthetic", "--sampler", "progressive-shrinking",
        "--epochs", "8", "--seed", "0", "--out", str(tmp_path), "--protocol", "ofa",
        "--train-option", "batch_size=32", "--train-option", "lr=0.05",
        *[f"--dataset-option={k}={v}" for k, v in config.dataset_options.items()],
    ]  # fmt: skip
    trained = _config(build_parser().parse_args(argv))
    assert trained.train == config.train and trained.valid_size == config.valid_size
    assert {k: plain(v) for k, v in trained.sampler_options.items()} == {k: config.sampler_options[k] for k in trained.sampler_options}
    assert trained.sampler_options  # the protocol's options reached it


def test_changing_the_protocol_changes_the_cell_hash():
    hashes = {name: {c.run: c.config_hash for c in suite_with(name).cells()} for name in PROTOCOL_NAMES}
    for run in ("ps", "rss"):
        assert len({hashes[name][run] for name in PROTOCOL_NAMES}) == 3, run


def test_a_suite_without_a_protocol_is_the_project_protocol():
    text = SUITE.replace("  protocol: {protocol}\n", "").format()
    assert [c.config_hash for c in parse_suite(text, "p.yaml").cells()] == [c.config_hash for c in suite_with("project").cells()]


def test_validate_names_where_each_value_came_from(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(SUITE.format(protocol="ofa").replace("training: {batch_size: 32}", "training: {batch_size: 32, label_smoothing: 0.2}"))
    out = io.StringIO()
    assert main(["validate", str(path)], out=out) == 0
    text = out.getvalue()
    assert re.search(r"^protocol +ofa +p\.yaml:4$", text, re.M)
    assert re.search(r"^training\.augmentation +ofa +protocol ofa$", text, re.M)
    assert re.search(r"^training\.label_smoothing +0\.2 +p\.yaml:7$", text, re.M)  # the suite's line beats the protocol
    assert re.search(r"^training\.momentum +0\.9 +default$", text, re.M)
    assert re.search(r"^options\.teacher +snapshot +protocol ofa$", text, re.M)
    assert re.search(r"^evaluation\.calibration_transform +train +protocol ofa$", text, re.M)
    assert re.search(r"^dataset\.valid_size +10000 +protocol ofa$", text, re.M)
    # the phase plan with the scaled warm-ups and rates
    assert "phases of ps on mobilenet-v3/synthetic (8 epochs, base lr 0.01):" in text
    assert re.search(r"^kernel +1 +0 +0\.00369 ", text, re.M)


def test_validate_json_lists_settings_and_phase_plans(tmp_path):
    import json

    path = tmp_path / "p.yaml"
    path.write_text(SUITE.format(protocol="paper-code"))
    out = io.StringIO()
    assert main(["validate", "--json", str(path)], out=out) == 0
    data = json.loads(out.getvalue())
    teacher = [r for r in data["settings"] if r["run"] == "ps" and r["setting"] == "options.teacher"]
    assert teacher == [{"run": "ps", "setting": "options.teacher", "value": "untrained", "source": "protocol paper-code"}]
    (plan,) = data["phase_plans"]
    assert [row["teacher"] for row in plan["phases"]] == [None] + ["untrained"] * 5
    assert [row["sorts_channels"] for row in plan["phases"]] == [False] * 6


def test_an_unknown_protocol_is_refused_naming_the_allowed_ones():
    lines = problems(SUITE.format(protocol="ofa-ish"), "p.yaml")
    assert len(lines) == 1 and lines[0].startswith("p.yaml:4:13: defaults.protocol: ")
    assert "'ofa', 'paper-code' or 'project'" in lines[0] or "ofa, paper-code, project" in lines[0]
    with pytest.raises(ProtocolError, match="allowed: ofa, paper-code, project"):
        get_protocol("ofa-ish")


def test_a_protocols_hold_out_that_does_not_fit_the_dataset_is_a_problem():
    small = SUITE.replace("train_size: 12000", "train_size: 9000")
    (line,) = problems(small.format(protocol="ofa"), "p.yaml")
    assert "protocol ofa's valid_size 10000 leaves 0 of synthetic's 9000 training images" in line
    assert parse_suite(small.format(protocol="ofa").replace("dataset: {name: synthetic,", "dataset: {name: synthetic, valid_size: 1000,"), "p.yaml").cells()


def test_the_protocol_table_in_docs_fidelity_is_the_presets():
    doc = (Path(__file__).parents[2] / "docs" / "fidelity.md").read_text()
    assert comparison_table([get_protocol(n) for n in PROTOCOL_NAMES]) in doc
