"""JsonLogic conditions back in the language's words, for reasons in reports
and traces: "exit on replied" reads better than a JSON tree. The IR keeps
no source text of conditions, and a runner must not need the source."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import units

if TYPE_CHECKING:
    from .programme import Json, Rule


def _duration(seconds: float) -> str:
    return units.short(seconds, weeks=True)


class Describer:
    def __init__(self, ir: Json) -> None:
        # (score, op, number) -> "score.threshold", to name a comparison a threshold spells
        self.thresholds: dict[tuple[str, str, Any], str] = {}
        for score, data in ir.get("scores", {}).items():
            for threshold in data["thresholds"]:
                self.thresholds[(score, threshold["op"], threshold["value"])] = f"{score}.{threshold['name']}"
        self.attributes: dict[str, str] = ir.get("attributes", {})

    def describe(self, rule: Rule) -> str:
        try:
            return self._text(rule)
        except (KeyError, TypeError, ValueError, IndexError):  # a shape this printer does not know
            return json.dumps(rule, sort_keys=True)

    def _text(self, rule: Rule) -> str:
        if not isinstance(rule, dict):
            return _literal(rule)
        ((op, args),) = rule.items()
        if op in ("and", "or"):
            return f" {op} ".join(self._grouped(arg, op) for arg in args)
        if op == "!":
            inner = args[0]
            if isinstance(inner, dict) and "in" in inner and _is_var(inner["in"][0]):
                return f"{self._text(inner['in'][0])} not in {_literal(inner['in'][1])}"
            return "not " + self._grouped(inner, "!")
        if op == "!!":
            has: str = args[0]["var"]
            return "has " + has
        # names in the IR are strings (checkir has seen to it)
        if op == "var":
            var: str = args if isinstance(args, str) else args[0]
            return var
        if op == "segment":
            segment: str = args[0]
            return segment
        if op == "inactive":
            return f"inactive for {_duration(args[0])}"
        if op == "in_flow":
            return f"in flow {args[0]}"
        if op == "in":
            needle, haystack = args
            if _is_var(haystack) and haystack["var"] == "tags":
                return f"tagged {_literal(needle)}"
            if _is_var(haystack) and haystack["var"] == "consent":
                return f"consent({_literal(needle)})"
            return f"{self._text(needle)} in {_literal(haystack)}"
        left, right = args
        if isinstance(left, dict) and "event_count" in left:
            return self._event(left["event_count"], op, right)
        if isinstance(left, dict) and "score" in left:
            name = left["score"][0]
            known = self.thresholds.get((name, op, right))
            return known or f"{name} {op} {_literal(right)}"
        if _is_var(left) and self.attributes.get(left["var"]) == "duration" and isinstance(right, int):
            return f"{left['var']} {op} {_duration(right)}"
        if _is_var(left) and self.attributes.get(left["var"]) == "bool" and op == "==" and right is True:
            attribute: str = left["var"]
            return attribute
        return f"{self._text(left)} {op} {_literal(right)}"

    def _event(self, count: list[Any], op: str, right: Any) -> str:
        name: str
        name, arg, within = count[:3]
        channel = count[3] if len(count) > 3 else None
        if channel is not None:
            text = f"{name}(any {channel})" if arg is None else f"{name}({arg}, {channel})"
        else:
            text = name + (f"({arg})" if arg is not None else "")
        if within is not None:
            text += f" within {_duration(within)}"
        if op == ">" and right == 0:
            return text
        return f"{text} count {op} {right}"

    def _grouped(self, rule: Rule, outer: str) -> str:
        text = self._text(rule)
        if isinstance(rule, dict) and next(iter(rule)) in ("and", "or") and next(iter(rule)) != outer:
            return f"({text})"
        return text


def _is_var(value: object) -> bool:
    return isinstance(value, dict) and "var" in value


def _literal(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
