"""Every ``nasbench_rss.*`` name docs/writing-plugins.md and README.md give resolves (plugin API 1.0).

A name a document gives is a promise: plugin authors and users copy it.  When one of
these fails, either the code moved something it promised (restore it, or bump
``PLUGIN_API``'s major number and say so in CHANGELOG.md) or the document is wrong.
"""

from __future__ import annotations

import pytest

from tests.contract.documents import DOCUMENTS, ROOT, WRITING_PLUGINS, dotted_paths, resolve, source_files

NAMED = [(path.name, dotted) for path in DOCUMENTS for dotted in dotted_paths(path)]


def test_the_documents_name_import_paths_at_all():
    """Guards the parsing: if it found nothing, every test below would pass vacuously."""
    names = {dotted for _, dotted in NAMED}
    assert {"nasbench_rss.samplers.base.SamplerError", "nasbench_rss.plugins.OptionsError", "nasbench_rss.testing.check_sampler"} <= names
    assert "nasbench_rss.arch.static.load_network" in names  # from README's `from ... import load_network, load_metadata`
    assert len(names) > 50


@pytest.mark.parametrize("document, dotted", NAMED, ids=[f"{d}:{n}" for d, n in NAMED])
def test_each_named_path_resolves(document, dotted):
    try:
        resolve(dotted)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{document} names {dotted}, which does not resolve ({type(error).__name__}: {error})")


@pytest.mark.parametrize("relative", source_files(WRITING_PLUGINS))
def test_each_source_file_the_plugin_guide_points_at_exists(relative):
    assert (ROOT / relative).is_file(), f"docs/writing-plugins.md points at {relative}, which does not exist"


def test_the_documented_exception_paths_are_the_same_classes():
    """The same class under every path the documents give it (a copy would not be caught by ``except``)."""
    assert resolve("nasbench_rss.samplers.base.SamplerError") is resolve("nasbench_rss.errors.SamplerError")
    assert resolve("nasbench_rss.data.source.DatasetError") is resolve("nasbench_rss.data.dataset.DatasetError")
    assert resolve("nasbench_rss.data.source.DatasetError") is resolve("nasbench_rss.errors.DatasetError")
    assert resolve("nasbench_rss.testing.ConformanceError") is resolve("nasbench_rss.testing.sampler_conformance.ConformanceError")
    assert resolve("nasbench_rss.claims.options.ClaimOptions") is resolve("nasbench_rss.config.claims.ClaimOptions")
