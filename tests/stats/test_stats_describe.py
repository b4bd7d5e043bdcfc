import json
import math

import numpy as np
import pytest

from nasbench_rss.errors import NasbenchError
from nasbench_rss.stats import StatsError, Summary, describe


def test_describe_matches_hand_computed_values():
    s = describe([1, 2, 3, 4, 10])
    # mean 20/5; squared deviations 9+4+1+0+36 = 50, / (n - 1) = 12.5; q25 = 2, q75 = 4
    assert s == Summary(n=5, mean=4.0, var=12.5, std=math.sqrt(12.5), median=3.0, iqr=2.0, min=1.0, max=10.0)


def test_describe_uses_linear_percentiles_between_points():
    # n = 4: q25 at position 0.75 -> 1 + 0.75 * (2 - 1) = 1.75; q75 at 2.25 -> 3 + 0.25 * (5 - 3) = 3.5
    s = describe([5, 1, 3, 2])
    assert s.median == 2.5
    assert s.iqr == pytest.approx(3.5 - 1.75)


def test_describe_agrees_with_numpy_on_random_data():
    x = np.random.default_rng(7).lognormal(size=101)
    s = describe(list(x))
    assert s.n == 101
    assert s.mean == pytest.approx(np.mean(x))
    assert s.var == pytest.approx(np.var(x, ddof=1))
    assert s.std == pytest.approx(np.std(x, ddof=1))
    assert s.median == pytest.approx(np.median(x))
    assert s.iqr == pytest.approx(np.percentile(x, 75) - np.percentile(x, 25))
    assert (s.min, s.max) == (x.min(), x.max())


def test_one_value_has_nan_spread_but_a_location():
    s = describe([0.7])
    assert s.n == 1 and s.mean == 0.7 and s.median == 0.7 and s.iqr == 0.0
    assert math.isnan(s.var) and math.isnan(s.std)


def test_to_dict_is_json_ready_and_keeps_nan():
    d = describe([2.0]).to_dict()
    assert list(d) == ["n", "mean", "var", "std", "median", "iqr", "min", "max"]
    assert isinstance(d["n"], int) and all(type(v) is float for k, v in d.items() if k != "n")
    assert math.isnan(d["var"])
    assert json.loads(json.dumps(describe([1, 2, 3]).to_dict()))["var"] == 1.0


@pytest.mark.parametrize(
    "values, fragment",
    [([], "at least 1"), ([1.0, float("nan")], "index 1"), ([1.0, float("inf")], "finite"),
     ([[1, 2], [3, 4]], "1-D"), (["a"], "numbers"), (3.0, "sequence of numbers")],
)
def test_bad_values_are_refused_with_the_reason(values, fragment):
    with pytest.raises(StatsError, match="values") as caught:
        describe(values)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, NasbenchError) and isinstance(caught.value, ValueError)
