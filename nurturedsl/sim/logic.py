"""JsonLogic conditions of the IR, compiled once into Python closures.

A runner could interpret the JSON tree at every evaluation; compiling it
into nested closures once per programme makes an evaluation a handful of
function calls, which is what lets a million contacts run in a minute.

Every closure takes one argument, the contact's `State` (engine.py), and
reads from it: `data` (the JsonLogic data object), `now`, `count_events`
(`count_channel_events` for a count filtered by channel), `score`,
`segment`, `in_flow` and `last_activity`. Semantics follow json-logic-js, as
docs/ir.md asks: loose `==`, and `null` counting as 0 in `<`/`>`.

`time_sources` says when a condition can change while nothing happens, so
the engine knows when to look again (`within` windows closing, `inactive`
periods running out, elapsed-time attributes passing a bound).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

Condition = Callable[[Any], Any]

_NAN = float("nan")


def _number(value):
    if value is None:
        return 0
    if isinstance(value, (int, float)):  # bool is an int, as in JavaScript
        return value
    if isinstance(value, str):
        try:
            return float(value) if value.strip() else 0
        except ValueError:
            return _NAN
    return _NAN


def loose_equal(a, b) -> bool:
    """JavaScript's `==` for the values conditions hold."""
    if a is None or b is None:
        return a is None and b is None
    if type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return a == b
    if isinstance(a, list) or isinstance(b, list):
        return False
    return _number(a) == _number(b)


def _less(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a < b
    return _number(a) < _number(b)


def _less_equal(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a <= b
    return _number(a) <= _number(b)


_COMPARE = {
    "==": loose_equal,
    "!=": lambda a, b: not loose_equal(a, b),
    "<": _less,
    "<=": _less_equal,
    ">": lambda a, b: _less(b, a),
    ">=": lambda a, b: _less_equal(b, a),
}


def date_seconds(text: str) -> float | None:
    """Midnight UTC of a YYYY-MM-DD date, as epoch seconds."""
    try:
        day = dt.date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return None
    return (day - dt.date(1970, 1, 1)).days * 86400.0


class Compiler:
    """Compiles the conditions of one IR document. `durations` maps each
    elapsed-time attribute (`deal.closed_ago`) to the date attribute it is
    counted from (`deal.closed_at`). `match(event, arg)` gives the event
    arguments a test of `event` naming `arg` matches (docs/ir.md, event
    arguments); by default only `arg` itself."""

    def __init__(self, attributes: dict[str, str], match: Callable | None = None):
        self.match = match or (lambda event, arg: None if arg is None else frozenset((arg,)))
        self.durations: dict[str, str] = {}
        # whether a compiled rule counts events by channel, or reads which
        # flows the contact is in: what the engine then has to keep up
        self.channel_filters = False
        self.reads_flows = False
        for path, kind in attributes.items():
            if kind == "duration" and path.endswith("_ago") and attributes.get(path[:-4] + "_at") == "date":
                self.durations[path] = path[:-4] + "_at"

    def compile(self, rule) -> Condition:
        if not isinstance(rule, dict):
            if isinstance(rule, list):
                items = [self.compile(item) for item in rule]
                return lambda s: [item(s) for item in items]
            return lambda s, value=rule: value
        ((op, args),) = rule.items()
        if not isinstance(args, list):
            args = [args]
        method = getattr(self, "_op_" + _OP_NAMES.get(op, "unknown"))
        return method(op, args)

    # -- data

    def _op_var(self, op, args) -> Condition:
        path = args[0]
        if path in self.durations:
            since = self._path(self.durations[path])

            def elapsed(s):
                day = since(s)
                start = date_seconds(day) if isinstance(day, str) else None
                return None if start is None else s.now - start

            return elapsed
        return self._path(path)

    @staticmethod
    def _path(path: str) -> Condition:
        keys = path.split(".")
        if len(keys) == 1:
            key = keys[0]
            return lambda s: s.data.get(key)

        def nested(s):
            value = s.data
            for key in keys:
                if not isinstance(value, dict):
                    return None
                value = value.get(key)
            return value

        return nested

    # -- logic and comparison

    def _op_compare(self, op, args) -> Condition:
        exists = self._event_exists(op, args)
        if exists is not None:
            return exists
        left, right = (self.compile(a) for a in args)
        compare = _COMPARE[op]
        literal = args[1]
        if isinstance(literal, (dict, list)):
            return lambda s: compare(left(s), right(s))
        # Fast paths for the common shapes (a string attribute against a
        # string, a number against a number); anything else takes the
        # general JavaScript-like rules.
        if isinstance(literal, str) and op in ("==", "!="):
            equal = op == "=="

            def same_text(s):
                value = left(s)
                if value is None or type(value) is str:
                    return (value == literal) is equal
                return compare(value, literal)

            return same_text
        if type(literal) in (int, float) and op in (">", ">=", "<", "<="):
            native = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}[op]
            bound = float(literal)

            def against_number(s):
                value = left(s)
                if type(value) in (int, float):
                    return native(float(value), bound)
                return compare(value, literal)

            return against_number
        return lambda s: compare(left(s), literal)

    def _event_exists(self, op, args) -> Condition | None:
        """`event_count(E, arg, within) > 0` (or `>= 1`), what every `exit on
        E` and `goal E` compiles to, as one closure that stops at the first
        matching event; None for any other comparison. The same answer as
        counting them all, with two calls fewer and no full count."""
        if len(args) != 2 or not isinstance(args[0], dict) or len(args[0]) != 1 or "event_count" not in args[0]:
            return None
        count, bound = args[0]["event_count"], args[1]
        if not isinstance(count, list) or len(count) != 3 or type(bound) is not int:
            return None
        if not (op == ">" and bound == 0 or op == ">=" and bound == 1):
            return None
        name, arg, within = count
        match = self.match(name, arg)

        def has_event(s):
            found = s.events.get(name)
            if not found:
                return False
            if match is None and within is None:
                return True
            oldest = s.now - within if within is not None else -math.inf
            for at, argument in reversed(found):
                if at < oldest:
                    return False
                if match is None or argument in match:
                    return True
            return False

        return has_event

    def _op_in(self, op, args) -> Condition:
        needle, haystack = (self.compile(a) for a in args)
        if isinstance(args[1], list) and all(isinstance(x, str) for x in args[1]):
            fixed = frozenset(args[1])

            def among(s):
                item = needle(s)
                return isinstance(item, str) and item in fixed

            return among

        def contains(s):
            where = haystack(s)
            item = needle(s)
            if isinstance(where, str):
                return isinstance(item, str) and item in where
            if isinstance(where, (list, tuple, set, frozenset)):
                return item in where if isinstance(item, str) else any(loose_equal(item, x) for x in where)
            return False

        return contains

    def _op_and(self, op, args) -> Condition:
        parts = [self.compile(a) for a in args]
        if len(parts) == 2:
            first, second = parts
            return lambda s: bool(first(s)) and bool(second(s))
        return lambda s: all(part(s) for part in parts)

    def _op_or(self, op, args) -> Condition:
        parts = [self.compile(a) for a in args]
        if len(parts) == 2:
            first, second = parts
            return lambda s: bool(first(s)) or bool(second(s))
        return lambda s: any(part(s) for part in parts)

    def _op_not(self, op, args) -> Condition:
        inner = self.compile(args[0])
        return lambda s: not inner(s)

    def _op_truthy(self, op, args) -> Condition:
        inner = self.compile(args[0])
        return lambda s: bool(inner(s))

    # -- nurturedsl's own operations (docs/ir.md)

    def _op_segment(self, op, args) -> Condition:
        name = args[0]
        return lambda s: s.segment(name)

    def _op_event_count(self, op, args) -> Condition:
        name, arg, within = args[:3]
        match = self.match(name, arg)
        if len(args) == 4:  # since IR 1.2: only events about a touch on this channel
            channel = args[3]
            self.channel_filters = True
            return lambda s: s.count_channel_events(name, match, within, channel)
        return lambda s: s.count_events(name, match, within)

    def _op_in_flow(self, op, args) -> Condition:
        name = args[0]
        self.reads_flows = True
        return lambda s: s.in_flow(name)

    def _op_score(self, op, args) -> Condition:
        name = args[0]
        return lambda s: s.score(name)

    def _op_inactive(self, op, args) -> Condition:
        seconds = args[0]
        return lambda s: s.now - s.last_activity >= seconds

    def _op_unknown(self, op, args) -> Condition:
        raise ValueError(f"unknown JsonLogic operation `{op}`")


_ORDER = ("<", "<=", ">", ">=")
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}

_OP_NAMES = {
    "var": "var",
    "==": "compare",
    "!=": "compare",
    "<": "compare",
    "<=": "compare",
    ">": "compare",
    ">=": "compare",
    "in": "in",
    "and": "and",
    "or": "or",
    "!": "not",
    "!!": "truthy",
    "segment": "segment",
    "event_count": "event_count",
    "score": "score",
    "inactive": "inactive",
    "in_flow": "in_flow",
}


def time_sources(
    rule,
    segments: dict[str, dict],
    durations: dict[str, str],
    scores: set[str] = frozenset(),
    _seen: frozenset = frozenset(),
    _positive: bool = True,
) -> set[tuple]:
    """What makes `rule` change as time passes, with nothing happening:
    ("within", event, arg, seconds), ("inactive", seconds),
    ("since", date attribute, seconds), ("score", name) (whatever changes
    that score) and ("decay", name, way, number): a score compared with a
    number, which decay alone can flip; `way` is "rise" when the rule can
    become true as the score rises past the number, "fall" when it can as
    the score falls (`lead < 20`, `not lead.mql`)."""
    found: set[tuple] = set()
    if isinstance(rule, list):
        for item in rule:
            found |= time_sources(item, segments, durations, scores, _seen, _positive)
        return found
    if not isinstance(rule, dict):
        return found
    ((op, args),) = rule.items()
    if op == "event_count" and args[2] is not None:
        found.add(("within", args[0], args[1], args[2]))
    elif op == "inactive":
        found.add(("inactive", args[0]))
    elif op == "score":
        found.add(("score", args[0]))
    elif op == "segment" and args[0] not in _seen:
        found |= time_sources(segments[args[0]]["condition"], segments, durations, scores, _seen | {args[0]}, _positive)
    elif op == "!":
        found |= time_sources(args, segments, durations, scores, _seen, not _positive)
    elif op in _COMPARE and isinstance(args, list):
        for side, other, mirrored in ((args[0], args[1], False), (args[1], args[0], True)):
            number = isinstance(other, (int, float)) and not isinstance(other, bool)
            if isinstance(side, dict) and "var" in side and side["var"] in durations and number:
                found.add(("since", durations[side["var"]], other))
            if isinstance(side, dict) and "score" in side and number and op in _ORDER:
                upward = (_MIRROR[op] if mirrored else op) in (">", ">=")
                found.add(("decay", side["score"][0], "rise" if upward == _positive else "fall", other))
        found |= time_sources(args, segments, durations, scores, _seen, _positive)
    else:
        found |= time_sources(args if isinstance(args, list) else [args], segments, durations, scores, _seen, _positive)
    return found
