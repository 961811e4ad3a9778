"""Why a text did not parse, in plain words: Lark's `UnexpectedInput`s and
the lexer's run-together keywords become `Diagnostic`s here.

syntax.py owns the parser and builds trees from texts that parse; this
module only explains the ones that do not. It reads the parser it is given
(terminal texts) and never builds one, so it does not import syntax.py.
"""

from __future__ import annotations

import re
from typing import cast

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic, did_you_mean
from .source import SourceFile, Span

# ------------------------------------------------------------ error words --

_WORDS = {
    "NAME": "a name",
    "STRING": 'a quoted text like "..."',
    "DURATION": "a duration like `3d` (units: m, h, d, w)",
    "NUMBER": "a number",
    "DATE": "a date like `2026-11-01`",
    "TIME": "a time like `08:00`",
    "PERCENT": "a percentage like `50%`",
    "POINTS": "points like `+10` or `-5`",
    "AMOUNT": "an amount like `5M` or `50k`",
    "COMPARE": "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
    "$END": "the end of the file",
}

_STEP_KEYWORDS = {
    "email",
    "sms",
    "linkedin",
    "ads",
    "task",
    "notify",
    "wait",
    "branch",
    "split",
    "repeat",
    "goto",
    "move",
    "tag",
    "untag",
    "set",
    "suppress",
    "handoff",
    "exit",
}
_DECLARATION_KEYWORDS = {"import", "playbook", "policy", "attribute", "event", "segment", "content", "score", "flow"}
_FLOW_HEADER_KEYWORDS = {"entry", "audience", "goal", "cadence", "max_touches", "reentry", "reviewed"}
_CONDITION_TERMINALS = {"tagged", "has", "consent", "inactive", "not", "("}

_TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z0-9_.:%+-]+|\S')


def _terminal_text(grammar: Lark, name: str) -> str | None:
    """The literal text of an anonymous or keyword terminal, if it has one."""
    terminal = grammar.get_terminal(name) if name != "$END" else None
    if terminal is not None and terminal.pattern.type == "str":
        return terminal.pattern.value
    return None


def _describe_expected(grammar: Lark, expected: set[str]) -> tuple[str, list[str]]:
    """Plain words for what the parser would have accepted, and the keywords
    among them (for "did you mean")."""
    literals: dict[str, str] = {}
    for name in expected:
        text = _terminal_text(grammar, name)
        if text is not None:
            literals[name] = text
    words = set(literals.values())
    keywords = sorted(w for w in words if w[:1].isalpha())
    phrases: list[str] = []
    if _STEP_KEYWORDS <= words:
        phrases.append("a step (`email`, `wait`, `branch`, ...)")
        words -= _STEP_KEYWORDS | _FLOW_HEADER_KEYWORDS
    if _DECLARATION_KEYWORDS <= words:
        phrases.append("a declaration (`flow`, `content`, `segment`, `score`, ...)")
        words -= _DECLARATION_KEYWORDS
    if {"tagged", "has", "consent", "inactive"} <= words and "NAME" in expected:
        phrases.append("a condition")
        words -= _CONDITION_TERMINALS
        expected = expected - {"NAME"}
    for name in sorted(expected):
        if name in literals:
            continue
        phrases.append(_WORDS.get(name, name.lower()))
    phrases += [f"`{w}`" for w in sorted(words, key=lambda w: (w == "}", w))]
    if len(phrases) > 6:
        phrases = phrases[:6] + ["..."]
    if len(phrases) <= 1:
        return ("".join(phrases), keywords)
    return (", ".join(phrases[:-1]) + " or " + phrases[-1], keywords)


def _previous_word(text: str, offset: int) -> str | None:
    last = None
    for match in _TOKEN_RE.finditer(text, 0, offset):
        if not match.group().startswith("#"):
            last = match.group()
    return last


def _open_braces(text: str, offset: int) -> list[tuple[int, int]]:
    """(line, column) of every `{` still open at `offset`, outermost first."""
    stack: list[tuple[int, int]] = []
    line, column, i = 1, 1, 0
    while i < offset and i < len(text):
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < len(text) and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            column += j + 1 - i
            i = j + 1
            continue
        if ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        if ch == "{":
            stack.append((line, column))
        elif ch == "}" and stack:
            stack.pop()
        if ch == "\n":
            line, column = line + 1, 1
        else:
            column += 1
        i += 1
    return stack


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(text) + 1 for text in lines[: line - 1]) + column - 1


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def translate_error(error: UnexpectedInput, source: SourceFile, grammar: Lark) -> Diagnostic:
    """The diagnostic for a text `grammar` could not parse."""
    text, file = source.text, source.path

    if isinstance(error, UnexpectedCharacters):
        span = Span.point(file, error.line, error.column)
        # Lark declares the offset None on UnexpectedInput; the lexer sets it here.
        pos = cast(int, error.pos_in_stream)
        char = text[pos] if pos < len(text) else ""
        if char == '"':
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            if text[end - 1 : end] == "\r":
                end -= 1
            width = end - pos
            return Diagnostic(
                "NUR002",
                'unterminated text: this `"` has no closing `"` on the same line',
                Span.point(file, error.line, error.column, width),
                hints=("texts cannot span lines; close the quote before the end of the line",),
            )
        shown = char if char.isprintable() else repr(char)[1:-1]
        return Diagnostic(
            "NUR003",
            f"unexpected character `{shown}`",
            span,
            notes=(f"expected {_describe_expected(grammar, set(error.allowed or ()))[0]}",) if error.allowed else (),
        )

    expected: set[str]
    if isinstance(error, UnexpectedEOF):
        expected = set(error.expected)
        line, column = _end_position(text)
        token_type, token_value = "$END", ""
    else:
        assert isinstance(error, UnexpectedToken)
        expected = set(error.accepts or error.expected)
        token = error.token
        token_type, token_value = token.type, str(token.value)
        if token_type == "$END":
            line, column = _end_position(text)
        else:
            line, column = token.line, token.column

    offset = min(_offset(text, line, column), len(text))
    wanted, keywords = _describe_expected(grammar, expected)
    previous = _previous_word(text, offset)
    after = f" after `{previous}`" if previous else ""
    open_braces = _open_braces(text, offset) if "RBRACE" in expected else []

    if token_type == "$END":
        if open_braces:
            o_line, o_col = open_braces[-1]
            return Diagnostic(
                "NUR004",
                "missing `}`: this `{` is never closed",
                Span.point(file, o_line, o_col),
                notes=(f"the file ends at line {line} while this block is still open",),
                hints=("add the closing `}` where the block should end",),
            )
        return Diagnostic(
            "NUR001", f"the file ends too early: expected {wanted}{after}", Span.point(file, line, column)
        )

    span = Span(file, line, column, line, column + max(1, len(token_value)))
    shown = token_value if token_value else token_type
    hints: tuple[str, ...] = ()
    related: tuple[tuple[Span, str], ...] = ()
    if token_type == "NAME" or re.fullmatch(r"[a-z_]+", token_value or ""):
        suggestion = did_you_mean(token_value, keywords)
        if suggestion and token_value not in keywords:
            return Diagnostic(
                "NUR005", f"unknown keyword `{token_value}`: expected {wanted}{after}", span, hints=suggestion
            )
    if open_braces and token_value in _DECLARATION_KEYWORDS:
        o_line, o_col = open_braces[-1]
        related = ((Span.point(file, o_line, o_col), "this `{` is still open"),)
        hints = ("a `}` is probably missing before this line",)
    return Diagnostic("NUR001", f"unexpected `{shown}`: expected {wanted}{after}", span, hints=hints, related=related)


def run_together(token: Token, source: SourceFile, grammar: Lark) -> Diagnostic:
    """`emailblog`: a keyword with no space after it, which the lexer
    refused (syntax.py's `_whole_word`)."""
    start, line, column = token.start_pos, token.line, token.column
    # the lexer places every token it makes (syntax.py's `_unplaced`)
    assert start is not None and line is not None and column is not None
    # \w, as _whole_word's isalnum(): a keyword run into `é` or `²` is one word
    match = re.match(r"\w*", source.text[start:])
    assert match is not None  # `*` matches here if nothing else does
    word = match.group(0)
    rest = word[len(token.value) :].lstrip("_")
    span = Span(source.path, line, column, line, column + len(word))
    # a keyword with a letter too many (`goall`), or a keyword and a word
    # run together (`goalicp`, `way_out`)
    hint = token.value if len(rest) <= 1 else f"{token.value} {rest}"
    hints = (f"did you mean `{hint}`?",)
    return Diagnostic(
        "NUR005",
        f"unknown keyword `{word}`: `{token.value}` must be followed by a space or a "
        f"symbol, not `{word[len(token.value)]}`",
        span,
        hints=hints,
    )
