"""What several commands share: the input-shape flags, ``KEY=VALUE`` options, the registry, JSON output.

Kept apart from the commands so that each command module holds only its own flags and
output, and so that a flag shared by two commands is spelled (and checked) once.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any, Sequence, TextIO

from tabulate import tabulate

from nasbench_rss.errors import NasbenchError, StorageError
from nasbench_rss.exit_codes import EXIT_CODES

if TYPE_CHECKING:
    from nasbench_rss.arch.architecture import Architecture
    from nasbench_rss.arch.layout import Shape
    from nasbench_rss.plugins import PluginRegistry
    from nasbench_rss.run.orchestrate import RunSummary

DEFAULT_SHAPE = {"in_channels": 3, "num_classes": 100, "image_size": 32}
"""The paper's shape for its headline figures (CIFAR-100): FLOPs depend on all three."""


def add_shape_flags(parser: argparse.ArgumentParser) -> None:
    """``--image-size``, ``--in-channels``, ``--num-classes``: every FLOPs figure depends on them."""
    group = parser.add_argument_group("input shape (FLOPs depend on it)")
    group.add_argument("--image-size", type=int, default=DEFAULT_SHAPE["image_size"], metavar="N", help="input height and width (default 32)")
    group.add_argument("--in-channels", type=int, default=DEFAULT_SHAPE["in_channels"], metavar="C", help="input channels, 1 or 3 (default 3)")
    group.add_argument("--num-classes", type=int, default=DEFAULT_SHAPE["num_classes"], metavar="K", help="classes (default 100)")


def add_execution_flags(parser: argparse.ArgumentParser, what: str) -> None:
    """How cells run (``run`` and ``evaluate``): device, jobs, executor, progress display."""
    parser.add_argument("--device", help="override the suite's device: auto, cpu, cuda or cuda:N")
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N",
        help=f"cells {what} side by side, one process each, spread over the GPUs when there are several; never what a "
        "cell computes (each runs with its training.threads CPU threads). Default on the CPU: as many cells as the usable "
        "cores hold (cores // the largest training.threads, at least 1); on CUDA 1, or GPUs x K with --cells-per-gpu K > 1, "
        "which N may only lower. More threads than cores is a warning",
    )  # fmt: skip
    parser.add_argument(
        "--cells-per-gpu", type=int, default=1, metavar="K",
        help=f"cells {what} side by side on each GPU, each with its training.threads CPU threads (default 1; K > 1 needs CUDA)",
    )  # fmt: skip
    parser.add_argument(
        "--executor", metavar="NAME",
        help="what runs the cells: an executor plugin (default: the suite's executor, else local: worker processes here; "
        "`nasbench-rss plugins --kind executor`)",
    )  # fmt: skip
    parser.add_argument(
        "--ray-address", metavar="ADDR",
        help="with --executor ray: the Ray cluster to run on (HOST:6379, ray://HOST:10001 or auto; default: a Ray instance here for the run)",
    )  # fmt: skip
    parser.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")


def execution_words(args: argparse.Namespace) -> list[str]:
    """The execution flags as typed, for the command that resumes a run."""
    words = []
    if args.device:
        words += ["--device", args.device]
    if args.jobs is not None:
        words += ["--jobs", str(args.jobs)]
    if args.cells_per_gpu != 1:
        words += ["--cells-per-gpu", str(args.cells_per_gpu)]
    if args.executor:
        words += ["--executor", args.executor]
    if getattr(args, "ray_address", None):
        words += ["--ray-address", args.ray_address]
    return words


def executor_options(args: argparse.Namespace, suite_executor: str | None = None) -> dict[str, Any] | None:
    """The executor options the execution flags give (``--ray-address``); None when they give none.

    ``suite_executor`` is the suite's ``executor:`` name, whose options these are laid over
    (the command line wins).
    """
    if getattr(args, "ray_address", None) is None:
        return None
    chosen = args.executor or suite_executor or "local"
    if chosen != "ray":
        raise NasbenchError(f"--ray-address is an option of the ray executor; add --executor ray (the executor is {chosen!r})")
    return {"address": args.ray_address}


def shape(args: argparse.Namespace) -> Shape:
    """The shape the shape flags give (the architecture checks it)."""
    from nasbench_rss.arch.layout import Shape

    return Shape(in_channels=args.in_channels, num_classes=args.num_classes, image_size=args.image_size)


def registry(args: argparse.Namespace) -> PluginRegistry:
    """The process-wide registry, strict when ``--strict-plugins`` (or the environment) says so."""
    from nasbench_rss.plugins import get_registry

    return get_registry(strict=args.strict_plugins or None)


def architecture(args: argparse.Namespace) -> Architecture:
    """The architecture plugin named by ``args.arch``; an unknown name lists the registered ones."""
    return registry(args).get("architecture", args.arch).factory()


def parse_options(pairs: Sequence[str] | None, flag: str) -> dict[str, Any]:
    """``["k=2", "subnet=middle"]`` -> ``{"k": 2, "subnet": "middle"}``; a key given twice is an error.

    A value is JSON when it parses as JSON and a plain string otherwise, so that numbers,
    lists and booleans need no quoting on a shell line while names need none either.
    """
    options: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise NasbenchError(f"{flag} {pair!r}: expected key=value, e.g. {flag} k=2")
        if key in options:
            raise NasbenchError(f"{flag}: {key!r} given twice")
        try:
            options[key] = json.loads(text)
        except json.JSONDecodeError:
            options[key] = text
    return options


def write_json(document: Any, out: TextIO, indent: int | None = 2) -> None:
    """``document`` as one JSON text and a newline: ``--json`` output is a contract other tools read."""
    json.dump(document, out, indent=indent)
    out.write("\n")


def describe_exit_codes(*codes: int) -> str:
    """The exit-code table (of ``codes``, or all of them) for a ``--help`` text, from :data:`EXIT_CODES`."""
    rows = [(code, EXIT_CODES[code]) for code in (codes or EXIT_CODES)]
    table = tabulate(rows, tablefmt="plain")
    return "exit codes:\n" + "\n".join(f"  {line}" for line in table.splitlines())


def write_run_report(summary: RunSummary, stream: TextIO) -> None:
    """Write ``RUN_DIR/report`` after ``run`` or ``evaluate``, complete or partial, into ``summary.report``.

    A failure here is only reported: the cells' results are safe on disk and
    ``nasbench-rss report RUN_DIR`` can retry; a file that cannot be written is a storage
    problem of the run (exit code 3).
    """
    from nasbench_rss.report import write_report

    try:
        summary.report = write_report(summary.run_dir)
    except StorageError as error:
        summary.storage_problems.append(str(error))
    except Exception as error:
        print(
            f"warning: the report of {summary.run_dir} could not be written ({type(error).__name__}: {error}); "
            f"retry with `nasbench-rss report {summary.run_dir}`",
            file=stream,
        )
