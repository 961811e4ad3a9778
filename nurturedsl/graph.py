"""Each flow as a state graph: the form lint, render and compile consume.

A flow is a `networkx.MultiDiGraph` (a `DiGraph` that may hold two edges
between the same nodes, as two empty branch arms do). Nodes are step ids
plus `@entry` and `@end`; each node carries `type`, `step` (its syntax node,
or None) and `span`. Each edge is one transition, with:

- `kind`: next, branch, else, split, event, timeout, loop, done, goto
- `guard`: the condition that must hold (branch arms, `on event`), or None
- `delay`: seconds the contact waits before taking it (waits, time-outs)
- `weight`: the share of contacts, for split arms
- `order`: the position among the node's transitions, for stable output

Steps that end the contact's time in the flow (`exit`, `handoff`,
`suppress`, `move to`) have no outgoing edges; falling off the end of the
body goes to `@end`. A `repeat` becomes a cycle through a wait node of its
own (`<id>@wait`; no step name holds an `@`), so every loop holds its wait in the graph.
"""

from __future__ import annotations

import networkx as nx

from . import nodes as n
from .model import Programme, iter_steps

ENTRY = "@entry"
END = "@end"
TERMINAL_TYPES = ("exit", "handoff", "suppress", "move_to")


class _FlowBuilder:
    def __init__(self, flow: n.Flow):
        self.flow = flow
        self.g = nx.MultiDiGraph(flow=flow.name)

    def edge(self, source: str, target: str, kind: str, **attrs) -> None:
        order = self.g.out_degree(source)
        self.g.add_edge(source, target, kind=kind, guard=attrs.get("guard"), delay=attrs.get("delay", 0),
                        weight=attrs.get("weight"), label=attrs.get("label"), order=order)

    def build(self) -> nx.MultiDiGraph:
        self.g.add_node(ENTRY, type="entry", step=None, span=self.flow.span)
        self.g.add_node(END, type="end", step=None, span=self.flow.span)
        first = self.body(self.flow.steps, END)
        self.edge(ENTRY, first, "next")
        return self.g

    def body(self, steps: list[n.AnyStep], continuation: str) -> str:
        """Add `steps` so that the last one leads to `continuation`; return the
        id of the first (or `continuation` for an empty body)."""
        for step in reversed(steps):
            self.step(step, continuation)
            continuation = step.id
        return continuation

    def step(self, step: n.AnyStep, after: str) -> None:
        g = self.g
        g.add_node(step.id, type=step.type if not isinstance(step, n.Touch) else step.channel,
                   step=step, span=step.span)
        if isinstance(step, n.Wait):
            self.edge(step.id, after, "next", delay=step.duration.seconds)
        elif isinstance(step, n.WaitUntil):
            self.edge(step.id, self.body(step.on_event or [], after), "event", guard=step.condition)
            if step.timeout is not None:
                self.edge(step.id, self.body(step.on_timeout or [], after), "timeout", delay=step.timeout.seconds)
        elif isinstance(step, n.Branch):
            for arm in step.arms:
                self.edge(step.id, self.body(arm.steps, after), "branch", guard=arm.condition)
            self.edge(step.id, self.body(step.otherwise or [], after), "else",
                      label=None if step.otherwise is not None else "no arm matched")
        elif isinstance(step, n.Split):
            for arm in step.arms:
                self.edge(step.id, self.body(arm.steps, after), "split", weight=arm.percent, label=arm.name)
        elif isinstance(step, n.Repeat):
            wait_id = f"{step.id}@wait"
            g.add_node(wait_id, type="wait", step=None, span=step.span, repeat=step.id)
            self.edge(wait_id, step.id, "next", delay=step.every.seconds)
            self.edge(step.id, self.body(step.steps, wait_id), "loop")
            self.edge(step.id, after, "done")
        elif isinstance(step, n.Goto):
            self.edge(step.id, step.target, "goto")
        elif step.type in TERMINAL_TYPES:
            pass
        else:
            self.edge(step.id, after, "next")


def flow_graph(flow: n.Flow) -> nx.MultiDiGraph:
    """The state graph of one checked flow."""
    return _FlowBuilder(flow).build()


def transitions(g: nx.MultiDiGraph, node: str) -> list[tuple[str, dict]]:
    """A node's outgoing transitions in source order."""
    out = [(target, data) for _, target, data in g.out_edges(node, data=True)]
    return sorted(out, key=lambda item: item[1]["order"])


def programme_graph(programme: Programme) -> nx.DiGraph:
    """Flows as nodes; an edge wherever a step or a score threshold moves a
    contact into another flow."""
    g = nx.DiGraph()
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
