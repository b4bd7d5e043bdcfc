"""Mistakes that used to surface only when a cell trained (or crashed later): now refused by load_suite, each at its line."""

from __future__ import annotations

import json

import pytest
from tests.suite.suite_helpers import problems as suite_problems

from nasbench_rss.suite import parse_suite

BASE = """\
name: t
defaults:
  architecture: {name: mobilenet-v3}
  dataset: {name: synthetic, options: {train_size: 640, test_size: 100}}
  training: {batch_size: 64}
  evaluation: {recalibration_images: 64, recalibration_batch_size: 32}
runs:
  ofa:
    sampler: progressive-shrinking
    epochs: 6
  rss:
    sampler: rss
    epochs: 2
"""


def problems(text: str, **kwargs) -> list[str]:
    return suite_problems(text, "c.yaml", **kwargs)


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text
    return text.replace(old, new)


def at(text: str, fragment: str, *, value: bool = True) -> str:
    """``c.yaml:LINE:COL`` of the first ``fragment`` in ``text``: of its value (after ``: ``), or of its start."""
    assert text.count(fragment) == 1, fragment
    offset = text.index(fragment) + (fragment.index(": ") + 2 if value else 0)
    line = text.count("\n", 0, offset) + 1
    return f"c.yaml:{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def test_the_base_suite_is_valid():
    assert len(parse_suite(BASE).cells()) == 2


# ---------------------------------------------------------------------- subsets and the dataset's sizes


def test_a_subset_larger_than_its_split():
    text = edit("test_size: 100}}", "test_size: 100}, train_subset: 641, test_subset: 101}")
    assert problems(text) == [
        f"{at(text, 'train_subset: 641')}: defaults.dataset.train_subset: 641 training images are more than synthetic's "
        "training split holds (640); allowed: 10 to 640, or null (the whole split)",
        f"{at(text, 'test_subset: 101')}: defaults.dataset.test_subset: 101 test images are more than synthetic's test split "
        "holds (100); allowed: 10 to 100, or null (the whole split)",
    ]
    assert parse_suite(text.replace("641", "640").replace("101", "100")).cells()


def test_a_subset_of_a_real_dataset_is_checked_against_its_published_size():
    text = edit("{name: synthetic, options: {train_size: 640, test_size: 100}}", "{name: mnist, train_subset: 70000}")
    (problem,) = problems(text)
    assert problem.startswith(f"{at(text, 'train_subset: 70000')}: defaults.dataset.train_subset: 70000 training images are more than mnist's training split holds (60000)")


def test_a_subset_smaller_than_the_number_of_classes():
    text = edit("test_size: 100}}", "test_size: 100, num_classes: 20}, test_subset: 12}")
    assert problems(text) == [
        f"{at(text, 'test_subset: 12')}: defaults.dataset.test_subset: 12 test images are fewer than synthetic's 20 classes, and a class-stratified "
        "subset needs an image of every class; allowed: 20 to 100, or null (the whole split)"
    ]


def test_a_matrix_entry_inheriting_a_subset_is_reported_where_the_subset_is_written():
    text = edit("test_size: 100}}", "test_size: 100}, train_subset: 700}") + "matrix:\n  dataset: [synthetic, mnist]\n"
    (problem,) = problems(text)  # mnist (60000 images) takes the subset of 700 as well; only synthetic's split is too small
    assert problem.startswith(f"{at(text, 'train_subset: 700')}: defaults.dataset.train_subset: 700 training images are more than synthetic's training split holds (640)")


# ---------------------------------------------------------------------- batches


def test_drop_last_with_fewer_training_images_than_a_batch():
    text = edit("test_size: 100}}", "test_size: 100}, train_subset: 100}").replace("{batch_size: 64}", "{batch_size: 128, drop_last: true}")
    assert problems(text) == [
        f"{at(text, 'drop_last: true')}: defaults.training.drop_last: true with batch_size 128 leaves no full batch of synthetic's 100 training "
        "images, so nothing would train (runs 'ofa', 'rss'); allowed: batch_size at most the training images, "
        "drop_last: false, or a larger train_subset"
    ]
    assert parse_suite(text.replace("drop_last: true", "drop_last: false")).cells()


def test_a_last_batch_of_one_image_is_refused_where_the_batch_size_is_written():
    text = edit("    epochs: 2\n", "    epochs: 2\n    training: {batch_size: 639}\n")  # 640 = 1 x 639 + 1
    assert problems(text) == [
        f"{at(text, 'batch_size: 639')}: runs.rss.training.batch_size: 639 leaves a last batch of one image in every epoch of synthetic's 640 "
        "(1 x 639 + 1) training images (run 'rss'), which batch norm cannot normalise in training; allowed: a batch_size "
        "that leaves 0 or at least 2 images over, drop_last: true, or another train_subset"
    ]
    assert parse_suite(text.replace("{batch_size: 639}", "{batch_size: 639, drop_last: true}")).cells()


def test_a_last_batch_of_one_image_really_fails_training():
    """What the check prevents: batch norm refuses a batch of one image in training mode (SE layers pool it to 1x1)."""
    import torch

    from nasbench_rss.arch.layout import Shape
    from nasbench_rss.plugins import get_architecture

    arch = get_architecture("mobilenet-v3")
    space = arch.space()
    model = arch.build(Shape(in_channels=3, num_classes=10, image_size=16), space)
    model.set_active(space.smallest())
    model.train()
    assert model(torch.zeros(2, 3, 16, 16)).shape == (2, 10)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        model(torch.zeros(1, 3, 16, 16))


# ---------------------------------------------------------------------- warmup and the sampler's phases


def test_a_warmup_as_long_as_the_first_phase():
    text = edit("{batch_size: 64}", "{batch_size: 64, warmup_epochs: 1}")
    assert problems(text) == [
        f"{at(text, 'warmup_epochs: 1')}: defaults.training.warmup_epochs: 1 warmup epoch leaves no epoch of the first phase ('supernet', 1 epoch "
        "of progressive-shrinking) to train after the warmup; allowed: 0 (no warmup) [in mobilenet-v3/synthetic (6 epochs)]"
    ]
    text = edit("    epochs: 2\n", "    epochs: 2\n    training: {warmup_epochs: 2}\n")
    (problem,) = problems(text)
    assert problem.startswith(f"{at(text, 'warmup_epochs: 2')}: runs.rss.training.warmup_epochs: 2 warmup epochs leave no epoch of the first phase ('train', 2 epochs of rss)")
    assert parse_suite(edit("    epochs: 2\n", "    epochs: 2\n    training: {warmup_epochs: 1}\n")).cells()


# ---------------------------------------------------------------------- counts of subnets per step


@pytest.mark.parametrize(
    "sampler, options, where",
    [("per-batch", "{k: 1000000000}", "k: 1000000000"), ("progressive-shrinking", "{subnets_per_step: [1, 2, 2, 4, 65]}", " 65]")],
)
def test_subnets_per_step_are_bounded(sampler, options, where):
    text = edit("sampler: rss", f"sampler: {sampler}\n    options: {options}").replace("epochs: 2", "epochs: 6")
    (problem,) = problems(text)
    position = at(text, where) if ": " in where else at(text, "65]", value=False)
    assert problem.startswith(f"{position}: runs.rss.options.")
    assert problem.endswith("not allowed; allowed: at most 64 (each subnet of a step is a forward and a backward pass on the batch)")
    assert parse_suite(text.replace("1000000000", "64").replace("65]", "64]")).cells()


# ---------------------------------------------------------------------- independent mistakes, all at once


def test_a_schema_mistake_does_not_hide_a_build_mistake_in_another_run():
    text = edit("    sampler: rss\n", "    sampler: rss\n    option: {}\n").replace("epochs: 6", "epochs: 5")
    assert [p.split(": ")[1] for p in problems(text)] == ["runs.ofa", "runs.rss.option"]


def test_what_is_checked_after_a_schema_mistake_is_only_what_validated():
    text = edit("{batch_size: 64}", "{batch_size: big}").replace("epochs: 6", "epochs: 5")
    text = text.replace("test_size: 100}}", "test_size: 100}, train_subset: 1000}")
    found = problems(text)
    assert [p.split(": ")[1] for p in found] == ["defaults.dataset.train_subset", "defaults.training.batch_size", "runs.ofa"]
    assert "big" in found[1] and "too few" in found[2]


def test_a_failing_default_leaves_its_dependents_unchecked_rather_than_guessed():
    text = edit("options: {train_size: 640, test_size: 100}", "options: {train_size: 640, test_size: 100, colour: 1}")
    text += "matrix:\n  dataset: [synthetic, {name: synthetic, train_subset: 5}]\n"
    (problem,) = problems(text)  # not also matrix.dataset[1]'s train_subset, resolved without its defaults
    assert "unknown key 'colour'" in problem


def test_when_every_run_has_a_schema_mistake_the_rest_is_still_checked():
    text = "seeds: [0, 0]\n" + edit("test_size: 100}}", "test_size: 100}, train_subset: 5}")
    text = text.replace("epochs: 6", "epochs: six").replace("    sampler: rss\n", "    sampler: rss\n    option: {}\n")
    assert [p.split(": ")[1] for p in problems(text)] == ["seeds[1]", "defaults.dataset.train_subset", "runs.ofa.epochs", "runs.rss.option"]


def test_resolution_problems_do_not_hide_sampler_problems():
    text = "seeds: [0, 0]\n" + BASE.replace("epochs: 6", "epochs: 5")
    assert [p.split(": ")[1] for p in problems(text)] == ["seeds[1]", "runs.ofa"]


def test_a_list_whose_items_fail_is_not_also_too_short():
    text = edit("    epochs: 6\n", "    epochs: 6\n    options: {subnets_per_step: abc, lr_divisors: [a, 1, 1, 1, 1]}\n")
    assert problems(text) == [
        f"{at(text, 'subnets_per_step: abc')}: runs.ofa.options.subnets_per_step: 'abc' not allowed; allowed: a valid integer",
        f"{at(text, 'a, 1, 1', value=False)}: runs.ofa.options.lr_divisors[0]: 'a' not allowed; allowed: a valid number",
    ]


# ---------------------------------------------------------------------- values that passed, then crashed


@pytest.mark.parametrize(
    "old, new, path",
    [
        ("{batch_size: 64}", "{batch_size: 64, lr: .inf}", "defaults.training.lr"),
        ("recalibration_batch_size: 32}", "recalibration_batch_size: 32, tolerance: .nan}", "defaults.evaluation.tolerance"),
        ("test_size: 100}", "test_size: 100, noise: -.inf}", "defaults.dataset.options.noise"),
        ("    epochs: 6\n", "    epochs: 6\n    options: {kd_ratio: .nan}\n", "runs.ofa.options.kd_ratio"),
    ],
)
def test_infinite_and_nan_numbers_are_refused_at_their_line(old, new, path):
    text = edit(old, new)
    (problem,) = problems(text)
    key = path.rsplit(".", 1)[1]
    assert problem.startswith(f"{at(text, key + ': ' + new.split(key + ': ')[1][:4])}: {path}: ")
    assert problem.endswith("not allowed; allowed: a finite number")


def test_a_valid_suite_is_json_all_the_way():
    """What crashed before: the resolved suite (and the manifest) are written with json.dumps(allow_nan=False)."""
    json.dumps(parse_suite(BASE).resolved_document(), allow_nan=False)


HUGE = "9" * 260


@pytest.mark.parametrize(
    "text, path, value",
    [
        (f"seeds: [0, {HUGE}]\n" + BASE, "seeds[1]", HUGE),
        (edit("recalibration_batch_size: 32}", f"recalibration_batch_size: 32, seed: {2**63}}}"), "defaults.evaluation.seed", str(2**63)),
        (edit("test_size: 100}", f"test_size: 100, seed: {HUGE}}}"), "defaults.dataset.options.seed", HUGE),
    ],
)
def test_seeds_are_bounded_by_what_torch_takes(text, path, value):
    (problem,) = problems(text)
    assert problem.startswith(f"{at(text, value, value=False)}: {path}: ")
    assert problem.endswith("not allowed; allowed: at most 2**63 - 1 = 9223372036854775807 (seeds are 0..2**63-1, what torch.Generator.manual_seed takes)")
    assert len(problem) < 300  # a 260-digit number is shortened
    assert parse_suite(f"seeds: [0, {2**63 - 1}]\n" + BASE).seeds == [0, 2**63 - 1]
