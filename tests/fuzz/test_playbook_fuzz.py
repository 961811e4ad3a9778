"""Generated valid playbooks, their mutations, and mutations of the bundled
playbooks, through check, lint, compile, render and simulate."""

import os
import random
import tempfile

from hypothesis import given

from nurturedsl.diagnostics import DiagnosticError
from nurturedsl.model import load

from . import cases, playbook_gen
from .strategies import check, fuzz_settings, seeds


def test_most_generated_playbooks_check_clean():
    """The generator reaches lint, compile, render and simulate only with
    playbooks that check: keep it in step with the language."""
    clean = 0
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "a.nurture")
        for seed in range(40):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(playbook_gen.playbook(random.Random(seed)))
            try:
                load(path)
                clean += 1
            except DiagnosticError:
                pass
    assert clean >= 32, f"only {clean} of 40 generated playbooks check clean"


@fuzz_settings(150)
@given(seeds)
def test_generated_playbooks_keep_the_contract(seed):
    check(cases.valid_case, seed, "generated playbooks")


@fuzz_settings(150)
@given(seeds)
def test_mutated_generated_playbooks_keep_the_contract(seed):
    check(cases.mutated_valid_case, seed, "generated playbooks, mutated")


@fuzz_settings(200)
@given(seeds)
def test_mutated_bundled_playbooks_keep_the_contract(seed):
    check(cases.bundled_case, seed, "bundled playbooks, mutated")
