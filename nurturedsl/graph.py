"""Each flow as a state graph: the form lint, render and compile consume.

A flow is a `digraph.MultiDiGraph` (a directed graph that may hold two
edges between the same nodes, as two empty branch arms do). Nodes are step ids
plus `@entry` and `@end`; each node carries `type`, `step` (its syntax node,
or None) and `span`. Each edge is one transition, with:

- `kind`: next, branch, else, split, event, timeout, loop, again, done, goto
- `guard`: the condition that must hold (branch arms, `on event`), or None
- `delay`: seconds the contact waits before taking it (waits, time-outs);
  0 on a calendar wait's `next`, whose wait depends on the clock
  (`min_delay` 0, `max_delay` a day, a week, or for ever for a date)
- `min_delay`, `max_delay`: the shortest and longest time a contact can
  spend on it (an `on event` arm: from at once to the time-out, or for ever)
- `weight`: the share of contacts, for split arms (and an experiment's,
  which are `split` edges too: each with its arm's name as `label`)
- `order`: the position among the node's transitions, for stable output
- `fresh`: True on a `wait for` arm, taken only for an event recorded after
  the contact arrived: never at once on the history, so a loop through it
  waits for the contact to act

Steps that end the contact's time in the flow (`exit`, `handoff`,
`suppress`, `move to`) have no outgoing edges; falling off the end of the
body goes to `@end`.

A `repeat` runs its body at once, so the graph holds no way past it that
skips the body: `repeat` --loop--> body --> `<id>@wait` (a wait node of its
own; no step name holds an `@`) --again, `every`--> `repeat`, and, for a
repeat with `at most N`, `<id>@wait` --done, `every`--> what follows, taken
after the N-th run (the `again` edge is taken N-1 times; both carry
`bound` = N). A repeat without `at most` has no `done` edge: it runs until
the contact leaves the flow, so what follows it is unreachable. Every
analysis reads these edges as they are; only a runner counts loops, and
`transitions` gives the runner's view, the compiled IR's (see docs/ir.md).
Each node inside a repeat's body (and its wait) carries `loop`: the
innermost repeat it belongs to.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from typing_extensions import assert_never

from . import nodes as n
from . import units
from .digraph import DiGraph, MultiDiGraph
from .model import Programme
from .nodes import iter_steps

ENTRY = "@entry"
END = "@end"
TERMINAL_TYPES = ("exit", "handoff", "suppress", "move_to")  # node types without a way on

# every edge's `kind`: code that tells kinds apart matches on all of them
# (with assert_never), so a new kind is a type error there, not a silent default
EdgeKind = Literal["next", "event", "timeout", "branch", "else", "split", "loop", "again", "done", "goto"]

# A node's or an edge's attributes, as the graph keeps them: the keys are
# the ones listed above, their values of as many types.
Attrs = dict[str, Any]


class _FlowBuilder:
    def __init__(self, flow: n.Flow):
        self.flow = flow
        self.g: MultiDiGraph[str] = MultiDiGraph(flow=flow.name)

    def edge(
        self,
        source: str,
        target: str,
        kind: EdgeKind,
        *,
        guard: n.Condition | None = None,
        delay: float = 0,
        min_delay: float | None = None,
        max_delay: float | None = None,
        weight: float | None = None,
        label: str | None = None,
        bound: int | None = None,
        fresh: bool = False,
    ) -> None:
        """An edge; `min_delay` and `max_delay` are `delay` unless given."""
        order = self.g.out_degree(source)
        self.g.add_edge(
            source,
            target,
            kind=kind,
            guard=guard,
            delay=delay,
            min_delay=delay if min_delay is None else min_delay,
            max_delay=delay if max_delay is None else max_delay,
            weight=weight,
            label=label,
            bound=bound,
            fresh=fresh,
            order=order,
        )

    def build(self) -> MultiDiGraph[str]:
        self.g.add_node(ENTRY, type="entry", step=None, span=self.flow.span)
        self.g.add_node(END, type="end", step=None, span=self.flow.span)
        first = self.body(self.flow.steps, END, None)
        self.edge(ENTRY, first, "next")
        return self.g

    def body(self, steps: list[n.AnyStep], continuation: str, loop: str | None) -> str:
        """Add `steps` so that the last one leads to `continuation`; return the
        id of the first (or `continuation` for an empty body). `loop` is the
        innermost repeat they are inside, or None."""
        for step in reversed(steps):
            self.step(step, continuation, loop)
            continuation = step.id
        return continuation

    def step(self, step: n.AnyStep, after: str, loop: str | None) -> None:
        g = self.g
        g.add_node(step.id, type=n.node_type(step), step=step, span=step.span, loop=loop)
        match step:
            case n.Wait():
                self.edge(step.id, after, "next", delay=step.duration.seconds)
            case n.WaitUntil():
                timeout = step.timeout.seconds if step.timeout is not None else math.inf
                self.edge(
                    step.id,
                    self.body(step.on_event or [], after, loop),
                    "event",
                    guard=step.condition,
                    min_delay=0,
                    max_delay=timeout,
                )
                if step.timeout is not None:
                    self.edge(step.id, self.body(step.on_timeout or [], after, loop), "timeout", delay=timeout)
            case n.WaitCalendar():
                self.edge(step.id, after, "next", min_delay=0, max_delay=calendar_max_delay(step))
            case n.WaitFor():
                timeout = step.timeout.seconds if step.timeout is not None else math.inf
                for path in step.arms:
                    target = self.body(path.steps, after, loop)
                    self.edge(step.id, target, "event", guard=path.event, min_delay=0, max_delay=timeout, fresh=True)
                if step.timeout is not None:
                    self.edge(step.id, self.body(step.on_timeout or [], after, loop), "timeout", delay=timeout)
            case n.Branch():
                for arm in step.arms:
                    self.edge(step.id, self.body(arm.steps, after, loop), "branch", guard=arm.condition)
                self.edge(
                    step.id,
                    self.body(step.otherwise or [], after, loop),
                    "else",
                    label=None if step.otherwise is not None else "no arm matched",
                )
            case n.Split():
                for share in step.arms:
                    self.edge(
                        step.id, self.body(share.steps, after, loop), "split", weight=share.percent, label=share.name
                    )
            case n.Experiment():
                # the arms are a split's: before the decision a contact takes
                # one at random in these shares, after it the winner's
                for choice in step.arms:
                    self.edge(
                        step.id, self.body(choice.steps, after, loop), "split", weight=choice.percent, label=choice.name
                    )
            case n.Repeat():
                wait_id = repeat_wait(step.id)
                bound = int(step.at_most.value) if step.at_most is not None else None
                g.nodes[step.id].update(after=after, wait=wait_id, bound=bound)
                g.add_node(wait_id, type="wait", step=None, span=step.span, repeat=step.id, loop=step.id)
                self.edge(step.id, self.body(step.steps, wait_id, step.id), "loop")
                self.edge(wait_id, step.id, "again", delay=step.every.seconds, bound=bound)
                if bound is not None:
                    self.edge(wait_id, after, "done", delay=step.every.seconds, bound=bound)
            case n.Goto():
                self.edge(step.id, step.target, "goto")
            case n.MoveTo() | n.Suppress() | n.Handoff() | n.ExitStep():
                pass  # the contact's time in the flow ends here: no way on
            case n.Touch() | n.TagStep() | n.SetStep():
                self.edge(step.id, after, "next")
            case n.Webhook() | n.ScoreChange():
                self.edge(step.id, after, "next")
            case _:
                assert_never(step)


def calendar_max_delay(step: n.WaitCalendar) -> float:
    """The longest a calendar wait can hold a contact: a day for a time of
    day, the widest gap between allowed days for days (a week for one day,
    3d for `mon..fri`: Friday just after the time to Monday), unknown (for
    ever, to every analysis) for a date. The shortest is always none: the moment may be
    just ahead, or (a date) already past."""
    if step.date is not None:
        return math.inf
    if not step.days or any(d.text not in units.DAYS for d in step.days):
        return units.DAY  # a time of day (unknown days are the checker's error)
    allowed = [units.day_index(d) for d in units.expand_days("range", [step.days[0].text, step.days[-1].text])]
    # just after the time on an allowed day, the wait is the gap to the next one
    return max((later - day) % 7 or 7 for day, later in zip(allowed, allowed[1:] + allowed[:1])) * units.DAY


def flow_graph(flow: n.Flow) -> MultiDiGraph[str]:
    """The state graph of one checked flow."""
    return _FlowBuilder(flow).build()


def repeat_wait(repeat: str) -> str:
    """The id of a repeat's own interval wait node."""
    return f"{repeat}@wait"


def edges(g: MultiDiGraph[str], node: str) -> list[tuple[str, Attrs]]:
    """A node's outgoing edges in source order: what analyses read."""
    out = [(target, data) for _, target, data in g.out_edges(node, data=True)]
    return sorted(out, key=lambda item: item[1]["order"])


def transitions(g: MultiDiGraph[str], node: str) -> list[tuple[str, Attrs]]:
    """A node's transitions as a runner takes them, in the compiled IR's
    order: the edges, except that a runner counts a repeat's loops itself.
    So a `repeat` has `loop` and then `done` (to what follows, taken once
    `at most` loops were taken; a repeat without `at most` keeps it but
    never takes it), and its interval wait one `next` back to the repeat."""
    data = g.nodes[node]
    if data["type"] == "repeat":
        loop = [edge for edge in edges(g, node) if edge[1]["kind"] == "loop"]
        done: Attrs = dict(
            kind="done",
            guard=None,
            delay=0,
            min_delay=0,
            max_delay=0,
            weight=None,
            label=None,
            bound=data["bound"],
            order=len(loop),
        )
        return loop + [(data["after"], done)]
    if data.get("repeat") is not None:
        again = next(edge for edge in edges(g, node) if edge[1]["kind"] == "again")
        return [(again[0], dict(again[1], kind="next"))]
    return edges(g, node)


def programme_graph(programme: Programme) -> DiGraph[str]:
    """Flows as nodes; an edge wherever a step or a score threshold moves a
    contact into another flow."""
    g: DiGraph[str] = DiGraph()
    for name, flow in programme.flows.items():
        g.add_node(name, flow=flow)
    for name, flow in programme.flows.items():
        for step in iter_steps(flow.steps):
            if isinstance(step, n.MoveTo):
                g.add_edge(name, step.flow, via=step.id)
    for score in programme.scores.values():
        for threshold in score.thresholds:
            for action in threshold.actions:
                if isinstance(action, n.MoveTo):
                    g.add_node(f"{score.name}.{threshold.name}", threshold=threshold)
                    g.add_edge(f"{score.name}.{threshold.name}", action.flow, via="threshold")
    return g
