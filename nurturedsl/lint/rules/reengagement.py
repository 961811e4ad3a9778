"""Re-engagement: few honest emails, then the suppression list.

Family `re-engagement`, codes NUR8xx.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from ... import nodes as n
from ...diagnostics import Severity
from ...digraph import DiGraph, MultiDiGraph, strongly_connected_components
from ...graph import END, ENTRY
from ...source import Span
from ..dataflow import FlowAnalysis
from ..rule import Context, Finding, Option, Rule, head

_SUPPRESS_HINT = 'end it with `suppress "cold-contacts" revisit 180d`'


_KEYWORDS = {
    n.Repeat: "repeat",
    n.Branch: "branch",
    n.Split: "split",
    n.WaitUntil: "wait until",
    n.Experiment: "experiment",
}


def _step_span(fa: FlowAnalysis, node: str) -> Span:
    """Where a step is, only its first keyword for a block."""
    step = fa.step(node)
    if step is None and fa.g.nodes[node].get("repeat"):
        step = fa.step(fa.g.nodes[node]["repeat"])
    if step is None:
        return fa.span(node)
    word = _KEYWORDS.get(type(step))
    return head(step.span, word) if word else step.span


def _inactive_test(ctx: Context, condition: n.Condition | None) -> n.Inactive | None:
    """The `inactive for D` a condition requires: itself, a term of an `and`,
    or the same inside a segment it refers to. Under `or` or `not` it is not
    required, so it does not count."""
    stack = [condition] if condition is not None else []
    seen: set[str] = set()
    while stack:
        c = stack.pop()
        if isinstance(c, n.Inactive):
            return c
        if isinstance(c, n.And):
            stack.extend(reversed(c.items))
        elif isinstance(c, n.Ref) and c.resolved == "segment" and c.path[0] not in seen:
            seen.add(c.path[0])
            stack.append(ctx.programme.segments[c.path[0]].condition)
    return None


def reengagement_test(ctx: Context, flow: n.Flow) -> str | None:
    """Whether a flow is a re-engagement flow: an `entry` (or its `audience`)
    requires `inactive for D`. Returns a note saying so, for findings."""
    for entry in flow.entries:
        found = _inactive_test(ctx, entry.condition)
        if found is not None:
            return (
                f"`{flow.name}` counts as a re-engagement flow: its entry requires `inactive for {found.duration.text}`"
            )
    audience = n.find(flow.settings, n.Audience)
    found = _inactive_test(ctx, audience.condition) if audience is not None else None
    if found is not None:
        return (
            f"`{flow.name}` counts as a re-engagement flow: its audience requires `inactive for {found.duration.text}`"
        )
    return None


# ------------------------------------------------------------------ NUR801 --


def _unrolled(fa: FlowAnalysis) -> FlowAnalysis:
    """The flow with each `repeat` run once: the graph without the `again`
    edges that start a repeat's next run (its interval wait still leads on
    to what follows a repeat with `at most`; one without never finishes).
    What is left has loops only where a backwards `goto` closes one."""
    g: MultiDiGraph[str] = MultiDiGraph()
    for node, data in fa.g.nodes(data=True):
        g.add_node(node, **data)
    g.add_edges_from(
        (source, target, data) for source, target, data in fa.g.edges(data=True) if data["kind"] != "again"
    )
    return FlowAnalysis(fa.flow, g, fa.programme)


def _email_weights(fa: FlowAnalysis) -> tuple[dict[str, float], dict[str, tuple[n.AnyStep, ...]]]:
    """How many emails each email step of an unrolled flow (`_unrolled`) can
    send on one way through it (the product of the `at most` of the repeats around it;
    infinite inside a repeat without `at most` or a `goto` loop), and the
    loops around it."""
    weights: dict[str, float] = {}
    loops: dict[str, tuple[n.AnyStep, ...]] = {}
    stack: list[tuple[n.AnyStep, float, tuple[n.AnyStep, ...]]] = [(s, 1, ()) for s in fa.flow.steps]
    while stack:
        step, times, around = stack.pop()
        if isinstance(step, n.Touch) and step.channel == "email":
            weights[step.id] = times
            loops[step.id] = around
        inner_times, inner_around = times, around
        if isinstance(step, n.Repeat):
            inner_times = times * int(step.at_most.value) if step.at_most is not None else math.inf
            inner_around = around + (step,)
        stack.extend((child, inner_times, inner_around) for child in n.children(step))
    # A loop left in the unrolled flow is closed by a `goto` and has no
    # count: the emails on it can be sent again and again.
    g: DiGraph[str] = DiGraph()
    g.add_edges_from((source, target) for source, target in fa.g.edges() if source in fa.reachable)
    position = {node: i for i, node in enumerate(fa.order)}
    for component in strongly_connected_components(g):
        if len(component) < 2:
            continue
        gotos = tuple(
            fa.step(node) for node in sorted(component, key=position.__getitem__) if isinstance(fa.step(node), n.Goto)
        )
        for node in component:
            if node in weights:
                weights[node] = math.inf
                loops[node] = loops[node] + gotos
    return weights, loops


class ReengagementTooLong(Rule):
    """A re-engagement flow sends more than three emails on some path.

    A re-engagement sequence should be short: three honest emails at most.
    Someone who does not respond to three well-crafted attempts is not in the
    market or has moved on, and every further email hurts sender reputation
    and clutters reporting. A flow is a re-engagement flow when an `entry` (or
    its `audience`) requires `inactive for D`, directly, in an `and`, or
    through a segment. Every path counts, branches separately; a `repeat`
    counts its body `at most` times, and a `repeat` without `at most` or a
    backwards `goto` around an email has no limit at all. Source: Lacy, "How
    Do You Re-Engage Prospects Who Have Gone Cold?" (three emails at most,
    then a suppression list).

    Bad:
        flow reengage {
          entry when inactive for 90d
          repeat every 7d {              # no `at most`: emails forever
            email honest: still_useful
          }
        }

    Good:
        flow reengage {
          entry when inactive for 90d
          email honest: still_useful
          wait 7d
          email trends: trends_report
          wait 7d
          email last: close_file as ask
          wait 7d
          suppress "cold-contacts" revisit 180d
        }
    """

    code = "NUR801"
    name = "reengagement-too-long"
    family = "re-engagement"
    severity = Severity.WARNING
    options = (Option("max-emails", "int", 3, "the most emails one contact gets on any path of a re-engagement flow"),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            test = reengagement_test(ctx, flow)
            if test is None:
                continue
            limit = ctx.option(self, "max-emails", flow)
            fa = _unrolled(ctx.analysis(flow))
            weights, loops = _email_weights(fa)
            back = {(source, order) for source, _, order in fa.back_edges}
            # The most emails on any path into each node; loops are already
            # in the weights, so their closing edges are left out and one
            # pass in topological order is exact.
            values, preds = fa.forward(
                0,
                lambda node, count: count + weights.get(node, 0),
                lambda count, node, edge: None if (node, edge["order"]) in back else count,
                lambda a, b: a > b,
                passes=1,
            )
            node = next(
                (
                    node
                    for node in fa.order
                    if node in weights and node in values and values[node] + weights[node] > limit
                ),
                None,
            )
            if node is None:
                continue
            path = fa.witness(preds, node)
            notes = [test, f"the limit of {limit} comes from {ctx.option_source(self, 'max-emails', flow)}"]
            if weights[node] == math.inf:
                loop = next(
                    (r for r in reversed(loops[node]) if isinstance(r, n.Goto) or r.at_most is None), fa.step(node)
                )
                if isinstance(loop, n.Repeat):
                    path += (f"{loop.id}@wait", loop.id, node)
                    message = (
                        f"email `{node}` repeats every {loop.every.text} with no `at most`: re-engagement "
                        f"flow `{flow.name}` can email a contact without end; the limit is {limit}"
                    )
                    hint = f"give the repeat `at most N` so no path sends more than {limit} emails, then suppress"
                    span = head(loop.span, "repeat")
                else:
                    if loop.id in values:
                        path = fa.witness(preds, loop.id) + (loop.target,)
                    message = (
                        f"`{loop.id}` can send the contact round email `{node}` again and again: re-engagement "
                        f"flow `{flow.name}` can email a contact without end; the limit is {limit}"
                    )
                    hint = f"drop the `goto` loop: send at most {limit} emails, then suppress"
                    span = loop.span
                yield Finding(message, span, flow=flow.name, path=path, notes=tuple(notes), hints=(hint,))
                continue
            total = int(values[node] + weights[node])
            repeats = {r.id: r for step in path if step in loops for r in loops[step]}
            notes[1:1] = [f"`{r.id}` sends its body up to {r.at_most.text} times" for r in repeats.values()]
            yield Finding(
                f"re-engagement flow `{flow.name}` can send {total} emails on one path, up to and including "
                f"`{node}`; the limit is {limit}",
                fa.span(node),
                flow=flow.name,
                path=path,
                notes=tuple(notes),
                hints=(f"keep to {limit} honest email{'s' if limit != 1 else ''}, then {_SUPPRESS_HINT}",),
            )


# ------------------------------------------------------------------ NUR802 --


def _engaged(c: n.Condition, segments: dict[str, bool]) -> bool:
    """A condition that holds only for a contact who did something: an event
    (other than unsubscribing or bouncing) or a score threshold. `not`,
    `inactive` and who-they-are tests (role, industry, consent) do not say
    the contact came back."""
    if isinstance(c, n.EventTest):
        return c.name not in ("unsubscribed", "bounced")
    if isinstance(c, n.Ref):
        if c.resolved == "event":
            return c.path[0] not in ("unsubscribed", "bounced")
        if c.resolved == "threshold":
            return True
        if c.resolved == "segment":
            return segments.get(c.path[0], False)
        return False
    if isinstance(c, n.Compare):
        return c.resolved == "score"
    if isinstance(c, n.And):
        return any(_engaged(item, segments) for item in c.items)
    if isinstance(c, n.Or):
        return all(_engaged(item, segments) for item in c.items)
    return False


def _failed_engaged(c: n.Condition, segments: dict[str, bool]) -> bool:
    """When `c` does not hold, did the contact do something? (`not clicked`
    failing means they clicked.)"""
    return isinstance(c, n.Not) and _engaged(c.item, segments)


class ReengagementWithoutSuppress(Rule):
    """A re-engagement flow lets non-responders leave without suppressing them.

    After the last re-engagement email a contact who did not respond must go
    off active sequences and onto a suppression list, to be revisited in
    about six months if the business case justifies it; otherwise they stay
    mailable and the next campaign writes to them again. In a flow whose
    `entry` (or `audience`) requires `inactive for D`, every path a
    non-responder can walk must reach `suppress`: running off the end of the
    flow, an `exit` step, or a `move to` into another flow on such a path is
    a finding. A path counts as a non-responder's until it passes a `when`
    or `on event` arm whose condition says the contact did something (an
    event such as `clicked(any)` or a score threshold; not `not ...`,
    `inactive` or who-they-are tests), or an `else` or `on timeout` of a
    `not clicked(...)`-style test; after that, an `exit "re-engaged"` is
    fine. `exit on` triggers take responders out anyway. Source: Lacy, "How Do
    You Re-Engage Prospects Who Have Gone Cold?" (move them to a suppression
    list; revisit in six months).

    Bad:
        flow reengage {
          entry when inactive for 90d
          exit on replied within 90d, clicked(any) within 90d, unsubscribed
          email honest: still_useful
          wait 7d
          email last: close_file as ask
        }

    Good:
        flow reengage {
          entry when inactive for 90d
          exit on replied within 90d, clicked(any) within 90d, unsubscribed
          email honest: still_useful
          wait 7d
          email last: close_file as ask
          wait 7d
          suppress "cold-contacts" revisit 180d
        }
    """

    code = "NUR802"
    name = "reengagement-without-suppress"
    family = "re-engagement"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        segments = None
        for flow in ctx.flows:
            test = reengagement_test(ctx, flow)
            if test is None:
                continue
            fa = ctx.analysis(flow)
            if segments is None:
                segments = ctx.segment_facts(_engaged)

            def along(engaged: bool, node: str, edge: dict) -> bool | None:
                kind = edge["kind"]
                if engaged or kind not in ("branch", "event", "else", "timeout"):
                    return engaged
                if kind in ("branch", "event"):
                    return _engaged(edge["guard"], segments)
                step = fa.step(node)
                # what failed: every arm of a branch (`else`); the condition, or
                # every arm's event, of the wait that timed out
                tests = n.step_conditions(step)
                return any(_failed_engaged(c, segments) for c in tests)

            # The worst path into each node is one where the contact never
            # did anything: False wins.
            values, preds = fa.forward(False, lambda node, engaged: engaged, along, lambda a, b: not a and b)
            for node in fa.order:
                step = fa.step(node)
                if values.get(node) is not False or node != END and not isinstance(step, (n.ExitStep, n.MoveTo)):
                    continue
                path = fa.witness(preds, node)
                if node == END:
                    last = next((p for p in reversed(path[:-1]) if p != ENTRY), None)
                    span = _step_span(fa, last) if last else flow.name_span
                    message = (
                        f"contacts who never respond run off the end of re-engagement flow `{flow.name}` "
                        "without being suppressed"
                    )
                    hint = _SUPPRESS_HINT.replace("end it", "end the flow")
                elif isinstance(step, n.ExitStep):
                    message = (
                        f"`{node}` takes contacts who never responded out of re-engagement flow "
                        f"`{flow.name}` without suppressing them"
                    )
                    span, hint = step.span, 'suppress them instead: `suppress "cold-contacts" revisit 180d`'
                elif isinstance(step, n.MoveTo):
                    message = (
                        f"`{node}` moves contacts who never responded from re-engagement flow `{flow.name}` "
                        f"into flow `{step.flow}` instead of suppressing them"
                    )
                    span, hint = step.span, 'suppress them instead: `suppress "cold-contacts" revisit 180d`'
                yield Finding(message, span, flow=flow.name, path=path, notes=(test,), hints=(hint,))


class ExitOnOldActivity(Rule):
    """A re-engagement flow's exit or goal counts what the contact did before going quiet.

    The most effective re-engagement emails are honest about the silence,
    and they only reach contacts who have gone quiet. An event test without
    `within` counts the contact's whole history, and exit triggers apply
    from the moment of entry: in a flow whose `entry` (or `audience`)
    requires `inactive for D`, `exit on replied` takes out everyone who ever
    replied, before the first email, and `goal clicked(any)` counts everyone
    who ever clicked as re-engaged. Each event test of the contact's own
    activity in the flow's `exit on` and `goal` needs `within`; `within D`
    (the inactivity) sees nothing from before they went quiet. Source: Lacy,
    "How Do You Re-Engage Prospects Who Have Gone Cold?" (re-engage the
    contacts who went quiet, honestly).

    Bad:
        flow reengage {
          entry when inactive for 90d
          goal  clicked(any)
          exit on replied, clicked(any), unsubscribed
          email honest: still_useful
          wait 7d
          suppress "cold-contacts" revisit 180d
        }

    Good:
        flow reengage {
          entry when inactive for 90d
          goal  clicked(any) within 90d
          exit on replied within 90d, clicked(any) within 90d, unsubscribed
          email honest: still_useful
          wait 7d
          suppress "cold-contacts" revisit 180d
        }
    """

    code = "NUR803"
    name = "exit-on-old-activity"
    family = "re-engagement"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            test = reengagement_test(ctx, flow)
            if test is None:
                continue
            quiet = _quiet(ctx, flow).duration
            goal_setting = n.find(flow.settings, n.Goal)
            goal = goal_setting.condition if goal_setting else None
            for where, condition in [("exit on", c) for c in flow.exits] + ([("goal", goal)] if goal else []):
                what = (
                    "leaves the flow the moment they enter it, before the first email"
                    if where == "exit on"
                    else "counts as re-engaged the moment they enter"
                )
                for c, negated, via in _activity_tests(ctx, condition):
                    within = c.within if isinstance(c, n.EventTest) else None
                    recent = within is not None and within.seconds <= quiet.seconds
                    shown = ctx.source_text(c.span)
                    if negated:
                        who = "every contact who went quiet" if recent else "every contact who never did it"
                        message = f"`not {shown}` in `{where}` holds at entry: {who} {what}"
                        hint = "test what the contact does after going quiet, not what they have not done"
                    elif recent:
                        continue
                    elif within is None:
                        message = (
                            f"`{shown}` in `{where}` counts the contact's whole history: anyone who ever did it {what}"
                        )
                        hint = f"count only what they do after going quiet: `{shown} within {quiet.text}`"
                    else:
                        message = (
                            f"`{shown}` in `{where}` looks back {within.text}, past the {quiet.text} the "
                            f"contact was quiet: anyone who did it in that time {what}"
                        )
                        hint = f"look back no further than they were quiet: `within {quiet.text}`"
                    notes = [test]
                    if via is not None:
                        notes.append(f"through segment `{via.path[0]}`")
                    yield Finding(message, (via or c).span, flow=flow.name, notes=tuple(notes), hints=(hint,))


def _activity_tests(ctx: Context, condition: n.Condition) -> Iterator[tuple[n.Condition, bool, n.Ref | None]]:
    """The tests of the contact's own activity in a condition, segments it
    refers to included: (the test, whether a `not` is over it, the segment
    reference in `condition` it was reached through)."""
    stack: list[tuple[n.Condition, bool, n.Ref | None]] = [(condition, False, None)]
    seen: set[str] = set()
    while stack:
        c, negated, via = stack.pop()
        if isinstance(c, n.Not):
            stack.append((c.item, not negated, via))
        elif isinstance(c, (n.And, n.Or)):
            stack.extend((item, negated, via) for item in reversed(c.items))
        elif isinstance(c, n.Ref) and c.resolved == "segment":
            if c.path[0] not in seen:
                seen.add(c.path[0])
                stack.append((ctx.programme.segments[c.path[0]].condition, negated, via or c))
        elif isinstance(c, n.Ref) and c.resolved == "event":  # a bare event name: happened at least once, ever
            if c.path[0] not in _NOT_ACTIVITY:
                yield c, negated, via
        elif isinstance(c, n.EventTest) and c.name not in _NOT_ACTIVITY:
            yield c, negated, via


# `unsubscribed` is not activity that ends a silence (a contact who opted out
# stays out), and sent/bounced are not the contact's own
_NOT_ACTIVITY = ("sent", "bounced", "unsubscribed")


def _quiet(ctx: Context, flow: n.Flow) -> n.Inactive:
    """The `inactive for D` that makes a flow a re-engagement flow."""
    for entry in flow.entries:
        found = _inactive_test(ctx, entry.condition)
        if found is not None:
            return found
    audience = n.find(flow.settings, n.Audience)
    assert audience is not None  # the flow counts as re-engagement only through one
    return _inactive_test(ctx, audience.condition)


RULES: tuple[type[Rule], ...] = (ReengagementTooLong, ReengagementWithoutSuppress, ExitOnOldActivity)
