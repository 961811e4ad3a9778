"""What the fuzz tests share: the hypothesis settings per profile and the
one check every case goes through."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from . import cases, harness
from .conftest import LONG_FACTOR


def _profile() -> str:
    name = getattr(settings, "get_current_profile_name", None)
    return name() if name else getattr(settings, "_current_profile", "default")


def fuzz_settings(examples: int) -> settings:
    """`examples` inputs, the same ones on every run (CI); under
    `--hypothesis-profile=long`, LONG_FACTOR times as many, random."""
    if _profile() == "long":
        return settings(settings.get_profile("long"), max_examples=examples * LONG_FACTOR)
    # A generator makes hundreds of draws per case, by design: the size checks do not apply.
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# A seed per case, each generator building its case from random.Random(seed):
# hypothesis-driven randoms (st.randoms) cost 50 ms a case in draws alone, and
# shrink generated files poorly; bench/fuzz.py --replay KIND:SEED shrinks a
# failing case to a few lines instead.
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def check(builder, seed: int, test: str) -> harness.Outcome:
    """Build a case, run it, and fail with what broke the contract."""
    case = builder(random.Random(seed))
    outcome = harness.run_case(case, counter=test)
    try:
        harness.assert_ok(outcome)
    except AssertionError as failure:
        kind = next(k for k, b in cases.BUILDERS.items() if b is builder)
        failure.args = (f"{failure.args[0]}\nreplay and shrink: python bench/fuzz.py --replay {kind}:{seed}",)
        raise
    return outcome
