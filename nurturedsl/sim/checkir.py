"""Checking an IR document before running it.

A document that `nurturedsl compile` wrote is always right; one edited by
hand or written by another tool may not be. The IR's models (irmodel.py,
the ones the committed schema is generated from) check its shapes: the
members of each node type, transitions of the kinds a node has, no `null`,
durations from 1 second to the 10 years a playbook may say, conditions of
known operations with their arguments. This module turns what they find
into `path: message` lines, the path in the document's own terms
(`flows.inbound.nodes.welcome.next[0].to`), and adds what a runner relies
on that a schema cannot say: every transition leads to a node, every name a
node or condition uses exists, a branch's `else` comes last, split weights
add up to 100, and each touch's `message` flag and `give_or_ask` agree with
the policy and the content.

Values, too, are what a runner can compute with: numbers finite and within
what a 64-bit float holds exactly (2^53, as JavaScript runners hold them),
and strings text (JSON's `\\ud800` escapes can spell half a surrogate pair,
which no UTF-8 output can hold). So every simulated moment stays on the
calendar, and every record can be written.

Members the models do not know are refused in a document of this
simulator's minor version or an earlier one, where they can only be
mistakes (`duraton`); in a later minor version they are what that version
added, which a runner ignores (docs/ir.md, Versioning).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .. import units
from ..irmodel import HHMM_PATTERN, OPERATIONS, VERSION, VERSION_PATTERN, ProgrammeIR, argument_problem

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from .programme import Json

MAX_EXACT = 2**53
_MINOR = int(VERSION.split(".")[1])
_PATTERNS = {VERSION_PATTERN: "1.MINOR.PATCH", HHMM_PATTERN: "HH:MM"}
_NULL = "null is not a value; an optional member is left out, never null"


def problems(ir: Json, limit: int = 20) -> list[str]:
    """Up to `limit` problems, most basic first; [] when the document runs."""
    found, model = _shapes(ir)
    if not found and model is not None:
        found = list(_absent(model, ""))
    if not found:
        found = list(_values(ir, limit))
    if not found:
        found = list(_references(ir))
    return found[:limit]


# -------------------------------------------------------------- the models --


def _shapes(ir: Json) -> tuple[list[str], ProgrammeIR | None]:
    """What the models find, in the document's terms; and the validated
    model when they find nothing."""
    try:
        # strict: a JSON document has JSON's types, so "3" is not a number
        return [], ProgrammeIR.model_validate(ir, strict=True)
    except ValidationError as error:
        items = error.errors()
    version = str(ir.get("version", "")).split(".")
    later = len(version) == 3 and version[1].isdigit() and int(version[1]) > _MINOR
    found: list[str] = []
    for item in items:
        if item["type"] == "extra_forbidden" and later:
            continue  # what a later minor version added; runners ignore it
        line = _message(ir, item)
        if line not in found:
            found.append(line)
    return found, None


def _message(ir: Json, item: ErrorDetails) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    parts = _parts(ir, item["loc"], kind == "missing")
    where = _text(parts)
    node = _node(ir, parts)
    if node is not None and len(parts) > 4 and parts[4] == "next" and isinstance(node[1].get("next"), list):
        edges = node[1]["next"]
        if all(isinstance(e, dict) and isinstance(e.get("kind"), str) for e in edges):
            expected = _transitions(str(node[1].get("type")), edges)
            if expected:  # what is wrong with the whole list says more than pydantic's item by item
                return f"{_text(parts[:5])}: {expected}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        member = str(ctx.get("discriminator", "")).strip("'")
        if kind == "union_tag_not_found":
            return f"{_text([*parts, member])}: Field required"
        expected = str(ctx.get("expected_tags", "")).replace("'", "`")
        return f"{_text([*parts, member])}: unknown {member} `{ctx.get('tag')}`; expected one of {expected}"
    if kind == "missing" and node is not None and len(parts) == 5:
        return f"{where}: {_a(node[0])} node needs `{parts[4]}`"
    if kind == "missing":
        return f"{where}: Field required"
    if kind == "extra_forbidden":
        on = f"{_a(node[0])} node" if node is not None and len(parts) == 5 else "this object"
        return f"{where}: unknown member: {on} has no `{parts[-1]}` in IR 1.{_MINOR}"
    if item["input"] is None:
        return f"{where}: {_NULL}"
    if parts and parts[-1] == "seconds" and kind in ("greater_than", "less_than_equal"):
        return (
            f"{where}: a duration is 1 to {units.MAX_DURATION_SECONDS} seconds (10 years), not {_shown(item['input'])}"
        )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERNS:
        return f"{where}: expected {_PATTERNS[ctx['pattern']]}, not `{item['input']}`"
    if kind == "bool_type":
        return f"{where}: must be true or false, not {_scalar(item['input'])}"
    if kind == "value_error":  # the models' own checks (irmodel.py) say what is wrong in their words
        return f"{where}: {str(ctx.get('error', item['msg']))}"
    if (kind.endswith("_type") or kind == "literal_error") and isinstance(item["input"], (str, int, float)):
        return f"{where}: {item['msg']}, not {_scalar(item['input'])}"
    return f"{where}: {item['msg']}"


def _scalar(value: Any) -> str:
    return json.dumps(value)[:60] if isinstance(value, (str, int, float, bool)) else f"a JSON {type(value).__name__}"


def _parts(ir: Json, loc: tuple[int | str, ...], missing: bool) -> list[str | int]:
    """Pydantic's path of an error as the document's path: without the
    union members' tags pydantic puts in (a node's `type`, a LinkedIn
    node's `action`, a transition's `kind`)."""
    parts: list[str | int] = []
    value: Any = ir
    tags: set[str] = set()  # the discriminators passed at this level
    for i, key in enumerate(loc):
        if isinstance(value, dict):
            tag = next((d for d in ("type", "action", "kind") if d not in tags and value.get(d) == key), None)
            if tag is not None:
                tags.add(tag)
                continue
            if key in value:
                parts.append(key)
                value, tags = value[key], set()
                continue
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            parts.append(key)
            value, tags = value[key], set()
            continue
        if missing and i == len(loc) - 1 and isinstance(value, dict):
            parts.append(key)  # the member that is not there
        # anything else is the name pydantic gives a union's member (`str`, `int`)
    return parts


def _a(name: str) -> str:
    return f"{'an' if name[0] in 'aeiou' else 'a'} `{name}`"


def _text(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def _node(ir: Json, parts: list[str | int]) -> tuple[str, Json] | None:
    """The node a path is in, and what to call its type (`linkedin message`)."""
    if len(parts) < 4 or parts[0] != "flows" or parts[2] != "nodes":
        return None
    node = ir["flows"][parts[1]]["nodes"][parts[3]]
    if not isinstance(node, dict):
        return None
    name = str(node.get("type"))
    if name in ("linkedin", "ads") and isinstance(node.get("action"), str):
        name += f" {node['action']}"
    return name, node


def _absent(model: BaseModel, where: str) -> Iterator[str]:
    """Members given as null, and members a document always has that were
    left out: in Python the models take both (None and a default stand for
    "absent"), the schema neither."""
    given = model.model_fields_set
    for name in type(model).model_fields:
        here = f"{where}.{name}" if where else name
        value = getattr(model, name)
        if value is None and name in given:
            yield f"{here}: {_NULL}"
        elif name in getattr(model, "ALWAYS", ()) and name not in given:
            yield f"{here}: Field required"
        yield from _within(value, here)


def _within(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, BaseModel):
        yield from _absent(value, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, BaseModel):
                yield from _absent(item, f"{where}[{i}]")
    elif isinstance(value, dict):  # a map of models; a condition holds none
        for key, item in value.items():
            if isinstance(item, BaseModel):
                yield from _absent(item, f"{where}.{key}")


def _shown(value: Any) -> str:
    return str(value) if isinstance(value, float) or abs(value) < 10**20 else f"a {len(str(value))}-digit number"


# -------------------------------------------------------------- the values --


def _values(ir: Json, limit: int) -> Iterator[str]:
    stack: list[tuple[Any, str]] = [(ir, "")]
    found = 0
    while stack and found < limit:
        value, where = stack.pop()
        problem = None
        if isinstance(value, dict):
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
            problem = f"{where}: {_shown(value)} is not a number a runner can hold (at most 2^53 either side of 0)"
        if problem:
            found += 1
            yield problem


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped(text: str) -> str:
    return json.dumps(text[:60])


# ---------------------------------------------------------- the references --


def _references(ir: Json) -> Iterator[str]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    policy = ir["policy"]
    try:
        ZoneInfo(policy["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        yield f"policy.timezone: unknown time zone `{policy['timezone']}`"
    for name, segment in ir["segments"].items():
        yield from _condition(ir, segment["condition"], f"segments.{name}.condition")
    for name, score in ir["scores"].items():
        for i, rule in enumerate(score["fit"]):
            yield from _condition(ir, rule["condition"], f"scores.{name}.fit[{i}].condition")
        for i, threshold in enumerate(score["thresholds"]):
            for j, action in enumerate(threshold["actions"]):
                if action["type"] == "move_to" and action["flow"] not in ir["flows"]:
                    yield f"scores.{name}.thresholds[{i}].actions[{j}].flow: no flow `{action['flow']}`"
                if action["type"] == "score" and action["score"] not in ir["scores"]:
                    yield f"scores.{name}.thresholds[{i}].actions[{j}].score: no score `{action['score']}`"
    for name, flow in ir["flows"].items():
        yield from _flow(ir, name, flow)


def _flow(ir: Json, name: str, flow: Json) -> Iterator[str]:
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
        if "content" in node:
            content = ir["content"].get(node["content"])
            if content is None:
                yield f"{here}.content: no content `{node['content']}`"
            elif node.get("give_or_ask") != content["kind"]:
                given = node.get("give_or_ask", "absent")
                yield f"{here}.give_or_ask: {given}, but content `{node['content']}` is {content['kind']}"
        if kind == "move_to" and node["flow"] not in ir["flows"]:
            yield f"{here}.flow: no flow `{node['flow']}`"
        if kind == "score" and node["score"] not in ir["scores"]:
            yield f"{here}.score: no score `{node['score']}`"
        if "message" in node:
            yield from _message_flag(ir, node, here)
        if kind == "wait_until":
            yield from _condition(ir, node["condition"], f"{here}.condition")
        if kind == "experiment":
            yield from _condition(ir, node["goal"], f"{here}.goal")
        edges = node["next"]
        for j, edge in enumerate(edges):
            if edge["to"] not in nodes:
                yield f"{here}.next[{j}].to: no node `{edge['to']}`"
            if "guard" in edge:
                yield from _condition(ir, edge["guard"], f"{here}.next[{j}].guard")
        expected = _transitions(kind, edges)
        if expected:
            yield f"{here}.next: {expected}"


def _message_flag(ir: Json, node: Json, here: str) -> Iterator[str]:
    """A touch's `message` flag agrees with the policy's `messages`: the
    runner holds and counts by the flag, the linter by the list."""
    from ..policy import is_message

    messages = ir["policy"].get("messages")
    if messages is None or bool(node["message"]) == is_message(node, messages):
        return
    what = node["type"] + (f" {node['action']}" if node.get("action") else "")
    listed = "lists" if not node["message"] else "does not list"
    yield (
        f"{here}.message: {str(node['message']).lower()}, but policy.messages {listed} `{what}` ({', '.join(messages)})"
    )


def _transitions(kind: str, edges: list[Json]) -> str | None:
    """What is wrong with a node's transitions as a whole: their kinds and
    order, and split weights that do not add up to 100. Also what pydantic
    found, item by item, said for the list."""
    kinds = [edge["kind"] for edge in edges]
    if kind in ("end", "move_to", "suppress", "handoff", "exit"):
        return "a terminal node has no transitions" if edges else None
    if kind == "wait":
        good = kinds == ["next"] and "delay" in edges[0]
        return None if good else "a wait needs one `next` transition with a delay"
    if kind == "wait_until":
        good = kinds in (["event"], ["event", "timeout"]) and all("delay" in e for e in edges[1:])
        return None if good else "a wait_until needs an `event` transition and optionally a `timeout` with a delay"
    if kind == "wait_for":
        good = len(kinds) >= 2 and kinds[-1] == "timeout" and all(k == "event" for k in kinds[:-1])
        return None if good else "a wait_for needs one `event` transition per arm, then one `timeout`"
    if kind == "branch":
        good = len(kinds) >= 2 and kinds[-1] == "else" and all(k == "branch" for k in kinds[:-1])
        return None if good else "a branch needs `branch` transitions, then one `else`"
    if kind == "split":
        weights: list[Any] = [e.get("weight") for e in edges]
        good = bool(kinds) and all(k == "split" for k in kinds) and all(_is_number(w) for w in weights)
        if not good:
            return "a split needs `split` transitions with weights"
        return None if abs(sum(weights) - 100) < 1e-6 else f"split weights add up to {sum(weights):g}, not 100"
    if kind == "experiment":
        # a split's arms, each named: the decision reports rates by name
        labels = [e.get("label") for e in edges]
        if len(edges) < 2 or not all(isinstance(label, str) for label in labels):
            return "an experiment needs two or more `split` transitions, each with a weight and a label"
        if len(set(labels)) != len(labels):
            return "an experiment's arms need different labels"
        return _transitions("split", edges)
    if kind == "repeat":
        return None if kinds == ["loop", "done"] else "a repeat needs a `loop` and then a `done` transition"
    if kind == "goto":
        return None if kinds == ["goto"] else "a goto needs one `goto` transition"
    return None if kinds == ["next"] else f"{_a(kind)} node needs exactly one `next` transition"


def _condition(ir: Json, rule: Any, where: str) -> Iterator[str]:
    """A rule's problems: operations and their arguments as irmodel's
    OPERATIONS has them (the schema's JsonLogic), and the names it uses."""
    if not isinstance(rule, dict) or len(rule) != 1:
        yield f"{where}: a JsonLogic rule is an object of exactly one operation"
        return
    ((op, args),) = rule.items()
    if op not in OPERATIONS:
        yield f"{where}: unknown operation `{op}`; conditions use {', '.join(OPERATIONS)}"
        return
    wrong = argument_problem(op, args)
    if wrong:
        yield f"{where}: {wrong}"
    elif op == "segment" and args[0] not in ir["segments"]:
        yield f"{where}: no segment `{args[0]}`"
    elif op == "score" and args[0] not in ir["scores"]:
        yield f"{where}: no score `{args[0]}`"
    elif op == "in_flow" and args[0] not in ir["flows"]:
        yield f"{where}: no flow `{args[0]}`"
    elif OPERATIONS[op] in ("one", "two", "two or more"):
        for operand in args:
            yield from _operand(ir, operand, where)


def _operand(ir: Json, operand: Any, where: str) -> Iterator[str]:
    if isinstance(operand, dict):
        yield from _condition(ir, operand, where)
    elif isinstance(operand, list):
        for item in operand:
            yield from _operand(ir, item, where)
    elif operand is None:
        yield f"{where}: null is not an operand (only `event_count` takes null, as its arg or within)"
