"""The Mautic campaign payload (POST /api/campaigns/new) of one flow, and
the `mautic:entity:export` file of the same campaign.

Sources read in mautic/mautic at 24271492a83834e2dd68d9a2c63b61f689a661ac
(5.x, 2024-10-24) unless said otherwise:

- Mautic campaigns are trees: every event has one parent, and a decision's
  or condition's children hang on its `yes` or `no` path
  (app/bundles/CampaignBundle/Entity/Event.php:25-27, PATH_INACTION 'no',
  PATH_ACTION 'yes'). Mautic derives `parent` and `decisionPath` from the
  canvas connections, not from the events' own members
  (Model/CampaignModel.php:266-330), so both are written consistently.
- A temporary event id only has to start with `new`
  (Model/CampaignModel.php:230); ours are `new1`, `new2`, ... in depth-first
  order, so the export is a function of the flow and the bindings.
- A node the flow reaches a second time (branch arms rejoining, goto,
  repeat) becomes a `campaign.jump_to_event` to its first placement. A
  `wait D` becomes the next event's `triggerMode: interval`
  (Entity/Event.php:29-33; units Form/Type/EventType.php:124-130).
- The restricted hours and days apply to interval events only
  (Executioner/Scheduler/Mode/Interval.php:137-162), so a message the
  policy's sending window holds is an interval event, of 0 days when it has
  no wait before it (as the "Send email" event of
  Tests/Controller/Api/CampaignApiControllerFunctionalTest.php:113-115).
- A decision's `no` path runs when the decision has not happened within the
  interval of the `no` child, counted from when the decision's parent ran
  (Executioner/InactiveExecutioner.php:187-206,
  Executioner/Helper/InactiveHelper.php:50-90), and the builder offers no
  `immediate` mode there (Form/Type/EventType.php:57-65): a `wait until` or
  `wait for` with a time-out is a decision whose `no` child waits the time-out.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from ... import units
from ...irmodel import FlowIR, NodeIR, NodeType, ProgrammeIR, SpanIR
from .. import limits
from ..conditions import (
    And,
    Compare,
    Condition,
    Consent,
    EventCount,
    Has,
    InSegment,
    Not,
    Or,
    Score,
    Tagged,
    UnknownCondition,
    leaves,
    parse,
)
from ..core import Bindings, Need, Report

Cont = Callable[[str | None, str | None, int], None]
# Form/Type/EventType.php:201-209: 0 Sunday ... 6 Saturday, PHP date('w') (Interval.php:216)
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
# The email decisions, about the email.send they hang under
# (EmailBundle/EventListener/CampaignSubscriber.php:62-123, connectionRestrictions
# source action email.send); email.click with no URLs is any link (:187-192).
_EMAIL_DECISIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "opened": ("email.open", {}),
    "clicked": ("email.click", {"urls": {"list": []}}),
    "replied": ("email.reply", {}),
}
# Decisions on a page, form or asset the event's binding names: event key,
# binding member, property (PageBundle/EventListener/CampaignSubscriber.php:55,173-203;
# FormBundle/EventListener/CampaignSubscriber.php:50,79; AssetBundle/EventListener/CampaignSubscriber.php:41,65).
_BOUND_DECISIONS: dict[str, tuple[str, str, str]] = {
    "visited": ("page.pagehit", "page", "pages"),
    "submitted": ("form.submit", "form", "forms"),
    "downloaded": ("asset.download", "asset", "assets"),
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
# lead.field_value and lead.points operators (LeadBundle/Segment/OperatorOptions.php:7-21)
OPERATORS = {"==": "=", "!=": "!=", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
# uuids of the export file: uuid5 of the flow (and step) in this namespace,
# so a re-export updates the campaign mautic:entity:import made before
# (CampaignImportExportSubscriber.php: findOneBy uuid)
NAMESPACE = uuid.UUID("6f1c0b5e-3d1a-5b7e-9c2a-4e8d2b7a9f10")


# What each IR node type becomes, one entry per type: test_mautic checks the
# keys are exactly irmodel.NodeType, so a new type fails a test until it is
# given a mapping here and a case in _Exporter.visit. "skipped" types (and
# the partly mapped ones when they cannot be placed) are MAU007.
NODE_TYPES: dict[NodeType, str] = {
    "entry": "the campaign's sources",
    "end": "a leaf of the tree",
    "exit": "a leaf of the tree",
    "email": "email.send",
    "sms": "sms.send_text_sms",
    "linkedin": "skipped",
    "ads": "skipped",
    "task": "email.send.to.user with a recipient, else skipped",
    "notify": "email.send.to.user with a recipient, else skipped",
    "wait": "the next event's interval",
    "wait_until": "an email, page, form or asset decision, else skipped",
    "wait_calendar": "skipped",
    "wait_for": "an email, page, form or asset decision, else skipped",
    "branch": "condition events",
    "split": "its heaviest arm",
    "experiment": "its heaviest arm",
    "repeat": "its body once",
    "goto": "campaign.jump_to_event, or the target placed here",
    "move_to": "campaign.addremovelead",
    "tag": "lead.changetags",
    "set": "lead.updatelead",
    "suppress": "lead.changelist",
    "handoff": "lead.changeowner",
    "webhook": "campaign.sendwebhook",
    "score": "lead.changepoints (add), else skipped",
}
_SKIPPABLE = frozenset(t for t, form in NODE_TYPES.items() if form == "skipped" or form.endswith("else skipped"))


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
                    found.extend(_condition_needs(ir, t.guard, span, where))
        elif node.type in ("notify", "task") and node.recipient is not None:
            found.append(Need("recipient", node.recipient, span, f"{node.type} {where}"))
        elif node.type in ("wait_until", "wait_for"):
            test = _awaited(node)
            if test is not None and test.event in _BOUND_DECISIONS:
                found.append(Need("event", test.key, span, f"{node.type.replace('_', ' ')} {where}"))
    for trigger in flow.entry:
        if trigger.event is not None and trigger.event.name == "submitted" and trigger.event.arg is not None:
            key = f'submitted("{trigger.event.arg}")'
            found.append(Need("event", key, trigger.span, f"the entry trigger of flow `{flow_name}`"))
    seen: set[tuple[str, str]] = set()
    unique: list[Need] = []
    for need in found:
        if (need.kind, need.name) not in seen:
            seen.add((need.kind, need.name))
            unique.append(need)
    return unique


def _condition_needs(ir: ProgrammeIR, rule: Any, span: SpanIR | None, where: str) -> list[Need]:
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
        elif isinstance(test, Compare | Has) and _field_test(ir, test) is not None:
            out.append(Need("attribute", test.attribute, span, f"branch {where}"))
    return out


def _field_test(ir: ProgrammeIR, test: Compare | Has) -> tuple[str, Any] | None:
    """The lead.field_value operator and value of an attribute test, or None
    when Mautic's comparison would not mean the same (dates, durations, lists)."""
    kind = ir.attributes.get(test.attribute)
    if isinstance(test, Has):
        return ("!empty", None) if kind is not None else None
    if kind not in ("string", "number", "bool") or test.op not in OPERATORS:
        return None
    if kind == "bool":  # Mautic stores a boolean field as 1 or 0
        return (OPERATORS[test.op], 1 if test.value is True else 0) if test.op in ("==", "!=") else None
    return OPERATORS[test.op], test.value


def _awaited(node: Any) -> EventCount | None:
    """The one event a `wait until EVENT` or a one-arm `wait for` waits for."""
    arms = [t for t in node.next if t.kind == "event"]
    if len(arms) != 1:
        return None
    if node.type == "wait_for":
        return EventCount(arms[0].event.name, arms[0].event.arg)
    try:
        test = parse(node.condition)
    except UnknownCondition:
        return None
    if isinstance(test, EventCount) and test.happened and test.within is None and test.channel in (None, "email"):
        return test
    return None


def _is_message(node: Any) -> bool:
    """A touch the policy counts as a message (the node's `message`, docs/ir.md
    `messages`); Mautic sends only the email and sms ones."""
    flag = getattr(node, "message", None)
    return node.type in ("email", "sms") and (flag is None or flag is True)


class _Exporter:
    def __init__(self, ir: ProgrammeIR, flow_name: str, bindings: Bindings, report: Report):
        self.ir = ir
        self.name = flow_name
        self.flow: FlowIR = ir.flows[flow_name]
        self.bindings = bindings
        self.report = report
        self.events: list[dict[str, Any]] = []
        self.uuids: dict[str, str] = {}  # event id → the uuid its step's meta keeps
        self.placed: dict[str, str] = {}
        self.node_of: dict[str, str] = {}  # event id → the node it places
        self.where = f"in flow `{flow_name}`"
        self.owner: NodeIR | None = None
        self.repeated: set[str] = set()
        self.wait_span: SpanIR | None = None
        self.skipping: set[str] = set()
        self.window = self._window()

    def _window(self) -> dict[str, Any]:
        """The policy's sending window as Mautic's restrictions on an interval event.

        Mautic's restricted hours are when the event MAY fire, and it swaps a
        start after the stop (Interval.php:263-269): quiet hours that wrap
        midnight (20:00..08:00) are the window 08:00..20:00; quiet hours
        within a day (12:00..13:00) would be a window across midnight, which
        Mautic cannot hold."""
        policy, out = self.ir.policy, dict[str, Any]()
        quiet = policy.quiet_hours
        if quiet is not None and quiet.end < quiet.start:
            out["triggerRestrictedStartHour"] = quiet.end
            out["triggerRestrictedStopHour"] = quiet.start
        elif quiet is not None:
            self.report.approximate(
                "MAU014",
                self.flow.span,
                f"quiet hours {quiet.start}..{quiet.end} {self.where}",
                "not exported: Mautic's sending window cannot span midnight; only the send days are kept",
            )
        if len(policy.send_days) < 7:
            out["triggerRestrictedDaysOfWeek"] = [_DAYS[d] for d in policy.send_days]
        if out and policy.timezone != "UTC":
            # Interval.php reads the hours in the contact's timezone, else Mautic's
            # default (Configuration > System Settings), not the playbook's
            self.report.approximate(
                "MAU032",
                self.flow.span,
                f"the policy's timezone {policy.timezone} {self.where}",
                "not exported: for contacts without a timezone Mautic reads the sending window in its default one",
            )
        return out

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
        if isinstance(meta.get("mautic_uuid"), str):  # an imported event's uuid, for bundle()
            self.uuids[event_id] = meta["mautic_uuid"]
        giving = getattr(node, "give_or_ask", None) or (
            node.type if node is not None and node.type in ("notify", "task") else None
        )
        held = bool(self.window) and node is not None and bool(getattr(node, "message", False))
        event: dict[str, Any] = {
            "id": event_id,
            "name": name,
            "description": f"nurturedsl: {giving}" if giving else None,
            "type": type_,
            "eventType": kind,
            "order": len(self.events) + 1,
            "properties": props,
            "triggerMode": "interval" if delay or held else "immediate",
            "triggerInterval": 0,
            "triggerIntervalUnit": "d",
            "parent": parent,
            "decisionPath": path,
            "children": [],
        }
        if kind == "decision":  # decisions have no timing (EventType.php:48, the functional test's decision)
            event.update(triggerMode=None, triggerIntervalUnit=None)
        if delay:
            event["triggerInterval"], event["triggerIntervalUnit"] = interval(delay)
        if held:
            event.update(self.window)
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

    def run(self) -> None:
        entry = self.flow.nodes[self.flow.start]
        for trigger in self.flow.entry:
            form = self.form_source(trigger)
            if form is not None and trigger.delay is None and trigger.condition is None:
                continue  # exact: a form source enters whoever submits it
            self.report.approximate(
                "MAU001",
                trigger.span,
                f"entry trigger {self.where}",
                "membership of the flow's source segment (bindings `flows`); its filters must say who enters"
                if form is None
                else f"the form source {form}: whoever submits it enters at once, without the trigger's "
                + " and ".join(w for w, v in (("delay", trigger.delay), ("condition", trigger.condition)) if v),
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
        self._pacing()
        if flow.audience is not None:
            # a campaign has no audience of its own: who is in its sources enters
            self.report.approximate(
                "MAU026",
                flow.span,
                f"the audience `{_shown(flow.audience, self.ir)}` {self.where}",
                "not exported: whoever is in the campaign's sources enters; filter the source segment by it",
            )
        self.visit(entry.next[0].to, None, None, 0)

    def _pacing(self) -> None:
        """The flow's cadence, max_touches and first_touch where they can
        bind (docs/ir.md, policy): Mautic has no per-campaign pacing, so a
        message goes out when its interval says, however close to the last."""
        flow = self.flow
        closest = limits.closest_messages(flow, _is_message, loops=False)
        if closest is not None and closest[2] < flow.cadence.min.seconds:
            first, then, gap = closest
            self.report.approximate(
                "MAU027",
                flow.span,
                f"the cadence (at least {flow.cadence.min.iso} between messages) {self.where}",
                f"not exported: Mautic sends `{then}` {f'{units.short(gap)} ' if gap else 'at once '}"
                f"after `{first}` on some path, as the waits say",
            )
        most = limits.most_messages(flow, _is_message, loops=False)
        if most > flow.max_touches:
            shown = "without end (a loop sends)" if most == float("inf") else f"{int(most)} messages"
            self.report.approximate(
                "MAU028",
                flow.span,
                f"max_touches {flow.max_touches} {self.where}",
                f"not exported: Mautic sends every message on a path, here {shown}",
            )
        latest = limits.latest_first_message(flow, _is_message, loops=False)
        if latest > self.ir.policy.first_touch.seconds:
            self.report.approximate(
                "MAU029",
                flow.span,
                f"first_touch {self.ir.policy.first_touch.iso} {self.where}",
                "not exported: Mautic does not report a first message later than it",
            )

    def form_source(self, trigger: Any) -> int | None:
        """The Mautic form an `entry on submitted("F")` trigger is, when
        [events] binds it to { form = ID }: a campaign form source
        (Entity/Campaign.php:136, `forms: [{id}]` in the API payload; import
        links it as campaign_form_xref, CampaignImportExportSubscriber.php@040f2624)."""
        event = trigger.event
        if event is None or event.name != "submitted" or event.arg is None:
            return None
        bound = self.bindings.get("event", f'submitted("{event.arg}")')
        return bound["form"] if isinstance(bound, dict) and type(bound.get("form")) is int else None

    def jump(self, target: str, parent: str | None, path: str | None, delay: int, via: NodeIR | None = None) -> None:
        if self.flow.nodes[target].type in ("wait_until", "wait_for"):
            # the builder offers no decision as a jump's target (Assets/js/campaign.js:2151)
            self.report.approximate(
                "MAU017",
                getattr(via, "span", None) or getattr(self.flow.nodes[target], "span", None),
                f"a second way into `{target}` {self.where}, a Mautic decision",
                "the path ends here: a jump cannot target a decision",
            )
            return
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
            self.node_of[event_id] = node_id
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
            self.one_points(node.score, span, f"score step {here}")
            action("lead.changepoints", {"points": node.points})
        elif node.type == "webhook":
            action("campaign.sendwebhook", self.webhook(node, here))
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
            # CampaignBundle/Form/Type/CampaignEventAddRemoveLeadType.php: addTo and
            # removeFrom are campaign_list fields, campaign ids (or "this"), not segments
            target = self.bindings.require("flow", node.flow)
            campaign = target.get("campaign") if isinstance(target, dict) else None
            if type(campaign) is not int:
                self.report.refuse(
                    "MAU024",
                    span,
                    f"move to `{node.flow}` {here}",
                    f"Mautic moves a contact into a campaign by its id: bind it as [flows] {node.flow} = "
                    "{ segment = ID, campaign = ID }",
                )
                campaign = 0  # refused: the document is never written
            action("campaign.addremovelead", {"addTo": [campaign], "removeFrom": ["this"]})
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
        elif node.type in ("notify", "task") and node.recipient is not None:
            # EmailBundle/EventListener/CampaignSubscriber.php:125-136 and
            # OptionsAccessor/EmailToUserAccessor.php:20-48: the email `useremail.email`
            # to the users `user_id` (not the contact's owner, no other addresses)
            bound = self.bindings.require("recipient", node.recipient)
            self.report.approximate(
                "MAU020",
                span,
                f"the text of {node.type} {here}",
                f"not sent: Mautic sends the bound email {bound['email']} to user {bound['user']}",
            )
            action(
                "email.send.to.user",
                {
                    "useremail": {"email": bound["email"]},
                    "user_id": [bound["user"]],
                    "to_owner": False,
                    "to": "",
                    "cc": "",
                    "bcc": "",
                },
            )
        elif node.type in ("wait_until", "wait_for") and self.decision(node_id, node, parent, path, delay):
            return
        elif node.type in _SKIPPABLE:
            self.skip(node_id, node, parent, path, delay)
        else:  # a node type NODE_TYPES does not know: never dropped silently
            self.report.refuse(
                "MAU031", span, f"{node.type} step {here}", "this version of the Mautic export has no mapping for it"
            )

    def one_points(self, score: str, span: SpanIR | None, construct: str) -> None:
        """A contact has one points total in Mautic (Lead::adjustPoints, without
        a point group: LeadBundle/EventListener/CampaignSubscriber.php:262-266),
        so several scores share it."""
        if len(self.ir.scores) > 1:
            self.report.approximate(
                "MAU021",
                span,
                construct,
                f"the contact's one Mautic points total, which the programme's {len(self.ir.scores)} scores share",
            )

    def webhook(self, node: Any, here: str) -> dict[str, Any]:
        """campaign.sendwebhook's form values (WebhookBundle/Form/Type/CampaignEventSendWebhookType.php):
        headers and data are label/value lists, and Mautic sends the data as
        form fields, or as JSON when the Content-Type header says so
        (Helper/CampaignHelper.php:53-70,93-101). A body that is a JSON object
        of texts is those pairs; any other body cannot be sent."""
        pairs: list[dict[str, str]] = []
        headers: list[dict[str, str]] = []
        if node.body is not None:
            try:
                fields = json.loads(node.body)
            except ValueError:
                fields = None
            if isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values()):
                pairs = [{"label": k, "value": self.tokens(v, node.span, here)} for k, v in fields.items()]
                headers = [{"label": "Content-Type", "value": "application/json"}]
            else:
                self.report.approximate(
                    "MAU018",
                    node.span,
                    f"the body of webhook {here}",
                    "not sent: Mautic's webhook sends label/value pairs (a JSON object of texts), not a raw body",
                )
        return {
            "url": self.tokens(node.url, node.span, here),
            "method": node.method.lower(),
            "headers": {"list": headers},
            "additional_data": {"list": pairs},
            "timeout": 10,
        }

    def tokens(self, text: str, span: SpanIR | None, here: str) -> str:
        """`{attribute}` placeholders as Mautic's contact tokens `{contactfield=ALIAS}`,
        which the webhook fills in (WebhookBundle/Helper/CampaignHelper.php:36,123-133,
        TokenHelper::findLeadTokens); the alias is the attribute's binding, else its name."""

        def token(match: re.Match[str]) -> str:
            name = match.group(1)
            alias = self.bindings.get("attribute", name)
            if not isinstance(alias, str):
                alias = name
                self.report.approximate(
                    "MAU019",
                    span,
                    f"the placeholder `{{{name}}}` in webhook {here}",
                    f"sent as {{contactfield={name}}}: bind attribute `{name}` to the Mautic field alias if it differs",
                )
            return f"{{contactfield={alias}}}"

        return _PLACEHOLDER.sub(token, text)

    def skip(self, node_id: str, node: Any, parent: str | None, path: str | None, delay: int) -> None:
        here = f"`{node_id}` {self.where}"
        if node_id in self.skipping:
            self.report.approximate("MAU009", node.span, f"a loop {here} through steps Mautic cannot run", "cut here")
            return
        why = "skipped: Mautic has no event for it"
        if node.type in ("wait_until", "wait_for") and delay and _awaited(node) is not None:
            why = "skipped: a wait comes right before it, and a Mautic decision has no interval of its own"
        self.report.approximate("MAU007", node.span, f"{node.type} step {here}", why)
        self.skipping.add(node_id)
        if node.next:
            self.visit(node.next[-1].to, parent, path, delay)
        self.skipping.discard(node_id)

    def decision(self, node_id: str, node: Any, parent: str | None, path: str | None, delay: int) -> bool:
        """A `wait until EVENT [up to D]` or one-arm `wait for` as a Mautic
        decision: the event's path on `yes`, the time-out's on `no`, delayed
        by D. False (nothing placed) when Mautic has no decision for it."""
        test = _awaited(node)
        if test is None or delay:  # a decision has no interval of its own
            return False
        mapped = self._decision_type(test, parent)
        if mapped is None:
            return False
        type_, props = mapped
        # Exact when the event can only follow the decision's parent: an
        # event about that email, or (`wait for` counts only events after
        # arrival) a bound page, form or asset. Otherwise Mautic misses what
        # nurturedsl counts: an earlier event (`wait until` checks on
        # arrival), or one about another touch.
        about_parent = test.event in _EMAIL_DECISIONS and test.arg is not None
        if not (about_parent or (node.type == "wait_for" and test.event in _BOUND_DECISIONS)):
            self.report.approximate(
                "MAU015",
                node.span,
                f"`{node.type.replace('_', ' ')} {test.key}` {self.where}",
                f"a {type_} decision: only a {test.event} event after the contact reaches it counts"
                + (", about the email before it" if test.event in _EMAIL_DECISIONS else ""),
            )
        name = test.key if test.event in _BOUND_DECISIONS else test.event  # an email decision is about its parent
        event_id = self.new_event(node, name, type_, "decision", props, parent, path, 0)
        self.placed[node_id] = event_id
        self.node_of[event_id] = node_id
        arm = next(t for t in node.next if t.kind == "event")
        self.visit(arm.to, event_id, "yes", 0)
        timeout = next((t for t in node.next if t.kind == "timeout"), None)
        if timeout is not None and self.flow.nodes[timeout.to].type not in ("end", "exit"):
            self.visit(timeout.to, event_id, "no", timeout.delay.seconds)
        return True

    def _decision_type(self, test: EventCount, parent: str | None) -> tuple[str, dict[str, Any]] | None:
        if test.event in _EMAIL_DECISIONS:
            node = self.flow.nodes.get(self.node_of.get(parent or "", ""))
            if node is None or node.type != "email" or test.arg not in (None, self.node_of[str(parent)], node.content):
                return None
            type_, props = _EMAIL_DECISIONS[test.event]
            return type_, dict(props)
        if test.event in _BOUND_DECISIONS:
            type_, member, prop = _BOUND_DECISIONS[test.event]
            bound = self.bindings.get("event", test.key)
            if isinstance(bound, dict) and type(bound.get(member)) is int:
                return type_, {prop: [bound[member]]}
            if test.event == "visited" and isinstance(bound, dict) and isinstance(bound.get("url"), str):
                return type_, {"url": bound["url"]}
        return None

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
        cond: Condition | _DoNotContact | None,
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
        if isinstance(cond, Consent):  # lead.dnc is true when the contact may NOT be reached
            self.chain(_DoNotContact(cond.channel), no, yes, parent, path, delay, span)
            return
        type_, props = self.test(cond, span)
        owner, self.owner = self.owner, None
        event_id = self.new_event(owner, "condition", type_, "condition", props, parent, path, delay)
        yes(event_id, "yes", 0)
        no(event_id, "no", 0)

    def test(self, cond: Condition | _DoNotContact | None, span: SpanIR | None) -> tuple[str, dict[str, Any]]:
        if isinstance(cond, InSegment):
            return "lead.segments", {"segments": [self.bindings.require("segment", cond.segment)]}
        if isinstance(cond, Tagged):
            return "lead.tags", {"tags": [cond.tag]}
        if isinstance(cond, _DoNotContact):
            # LeadBundle/EventListener/CampaignSubscriber.php:522-540: true when
            # the contact is not contactable on the channel (any reason)
            self.report.approximate(
                "MAU016",
                span,
                f"`consent({cond.channel!r})` {self.where}".replace("'", '"'),
                "not on Mautic's do-not-contact list for the channel (lead.dnc): Mautic records opt-outs, not consent",
            )
            return "lead.dnc", {"channels": [cond.channel], "reason": None}
        if isinstance(cond, EventCount) and cond.happened and cond.within is None:
            bound = self.bindings.require("event", cond.key)
            if isinstance(bound, dict) and "segment" in bound:
                return "lead.segments", {"segments": [bound["segment"]]}
        if isinstance(cond, Compare | Has):
            found = _field_test(self.ir, cond)
            if found is not None:
                operator, value = found
                field = self.bindings.require("attribute", cond.attribute)
                return "lead.field_value", {"field": field, "operator": operator, "value": value}
        if isinstance(cond, Score) and cond.op in OPERATORS and isinstance(cond.value, int):
            self.one_points(cond.score, span, f"a test of score `{cond.score}` {self.where}")
            self.report.approximate(
                "MAU025",
                span,
                f"a test of score `{cond.score}` ({cond.op} {cond.value}) {self.where}",
                f"a lead.points condition: Mautic's points total, not score `{cond.score}`'s rules",
            )
            # LeadBundle/EventListener/CampaignSubscriber.php:611-626: the
            # contact's points (no group) compared by the operator
            return "lead.points", {"operator": OPERATORS[cond.op], "score": cond.value}
        self.report.approximate(
            "MAU008",
            span,
            f"a branch test {self.where} Mautic's conditions cannot say",
            "a condition on tag `nurturedsl-unmapped`, which no contact has: the test is false",
        )
        return "lead.tags", {"tags": ["nurturedsl-unmapped"]}


class _DoNotContact:
    """The lead.dnc condition on one channel (the negation of `consent`)."""

    def __init__(self, channel: str):
        self.channel = channel


def export(ir: ProgrammeIR, flow_name: str, bindings: Bindings, report: Report, fmt: str) -> Any:
    ex = _Exporter(ir, flow_name, bindings, report)
    ex.run()
    if not ex.events:
        # CampaignApiController.php:144-147@24271492 refuses a campaign without events
        report.refuse(
            "MAU023",
            ex.flow.span,
            f"flow `{flow_name}`",
            "nothing in it is a Mautic event, and Mautic refuses a campaign without events",
        )
        return {}
    flow = ex.flow
    segment = bindings.require("flow", flow_name)
    source_id = segment.get("segment") if isinstance(segment, dict) else segment
    if source_id is None:
        report.refuse(
            "MAU024",
            flow.span,
            f"flow `{flow_name}`",
            f"its campaign needs a source segment: bind it as [flows] {flow_name} = {{ segment = ID, campaign = ID }}",
        )
        return {}
    forms = list(dict.fromkeys(form for form in map(ex.form_source, flow.entry) if form is not None))
    sources = ["lists", "forms"] if forms else ["lists"]
    nodes = [{"id": source, "positionX": str(300 * i), "positionY": "0"} for i, source in enumerate(sources)]
    connections: list[dict[str, Any]] = []
    for i, event in enumerate(ex.events):
        nodes.append({"id": event["id"], "positionX": str(200 * (i % 5)), "positionY": str(100 * (i + 1))})
        if event["parent"] is None:
            connections += [
                {"sourceId": source, "targetId": event["id"], "anchors": {"source": "leadsource", "target": "top"}}
                for source in sources
            ]
        else:
            anchor = event["decisionPath"] or "bottom"
            connections.append(
                {"sourceId": event["parent"], "targetId": event["id"], "anchors": {"source": anchor, "target": "top"}}
            )
    if forms:
        report.approximate(
            "MAU030",
            flow.span,
            f"the form source of flow `{flow_name}`",
            f"beside it, the [flows] segment {source_id} is a source too: its members enter without submitting",
        )
    campaign: dict[str, Any] = {
        "name": flow.title or flow_name,
        "description": f"nurturedsl flow {flow_name}",
        "isPublished": False,
        "allowRestart": flow.reentry.allowed,
        "events": ex.events,
        "lists": [{"id": source_id}],
        "forms": [{"id": form} for form in forms],
        "canvasSettings": {"nodes": nodes, "connections": connections},
    }
    if fmt == "bundle":
        if flow.reentry.allowed:  # fetchCampaignData (CampaignImportExportSubscriber.php@040f2624) has no allow_restart
            report.approximate(
                "MAU033",
                flow.span,
                f"reentry in flow `{flow_name}`",
                "not in the export file: Mautic's export has no allowRestart; set `Allow contacts to restart` by hand",
            )
        flow_uuid = (flow.meta or {}).get("mautic_uuid")
        return bundle(campaign, flow_name, ex.uuids, flow_uuid if isinstance(flow_uuid, str) else None)
    return campaign


def bundle(
    campaign: dict[str, Any], flow_name: str, uuids: dict[str, str] | None = None, campaign_uuid: str | None = None
) -> list[dict[str, Any]]:
    """The campaign as the file `mautic:entity:export --json-only` prints and
    `mautic:entity:import` reads (zipped): a JSON array with one object per
    exported campaign, keyed by entity.

    Shapes from mautic/mautic at the 7.x commits that hold them:
    CampaignImportExportSubscriber.php@040f2624 (fetchCampaignData: id, name,
    description, is_published, canvas_settings, uuid; the `dependencies`
    rows that attach events and segments to the campaign),
    CampaignEventImportExportSubscriber.php@036e2c0c (createEventData: the
    event's columns in snake case, parent_id, uuid; jumpToEvent re-mapped on
    import), EntityExportCommand.php (the array), EntityImportCommand.php
    (each object needs `campaign` and `dependencies`). Ids are whole numbers
    in the file (import casts them), 1 for the campaign and 1, 2, ... for the
    events; uuids are uuid5 of the flow and the event, so re-importing an
    export updates the campaign it made before. An imported campaign keeps
    what Mautic gave it: the uuids in `meta { mautic_uuid }` (flow and steps)
    and whole-number event ids, so a re-import updates that campaign.
    """
    uuids = uuids or {}
    ids = [str(e["id"]) for e in campaign["events"]]
    kept = {i for i in ids if i.isdigit() and int(i) > 0}
    number: dict[str, int] = {}
    free = 1
    for event_id in ids:
        if event_id in kept:
            number[event_id] = int(event_id)
            continue
        while str(free) in kept or free in number.values():
            free += 1
        number[event_id] = free
        free += 1
    campaign_id = 1
    events = []
    for event in campaign["events"]:
        props = dict(event["properties"])
        name = event["name"]
        if event["type"] == "campaign.jump_to_event":
            target = str(props["jumpToEvent"])
            props["jumpToEvent"] = number[target]
            if name == f"jump to {target}":  # named after its target, by the number it has here
                name = f"jump to {number[target]}"
        channel = {"email.send": ("email", "email"), "sms.send_text_sms": ("sms", "sms")}.get(event["type"])
        events.append(
            {
                "id": number[str(event["id"])],
                "campaign_id": campaign_id,
                "name": name,
                "description": event["description"],
                "type": event["type"],
                "event_type": event["eventType"],
                "event_order": event["order"],
                "properties": props,
                "trigger_interval": event["triggerInterval"],
                "trigger_interval_unit": event["triggerIntervalUnit"],
                "trigger_mode": event["triggerMode"],
                "trigger_date": None,
                "trigger_hour": None,
                "triggerRestrictedStartHour": _seconds(event.get("triggerRestrictedStartHour")),
                "triggerRestrictedStopHour": _seconds(event.get("triggerRestrictedStopHour")),
                "triggerRestrictedDaysOfWeek": event.get("triggerRestrictedDaysOfWeek", []),
                "triggerWindow": None,
                "decisionPath": event["decisionPath"],
                "channel": channel[0] if channel else None,
                "channel_id": props[channel[1]] if channel else None,
                "parent_id": None if event["parent"] is None else number[str(event["parent"])],
                "uuid": uuids.get(str(event["id"])) or str(uuid.uuid5(NAMESPACE, f"{flow_name}/{event['id']}")),
            }
        )
    canvas = {
        "nodes": [{**n, "id": str(number.get(n["id"], n["id"]))} for n in campaign["canvasSettings"]["nodes"]],
        "connections": [
            {**c, "sourceId": str(number.get(c["sourceId"], c["sourceId"])), "targetId": str(number[c["targetId"]])}
            for c in campaign["canvasSettings"]["connections"]
        ],
    }
    event_rows = []
    for row in events:
        dependency = {"campaign": campaign_id, "campaign_event": row["id"]}
        if row["channel"]:
            dependency[row["channel"]] = row["channel_id"]
        event_rows.append(dependency)
    return [
        {
            "campaign": [
                {
                    "id": campaign_id,
                    "name": campaign["name"],
                    "description": campaign["description"],
                    "is_published": campaign["isPublished"],
                    "canvas_settings": canvas,
                    "uuid": campaign_uuid or str(uuid.uuid5(NAMESPACE, flow_name)),
                }
            ],
            "campaign_event": events,
            "dependencies": [
                {
                    "campaign_event": event_rows,
                    # keyed as CampaignModel::getLeadSources names the sources (CampaignModel.php:432-435@24271492)
                    "lists": [{"campaign": campaign_id, "lists": s["id"]} for s in campaign["lists"]],
                    "forms": [{"campaign": campaign_id, "forms": f["id"]} for f in campaign["forms"]],
                }
            ],
        }
    ]


def _seconds(hhmm: str | None) -> str | None:
    """ "08:00" as the export file writes a time (`format('H:i:s')`)."""
    return None if hhmm is None else f"{hhmm}:00"


def _shown(rule: Any, ir: ProgrammeIR) -> str:
    """An IR condition as the playbook would write it, for messages."""
    from ..text import condition

    try:
        return condition(parse(rule), ir.attributes)
    except UnknownCondition:
        return "a condition"
