"""Hypothesis settings of the fuzz suite.

By default every fuzz test runs a fixed, small number of examples with
`derandomize=True`, so CI sees the same inputs on every run and the whole
of tests/fuzz stays within about a minute on 2 cores. Campaigns:

    python -m pytest tests/fuzz --hypothesis-profile=long    # ~100x the examples, random
    python bench/fuzz.py                                    # the same generators, shrunk reproducers

`fuzz_settings(n)` gives a test n examples in the default profile and
`LONG_FACTOR * n` under `--hypothesis-profile=long`. At the end of the run
the terminal summary says how many CLI runs each test made.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from . import harness

LONG_FACTOR = 100

settings.register_profile(
    "long",
    derandomize=False,
    deadline=None,
    database=None,
    max_examples=100 * LONG_FACTOR,
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=True,
    print_blob=True,
)


def pytest_terminal_summary(terminalreporter):
    if not harness.RUNS:
        return
    total = sum(harness.RUNS.values())
    terminalreporter.write_sep("-", f"fuzz: {total:,} CLI runs")
    for name, count in sorted(harness.RUNS.items()):
        terminalreporter.write_line(f"  {count:7,}  {name}")
