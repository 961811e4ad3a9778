"""Structure: is the flow a well-formed journey with a way in, a way out and no dead ends?

Family `structure`, codes NUR1xx.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from ... import nodes as n
from ... import webhook as hooks
from ...diagnostics import Severity, did_you_mean
from ...digraph import DiGraph, strongly_connected_components
from ...graph import END, ENTRY, TERMINAL_TYPES, programme_graph
from ...nodes import iter_steps
from ...source import Span
from ..dataflow import FlowAnalysis
from ..rule import Context, Finding, Option, Rule, head

# ---------------------------------------------------------------- helpers --


def _where(node: str) -> str:
    return "the end of the flow" if node == END else f"`{node}`"


def _reachable(fa: FlowAnalysis) -> tuple[set[str], set[str]]:
    """The nodes a contact can reach (`fa.reachable`: the graph has no way
    past a `repeat` without `at most`, which loops until the contact leaves
    the flow), and those unbounded repeats."""
    unbounded = {node for node, step in fa.steps() if isinstance(step, n.Repeat) and step.at_most is None}
    return fa.reachable, unbounded


def _shape(value: Any) -> Any:
    """A condition as a hashable value, spans and resolutions left out, so two
    conditions written alike compare equal wherever they stand."""
    if isinstance(value, n.Node):
        return (type(value).__name__,) + tuple(
            (name, _shape(getattr(value, name)))
            for name in type(value).model_fields
            if not name.endswith("span") and name != "resolved"
        )
    if isinstance(value, list):
        return tuple(_shape(item) for item in value)
    return value


def _member_values(c: n.Member) -> frozenset:
    return frozenset((v.kind, v.value) for v in c.values)


def _exhaustive(arms: list[n.BranchArm]) -> bool:
    """Whether some contact could match no arm, as far as syntax can tell:
    `X` beside `not X`, `a == v` beside `a != v`, `a in [..]` beside
    `a not in [..]` with the same list, or `not (X or Y)` beside `X` and `Y`."""
    shapes = {_shape(arm.condition) for arm in arms}
    for arm in arms:
        c = arm.condition
        if isinstance(c, n.Not):
            inner = c.item
            if _shape(inner) in shapes:
                return True
            if isinstance(inner, n.Or) and all(_shape(item) in shapes for item in inner.items):
                return True
        elif isinstance(c, n.Compare) and c.op == "==":
            if _shape(c.model_copy(update={"op": "!="})) in shapes:
                return True
        elif isinstance(c, n.Member) and not c.negated:
            for other in arms:
                o = other.condition
                if (
                    isinstance(o, n.Member)
                    and o.negated
                    and o.path == c.path
                    and _member_values(o) == _member_values(c)
                ):
                    return True
    return False


def _expand(ctx: Context, condition: n.Condition, seen: frozenset = frozenset()) -> Iterator[tuple[n.Condition, bool]]:
    """Every test in a condition with its polarity (False under an odd number
    of `not`s), segments opened up."""
    stack = [(condition, True, seen)]
    while stack:
        c, positive, opened = stack.pop()
        yield c, positive
        if isinstance(c, (n.And, n.Or)):
            stack.extend((item, positive, opened) for item in reversed(c.items))
        elif isinstance(c, n.Not):
            stack.append((c.item, not positive, opened))
        elif isinstance(c, n.Ref) and c.resolved == "segment" and c.path[0] not in opened:
            segment = ctx.programme.segments.get(c.path[0])
            if segment is not None:
                stack.append((segment.condition, positive, opened | {c.path[0]}))


def _disjuncts(ctx: Context, conditions: list[n.Condition]) -> Iterator[n.Condition]:
    """The alternatives of a list of exit triggers: each one alone takes the
    contact out. `or`s and segments that are `or`s are opened up."""
    stack = [(c, frozenset()) for c in reversed(conditions)]
    while stack:
        c, opened = stack.pop()
        if isinstance(c, n.Or):
            stack.extend((item, opened) for item in reversed(c.items))
        elif isinstance(c, n.Ref) and c.resolved == "segment" and c.path[0] not in opened:
            segment = ctx.programme.segments.get(c.path[0])
            if segment is not None:
                stack.append((segment.condition, opened | {c.path[0]}))
        else:
            yield c


def _is_event(c: n.Condition, names) -> str | None:
    """The event name if `c` tests that one of `names` happened, else None."""
    if isinstance(c, n.Ref) and c.resolved == "event" and c.path[0] in names:
        return c.path[0]
    if isinstance(c, n.EventTest) and c.name in names:
        if c.count is not None:  # only `count >= 1` / `count > 0`: the first such event
            at_once = {">=": 1, ">": 0}.get(c.count_op)
            if at_once is None or c.count.value > at_once:
                return None
        return c.name
    return None


def _exits_span(flow: n.Flow) -> Span:
    """The exit triggers on the line of the first one."""
    first = flow.exits[0].span
    last = first
    for c in flow.exits[1:]:
        if c.span.file == first.file and c.span.line == first.line and c.span.end_line == first.line:
            last = c.span
    return Span(first.file, first.line, first.column, last.end_line, last.end_column)


# ------------------------------------------------------------------ rules --


class UnreachableStep(Rule):
    """A step no contact can reach.

    Steps after `exit`, `handoff`, `suppress` or `move to` in the same block
    never run, nor do steps after a `goto`, after a `branch`, `split` or
    `wait until` whose every arm ends the flow, or after a `repeat` without
    `at most` (it loops until the contact leaves). Such steps are usually a
    leftover of an edit, or a sign that the flow does not do what its author
    thinks: a follow-up that was meant to run never does. Each unreachable
    run of steps is reported once, at its first step; a step that a `goto`
    targets is reachable. Source: neither article; it rests on ordinary
    program checking: a step nothing can reach is a leftover or a bug, as
    unreachable code is in any language.

    Bad:
        flow ghost {
          entry on attended("demo")
          goal    booked("demo")
          exit on unsubscribed, replied, booked("demo")
          email case_study: case_study
          wait 7d
          exit "done"
          email close: close_file as ask   # never sent
        }

    Good:
        flow ghost {
          entry on attended("demo")
          goal    booked("demo")
          exit on unsubscribed, replied, booked("demo")
          email case_study: case_study
          wait 7d
          email close: close_file as ask
          exit "done"
        }
    """

    code = "NUR101"
    name = "unreachable-step"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            reachable, unbounded = _reachable(fa)
            # Walk every block: a step is reported when it is unreachable but
            # the point just before it (the previous step, or the start of
            # its block) is reachable.
            stack: list[tuple[list[n.AnyStep], bool]] = [(flow.steps, True)]
            while stack:
                body, before = stack.pop()
                previous: n.AnyStep | None = None
                for index, step in enumerate(body):
                    here = step.id in reachable
                    if not here and before:
                        yield self._finding(ctx, flow, fa, body, index, previous, reachable, unbounded)
                    for child in [body for body in n.bodies(step) if body]:
                        stack.append((child, here))
                    before = here
                    previous = step

    def _finding(self, ctx, flow, fa, body, index, previous, reachable, unbounded) -> Finding:
        step = body[index]
        run = []
        for later in body[index:]:
            if later.id in reachable:
                break
            run.append(later)
        more = sum(1 for s in iter_steps(run) if s.id not in reachable) - 1
        related = ()
        if previous is None:
            why = "no path from the entry reaches it"
        else:
            related = ((head(previous.span, n.keyword(previous)), "no contact gets past this step"),)
            if isinstance(previous, n.Goto):
                why = f"`{previous.id}` before it jumps to `{previous.target}`"
            elif previous.type in TERMINAL_TYPES:
                what = {
                    "exit": "ends the contact's time in the flow",
                    "handoff": "hands the contact to a team",
                    "suppress": "puts the contact on a suppression list",
                    "move_to": "moves the contact to another flow",
                }[previous.type]
                why = f"`{previous.id}` before it {what}"
            elif previous.id in unbounded:
                why = f"`{previous.id}` before it has no `at most`, so it repeats until the contact leaves the flow"
            else:
                why = f"every way through `{previous.id}` before it ends the flow or jumps away"
        tail = (
            ""
            if more <= 0
            else " (nor can the step after it)"
            if more == 1
            else f" (nor can the {more} steps after it)"
        )
        hints = ("remove the steps that can never run, or move them before the step that ends the path",)
        if previous is not None and previous.id in unbounded:
            hints = (f"give `{previous.id}` an `at most` so the flow carries on after it",)
        return Finding(
            f"step `{step.id}` can never run{tail}: {why}",
            head(step.span, n.keyword(step)),
            related=related,
            hints=hints,
        )


class LoopWithoutWait(Rule):
    """A loop a contact can go round without any time passing.

    A backwards `goto` that reaches the step it jumps to again with no wait
    on the way loops at machine speed: the contact gets the loop's touches
    over and over within seconds, or the runner spins until it gives up.
    Every loop needs a `wait` (or a `wait until ... up to` that times out) on
    every way round it; `repeat every` always has one. An `on event` arm of a
    `wait until` counts as no wait, because event tests look at the
    contact's whole history: a contact who replied once passes `wait until
    replied` at once, every time round. Source: Vanderbuild, "Contact
    Frequency" (contacting too often is perceived as spam); a loop with no
    wait is also a plain program fault.

    Bad:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on unsubscribed, replied, booked("demo")
          email reminder: trends_report
          branch {
            when not opened(reminder) { goto reminder }   # resent at once
            else { }
          }
        }

    Good:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on unsubscribed, replied, booked("demo")
          email reminder: trends_report
          wait 7d
          branch {
            when not opened(reminder) { goto reminder }
            else { }
          }
        }
    """

    code = "NUR102"
    name = "loop-without-wait"
    family = "structure"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            reachable = fa.reachable
            instant: DiGraph[str] = DiGraph()
            for node in reachable:
                instant.add_node(node)
                for target, data in fa.successors(node):
                    # a `wait for` arm needs a new event from the contact: no loop spins through it
                    if fa.delays(node, data)[0] == 0 and not data.get("fresh") and target in reachable:
                        instant.add_edge(node, target, kind=data["kind"])
            rank = {node: i for i, node in enumerate(fa.order)}
            tree: dict[str, str] | None = None
            for component in strongly_connected_components(instant):
                if len(component) == 1:
                    (only,) = component
                    if not instant.has_edge(only, only):
                        continue
                head = min(component, key=lambda node: rank.get(node, len(rank)))
                cycle = _cycle(instant, component, head)
                if tree is None:
                    tree = _bfs_tree(fa, reachable)
                yield self._finding(ctx, flow, fa, instant, cycle, tree)

    def _finding(self, ctx, flow, fa, instant, cycle, tree) -> Finding:
        head = cycle[0]
        edges = list(zip(cycle, cycle[1:]))
        closing = next((u for u, v in edges if instant.edges[u, v]["kind"] == "goto"), edges[-1][0])
        step = fa.step(closing)
        touches = [node for node in cycle[:-1] if isinstance(fa.step(node), n.Touch)]
        sends = ""
        if touches:
            sends = ", sending " + ", ".join(f"`{t}`" for t in touches[:3]) + (" and more" if len(touches) > 3 else "")
            sends += " each time round"
        if isinstance(step, n.Goto) and step.target == closing:
            message = f"`{closing}` jumps to itself: a contact goes round it forever without any time passing"
            span = step.span
        elif isinstance(step, n.Goto):
            message = (
                f"`{closing}` jumps back to `{step.target}` with no wait on the way: a contact can go "
                f"round this loop without any time passing{sends}"
            )
            span = step.span
        else:
            message = f"a contact can go round the loop through `{head}` without any time passing{sends}"
            span = fa.span(closing)
        notes = []
        for u, v in edges:
            if instant.edges[u, v]["kind"] == "event":
                wait = fa.step(u)
                condition = ctx.source_text(wait.condition.span) or "its condition"
                notes.append(
                    f"`{u}` is no wait here: `{condition}` may already be in the contact's history, "
                    f"so its `on event` arm runs at once"
                )
        prefix = [head]
        while prefix[-1] in tree:
            prefix.append(tree[prefix[-1]])
        prefix = tuple(reversed(prefix))
        return Finding(
            message,
            span,
            flow=flow.name,
            path=prefix + tuple(cycle[1:]),
            notes=tuple(notes),
            hints=("put a `wait` on every way round the loop, or write it as `repeat every D at most N { ... }`",),
        )


def _cycle(g: DiGraph[str], component: set[str], head: str) -> list[str]:
    """One cycle through `head` inside a strongly connected component, by a
    breadth-first search: head, ..., head."""
    preds: dict[str, str] = {}
    queue = deque([head])
    seen = set()
    while queue:
        node = queue.popleft()
        for target in g.successors(node):
            if target not in component:
                continue
            if target == head:
                path = [node]
                while path[-1] != head:
                    path.append(preds[path[-1]])
                return list(reversed(path)) + [head]
            if target not in seen:
                seen.add(target)
                preds[target] = node
                queue.append(target)
    return [head, head]  # pragma: no cover - a component always has a cycle


def _bfs_tree(fa: FlowAnalysis, reachable: set[str]) -> dict[str, str]:
    """Each reachable node's predecessor on a shortest path from the entry,
    for witnesses."""
    preds: dict[str, str] = {}
    queue = deque([ENTRY])
    seen = {ENTRY}
    while queue:
        node = queue.popleft()
        for target, _ in fa.successors(node):
            if target in reachable and target not in seen:
                seen.add(target)
                preds[target] = node
                queue.append(target)
    return preds


class NoExitTriggers(Rule):
    """A flow with no `exit on` at all.

    Every flow needs exit triggers: automation must react to what the
    contact does in real time, or it keeps sending nurture email to someone
    who has just booked a demo, bought, replied or opted out. Without `exit
    on`, a contact leaves only at the end of the flow or at an `exit` step.
    Source: Vanderbuild, "What to automate in lead nurturing?" ("Always build
    exit triggers into your workflows").

    Bad:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          email welcome: blog_post
        }

    Good:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on replied, booked("demo"), unsubscribed
          email welcome: blog_post
        }
    """

    code = "NUR103"
    name = "no-exit-triggers"
    family = "structure"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            if flow.exits:
                continue
            yield Finding(
                f"flow `{flow.name}` has no exit triggers: a contact who books, buys, replies or unsubscribes "
                f"keeps getting its touches",
                flow.name_span,
                hints=(
                    'add `exit on unsubscribed, replied, booked("demo")` (with the events that mean this flow '
                    "has done its job)",
                ),
            )


class MissingUnsubscribeExit(Rule):
    """The exit triggers do not include `unsubscribed`.

    A contact who opts out must leave every flow at once: an easy way to
    unsubscribe that is honoured is what separates nurture from spam, and
    under GDPR and CAN-SPAM a message after an opt-out is a breach. The
    trigger must be `unsubscribed` on its own (or an `or` alternative):
    `unsubscribed and icp` lets the others stay. Flows with no exit triggers
    at all are NUR103's. Source: Vanderbuild, FAQ "How do you distinguish lead
    nurturing from spam?" (an easy way to unsubscribe) and "What to automate
    in lead nurturing?" (exit triggers).

    Bad:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on replied, booked("demo")
          email welcome: blog_post
        }

    Good:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on replied, booked("demo"), unsubscribed
          email welcome: blog_post
        }
    """

    code = "NUR104"
    name = "missing-unsubscribe-exit"
    family = "structure"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            if not flow.exits:
                continue
            if any(_is_event(c, ("unsubscribed",)) and not _narrowed(c) for c in _disjuncts(ctx, flow.exits)):
                continue
            partial = [
                c
                for c, positive in (pair for e in flow.exits for pair in _expand(ctx, e))
                if positive and _is_event(c, ("unsubscribed",))
            ]
            notes = ()
            if partial:
                written = ctx.source_text(partial[0].span) or "unsubscribed"
                notes = (
                    f"`{written}` only takes some of them out: it is combined with other tests, "
                    f"or limited to some events",
                )
            yield Finding(
                f"flow `{flow.name}` does not exit on `unsubscribed`: a contact who opts out keeps getting its touches",
                _exits_span(flow),
                notes=notes,
                hints=("add `unsubscribed` to `exit on`",),
            )


def _narrowed(c: n.Condition) -> bool:
    """An unsubscribe test limited to one kind of unsubscribe."""
    return isinstance(c, n.EventTest) and any(arg.kind != "any" for arg in c.args)


_CONVERSIONS = Option(
    "conversions",
    "words",
    ("booked", "replied", "purchased", "submitted"),
    "events that mean the contact converted; a score threshold also counts",
)


class MissingConversionExit(Rule):
    """The exit triggers include no conversion.

    A nurture flow exists to move a contact to the next step; once they
    take it (book a demo, reply, buy, submit a form) the flow must stop, or
    it keeps nurturing someone who is already in a sales conversation, and
    the next email reads as if nobody noticed. An exit on a conversion event
    (option `conversions`) or on a score threshold (`lead.sql`: the contact
    is handed to sales) counts. Source: Vanderbuild, "What to automate in lead
    nurturing?" and FAQ "Can I automate my entire lead nurturing process?"
    (exit triggers for real-time actions such as booking a demo or making a
    purchase).

    Bad:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on unsubscribed
          email welcome: blog_post
        }

    Good:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on unsubscribed, replied, booked("demo"), lead.sql
          email welcome: blog_post
        }
    """

    code = "NUR105"
    name = "missing-conversion-exit"
    family = "structure"
    severity = Severity.WARNING
    options = (_CONVERSIONS,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            if not flow.exits:
                continue
            words = tuple(ctx.option(self, "conversions", flow))
            if any(
                positive and (_is_event(c, words) or _is_qualification(c))
                for e in flow.exits
                for c, positive in _expand(ctx, e)
            ):
                continue
            source = ctx.option_source(self, "conversions", flow)
            listed = ", ".join(f"`{w}`" for w in words) or "none"
            yield Finding(
                f"flow `{flow.name}` has no exit on a conversion: a contact who books, replies or buys keeps "
                f"getting nurture touches",
                _exits_span(flow),
                notes=(f"conversion events: {listed} (from {source}), or a score threshold",),
                hints=('add the event that means this flow worked to `exit on`, e.g. `booked("demo")` or `lead.sql`',),
            )


def _is_qualification(c: n.Condition) -> bool:
    """A score threshold, or a score compared from below: the contact
    qualified and sales takes over."""
    if isinstance(c, n.Ref) and c.resolved == "threshold":
        return True
    return isinstance(c, n.Compare) and c.resolved == "score" and c.op in (">", ">=")


class NoGoal(Rule):
    """A flow without a `goal`.

    A flow without a stated goal cannot be measured: the goal is what
    re-conversion rate, MQL-to-SQL rate and pipeline influence are counted
    against, and what tells a reviewer whether each touch earns its place.
    Say what success is (`goal booked("demo")`), and list it under `exit on`
    too if reaching it should end the flow. Source: Lacy, "What Metrics Should
    You Track in a B2B Nurture Programme?" (pipeline contribution and close
    rate, not opens); Vanderbuild, "Designing Communication Scenarios" (a
    clearly defined goal for each stage) and "How to measure lead nurturing
    effectiveness?".

    Bad:
        flow inbound {
          entry on downloaded("resource")
          exit on unsubscribed, booked("demo")
          email welcome: blog_post
        }

    Good:
        flow inbound {
          entry on downloaded("resource")
          goal    booked("demo")
          exit on unsubscribed, booked("demo")
          email welcome: blog_post
        }
    """

    code = "NUR106"
    name = "no-goal"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            if n.find(flow.settings, n.Goal) is not None:
                continue
            yield Finding(
                f"flow `{flow.name}` has no `goal`: there is nothing to measure it against",
                flow.name_span,
                hints=('say what success is, e.g. `goal booked("demo")`',),
            )


class BranchNotExhaustive(Rule):
    """A `branch` without `else` whose arms may not cover every contact.

    Without `else`, a contact who matches no arm goes straight on to the
    step after the branch, silently: a persona branch for technical and
    economic buyers sends nothing at all to everyone else. Say what they
    get, or write an empty `else { }` to show that carrying on is meant.
    Arms that cover everyone by their form (`X` and `not X`, `a == v` and
    `a != v`, `a in [...]` and `a not in [...]` with the same list) need no
    `else`. Source: Vanderbuild, "Mistake 1: The One-Size-Fits-All Content
    Trap" ("Branch the logic" by persona tag); Lacy, "How Should You Segment a
    B2B Nurture Database?".

    Bad:
        branch {
          when technical { email tech_proof: api_docs }
          when economic  { email biz_proof: roi_story }
        }

    Good:
        branch {
          when technical { email tech_proof: api_docs }
          when economic  { email biz_proof: roi_story }
          else           { linkedin follow }
        }
    """

    code = "NUR107"
    name = "branch-not-exhaustive"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            reachable, _ = _reachable(fa)
            for step in iter_steps(flow.steps):
                if not isinstance(step, n.Branch) or step.otherwise is not None or step.id not in reachable:
                    continue
                if _exhaustive(step.arms):
                    continue
                after = next((target for target, data in fa.successors(step.id) if data["kind"] == "else"), END)
                tests = [ctx.source_text(arm.condition.span) for arm in step.arms]
                if len(tests) == 1 and tests[0]:
                    who = f"contacts who do not match `{tests[0]}`"
                elif all(tests) and len(tests) <= 3:
                    who = "contacts who match none of " + ", ".join(f"`{t}`" for t in tests)
                else:
                    who = "contacts who match no arm"
                yield Finding(
                    f"`{step.id}` has no `else`: {who} fall through to {_where(after)} silently",
                    head(step.span, "branch"),
                    hints=("add `else { ... }` for them, or an empty `else { }` if carrying on is intended",),
                )


class EmptyBranchArm(Rule):
    """A `when` arm, a split arm, or an `on event`/`on timeout` block with no steps.

    An empty arm is usually a step that was never written or was deleted:
    contacts sent down it get nothing from it and carry on after the block.
    An empty `on event` or `on timeout` block is the same as leaving it
    out (a `wait for`'s empty `on EVENT { }` is not, and is not reported:
    it ends the wait when its event comes). Two empty blocks are idiomatic and not reported: `else { }` (the
    explicit "otherwise carry on" that NUR107 asks for) and a named split
    arm such as `10% "control" { }` (a hold-out group). Source: neither
    article; it rests on code review: an empty block is usually a step never
    written or half deleted.

    Bad:
        branch {
          when technical { }
          else           { email biz_proof: roi_story }
        }

    Good:
        branch {
          when technical { email tech_proof: api_docs }
          else           { email biz_proof: roi_story }
        }
    """

    code = "NUR108"
    name = "empty-branch-arm"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            for step in iter_steps(flow.steps):
                if isinstance(step, n.Branch):
                    for index, arm in enumerate(step.arms):
                        if arm.steps:
                            continue
                        test = ctx.source_text(arm.condition.span)
                        later = any(a.steps for a in step.arms[index + 1 :]) or bool(step.otherwise)
                        what = f"contacts who match `{test}`" if test else "contacts who match it"
                        effect = (
                            "skip the later arms and get nothing here"
                            if later
                            else "get nothing here, as if the arm were not there"
                        )
                        yield Finding(
                            f"this `when` arm of `{step.id}` is empty: {what} {effect}",
                            head(arm.span, "when"),
                            hints=(
                                "add the steps these contacts should get; if they are meant to get nothing, "
                                "test for the others instead"
                                + (f" (e.g. `when not {test} {{ ... }}`)" if test and " " not in test else ""),
                            ),
                        )
                elif isinstance(step, n.Split):
                    for arm in step.arms:
                        if arm.steps or arm.name:
                            continue
                        yield Finding(
                            f"a {arm.percent_text} arm of `{step.id}` is empty: those contacts get nothing here",
                            Span(
                                arm.span.file,
                                arm.span.line,
                                arm.span.column,
                                arm.span.line,
                                arm.span.column + len(arm.percent_text),
                            ),
                            hints=(
                                "add its steps; for a hold-out group, name the arm: "
                                f'`{arm.percent_text} "control" {{ }}`',
                            ),
                        )
                elif isinstance(step, n.WaitUntil):
                    for word, body, span in (
                        ("on event", step.on_event, step.on_event_span),
                        ("on timeout", step.on_timeout, step.on_timeout_span),
                    ):
                        if body is None or body or span is None:
                            continue
                        yield Finding(
                            f"the `{word}` block of `{step.id}` is empty: it is the same as leaving it out",
                            head(span, word),
                            hints=(f"add its steps, or remove the empty `{word} {{ }}`",),
                        )
                elif isinstance(step, n.WaitFor):
                    # An empty event arm is not: it stops the wait when its event comes.
                    span = step.on_timeout_span
                    if step.on_timeout == [] and span is not None:
                        yield Finding(
                            f"the `on timeout` block of `{step.id}` is empty: it is the same as leaving it out",
                            head(span, "on timeout"),
                            hints=("add its steps, or remove the empty `on timeout { }`",),
                        )


class UnreachableFlow(Rule):
    """A flow no contact can enter.

    A flow without `entry` is entered only through `move to`, from a step of
    another flow or from a score threshold. When nothing moves contacts into
    it (or only flows that no contact can enter do), the flow is dead: its
    content is maintained, reviewed and counted for nothing. Source:
    Vanderbuild, "Mistake 5: Setting and Forgetting Your Sequences" (every
    sequence is audited quarterly, this one for nothing); otherwise a
    dead-code check, like NUR101.

    Bad:
        flow followup {
          goal    booked("demo")
          exit on unsubscribed, booked("demo")
          email video: loom_video
        }

    Good:
        flow followup {
          entry on attended("webinar")
          goal    booked("demo")
          exit on unsubscribed, booked("demo")
          email video: loom_video
        }
    """

    code = "NUR109"
    name = "unreachable-flow"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.is_library:
            return
        g = programme_graph(ctx.programme)
        sources = [
            node
            for node, data in g.nodes(data=True)
            if "threshold" in data or ("flow" in data and data["flow"].entries)
        ]
        live = set(sources)
        queue = deque(sources)
        while queue:
            node = queue.popleft()
            for target in g.successors(node):
                if target not in live:
                    live.add(target)
                    queue.append(target)
        for flow in ctx.flows:
            if flow.name in live:
                continue
            movers = sorted({source for source in g.predecessors(flow.name) if source != flow.name})
            if movers:
                names = ", ".join(f"`{m}`" for m in movers)
                message = (
                    f"flow `{flow.name}` can never be entered: it has no `entry`, and only "
                    f"{'flow ' if len(movers) == 1 else 'flows '}{names}, which no contact can enter "
                    f"either, {'moves' if len(movers) == 1 else 'move'} contacts into it"
                )
            else:
                message = (
                    f"flow `{flow.name}` can never be entered: it has no `entry`, and no `move to` "
                    f"or score threshold moves contacts into it"
                )
            yield Finding(
                message,
                flow.name_span,
                hints=(
                    f"add an `entry`, or `move to {flow.name}` from a flow or a threshold; "
                    f"remove the flow if it is no longer used",
                ),
            )


# ------------------------------------------------------------ orphan files --


class OrphanFile(Rule):
    """A flow file that no file imports, beside a programme file that imports the others.

    A programme is the file you compile and everything it imports; the IR,
    the simulator and `render` see nothing else. When a folder has a
    programme file, one that defines no flow itself and gathers the flow
    files with `import` (`programme.nurture`), a flow file that no file
    imports is in no programme: its flows never run, however well written,
    and nothing else says so, since `check` passes a correct file whether or
    not it is imported. Usually the import was forgotten when the file was
    added. The rule judges the files of the run, those named and what they
    import, so it needs the programme file in the run: lint the whole
    folder, as CI does. A folder of playbooks that each stand alone (no
    programme file) is never reported. The examples below are folders: each
    `# file:` line starts a file. Source:
    neither article; it rests on how imports make a programme
    (docs/language.md, "Files and imports").

    Bad:
        # file: programme.nurture
        import "inbound.nurture"

        # file: inbound.nurture
        import "content.nurture"
        flow inbound {
          entry on downloaded("guide")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          email welcome: blog_post
        }

        # file: webinar.nurture
        # added last week; programme.nurture was not told
        import "content.nurture"
        flow webinar {
          entry on attended("webinar")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          email video: loom_video
        }

    Good:
        # file: programme.nurture
        import "inbound.nurture"
        import "webinar.nurture"

        # file: inbound.nurture
        import "content.nurture"
        flow inbound {
          entry on downloaded("guide")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          email welcome: blog_post
        }

        # file: webinar.nurture
        import "content.nurture"
        flow webinar {
          entry on attended("webinar")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          email video: loom_video
        }
    """

    code = "NUR110"
    name = "orphan-file"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        import os

        run = ctx.run
        me = os.path.realpath(ctx.programme.path)
        if me not in run.flow_files or any(me in targets for source, targets in run.imports.items() if source != me):
            return
        imported = set().union(*run.imports.values())
        programmes = []  # programme files: roots with no flows of their own that import flow files
        for root in sorted(run.imports, key=lambda f: run.displays.get(f, f)):
            if root != me and root not in imported and root not in run.flow_files:
                gathered = self._flow_files_under(run, root)
                if gathered:
                    programmes.append((root, gathered))
        if not programmes:
            return
        flows = sorted(
            (f for f in ctx.flows if os.path.realpath(f.span.file) == me), key=lambda f: (f.span.line, f.span.column)
        )
        if not flows:
            return
        names = ", ".join(f"`{f.name}`" for f in flows)
        shown = os.path.basename(ctx.programme.path)
        message = (
            f"flow {names} is in no programme: no file imports `{shown}`"
            if len(flows) == 1
            else f"flows {names} are in no programme: no file imports `{shown}`"
        )
        notes = []
        for root, gathered in programmes[:3]:
            others = sorted(run.displays.get(f, f) for f in gathered)
            listed = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            notes.append(
                f"{run.displays.get(root, root)} imports the flow file{'s' if len(others) != 1 else ''} "
                f"{listed}, but not this one"
            )
        root = programmes[0][0]
        where = os.path.relpath(me, os.path.dirname(root)).replace(os.sep, "/")
        target = run.displays.get(root, root) if len(programmes) == 1 else "the programme it belongs to"
        yield Finding(
            message,
            flows[0].name_span,
            notes=tuple(notes),
            hints=(f'add `import "{where}"` to {target}, or delete this file if its flows are retired',),
        )

    @staticmethod
    def _flow_files_under(run, start: str) -> list[str]:
        """The files with flows that `start` imports, directly or not, other than itself."""
        seen, stack, found = {start}, [start], []
        while stack:
            for target in run.imports.get(stack.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
                    if target in run.flow_files:
                        found.append(target)
        return found


class WebhookUnknownPlaceholder(Rule):
    r"""A webhook's URL or body has a placeholder that names no attribute.

    A `{path}` in a webhook's URL or body is filled in with the contact's
    attribute of that name when the runner makes the call. A placeholder
    that names no declared or built-in attribute (a typo, or an attribute
    another system has) has nothing to be filled in with, so the receiving
    end gets an empty or literal value and nothing fails loudly. Declare the
    attribute (`attribute crm.id: string`) or fix the name. Source: neither
    article; it rests on what a webhook's placeholders mean (docs/ir.md,
    "Webhooks").

    Bad:
        flow inbound {
          entry on downloaded("guide")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          webhook post "https://hooks.acme.example/lead" body "{\"email\": \"{emial}\"}"
        }

    Good:
        flow inbound {
          entry on downloaded("guide")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          webhook post "https://hooks.acme.example/lead" body "{\"email\": \"{email}\"}"
        }
    """

    code = "NUR111"
    name = "webhook-unknown-placeholder"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        known = ctx.programme.attributes
        for flow in ctx.flows:
            for step in iter_steps(flow.steps):
                if not isinstance(step, n.Webhook):
                    continue
                for part, text, span in (("URL", step.url, step.url_span), ("body", step.body, step.body_span)):
                    for path, _ in hooks.placeholders(text or ""):
                        if path in known:
                            continue
                        yield Finding(
                            f"placeholder `{{{path}}}` in the {part} of webhook `{step.id}` names no attribute",
                            span or step.span,
                            flow=flow.name,
                            hints=did_you_mean(path, known)
                            + (f"declare it with `attribute {path}: string`, or fix the name",),
                        )


RULES: tuple[type[Rule], ...] = (
    UnreachableStep,
    LoopWithoutWait,
    NoExitTriggers,
    MissingUnsubscribeExit,
    MissingConversionExit,
    NoGoal,
    BranchNotExhaustive,
    EmptyBranchArm,
    UnreachableFlow,
    OrphanFile,
    WebhookUnknownPlaceholder,
)
