"""Checking an IR document before running it.

A document that `nurturedsl compile` wrote is always right; one edited by
hand or written by another tool may not be. The schema (the pydantic models
of ir.py) checks shapes; this module adds what a runner relies on that a
schema cannot say: every transition leads to a node, every name a node or
condition uses exists, each node has the members its type needs. Problems
come back as `path: message` lines, the path in the document's own terms
(`flows.inbound.nodes.welcome.next[0].to`).

Values, too, are what a runner can compute with: numbers finite and within
what a 64-bit float holds exactly (2^53, as JavaScript runners hold them),
durations from 0 to the 10 years a playbook may say, and strings text (JSON's
`\\ud800` escapes can spell half a surrogate pair, which no UTF-8 output can
hold). So every simulated moment stays on the calendar, and every record can
be written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .. import units

MAX_EXACT = 2**53

_OPERATIONS = {
    "var",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "and",
    "or",
    "!",
    "!!",
    "segment",
    "event_count",
    "score",
    "inactive",
}
_NEEDS = {
    "email": ("content",),
    "sms": ("content",),
    "linkedin": ("action",),
    "ads": ("action", "audience"),
    "task": ("text",),
    "notify": ("text",),
    "wait": ("duration",),
    "wait_until": ("condition",),
    "repeat": ("every",),
    "goto": ("target",),
    "tag": ("tag", "remove"),
    "set": ("attribute", "value"),
    "move_to": ("flow",),
    "suppress": ("suppression_list",),
    "handoff": ("team",),
}


def problems(ir: dict, limit: int = 20) -> list[str]:
    """Up to `limit` problems, most basic first; [] when the document runs."""
    from pydantic import ValidationError

    from ..ir import ProgrammeIR

    found = []
    try:
        ProgrammeIR.model_validate(ir)
    except ValidationError as error:
        for item in error.errors():
            if item["type"] == "extra_forbidden":
                continue  # a later minor version may add members; runners ignore them
            where = ".".join(str(part) for part in item["loc"]) or "the document"
            found.append(f"{where}: {item['msg']}")
    if found:
        return found[:limit]
    found = list(_values(ir, limit))
    if found:
        return found[:limit]
    found = list(_references(ir))
    return found[:limit]


def _values(ir: dict, limit: int) -> Iterator[str]:
    from ..units import MAX_DURATION_SECONDS

    stack: list[tuple[Any, str]] = [(ir, "")]
    found = 0
    while stack and found < limit:
        value, where = stack.pop()
        problem = None
        if isinstance(value, dict):
            seconds = value.get("seconds") if set(value) == {"seconds", "iso"} else None
            if _is_number(seconds) and not 0 <= seconds <= MAX_DURATION_SECONDS:
                problem = (
                    f"{where}.seconds: a duration is 0 to {MAX_DURATION_SECONDS} seconds (10 years), not {seconds}"
                )
            for key, inner in value.items():
                if not _is_text(key):
                    problem = problem or f"{where}: a key holds half of a UTF-16 surrogate pair: {_escaped(key)}"
                stack.append((inner, f"{where}.{key}" if where else key))
        elif isinstance(value, list):
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(value))
        elif isinstance(value, str):
            if not _is_text(value):
                problem = f"{where}: holds half of a UTF-16 surrogate pair, not a character: {_escaped(value)}"
        elif _is_number(value) and not -MAX_EXACT <= value <= MAX_EXACT:  # NaN, Infinity and 1e400 too
            shown = value if isinstance(value, float) or abs(value) < 10**20 else f"a {len(str(value))}-digit number"
            problem = f"{where}: {shown} is not a number a runner can hold (at most 2^53 either side of 0)"
        if problem:
            found += 1
            yield problem


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped(text: str) -> str:
    return json.dumps(text[:60])


def _references(ir: dict) -> Iterator[str]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    policy = ir["policy"]
    try:
        ZoneInfo(policy.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        yield f"policy.timezone: unknown time zone `{policy.get('timezone')}`"
    for day in policy.get("send_days", ()):
        if day not in units.DAYS:
            yield f"policy.send_days: unknown day `{day}`"
    quiet = policy.get("quiet_hours")
    for end in ("start", "end") if quiet else ():
        hours, _, minutes = str(quiet[end]).partition(":")
        digits = (hours + minutes).isascii() and len(hours) <= 2 and len(minutes) == 2  # not `²`
        if not (digits and hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            yield f"policy.quiet_hours.{end}: expected HH:MM, not `{quiet[end]}`"
    for name, segment in ir["segments"].items():
        yield from _condition(ir, segment["condition"], f"segments.{name}.condition")
    for name, score in ir["scores"].items():
        for i, rule in enumerate(score["fit"]):
            yield from _condition(ir, rule["condition"], f"scores.{name}.fit[{i}].condition")
        for i, threshold in enumerate(score["thresholds"]):
            for j, action in enumerate(threshold["actions"]):
                if action.get("type") == "move_to" and action.get("flow") not in ir["flows"]:
                    yield f"scores.{name}.thresholds[{i}].actions[{j}].flow: no flow `{action.get('flow')}`"
    for name, flow in ir["flows"].items():
        yield from _flow(ir, name, flow)


def _flow(ir: dict, name: str, flow: dict) -> Iterator[str]:
    at = f"flows.{name}"
    nodes = flow["nodes"]
    if flow["start"] not in nodes:
        yield f"{at}.start: no node `{flow['start']}`"
    for i, entry in enumerate(flow["entry"]):
        if "condition" in entry:
            yield from _condition(ir, entry["condition"], f"{at}.entry[{i}].condition")
    for key in ("audience", "goal"):
        if key in flow:
            yield from _condition(ir, flow[key], f"{at}.{key}")
    for i, rule in enumerate(flow["exit"]):
        yield from _condition(ir, rule, f"{at}.exit[{i}]")
    for node_id, node in nodes.items():
        here = f"{at}.nodes.{node_id}"
        kind = node["type"]
        for member in _NEEDS.get(kind, ()):
            if node.get(member) is None:
                yield f"{here}: a `{kind}` node needs `{member}`"
        if kind in ("email", "sms") and node.get("content") is not None and node["content"] not in ir["content"]:
            yield f"{here}.content: no content `{node['content']}`"
        if kind == "move_to" and node.get("flow") is not None and node["flow"] not in ir["flows"]:
            yield f"{here}.flow: no flow `{node['flow']}`"
        if "message" in node:
            yield from _message_flag(ir, node, here)
        if kind == "wait_until" and node.get("condition") is not None:
            yield from _condition(ir, node["condition"], f"{here}.condition")
        edges = node["next"]
        for j, edge in enumerate(edges):
            if edge["to"] not in nodes:
                yield f"{here}.next[{j}].to: no node `{edge['to']}`"
            if "guard" in edge:
                yield from _condition(ir, edge["guard"], f"{here}.next[{j}].guard")
        expected = _transitions(kind, edges)
        if expected:
            yield f"{here}.next: {expected}"


def _message_flag(ir: dict, node: dict, here: str) -> Iterator[str]:
    """A touch's `message` flag agrees with the policy's `messages`: the
    runner holds and counts by the flag, the linter by the list."""
    from ..policy import CONTACT_CHANNELS, is_message

    if not isinstance(node["message"], bool):
        yield f"{here}.message: must be true or false, not {json.dumps(node['message'])}"
        return
    if node["type"] not in CONTACT_CHANNELS:
        yield f"{here}.message: only email, sms, linkedin and ads nodes are messages or presence"
        return
    messages = ir["policy"].get("messages")
    if messages is None or bool(node["message"]) == is_message(node, messages):
        return
    what = node["type"] + (f" {node['action']}" if node.get("action") else "")
    listed = "lists" if not node["message"] else "does not list"
    yield (
        f"{here}.message: {str(node['message']).lower()}, but policy.messages {listed} `{what}` ({', '.join(messages)})"
    )


def _transitions(kind: str, edges: list[dict]) -> str | None:
    kinds = [edge["kind"] for edge in edges]
    if kind in ("end", "move_to", "suppress", "handoff", "exit"):
        return "a terminal node has no transitions" if edges else None
    if kind == "wait":
        return None if len(edges) == 1 and "delay" in edges[0] else "a wait needs one transition with a delay"
    if kind == "wait_until":
        good = kinds in (["event"], ["event", "timeout"]) and all("delay" in e for e in edges[1:])
        return None if good else "a wait_until needs an `event` transition and optionally a `timeout` with a delay"
    if kind == "branch":
        good = len(kinds) >= 2 and kinds[-1] == "else" and all(k == "branch" for k in kinds[:-1])
        return None if good else "a branch needs `branch` transitions, then one `else`"
    if kind == "split":
        weights = [e.get("weight") for e in edges]
        good = kinds and all(k == "split" for k in kinds) and all(isinstance(w, (int, float)) for w in weights)
        if not good:
            return "a split needs `split` transitions with weights"
        return None if abs(sum(weights) - 100) < 1e-6 else f"split weights add up to {sum(weights):g}, not 100"
    if kind == "repeat":
        return None if kinds == ["loop", "done"] else "a repeat needs a `loop` and then a `done` transition"
    return None if len(edges) == 1 else f"a `{kind}` node needs exactly one transition"


def _condition(ir: dict, rule, where: str) -> Iterator[str]:
    if isinstance(rule, list):
        for item in rule:
            yield from _condition(ir, item, where)
        return
    if not isinstance(rule, dict):
        return
    if len(rule) != 1:
        yield f"{where}: a JsonLogic rule has exactly one operation"
        return
    ((op, args),) = rule.items()
    if op not in _OPERATIONS:
        yield f"{where}: unknown operation `{op}`"
        return
    if op == "segment" and (not args or args[0] not in ir["segments"]):
        yield f"{where}: no segment `{args[0] if args else ''}`"
    elif op == "score" and (not args or args[0] not in ir["scores"]):
        yield f"{where}: no score `{args[0] if args else ''}`"
    elif op == "event_count" and not (isinstance(args, list) and len(args) == 3):
        yield f"{where}: event_count takes [name, arg, within]"
    elif op == "inactive" and not (isinstance(args, list) and len(args) == 1):
        yield f"{where}: inactive takes [seconds]"
    elif op not in ("var", "segment", "score", "event_count", "inactive"):
        yield from _condition(ir, args, where)
