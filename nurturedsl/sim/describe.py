"""JsonLogic conditions back in the language's words, for reasons in reports
and traces: "exit on replied" reads better than a JSON tree. The IR keeps
no source text of conditions, and a runner must not need the source."""

from __future__ import annotations

import json

from .. import units


def _duration(seconds) -> str:
    return units.short(seconds, weeks=True)


class Describer:
    def __init__(self, ir: dict):
        self.thresholds = {}
        for score, data in ir.get("scores", {}).items():
            for threshold in data["thresholds"]:
                self.thresholds[(score, threshold["op"], threshold["value"])] = f"{score}.{threshold['name']}"
        self.attributes = ir.get("attributes", {})

    def describe(self, rule) -> str:
        try:
            return self._text(rule)
        except (KeyError, TypeError, ValueError, IndexError):  # a shape this printer does not know
            return json.dumps(rule, sort_keys=True)

    def _text(self, rule) -> str:
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
            return "has " + args[0]["var"]
        if op == "var":
            return args if isinstance(args, str) else args[0]
        if op == "segment":
            return args[0]
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
            return left["var"]
        return f"{self._text(left)} {op} {_literal(right)}"

    def _event(self, count, op, right) -> str:
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

    def _grouped(self, rule, outer: str) -> str:
        text = self._text(rule)
        if isinstance(rule, dict) and next(iter(rule)) in ("and", "or") and next(iter(rule)) != outer:
            return f"({text})"
        return text


def _is_var(value) -> bool:
    return isinstance(value, dict) and "var" in value


def _literal(value) -> str:
    return json.dumps(value, ensure_ascii=False)
