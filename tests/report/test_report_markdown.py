"""report.md shows a suite's text as written: HTML in its description or a claim's source or words is escaped."""

from __future__ import annotations

import io
import json

import pytest
from tests.report.helpers import RESAMPLES
from tests.report.run_fixture import Fixture, write_run

from nasbench_rss.cli import main
from nasbench_rss.report import write_report
from nasbench_rss.report.markdown import cell, text

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'
CLAIMS = f"""claims:
  - better: {{run: rss, than: ofa}}
    source: '{SCRIPT} Fig. 3 {IMAGE}'
    says: '{IMAGE} rss wins {SCRIPT}'
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, registry):
    """A run whose suite description, claim source and claim words all carry a script and an image with onerror."""
    run_dir = write_run(tmp_path_factory.mktemp("hostile") / "run", Fixture(seeds=(0,), suite_extra=CLAIMS))
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["suite"]["description"] = f"Described {SCRIPT} and {IMAGE} & &amp; <!-- a comment -->"
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    write_report(run_dir, formats="md,html", resamples=RESAMPLES, registry=registry)
    return run_dir


def test_no_html_of_the_suite_is_in_the_markdown(hostile):
    markdown = (hostile / "report" / "report.md").read_text()
    for raw in ("<script", "</script", "<img", "<!--"):
        assert raw not in markdown
    assert "Described &lt;script>alert(1)&lt;/script> and &lt;img src=x onerror=\"alert(2)\"> & &amp;amp; &lt;!-- a comment -->" in markdown
    claim_row = next(line for line in markdown.splitlines() if line.startswith("| 1 "))
    assert "&lt;script>alert(1)&lt;/script> Fig. 3 &lt;img src=x" in claim_row  # the source column
    bullet = next(line for line in markdown.splitlines() if line.startswith("- 1. "))
    assert '(&lt;script>alert(1)&lt;/script> Fig. 3 &lt;img src=x onerror="alert(2)">: "&lt;img src=x onerror="alert(2)"> rss wins' in bullet


def test_a_markdown_renderer_shows_the_text_and_runs_nothing(hostile):
    markdown = pytest.importorskip("markdown")  # Python-Markdown passes raw HTML through, as many viewers do
    rendered = markdown.markdown((hostile / "report" / "report.md").read_text(), extensions=["tables"])
    assert "<script" not in rendered and "<img src=x" not in rendered and "<!--" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered or "&lt;script>alert(1)&lt;/script>" in rendered


def test_the_html_report_escapes_as_before(hostile):
    page = (hostile / "report" / "report.html").read_text()
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_claims_table_in_markdown_escapes_too(hostile):
    out = io.StringIO()
    assert main(["claims", str(hostile), "--markdown"], out=out) == 0
    assert "<script" not in out.getvalue() and "<img" not in out.getvalue()
    assert "&lt;script>alert(1)&lt;/script> Fig. 3" in out.getvalue()


@pytest.mark.parametrize(
    "plain, shown",
    [
        ("p < 0.05 and 3 > 2", "p < 0.05 and 3 > 2"),  # not markup: kept as written
        ("a<b>", "a&lt;b>"),
        ("</p>", "&lt;/p>"),
        ("<!DOCTYPE x> <?php ?>", "&lt;!DOCTYPE x> &lt;?php ?>"),
        ("R&D &amp; &#60; &#x3c;", "R&D &amp;amp; &amp;#60; &amp;#x3c;"),
        ("`code`", "`code`"),
    ],
)
def test_text_escapes_what_would_be_markup(plain, shown):
    assert text(plain) == shown


def test_a_cell_is_one_line_and_keeps_its_pipes():
    assert cell("a | b\nc <i>") == "a \\| b c &lt;i>"
