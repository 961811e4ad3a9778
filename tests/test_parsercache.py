"""The pickled parser (`nurturedsl.parsercache`): a loaded one parses and
fails exactly as the one Lark builds, and a missing, damaged, stale or
foreign cache file is rebuilt, never trusted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput
from lark.parsers.lalr_analysis import Reduce, Shift

from nurturedsl import parsercache, syntax

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "playbooks").glob("*.nurture"))]


@pytest.fixture
def fresh_tmp(tmp_path, monkeypatch):
    """A temp dir of its own, so neither Lark's cache nor ours is there."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return tmp_path


def _options() -> dict:
    return dict(
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
        lexer_callbacks={word.upper(): syntax._whole_word for word in syntax._keywords()},
    )


def _outcome(parser, text: str):
    syntax._lexing.text = text
    try:
        return ("tree", parser.parse(text))
    except UnexpectedInput as error:
        return ("error", type(error).__name__, str(error), sorted(getattr(error, "expected", None) or ()))
    except syntax._RunTogether as error:
        return ("run together", error.token, error.token.type, error.token.start_pos)
    finally:
        syntax._lexing.text = ""


def _cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".nurturedsl_parser_*.pickle"))


def _parser():
    return syntax._open(lexer_callbacks=_options()["lexer_callbacks"])


def test_only_a_parser_from_larks_cache_is_stored(fresh_tmp):
    _parser()  # built from the grammar (and put in Lark's cache)
    assert _cache_files(fresh_tmp) == []
    _parser()  # from Lark's cache
    assert len(_cache_files(fresh_tmp)) == 1


def test_loaded_parser_parses_and_fails_as_the_built_one(fresh_tmp):
    built = _parser()
    from_lark_cache = _parser()
    (cache,) = _cache_files(fresh_tmp)
    loaded = _parser()
    assert loaded is not from_lark_cache
    assert vars(loaded).keys() == vars(from_lark_cache).keys()
    # the parse table's actions are lark's own singletons, compared with `is`
    actions = {action for row in loaded.parser.parser.parser.parse_table.states.values() for action, _ in row.values()}
    assert actions == {Shift, Reduce} and all(a is Shift or a is Reduce for a in actions)
    texts = [*TEXTS, "", "playbook", "flow x {", "flow emailblog {}", TEXTS[0][:-40], TEXTS[0].replace("{", "", 1)]
    for text in texts:
        assert _outcome(loaded, text) == _outcome(built, text) == _outcome(from_lark_cache, text)
    assert cache.stat().st_mode & 0o077 == 0


def test_layout_parser_is_cached_apart(fresh_tmp):
    for _ in range(2):
        _parser()
        syntax._open(keep_all_tokens=True, lexer_callbacks={"COMMENT": syntax._collect_comment})
    assert len(_cache_files(fresh_tmp)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-10] + b"0123456789",  # changed under its digest
        lambda data: b"",
        lambda data: b"nurturedsl-parser-1 0000\n" + data.split(b"\n", 1)[1],  # another key
    ],
)
def test_a_damaged_cache_is_rebuilt(fresh_tmp, damage):
    _parser()
    _parser()
    (cache,) = _cache_files(fresh_tmp)
    cache.write_bytes(damage(cache.read_bytes()))
    key = parsercache.key(syntax.grammar_path().read_text(encoding="utf-8"), _options())
    assert parsercache.load(key) is None
    assert _outcome(_parser(), TEXTS[0])[0] == "tree"
    assert parsercache.load(key) is not None  # written again, whole


def test_a_cache_others_can_write_is_not_loaded(fresh_tmp):
    _parser()
    _parser()
    (cache,) = _cache_files(fresh_tmp)
    key = parsercache.key(syntax.grammar_path().read_text(encoding="utf-8"), _options())
    assert parsercache.load(key) is not None
    os.chmod(cache, 0o666)
    assert parsercache.load(key) is None


def test_the_key_follows_grammar_options_and_callbacks():
    grammar = syntax.grammar_path().read_text(encoding="utf-8")
    options = _options()
    base = parsercache.key(grammar, options)
    assert parsercache.key(grammar, dict(options)) == base
    assert parsercache.key(grammar + "\n", options) != base
    assert parsercache.key(grammar, {**options, "keep_all_tokens": True}) != base
    assert parsercache.key(grammar, {**options, "lexer_callbacks": {"COMMENT": syntax._collect_comment}}) != base


def test_an_unwritable_temp_dir_still_parses(fresh_tmp):
    os.chmod(fresh_tmp, 0o500)
    try:
        if os.access(fresh_tmp, os.W_OK):  # root ignores the mode
            pytest.skip("the temp dir stays writable for this user")
        assert _outcome(_parser(), TEXTS[0])[0] == "tree"
        assert _outcome(_parser(), TEXTS[0])[0] == "tree"
    finally:
        os.chmod(fresh_tmp, 0o700)


def test_processes_writing_at_once_leave_one_whole_file(fresh_tmp):
    code = "from nurturedsl import syntax; syntax.parser()"
    env = {**os.environ, "TMPDIR": str(fresh_tmp), "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0  # fills Lark's cache
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(4)]
    assert all(p.wait() == 0 for p in procs)
    key = parsercache.key(syntax.grammar_path().read_text(encoding="utf-8"), _options())
    assert parsercache.load(key) is not None
    leftovers = [p.name for p in fresh_tmp.iterdir() if p.name.startswith(".nurturedsl_")]
    assert leftovers == [parsercache.path(key).rsplit("/", 1)[1]]


def test_lexers_compile_from_recorded_code_to_the_same_patterns(fresh_tmp):
    _parser()
    _parser()
    loaded = _parser()
    lexer = loaded.parser.lexer
    regex = lexer.root_lexer.re
    assert isinstance(regex, parsercache._Regex)
    assert {type(each.re) for each in lexer.lexers.values()} == {parsercache._Regex}
    table = dict(regex._table)
    assert len(table) > 100
    for each in {*lexer.lexers.values(), lexer.root_lexer}:
        for pattern in each.scanner._mres:
            assert (pattern.pattern, 0) in table
    for pattern, flags in table:
        assert regex.compile(pattern, flags) == re.compile(pattern, flags)  # `==` compares the code too
    # an expression it has no code for is compiled by `re`
    assert regex.compile("[a-z]+x", 0) == re.compile("[a-z]+x")
    assert regex.match("[a-z]+", "abc1").group() == "abc"
    assert regex.error is re.error
