"""Playbooks derived from grammar/nurture.lark, and near misses of them."""

import random

from hypothesis import given

from nurturedsl.diagnostics import DiagnosticError
from nurturedsl.source import SourceFile
from nurturedsl.syntax import parse

from . import cases, grammar_gen
from .strategies import check, fuzz_settings, seeds

SYNTAX_ERRORS = {"NUR001", "NUR002", "NUR003", "NUR004", "NUR005", "NUR007"}


def test_every_terminal_of_the_grammar_has_values():
    _rules, _literals, named, _height = grammar_gen.grammar()
    assert named <= set(grammar_gen.TERMINALS), "add values for the new terminal to grammar_gen.TERMINALS"


@fuzz_settings(300)
@given(seeds)
def test_every_derivation_of_the_grammar_parses(seed):
    """The parser accepts the whole language of the grammar: no syntax error
    on anything the grammar derives (checking may still refuse it)."""
    text = grammar_gen.playbook(random.Random(seed))
    try:
        parse(SourceFile("a.nurture", text))
    except DiagnosticError as error:
        syntax = [d for d in error.diagnostics if d.code in SYNTAX_ERRORS]
        assert not syntax, f"{syntax[0].code} {syntax[0].message} at {syntax[0].span}\n{text}"


@fuzz_settings(150)
@given(seeds)
def test_derivations_keep_the_contract(seed):
    check(cases.grammar_case, seed, "grammar derivations")


@fuzz_settings(200)
@given(seeds)
def test_near_misses_keep_the_contract(seed):
    check(cases.near_miss_case, seed, "grammar near misses")
