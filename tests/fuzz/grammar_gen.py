"""Playbooks derived from grammar/nurture.lark itself, so the generator
follows the grammar as it changes.

Why not `hypothesis.extra.lark.from_lark`: it puts an ignored token
(whitespace) between two tokens only a quarter of the time, so `flow x {`
comes out as `flowx{`, which the language rightly reads as one unknown
word; and it has no bound on depth. This walker expands the grammar's own
rules (after Lark's EBNF expansion) with a `random.Random`, separates tokens
by whitespace or a comment, and past a depth takes the shortest way out of
each rule. Values of the named terminals come from `TERMINALS`, which
draws both good values and values the checker must refuse (`2026-02-30`,
`0d`, `25:00`, 10^16); a terminal added to the grammar without an entry
there fails `test_every_terminal_has_values`.

Every derivation parses (test_grammar_fuzz checks it): the grammar is
LALR(1), and names are drawn from words that are keywords nowhere.
"""

from __future__ import annotations

import functools
import os
import random

from .harness import ROOT

GRAMMAR = os.path.join(ROOT, "grammar", "nurture.lark")

# Names that are keywords nowhere, so a derivation never lexes differently
# from how it was derived; a mix of built-ins (so some references resolve)
# and names a playbook might define.
NAMES = (
    "icp",
    "lead",
    "sql",
    "mql",
    "inbound",
    "ghost",
    "welcome",
    "blog_post",
    "walkthrough",
    "case_study",
    "technical",
    "economic",
    "sales",
    "sdr",
    "x",
    "y",
    "A",
    "_",
    "VP2",
    "a_very_long_name_with_digits_123",
    "industry",
    "employees",
    "revenue",
    "role",
    "title",
    "deal",
    "stage_",
    "phone",
    "created_at",
    "opened",
    "clicked",
    "replied",
    "booked",
    "visited",
    "downloaded",
    "unsubscribed",
    "sent",
    "bounced",
    "mon",
    "fri",
    "sun",
    "early",
    "late",
    "string",
    "number",
    "duration",
    "date",
    "bool",
    "sms_",
    "ads_",
    "linkedin_",
    "ask_",
    "give_",
    "Ünïcode_is_not_a_name"[:0] or "caf",
)

STRINGS = (
    '""',
    '"x"',
    '"resource"',
    '"demo"',
    '"pricing"',
    '"SaaS"',
    '"Europe/Berlin"',
    '"UTC"',
    '"Mars/Olympus"',
    '"email"',
    '"sms"',
    '"Book a {company} walkthrough"',
    r'"esc \" \\ \n \t \q"',
    '"ünïcödé ✓ 日本"',
    '"' + "long " * 60 + '"',
    '"{name} {score} {nosuch}"',
    '"policy.nurture"',
    '"missing.nurture"',
    '"../outside.nurture"',
    '"/abs/path.nurture"',
    '"."',
    '"https://acme.example/x?a=1#f"',
    '"#not a comment"',
)


def _digits(rng: random.Random) -> str:
    return rng.choice(
        (
            "0",
            "1",
            "2",
            "3",
            "7",
            "12",
            "48",
            "100",
            "365",
            "3650",
            "3651",
            "999999999999999",
            "1000000000000000",
            "10000000000000000",
            "0000",
            "00042",
        )
    )


def _number(rng):
    text = rng.choice(("-", "")) if rng.random() < 0.2 else ""
    text += _digits(rng)
    if rng.random() < 0.2:
        text += "." + rng.choice(("0", "5", "25", "333", "0000001"))
    return text


def _duration(rng):
    return ("-" if rng.random() < 0.1 else "") + _digits(rng) + rng.choice("mhdw")


def _date(rng):
    return rng.choice(
        (
            "2026-11-02",
            "2026-01-01",
            "2026-02-30",
            "2025-13-01",
            "0000-00-00",
            "9999-12-31",
            "0001-01-01",
            "2024-02-29",
            "2023-02-29",
            "2026-12-31",
        )
    )


def _time(rng):
    return rng.choice(("08:00", "8:00", "20:30", "00:00", "23:59", "24:00", "25:61", "0:00", "12:60"))


def _amount(rng):
    return _digits(rng) + rng.choice(("", ".5", ".25")) + rng.choice("kM")


def _percent(rng):
    return rng.choice(("", "", "-")) + rng.choice(("0", "10", "25", "33.3", "50", "100", "101", "66.67")) + "%"


def _points(rng):
    return rng.choice("+-") + rng.choice(("0", "1", "5", "20", "40", "1000000000000000000"))


def _compare(rng):
    return rng.choice(("==", "!=", "<", "<=", ">", ">="))


TERMINALS = {
    "NAME": lambda rng: rng.choice(NAMES),
    "STRING": lambda rng: rng.choice(STRINGS),
    "NUMBER": _number,
    "DURATION": _duration,
    "DATE": _date,
    "TIME": _time,
    "AMOUNT": _amount,
    "PERCENT": _percent,
    "POINTS": _points,
    "COMPARE": _compare,
    "OFFSET": lambda rng: "+" + rng.choice(("48h", "1d", "90m", "2w", "0m", "99999999w")),
}

_SEPARATORS = (" ", " ", " ", " ", "\n", "\n  ", "\t", "\r\n", "  # a comment\n", " #\n", "\f ")


@functools.lru_cache(maxsize=1)
def grammar():
    """(rules by nonterminal: [expansion], pattern text of each anonymous
    terminal, min height by nonterminal)."""
    from lark import Lark

    with open(GRAMMAR, encoding="utf-8") as handle:
        lark = Lark(handle.read(), parser="lalr", lexer="contextual")
    rules: dict[str, list[tuple]] = {}
    for rule in lark.rules:
        rules.setdefault(rule.origin.name, []).append(tuple(rule.expansion))
    literals = {t.name: t.pattern.value for t in lark.terminals if type(t.pattern).__name__ == "PatternStr"}
    named = {t.name for t in lark.terminals if type(t.pattern).__name__ != "PatternStr"} - set(lark.ignore_tokens)
    # min height: how many rule levels down the shortest derivation goes
    height = {name: float("inf") for name in rules}
    changed = True
    while changed:
        changed = False
        for name, expansions in rules.items():
            for expansion in expansions:
                h = 1 + max((height[s.name] for s in expansion if not s.is_term), default=0)
                if h < height[name]:
                    height[name], changed = h, True
    return rules, literals, named, height


class GrammarGen:
    def __init__(self, rng: random.Random, max_depth: int = 9, max_tokens: int = 600, repeat: float = 0.7):
        self.rng = rng
        self.repeat = repeat
        self.max_depth = max_depth
        self.max_tokens = max_tokens
        self.rules, self.literals, self.named, self.height = grammar()

    def tokens(self, start: str = "start") -> list[str]:
        out: list[str] = []
        self._expand(start, 0, out)
        return out

    def _expand(self, name: str, depth: int, out: list[str]) -> None:
        expansions = self.rules[name]
        if depth >= self.max_depth or len(out) >= self.max_tokens:
            least = min(self._cost(e) for e in expansions)
            expansions = [e for e in expansions if self._cost(e) == least]
        recursive = [e for e in expansions if any(s.name == name for s in e)]
        if recursive and len(recursive) < len(expansions) and self.rng.random() < self.repeat:
            expansion = self.rng.choice(recursive)  # one more item of a `*` or `+` list
        else:
            expansion = self.rng.choice(expansions)
        for symbol in expansion:
            if symbol.is_term:
                out.append(self.terminal(symbol.name))
            else:
                # the items of a list are siblings, not children: no deeper
                self._expand(symbol.name, depth if symbol.name == name else depth + 1, out)

    def _cost(self, expansion) -> float:
        return max((self.height[s.name] for s in expansion if not s.is_term), default=0) + 0.01 * len(expansion)

    def terminal(self, name: str) -> str:
        if name in self.literals:
            return self.literals[name]
        return TERMINALS[name](self.rng)

    def text(self, start: str = "start") -> str:
        return join(self.rng, self.tokens(start))


def join(rng: random.Random, tokens: list[str]) -> str:
    return "".join(token + rng.choice(_SEPARATORS) for token in tokens)


def playbook(rng: random.Random) -> str:
    """A playbook the grammar derives: syntactically valid, usually with
    semantic errors (unknown names, impossible values)."""
    return GrammarGen(rng, max_depth=rng.choice((4, 6, 8, 10)), max_tokens=rng.choice((50, 200, 600))).text()


def near_miss(rng: random.Random) -> str:
    """A derivation with one to three token edits: a token dropped, doubled,
    swapped with its neighbour, replaced by another terminal of the grammar,
    or an extra token or stray character put in."""
    gen = GrammarGen(rng, max_depth=rng.choice((4, 6, 8)), max_tokens=rng.choice((40, 150, 400)))
    tokens = gen.tokens()
    vocabulary = list(gen.literals.values())
    for _ in range(rng.randint(1, 3)):
        if not tokens:
            tokens = ["flow"]
        i = rng.randrange(len(tokens))
        op = rng.randrange(7)
        if op == 0:
            del tokens[i]
        elif op == 1:
            tokens.insert(i, tokens[i])
        elif op == 2 and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif op == 3:
            tokens[i] = rng.choice(vocabulary)
        elif op == 4:
            tokens.insert(i, gen.terminal(rng.choice(sorted(TERMINALS))))
        elif op == 5:
            tokens[i] = (
                tokens[i] + rng.choice(("", "x", "_", "1", "s")) + (tokens[i + 1] if i + 1 < len(tokens) else "")
            )
        else:
            tokens.insert(
                i,
                rng.choice(
                    (
                        '"',
                        "{",
                        "}",
                        "(",
                        ")",
                        ";",
                        "@",
                        "\x00",
                        "\u00a0",
                        "é",
                        "\\",
                        "'",
                        "%",
                        "/*",
                        "..",
                        "->",
                        ":",
                        "=",
                        "#",
                        "\ufeff",
                        "\U0001f600",
                    )
                ),
            )
    return join(rng, tokens)
