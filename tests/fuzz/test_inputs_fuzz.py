"""Broken simulate inputs, lint configs of every shape, and option values."""

from hypothesis import given

from . import cases
from .strategies import check, fuzz_settings, seeds


@fuzz_settings(200)
@given(seeds)
def test_broken_simulate_inputs_keep_the_contract(seed):
    check(cases.sim_inputs_case, seed, "simulate inputs")


@fuzz_settings(150)
@given(seeds)
def test_lint_configs_of_any_shape_keep_the_contract(seed):
    check(cases.config_case, seed, "lint configs")


@fuzz_settings(150)
@given(seeds)
def test_option_values_keep_the_contract(seed):
    check(cases.options_case, seed, "option values")
