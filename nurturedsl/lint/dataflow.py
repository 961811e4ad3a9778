"""Path properties of a flow as dataflow over its state graph.

A flow with 30 nested branches has 2^30 paths, so no rule walks paths.
Instead a rule states, per node, the worst value over all paths that reach
it (the fewest gives before it, the longest time since the last touch), and
`FlowAnalysis.forward` computes that in one pass over the nodes in
topological order: linear in the size of the graph. Each improvement
remembers the node it came from, so one witness path can be read back.

Loops (`repeat`, a backwards `goto`) are the graph's back edges. A second
pass carries what flows along them once more round the loop; for the
properties here that is the whole effect of going round again (a touch in
the body resets what matters), and it keeps the cost linear. A loop body
with no touch at all is where two passes understate how long a contact can
go without one; NUR102 and NUR204 speak about such loops directly.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Hashable, Iterable

import networkx as nx

from .. import nodes as n
from ..graph import END, ENTRY

INFINITY = math.inf

# The contact-facing touches, as docs/ir.md defines them for runners (and
# the frequency cap): a task or a notification goes to our own team, so it
# counts neither for speed-to-lead nor for cadence.
CONTACT_CHANNELS = ("email", "sms", "linkedin", "ads")


def depth_first(start: str, children: Callable[[str], Iterable[tuple[str, Hashable]]]
                ) -> tuple[list[str], set[tuple[str, str, Hashable]]]:
    """Reverse postorder of the nodes reachable from `start`, and the edges
    that close a loop (to a node still on the stack), as (source, target,
    key). `children(node)` gives each outgoing edge as (target, key)."""
    postorder: list[str] = []
    back: set[tuple[str, str, Hashable]] = set()
    state: dict[str, int] = {start: 1}  # 1 on the stack, 2 done
    stack = [(start, iter(children(start)))]
    while stack:
        node, pending = stack[-1]
        for target, key in pending:
            seen = state.get(target)
            if seen is None:
                state[target] = 1
                stack.append((target, iter(children(target))))
                break
            if seen == 1:
                back.add((node, target, key))
        else:
            stack.pop()
            state[node] = 2
            postorder.append(node)
    postorder.reverse()
    return postorder, back


class FlowAnalysis:
    def __init__(self, flow: n.Flow, g: nx.MultiDiGraph, programme=None):
        self.flow = flow
        self.g = g
        self.programme = programme
        self._successors: dict[str, list[tuple[str, dict]]] = {}
        for source, target, data in g.edges(data=True):
            self._successors.setdefault(source, []).append((target, data))
        for out in self._successors.values():
            out.sort(key=lambda item: item[1]["order"])
        self.order, self.back_edges = depth_first(
            ENTRY, lambda node: ((target, data["order"]) for target, data in self._successors.get(node, ())))
        self.reachable = set(self.order)

    # ---- structure
    def successors(self, node: str) -> list[tuple[str, dict]]:
        return self._successors.get(node, [])

    def step(self, node: str) -> n.AnyStep | None:
        return self.g.nodes[node].get("step")

    def span(self, node: str):
        return self.g.nodes[node]["span"]

    def steps(self) -> Iterable[tuple[str, n.AnyStep]]:
        for node, data in self.g.nodes(data=True):
            if data.get("step") is not None:
                yield node, data["step"]

    # ---- what a node does
    def is_contact(self, node: str) -> bool:
        """A touch that reaches the contact (see CONTACT_CHANNELS)."""
        step = self.step(node)
        return isinstance(step, n.Touch) and step.channel in CONTACT_CHANNELS

    def intent(self, node: str) -> str | None:
        """"give" or "ask" for a touch that sends content, else None.
        Internal notifications never count."""
        step = self.step(node)
        if not isinstance(step, n.Touch) or step.channel == "notify":
            return None
        if step.content and self.programme is not None and step.content in self.programme.contents:
            return self.programme.contents[step.content].kind
        return step.intent

    def delays(self, node: str, data: dict) -> tuple[float, float]:
        """The shortest and longest time a contact spends on an edge. An `on
        event` edge is taken any time from at once to the time-out."""
        if data["kind"] == "event":
            step = self.step(node)
            timeout = getattr(step, "timeout", None)
            return 0, (timeout.seconds if timeout is not None else INFINITY)
        return data["delay"], data["delay"]

    # ---- dataflow
    def forward(self, init: Any, transfer: Callable[[str, Any], Any], along: Callable[[Any, str, dict], Any],
                better: Callable[[Any, Any], bool], passes: int = 2) -> tuple[dict[str, Any], dict[str, str]]:
        """The worst value over all paths into each node.

        `transfer(node, value)` is the value after the node (None: paths stop
        here); `along(value, node, edge)` the value at the end of an edge;
        `better(a, b)` says a is worse for the contact than b, so a wins.
        Returns the value on the way into each reachable node and, for
        witnesses, the predecessor that gave it.
        """
        values: dict[str, Any] = {ENTRY: init}
        preds: dict[str, str] = {}
        for _ in range(passes):
            changed = False
            for node in self.order:
                if node not in values:
                    continue
                out = transfer(node, values[node])
                if out is None:
                    continue
                for target, data in self.successors(node):
                    candidate = along(out, node, data)
                    if candidate is None:
                        continue
                    old = values.get(target)
                    if old is None or better(candidate, old):
                        values[target] = candidate
                        preds[target] = node
                        changed = True
            if not changed:
                break
        return values, preds

    def witness(self, preds: dict[str, str], node: str) -> tuple[str, ...]:
        """The path from the entry to `node` that `forward` remembered."""
        path = [node]
        seen = {node}
        while path[-1] in preds:
            previous = preds[path[-1]]
            if previous in seen:
                break
            seen.add(previous)
            path.append(previous)
        return tuple(reversed(path))

    def describe(self, path: Iterable[str]) -> str:
        """A witness path for people: step names, waits with their length."""
        words = []
        for node in path:
            if node == ENTRY:
                words.append("entry")
            elif node == END:
                words.append("end of flow")
            else:
                step = self.step(node)
                if isinstance(step, n.Wait):
                    words.append(f"wait {step.duration.text}")
                elif step is None and self.g.nodes[node].get("repeat"):
                    repeat = self.step(self.g.nodes[node]["repeat"])
                    words.append(f"wait {repeat.every.text} (repeat)")
                else:
                    words.append(node)
        return " → ".join(words)


def days(seconds: float) -> str:
    """A duration for messages: `3d`, `36h`, `90m`."""
    if seconds == INFINITY:
        return "forever"
    seconds = int(seconds)
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"
