"""The Mautic campaign payload (POST /api/campaigns/new) of one flow.

Mautic campaigns are trees: every event has one parent, and a decision's or
condition's children hang on its `yes` or `no` path
(app/bundles/CampaignBundle/Entity/Event.php, constants PATH_ACTION /
PATH_INACTION, lines 62-64 at commit 002d4b68). A node the flow reaches a
second time (branch arms rejoining, goto, repeat) becomes a
`campaign.jump_to_event` to its first placement. A `wait D` becomes the next
event's `triggerMode: interval`. Event ids are `new1`, `new2`, ... in
depth-first order, so the export is a function of the flow and the bindings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...irmodel import FlowIR, NodeIR, ProgrammeIR, SpanIR
from ..conditions import And, Condition, EventCount, InSegment, Not, Or, Tagged, UnknownCondition, leaves, parse
from ..core import Bindings, Need, Report

Cont = Callable[[str | None, str | None, int], None]
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}


def interval(seconds: int) -> tuple[int, str]:
    """The largest exact Mautic unit: d, h, else i (minutes); m and y are not exact."""
    for size, unit in ((86400, "d"), (3600, "h"), (60, "i")):
        if seconds % size == 0:
            return seconds // size, unit
    return max(1, round(seconds / 60)), "i"


def needs(ir: ProgrammeIR, flow_name: str) -> list[Need]:
    flow = ir.flows[flow_name]
    found: list[Need] = [Need("flow", flow_name, flow.span, f"the source segment of flow `{flow_name}`")]
    for node_id, node in flow.nodes.items():
        where = f"step `{node_id}` in flow `{flow_name}`"
        span = getattr(node, "span", None)
        if node.type in ("email", "sms"):
            found.append(Need("content", node.content, span, f"{node.type} {where}"))
        elif node.type == "handoff":
            found.append(Need("team", node.team, span, f"handoff {where}"))
        elif node.type == "suppress":
            found.append(Need("list", node.suppression_list, span, f"suppress {where}"))
        elif node.type == "move_to":
            found.append(Need("flow", node.flow, span, f"move to {where}"))
        elif node.type == "set":
            found.append(Need("attribute", node.attribute, span, f"set {where}"))
        elif node.type == "branch":
            for t in node.next:
                if t.kind == "branch":
                    found.extend(_condition_needs(t.guard, span, where))
    seen: set[tuple[str, str]] = set()
    unique: list[Need] = []
    for need in found:
        if (need.kind, need.name) not in seen:
            seen.add((need.kind, need.name))
            unique.append(need)
    return unique


def _condition_needs(rule: Any, span: SpanIR | None, where: str) -> list[Need]:
    try:
        cond = parse(rule)
    except UnknownCondition:
        return []
    out: list[Need] = []
    for test in leaves(cond):
        if isinstance(test, InSegment):
            out.append(Need("segment", test.segment, span, f"branch {where}"))
        elif isinstance(test, EventCount) and test.happened and test.within is None:
            out.append(Need("event", test.key, span, f"branch {where}"))
    return out


class _Exporter:
    def __init__(self, ir: ProgrammeIR, flow_name: str, bindings: Bindings, report: Report):
        self.ir = ir
        self.name = flow_name
        self.flow: FlowIR = ir.flows[flow_name]
        self.bindings = bindings
        self.report = report
        self.events: list[dict[str, Any]] = []
        self.placed: dict[str, str] = {}
        self.where = f"in flow `{flow_name}`"
        self.owner: NodeIR | None = None
        self.repeated: set[str] = set()
        self.wait_span: SpanIR | None = None
        self.skipping: set[str] = set()

    def new_event(
        self,
        node: NodeIR | None,
        name: str,
        type_: str,
        kind: str,
        props: dict[str, Any],
        parent: str | None,
        path: str | None,
        delay: int,
    ) -> str:
        meta = getattr(node, "meta", None) or {}
        fixed = meta.get("mautic_event")
        event_id = str(fixed) if fixed is not None else self.fresh()
        giving = getattr(node, "give_or_ask", None)
        event: dict[str, Any] = {
            "id": event_id,
            "name": name,
            "description": f"nurturedsl: {giving}" if giving else None,
            "type": type_,
            "eventType": kind,
            "order": len(self.events) + 1,
            "properties": props,
            "triggerMode": "interval" if delay else "immediate",
            "triggerInterval": 0,
            "triggerIntervalUnit": "d",
            "parent": parent,
            "decisionPath": path,
            "children": [],
        }
        if delay:
            event["triggerInterval"], event["triggerIntervalUnit"] = interval(delay)
            self._restrict(event, node)
        if parent is not None:
            for other in self.events:
                if other["id"] == parent:
                    other["children"].append(event_id)
        self.events.append(event)
        return event_id

    def fresh(self) -> str:
        n = len(self.events) + 1
        used = {str(e["id"]) for e in self.events}
        while f"new{n}" in used:
            n += 1
        return f"new{n}"

    def _restrict(self, event: dict[str, Any], node: NodeIR | None) -> None:
        # Mautic's restricted hours and days say when an interval event MAY fire
        if node is None or not getattr(node, "message", False):
            return
        policy = self.ir.policy
        if policy.quiet_hours is not None:
            event["triggerRestrictedStartHour"] = policy.quiet_hours.end
            event["triggerRestrictedStopHour"] = policy.quiet_hours.start
        if len(policy.send_days) < 7:
            event["triggerRestrictedDaysOfWeek"] = [_DAYS[d] for d in policy.send_days]

    def run(self) -> None:
        entry = self.flow.nodes[self.flow.start]
        for trigger in self.flow.entry:
            self.report.approximate(
                "MAU001",
                trigger.span,
                f"entry trigger {self.where}",
                "membership of the flow's source segment (bindings `flows`); its filters must say who enters",
            )
        for rule in self.flow.exit:
            self.report.approximate(
                "MAU002",
                self.flow.span,
                f"exit trigger `{_shown(rule, self.ir)}` {self.where}",
                "not exported: Mautic campaigns have no exit triggers; remove contacts with a segment filter",
            )
        policy, flow = self.ir.policy, self.flow
        if policy.frequency_cap is not None or policy.frequency_caps:
            self.report.approximate(
                "MAU010",
                flow.span,
                f"the policy's frequency caps {self.where}",
                "not exported: set Mautic's frequency rules (Configuration > Email, or per contact)",
            )
        if flow.rate_limits is not None:
            self.report.approximate("MAU011", flow.span, f"rate limits {self.where}", "not exported: Mautic has none")
        if flow.goal is not None:
            self.report.approximate(
                "MAU012", flow.span, f"the goal {self.where}", "not exported: report on it in Mautic"
            )
        if flow.reentry.after is not None:
            self.report.approximate(
                "MAU013", flow.span, f"reentry after a delay {self.where}", "allowRestart, without the delay"
            )
        self.visit(entry.next[0].to, None, None, 0)

    def jump(self, target: str, parent: str | None, path: str | None, delay: int, via: NodeIR | None = None) -> None:
        self.new_event(
            via,
            f"jump to {self.placed[target]}",
            "campaign.jump_to_event",
            "action",
            {"jumpToEvent": self.placed[target]},
            parent,
            path,
            delay,
        )

    def visit(self, node_id: str, parent: str | None, path: str | None, delay: int) -> None:
        if node_id in self.placed:
            self.jump(node_id, parent, path, delay)
            return
        node = self.flow.nodes[node_id]
        span = getattr(node, "span", None)
        here = f"`{node_id}` {self.where}"

        def action(type_: str, props: dict[str, Any]) -> None:
            event_id = self.new_event(node, node_id, type_, "action", props, parent, path, delay)
            self.placed[node_id] = event_id
            if node.next:
                self.visit(node.next[0].to, event_id, None, 0)

        if node.type == "end":
            if delay:
                self.report.approximate("MAU003", self.wait_span, f"a wait before the end {self.where}", "dropped")
            return
        if node.type == "wait":
            self.wait_span = node.span
            self.visit(node.next[0].to, parent, path, delay + node.duration.seconds)
            return
        if node.type == "email":
            action("email.send", {"email": self.bindings.require("content", node.content), "email_type": "marketing"})
        elif node.type == "sms":
            action("sms.send_text_sms", {"sms": self.bindings.require("content", node.content)})
        elif node.type == "tag":
            key = "remove_tags" if node.remove else "add_tags"
            action("lead.changetags", {key: [node.tag]})
        elif node.type == "set":
            action("lead.updatelead", {self.bindings.require("attribute", node.attribute): node.value})
        elif node.type == "score" and node.op == "add":
            action("lead.changepoints", {"points": node.points})
        elif node.type == "webhook":
            props: dict[str, Any] = {"url": node.url, "method": node.method.lower(), "headers": [], "timeout": 10}
            props["additional_data"] = {"list": [], "body": node.body} if node.body else {"list": []}
            action("campaign.sendwebhook", props)
        elif node.type == "handoff":
            action("lead.changeowner", {"owner": self.bindings.require("team", node.team)})
        elif node.type == "suppress":
            if node.revisit is not None:
                self.report.approximate("MAU004", span, f"suppress revisit {here}", "the contact stays in the segment")
            action(
                "lead.changelist",
                {"addToLists": [self.bindings.require("list", node.suppression_list)], "removeFromLists": []},
            )
        elif node.type == "move_to":
            action(
                "campaign.addremovelead", {"addTo": [self.bindings.require("flow", node.flow)], "removeFrom": ["this"]}
            )
        elif node.type == "goto":
            if node.target in self.placed:
                self.jump(node.target, parent, path, delay, node)
            else:
                self.visit(node.target, parent, path, delay)
        elif node.type == "exit":
            if delay:
                self.report.approximate("MAU003", self.wait_span, f"a wait before the exit {here}", "dropped")
        elif node.type == "branch":
            self.branch(node_id, node, parent, path, delay)
        elif node.type in ("split", "experiment"):
            arms = list(node.next)
            heaviest = max(arms, key=lambda t: t.weight)
            self.report.approximate(
                "MAU005",
                span,
                f"{node.type} {here}",
                f"every contact takes the heaviest arm ({heaviest.label or heaviest.to}): Mautic has no random split",
            )
            self.visit(heaviest.to, parent, path, delay)
        elif node.type == "repeat":
            if node_id in self.repeated:
                self.visit(node.next[1].to, parent, path, delay)
                return
            self.report.approximate("MAU006", span, f"repeat {here}", "its body once, then what follows")
            self.repeated.add(node_id)
            self.visit(node.next[0].to, parent, path, delay)
        else:
            if node_id in self.skipping:
                self.report.approximate("MAU009", span, f"a loop {here} through steps Mautic cannot run", "cut here")
                return
            self.report.approximate("MAU007", span, f"{node.type} step {here}", "skipped: Mautic has no event for it")
            self.skipping.add(node_id)
            if node.next:
                self.visit(node.next[-1].to, parent, path, delay)
            self.skipping.discard(node_id)

    def branch(self, node_id: str, node: Any, parent: str | None, path: str | None, delay: int) -> None:
        arms = [t for t in node.next if t.kind == "branch"]
        self.owner = node if len(arms) == 1 else None
        fixed = (node.meta or {}).get("mautic_event") if self.owner is not None else None
        self.placed[node_id] = str(fixed) if fixed is not None else self.fresh()
        otherwise = node.next[-1].to
        span = node.span

        def arm(i: int) -> Cont:
            if i == len(arms):
                return lambda p, d, dl: self.visit(otherwise, p, d, dl)
            yes: Cont = lambda p, d, dl: self.visit(arms[i].to, p, d, dl)  # noqa: E731
            return lambda p, d, dl: self.chain(self._cond(arms[i].guard, span), yes, arm(i + 1), p, d, dl, span)

        arm(0)(parent, path, delay)

    def _cond(self, rule: Any, span: SpanIR | None) -> Condition | None:
        try:
            return parse(rule)
        except UnknownCondition:
            return None

    def chain(
        self,
        cond: Condition | None,
        yes: Cont,
        no: Cont,
        parent: str | None,
        path: str | None,
        delay: int,
        span: SpanIR | None,
    ) -> None:
        if isinstance(cond, And):
            first, rest = cond.parts[0], cond.parts[1:]
            nxt = rest[0] if len(rest) == 1 else And(rest)
            self.chain(first, lambda p, d, dl: self.chain(nxt, yes, no, p, d, dl, span), no, parent, path, delay, span)
            return
        if isinstance(cond, Or):
            first, rest = cond.parts[0], cond.parts[1:]
            nxt = rest[0] if len(rest) == 1 else Or(rest)
            self.chain(first, yes, lambda p, d, dl: self.chain(nxt, yes, no, p, d, dl, span), parent, path, delay, span)
            return
        if isinstance(cond, Not):
            self.chain(cond.part, no, yes, parent, path, delay, span)
            return
        type_, props = self.test(cond, span)
        owner, self.owner = self.owner, None
        event_id = self.new_event(owner, "condition", type_, "condition", props, parent, path, delay)
        yes(event_id, "yes", 0)
        no(event_id, "no", 0)

    def test(self, cond: Condition | None, span: SpanIR | None) -> tuple[str, dict[str, Any]]:
        if isinstance(cond, InSegment):
            return "lead.segments", {"segments": [self.bindings.require("segment", cond.segment)]}
        if isinstance(cond, Tagged):
            return "lead.tags", {"tags": [cond.tag]}
        if isinstance(cond, EventCount) and cond.happened and cond.within is None:
            bound = self.bindings.require("event", cond.key)
            if isinstance(bound, dict) and "segment" in bound:
                return "lead.segments", {"segments": [bound["segment"]]}
        self.report.approximate(
            "MAU008",
            span,
            f"a branch test {self.where} Mautic's conditions cannot say",
            "a condition on tag `nurturedsl-unmapped`, which no contact has: the test is false",
        )
        return "lead.tags", {"tags": ["nurturedsl-unmapped"]}


def export(ir: ProgrammeIR, flow_name: str, bindings: Bindings, report: Report, fmt: str) -> dict[str, Any]:
    ex = _Exporter(ir, flow_name, bindings, report)
    ex.run()
    flow = ex.flow
    segment = bindings.require("flow", flow_name)
    source_id = segment["segment"] if isinstance(segment, dict) else segment
    nodes = [{"id": "lists", "positionX": "0", "positionY": "0"}]
    connections: list[dict[str, Any]] = []
    for i, event in enumerate(ex.events):
        nodes.append({"id": event["id"], "positionX": str(200 * (i % 5)), "positionY": str(100 * (i + 1))})
        if event["parent"] is None:
            connections.append(
                {"sourceId": "lists", "targetId": event["id"], "anchors": {"source": "leadsource", "target": "top"}}
            )
        else:
            anchor = event["decisionPath"] or "bottom"
            connections.append(
                {"sourceId": event["parent"], "targetId": event["id"], "anchors": {"source": anchor, "target": "top"}}
            )
    campaign: dict[str, Any] = {
        "name": flow.title or flow_name,
        "description": f"nurturedsl flow {flow_name}",
        "isPublished": False,
        "allowRestart": flow.reentry.allowed,
        "events": ex.events,
        "lists": [{"id": source_id}],
        "forms": [],
        "canvasSettings": {"nodes": nodes, "connections": connections},
    }
    if fmt == "bundle":
        return {"campaign": [campaign], "campaign_event": ex.events}
    return campaign


def _shown(rule: Any, ir: ProgrammeIR) -> str:
    """An IR condition as the playbook would write it, for messages."""
    from ..text import condition

    try:
        return condition(parse(rule), ir.attributes)
    except UnknownCondition:
        return "a condition"
