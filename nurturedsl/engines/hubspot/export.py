"""The HubSpot automation v4 flow (the POST /automation/v4/flows body,
ApiContactFlowCreateRequest) of one flow.

HubSpot flows are graphs: every action names the next one in a `connection`
`{edgeType, nextActionId}`, and an action reached a second time (branch arms
rejoining, `goto`, `repeat`) is a `GOTO` connection to its first placement
(developers.hubspot.com/docs/api-reference/automation-automation-v4-v4/action-enrollment-reference,
"Action types": "you can go to an action in a different branch"). Action
ids are "1", "2", ... in depth-first order, or a step's `meta { hubspot_action
"N" }` (kept by the import), so the export is a function of the flow and the
bindings. What HubSpot cannot say is an approximation or a refusal at its
span, with an HS0xx code (docs/engines.md, "HubSpot").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from typing_extensions import assert_never

from ...irmodel import FlowIR, NodeType, ProgrammeIR, SpanIR
from .. import limits
from ..conditions import (
    And,
    Compare,
    Condition,
    EventCount,
    Has,
    InSegment,
    Not,
    Or,
    Score,
    Tagged,
    UnknownCondition,
    event_key,
    leaves,
    parse,
)
from ..core import Bindings, Need, Report

Connection = dict[str, str]
DAYS = {
    "mon": "MONDAY",
    "tue": "TUESDAY",
    "wed": "WEDNESDAY",
    "thu": "THURSDAY",
    "fri": "FRIDAY",
    "sat": "SATURDAY",
    "sun": "SUNDAY",
}
# The property a test HubSpot cannot say is exported as: nobody has it, so the test is false.
UNMAPPED_PROPERTY = "nurturedsl_unmapped"
OWNER_PROPERTY = "hubspot_owner_id"  # the contact owner, set by a handoff
ELSE_NAME = "None met"
NUMBER_OPERATORS = {
    "==": "IS_EQUAL_TO",
    "!=": "IS_NOT_EQUAL_TO",
    "<": "IS_LESS_THAN",
    "<=": "IS_LESS_THAN_OR_EQUAL_TO",
    ">": "IS_GREATER_THAN",
    ">=": "IS_GREATER_THAN_OR_EQUAL_TO",
}
# Action type ids: the reference's "Action type IDs" table, and the guide's GET example (0-13, 0-9).
DELAY, SEND_EMAIL, SET_PROPERTY, LIST_MEMBERSHIP, CREATE_TASK, IN_APP_NOTIFICATION = (
    "0-1",
    "0-4",
    "0-5",
    "0-13",
    "0-3",
    "0-9",
)


def sends(node: Any) -> bool:
    """Whether a node is a message the HubSpot flow sends: an email the
    policy counts as a message (SMS and LinkedIn steps are skipped, HS017)."""
    return bool(node.type == "email" and node.message is not False)


def _parse(rule: Any) -> Condition | None:
    try:
        return parse(rule)
    except UnknownCondition:
        return None


def mappable(test: Condition, types: Mapping[str, str]) -> bool:
    """Whether a leaf test has a HubSpot filter (the rest are HS008)."""
    if isinstance(test, InSegment | Tagged | Has):
        return True
    if isinstance(test, EventCount):
        return test.happened
    if isinstance(test, Compare):
        kind = types.get(test.attribute, "string")
        if kind == "bool":
            return test.op in ("==", "!=") and isinstance(test.value, bool)
        if kind == "number":
            return test.op in NUMBER_OPERATORS and isinstance(test.value, int | float)
        if kind == "string":
            return test.op in ("==", "!=", "in", "not in")
    return False


def holds_without_value(test: Compare) -> bool:
    """Whether `test` holds for a contact with no value for its attribute:
    JSON null, which equals nothing (so `!=` and `not in` hold) and compares
    as 0 (sim/logic.py, JavaScript's reading, which docs/ir.md names)."""
    if test.op in ("!=", "not in"):
        return True
    if test.op in ("<", "<=", ">", ">=") and isinstance(test.value, int | float) and not isinstance(test.value, bool):
        return {"<": 0 < test.value, "<=": 0 <= test.value, ">": 0 > test.value, ">=": 0 >= test.value}[test.op]
    return False


def whole_percents(weights: list[float]) -> list[int]:
    """Shares as whole percents that add up to 100: each rounded down, then
    the points left over to the largest remainders (the first on a tie)."""
    floors = [int(w) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(weights[i] - floors[i]), i))
    for i in order[: 100 - sum(floors)]:
        floors[i] += 1
    return floors


def _all_leaves(cond: Condition | None) -> list[Condition]:
    return [] if cond is None else leaves(cond)


def _flow_conditions(flow: FlowIR) -> list[tuple[Condition | None, SpanIR | None, str]]:
    """Every condition the export translates, with where it is and what it is for."""
    found: list[tuple[Condition | None, SpanIR | None, str]] = []
    for trigger in flow.entry[:1]:
        if trigger.condition is not None:
            found.append((_parse(trigger.condition), trigger.span, "the entry condition"))
    if flow.audience is not None and flow.entry:
        found.append((_parse(flow.audience), flow.span, "the audience"))
    if flow.goal is not None:
        found.append((_parse(flow.goal), flow.span, "the goal"))
    for node_id, node in flow.nodes.items():
        if node.type == "branch":
            for t in node.next:
                if t.kind == "branch":
                    found.append((_parse(t.guard), node.span, f"branch `{node_id}`"))
        elif node.type == "wait_until" and node.timeout is not None:
            found.append((_parse(node.condition), node.span, f"wait until `{node_id}`"))
    return found


def _joined_entries(flow: FlowIR) -> list[Any]:
    """The entries after the first that HubSpot's EVENT_BASED enrollment
    takes with it: events, like the first, with its condition and no delay."""
    if not flow.entry or flow.entry[0].event is None or flow.entry[0].delay is not None:
        return []
    first = flow.entry[0]
    return [e for e in flow.entry[1:] if e.event is not None and e.delay is None and e.condition == first.condition]


def needs(ir: ProgrammeIR, flow_name: str) -> list[Need]:
    flow = ir.flows[flow_name]
    found: list[Need] = []
    where_flow = f"in flow `{flow_name}`"
    for trigger in [*flow.entry[:1], *_joined_entries(flow)]:
        if trigger.event is not None:
            key = event_key(trigger.event.name, trigger.event.arg)
            found.append(Need("event", key, trigger.span, f"the entry trigger {where_flow}"))
    for cond, span, purpose in _flow_conditions(flow):
        found.extend(_condition_needs(cond, span, f"{purpose} {where_flow}", ir.attributes))
    for rule in flow.exit:
        cond = _parse(rule)
        if isinstance(cond, InSegment):
            found.append(Need("segment", cond.segment, flow.span, f"an exit trigger {where_flow}"))
        elif isinstance(cond, Tagged):
            found.append(Need("tag", cond.tag, flow.span, f"an exit trigger {where_flow}"))
    for node_id, node in flow.nodes.items():
        where = f"step `{node_id}` in flow `{flow_name}`"
        span = getattr(node, "span", None)
        if node.type == "email":
            found.append(Need("content", node.content, span, f"email {where}"))
        elif node.type == "handoff":
            found.append(Need("team", node.team, span, f"handoff {where}"))
        elif node.type == "suppress":
            found.append(Need("list", node.suppression_list, span, f"suppress {where}"))
        elif node.type == "set":
            found.append(Need("attribute", node.attribute, span, f"set {where}"))
        elif node.type == "tag":
            found.append(Need("tag", node.tag, span, f"{'untag' if node.remove else 'tag'} {where}"))
        elif node.type == "notify":
            if node.recipient is not None:  # without one it is refused (HS023)
                found.append(Need("recipient", node.recipient, span, f"notify {where}"))
        elif node.type == "wait_for":
            for t in node.next:
                if t.kind == "event":
                    key = event_key(t.event.name, t.event.arg)
                    found.append(Need("event", key, span, f"wait for {where}"))
        elif (
            node.type == "entry"
            or node.type == "end"
            or node.type == "exit"
            or node.type == "goto"
            or node.type == "wait"
            or node.type == "wait_until"  # its condition: _flow_conditions
            or node.type == "branch"  # its guards: _flow_conditions
            or node.type == "split"
            or node.type == "experiment"
            or node.type == "repeat"
            or node.type == "task"
            or node.type == "webhook"
            or node.type == "linkedin"  # the skipped steps (SKIPPED) need nothing
            or node.type == "ads"
            or node.type == "sms"
            or node.type == "wait_calendar"
            or node.type == "score"
            or node.type == "move_to"
        ):
            pass  # no binding
        else:
            assert_never(node)  # a new node type must say what it needs
    seen: set[tuple[str, str]] = set()
    unique: list[Need] = []
    for need in found:
        if (need.kind, need.name) not in seen:
            seen.add((need.kind, need.name))
            unique.append(need)
    return unique


def _condition_needs(cond: Condition | None, span: SpanIR | None, purpose: str, types: Mapping[str, str]) -> list[Need]:
    out: list[Need] = []
    for test in _all_leaves(cond):
        if not mappable(test, types):
            continue
        if isinstance(test, InSegment):
            out.append(Need("segment", test.segment, span, purpose))
        elif isinstance(test, Tagged):
            out.append(Need("tag", test.tag, span, purpose))
        elif isinstance(test, EventCount):
            out.append(Need("event", test.key, span, purpose))
        elif isinstance(test, Compare | Has):
            out.append(Need("attribute", test.attribute, span, purpose))
    return out


def _connection(target: str, goto: bool) -> Connection:
    return {"edgeType": "GOTO" if goto else "STANDARD", "nextActionId": target}


class _Exporter:
    def __init__(self, ir: ProgrammeIR, flow_name: str, bindings: Bindings, report: Report):
        self.ir = ir
        self.name = flow_name
        self.flow: FlowIR = ir.flows[flow_name]
        self.bindings = bindings
        self.report = report
        self.actions: list[dict[str, Any]] = []
        self.placed: dict[str, str] = {}  # node id → the id of its (first) action
        self.where = f"in flow `{flow_name}`"
        self.repeated: set[str] = set()
        self.skipping: set[str] = set()
        self.reported: set[str] = set()  # skipped steps already reported
        self.reserved: set[str] = set()
        for node in self.flow.nodes.values():
            for key in ("hubspot_action", "hubspot_branch"):
                value = (getattr(node, "meta", None) or {}).get(key)
                if value is not None:
                    self.reserved.add(str(value))
        self.used: set[str] = set()
        self.counter = 0
        self.list_condition: Condition | None = None  # a LIST_BASED enrollment's filter, entry and audience

    # -- ids and actions

    def fresh(self, fixed: Any = None) -> str:
        if fixed is not None:
            self.used.add(str(fixed))
            return str(fixed)
        while True:
            self.counter += 1
            candidate = str(self.counter)
            if candidate not in self.reserved and candidate not in self.used:
                self.used.add(candidate)
                return candidate

    def single(self, action_id: str, type_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        action: dict[str, Any] = {
            "type": "SINGLE_CONNECTION",
            "actionId": action_id,
            "actionTypeId": type_id,
            "actionTypeVersion": 0,
            "fields": fields,
        }
        self.actions.append(action)
        return action

    # -- conditions as filter branches

    def top(self, cond: Condition | None, span: SpanIR | None, purpose: str) -> dict[str, Any]:
        """A filter branch as HubSpot's lists and branches write them: an OR of ANDs."""
        if isinstance(cond, Or):
            return self.branch(cond, span, purpose)
        inner = self.branch(cond, span, purpose) if isinstance(cond, And) else self.wrap("AND", [cond], span, purpose)
        return self.group("OR", [], [inner])

    def group(self, kind: str, filters: list[dict[str, Any]], branches: list[dict[str, Any]]) -> dict[str, Any]:
        return {"filterBranchType": kind, "filterBranchOperator": kind, "filters": filters, "filterBranches": branches}

    def wrap(self, kind: str, parts: list[Condition | None], span: SpanIR | None, purpose: str) -> dict[str, Any]:
        filters: list[dict[str, Any]] = []
        branches: list[dict[str, Any]] = []
        for part in parts:
            leaf = self.leaf(part, span, purpose)
            if leaf is not None:
                filters.append(leaf)
            else:
                branches.append(self.branch(part, span, purpose))
        return self.group(kind, filters, branches)

    def branch(self, cond: Condition | None, span: SpanIR | None, purpose: str) -> dict[str, Any]:
        if isinstance(cond, And):
            return self.wrap("AND", list(cond.parts), span, purpose)
        if isinstance(cond, Or):
            return self.group(
                "OR",
                [],
                [
                    self.branch(p, span, purpose) if isinstance(p, And) else self.wrap("AND", [p], span, purpose)
                    for p in cond.parts
                ],
            )
        if isinstance(cond, Not) and isinstance(cond.part, EventCount) and self.event_ok(cond.part, span, purpose):
            return self.events(cond.part, "HAS_NOT_COMPLETED")
        if isinstance(cond, Not):
            inner = cond.part
            if isinstance(inner, Or):
                return self.wrap("NOT_ANY", list(inner.parts), span, purpose)
            if isinstance(inner, And):
                return self.wrap("NOT_ALL", list(inner.parts), span, purpose)
            return self.wrap("NOT_ANY", [inner], span, purpose)
        if isinstance(cond, EventCount) and self.event_ok(cond, span, purpose):
            return self.events(cond, "HAS_COMPLETED")
        return self.wrap("AND", [cond], span, purpose)

    def event_ok(self, test: EventCount, span: SpanIR | None, purpose: str) -> bool:
        if not test.happened:
            return False
        if test.within is not None or test.channel is not None:
            self.report.approximate(
                "HS009",
                span,
                f"an event test with `within` or `any CHANNEL` in {purpose} {self.where}",
                "the event at any time, on any channel: HubSpot's event filter is exported without a window",
            )
        return True

    def events(self, test: EventCount, operator: str) -> dict[str, Any]:
        # the guide's GET example: an UNIFIED_EVENTS branch {eventTypeId, operator HAS_COMPLETED}
        return {
            "filterBranchType": "UNIFIED_EVENTS",
            "filterBranchOperator": "AND",
            "eventTypeId": str(self.bindings.require("event", test.key)),
            "operator": operator,
            "filters": [],
            "filterBranches": [],
        }

    def leaf(self, cond: Condition | None, span: SpanIR | None, purpose: str) -> dict[str, Any] | None:
        """The filter of a plain test, or None for a test that is a branch of its own."""
        negated = isinstance(cond, Not) and isinstance(cond.part, InSegment | Tagged)
        test = cond.part if isinstance(cond, Not) and negated else cond
        if isinstance(test, InSegment | Tagged):
            bound = (
                self.bindings.require("segment", test.segment)
                if isinstance(test, InSegment)
                else self.bindings.require("tag", test.tag)
            )
            return {"filterType": "IN_LIST", "listId": str(bound), "operator": "NOT_IN_LIST" if negated else "IN_LIST"}
        if isinstance(test, And | Or | Not):
            return None
        if isinstance(test, EventCount) and test.happened:
            return None
        if test is not None and mappable(test, self.ir.attributes):
            if isinstance(test, Has):
                return self.prop(test.attribute, {"operationType": "ALL_PROPERTY", "operator": "IS_KNOWN"})
            assert isinstance(test, Compare)
            kind = self.ir.attributes.get(test.attribute, "string")
            without_value = holds_without_value(test)
            if kind == "bool":
                value = test.value if test.op == "==" else not test.value
                boolean = {"operationType": "BOOL", "operator": "IS_EQUAL_TO", "value": value}
                return self.prop(test.attribute, boolean, without_value)
            if kind == "number":
                number: dict[str, Any] = {
                    "operationType": "NUMBER",
                    "operator": NUMBER_OPERATORS[test.op],
                    "value": test.value,
                }
                return self.prop(test.attribute, number, without_value)
            values = list(test.value) if isinstance(test.value, tuple) else [test.value]
            operator = "IS_NOT_EQUAL_TO" if test.op in ("!=", "not in") else "IS_EQUAL_TO"
            texts: dict[str, Any] = {
                "operationType": "MULTISTRING",
                "operator": operator,
                "values": [str(v) for v in values],
            }
            return self.prop(test.attribute, texts, without_value)
        shown = type(test).__name__ if test is not None else "an unreadable test"
        self.report.approximate(
            "HS008",
            span,
            f"a test HubSpot's filters cannot say ({_kind(test) or shown}) in {purpose} {self.where}",
            f"a filter on property `{UNMAPPED_PROPERTY}`, which no contact has: the test is false",
        )
        return {
            "filterType": "PROPERTY",
            "property": UNMAPPED_PROPERTY,
            "operation": {
                "operationType": "ALL_PROPERTY",
                "operator": "IS_KNOWN",
                "includeObjectsWithNoValueSet": False,
            },
        }

    def prop(self, attribute: str, operation: dict[str, Any], without_value: bool = False) -> dict[str, Any]:
        """A property filter. `without_value`: whether the test holds for a
        contact who has no value for the attribute, as the reference runner
        reads it (docs/ir.md: a missing value is JSON null, which `!=` any
        value and compares as 0), so HubSpot includes those contacts exactly
        when we would."""
        operation = {**operation, "includeObjectsWithNoValueSet": without_value}
        return {
            "filterType": "PROPERTY",
            "property": self.bindings.require("attribute", attribute),
            "operation": operation,
        }

    # -- the graph

    def run(self) -> tuple[str | None, dict[str, Any]]:
        flow, policy = self.flow, self.ir.policy
        start: Connection | None = None
        lead: dict[str, Any] | None = None
        enrollment: dict[str, Any]
        should = flow.reentry.allowed
        entry = flow.entry[0] if flow.entry else None
        joined = _joined_entries(flow)
        for extra in flow.entry[1:]:
            if extra not in joined:
                self.report.approximate(
                    "HS002",
                    extra.span,
                    f"a further entry trigger {self.where}",
                    "not exported: HubSpot enrolls on several events only with the same condition and no delay",
                )
        conds = [c for c in ((entry.condition if entry else None), flow.audience if entry else None) if c is not None]
        parsed = [_parse(c) for c in conds]
        cond: Condition | None = None
        if parsed:
            cond = parsed[0] if len(parsed) == 1 else And(tuple(p for p in parsed if p is not None))
        span = entry.span if entry else flow.span
        if entry is None:
            enrollment = {"type": "MANUAL", "shouldReEnroll": should}
        elif entry.event is not None:
            enrollment = {
                "type": "EVENT_BASED",
                "shouldReEnroll": should,
                "eventFilterBranches": [
                    self.events(EventCount(e.event.name, e.event.arg), "HAS_COMPLETED")
                    for e in [entry, *joined]
                    if e.event is not None
                ],
                "listMembershipFilterBranches": [self.top(cond, span, "the entry condition")] if cond else [],
            }
            if entry.delay is not None:
                self.report.approximate(
                    "HS001",
                    entry.span,
                    f"`entry on ... after D` {self.where}",
                    "a delay as the flow's first action; the `when` condition is tested at enrollment, before it",
                )
                lead = self.single(
                    self.fresh(), DELAY, {"delta": str(_minutes(entry.delay.seconds)), "time_unit": "MINUTES"}
                )
        else:
            self.list_condition = cond
            enrollment = {
                "type": "LIST_BASED",
                "shouldReEnroll": should,
                "unEnrollObjectsNotMeetingCriteria": False,
                "listFilterBranch": self.top(cond, span, "the entry condition"),
                "reEnrollmentTriggersFilterBranches": [],
            }
        if flow.reentry.after is not None:
            self.report.approximate(
                "HS004", flow.span, f"`reentry after D` {self.where}", "shouldReEnroll, without the delay"
            )
        if policy.frequency_cap is not None or policy.frequency_caps:
            self.report.approximate(
                "HS005",
                flow.span,
                f"the policy's frequency caps {self.where}",
                "not exported: HubSpot has no cross-flow cap on a flow (use its email sending limits)",
            )
        if flow.rate_limits is not None:
            self.report.approximate("HS006", flow.span, f"rate limits {self.where}", "not exported: HubSpot has none")
        if entry is None and flow.audience is not None:
            self.report.approximate(
                "HS028",
                flow.span,
                f"the audience of {self.where.removeprefix('in ')}, which has no entry",
                "HubSpot's manual enrollment has no filter: every contact enrolled runs the flow",
            )
        self.decay()
        self.touches()
        first = self.visit(flow.nodes[flow.start].next[0].to)
        if lead is not None:
            if first is not None:
                lead["connection"] = first
            start = _connection(lead["actionId"], False)
        else:
            start = first
        self.enrollment = enrollment
        return (start["nextActionId"] if start else None), enrollment

    def touches(self) -> None:
        """The flow's cadence and max_touches and the policy's first_touch,
        where a path meets them (engines/limits.py): HubSpot has none of them."""
        flow = self.flow
        least = flow.cadence.min.seconds
        closest = limits.closest_messages(flow, sends)
        if closest is not None and closest[2] < least:
            a, b, gap = closest
            self.report.approximate(
                "HS029",
                flow.span,
                f"cadence {_shown_seconds(least)}..{_shown_seconds(flow.cadence.max.seconds)} {self.where}: email `{b}` can follow "
                f"email `{a}` after {_shown_seconds(gap)}",
                "each email goes out when the flow's delays say: HubSpot holds none until the cadence's minimum",
            )
        most = limits.most_messages(flow, sends)
        if most > flow.max_touches:
            self.report.approximate(
                "HS030",
                flow.span,
                f"max_touches {flow.max_touches} {self.where}, where one path sends "
                + ("emails in a loop" if math.isinf(most) else f"{int(most)} emails"),
                "every email on the path is sent: HubSpot has no cap on a flow's emails to one contact",
            )
        latest = limits.latest_first_message(flow, sends)
        first_touch = self.ir.policy.first_touch
        if latest > first_touch.seconds:
            self.report.approximate(
                "HS031",
                flow.span,
                f"the policy's first_touch {_shown_seconds(first_touch.seconds)} {self.where}, whose first email can come "
                + ("any time later" if math.isinf(latest) else f"{_shown_seconds(latest)} after entry"),
                "no late first touch is reported: HubSpot does not check when a flow's first email goes out",
            )

    def decay(self) -> None:
        used: set[str] = set()
        for node in self.flow.nodes.values():
            if node.type == "score":
                used.add(node.score)
        for rule in [self.flow.goal, *self.flow.exit, self.flow.audience, *[e.condition for e in self.flow.entry]]:
            for test in _all_leaves(_parse(rule) if rule is not None else None):
                if isinstance(test, Score):
                    used.add(test.score)
        for name in sorted(used):
            for behaviour in self.ir.scores[name].behaviour if name in self.ir.scores else []:
                if behaviour.decay_half_life is not None:
                    self.report.approximate(
                        "HS007",
                        behaviour.span,
                        f"the half-life decay of score `{name}` used {self.where}",
                        "HubSpot scores do not decay: points count at full value until they expire",
                    )

    def visit(self, node_id: str) -> Connection | None:
        """The connection into node `node_id`, placing its actions first; None: the path ends."""
        if node_id in self.placed:
            return _connection(self.placed[node_id], True)
        node = self.flow.nodes[node_id]
        span = getattr(node, "span", None)
        meta = getattr(node, "meta", None) or {}
        here = f"`{node_id}` {self.where}"

        def action(type_id: str, fields: dict[str, Any]) -> Connection:
            action_id = self.fresh(meta.get("hubspot_action"))
            self.placed[node_id] = action_id
            made = self.single(action_id, type_id, fields)
            if node.next:
                nxt = self.visit(node.next[0].to)
                if nxt is not None:
                    made["connection"] = nxt
            return _connection(action_id, False)

        if node.type == "exit" and node.reason is not None:
            self.report.approximate(
                "HS034",
                span,
                f"the reason {node.reason!r} of exit {here}",
                "the path ends: HubSpot records no reason for leaving a flow",
            )
        if node.type == "end" or node.type == "exit":
            return None
        if node.type == "wait":
            return action(DELAY, {"delta": str(_minutes(node.duration.seconds)), "time_unit": "MINUTES"})
        if node.type == "email":
            return action(SEND_EMAIL, {"content_id": str(self.bindings.require("content", node.content))})
        if node.type == "tag":
            list_id = str(self.bindings.require("tag", node.tag))
            return action(LIST_MEMBERSHIP, {"operation": "REMOVE" if node.remove else "ADD", "list_id": list_id})
        if node.type == "set":
            value = node.value
            shown = ("true" if value else "false") if isinstance(value, bool) else str(value)
            prop = self.bindings.require("attribute", node.attribute)
            return action(
                SET_PROPERTY, {"property_name": prop, "value": {"type": "STATIC_VALUE", "staticValue": shown}}
            )
        if node.type == "handoff":
            owner = str(self.bindings.require("team", node.team))
            owned = {"type": "STATIC_VALUE", "staticValue": owner}
            return action(SET_PROPERTY, {"property_name": OWNER_PROPERTY, "value": owned})
        if node.type == "suppress":
            if node.revisit is not None:
                self.report.approximate(
                    "HS018", span, f"suppress revisit {here}", "the contact stays on the list: no revisit"
                )
            list_id = str(self.bindings.require("list", node.suppression_list))
            return action(LIST_MEMBERSHIP, {"operation": "ADD", "list_id": list_id})
        if (node.type == "notify" or node.type == "task") and _PLACEHOLDER.search(node.text):
            self.report.approximate(
                "HS032",
                span,
                f"the placeholders {', '.join(sorted(set(_PLACEHOLDER.findall(node.text))))} in {node.type} {here}",
                "the text as written: HubSpot fills in none of them (use its personalization tokens in HubSpot)",
            )
        if node.type == "notify":
            if node.recipient is None:
                self.report.refuse(
                    "HS023",
                    span,
                    f"notify {here} without a recipient",
                    "HubSpot's in-app notification needs user ids: name the recipient",
                )
                return self.visit(node.next[0].to)
            user = str(self.bindings.require("recipient", node.recipient))
            return action(
                IN_APP_NOTIFICATION,
                {"user_ids": [user], "delivery_method": "APP", "subject": node.text, "body": node.text},
            )
        if node.type == "task":
            if node.recipient is not None:
                self.report.approximate(
                    "HS022", span, f"the owner of task {here}", "an unassigned task (HubSpot's default owner rules)"
                )
            return action(CREATE_TASK, {"task_type": "TODO", "subject": node.text})
        if node.type == "webhook":
            if node.body or "{" in node.url:
                self.report.approximate(
                    "HS013",
                    span,
                    f"the body or URL placeholders of webhook {here}",
                    "HubSpot's webhook action sends the enrolled record itself: no body; the URL as written",
                )
            action_id = self.fresh(meta.get("hubspot_action"))
            self.placed[node_id] = action_id
            made: dict[str, Any] = {
                "type": "WEBHOOK",
                "actionId": action_id,
                "method": node.method,
                "webhookUrl": node.url,
                "queryParams": [],
            }
            self.actions.append(made)
            nxt = self.visit(node.next[0].to)
            if nxt is not None:
                made["connection"] = nxt
            return _connection(action_id, False)
        if node.type == "goto":
            return self.visit(node.target)
        if node.type == "branch":
            arms = [(t.to, _parse(t.guard)) for t in node.next if t.kind == "branch"]
            return self.list_branch(node_id, meta.get("hubspot_action"), arms, node.next[-1].to, span, "branch")
        if node.type == "wait_until" or node.type == "wait_for":
            return self.wait_then_branch(node_id, node, span, meta)
        if node.type == "split" or node.type == "experiment":
            return self.split(node_id, node, span, meta)
        if node.type == "repeat":
            if node_id in self.repeated:
                return self.visit(node.next[1].to if node.at_most is not None else node.next[0].to)
            if node.at_most is not None:
                self.report.approximate(
                    "HS012", span, f"repeat at most {node.at_most} {here}", "its body once, then what follows"
                )
            self.repeated.add(node_id)
            return self.visit(node.next[0].to)
        if node.type == "entry":  # the flow's first node, which run() starts after; never a target
            return self.visit(node.next[0].to)
        if (
            node.type == "linkedin"
            or node.type == "ads"
            or node.type == "sms"
            or node.type == "wait_calendar"
            or node.type == "score"
            or node.type == "move_to"
        ):
            return self.skip(node_id, node, span, here)
        # every node type has a case above: a new one fails mypy here, not an export
        assert_never(node)

    def skip(self, node_id: str, node: Any, span: SpanIR | None, here: str) -> Connection | None:
        if node_id in self.skipping:
            # reached again while its continuation is being placed: go to
            # that continuation's action, if the skipped steps lead to one
            landing = self.landing(node_id)
            if landing is not None:
                return _connection(landing, True)
            self.report.approximate("HS021", span, f"a loop {here} through steps HubSpot cannot run", "cut here")
            return None
        code, what = SKIPPED[node.type]
        if node_id not in self.reported:  # once per step, however many paths reach it
            self.reported.add(node_id)
            self.report.approximate(code, span, f"{node.type} step {here}", what)
        self.skipping.add(node_id)
        try:
            return self.visit(node.next[-1].to) if node.next else None
        finally:
            self.skipping.discard(node_id)

    def landing(self, node_id: str) -> str | None:
        """The placed action a chain of skipped steps and gotos leads to, or None."""
        seen: set[str] = set()
        while node_id not in self.placed:
            if node_id in seen:
                return None
            seen.add(node_id)
            node = self.flow.nodes[node_id]
            if node.type == "goto":
                node_id = node.target
            elif node.type in SKIPPED and node.next:
                node_id = node.next[-1].to
            else:
                return None
        return self.placed[node_id]

    def list_branch(
        self,
        node_id: str,
        fixed: Any,
        arms: list[tuple[str, Condition | None]],
        otherwise: str,
        span: SpanIR | None,
        purpose: str,
        place: bool = True,
    ) -> Connection:
        action_id = self.fresh(fixed)
        if place:
            self.placed[node_id] = action_id
        made: dict[str, Any] = {"type": "LIST_BRANCH", "actionId": action_id, "listBranches": []}
        self.actions.append(made)
        for i, (target, cond) in enumerate(arms):
            # numbered, not the condition's text: an approximated test would
            # be named for what it no longer checks
            arm: dict[str, Any] = {
                "branchName": f"Branch {i + 1}",
                "filterBranch": self.top(cond, span, f"{purpose} `{node_id}`"),
            }
            made["listBranches"].append(arm)
            nxt = self.visit(target)
            if nxt is not None:
                arm["connection"] = nxt
        made["defaultBranchName"] = ELSE_NAME
        nxt = self.visit(otherwise)
        if nxt is not None:
            made["defaultBranch"] = nxt
        return _connection(action_id, False)

    def wait_then_branch(self, node_id: str, node: Any, span: SpanIR | None, meta: dict[str, Any]) -> Connection | None:
        here = f"`{node_id}` {self.where}"
        timeout = node.timeout
        if timeout is None:
            self.report.refuse(
                "HS014",
                span,
                f"wait until {here} without `up to`",
                "HubSpot cannot hold a contact until a condition holds with no limit: add `up to D`",
            )
            return None  # nothing is written
        if node.type == "wait_until":
            arms = [(t.to, _parse(t.guard)) for t in node.next if t.kind == "event"]
            self.report.approximate(
                "HS014",
                span,
                f"wait until {here}",
                "a delay of the whole time-out, then a branch on the condition: contacts wait the full time",
            )
        else:
            arms = [(t.to, EventCount(t.event.name, t.event.arg)) for t in node.next if t.kind == "event"]
            self.report.approximate(
                "HS015",
                span,
                f"wait for {here}",
                "a delay of the whole time-out, then a branch on the events in order (events before arrival count)",
            )
        timed_out = [t.to for t in node.next if t.kind == "timeout"]
        delay_id = self.fresh(meta.get("hubspot_action"))
        self.placed[node_id] = delay_id
        delay = self.single(delay_id, DELAY, {"delta": str(_minutes(timeout.seconds)), "time_unit": "MINUTES"})
        delay["connection"] = self.list_branch(
            node_id, meta.get("hubspot_branch"), arms, timed_out[0], span, node.type.replace("_", " "), place=False
        )
        return _connection(delay_id, False)

    def split(self, node_id: str, node: Any, span: SpanIR | None, meta: dict[str, Any]) -> Connection:
        here = f"`{node_id}` {self.where}"
        weights = [t.weight for t in node.next]
        if node.type == "experiment":
            self.report.approximate(
                "HS011", span, f"experiment {here}", "a random split: HubSpot does not pick a winner by the goal"
            )
        names = [t.label for t in node.next if t.label is not None]
        if names:
            self.report.approximate(
                "HS033",
                span,
                f"the arm names {', '.join(repr(name) for name in names)} of {node.type} {here}",
                "not exported: an arm of HubSpot's A/B test branch has only its connection and percentage",
            )
        shares = whole_percents(weights)
        if any(share != weight for share, weight in zip(shares, weights, strict=True)):
            self.report.approximate(
                "HS010",
                span,
                f"shares of {node.type} {here} that are not whole percents",
                f"{' / '.join(f'{share}%' for share in shares)}: HubSpot's arm percentage is a whole number",
            )
        action_id = self.fresh(meta.get("hubspot_action"))
        self.placed[node_id] = action_id
        made: dict[str, Any] = {"type": "AB_TEST_BRANCH", "actionId": action_id, "testBranches": []}
        self.actions.append(made)
        for t, share in zip(node.next, shares, strict=True):
            nxt = self.visit(t.to)
            if nxt is None:
                self.report.refuse(
                    "HS024",
                    span,
                    f"an arm of {node.type} {here} that ends the flow at once",
                    "every arm of HubSpot's A/B test branch leads to an action",
                )
                continue
            made["testBranches"].append({"connection": nxt, "percentage": share})
        return _connection(action_id, False)


# `{attribute}` in a text, as the language writes a placeholder (docs/language.md)
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.]*\}")

# Steps with no HubSpot action: passed over, with their code and what the export does.
SKIPPED: dict[NodeType, tuple[str, str]] = {
    "linkedin": ("HS017", "skipped: HubSpot has no LinkedIn action"),
    "ads": ("HS017", "skipped: HubSpot workflows have no ad-audience action"),
    "sms": ("HS017", "skipped: SMS needs HubSpot's SMS add-on, which has no documented v4 action"),
    "wait_calendar": ("HS016", "skipped: no delay until a weekday or time of day is exported"),
    "score": ("HS020", "skipped: set the score property in HubSpot's own scoring"),
    "move_to": ("HS019", "the path ends here: the contact is not enrolled in the other flow"),
}


def _kind(test: Condition | None) -> str:
    names = {
        "Score": "a score",
        "Inactive": "inactivity",
        "InFlow": "being in a flow",
        "Consent": "consent",
        "EventCount": "an event count",
        "Compare": "an attribute comparison of this type",
    }
    return names.get(type(test).__name__, "")


def _shown_seconds(seconds: float) -> str:
    """A finite time as the language writes a duration (`0s`: at once)."""
    from ..text import duration

    return "no delay" if seconds <= 0 else duration(int(seconds))


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _time(hhmm: str) -> dict[str, int]:
    hour, minute = hhmm.split(":")
    return {"hour": int(hour), "minute": int(minute)}


def time_windows(ir: ProgrammeIR, report: Report, flow: FlowIR) -> list[dict[str, Any]]:
    """Quiet hours and send days as HubSpot's `timeWindows`: when actions may run."""
    policy = ir.policy
    days = [d for d in DAYS if d in policy.send_days]
    quiet = policy.quiet_hours
    if quiet is None and len(days) == 7:
        return []
    report.approximate(
        "HS026",
        flow.span,
        f"quiet hours and send days in the contact's time zone (else {policy.timezone}), in flow",
        "HubSpot's time windows, which carry no time zone: they follow the HubSpot account's",
    )
    start, end = ("00:00", "23:59") if quiet is None else (quiet.end, quiet.start)
    if quiet is not None and start > end:
        report.approximate(
            "HS025",
            flow.span,
            f"quiet hours {quiet.start}..{quiet.end} that leave a window across midnight, in flow",
            f"a window from {start} to 23:59",
        )
        end = "23:59"
    return [{"day": DAYS[d], "startTime": _time(start), "endTime": _time(end)} for d in days]


def export(ir: ProgrammeIR, flow_name: str, bindings: Bindings, report: Report) -> dict[str, Any]:
    ex = _Exporter(ir, flow_name, bindings, report)
    start, enrollment = ex.run()
    flow = ex.flow
    suppression: list[int] = []
    for rule in flow.exit:
        cond = _parse(rule)
        if enrollment["type"] == "LIST_BASED" and ex.list_condition is not None and cond == Not(ex.list_condition):
            # `exit on not C` for `entry when C`: HubSpot unenrolls contacts who stop meeting C
            # (ApiContactFlowCreateRequest, LIST_BASED: unEnrollObjectsNotMeetingCriteria)
            enrollment["unEnrollObjectsNotMeetingCriteria"] = True
        elif isinstance(cond, InSegment):
            suppression.append(int(bindings.require("segment", cond.segment)))
        elif isinstance(cond, Tagged):
            suppression.append(int(bindings.require("tag", cond.tag)))
        else:
            report.approximate(
                "HS003",
                flow.span,
                f"exit trigger `{_shown(cond, ir)}` in flow `{flow_name}`",
                "not exported: only list tests become suppression lists; unenroll the rest in HubSpot",
            )
    ids = [int(a["actionId"]) for a in ex.actions if str(a["actionId"]).isdigit()]
    doc: dict[str, Any] = {
        "type": "CONTACT_FLOW",
        "objectTypeId": "0-1",
        "flowType": "WORKFLOW",
        "name": flow.title or flow_name,
        "description": f"nurturedsl flow {flow_name}",
        "isEnabled": False,
        "canEnrollFromSalesforce": False,
        "enrollmentCriteria": enrollment,
        "actions": ex.actions,
        "nextAvailableActionId": str(max(ids, default=0) + 1),
        "timeWindows": time_windows(ir, report, flow),
        "blockedDates": [],
        "customProperties": {},
        "dataSources": [],
        "suppressionListIds": suppression,
    }
    if start is not None:
        doc["startActionId"] = start
    if flow.goal is not None:
        doc["goalFilterBranch"] = ex.top(_parse(flow.goal), flow.span, "the goal")
    return doc


def _shown(cond: Condition | None, ir: ProgrammeIR) -> str:
    """A condition as the playbook would write it, for messages and branch names."""
    from ..text import condition

    return "a condition" if cond is None else condition(cond, ir.attributes)
