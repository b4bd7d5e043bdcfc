"""``nasbench-rss plugins NAME``: one plugin's origin and the options its model takes."""

from __future__ import annotations

import importlib.metadata
import io
import json
import types
from pathlib import Path
from typing import Literal

import pydantic
import pytest
from pydantic import Field

import nasbench_rss
from nasbench_rss import hookimpl
from nasbench_rss.cli import main
from nasbench_rss.exit_codes import EXIT_INVALID
from nasbench_rss.plugins import Registration, clear_registry_cache


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["plugins", *argv], out=out), out.getvalue()


def shown(*argv: str) -> dict:
    code, text = run(*argv, "--json")
    assert code == 0
    return json.loads(text)


def options(*argv: str) -> dict[str, dict]:
    return {option["name"]: option for option in shown(*argv)["options"]}


def test_a_sampler_shows_its_origin_and_options_without_its_name_tag():
    code, text = run("rss")
    assert code == 0
    lines = text.splitlines()
    assert lines[:5] == [
        "kind          sampler",
        "name          rss",
        "distribution  nasbench-rss",
        f"version       {nasbench_rss.__version__}",
        "plugin        nasbench_rss.samplers.plugin",
    ]
    assert lines[5].startswith("description   Random Subnet Sampling")
    header = next(i for i, line in enumerate(lines) if line.startswith("option "))
    assert lines[header].split() == ["option", "type", "default", "allowed", "description"]
    assert "--option KEY=VALUE" in lines[header - 1]
    rows = [line.split()[:4] for line in lines[header + 2:] if line and not line.startswith(" ")]
    assert rows == [["distribution", "string", "per-dimension", "per-dimension,"]]  # "uniform" follows


def test_progressive_shrinking_json_has_real_names_defaults_and_bounds():
    document = shown("progressive-shrinking")
    assert {k: document[k] for k in ("kind", "name", "distribution", "plugin")} == {
        "kind": "sampler", "name": "progressive-shrinking", "distribution": "nasbench-rss", "plugin": "nasbench_rss.samplers.plugin",
    }  # fmt: skip
    assert document["version"] == nasbench_rss.__version__ and document["description"].startswith("OFA's Progressive Shrinking")
    by_name = {option["name"]: option for option in document["options"]}
    assert list(by_name) == [
        "supernet_epochs", "phase_epochs", "lr_schedule", "lr_divisors", "warmup_epochs", "subnets_per_step",
        "fresh_optimizer", "sort_channels", "teacher", "kd_ratio", "epoch_rounding", "distribution",
    ]  # fmt: skip
    assert by_name["supernet_epochs"] == {**by_name["supernet_epochs"], "type": "integer | null", "default": None, "allowed": ">= 1", "required": False}
    assert by_name["lr_divisors"]["default"] == [2.6 / 0.96, 32.5, 2.6 / 0.24, 32.5, 2.6 / 0.24]  # a tuple, JSON-encoded
    assert (by_name["lr_divisors"]["type"], by_name["lr_divisors"]["allowed"]) == ("array of number", "exactly 5 items; each > 0")
    assert by_name["subnets_per_step"]["allowed"] == "exactly 5 items; each 1 <= x <= 64"
    assert (by_name["kd_ratio"]["default"], by_name["kd_ratio"]["allowed"]) == (1.0, ">= 0")
    assert by_name["distribution"]["allowed"] == "per-dimension, uniform"
    assert "distillation" in by_name["kd_ratio"]["description"]
    assert all(set(option) == {"name", "type", "default", "allowed", "description", "required"} for option in document["options"])


def test_per_batch_k_is_at_least_one():
    k = options("per-batch")["k"]
    assert (k["type"], k["default"], k["allowed"], k["required"]) == ("integer", 1, "1 <= x <= 64", False)


def test_a_default_factory_shows_its_value():
    assert options("alternating")["subnets"]["default"] == ["smallest", "largest"]


def test_a_dataset_shows_its_bounds():
    by_name = options("synthetic")
    assert list(by_name) == ["train_size", "test_size", "num_classes", "channels", "image_size", "noise", "clutter", "seed"]
    assert by_name["channels"]["allowed"] == "1 <= x <= 16"
    assert (by_name["noise"]["type"], by_name["noise"]["default"], by_name["noise"]["allowed"]) == ("number", 1.0, "0.0 <= x <= 10.0")
    assert options("mnist")["root"]["type"] == "path | null"
    code, text = run("synthetic")
    assert code == 0 and "--dataset-option KEY=VALUE" in text
    assert any(line.split()[:4] == ["channels", "integer", "3", "1"] for line in text.splitlines())


def test_a_reporter_takes_no_options():
    code, text = run("md")
    assert code == 0
    assert text.splitlines()[:2] == ["kind          reporter", "name          md"]
    assert text.endswith("\nreporter md takes no options\n")
    assert shown("md")["options"] == []


def test_an_unknown_name_is_an_error_naming_the_close_match_and_every_name(capsys):
    code, text = run("rsss")
    assert (code, text) == (EXIT_INVALID, "")
    err = capsys.readouterr().err
    assert err.startswith("nasbench-rss plugins: error: unknown plugin 'rsss' (did you mean 'rss'?); available: ")
    assert "sampler: alternating, attentive, bucket-balanced, compound, max-then-min" in err and "dataset: cifar10" in err and "reporter: html, json, md" in err
    assert err.count("\n") == 1


def test_kind_narrows_the_lookup_and_the_listing(capsys):
    assert run("rss", "--kind", "dataset")[0] == EXIT_INVALID
    assert "unknown dataset 'rss'; available: cifar10" in capsys.readouterr().err
    listing = shown("--kind", "reporter")["plugins"]
    assert [(p["kind"], p["name"]) for p in listing] == [("reporter", "html"), ("reporter", "json"), ("reporter", "md")]


# ---------------------------------------------------------------------- a third-party plugin


class MarkdownSampler(pydantic.BaseModel):
    """Options covering what built-ins lack: a required option, an exclusive bound, a path default."""

    model_config = pydantic.ConfigDict(extra="forbid")

    name: Literal["md"] = "md"
    width: int = Field(description="subnets per step")
    fraction: float = Field(0.5, ge=0, lt=1, description="share of the largest subnet")
    notes: Path = Field(Path("notes") / "md.txt")
    mode: Literal["fast", "slow"] | None = None


@hookimpl
def register_samplers(register):
    register(Registration("md", "a sampler sharing the Markdown reporter's name", lambda config, context: None, MarkdownSampler))


@pytest.fixture
def acme(monkeypatch):
    """An installed distribution whose sampler is called ``md``, like the built-in reporter."""
    entry_point = types.SimpleNamespace(
        name="acme", dist=types.SimpleNamespace(name="acme-nas", version="1.10"),
        load=lambda: types.SimpleNamespace(register_samplers=register_samplers),
    )  # fmt: skip
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **kwargs: [entry_point])
    clear_registry_cache()
    yield
    clear_registry_cache()  # the next test's registry has no acme


def test_a_name_registered_in_two_kinds_needs_kind(acme, capsys):
    assert run("md")[0] == EXIT_INVALID
    assert "'md' is registered as several kinds: sampler, reporter; choose one with --kind KIND" in capsys.readouterr().err
    assert shown("md", "--kind", "reporter")["distribution"] == "nasbench-rss"
    listing = run()[1].splitlines()
    assert any(line.split()[:4] == ["sampler", "md", "acme-nas", "1.10"] for line in listing)


def test_a_third_party_model_is_read_like_a_builtin(acme):
    document = shown("md", "--kind", "sampler")
    assert (document["distribution"], document["version"], document["plugin"]) == ("acme-nas", "1.10", "acme")
    by_name = {option["name"]: option for option in document["options"]}
    assert list(by_name) == ["width", "fraction", "notes", "mode"]
    assert by_name["width"] == {
        "name": "width", "type": "integer", "default": None, "allowed": None, "description": "subnets per step", "required": True,
    }  # fmt: skip
    assert by_name["fraction"]["allowed"] == "0 <= x < 1"
    assert (by_name["notes"]["type"], by_name["notes"]["default"]) == ("path", str(Path("notes") / "md.txt"))
    assert (by_name["mode"]["type"], by_name["mode"]["allowed"]) == ("string | null", "fast, slow")
    code, text = run("md", "--kind", "sampler")
    assert code == 0
    assert "version       1.10" in text.splitlines()  # not the number 1.1
    assert any(line.split()[:3] == ["width", "integer", "(required)"] for line in text.splitlines())
