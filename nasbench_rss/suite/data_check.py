"""Checking the suite against its datasets' shapes and sizes, before any cell trains.

Each dataset plugin describes its data without loading it (:func:`~nasbench_rss.data.registry.dataset_info`:
channels, classes, split sizes, and whether the files are there).  From that, mistakes
that would otherwise surface in a cell after others trained for hours are problems now:

* a ``train_subset``/``test_subset`` larger than its split, or smaller than the number
  of classes (a class-stratified subset needs an image of every class);
* a training subset smaller than BN recalibration draws from (``evaluation.recalibration_images``);
* ``drop_last: true`` with fewer training images than ``batch_size`` (no full batch:
  nothing would train), and a last batch of exactly one image without it (batch norm
  cannot normalise a single image in training mode).

Missing files are not a problem of the suite itself: :func:`data_problems` reports them
for the cells about to run (``validate`` lists them for every cell).
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.data.registry import dataset_info
from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import OptionsError, PluginRegistry
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.resolved import GridEntry, ResolvedRun, ResolvedSuite


def dataset_infos(suite: ResolvedSuite, registry: PluginRegistry) -> tuple[dict[str, DatasetInfo], list[Problem]]:
    """Each dataset's :class:`DatasetInfo` by name, and problems for those whose plugin cannot say."""
    infos: dict[str, DatasetInfo] = {}
    problems = []
    for entry in suite.datasets:
        try:
            infos[entry.name], _ = dataset_info(entry.name, entry.options, registry)
        except OptionsError as error:
            problems += [Problem((*entry.path, "options", *p.path), p.message) for p in error.problems]
        except Exception as error:  # a plugin's source may raise anything; the user is to see it
            detail = str(error) if isinstance(error, NasbenchError) else f"{type(error).__name__}: {error}"
            problems.append(Problem(entry.path, f"dataset {entry.name!r} cannot describe its data: {detail}"))
    return infos, problems


def fit_problems(suite: ResolvedSuite, infos: dict[str, DatasetInfo], skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Subsets, BN recalibration and batches that do not fit the datasets (see the module docstring).

    ``skip`` names what not to read (``evaluation``, ``training``: defaults that failed
    validation; ``runs``: a stand-in for runs that all failed).
    """
    problems = []
    fit = {}  # the datasets whose subsets fit: the later checks count their images
    for entry in suite.datasets:
        info = infos.get(entry.name)
        if info is None:
            continue
        subset = _subset_problems(suite, entry, info) + _holdout_problems(suite, entry, info)
        problems += subset
        if not subset:
            fit[entry.name] = info
            if "evaluation" not in skip:
                problems += _calibration_problems(suite, entry, info)
    if not skip & {"training", "runs"}:
        by_place: dict[tuple[tuple[Any, ...], str], list[str]] = {}
        for run in suite.runs:
            for path, message in _batch_problems(suite, run, fit):
                by_place.setdefault((path, message), []).append(repr(run.name))
        problems += [
            Problem(path, message.format(runs=f"run{'s' if len(runs) > 1 else ''} {', '.join(runs)}"))
            for (path, message), runs in by_place.items()
        ]
    return problems


def data_problems(datasets: list[GridEntry], infos: dict[str, DatasetInfo]) -> list[Problem]:
    """A problem at each of ``datasets`` whose data cannot be loaded (files missing), saying how to get it."""
    return [
        Problem(entry.path, info.problem)
        for entry in datasets
        if (info := infos.get(entry.name)) is not None and info.problem is not None
    ]


def train_images(entry: GridEntry, info: DatasetInfo) -> int:
    """How many training images a cell of ``entry`` trains on."""
    return entry.train_subset if entry.train_subset is not None else info.train_size


# ---------------------------------------------------------------------- checks


def _subset_problems(suite: ResolvedSuite, entry: GridEntry, info: DatasetInfo) -> list[Problem]:
    problems = []
    for key, split, subset, size in (
        ("train_subset", "training", entry.train_subset, info.train_size),
        ("test_subset", "test", entry.test_subset, info.test_size),
    ):
        allowed = f"allowed: {info.num_classes} to {size}, or null (the whole split)"
        if subset is not None and subset > size:
            message = f"{subset} {split} images are more than {entry.name}'s {split} split holds ({size}); {allowed}"
        elif subset is not None and subset < info.num_classes:
            message = (
                f"{subset} {split} images are fewer than {entry.name}'s {info.num_classes} classes, and a class-stratified "
                f"subset needs an image of every class; {allowed}"
            )
        else:
            continue
        problems.append(Problem(_entry_setting(suite, entry, key), message))
    return problems


def _holdout_problems(suite: ResolvedSuite, entry: GridEntry, info: DatasetInfo) -> list[Problem]:
    """A hold-out (``valid_size``, the suite's or a run's protocol's) that leaves too few images to train or subset."""
    problems = []
    for valid_size, runs in _holdouts(suite, entry).items():
        if not valid_size:
            continue
        left = info.train_size - valid_size
        if entry.valid_size is not None:
            where = _entry_setting(suite, entry, "valid_size")
            origin = "valid_size"
        else:
            where = runs[0].path
            origin = f"protocol {runs[0].protocol}'s valid_size"
        runs_text = ", ".join(repr(run.name) for run in runs)
        if left < max(1, info.num_classes):
            problems.append(Problem(where, (
                f"{origin} {valid_size} leaves {max(left, 0)} of {entry.name}'s {info.train_size} training images to train on "
                f"(runs {runs_text}); allowed: valid_size 0 to {info.train_size - info.num_classes} (set dataset valid_size)"
            )))  # fmt: skip
        elif entry.train_subset is not None and entry.train_subset > left:
            problems.append(Problem(_entry_setting(suite, entry, "train_subset"), (
                f"{entry.train_subset} training images are more than the {left} {origin} {valid_size} leaves of "
                f"{entry.name}'s {info.train_size} (runs {runs_text}); allowed: train_subset at most {left}, or a smaller valid_size"
            )))  # fmt: skip
    return problems


def _holdouts(suite: ResolvedSuite, entry: GridEntry) -> dict[int, list[ResolvedRun]]:
    """Each hold-out size the runs use on ``entry``, with the runs that use it."""
    sizes: dict[int, list[ResolvedRun]] = {}
    for run in suite.runs:
        sizes.setdefault(run.valid_size_for(entry)[0], []).append(run)
    return sizes


def _calibration_problems(suite: ResolvedSuite, entry: GridEntry, info: DatasetInfo) -> list[Problem]:
    """Fewer training images (a subset or the whole split) than the BN calibration set would fail every cell after training."""
    wanted = suite.evaluation.recalibration_images
    images = train_images(entry, info)
    if images >= wanted:
        return []
    what = "train_subset" if entry.train_subset is not None else f"{entry.name}'s whole training split"
    return [
        Problem(
            _entry_setting(suite, entry, "train_subset") if entry.train_subset is not None else entry.path,
            f"{images} training images ({what}) are fewer than defaults.evaluation.recalibration_images ({wanted}), "
            f"which BN recalibration draws from them; allowed: at least {wanted} training images, or fewer recalibration_images",
        )
    ]


def _batch_problems(suite: ResolvedSuite, run: ResolvedRun, infos: dict[str, DatasetInfo]) -> list[tuple[tuple[Any, ...], str]]:
    """(where, message with a ``{runs}`` field) for no full batch with drop_last, or a last batch of one image without it."""
    batch, drop_last = run.training.batch_size, run.training.drop_last
    empty, single = [], []
    for entry in suite.datasets:
        info = infos.get(entry.name)
        if info is None:
            continue
        n = train_images(entry, info)
        if drop_last and n < batch:
            empty.append(f"{entry.name}'s {n}")
        elif not drop_last and n % batch == 1:
            single.append(f"{entry.name}'s {n} ({n // batch} x {batch} + 1)")
    problems = []
    if empty:
        problems.append((
            _run_setting(suite, run, "drop_last"),
            f"true with batch_size {batch} leaves no full batch of {' or '.join(empty)} training images, so nothing "
            "would train ({runs}); allowed: batch_size at most the training images, drop_last: false, or a larger train_subset",
        ))
    if single:
        problems.append((
            _run_setting(suite, run, "batch_size"),
            f"{batch} leaves a last batch of one image in every epoch of {' and '.join(single)} training images "
            "({runs}), which batch norm cannot normalise in training; allowed: a batch_size that leaves 0 or at least "
            "2 images over, drop_last: true, or another train_subset",
        ))
    return problems


def _entry_setting(suite: ResolvedSuite, entry: GridEntry, key: str) -> tuple[Any, ...]:
    """Where ``key`` of a dataset entry is written: the entry, else defaults.dataset it inherits from, else the entry."""
    return suite.written_at((*entry.path, key), ("defaults", "dataset", key)) or entry.path


def _run_setting(suite: ResolvedSuite, run: ResolvedRun, key: str) -> tuple[Any, ...]:
    """Where a run's training setting ``key`` is written: the run, else defaults.training, else the run."""
    return suite.written_at((*run.path, "training", key), ("defaults", "training", key)) or run.path
