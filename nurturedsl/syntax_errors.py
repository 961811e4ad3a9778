"""Why a text did not parse, in plain words: Lark's `UnexpectedInput`s and
the lexer's run-together keywords become `Diagnostic`s here.

syntax.py owns the parser and builds trees from texts that parse; this
module only explains the ones that do not. It reads the parser it is given
(terminal texts) and never builds one, so it does not import syntax.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_analysis import Shift

from . import nodes as n
from . import units
from .diagnostics import Diagnostic, closest_name
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

# the words a step may start with: the one keyword table, in nodes.py
_STEP_KEYWORDS = {word for words in n.STEP_KEYWORDS.values() for word in words}
_DECLARATION_KEYWORDS = {"import", "playbook", "policy", "attribute", "event", "segment", "content", "score", "flow"}
_DECLARATION_KEYWORDS.add("test")  # docs/testing.md
_FLOW_HEADER_KEYWORDS = {"entry", "audience", "goal", "cadence", "max_touches", "reentry", "reviewed", "rate_limit"}
# `meta` may follow any step, so it is expected wherever a step is; naming it
# in every such message would bury what the user most likely meant
_AFTER_STEP_KEYWORDS = {"meta"}
_CONDITION_TERMINALS = {"tagged", "has", "consent", "inactive", "not", "(", "in"}

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
        words -= _STEP_KEYWORDS | _FLOW_HEADER_KEYWORDS | _AFTER_STEP_KEYWORDS
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


# ------------------------------------------------- keywords the parser expects --
# "Did you mean" for a word where a keyword should be offers the keywords
# the parser would take there, nearest first: the ones that continue the
# construct at hand (`on` after `exit`, `to` after `move`) before the ones
# that would end it and start another (`email`, `reviewed`). How far a
# keyword is from the construct at hand is read off the LALR table: the
# number of rules the parser would close (reduce) before it takes the keyword.


def _edit_distance(a: str, b: str) -> int:
    """Edits from `a` to `b`: insert, delete, replace a letter, or swap two
    neighbours (`emial`, `ot`: one edit each)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _close_enough(word: str, keyword: str) -> int | None:
    """The edit distance, if `word` is a plausible misspelling of `keyword`:
    one edit in a word of up to five letters, two up to eight, and so on."""
    distance = _edit_distance(word.lower(), keyword)
    return distance if distance <= max(1, len(word) // 3) else None


def _rules_closed_before(
    states: dict[Any, dict[str, tuple[Any, Any]]], stack: Sequence[Any], terminal: str
) -> int | None:
    """How many rules the parser reduces before it shifts `terminal`, from
    the state stack `stack`; None if it would not take `terminal` after all
    (LALR may reduce on a lookahead it then refuses)."""
    stack = list(stack)
    for closed in range(len(stack) + 64):  # each reduce pops; a bound against surprises
        action = states[stack[-1]].get(terminal)
        if action is None:
            return None
        kind, rule = action
        if kind is Shift:
            return closed
        if rule.expansion:
            del stack[-len(rule.expansion) :]
        goto = states[stack[-1]].get(rule.origin.name)
        if goto is None:  # back at the start: only the end of the file follows
            return None
        stack.append(goto[1])
    return None


def _expected_keywords(grammar: Lark, expected: set[str], parser: Any) -> dict[str, int]:
    """The keywords among `expected`, each with the number of rules the
    parser (an `InteractiveParser` at the error, or None) would close before
    taking it."""
    keywords: dict[str, int] = {}
    state = getattr(parser, "parser_state", None)
    for name in expected:
        text = _terminal_text(grammar, name)
        if text is None or not text[:1].isalpha():
            continue
        if state is None:
            keywords[text] = 0
            continue
        closed = _rules_closed_before(state.parse_conf.parse_table.states, state.state_stack, name)
        if closed is not None:
            keywords[text] = closed
    return keywords


def _suggest_keyword(word: str, keywords: dict[str, int]) -> str | None:
    """The keyword `word` was most likely meant to be: among those close in
    spelling, the one nearest the construct at hand, then the closest."""
    ranked = []
    for keyword, closed in keywords.items():
        distance = _close_enough(word, keyword)
        if distance is not None and keyword != word:
            ranked.append((closed, distance, keyword))
    return min(ranked)[2] if ranked else None


# ------------------------------------------------------- numbers with units --
# `wait 5days`, `5D`, `120s`, `2mo`: a number run into letters matches no
# terminal. Where the parser wanted a duration or a number, the error names
# the unit written, the units there are (from units.py) and the nearest
# correct spelling.

# What people write for each unit of the language (the unit's own letter,
# in any case, is one), and for lengths it has no unit for, in seconds; the
# hint rewrites those in the largest whole unit (`120s` -> `2m`). A month
# is counted as 30 days and a year as 365, so the hint keeps the length
# meant in days (`2mo` -> `60d`) where weeks would round it (`8w` is 56
# days); a note says so.
_LONG_SPELLINGS = {
    "m": ("min", "mins", "minute", "minutes"),
    "h": ("hr", "hrs", "hour", "hours"),
    "d": ("day", "days"),
    "w": ("wk", "wks", "week", "weeks"),
}
_OTHER_LENGTHS = {
    "second": (units.SECOND, ("s", "sec", "secs", "second", "seconds")),
    "month": (30 * units.DAY, ("mo", "mos", "mon", "mons", "mth", "mths", "month", "months")),
    "year": (365 * units.DAY, ("y", "yr", "yrs", "year", "years")),
}
_UNIT_SPELLINGS: dict[str, tuple[str | None, int]] = {
    spelling: (unit, seconds)
    for unit, seconds in units.UNIT_SECONDS.items()
    for spelling in (unit, *_LONG_SPELLINGS.get(unit, ()))
}
_UNIT_SPELLINGS.update(
    {spelling: (None, seconds) for seconds, spellings in _OTHER_LENGTHS.values() for spelling in spellings}
)
_LENGTH_NOTES = {
    seconds: f"there is no {name} unit; a {name} is counted as {units.short(seconds)} here"
    for name, (seconds, _) in _OTHER_LENGTHS.items()
    if seconds >= units.MINUTE
}
# The grammar's AMOUNT terminal: `k` thousands, `M` millions.
_AMOUNT_UNITS = "k, M"
_AMOUNT_SPELLINGS = {"k": "k", "K": "k", "thousand": "k", "M": "M", "mil": "M", "mio": "M", "million": "M"}

# a number and what is run into it, up to a range's `..` (`5D..9d`)
_NUMBER_RUN = re.compile(r"([+-]?)(\d(?:\w|\.(?!\.))*)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PARTS = re.compile(r"(?:\d+(?:\.\d+)?[A-Za-z]+)+")
_PART = re.compile(r"(\d+(?:\.\d+)?)([A-Za-z]+)")
_SPACED_UNIT = re.compile(r"[ \t]+([A-Za-z]+)(?![\w.])")


def _as_duration(sign: str, parts: list[tuple[str, str]]) -> tuple[str | None, tuple[str, ...]]:
    """The nearest correct spelling of a duration written as `parts`
    (number, unit), if there is one, and notes on how it was reached."""
    resolved: list[tuple[str, str | None, int]] = []
    for number, unit in parts:
        spelling = unit if unit.lower() not in _UNIT_SPELLINGS else unit.lower()
        if spelling not in _UNIT_SPELLINGS:
            # misspelt words only (`dys`, `hrz`): a wrong letter (`k`) is
            # no unit in particular
            near = closest_name(spelling.lower(), [s for s in _UNIT_SPELLINGS if len(s) > 2]) if len(unit) > 2 else None
            if near is None:
                return None, ()
            spelling = near
        letter, seconds = _UNIT_SPELLINGS[spelling]
        resolved.append((number, letter, seconds))
    sign = "-" if sign == "-" else ""
    if len(resolved) == 1 and resolved[0][1] is not None and resolved[0][0].isdigit():
        return f"{sign}{resolved[0][0]}{resolved[0][1]}", ()
    total = sum(float(number) * seconds for number, _, seconds in resolved)
    notes = tuple(dict.fromkeys(_LENGTH_NOTES[s] for _, letter, s in resolved if letter is None and s in _LENGTH_NOTES))
    if total <= 0 or total % units.MINUTE:
        return None, ("the shortest duration is a minute (`1m`)",)
    return sign + units.short(int(total)), notes


def _unit_error(source: SourceFile, offset: int, line: int, column: int, expected: set[str]) -> Diagnostic | None:
    """The error for a number with a unit where the unit is wrong, or a
    number with a unit where a plain number goes; None for anything else."""
    wants_duration, wants_amount = "DURATION" in expected, "AMOUNT" in expected
    if not wants_duration and "NUMBER" not in expected:
        return None
    run = _NUMBER_RUN.match(source.text, offset)
    if run is None:
        return None
    sign, body = run.groups()
    written = run.group(0)
    leading = _NUMBER.match(body)
    assert leading is not None  # `body` starts with a digit
    number = leading.group(0)
    if wants_duration and number == body:  # `5 days`: a unit, but a space before it
        spaced = _SPACED_UNIT.match(source.text, run.end())
        if spaced is None or spaced[1].lower() not in _UNIT_SPELLINGS:
            return None
        written = source.text[offset : spaced.end()]
        parts = [(number, spaced[1])]
        message = f"`{written}` is not a duration: the unit goes right after the number (units: {units.UNITS_TEXT})"
    elif number == body:
        return None
    elif not wants_duration:  # `max_touches 3d`
        return Diagnostic(
            "NUR001",
            f"unexpected unit `{body[len(number) :]}` in `{written}`: expected a number",
            Span(source.path, line, column, line, column + len(written)),
            hints=(f"did you mean `{sign}{number}`?",),
        )
    else:
        parts = [(p[1], p[2]) for p in _PART.finditer(body)] if _PARTS.fullmatch(body) else []
        legal = [unit for _, unit in parts if unit in units.UNIT_SECONDS]
        if parts and len(legal) == len(parts):  # `1h30m`, `1.5d`
            message = f"`{written}` is not a duration: a duration is one whole number and one unit (units: {units.UNITS_TEXT})"
        else:
            unit = next((u for _, u in parts if u not in units.UNIT_SECONDS), body[len(number) :])
            message = (
                f"unknown unit `{unit}` in `{written}`: durations are written like `3d` (units: {units.UNITS_TEXT})"
            )
            if wants_amount:
                message += f" and amounts like `5M` ({_AMOUNT_UNITS})"
    amount = _AMOUNT_SPELLINGS.get(parts[0][1]) or _AMOUNT_SPELLINGS.get(parts[0][1].lower()) if parts else None
    suggestion: str | None
    notes: tuple[str, ...]
    if wants_amount and amount is not None and len(parts) == 1:
        suggestion, notes = f"{sign}{parts[0][0]}{amount}", ()
    else:
        suggestion, notes = _as_duration(sign, parts) if parts else (None, ())
    return Diagnostic(
        "NUR001",
        message,
        Span(source.path, line, column, line, column + len(written)),
        notes=notes,
        hints=(f"did you mean `{suggestion}`?",) if suggestion else (),
    )


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
        unit_error = _unit_error(source, pos, error.line, error.column, set(error.allowed or ()))
        if unit_error is not None:
            return unit_error
        shown = char if char.isprintable() else repr(char)[1:-1]
        return Diagnostic(
            "NUR003",
            f"unexpected character `{shown}`",
            span,
            notes=(f"expected {_describe_expected(grammar, set(error.allowed or ()))[0]}",) if error.allowed else (),
        )

    expected: set[str]
    parser: Any = None  # the parser at the error, for what it would take there
    if isinstance(error, UnexpectedEOF):
        expected = set(error.expected)
        line, column = _end_position(text)
        token_type, token_value = "$END", ""
    else:
        assert isinstance(error, UnexpectedToken)
        expected = set(error.accepts or error.expected)
        parser = error.interactive_parser
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

    unit_error = _unit_error(source, offset, line, column, expected)
    if unit_error is not None:
        return unit_error
    span = Span(file, line, column, line, column + max(1, len(token_value)))
    shown = token_value if token_value else token_type
    hints: tuple[str, ...] = ()
    related: tuple[tuple[Span, str], ...] = ()
    if (token_type == "NAME" or re.fullmatch(r"[a-z_]+", token_value or "")) and token_value not in keywords:
        suggestion = _suggest_keyword(token_value, _expected_keywords(grammar, expected, parser))
        if suggestion is not None:
            return Diagnostic(
                "NUR005",
                f"unknown keyword `{token_value}`: expected {wanted}{after}",
                span,
                hints=(f"did you mean `{suggestion}`?",),
            )
    if open_braces and token_value in _DECLARATION_KEYWORDS:
        o_line, o_col = open_braces[-1]
        related = ((Span.point(file, o_line, o_col), "this `{` is still open"),)
        hints = ("a `}` is probably missing before this line",)
    return Diagnostic("NUR001", f"unexpected `{shown}`: expected {wanted}{after}", span, hints=hints, related=related)


def _keywords_before(grammar: Lark, text: str, offset: int) -> dict[str, int]:
    """The keywords the parser would take at `offset`, which the text before
    it led up to without error (see `_expected_keywords`)."""
    try:
        parser = grammar.parse_interactive(text[:offset])
        parser.exhaust_lexer()
    except UnexpectedInput:  # cut there, the last word may read differently
        return {}
    state = parser.parser_state
    actions = state.parse_conf.parse_table.states[state.state_stack[-1]]  # terminals, and rules' gotos
    terminals = {terminal.name for terminal in grammar.terminals}
    return _expected_keywords(grammar, {name for name in actions if name in terminals}, parser)


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
    # a misspelt keyword the parser expects here (`untill`, `goall`), else a
    # keyword and a word run together (`goalicp`, `way_out`)
    misspelt = _suggest_keyword(word, _keywords_before(grammar, source.text, start))
    if misspelt is not None:
        return Diagnostic("NUR005", f"unknown keyword `{word}`", span, hints=(f"did you mean `{misspelt}`?",))
    hint = token.value if len(rest) <= 1 else f"{token.value} {rest}"
    return Diagnostic(
        "NUR005",
        f"unknown keyword `{word}`: `{token.value}` must be followed by a space or a "
        f"symbol, not `{word[len(token.value)]}`",
        span,
        hints=(f"did you mean `{hint}`?",),
    )
