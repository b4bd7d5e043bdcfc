import math

import pytest

from nasbench_rss.train.schedule import learning_rate


def test_cosine_starts_at_base_and_follows_ofa_formula():
    total = 10
    lrs = [learning_rate(0.1, t, total) for t in range(total)]
    assert lrs[0] == pytest.approx(0.1)
    for t, lr in enumerate(lrs):
        assert lr == pytest.approx(0.05 * (1 + math.cos(math.pi * t / total)))
    assert all(a > b for a, b in zip(lrs, lrs[1:]))
    assert lrs[-1] > 0


def test_warmup_rises_linearly_then_cosine_over_the_rest():
    lrs = [learning_rate(1.0, t, 10, warmup_steps=4) for t in range(10)]
    assert lrs[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert lrs[4] == pytest.approx(1.0)
    assert lrs[5] == pytest.approx(0.5 * (1 + math.cos(math.pi / 6)))


def test_constant_and_errors():
    assert {learning_rate(0.3, t, 5, "constant") for t in range(5)} == {0.3}
    with pytest.raises(ValueError, match="step 5 outside"):
        learning_rate(0.1, 5, 5)
    with pytest.raises(ValueError, match="allowed: cosine, constant"):
        learning_rate(0.1, 0, 5, "linear")
