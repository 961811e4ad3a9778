"""The IR's conditions as a small typed tree, for targets to translate.

Every engine expresses conditions in its own way (Mautic as chains of
condition events, HubSpot as filter branches); both start from the same
reading of the IR's JsonLogic, here, so an operation is understood once.
`parse` accepts exactly the shapes docs/ir.md allows and raises
`UnknownCondition` on anything else; an importer builds the same tree from
an engine's filters and writes it back as source with `text.condition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union

Comparison = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
Value = Union[str, int, float, bool, tuple[Union[str, int, float, bool], ...]]  # noqa: UP007 - a runtime alias


class UnknownCondition(ValueError):
    """A rule outside docs/ir.md's shapes (a compiler bug, or a foreign IR)."""


@dataclass(frozen=True)
class And:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


@dataclass(frozen=True)
class InSegment:
    segment: str


@dataclass(frozen=True)
class Compare:
    """`attribute OP value`; `in`/`not in` take a tuple."""

    attribute: str
    op: Comparison
    value: Value


@dataclass(frozen=True)
class Has:
    """`has ATTRIBUTE`; for a bool attribute, the bare name is `Compare(==, true)`."""

    attribute: str


@dataclass(frozen=True)
class Tagged:
    tag: str


@dataclass(frozen=True)
class Consent:
    channel: str


@dataclass(frozen=True)
class EventCount:
    """The number of `event` events (matching `arg`, in the last `within`
    seconds, about a touch on `channel`) compares with `count` by `op`.
    `replied` is `EventCount("replied", op=">", count=0)`."""

    event: str
    arg: str | None = None
    within: int | None = None
    channel: str | None = None
    op: Literal["==", "!=", "<", "<=", ">", ">="] = ">"
    count: int = 0

    @property
    def happened(self) -> bool:
        """The plain "happened at least once" test."""
        return self.op == ">" and self.count == 0

    @property
    def key(self) -> str:
        """The name a bindings file gives it: `visited("pricing")` or `replied`."""
        return event_key(self.event, self.arg)


@dataclass(frozen=True)
class Score:
    score: str
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    value: int | float


@dataclass(frozen=True)
class Inactive:
    seconds: int


@dataclass(frozen=True)
class InFlow:
    flow: str


Condition = Union[And, Or, Not, InSegment, Compare, Has, Tagged, Consent, EventCount, Score, Inactive, InFlow]  # noqa: UP007
_ORDER = ("==", "!=", "<", "<=", ">", ">=")


def event_key(event: str, arg: str | None) -> str:
    return event if arg is None else f'{event}("{arg}")'


def parse(rule: Any) -> Condition:
    """The tree of a JsonLogic rule from the IR."""
    if not isinstance(rule, dict) or len(rule) != 1:
        raise UnknownCondition(f"not a rule of one operation: {rule!r}")
    ((op, args),) = rule.items()
    if op in ("and", "or"):
        parts = tuple(parse(part) for part in args)
        return And(parts) if op == "and" else Or(parts)
    if op == "!":
        inner = parse(args[0])
        if isinstance(inner, Compare) and inner.op == "in":
            return Compare(inner.attribute, "not in", inner.value)
        return Not(inner)
    if op == "!!":
        return Has(_var(args[0]))
    if op == "segment":
        return InSegment(str(args[0]))
    if op == "in_flow":
        return InFlow(str(args[0]))
    if op == "inactive":
        return Inactive(int(args[0]))
    if op == "in":
        needle, haystack = args
        if isinstance(haystack, dict):  # a tag in `tags`, a channel in `consent`
            kind = _var(haystack)
            if kind == "tags":
                return Tagged(str(needle))
            if kind == "consent":
                return Consent(str(needle))
            raise UnknownCondition(f"`in` over {kind!r}")
        return Compare(_var(needle), "in", tuple(haystack))
    if op in _ORDER:
        left, right = args
        if isinstance(left, dict) and "event_count" in left:
            name, arg, within, *channel = left["event_count"]
            return EventCount(str(name), arg, within, channel[0] if channel else None, op, int(right))
        if isinstance(left, dict) and "score" in left:
            return Score(str(left["score"][0]), op, right)
        return Compare(_var(left), op, right)
    raise UnknownCondition(f"unknown operation {op!r}")


def _var(rule: Any) -> str:
    if not isinstance(rule, dict) or list(rule) != ["var"]:
        raise UnknownCondition(f"expected an attribute (`var`), found {rule!r}")
    return str(rule["var"])


def leaves(condition: Condition) -> list[Condition]:
    """Every test in the condition, in order (targets ask for bindings per test)."""
    match condition:
        case And(parts) | Or(parts):
            return [leaf for part in parts for leaf in leaves(part)]
        case Not(part):
            return leaves(part)
        case _:
            return [condition]
