"""The random streams' names: one constant each in seeding.py, never a literal elsewhere, never renamed.

A stream's name is the key its numbers are drawn from, so a renamed stream silently
changes every result drawn from it, and a literal typed twice ("data-order" vs
"data_order") silently gives two streams where one was meant.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nasbench_rss
from nasbench_rss import seeding
from nasbench_rss.space.buckets import bucket_key

STREAM_FUNCTIONS = {"seed_sequence", "numpy_rng", "stream_int", "torch_generator", "forked_global_rng"}


def _stream_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "stream":
            return keyword.value
    return call.args[1] if len(call.args) > 1 else None


def _is_literal_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_literal_text(node.left) or _is_literal_text(node.right)
    return False


def test_no_module_passes_a_literal_stream_name():
    package = Path(nasbench_rss.__file__).parent
    literals = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            stream = _stream_argument(node) if name in STREAM_FUNCTIONS else None
            if stream is not None and _is_literal_text(stream):
                literals.append(f"{path.relative_to(package)}:{node.lineno}: {ast.unparse(stream)}")
    assert literals == [], "stream names belong in nasbench_rss/seeding.py as constants"


def test_the_streams_keep_their_names():
    """The values results were drawn from; changing one changes every result of that stream."""
    assert (seeding.SAMPLER, seeding.DATA_ORDER, seeding.AUGMENTATION, seeding.DROPOUT, seeding.INIT, seeding.TEACHER) == (
        "sampler", "data-order", "augmentation", "dropout", "init", "teacher",
    )  # fmt: skip
    assert (seeding.SUBSET, seeding.CALIBRATION, seeding.CALIBRATION_AUGMENTATION) == (
        "subset", "evaluation/calibration", "evaluation/calibration-augmentation",
    )  # fmt: skip
    assert (seeding.PROBE_BATCH, seeding.SYNTHETIC_DATASET) == ("probe/batch", "synthetic-dataset")
    assert seeding.evaluation_bucket_stream(bucket_key(4.0)) == "evaluation/bucket/4"
    assert seeding.evaluation_bucket_stream(bucket_key(12.5)) == "evaluation/bucket/12.5"
    assert seeding.probe_stream(bucket_key(6)) == "probe/6"
    assert len(set(seeding.STREAMS)) == len(seeding.STREAMS)
