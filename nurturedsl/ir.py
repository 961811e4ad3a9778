"""The JSON IR: a checked programme compiled for execution engines.

The pydantic models below are the IR's definition: `compile_programme`
builds them, and `ir_schema()` derives the committed JSON Schema from them,
so the two cannot drift. Conditions are JsonLogic with four custom
operations (`segment`, `event_count`, `score`, `inactive`), documented in
docs/ir.md.
"""

from __future__ import annotations

import json
import os
from typing import Any, Final, Literal, cast, overload

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from . import graph as fg
from . import nodes as n
from . import units
from .model import Programme, message_items, send_days
from .policy import MessageItem, is_message
from .source import Span

FORMAT: Final = "nurturedsl-ir"
VERSION = "1.1.0"
SCHEMA_ID = "https://nurturedsl.dev/schema/nurturedsl-ir-1.json"

# A JsonLogic rule is JSON: its operands are any JSON values.
JsonLogic = dict[str, Any] | bool
AttributeType = Literal["string", "number", "duration", "date", "bool"]


class _IR(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpanIR(_IR):
    file: str = Field(description="Path of the source file, relative to the compiled playbook's folder.")
    line: int
    column: int
    end_line: int
    end_column: int


class DurationIR(_IR):
    seconds: int = Field(description="The duration in whole seconds.")
    iso: str = Field(description="The same duration in ISO 8601, e.g. P3D.")


class EventIR(_IR):
    name: str
    arg: str | None = Field(default=None, description="The event's argument; absent means any.")


class PlaybookIR(_IR):
    name: str
    owner: str | None = None
    reviewed: str | None = Field(default=None, description="ISO 8601 date.")
    version: str | None = None
    description: str | None = None
    span: SpanIR | None = None


class RatioIR(_IR):
    gives: int
    asks: int


class RangeIR(_IR):
    min: DurationIR
    max: DurationIR


class CapIR(_IR):
    count: int
    per: DurationIR


class QuietHoursIR(_IR):
    start: str = Field(description="HH:MM in the contact's time zone; no touch from here...")
    end: str = Field(description="...until here (may wrap past midnight).")


class PolicyIR(_IR):
    give_to_get: RatioIR
    cadence: RangeIR
    first_touch: DurationIR
    max_touches: int
    frequency_cap: CapIR | None = None
    quiet_hours: QuietHoursIR | None = None
    send_days: list[units.Day]
    timezone: str = Field(description="IANA zone for contacts without one of their own.")
    unsubscribe_required: bool
    messages: list[MessageItem] | None = Field(
        default=None,
        description="What counts as a message: a channel (every action on it) or `channel action`. Other "
        "contact-facing touches are presence. Always present since 1.1; absent in 1.0 documents, "
        "where the default [email, sms, linkedin message, linkedin connect] applies.",
    )


class SegmentIR(_IR):
    condition: JsonLogic
    span: SpanIR


class ContentIR(_IR):
    kind: Literal["give", "ask"]
    title: str
    stage: Literal["early", "mid", "late"] | None = None
    persona: str | None = None
    gated: bool = False
    attached: bool = False
    unsubscribe_link: bool = False
    way_out: bool = Field(
        default=False,
        description="An ask that offers the contact a way out of the conversation "
        '("Should I close your file?"); the give-to-get rules do not count it.',
    )
    url: str | None = None
    subject: str | None = None
    body: str | None = None
    cta: str | None = None
    reviewed: str | None = None
    span: SpanIR


class FitRuleIR(_IR):
    points: int
    condition: JsonLogic
    span: SpanIR


class BehaviourRuleIR(_IR):
    points: int
    event: EventIR
    decay_half_life: DurationIR | None = None
    expires: DurationIR | None = None
    at_most: int | None = Field(default=None, description="Occurrences counted at most; absent means all.")
    span: SpanIR


class ActionIR(_IR):
    type: Literal["handoff", "notify", "move_to", "tag"]
    team: str | None = None
    recipient: str | None = None
    text: str | None = Field(
        default=None, description="Alert text; {name}, {score} and other {attribute} placeholders."
    )
    flow: str | None = None
    tag: str | None = None


class ThresholdIR(_IR):
    name: str
    op: Literal[">=", ">"]
    value: int | float
    actions: list[ActionIR]
    span: SpanIR


class ScoreIR(_IR):
    fit: list[FitRuleIR]
    behaviour: list[BehaviourRuleIR]
    thresholds: list[ThresholdIR]
    span: SpanIR


class EntryIR(_IR):
    event: EventIR | None = None
    delay: DurationIR | None = None
    condition: JsonLogic | None = None
    span: SpanIR


class ReentryIR(_IR):
    allowed: bool
    after: DurationIR | None = None


class TransitionIR(_IR):
    to: str
    kind: Literal["next", "branch", "else", "split", "event", "timeout", "loop", "done", "goto"]
    guard: JsonLogic | None = None
    delay: DurationIR | None = None
    weight: float | None = Field(default=None, description="Percentage of contacts, for split arms.")
    label: str | None = None


NodeType = Literal[
    "entry",
    "end",
    "email",
    "sms",
    "linkedin",
    "ads",
    "task",
    "notify",
    "wait",
    "wait_until",
    "branch",
    "split",
    "repeat",
    "goto",
    "move_to",
    "tag",
    "set",
    "suppress",
    "handoff",
    "exit",
]


class NodeIR(_IR):
    type: NodeType
    next: list[TransitionIR] = Field(description="Outgoing transitions in source order; none for terminal nodes.")
    span: SpanIR | None = None
    content: str | None = None
    give_or_ask: Literal["give", "ask"] | None = None
    action: str | None = None
    audience: str | None = None
    text: str | None = None
    recipient: str | None = None
    message: bool | None = Field(
        default=None,
        description="On email, sms, linkedin and ads nodes (since 1.1): true for a message, false for "
        "presence, under the policy's `messages`.",
    )
    duration: DurationIR | None = None
    condition: JsonLogic | None = None
    timeout: DurationIR | None = None
    every: DurationIR | None = None
    at_most: int | None = None
    repeat: str | None = Field(default=None, description="For a repeat's own wait node: the repeat it belongs to.")
    target: str | None = None
    flow: str | None = None
    tag: str | None = None
    remove: bool | None = None
    attribute: str | None = None
    value: bool | int | float | str | None = None
    suppression_list: str | None = None
    revisit: DurationIR | None = None
    team: str | None = None
    reason: str | None = None


class FlowIR(_IR):
    title: str | None = None
    entry: list[EntryIR]
    audience: JsonLogic | None = None
    goal: JsonLogic | None = None
    exit: list[JsonLogic]
    cadence: RangeIR
    max_touches: int
    reentry: ReentryIR
    reviewed: str | None = None
    start: str
    nodes: dict[str, NodeIR]
    span: SpanIR


class ProgrammeIR(_IR):
    model_config = ConfigDict(extra="forbid", title="nurturedsl IR")
    format: Literal["nurturedsl-ir"]
    version: str = Field(description="Semantic version of the IR format.")
    playbook: PlaybookIR
    sources: list[str]
    policy: PolicyIR
    attributes: dict[str, AttributeType]
    events: list[str]
    segments: dict[str, SegmentIR]
    content: dict[str, ContentIR]
    scores: dict[str, ScoreIR]
    flows: dict[str, FlowIR]


def ir_schema() -> dict[str, Any]:
    schema = ProgrammeIR.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


# ---------------------------------------------------------------- compiler --


def iso_duration(seconds: int) -> str:
    return units.iso(seconds)


def _duration(seconds: int) -> DurationIR:
    return DurationIR(seconds=seconds, iso=iso_duration(seconds))


class _Compiler:
    def __init__(self, programme: Programme):
        self.p = programme
        self.base = os.path.dirname(programme.path)

    @overload
    def span(self, span: Span) -> SpanIR: ...
    @overload
    def span(self, span: Span | None) -> SpanIR | None: ...

    def span(self, span: Span | None) -> SpanIR | None:
        if span is None:
            return None
        file = os.path.relpath(span.file, self.base or ".").replace(os.sep, "/")
        return SpanIR(file=file, line=span.line, column=span.column, end_line=span.end_line, end_column=span.end_column)

    # ---- conditions
    @overload
    def logic(self, c: n.Condition) -> JsonLogic: ...
    @overload
    def logic(self, c: n.Condition | None) -> JsonLogic | None: ...

    def logic(self, c: n.Condition | None) -> JsonLogic | None:
        if c is None:
            return None
        if isinstance(c, n.And):
            return {"and": [self.logic(x) for x in c.items]}
        if isinstance(c, n.Or):
            return {"or": [self.logic(x) for x in c.items]}
        if isinstance(c, n.Not):
            return {"!": [self.logic(c.item)]}
        if isinstance(c, n.Ref):
            return self.ref(c)
        if isinstance(c, n.Compare):
            left: dict[str, Any] = {"score": [c.path[0]]} if c.resolved == "score" else {"var": ".".join(c.path)}
            return {c.op: [left, c.value.value]}
        if isinstance(c, n.Member):
            test = {"in": [{"var": ".".join(c.path)}, [v.value for v in c.values]]}
            return {"!": [test]} if c.negated else test
        if isinstance(c, n.Tagged):
            return {"in": [c.tag, {"var": "tags"}]}
        if isinstance(c, n.Has):
            return {"!!": [{"var": ".".join(c.path)}]}
        if isinstance(c, n.Consent):
            return {"in": [c.channel, {"var": "consent"}]}
        if isinstance(c, n.Inactive):
            return {"inactive": [c.duration.seconds]}
        if isinstance(c, n.EventTest):
            arg = _event_arg(c.args)
            count = {"event_count": [c.name, arg, c.within.seconds if c.within else None]}
            if c.count_op:
                assert c.count is not None  # the builder sets both or neither
                return {c.count_op: [count, c.count.value]}
            return {">": [count, 0]}
        raise AssertionError(type(c))

    def ref(self, c: n.Ref) -> JsonLogic:
        key = ".".join(c.path)
        if c.resolved == "segment":
            return {"segment": [key]}
        if c.resolved == "event":
            return {">": [{"event_count": [key, None, None]}, 0]}
        if c.resolved == "threshold":
            score = self.p.scores[c.path[0]]
            t = next(t for t in score.thresholds if t.name == c.path[1])
            return {_THRESHOLD_OPS[t.op]: [{"score": [score.name]}, t.value.value]}
        return {"==": [{"var": key}, True]}

    # ---- declarations
    def policy(self) -> PolicyIR:
        p = self.p
        ratio, cadence, first_touch = p.setting(n.GiveToGet), p.setting(n.Cadence), p.setting(n.FirstTouch)
        max_touches, cap, quiet = p.setting(n.MaxTouches), p.setting(n.FrequencyCap), p.setting(n.QuietHours)
        timezone = p.setting(n.Timezone)
        return PolicyIR(
            give_to_get=RatioIR(gives=ratio.gives.whole(), asks=ratio.asks.whole())
            if ratio
            else RatioIR(gives=3, asks=1),
            cadence=RangeIR(
                min=_duration(cadence.low.seconds if cadence else 7 * units.DAY),
                max=_duration(cadence.high.seconds if cadence else 14 * units.DAY),
            ),
            first_touch=_duration(first_touch.within.seconds if first_touch else 48 * units.HOUR),
            max_touches=max_touches.count.whole() if max_touches else 12,
            frequency_cap=CapIR(count=cap.count.whole(), per=_duration(cap.per.seconds)) if cap else None,
            quiet_hours=QuietHoursIR(start=_hhmm(quiet.start.text), end=_hhmm(quiet.end.text)) if quiet else None,
            # model.py's checker accepts only the words of these Literal types,
            # and pydantic validates them again as PolicyIR is made.
            send_days=cast("list[units.Day]", send_days(p)),
            timezone=timezone.zone.text if timezone else "UTC",
            unsubscribe_required=p.setting(n.UnsubscribeRequired) is not None,
            messages=cast("list[MessageItem]", list(message_items(p))),
        )

    def playbook(self) -> PlaybookIR:
        h = self.p.header
        if h is None:
            return PlaybookIR(name=self.p.name)
        owner, reviewed = n.find(h.settings, n.Owner), n.find(h.settings, n.Reviewed)
        version, description = n.find(h.settings, n.Version), n.find(h.settings, n.Description)
        return PlaybookIR(
            name=h.name,
            owner=owner.text if owner else None,
            reviewed=reviewed.date if reviewed else None,
            version=version.text if version else None,
            description=description.text if description else None,
            span=self.span(h.span),
        )

    def content(self, c: n.Content) -> ContentIR:
        stage, persona, reviewed = (
            n.find(c.options, n.Stage),
            n.find(c.options, n.Persona),
            n.find(c.options, n.Reviewed),
        )
        return ContentIR(
            kind=c.kind,
            title=c.title,
            # the checker accepts only these stages
            stage=cast("Literal['early', 'mid', 'late']", stage.stage.text) if stage else None,
            persona=persona.persona if persona else None,
            gated=n.has_flag(c, "gated"),
            attached=n.has_flag(c, "attached"),
            unsubscribe_link=n.has_flag(c, "unsubscribe_link"),
            way_out=n.has_flag(c, "way_out"),
            url=n.content_text(c, "url"),
            subject=n.content_text(c, "subject"),
            body=n.content_text(c, "body"),
            cta=n.content_text(c, "cta"),
            reviewed=reviewed.date if reviewed else None,
            span=self.span(c.span),
        )

    @overload
    def event(self, pattern: n.EventPattern) -> EventIR: ...
    @overload
    def event(self, pattern: n.EventPattern | None) -> EventIR | None: ...

    def event(self, pattern: n.EventPattern | None) -> EventIR | None:
        if pattern is None:
            return None
        return EventIR(name=pattern.name, arg=_event_arg(pattern.args))

    def score(self, s: n.Score) -> ScoreIR:
        behaviour = []
        for rule in s.behaviour_rules:
            decay, expires = n.find(rule.modifiers, n.Decay), n.find(rule.modifiers, n.Expires)
            at_most = n.find(rule.modifiers, n.AtMost)
            behaviour.append(
                BehaviourRuleIR(
                    points=rule.points,
                    event=self.event(rule.event),
                    span=self.span(rule.span),
                    decay_half_life=_duration(decay.half_life.seconds) if decay else None,
                    expires=_duration(expires.after.seconds) if expires else None,
                    at_most=at_most.count.whole() if at_most else None,
                )
            )
        return ScoreIR(
            fit=[
                FitRuleIR(points=r.points, condition=self.logic(r.condition), span=self.span(r.span))
                for r in s.fit_rules
            ],
            behaviour=behaviour,
            thresholds=[
                ThresholdIR(
                    name=t.name,
                    op=_THRESHOLD_OPS[t.op],
                    value=t.value.number(),
                    actions=[_action(a) for a in t.actions],
                    span=self.span(t.span),
                )
                for t in s.thresholds
            ],
            span=self.span(s.span),
        )

    def flow(self, flow: n.Flow, policy: PolicyIR) -> FlowIR:
        g = fg.flow_graph(flow)
        cadence, max_touches = n.find(flow.settings, n.Cadence), n.find(flow.settings, n.MaxTouches)
        reentry, reviewed = n.find(flow.settings, n.Reentry), n.find(flow.settings, n.Reviewed)
        audience, goal = n.find(flow.settings, n.Audience), n.find(flow.settings, n.Goal)
        if cadence is not None:
            flow_cadence = RangeIR(min=_duration(cadence.low.seconds), max=_duration(cadence.high.seconds))
        else:
            flow_cadence = policy.cadence
        return FlowIR(
            title=flow.title,
            entry=[
                EntryIR(
                    event=self.event(e.event),
                    delay=_duration(e.delay.seconds) if e.delay else None,
                    condition=self.logic(e.condition),
                    span=self.span(e.span),
                )
                for e in flow.entries
            ],
            audience=self.logic(audience.condition) if audience else None,
            goal=self.logic(goal.condition) if goal else None,
            exit=[self.logic(c) for c in flow.exits],
            cadence=flow_cadence,
            max_touches=max_touches.count.whole() if max_touches else policy.max_touches,
            # `reentry` alone allows it at once; `reentry after 30d` after a wait
            reentry=ReentryIR(
                allowed=reentry is not None,
                after=_duration(reentry.after.seconds) if reentry and reentry.after else None,
            ),
            reviewed=reviewed.date if reviewed else None,
            start=fg.ENTRY,
            nodes={node: self.node(g, node, policy) for node in g.nodes},
            span=self.span(flow.span),
        )

    def node(self, g: nx.MultiDiGraph[str], node_id: str, policy: PolicyIR) -> NodeIR:
        data = g.nodes[node_id]
        step = data["step"]
        fields: dict[str, Any] = {}
        if node_id.endswith("@wait"):
            fields["repeat"] = data["repeat"]
        if isinstance(step, n.Touch):
            content = self.p.contents.get(step.content) if step.content else None
            fields.update(
                content=step.content,
                give_or_ask=content.kind if content else None,
                action=step.action,
                audience=step.audience,
                text=step.text,
                recipient=step.recipient,
            )
            if step.channel not in ("task", "notify"):
                fields["message"] = is_message(step, policy.messages)
        elif isinstance(step, n.Wait):
            fields["duration"] = _duration(step.duration.seconds)
        elif isinstance(step, n.WaitUntil):
            fields.update(
                condition=self.logic(step.condition), timeout=_duration(step.timeout.seconds) if step.timeout else None
            )
        elif isinstance(step, n.Repeat):
            fields.update(every=_duration(step.every.seconds), at_most=step.at_most.value if step.at_most else None)
        elif isinstance(step, n.Goto):
            fields["target"] = step.target
        elif isinstance(step, n.MoveTo):
            fields["flow"] = step.flow
        elif isinstance(step, n.TagStep):
            fields.update(tag=step.tag, remove=step.remove)
        elif isinstance(step, n.SetStep):
            fields.update(attribute=".".join(step.path), value=step.value.value)
        elif isinstance(step, n.Suppress):
            fields.update(
                suppression_list=step.list_name, revisit=_duration(step.revisit.seconds) if step.revisit else None
            )
        elif isinstance(step, n.Handoff):
            fields["team"] = step.team
        elif isinstance(step, n.ExitStep):
            fields["reason"] = step.reason
        elif node_id == fg.END:
            fields["reason"] = "completed"
        transitions = [
            TransitionIR(
                to=target,
                kind=t["kind"],
                guard=self.logic(t["guard"]),
                delay=_duration(t["delay"]) if t["delay"] else None,
                weight=t["weight"],
                label=t["label"],
            )
            for target, t in fg.transitions(g, node_id)
        ]
        span = None if node_id in (fg.ENTRY, fg.END) else self.span(data["span"])
        if node_id.endswith("@wait"):
            fields["duration"] = transitions[0].delay
        return NodeIR(type=data["type"], next=transitions, span=span, **fields)

    def programme(self) -> ProgrammeIR:
        p = self.p
        policy = self.policy()
        return ProgrammeIR(
            format=FORMAT,
            version=VERSION,
            playbook=self.playbook(),
            sources=sorted(self.span(Span.point(path, 1, 1)).file for path in p.sources),
            policy=policy,
            # the checker accepts only these types (`attribute NAME: TYPE`)
            attributes=cast("dict[str, AttributeType]", dict(p.attributes)),
            events=sorted(p.event_names()),
            segments={
                k: SegmentIR(condition=self.logic(v.condition), span=self.span(v.span)) for k, v in p.segments.items()
            },
            content={k: self.content(v) for k, v in p.contents.items()},
            scores={k: self.score(v) for k, v in p.scores.items()},
            flows={k: self.flow(v, policy) for k, v in p.flows.items()},
        )


_THRESHOLD_OPS: dict[n.ThresholdOp, Literal[">=", ">"]] = {"at": ">=", "above": ">"}


def _hhmm(text: str) -> str:
    return units.hhmm(units.time_minutes(text))


def _event_arg(args: list[n.EventArg]) -> str | None:
    if not args or args[0].kind == "any":
        return None
    return args[0].value


def _action(a: n.Handoff | n.MoveTo | n.TagStep | n.Touch) -> ActionIR:
    if isinstance(a, n.Handoff):
        return ActionIR(type="handoff", team=a.team)
    if isinstance(a, n.MoveTo):
        return ActionIR(type="move_to", flow=a.flow)
    if isinstance(a, n.TagStep):
        return ActionIR(type="tag", tag=a.tag)
    return ActionIR(type="notify", recipient=a.recipient, text=a.text)


def compile_programme(programme: Programme) -> dict[str, Any]:
    """The IR of a checked programme, as plain JSON data."""
    from .gcpause import gc_paused

    with gc_paused():
        return _Compiler(programme).programme().model_dump(mode="json", exclude_none=True)


def dumps(document: dict[str, Any]) -> str:
    """Byte-for-byte deterministic JSON text: sorted keys, fixed layout."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
