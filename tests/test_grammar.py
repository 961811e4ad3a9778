"""The grammar is LALR(1) without conflicts, and ships with the package."""

import logging

import lark

from nurturedsl import syntax


def test_grammar_has_no_lalr_conflicts(caplog):
    # Lark resolves shift/reduce conflicts silently and logs them at debug
    # level; `strict=True` would also reject the keyword/name overlaps the
    # contextual lexer exists to resolve, so we read the log instead.
    lark.logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            lark.Lark.open(str(syntax.grammar_path()), parser="lalr", lexer="contextual", debug=True)
    finally:
        lark.logger.setLevel(logging.WARNING)
    conflicts = [r.getMessage() for r in caplog.records if "conflict" in r.getMessage().lower()]
    assert conflicts == []


def test_the_grammar_file_is_the_one_at_the_top_of_the_repository():
    assert syntax.grammar_path().parts[-2:] == ("grammar", "nurture.lark")
