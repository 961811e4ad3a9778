"""Intervals for proportions: Wilson's score interval for one rate and
Newcombe's hybrid score interval for the difference of two (Newcombe 1998,
"Interval estimation for the difference between independent proportions",
method 10). Both stay inside [0, 1] (and [-1, 1]) and behave at 0 and at
small counts, where the normal approximation does not.

Pure functions of whole numbers, so the report that shows them is the same
for any `--workers`.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of successes/trials; None without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    scale = 1 + z2 / trials
    low = max(0.0, (centre - spread) / scale)
    high = min(1.0, (centre + spread) / scale)
    if successes == 0:
        low = 0.0
    if successes == trials:
        high = 1.0
    return low, high


def newcombe(
    successes_1: int, trials_1: int, successes_2: int, trials_2: int, z: float = Z95
) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval of p1 - p2 (each p from its own
    Wilson interval); None when either has no trials."""
    first = wilson(successes_1, trials_1, z)
    second = wilson(successes_2, trials_2, z)
    if first is None or second is None:
        return None
    p1, p2 = successes_1 / trials_1, successes_2 / trials_2
    (l1, u1), (l2, u2) = first, second
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, low), min(1.0, high)
