"""Architecture options: the elastic choices, validated by the architecture's own model."""

import pytest

from nasbench_rss.arch.options import SpaceOptions, architecture_space
from nasbench_rss.errors import SpaceError
from nasbench_rss.plugins import OptionsError, get_registry


@pytest.mark.parametrize("name", ["mobilenet-v3", "proxylessnas"])
def test_default_options_give_the_papers_space(name):
    entry = get_registry().get("architecture", name)
    space, resolved = architecture_space(entry, {})
    assert space == entry.factory().space()
    assert resolved == {"kernel": [3, 5, 7], "expand": [3, 4, 6], "depth": [2, 3, 4]}


def test_options_restrict_the_space():
    entry = get_registry().get("architecture", "mobilenet-v3")
    space, resolved = architecture_space(entry, {"kernel": [3, 5], "depth": [4]})
    assert space.kernel_choices == (3, 5) and space.depth_choices == (4,)
    assert resolved["kernel"] == [3, 5] and resolved["expand"] == [3, 4, 6]
    assert space.size < entry.factory().space().size


@pytest.mark.parametrize(
    "options, message",
    [
        ({"kernal": [3]}, "^architecture 'mobilenet-v3': kernal: unknown key 'kernal' \\(did you mean 'kernel'\\?\\); allowed: kernel, expand, depth$"),
        ({"kernel": [3, 4]}, "kernel: 4 is not allowed; allowed: odd integers"),
        ({"depth": [2, 2]}, "repeats a value"),
        ({"depth": [5]}, "exceeds stage 0's 4 layers"),
        ({"expand": []}, "^architecture 'mobilenet-v3': expand: a list of 0 items not allowed; allowed: at least 1 item;"),
    ],
)
def test_bad_options_name_the_field(options, message):
    entry = get_registry().get("architecture", "mobilenet-v3")
    with pytest.raises((SpaceError, OptionsError), match=message):
        architecture_space(entry, options)


def test_registered_options_model_is_space_options():
    assert get_registry().get("architecture", "mobilenet-v3").options_model is SpaceOptions
