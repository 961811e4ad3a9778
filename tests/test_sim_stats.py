"""Wilson and Newcombe intervals against published worked examples."""

from __future__ import annotations

import pytest

from nurturedsl.sim.stats import newcombe, wilson


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombes_table(successes, trials, low, high):
    found = wilson(successes, trials)
    assert found is not None
    assert found == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(
    ("a", "m", "b", "n", "low", "high"),
    [
        # Newcombe (1998), "Interval estimation for the difference between independent
        # proportions", Table II, method 10 (hybrid score)
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_matches_the_published_examples(a, m, b, n, low, high):
    found = newcombe(a, m, b, n)
    assert found is not None
    assert found == pytest.approx((low, high), abs=5e-5)


def test_no_trials_no_interval_and_the_bounds_stay_in_range():
    assert wilson(0, 0) is None and newcombe(1, 2, 0, 0) is None
    assert wilson(5, 5) == (pytest.approx(0.5655, abs=5e-5), 1.0)
    low, high = newcombe(10, 10, 0, 10)  # type: ignore[misc]
    assert -1 <= low <= high <= 1 and low > 0
