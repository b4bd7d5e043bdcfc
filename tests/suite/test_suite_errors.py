"""Invalid suites: every problem at once, each at its exact line, with the path and what is allowed."""

from __future__ import annotations

from tests.suite.suite_helpers import problems as suite_problems

from nasbench_rss.errors import NasbenchError, SuiteError
from nasbench_rss.suite import parse_suite

VALID = """\
name: t
defaults:
  architecture: {name: mobilenet-v3}
  dataset: {name: synthetic, options: {train_size: 2048, test_size: 32}}
runs:
  ofa:
    sampler: progressive-shrinking
    epochs: 6
  rss:
    sampler: rss
    epochs: 2
"""


def problems(text: str, **kwargs) -> list[str]:
    return suite_problems(text, "s.yaml", **kwargs)


def replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


def test_the_base_suite_is_valid():
    assert len(parse_suite(VALID).cells()) == 2


def test_suite_error_is_a_nasbench_error_and_a_value_error():
    assert issubclass(SuiteError, NasbenchError) and issubclass(SuiteError, ValueError)


def test_unknown_key():
    assert problems(replace("    epochs: 2\n", "    epochs: 2\n    epoch: 3\n")) == [
        "s.yaml:12:5: runs.rss.epoch: unknown key 'epoch' (did you mean 'epochs'?); "
        "allowed: description, sampler, options, epochs, protocol, training"
    ]


def test_unknown_top_level_key():
    (problem,) = problems("seed: [0]\n" + VALID)
    assert problem.startswith("s.yaml:1:1: seed: unknown key 'seed' (did you mean 'seeds'?); allowed: name, description, requires, seeds,")


def test_wrong_type():
    assert problems(replace("epochs: 2", "epochs: two")) == [
        "s.yaml:11:13: runs.rss.epochs: 'two' not allowed; allowed: a valid integer"
    ]


def test_wrong_type_in_training():
    (problem,) = problems(replace("    epochs: 2\n", "    epochs: 2\n    training: {batch_size: large}\n"))
    assert problem == "s.yaml:12:28: runs.rss.training.batch_size: 'large' not allowed; allowed: a valid integer"


def test_unknown_sampler_lists_the_available_ones():
    (problem,) = problems(replace("sampler: rss", "sampler: rs"))
    assert problem.startswith("s.yaml:10:14: runs.rss.sampler: unknown sampler 'rs' (did you mean 'rss'?); allowed: alternating,")
    assert "progressive-shrinking, rss, sandwich, single, stand-alone, strict-fair" in problem


def test_a_sampler_written_as_a_mapping_says_where_options_go():
    """A careless user's ``sampler: {name: rss, options: ...}`` read as an unknown sampler named by the mapping's repr."""
    (problem,) = problems(replace("sampler: rss", "sampler: {name: rss, options: {distribution: uniform}}"))
    assert problem.startswith(
        "s.yaml:10:5: runs.rss.sampler: a mapping is not a sampler name (a run's sampler options go in its `options:`, "
        "beside `sampler:`); allowed: alternating,"
    ), problem


def test_defaults_take_a_bare_architecture_and_dataset_name_as_the_matrix_does():
    suite = parse_suite(replace("{name: mobilenet-v3}", "mobilenet-v3"))
    assert {cell.config.arch for cell in suite.cells()} == {"mobilenet-v3"}
    (problem,) = problems(replace("{name: mobilenet-v3}", "mobilenet"))
    assert problem.startswith("s.yaml:3:17: defaults.architecture: unknown architecture 'mobilenet' (did you mean 'mobilenet-v3'?)"), problem


def test_unknown_dataset_and_architecture():
    text = replace("{name: mobilenet-v3}", "{name: mobilenet}").replace("name: synthetic,", "name: synthetics,")
    assert problems(text) == [
        "s.yaml:3:24: defaults.architecture.name: unknown architecture 'mobilenet' (did you mean 'mobilenet-v3'?); "
        "allowed: mobilenet-v3, proxylessnas (`nasbench-rss plugins` lists them)",
        "s.yaml:4:19: defaults.dataset.name: unknown dataset 'synthetics' (did you mean 'synthetic'?); "
        "allowed: cifar10, cifar100, fashion-mnist, mnist, synthetic (`nasbench-rss plugins` lists them)",
    ]


def test_missing_sampler():
    (problem,) = problems(replace("    sampler: rss\n", ""))
    assert problem.startswith("s.yaml:9:3: runs.rss: no sampler given; allowed: alternating,")


def test_bad_sampler_option():
    text = replace("    epochs: 6\n", "    epochs: 6\n    options:\n      kd_ratio: -1\n      stages: 3\n")
    assert problems(text) == [
        "s.yaml:10:17: runs.ofa.options.kd_ratio: -1 not allowed; allowed: greater than or equal to 0",
        "s.yaml:11:7: runs.ofa.options.stages: unknown key 'stages'; "
        "allowed: supernet_epochs, phase_epochs, lr_schedule, lr_divisors, warmup_epochs, subnets_per_step, fresh_optimizer, "
        "sort_channels, teacher, kd_ratio, epoch_rounding, distribution",
    ]


def test_bad_dataset_option_and_model_level_errors():
    text = replace("{train_size: 2048, test_size: 32}", "{train_size: 2048, test_size: 32, colour: true}")
    assert problems(text) == [
        "s.yaml:4:73: defaults.dataset.options.colour: unknown key 'colour' (did you mean 'clutter'?); "
        "allowed: train_size, test_size, num_classes, channels, image_size, noise, clutter, seed"
    ]
    (problem,) = problems(replace("test_size: 32", "test_size: 5"))
    assert problem.startswith("s.yaml:4:30: defaults.dataset.options: test_size: 5 not allowed; allowed: >= num_classes (10)")


def test_missing_epochs_says_what_is_allowed():
    (problem,) = problems(replace("    epochs: 2\n", ""))
    assert problem.startswith("s.yaml:9:3: runs.rss.epochs: required key missing; allowed: total training epochs")


def test_bad_names_and_device():
    text = replace("name: t", "name: My Suite").replace("  rss:\n", "  RSS:\n") + "device: gpu\n"
    assert problems(text) == [
        "s.yaml:1:7: name: 'My Suite' not allowed; allowed: lowercase letters, digits and single '-' between them, e.g. rss-short",
        "s.yaml:9:3: runs.RSS: 'RSS' not allowed; allowed: lowercase letters, digits and single '-' between them, e.g. rss-short",
        "s.yaml:12:9: device: 'gpu' not allowed; allowed: auto, cpu, cuda or cuda:N",
    ]


def test_all_schema_problems_are_reported_at_once_in_file_order():
    text = replace("epochs: 2", "epochs: 0").replace("sampler: progressive-shrinking", "sampler: ps") + "seeds: [-1]\n"
    found = problems(text)
    assert [p.split(": ")[0] for p in found] == ["s.yaml:7:14", "s.yaml:11:13", "s.yaml:12:9"]


def test_epochs_too_few_for_the_sampler_is_reported_at_the_run():
    assert problems(replace("epochs: 6", "epochs: 5")) == [
        "s.yaml:6:3: runs.ofa: sampler 'progressive-shrinking': epochs: 5 too few for progressive shrinking's six phases of at "
        "least one epoch; allowed: >= 6 [in mobilenet-v3/synthetic (5 epochs)]"
    ]


def test_sampler_options_that_do_not_fit_the_run_are_reported_at_the_option():
    text = replace("    epochs: 6\n", "    epochs: 6\n    options: {supernet_epochs: 25}\n")
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:9:32: runs.ofa.options.supernet_epochs: 25 implies 25 (supernet) + 18 (kernel, 1 of them warm-up)")
    assert problem.endswith("set epochs to 85 or leave supernet_epochs unset to derive it from epochs [in mobilenet-v3/synthetic (6 epochs)]")
    text = replace("sampler: rss", "sampler: single\n    options: {subnet: bogus}")
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:11:23: runs.rss.options.subnet: 'bogus' is not one of smallest, middle, largest")
    text = replace("sampler: rss", "sampler: min-then-max\n    options: {switch_epoch: 5}")
    assert problems(text) == [
        "s.yaml:11:29: runs.rss.options.switch_epoch: 5 not allowed for a 2-epoch run; allowed: 1..1 [in mobilenet-v3/synthetic (2 epochs)]"
    ]
    text = replace("sampler: rss", "sampler: alternating\n    options:\n      subnets: [smallest, huge]")
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:12:27: runs.rss.options.subnets[1]: 'huge' is not one of smallest, middle, largest")


def test_semantic_problems_are_reported_together():
    text = replace("name: t\n", "name: t\nseeds: [0, 1, 0]\nbaseline: ofb\n")
    assert problems(text) == [
        "s.yaml:2:15: seeds[2]: seed 0 repeats seeds[0]; allowed: distinct integers >= 0",
        "s.yaml:3:11: baseline: 'ofb' is not a run of this suite (did you mean 'ofa'?); allowed: ofa, rss",
    ]


def test_per_dataset_epochs_must_name_exactly_the_datasets():
    text = VALID + "matrix:\n  dataset: [synthetic, mnist]\n"
    text = text.replace("    epochs: 2\n", "    epochs: {synthetic: 2, fashion-mnist: 3}\n")
    assert problems(text) == [
        "s.yaml:11:5: runs.rss.epochs: no epochs for dataset(s) mnist; allowed: a mapping naming every dataset "
        "(synthetic, mnist), or one integer for all",
        "s.yaml:11:28: runs.rss.epochs.fashion-mnist: 'fashion-mnist' is not a dataset of this suite; allowed: synthetic, mnist",
    ]


def test_no_dataset_at_all():
    text = VALID.replace("  dataset: {name: synthetic, options: {train_size: 2048, test_size: 32}}\n", "")
    (problem,) = problems(text)
    assert problem.startswith("s.yaml:2:1: defaults: no dataset given; allowed: defaults.dataset (one dataset) or matrix.dataset")


def test_a_dataset_listed_twice_in_the_matrix():
    (problem,) = problems(VALID + "matrix:\n  dataset: [synthetic, mnist, synthetic]\n")
    assert problem.startswith("s.yaml:13:31: matrix.dataset[2]: dataset 'synthetic' is listed twice")


def test_architecture_options_the_space_rejects():
    (problem,) = problems(replace("{name: mobilenet-v3}", "{name: mobilenet-v3, options: {kernel: [3, 4]}}"))
    assert problem.startswith("s.yaml:3:38: defaults.architecture.options: ")
    assert "kernel" in problem and "allowed" in problem


def test_unmet_requirements_name_the_installed_version():
    text = 'requires:\n  - nasbench-rss>=99\n  - no-such-distribution-xyz\n  - "nasbench-rss<99"\n' + VALID
    assert problems(text) == [
        "s.yaml:2:5: requires[0]: nasbench-rss 0.1.0 is installed, which does not satisfy 'nasbench-rss>=99'; "
        "allowed: nasbench-rss>=99 (pip install 'nasbench-rss>=99')",
        "s.yaml:3:5: requires[1]: no-such-distribution-xyz is not installed; allowed: install it "
        "(pip install 'no-such-distribution-xyz')",
    ]


def test_requirement_problems_come_with_the_schema_problems():
    text = "requires: ['acme-samplers>=1']\n" + replace("sampler: rss", "sampler: acme")
    found = problems(text)
    assert found[0].startswith("s.yaml:1:12: requires[0]: acme-samplers is not installed")
    assert "unknown sampler 'acme'" in found[1]


def test_requirement_markers_and_syntax():
    assert parse_suite("requires: ['no-such-dist>=1; python_version < \"3\"']\n" + VALID).requires
    (problem,) = problems("requires: ['bad req!!']\n" + VALID)
    assert problem.startswith("s.yaml:1:12: requires[0]: 'bad req!!' is not a requirement (")


def test_a_document_that_is_not_a_mapping():
    (problem,) = problems("- name: t\n")
    assert problem == "s.yaml:1:1: a list not allowed; allowed: a mapping of keys to values"


def test_a_training_subset_smaller_than_the_calibration_set_is_refused_before_anything_runs():
    text = replace(
        "  dataset: {name: synthetic, options: {train_size: 2048, test_size: 32}}\n",
        "  dataset: {name: synthetic, options: {train_size: 2048, test_size: 32}, train_subset: 40}\n"
        "  evaluation: {recalibration_images: 50, recalibration_batch_size: 25}\n",
    )
    assert problems(text) == [
        "s.yaml:4:88: defaults.dataset.train_subset: 40 training images (train_subset) are fewer than "
        "defaults.evaluation.recalibration_images (50), which BN recalibration draws from them; allowed: at least 50 "
        "training images, or fewer recalibration_images"
    ]
    assert len(parse_suite(text.replace("train_subset: 40", "train_subset: 50")).cells()) == 2
    # the whole split counts too: 64 synthetic images cannot give 100 calibration images
    whole = replace(
        "  dataset: {name: synthetic, options: {train_size: 2048, test_size: 32}}\n",
        "  dataset: {name: synthetic, options: {train_size: 64, test_size: 32}}\n"
        "  evaluation: {recalibration_images: 100, recalibration_batch_size: 25}\n",
    )
    (problem,) = problems(whole)
    assert "defaults.dataset: 64 training images (synthetic's whole training split) are fewer than" in problem


def test_observers_are_plugins_checked_like_the_others_and_not_part_of_a_cells_identity():
    text = VALID + "observers: [tensorboard]\n"
    suite = parse_suite(text)
    assert all(cell.observers == (("tensorboard", {"exposure": True}),) for cell in suite.cells())
    assert [c.directory for c in suite.cells()] == [c.directory for c in parse_suite(VALID).cells()]  # same cells
    assert parse_suite(suite.resolved_yaml()).resolved.observers == suite.resolved.observers
    assert problems(VALID + "observers: [tensorbord]\n") == [
        "s.yaml:12:13: observers[0]: unknown observer 'tensorbord' (did you mean 'tensorboard'?); allowed: interference, "
        "tensorboard (`nasbench-rss plugins` lists them)"
    ]
    (bad_option,) = problems(VALID + "observers: [{name: tensorboard, options: {exposure: maybe}}]\n")
    assert bad_option.startswith("s.yaml:12:53: observers[0].options.exposure: 'maybe' not allowed")
    assert problems(VALID + "observers: [tensorboard, tensorboard]\n") == [
        "s.yaml:12:26: observers[1]: observer 'tensorboard' is listed twice; allowed: each observer once"
    ]
