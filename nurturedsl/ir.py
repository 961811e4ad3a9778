"""The JSON IR: a checked programme compiled for execution engines.

The IR's definition is irmodel.py's pydantic models: `compile_programme`
builds them, and `ir_schema()` (re-exported here) derives the committed
JSON Schema from them, so the two cannot drift. Conditions are JsonLogic
with four custom operations (`segment`, `event_count`, `score`,
`inactive`), documented in docs/ir.md.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal, TypeVar, cast, overload

from typing_extensions import assert_never

from . import graph as fg
from . import nodes as n
from . import units
from .digraph import MultiDiGraph
from .irmodel import (
    FORMAT,
    VERSION,
    ActionIR,
    AdsNodeIR,
    ArmIR,
    AttributeType,
    BehaviourRuleIR,
    BranchNodeIR,
    BranchTransitionIR,
    CapIR,
    ChannelCapIR,
    ContentIR,
    DecideAfterIR,
    DecideOnIR,
    DelayedNextIR,
    DoneIR,
    DurationIR,
    ElseIR,
    EmailNodeIR,
    EndNodeIR,
    EntryIR,
    EntryNodeIR,
    EventIR,
    EventTransitionIR,
    ExitNodeIR,
    ExperimentNodeIR,
    FitRuleIR,
    FlowIR,
    GotoNodeIR,
    GotoTransitionIR,
    HandoffActionIR,
    HandoffNodeIR,
    JsonLogic,
    LinkedInConnectNodeIR,
    LinkedInMessageNodeIR,
    LinkedInPresenceNodeIR,
    LoopIR,
    MoveToActionIR,
    MoveToNodeIR,
    NextIR,
    NodeIR,
    NotifyActionIR,
    NotifyNodeIR,
    PlaybookIR,
    PolicyIR,
    ProgrammeIR,
    QuietHoursIR,
    RangeIR,
    RateLimitIR,
    RateLimitsIR,
    RatioIR,
    ReentryIR,
    RepeatNodeIR,
    ScoreAddIR,
    ScoreAddNodeIR,
    ScoreIR,
    ScoreResetIR,
    ScoreResetNodeIR,
    SegmentIR,
    SetNodeIR,
    SmsNodeIR,
    SpanIR,
    SplitNodeIR,
    SplitTransitionIR,
    SuppressNodeIR,
    TagActionIR,
    TagNodeIR,
    TaskNodeIR,
    ThresholdIR,
    TimeoutIR,
    TransitionIR,
    TransitionKind,
    WaitCalendarNodeIR,
    WaitForNodeIR,
    WaitNodeIR,
    WaitUntilNodeIR,
    WebhookNodeIR,
)

# what `nurturedsl schema` and the tests import from the compiler's module
from .irmodel import ir_schema as ir_schema
from .model import Programme, message_items, send_days
from .policy import MessageItem, is_message
from .source import Span

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
        if isinstance(c, n.InFlow):
            return {"in_flow": [c.flow]}
        if isinstance(c, n.EventTest):
            arg = _event_arg(c.args)
            count = {"event_count": [c.name, arg, c.within.seconds if c.within else None]}
            channel = next((a.channel for a in c.args if a.channel is not None), None)
            if channel is not None:  # a fourth argument only when filtered: 1.1 rules stay as they were
                count["event_count"].append(channel)
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
            frequency_caps=[
                ChannelCapIR(
                    # the checker accepts only CONTACT_CHANNELS, the Literal's words
                    channel=cast("Any", c.channel.text),
                    count=c.count.whole(),
                    per=_duration(c.per.seconds),
                )
                for _, c in sorted(p.channel_caps.items())
            ]
            or None,
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
            meta=_meta(h.meta),
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
            meta=_meta(c.meta),
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
            rate_limits=_rate_limits(flow),
            reviewed=reviewed.date if reviewed else None,
            start=fg.ENTRY,
            nodes={node: self.node(g, node, policy) for node in g.nodes},
            span=self.span(flow.span),
            meta=_meta(flow.meta),
        )

    def node(self, g: MultiDiGraph[str], node_id: str, policy: PolicyIR) -> NodeIR:
        data = g.nodes[node_id]
        step: n.AnyStep | None = data["step"]
        # Any: each node model checks that its transitions are of its kinds
        edges: list[Any] = [
            # a `wait for` arm carries its event, not a guard (see `arm`)
            self.arm(target, t) if isinstance(step, n.WaitFor) else self.transition(target, t)
            for target, t in fg.transitions(g, node_id)
        ]
        if step is None:  # a node of the graph's own, not a step
            if node_id == fg.ENTRY:
                return EntryNodeIR(type="entry", next=edges)
            if node_id == fg.END:
                return EndNodeIR(type="end", next=edges, reason="completed")
            # a repeat's interval wait: its one transition waits `every`
            return WaitNodeIR(
                type="wait",
                span=self.span(data["span"]),
                next=edges,
                duration=cast("DelayedNextIR", edges[0]).delay,
                repeat=data["repeat"],
            )
        span = self.span(step.span)
        node = self.step_node(step, span, edges, policy)
        if step.meta is not None and not isinstance(node, (EntryNodeIR, EndNodeIR)):  # a step is neither
            node.meta = _meta(step.meta)
        return node

    def step_node(self, step: n.AnyStep, span: SpanIR, edges: list[Any], policy: PolicyIR) -> NodeIR:
        match step:
            case n.Touch():
                return self.touch(step, span, edges, policy)
            case n.Wait():
                return WaitNodeIR(type="wait", span=span, next=edges, duration=_duration(step.duration.seconds))
            case n.WaitUntil():
                return WaitUntilNodeIR(
                    type="wait_until",
                    span=span,
                    next=edges,
                    condition=self.logic(step.condition),
                    timeout=_duration(step.timeout.seconds) if step.timeout else None,
                )
            case n.WaitCalendar():
                return WaitCalendarNodeIR(
                    type="wait_calendar",
                    span=span,
                    next=edges,
                    date=step.date.text if step.date else None,
                    # one day is the range from it to itself
                    days=cast("list[units.Day]", units.expand_days("range", [step.days[0].text, step.days[-1].text]))
                    if step.days
                    else None,
                    time=_hhmm(step.time.text) if step.time else None,
                )
            case n.WaitFor():
                return WaitForNodeIR(
                    type="wait_for",
                    span=span,
                    next=edges,
                    timeout=_duration(_given(step.timeout).seconds),
                )
            case n.Branch():
                return BranchNodeIR(type="branch", span=span, next=edges)
            case n.Split():
                return SplitNodeIR(type="split", span=span, next=edges)
            case n.Experiment():
                decide: DecideAfterIR | DecideOnIR = (
                    DecideAfterIR(rule="after", per_arm=step.decide_after.whole())
                    if step.decide_after is not None
                    else DecideOnIR(rule="on", date=_given(step.decide_on).text)
                )
                return ExperimentNodeIR(
                    type="experiment",
                    span=span,
                    next=edges,
                    goal=self.logic(step.goal),
                    window=_duration(step.window.seconds),
                    decide=decide,
                )
            case n.Repeat():
                return RepeatNodeIR(
                    type="repeat",
                    span=span,
                    next=edges,
                    every=_duration(step.every.seconds),
                    at_most=step.at_most.whole() if step.at_most else None,
                )
            case n.Goto():
                return GotoNodeIR(type="goto", span=span, next=edges, target=step.target)
            case n.MoveTo():
                return MoveToNodeIR(type="move_to", span=span, next=edges, flow=step.flow)
            case n.TagStep():
                return TagNodeIR(type="tag", span=span, next=edges, tag=step.tag, remove=step.remove)
            case n.SetStep():
                return SetNodeIR(
                    type="set", span=span, next=edges, attribute=".".join(step.path), value=step.value.value
                )
            case n.Suppress():
                return SuppressNodeIR(
                    type="suppress",
                    span=span,
                    next=edges,
                    suppression_list=step.list_name,
                    revisit=_duration(step.revisit.seconds) if step.revisit else None,
                )
            case n.Handoff():
                return HandoffNodeIR(type="handoff", span=span, next=edges, team=step.team)
            case n.ExitStep():
                return ExitNodeIR(type="exit", span=span, next=edges, reason=step.reason)
            case n.Webhook():
                return WebhookNodeIR(
                    type="webhook",
                    span=span,
                    next=edges,
                    # the checker accepts only these methods, in any case
                    method=cast("Literal['GET', 'POST', 'PUT', 'PATCH', 'DELETE']", step.method.upper()),
                    url=step.url,
                    body=step.body,
                )
            case n.ScoreChange():
                if step.op == "reset":
                    return ScoreResetNodeIR(type="score", op="reset", span=span, next=edges, score=step.score)
                return ScoreAddNodeIR(
                    type="score", op="add", span=span, next=edges, score=step.score, points=_given(step.points)
                )
            case _:
                assert_never(step)

    def touch(self, step: n.Touch, span: SpanIR, edges: list[Any], policy: PolicyIR) -> NodeIR:
        content = self.p.contents.get(step.content) if step.content else None
        kind = content.kind if content else None
        message = is_message(step, policy.messages)
        action = step.action
        match step.channel:
            case "email":
                return EmailNodeIR(
                    type="email",
                    span=span,
                    next=edges,
                    message=message,
                    content=_given(step.content),
                    give_or_ask=_given(kind),
                )
            case "sms":
                return SmsNodeIR(
                    type="sms",
                    span=span,
                    next=edges,
                    message=message,
                    content=_given(step.content),
                    give_or_ask=_given(kind),
                )
            case "linkedin":
                match action:
                    case "follow" | "engage":
                        return LinkedInPresenceNodeIR(
                            type="linkedin", span=span, next=edges, action=action, message=message
                        )
                    case "connect":
                        return LinkedInConnectNodeIR(
                            type="linkedin",
                            span=span,
                            next=edges,
                            action=action,
                            message=message,
                            content=step.content,
                            give_or_ask=kind,
                        )
                    case "message":
                        return LinkedInMessageNodeIR(
                            type="linkedin",
                            span=span,
                            next=edges,
                            action=action,
                            message=message,
                            content=_given(step.content),
                            give_or_ask=_given(kind),
                        )
            case "ads":
                match action:
                    case "add" | "remove":
                        return AdsNodeIR(
                            type="ads",
                            span=span,
                            next=edges,
                            action=action,
                            audience=_given(step.audience),
                            message=message,
                            content=step.content,
                            give_or_ask=kind,
                        )
            case "task":
                return TaskNodeIR(type="task", span=span, next=edges, text=_given(step.text), recipient=step.recipient)
            case "notify":
                return NotifyNodeIR(
                    type="notify", span=span, next=edges, text=_given(step.text), recipient=step.recipient
                )
            case _:
                assert_never(step.channel)
        raise AssertionError(f"the checker let `{step.channel} {action}` through")

    def arm(self, target: str, t: fg.Attrs) -> Any:  # ArmIR | TimeoutIR: the node's model checks
        """A `wait_for` transition: an arm names its event, which counts only
        once the contact is waiting (a guard would count every event ever)."""
        if t["kind"] != "event":
            return self.transition(target, t)
        test: n.EventTest = t["guard"]
        return ArmIR(to=target, kind="event", event=EventIR(name=test.name, arg=_event_arg(test.args)))

    def transition(self, target: str, t: fg.Attrs) -> TransitionIR:
        kind: TransitionKind = t["kind"]
        match kind:
            case "next":
                return (
                    DelayedNextIR(to=target, kind=kind, delay=_duration(t["delay"]))
                    if t["delay"]
                    else NextIR(to=target, kind=kind)
                )
            case "branch":
                return BranchTransitionIR(to=target, kind=kind, guard=self.logic(t["guard"]))
            case "else":
                return ElseIR(to=target, kind=kind, label=t["label"])
            case "split":
                return SplitTransitionIR(to=target, kind=kind, weight=t["weight"], label=t["label"])
            case "event":
                return EventTransitionIR(to=target, kind=kind, guard=self.logic(t["guard"]))
            case "timeout":
                return TimeoutIR(to=target, kind=kind, delay=_duration(t["delay"]))
            case "loop":
                return LoopIR(to=target, kind=kind)
            case "done":
                return DoneIR(to=target, kind=kind)
            case "goto":
                return GotoTransitionIR(to=target, kind=kind)
            case _:
                assert_never(kind)

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


def _rate_limits(flow: n.Flow) -> RateLimitsIR | None:
    limits = {
        s.kind: RateLimitIR(count=s.count.whole(), per=_duration(s.per.seconds))
        for s in flow.settings
        if isinstance(s, n.RateLimit)
    }
    if not limits:
        return None
    return RateLimitsIR(entries=limits.get("entries"), sends=limits.get("sends"))


def _event_arg(args: list[n.EventArg]) -> str | None:
    if not args or args[0].kind == "any":
        return None
    return args[0].value


def _meta(meta: n.Meta | None) -> dict[str, bool | int | float | str] | None:
    return meta.as_dict() if meta is not None else None


def _action(a: n.Handoff | n.MoveTo | n.TagStep | n.Touch | n.ScoreChange) -> ActionIR:
    match a:
        case n.Handoff():
            return HandoffActionIR(type="handoff", team=a.team)
        case n.MoveTo():
            return MoveToActionIR(type="move_to", flow=a.flow)
        case n.TagStep():
            return TagActionIR(type="tag", tag=a.tag)
        case n.Touch():  # the checker allows only `notify` here
            return NotifyActionIR(type="notify", text=_given(a.text), recipient=a.recipient)
        case n.ScoreChange():
            if a.op == "reset":
                return ScoreResetIR(type="score", score=a.score, op="reset")
            return ScoreAddIR(type="score", score=a.score, op="add", points=_given(a.points))
        case _:
            assert_never(a)


_T = TypeVar("_T")


def _given(value: _T | None) -> _T:
    """A member the checker guarantees for this kind of step."""
    if value is None:
        raise AssertionError("the checker let a step through without a member its kind needs")
    return value


def compile_programme(programme: Programme) -> dict[str, Any]:
    """The IR of a checked programme, as plain JSON data."""
    from .gcpause import gc_paused

    model = compile_model(programme)
    # The dump builds a dict per node and edge, none in a cycle: with the
    # collector on, it rescans the growing heap and turns superlinear (half
    # of a 100,000-line compile was the collector inside this call).
    with gc_paused():
        return model.model_dump(mode="json", exclude_none=True)


def compile_model(programme: Programme) -> ProgrammeIR:
    """The IR of a checked programme, as its models (engine targets read these)."""
    from .gcpause import gc_paused

    with gc_paused():
        return _Compiler(programme).programme()


def dumps(document: dict[str, Any]) -> str:
    """Byte-for-byte deterministic JSON text: sorted keys, fixed layout."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
