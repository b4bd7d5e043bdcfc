"""``nasbench-rss train``: one training cell from the command line.

Options of the sampler (``--option``), architecture (``--arch-option``), dataset
(``--dataset-option``) and trainer (``--train-option``) are ``key=value`` pairs; a value
is read as JSON when it parses (``k=2``, ``kd_ratio=0.5``, ``subnets=["smallest","middle"]``, ``download=true``) and as a
plain string otherwise (``subnet=middle``).  Each plugin's own model validates them, so
errors name the field and what it allows (``nasbench-rss plugins NAME`` lists them).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from nasbench_rss.cli.common import parse_options, write_json
from nasbench_rss.errors import NasbenchError
from nasbench_rss.exit_codes import EXIT_OK
from nasbench_rss.protocols.base import DEFAULT_PROTOCOL, PROTOCOL_NAMES


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train",
        help="train one cell (architecture x dataset x sampler x seed) into a cell directory",
        description=(
            "Train a supernet with a sampler and write OUT/config.json, OUT/provenance.json, OUT/events.jsonl (one line "
            "per epoch), OUT/checkpoint-N.pt (after every epoch) and OUT/result.json. Rerunning with the same arguments resumes."
        ),
    )
    p.add_argument("--arch", required=True, help="architecture plugin (see `nasbench-rss plugins`)")
    p.add_argument("--dataset", required=True, help="dataset plugin, e.g. fashion-mnist or synthetic")
    p.add_argument("--sampler", required=True, help="sampler plugin, e.g. rss or progressive-shrinking")
    p.add_argument("--option", action="append", metavar="KEY=VALUE", help="a sampler option (repeatable)")
    p.add_argument("--arch-option", action="append", metavar="KEY=VALUE", help="an architecture option, e.g. kernel=[3,5] (repeatable)")
    p.add_argument("--dataset-option", action="append", metavar="KEY=VALUE", help="a dataset option, e.g. root=DIR (repeatable)")
    p.add_argument("--train-option", action="append", metavar="KEY=VALUE", help="a trainer option, e.g. lr=0.02 (repeatable)")
    p.add_argument("--epochs", type=int, required=True, help="total training epochs (all phases)")
    p.add_argument("--seed", type=int, required=True, help="the cell's seed; every random stream derives from it")
    p.add_argument("--out", required=True, metavar="DIR", help="cell directory")
    p.add_argument("--train-subset", type=int, metavar="N", help="class-stratified subset of N training images")
    p.add_argument("--test-subset", type=int, metavar="N", help="class-stratified subset of N test images")
    p.add_argument("--valid-size", type=int, metavar="N", help="training images held out of training (OFA's fixed split); default: the protocol's")
    p.add_argument(
        "--protocol", default=DEFAULT_PROTOCOL, choices=PROTOCOL_NAMES,
        help=f"named defaults for training, hold-out and the sampler's options (default {DEFAULT_PROTOCOL}; "
        "`nasbench-rss protocols NAME` lists them); every option given explicitly wins",
    )
    p.add_argument("--device", default="auto", help="auto (CUDA when there is one), cpu, cuda or cuda:N")
    p.add_argument(
        "--observer", action="append", metavar="NAME", default=[],
        help="a training observer plugin to turn on, e.g. tensorboard (repeatable; `nasbench-rss plugins --kind observer`)",
    )
    p.add_argument(
        "--allow-changed-environment", action="store_true",
        help="resume a cell under other code, plugins, torch or device than it started with (recorded in the cell)",
    )
    p.add_argument("--json", action="store_true", help="print result.json's summary as JSON")
    p.set_defaults(handler=run)


def _config(args: argparse.Namespace) -> Any:
    """The cell's config; a pydantic error becomes a NasbenchError so it is one line, not a traceback."""
    import pydantic

    from nasbench_rss.config.training import CellConfig
    from nasbench_rss.protocols import get_protocol
    from nasbench_rss.validation import error_text

    protocol = get_protocol(args.protocol)
    flags = [("--valid-size", {"valid_size": args.valid_size})] if args.valid_size is not None else []
    valid_size = protocol.merge("dataset", flags)[0].get("valid_size", 0)
    sampler_options, _ = protocol.merge("sampler_options", [("--option", parse_options(args.option, "--option"))], args.sampler)
    train, _ = protocol.merge("training", [("--train-option", parse_options(args.train_option, "--train-option"))])
    values = {
        "arch": args.arch,
        "dataset": args.dataset,
        "arch_options": parse_options(args.arch_option, "--arch-option"),
        "dataset_options": parse_options(args.dataset_option, "--dataset-option"),
        "sampler": args.sampler,
        "sampler_options": sampler_options,
        "epochs": args.epochs,
        "seed": args.seed,
        "train_subset": args.train_subset,
        "test_subset": args.test_subset,
        "valid_size": valid_size,
        "protocol": args.protocol,
        "train": train,
    }
    try:
        return CellConfig.model_validate(values)
    except pydantic.ValidationError as error:
        raise NasbenchError(error_text(error, CellConfig, values, _flag)) from None


OPTION_FLAGS = {"train": "--train-option", "arch_options": "--arch-option", "dataset_options": "--dataset-option", "sampler_options": "--option"}
"""CellConfig fields filled from a repeatable ``KEY=VALUE`` flag: an error names the flag and the key."""


def _flag(path: tuple[Any, ...]) -> str:
    """A place in the cell's config as the flag the user typed: ``--train-option lr``, ``--epochs``."""
    head, *rest = [str(part) for part in path]
    if head in OPTION_FLAGS:
        return OPTION_FLAGS[head] + (f" {'.'.join(rest)}" if rest else "")
    return "--" + head.replace("_", "-")


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.run.runner import train_cell

    result = train_cell(
        _config(args), args.out, device=args.device, observer_plugins=tuple((name, {}) for name in args.observer),
        allow_changed_environment=args.allow_changed_environment,
    )  # fmt: skip
    exposure = result["exposure"]
    if args.json:
        summary = {
            "out": args.out,
            "train_seconds": result["train_seconds"],
            "images_per_second": result["images_per_second"],
            "final_train_loss": result["final_train_loss"],
            "final_train_accuracy": result["final_train_accuracy"],
            "exposure_buckets": exposure["buckets"],
            "distinct_subnets": exposure["distinct_subnets"],
        }
        write_json(summary, out)
        return EXIT_OK
    out.write(
        f"trained {args.out}: {result['train_seconds']:.1f} s, {result['images_per_second']:.0f} img/s, "
        f"final train loss {result['final_train_loss']:.4f}, accuracy {result['final_train_accuracy']:.4f}, "
        f"{exposure['distinct_subnets']} distinct subnets\n"
    )
    return EXIT_OK
